package cli_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/tsapi-go/tsapi"
	"github.com/tsapi-go/tsapi/internal/refserver"
	"github.com/tsapi-go/tsapi/tsapitest"
)

// bin is the tool, built once for every test.
var bin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "tsapi-cli")
	if err != nil {
		panic(err)
	}
	bin = filepath.Join(dir, "tsapi")
	out, err := exec.Command("go", "build", "-o", bin, "../../cmd/tsapi").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "building the tool: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type result struct {
	stdout, stderr string
	code           int
}

// runTool runs the built tool with env (on top of a clean environment) and
// stdin.
func runTool(t *testing.T, env map[string]string, stdin string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("running tsapi %v: %v", args, err)
	}
	return result{out.String(), errOut.String(), code}
}

func adminEnv(server string) map[string]string {
	return map[string]string{"TSAPI_SERVER": server, "TSAPI_USER": "ionadmin", "TSAPI_PASSWORD": "ionadmin"}
}

func TestBinaryDoesNotLinkTesting(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "../../cmd/tsapi").Output()
	require.NoError(t, err)
	for _, dep := range strings.Fields(string(out)) {
		assert.NotEqual(t, "testing", dep, "the shipped binary must not link the testing package")
	}
}

func TestDocumentedDemoCommands(t *testing.T) {
	r := runTool(t, nil, "", "--demo", "jobs", "list")
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stderr, "in-process fake")
	assert.Equal(t, 20, strings.Count(r.stdout, "\n"))

	r = runTool(t, nil, "", "--demo", "jobs", "list", "-o", "json")
	assert.Equal(t, 0, r.code, r.stderr)
	var jobs []map[string]any
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &jobs), "one JSON document")
	assert.Len(t, jobs, 20)

	r = runTool(t, nil, "", "--demo", "jobs", "get", "987654321")
	assert.Equal(t, 3, r.code, "the not-found code")
	assert.Contains(t, r.stderr, "job 987654321")

	r = runTool(t, nil, "", "--demo", "jobs", "set-state", "1", "Bogus")
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, `unknown state "Bogus"`)
	r = runTool(t, nil, "", "--demo", "jobs", "set-state", "1", "cancelled")
	assert.Contains(t, r.stderr, `did you mean "Cancelled"`)

	r = runTool(t, nil, "", "completion", "bash")
	assert.Equal(t, 0, r.code)
	assert.Contains(t, r.stdout, "bash completion")

	r = runTool(t, nil, "", "version")
	assert.Equal(t, 0, r.code)
	lines := strings.Split(r.stdout, "\n")
	assert.Equal(t, "tsapi "+tsapi.Version+" (library "+tsapi.Version+")", lines[0])
	assert.Regexp(t, `^commit ([0-9a-f]{12}|unknown)`, lines[1], "the commit, from the build information")
	assert.Equal(t, runtime.Version()+" "+runtime.GOOS+"/"+runtime.GOARCH, lines[2])
	r = runTool(t, map[string]string{"TSAPI_CONFIG": "/etc/tsapi.yaml"}, "", "config", "path")
	assert.Equal(t, "/etc/tsapi.yaml\n", r.stdout)

	r = runTool(t, nil, "", "--demo", "demo")
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "demo done")
}

