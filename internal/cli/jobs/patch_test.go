package jobs

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tsapi-go/tsapi"
	"github.com/tsapi-go/tsapi/internal/cli/clitest"
	"github.com/tsapi-go/tsapi/internal/cli/cmdutil"
	"github.com/tsapi-go/tsapi/tsapitest"
)

func TestNewCmdPatch(t *testing.T) {
	grid := tsapi.PluginResultJobPatch{GridEngineJobID: tsapi.Value[int64](4242)}
	for _, tt := range []struct {
		args    []string
		stdin   string
		ids     []int64
		filter  Filter
		patch   *tsapi.PluginResultJobPatch
		yes     bool
		wantErr string
	}{
		{args: []string{"5", "--set-run-level", "post"}, ids: []int64{5}, patch: &tsapi.PluginResultJobPatch{RunLevel: "post"}},
		{args: []string{"--state", "Pending", "--set-grid-engine-jobid", "4242", "-y"},
			filter: Filter{States: []tsapi.JobState{"Pending"}}, patch: &grid, yes: true},
		{args: []string{"5", "--set-grid-engine-jobid", "null"}, ids: []int64{5}, patch: &tsapi.PluginResultJobPatch{GridEngineJobID: tsapi.Null[int64]()}},
		{args: []string{"5", "--set-state", "Error", "--set-config", "-"}, stdin: `{"threads": 8}`, ids: []int64{5},
			patch: &tsapi.PluginResultJobPatch{State: "Error", Config: configOf(t, `{"threads": 8}`)}},
		{args: []string{"5"}, wantErr: "nothing to change"},
		{args: []string{"--set-state", "Error"}, wantErr: "name the jobs to patch"},
		{args: []string{"5", "--state", "Error", "--set-state", "Error"}, wantErr: "by id or by filter, not both"},
		{args: []string{"5", "--set-grid-engine-jobid", "many"}, wantErr: "want a number or null"},
		{args: []string{"5", "--set-grid-engine-jobid", "2147483648"}, wantErr: "the server stores a number from -2147483648 to 2147483647"},
		{args: []string{"5", "--set-config", "-"}, stdin: `[1]`, wantErr: "--set-config -"},
		{args: []string{"5", "--set-state", "Canceled"}, wantErr: `did you mean "Cancelled"`},
	} {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			f, st := clitest.Factory(t)
			st.In.WriteString(tt.stdin)
			got, err := clitest.Parse(t, f, NewCmdPatch, tt.args...)
			if tt.wantErr != "" {
				clitest.Usage(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.ids, got.IDs)
			assert.Equal(t, tt.filter, got.Filter)
			assert.Equal(t, tt.patch, got.Patch)
			assert.Equal(t, tt.yes, got.Yes)
		})
	}
}

func configOf(t *testing.T, s string) *tsapi.JobConfig {
	c, err := tsapi.JobConfigFromJSON([]byte(s))
	require.NoError(t, err)
	return &c
}

func patchOpts(t *testing.T, servers func() ([]*cmdutil.Server, error), p *tsapi.PluginResultJobPatch) (*PatchOptions, clitest.Streams) {
	_, st := clitest.Factory(t)
	return &PatchOptions{IO: st.IO, Servers: servers, Ctx: context.Background(), Patch: p, Yes: true}, st
}

// Server A holds Pending jobs 1-5; server B holds jobs 1-5 in other states
// and Pending jobs 6-8. A patch by filter changes each server's own
// matches only (the race detector watched the ids the runs once shared).
func TestPatchRunByFilterOnTwoServers(t *testing.T) {
	a, b := tsapitest.New(t), tsapitest.New(t)
	seed(a, "Pending", "Pending", "Pending", "Pending", "Pending")
	seed(b, "Started", "Cancelled", "Completed", "Declined", "Error", "Pending", "Pending", "Pending")
	b.SetLatency(30 * time.Millisecond) // B lists after A has found its ids
	opts, st := patchOpts(t, clitest.Admins(t, a, b), &tsapi.PluginResultJobPatch{GridEngineJobID: tsapi.Value[int64](4242)})
	opts.Filter = Filter{States: []tsapi.JobState{"Pending"}, Filters: map[string][]string{"id__lte": {"300"}}}
	opts.Output.Format = cmdutil.FormatJSONL
	require.NoError(t, patchRun(opts))
	for id := int64(1); id <= 5; id++ {
		j, _ := a.Job(id)
		assert.Equal(t, tsapi.Ptr[int64](4242), j.GridEngineJobID, "A's Pending job %d", id)
		j, _ = b.Job(id)
		assert.Nil(t, j.GridEngineJobID, "B's %s job %d is not Pending: untouched", j.State, id)
	}
	for id := int64(6); id <= 8; id++ {
		j, _ := b.Job(id)
		assert.Equal(t, tsapi.Ptr[int64](4242), j.GridEngineJobID, "B's Pending job %d", id)
	}
	assert.Equal(t, 5, strings.Count(st.Out.String(), `"server":"a"`))
	assert.Equal(t, 3, strings.Count(st.Out.String(), `"server":"b"`))
}

