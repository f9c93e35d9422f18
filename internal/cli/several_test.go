package cli_test

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tsapi-go/tsapi/internal/cli/cmdutil"
	"github.com/tsapi-go/tsapi/internal/cli/root"
	"github.com/tsapi-go/tsapi/tsapitest"
)

// runMain runs the tool in process, as a pipe would (no terminal).
func runMain(t *testing.T, env map[string]string, args ...string) (string, string, int) {
	return runMainIn(t, env, "", args...)
}

// runMainIn is runMain with stdin.
func runMainIn(t *testing.T, env map[string]string, stdin string, args ...string) (string, string, int) {
	t.Helper()
	ios, in, out, errOut := cmdutil.Test()
	in.WriteString(stdin)
	code := root.Main(args, ios, func(k string) string { return env[k] })
	return out.String(), errOut.String(), code
}

var admin = map[string]string{"TSAPI_USER": "ionadmin", "TSAPI_PASSWORD": "ionadmin", "HOME": "/nonexistent"}

func ptr[T any](v T) *T { return &v }

// Server A holds Pending jobs 1-5; server B holds jobs 1-5 in other states
// and Pending jobs 6-8. A patch by filter must change only each server's
// own matches.
func TestPatchByFilterOnTwoServersChangesEachServersOwnMatches(t *testing.T) {
	a, b := tsapitest.New(t), tsapitest.New(t)
	for id := int64(1); id <= 5; id++ {
		a.AddJob(tsapitest.Job{ID: id, State: "Pending"})
	}
	for i, st := range []string{"Started", "Cancelled", "Completed", "Declined", "Error"} {
		b.AddJob(tsapitest.Job{ID: int64(i + 1), State: st})
	}
	for id := int64(6); id <= 8; id++ {
		b.AddJob(tsapitest.Job{ID: id, State: "Pending"})
	}
	b.SetLatency(30 * time.Millisecond) // B lists after A has found its ids

	_, errOut, code := runMain(t, admin, "--server", a.URL(), "--server", b.URL(), "jobs", "patch",
		"--state", "Pending", "--filter", "id__lte=300", "--set-grid-engine-jobid", "4242", "--yes", "-o", "jsonl")
	require.Equal(t, 0, code, errOut)
	for id := int64(1); id <= 5; id++ {
		j, _ := a.Job(id)
		assert.Equal(t, ptr[int64](4242), j.GridEngineJobID, "A's Pending job %d", id)
		j, _ = b.Job(id)
		assert.Nil(t, j.GridEngineJobID, "B's %s job %d is not Pending: untouched", j.State, id)
	}
	for id := int64(6); id <= 8; id++ {
		j, _ := b.Job(id)
		assert.Equal(t, ptr[int64](4242), j.GridEngineJobID, "B's Pending job %d", id)
	}
}

// A write by id names a job of one server: on several it is refused unless
// --all-servers says so, and nothing is sent.
func TestWriteByIDOnSeveralServersNeedsAllServers(t *testing.T) {
	a, b := tsapitest.New(t), tsapitest.New(t)
	a.AddJob(tsapitest.Job{ID: 3, State: "Queued"})
	b.AddJob(tsapitest.Job{ID: 3, State: "Started"})
	for _, args := range [][]string{
		{"jobs", "set-state", "3", "Cancelled"},
		{"jobs", "patch", "3", "--set-run-level", "post"},
		{"jobs", "delete", "3", "--yes"},
		{"results", "store", "3", "-"},
		{"plugins", "launch", "101", "variantCaller"},
	} {
		_, errOut, code := runMainIn(t, admin, "{}", append([]string{"--server", a.URL(), "--server", b.URL()}, args...)...)
		assert.Equal(t, 2, code, "%v: %s", args, errOut)
		assert.Contains(t, errOut, "--all-servers", args)
	}
	for _, s := range []*tsapitest.Server{a, b} {
		assert.Zero(t, s.CountRequests("PATCH", "")+s.CountRequests("DELETE", "")+s.CountRequests("POST", ""), "nothing sent")
	}
	_, errOut, code := runMain(t, admin, "--server", a.URL(), "--server", b.URL(), "jobs", "set-state", "3", "Cancelled", "--all-servers")
	require.Equal(t, 0, code, errOut)
	for _, s := range []*tsapitest.Server{a, b} {
		j, _ := s.Job(3)
		assert.Equal(t, "Cancelled", j.State)
	}
}