// The demo has runs around its jobs: analysis results, their experiments
// and plans.
func TestDemoRuns(t *testing.T) {
	r := runTool(t, nil, "", "--demo", "runs", "list", "-o", "json")
	require.Equal(t, 0, r.code, r.stderr)
	var results []map[string]any
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &results))
	require.Len(t, results, 4)
	assert.Equal(t, map[string]any{"id": 104.0, "name": "Auto_user_S5-0101-demo_104", "status": "Started",
		"experiment_name": "R_2026_11_04_08_00_00_user_S5-0101-demo", "experiment_status": "run", "timestamp": "2026-11-04T11:00:00.000Z"}, results[0])

	r = runTool(t, nil, "", "--demo", "experiments", "list", "--instrument", "S5XL0101", "--fields", "id,chip")
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, "53\t540\n51\t540\n", r.stdout)
	r = runTool(t, nil, "", "--demo", "plans", "list", "--template", "--system=false", "--fields", "id,short_id")
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, "61\tTMPL6\n", r.stdout)
	r = runTool(t, nil, "", "--demo", "jobs", "list", "-L", "2", "--fields", "id,state,result,experiment")
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, "2500\tDeclined\t102\t51\n2499\tStarted\t102\t51\n", r.stdout)

	old := runTool(t, nil, "", "--demo", "results", "list", "-L", "3")
	now := runTool(t, nil, "", "--demo", "pluginresults", "list", "-L", "3")
	assert.Equal(t, now.stdout, old.stdout)
	assert.Equal(t, now.code, old.code)
	assert.Contains(t, old.stderr, "tsapi: 'tsapi results' is deprecated: use 'tsapi pluginresults'; it will be removed in the next release\n")
	assert.NotContains(t, now.stderr, "deprecated")

	r = runTool(t, nil, "", "--demo", "schema", "generate", "results", "--type", "Result", "--package", "myts")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "\npackage myts\n")
	assert.Contains(t, r.stdout, "\nfunc NewResultService(c *tsapi.Client) *ResultServiceOp {")
}

func TestHelpOnEveryCommandExitsZero(t *testing.T) {
	for _, c := range [][]string{
		{}, {"jobs"}, {"jobs", "list"}, {"jobs", "get"}, {"jobs", "set-state"}, {"jobs", "patch"}, {"jobs", "delete"},
		{"jobs", "wait"}, {"jobs", "watch"}, {"pluginresults"}, {"pluginresults", "list"}, {"pluginresults", "get"},
		{"pluginresults", "store"}, {"results"}, {"results", "list"}, {"results", "get"}, {"results", "store"},
		{"plugins"}, {"plugins", "list"}, {"plugins", "get"}, {"plugins", "launch"}, {"schema"}, {"schema", "check"},
		{"schema", "generate"}, {"runs"}, {"runs", "list"}, {"runs", "get"}, {"experiments"}, {"experiments", "list"},
		{"experiments", "get"}, {"plans"}, {"plans", "list"}, {"plans", "get"}, {"pr", "list"},
		{"config"}, {"config", "list"}, {"config", "path"}, {"version"}, {"completion"}, {"demo"},
	} {
		r := runTool(t, nil, "", append(c, "--help")...)
		assert.Equal(t, 0, r.code, "%v --help: %s", c, r.stderr)
		assert.Contains(t, r.stdout, "Usage:", c)
		if len(c) > 0 && c[0] != "completion" {
			assert.Contains(t, r.stdout, "Examples:", "%v has examples", c)
		}
	}
	r := runTool(t, nil, "", "--help")
	assert.Contains(t, r.stdout, "Exit codes:")
}

func TestNoServerIsAnErrorThatSaysHowToNameOne(t *testing.T) {
	for _, args := range [][]string{{"jobs", "list"}, {"jobs", "set-state", "1", "Error"}, {"jobs", "delete", "1", "--yes"}} {
		r := runTool(t, map[string]string{"TSAPI_SERVR": "https://typo.example"}, "", args...)
		assert.Equal(t, 2, r.code, args)
		assert.Contains(t, r.stderr, "no server named")
		assert.Contains(t, r.stderr, "--server")
		assert.Contains(t, r.stderr, "--demo")
		assert.Empty(t, r.stdout)
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"nope"}, {"jobs", "lst"}, {"jobs", "list", "--bogus"}, {"--demo", "jobs", "get", "x"}, {"--demo", "jobs", "list", "-o", "xml"},
		{"--demo", "jobs", "list", "--fields", "id,nosuch"}, {"--demo", "jobs", "list", "--filter", "plugin_result=5"},
		{"--demo", "jobs", "list", "--since", "yesterday"}, {"--demo", "jobs", "patch", "3"},
		{"--demo", "--server", "http://x", "jobs", "list"}, {"--server", "ts.example.org", "jobs", "list"},
	} {
		r := runTool(t, nil, "", args...)
		assert.Equal(t, 2, r.code, "%v: %s", args, r.stderr)
		assert.NotEmpty(t, r.stderr, args)
	}
}