func TestPatchRun(t *testing.T) {
	t.Run("by id on a terminal: each change", func(t *testing.T) {
		a := tsapitest.New(t)
		seed(a, "Queued", "Queued")
		opts, st := patchOpts(t, clitest.Admins(t, a), &tsapi.PluginResultJobPatch{RunLevel: "post"})
		opts.IDs = []int64{1, 2}
		st.IO.SetStdoutTTY(true)
		require.NoError(t, patchRun(opts))
		assert.Equal(t, "job 1: run_level default → post\njob 2: run_level default → post\n", st.Out.String())
	})
	t.Run("the prompt says how many jobs match", func(t *testing.T) {
		a, b := tsapitest.New(t), tsapitest.New(t)
		seed(a, "Error", "Error", "Queued")
		seed(b, "Error")
		opts, st := patchOpts(t, clitest.Admins(t, a, b), &tsapi.PluginResultJobPatch{State: "Cancelled"})
		opts.Filter.States, opts.Yes = []tsapi.JobState{"Error"}, false
		st.IO.SetStdinTTY(true)
		st.IO.SetStderrTTY(true)
		st.In.WriteString("n\n")
		err := patchRun(opts)
		assert.Equal(t, cmdutil.ExitError, cmdutil.ExitCode(err))
		assert.Equal(t, "Patch 3 jobs matching state Error on a (2) and b (1)? [y/N] ", st.ErrOut.String())
		assert.Empty(t, append(clitest.Writes(a), clitest.Writes(b)...))
	})
	t.Run("off a terminal, without --yes, nothing is sent", func(t *testing.T) {
		a := tsapitest.New(t)
		seed(a, "Error")
		opts, _ := patchOpts(t, clitest.Admins(t, a), &tsapi.PluginResultJobPatch{State: "Cancelled"})
		opts.Filter.States, opts.Yes = []tsapi.JobState{"Error"}, false
		clitest.Usage(t, patchRun(opts), "add --yes")
		assert.Empty(t, clitest.Writes(a))
	})
	t.Run("a patch accepted and not applied is reported", func(t *testing.T) {
		a := tsapitest.New(t)
		seed(a, "Queued", "Queued", "Queued")
		a.AddFault(tsapitest.Fault{Method: http.MethodPatch, Status: http.StatusAccepted}) // answered, not applied
		opts, _ := patchOpts(t, clitest.Admins(t, a), &tsapi.PluginResultJobPatch{RunLevel: "post"})
		opts.Filter.States = []tsapi.JobState{"Queued"}
		err := patchRun(opts)
		assert.Equal(t, cmdutil.ExitError, cmdutil.ExitCode(err))
		assert.Equal(t, "the server accepted the patch, but 0 of 3 jobs hold the new values", err.Error())
	})
	t.Run("an account that may not change jobs", func(t *testing.T) {
		a := tsapitest.New(t)
		seed(a, "Queued")
		srv := clitest.Server(t, "lab", a, tsapitest.ReaderUser)
		opts, _ := patchOpts(t, func() ([]*cmdutil.Server, error) { return []*cmdutil.Server{srv}, nil }, &tsapi.PluginResultJobPatch{RunLevel: "post"})
		opts.Filter.States = []tsapi.JobState{"Queued"}
		err := patchRun(opts)
		assert.Equal(t, cmdutil.ExitAuth, cmdutil.ExitCode(err))
		assert.Equal(t, "user ionreader may not change jobs", err.Error())
	})
	t.Run("by id on several servers needs --all-servers", func(t *testing.T) {
		a, b := tsapitest.New(t), tsapitest.New(t)
		seed(a, "Queued")
		seed(b, "Queued")
		opts, _ := patchOpts(t, clitest.Admins(t, a, b), &tsapi.PluginResultJobPatch{RunLevel: "post"})
		opts.IDs = []int64{1}
		clitest.Usage(t, patchRun(opts), "--all-servers")
		assert.Empty(t, append(clitest.Writes(a), clitest.Writes(b)...))
	})
}

// A dry run prints exactly the writes the same command then sends: for a
// patch by filter one bulk PATCH, not one PATCH a job.
func TestPatchRunDryRunPrintsTheWritesARealRunSends(t *testing.T) {
	for name, set := range map[string]func(*PatchOptions){
		"by filter": func(o *PatchOptions) { o.Filter.States = []tsapi.JobState{"Queued"} },
		"by id":     func(o *PatchOptions) { o.IDs = []int64{2, 3} },
	} {
		t.Run(name, func(t *testing.T) {
			a := tsapitest.New(t)
			seed(a, "Queued", "Queued", "Error", "Queued")
			p := &tsapi.PluginResultJobPatch{GridEngineJobID: tsapi.Value[int64](4242), State: "Cancelled"}
			dry, st := patchOpts(t, clitest.Admins(t, a), p)
			set(dry)
			dry.DryRun = true
			require.NoError(t, patchRun(dry))
			assert.Empty(t, clitest.Writes(a), "a dry run sends no write")
			real, _ := patchOpts(t, clitest.Admins(t, a), p)
			set(real)
			require.NoError(t, patchRun(real))
			assert.Equal(t, clitest.Writes(a), strings.Split(strings.TrimSpace(st.Out.String()), "\n"))
		})
	}
}