// Two names for one server (a repeated --server, two profiles) act on it
// once.
func TestDuplicateServersAreDropped(t *testing.T) {
	a := tsapitest.New(t)
	a.AddJob(tsapitest.Job{ID: 3, State: "Queued"})
	_, errOut, code := runMain(t, admin, "--server", a.URL(), "--server", a.URL()+"/", "jobs", "set-state", "3", "Cancelled")
	require.Equal(t, 0, code, errOut)
	assert.Equal(t, 1, a.CountRequests("PATCH", ""), "patched once")
	assert.Contains(t, errOut, "once")

	dir := t.TempDir()
	cfg := dir + "/config.yaml"
	require.NoError(t, writeFile(cfg, "profiles:\n  one:\n    server: "+a.URL()+"\n    user: ionadmin\n    password_env: PW\n"+
		"  two:\n    server: "+a.URL()+"/rundb/api/v1/\n    user: ionadmin\n    password_env: PW\n"))
	a.ClearRequests()
	env := map[string]string{"TSAPI_CONFIG": cfg, "PW": "ionadmin"}
	out, errOut, code := runMain(t, env, "--profile", "all", "jobs", "set-state", "3", "Queued", "-o", "jsonl")
	require.Equal(t, 0, code, errOut)
	assert.Equal(t, 1, a.CountRequests("PATCH", ""), "patched once")
	assert.Equal(t, 1, strings.Count(out, "\n"), out)
	assert.Contains(t, errOut, "one and two name the same server")
}

// As an account that may not delete, a Torrent Server answers a delete by
// filter with 204 and deletes nothing: the tool counts again and says so.
func TestDeleteByFilterThatDeletedNothingSaysWhy(t *testing.T) {
	a := tsapitest.New(t)
	for range 3 {
		a.AddJob(tsapitest.Job{State: "Error"})
	}
	reader := map[string]string{"TSAPI_USER": "ionreader", "TSAPI_PASSWORD": "ionreader"}
	out, errOut, code := runMain(t, reader, "--server", a.URL(), "jobs", "delete", "--state", "Error", "--yes")
	assert.Equal(t, 4, code, errOut)
	assert.Contains(t, errOut, "deleted none of the 3")
	assert.Contains(t, errOut, "user ionreader may not delete jobs")
	assert.NotContains(t, out, "3")
	assert.Len(t, a.Jobs(), 3)

	// The admin deletes them; the count is of what went.
	out, errOut, code = runMain(t, admin, "--server", a.URL(), "jobs", "delete", "--state", "Error", "--yes", "-o", "jsonl")
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, `"deleted":3`)
	assert.Empty(t, a.Jobs())
}

// A server that accepts a patch by filter and applies none of it is told
// apart from one that applied it.
func TestPatchByFilterThatChangedNothingSaysSo(t *testing.T) {
	a := tsapitest.New(t)
	for range 3 {
		a.AddJob(tsapitest.Job{State: "Queued"})
	}
	a.AddFault(tsapitest.Fault{Method: "PATCH", Status: 202}) // answered, not applied
	_, errOut, code := runMain(t, admin, "--server", a.URL(), "jobs", "patch", "--state", "Queued", "--set-run-level", "post", "--yes")
	assert.Equal(t, 1, code, errOut)
	assert.Contains(t, errOut, "0 of 3 jobs")
}

// writes lists the writes a server received, as a dry run prints them.
func writes(s *tsapitest.Server) []string {
	var out []string
	for _, r := range s.Requests() {
		if r.Method == "GET" {
			continue
		}
		line := "would send: " + r.Method + " " + s.URL() + r.Path
		if r.RawQuery != "" {
			line += "?" + r.RawQuery
		}
		if len(r.Body) > 0 {
			line += " " + string(r.Body)
		}
		out = append(out, line)
	}
	return out
}

// A dry run prints exactly the writes the same command then sends.
func TestDryRunPrintsTheWritesARealRunSends(t *testing.T) {
	for _, args := range [][]string{
		{"jobs", "patch", "--state", "Queued", "--set-grid-engine-jobid", "4242", "--yes"},
		{"jobs", "patch", "2", "3", "--set-run-level", "post"},
		{"jobs", "set-state", "2", "Cancelled"},
		{"jobs", "delete", "--state", "Queued", "--yes"},
		{"jobs", "delete", "2", "3", "--yes"},
		{"plugins", "launch", "101", "variantCaller"},
	} {
		a := tsapitest.New(t)
		a.AddPlugin(tsapitest.Plugin{ID: 1, Name: "variantCaller", Version: "5.18.0.1", Active: true, Selected: true})
		a.AddResult(tsapitest.Result{ID: 101, Name: "r"})
		for range 4 {
			a.AddJob(tsapitest.Job{State: "Queued"})
		}
		base := append([]string{"--server", a.URL()}, args...)
		dry, errOut, code := runMain(t, admin, append(base, "--dry-run")...)
		require.Equal(t, 0, code, "%v: %s", args, errOut)
		assert.Empty(t, writes(a), "%v: a dry run sends no write", args)
		_, errOut, code = runMain(t, admin, base...)
		require.Equal(t, 0, code, "%v: %s", args, errOut)
		assert.Equal(t, writes(a), strings.Split(strings.TrimSpace(dry), "\n"), args)
	}
}

func writeFile(path, text string) error { return os.WriteFile(path, []byte(text), 0o600) }