// referenceEnv gives the reference server to this test, reset.
func referenceEnv(t *testing.T) (map[string]string, *tsapi.Client) {
	base := refserver.Lock(t)
	refserver.Reset(t, base)
	t.Cleanup(func() { refserver.Reset(t, base) })
	c, err := tsapi.New(base, tsapi.WithBasicAuth("ionadmin", "ionadmin"))
	require.NoError(t, err)
	return adminEnv(base), c
}

func TestEveryOutputFormatParses(t *testing.T) {
	env, _ := referenceEnv(t)
	for _, args := range [][]string{
		{"jobs", "list", "--state", "Error"}, {"jobs", "get", "19"}, {"pluginresults", "list"}, {"pluginresults", "get", "1"},
		{"plugins", "list"}, {"plugins", "get", "1"}, {"schema", "check"}, {"runs", "list"}, {"runs", "get", "101"},
		{"experiments", "list"}, {"experiments", "get", "51"}, {"plans", "list"}, {"plans", "get", "61"},
		{"jobs", "list", "--fields", "id,state,plugin,result,result_name,experiment,experiment_name"},
	} {
		r := runTool(t, env, "", append(args, "-o", "json")...)
		require.Equal(t, 0, r.code, "%v: %s", args, r.stderr)
		var doc any
		assert.NoError(t, json.Unmarshal([]byte(r.stdout), &doc), "%v -o json", args)

		r = runTool(t, env, "", append(args, "-o", "jsonl")...)
		require.Equal(t, 0, r.code, r.stderr)
		sc := bufio.NewScanner(strings.NewReader(r.stdout))
		lines := 0
		for sc.Scan() {
			var obj map[string]any
			assert.NoError(t, json.Unmarshal(sc.Bytes(), &obj), "%v -o jsonl line %q", args, sc.Text())
			lines++
		}
		assert.Positive(t, lines, args)

		r = runTool(t, env, "", append(args, "-o", "yaml")...)
		require.Equal(t, 0, r.code, r.stderr)
		assert.NoError(t, yaml.Unmarshal([]byte(r.stdout), &doc), "%v -o yaml", args)

		r = runTool(t, env, "", append(args, "-o", "tsv")...)
		require.Equal(t, 0, r.code, r.stderr)
		for _, l := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
			assert.Equal(t, strings.Count(strings.Split(r.stdout, "\n")[0], "\t"), strings.Count(l, "\t"), "%v tsv columns", args)
		}

		r = runTool(t, env, "", append(args, "-o", "table")...)
		require.Equal(t, 0, r.code, r.stderr)
		rows := strings.Split(strings.TrimRight(r.stdout, "\n"), "\n")
		assert.Equal(t, strings.ToUpper(rows[0]), rows[0], "%v: a header row", args)
	}
	// Times are real instants; secrets never appear.
	r := runTool(t, env, "", "pluginresults", "get", "1", "-o", "json", "--fields", "id,store,starttime")
	assert.Equal(t, 0, r.code, r.stderr)
	r = runTool(t, env, "", "pluginresults", "list", "-o", "jsonl", "--all")
	assert.NotContains(t, r.stdout, "apikey")
	assert.NotContains(t, r.stdout+r.stderr, "ionadmin:ionadmin")
	assert.Regexp(t, regexp.MustCompile(`"starttime":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"`), r.stdout)
}

func TestWritesOnTheReferenceServer(t *testing.T) {
	env, c := referenceEnv(t)
	ctx := context.Background()

	r := runTool(t, env, "", "jobs", "set-state", "19", "Cancelled", "--dry-run")
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, `would send: PATCH `+env["TSAPI_SERVER"]+`/rundb/api/v1/PluginResultJob/19/ {"state":"Cancelled"}`)
	j, _, err := c.PluginResultJobs.Get(ctx, 19)
	require.NoError(t, err)
	assert.NotEqual(t, tsapi.StateCancelled, j.State, "a dry run sends nothing")

	r = runTool(t, env, "", "jobs", "set-state", "19", "Cancelled", "-o", "json")
	require.Equal(t, 0, r.code, r.stderr)
	var got map[string]any
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &got))
	assert.Equal(t, "Cancelled", got["state"])
	assert.NotNil(t, got["endtime"], "stamped by the server")

	r = runTool(t, env, "", "jobs", "patch", "19", "--set-run-level", "post", "-o", "jsonl")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, `"run_level":"post"`)

	// A destructive command is refused without --yes off a terminal.
	declined, _, err := c.PluginResultJobs.Count(ctx, &tsapi.PluginResultJobListOptions{State: tsapi.StateDeclined})
	require.NoError(t, err)
	require.Positive(t, declined)
	r = runTool(t, env, "", "jobs", "delete", "--state", "Declined")
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "--yes")
	r = runTool(t, env, "", "jobs", "patch", "--state", "Declined", "--set-state", "Error")
	assert.Equal(t, 2, r.code)
	n, _, err := c.PluginResultJobs.Count(ctx, &tsapi.PluginResultJobListOptions{State: tsapi.StateDeclined})
	require.NoError(t, err)
	assert.Equal(t, declined, n, "nothing deleted or patched")

	r = runTool(t, env, "", "jobs", "delete", "--state", "Declined", "--dry-run")
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "would send: DELETE ")
	assert.Contains(t, r.stdout, "state=Declined")

	r = runTool(t, env, "", "jobs", "patch", "--state", "Declined", "--run-level", "block", "--set-state", "Error", "--yes", "-o", "jsonl")
	require.Equal(t, 0, r.code, r.stderr)
	r = runTool(t, env, "", "jobs", "delete", "--state", "Declined", "--yes")
	require.Equal(t, 0, r.code, r.stderr)
	n, _, err = c.PluginResultJobs.Count(ctx, &tsapi.PluginResultJobListOptions{State: tsapi.StateDeclined})
	require.NoError(t, err)
	assert.Zero(t, n)
	r = runTool(t, env, "", "jobs", "delete", "7", "--yes")
	require.Equal(t, 0, r.code, r.stderr)
	r = runTool(t, env, "", "jobs", "get", "7")
	assert.Equal(t, 3, r.code)

	// Store, launch, wait.
	r = runTool(t, env, `{"reads": 1000, "ratio": 0.5}`, "pluginresults", "store", "1", "-", "--fields", "id,store", "-o", "json")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, `"reads": 1000`)
	r = runTool(t, env, "", "plugins", "launch", "101", "sampleID")
	require.Equal(t, 0, r.code, r.stderr)
	r = runTool(t, env, "", "plugins", "launch", "101", "noSuchPlugin")
	assert.Equal(t, 5, r.code, "410 from the server")

	for state, code := range map[tsapi.JobState]int{tsapi.StateCompleted: 0, tsapi.StateError: 10, tsapi.StateCancelled: 11,
		tsapi.StateTimedOut: 12, tsapi.StateDeclined: 13, tsapi.StateArchived: 14} {
		q, _, err := c.PluginResultJobs.List(ctx, &tsapi.PluginResultJobListOptions{State: tsapi.StateQueued, ListOptions: tsapi.ListOptions{Limit: 1}})
		require.NoError(t, err)
		id := q[0].ID
		go func() {
			time.Sleep(300 * time.Millisecond)
			_, _ = c.PluginResultJobs.SetState(ctx, id, state)
		}()
		r = runTool(t, env, "", "jobs", "wait", fmt.Sprint(id), "--interval", "100ms")
		assert.Equal(t, code, r.code, "wait for %s: %s", state, r.stderr)
		assert.Contains(t, r.stdout, string(state))
	}
}

func TestExitCodes(t *testing.T) {
	env, c := referenceEnv(t)
	q, _, err := c.PluginResultJobs.List(context.Background(), &tsapi.PluginResultJobListOptions{State: tsapi.StateQueued, ListOptions: tsapi.ListOptions{Limit: 1}})
	require.NoError(t, err)
	r := runTool(t, env, "", "jobs", "wait", fmt.Sprint(q[0].ID), "--interval", "50ms", "--timeout", "1s")
	assert.Equal(t, 1, r.code, "a wait that timed out: %s", r.stderr)
	assert.Contains(t, r.stderr, "still Queued")
	wrong := map[string]string{"TSAPI_SERVER": env["TSAPI_SERVER"], "TSAPI_USER": "ionadmin", "TSAPI_PASSWORD": "wrong"}
	assert.Equal(t, 4, runTool(t, wrong, "", "jobs", "list").code, "authentication")
	reader := map[string]string{"TSAPI_SERVER": env["TSAPI_SERVER"], "TSAPI_USER": "ionreader", "TSAPI_PASSWORD": "ionreader"}
	assert.Equal(t, 4, runTool(t, reader, "", "jobs", "set-state", "19", "Error").code, "permission")
	assert.Equal(t, 6, runTool(t, adminEnv("http://127.0.0.1:1"), "", "jobs", "list").code, "network")

	srv := tsapitest.NewServer()
	defer srv.Close()
	srv.AddJob(tsapitest.Job{State: "Queued"})
	fake := adminEnv(srv.URL())
	srv.AddFault(tsapitest.Fault{Status: http.StatusInternalServerError, Times: -1, Method: "GET"})
	assert.Equal(t, 5, runTool(t, fake, "", "jobs", "list").code, "server error")
	srv.ClearFaults()
	srv.AddFault(tsapitest.Fault{Method: "PATCH", Status: http.StatusGatewayTimeout})
	r = runTool(t, fake, "", "jobs", "set-state", "1", "Error")
	assert.Equal(t, 8, r.code, "outcome unknown: %s", r.stderr)
	assert.Contains(t, r.stderr, "may or may not")
}

func TestSeveralServersWithOneDown(t *testing.T) {
	env, _ := referenceEnv(t)
	srv := tsapitest.NewServer()
	defer srv.Close()
	srv.AddJob(tsapitest.Job{State: "Error"})
	e := map[string]string{"TSAPI_USER": "ionadmin", "TSAPI_PASSWORD": "ionadmin"}
	r := runTool(t, e, "", "--server", env["TSAPI_SERVER"], "--server", srv.URL(), "--server", "http://127.0.0.1:1",
		"jobs", "list", "--state", "Error", "--limit", "3", "-o", "jsonl")
	assert.Equal(t, 7, r.code, "partial failure: %s", r.stderr)
	servers := map[string]int{}
	sc := bufio.NewScanner(strings.NewReader(r.stdout))
	for sc.Scan() {
		var row map[string]any
		require.NoError(t, json.Unmarshal(sc.Bytes(), &row))
		servers[row["server"].(string)]++
	}
	assert.Equal(t, map[string]int{env["TSAPI_SERVER"]: 3, srv.URL(): 1}, servers, "each row labelled; the down server hides nothing")
	assert.Contains(t, r.stderr, "http://127.0.0.1:1")

	r = runTool(t, e, "", "--server", env["TSAPI_SERVER"], "--server", srv.URL(), "jobs", "list", "-o", "table", "--limit", "2")
	assert.Equal(t, 0, r.code, r.stderr)
	assert.True(t, strings.HasPrefix(r.stdout, "SERVER"), r.stdout)
}

func TestProfiles(t *testing.T) {
	env, _ := referenceEnv(t)
	dir := t.TempDir()
	pw := filepath.Join(dir, "lab.password")
	require.NoError(t, os.WriteFile(pw, []byte("ionadmin\n"), 0o600))
	loose := filepath.Join(dir, "loose.password")
	require.NoError(t, os.WriteFile(loose, []byte("ionadmin\n"), 0o644))
	cfg := filepath.Join(dir, "config.yaml")
	require.NoError(t, os.WriteFile(cfg, []byte(fmt.Sprintf(`default: lab
profiles:
  lab:
    server: %s
    user: ionadmin
    password_file: %s
  env:
    server: %s
    user: ionadmin
    password_env: LAB_PW
  loose:
    server: %s
    user: ionadmin
    password_file: %s
`, env["TSAPI_SERVER"], pw, env["TSAPI_SERVER"], env["TSAPI_SERVER"], loose)), 0o600))
	e := map[string]string{"TSAPI_CONFIG": cfg, "LAB_PW": "ionadmin"}
	r := runTool(t, e, "", "jobs", "get", "19")
	assert.Equal(t, 0, r.code, "the default profile: %s", r.stderr)
	r = runTool(t, e, "", "--profile", "env", "jobs", "get", "19")
	assert.Equal(t, 0, r.code, r.stderr)
	r = runTool(t, e, "", "--profile", "loose", "jobs", "get", "19")
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "readable by others")
	r = runTool(t, e, "", "--profile", "nosuch", "jobs", "get", "19")
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "it has: env, lab, loose")
	r = runTool(t, e, "", "config", "list", "-o", "json")
	assert.Equal(t, 0, r.code, r.stderr)
	assert.NotContains(t, r.stdout, "ionadmin\n")
	assert.Contains(t, r.stdout, `"auth": "basic ionadmin"`)
	// all includes the loose one: it is reported and the others run; env
	// names lab's server, which is used once.
	r = runTool(t, e, "", "--profile", "all", "jobs", "get", "19", "-o", "jsonl")
	assert.Equal(t, 7, r.code, r.stderr)
	assert.Contains(t, r.stderr, "tsapi: loose: password: ")
	assert.Contains(t, r.stderr, "readable by others")
	assert.Contains(t, r.stderr, "env and lab name the same server")
	assert.Equal(t, 1, strings.Count(r.stdout, `"id":19`), r.stdout)
}

func TestVerboseLogsRequestsRedacted(t *testing.T) {
	env, _ := referenceEnv(t)
	r := runTool(t, env, "", "-v", "jobs", "get", "19")
	assert.Equal(t, 0, r.code)
	assert.Contains(t, r.stderr, "GET "+env["TSAPI_SERVER"]+"/rundb/api/v1/PluginResultJob/19/ -> 200")
	r = runTool(t, env, "", "--debug", "jobs", "list", "--limit", "1")
	assert.Equal(t, 0, r.code)
	assert.NotContains(t, r.stderr, "aW9uYWRtaW46aW9uYWRtaW4", "no Basic credentials")
	assert.NotContains(t, r.stderr, "ionadmin:ionadmin")
}

func TestWatchStreamsEvents(t *testing.T) {
	srv := tsapitest.NewServer()
	defer srv.Close()
	id := srv.AddJob(tsapitest.Job{State: "Queued"})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "jobs", "watch", "--interval", "50ms", "-o", "jsonl")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "TSAPI_SERVER=" + srv.URL(), "TSAPI_USER=ionadmin", "TSAPI_PASSWORD=ionadmin"}
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	lines := bufio.NewScanner(out)
	time.Sleep(300 * time.Millisecond)
	srv.UpdateJob(id, func(j *tsapitest.Job) { j.State = "Started" })
	require.True(t, lines.Scan())
	var ev map[string]any
	require.NoError(t, json.Unmarshal(lines.Bytes(), &ev))
	assert.Equal(t, "changed", ev["event"])
	assert.Equal(t, "Queued", ev["previous"])
	assert.Equal(t, "Started", ev["state"])
	require.NoError(t, cmd.Process.Signal(os.Interrupt))
	assert.NoError(t, cmd.Wait(), "interrupted: exit 0")
}

// A wait whose deadline falls while a request is out names the state it
// last saw.
func TestWaitTimeoutDuringARequestNamesTheLastState(t *testing.T) {
	srv := tsapitest.New(t)
	id := srv.AddJob(tsapitest.Job{State: "Started"})
	go func() { // once the first poll is answered, every later one hangs
		for srv.CountRequests("GET", "PluginResultJob/") == 0 {
			time.Sleep(2 * time.Millisecond)
		}
		srv.AddFault(tsapitest.Fault{Method: "GET", Delay: 10 * time.Second, Times: -1})
	}()
	r := runTool(t, adminEnv(srv.URL()), "", "jobs", "wait", fmt.Sprint(id), "--interval", "20ms", "--timeout", "700ms")
	assert.Equal(t, 1, r.code, r.stderr)
	assert.Contains(t, r.stderr, "still Started")
}
