package root

import (
	"context"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tsapi-go/tsapi"
	"github.com/tsapi-go/tsapi/internal/cli/clitest"
	"github.com/tsapi-go/tsapi/internal/cli/cmdutil"
	"github.com/tsapi-go/tsapi/tsapitest"
)

// run runs the tool in process with env.
func run(t *testing.T, ctx context.Context, env map[string]string, args ...string) (string, string, int) {
	t.Helper()
	ios, _, out, errOut := cmdutil.Test()
	f := cmdutil.New(ios, func(k string) string { return env[k] })
	defer f.Close()
	code := Run(ctx, f, args)
	return out.String(), errOut.String(), code
}

func TestRunUsage(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"jobs", "lst"}, 2, `tsapi: unknown command "lst" for "tsapi jobs": did you mean list? (run 'tsapi jobs --help' for its commands)` + "\n"},
		{[]string{"jbos"}, 2, `tsapi: unknown command "jbos" for "tsapi": did you mean jobs?`},
		{[]string{"results", "stor", "1"}, 2, "did you mean store?"},
		{[]string{"jobs", "list", "--bogus"}, 2, "tsapi: unknown flag: --bogus\nRun 'tsapi jobs list --help' for usage.\n"},
		{[]string{"--server", "ftp://ts.example.org", "jobs", "list"}, 2, "the tool speaks http and https only: write https://ts.example.org"},
		{[]string{"--server", "https://ts.example.org/rundb/api/v1/PluginResultJob/", "jobs", "list"}, 2, "use the server's root URL (https://ts.example.org)"},
		{[]string{"jobs", "list"}, 2, "no server named"},
	} {
		_, errOut, code := run(t, ctx, map[string]string{"HOME": t.TempDir()}, tt.args...)
		assert.Equal(t, tt.code, code, "%v: %s", tt.args, errOut)
		assert.Contains(t, errOut, tt.want, tt.args)
		assert.NotContains(t, errOut, "https://ftp://")
	}
	out, errOut, code := run(t, ctx, nil, "jobs")
	assert.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "Available Commands:", "a noun alone shows its help")
}

func TestRunTellsFailuresOnce(t *testing.T) {
	a := tsapitest.New(t)
	env := map[string]string{"TSAPI_SERVER": a.URL(), "TSAPI_USER": "ionadmin", "TSAPI_PASSWORD": "ionadmin"}
	_, errOut, code := run(t, context.Background(), env, "jobs", "get", "999999")
	assert.Equal(t, 3, code)
	assert.Equal(t, "tsapi: no job 999999\n", errOut)
	_, errOut, code = run(t, context.Background(), env, "jobs", "get", "999999", "999998")
	assert.Equal(t, 3, code)
	assert.Equal(t, "tsapi: no jobs 999999, 999998\n", errOut)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, errOut, code = run(t, ctx, env, "jobs", "list")
	assert.Equal(t, cmdutil.ExitInterrupted, code)
	assert.Equal(t, "tsapi: interrupted\n", errOut)
}

// --profile all with a profile that cannot be used runs the others and
// exits 7.
func TestRunProfileAllWithABrokenProfile(t *testing.T) {
	a, b := tsapitest.New(t), tsapitest.New(t)
	a.AddJob(tsapitest.Job{State: "Error"})
	b.AddJob(tsapitest.Job{State: "Error"})
	cfg := filepath.Join(t.TempDir(), "config.yaml")
	require.NoError(t, os.WriteFile(cfg, []byte("profiles:\n  a:\n    server: "+a.URL()+"\n    user: ionadmin\n    password_env: PW\n"+
		"  b:\n    server: "+b.URL()+"\n    user: ionadmin\n    password_env: PW\n"+
		"  broken:\n    server: http://ts.invalid\n    user: ionadmin\n    password_env: NOT_SET\n"), 0o600))
	out, errOut, code := run(t, context.Background(), map[string]string{"TSAPI_CONFIG": cfg, "PW": "ionadmin"}, "--profile", "all", "jobs", "list", "--fields", "id,state")
	assert.Equal(t, cmdutil.ExitPartial, code, errOut)
	assert.Equal(t, "a\t1\tError\nb\t1\tError\n", out)
	assert.Equal(t, "tsapi: broken: password: $NOT_SET is not set\ntsapi: 1 of 3 servers failed\n", errOut)
}

func TestCompletion(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "config.yaml")
	require.NoError(t, os.WriteFile(cfg, []byte("profiles:\n  lab: {server: http://x}\n  backup: {server: http://y}\n"), 0o600))
	env := map[string]string{"TSAPI_CONFIG": cfg}
	complete := func(args ...string) []string {
		out, errOut, code := run(t, context.Background(), env, append([]string{"__complete"}, args...)...)
		require.Equal(t, 0, code, errOut)
		lines := strings.Split(strings.TrimSpace(out), "\n")
		return lines[:len(lines)-1] // the last is the directive
	}
	assert.Equal(t, cmdutil.StateNames(), complete("jobs", "list", "--state", ""))
	assert.Equal(t, []string{"Started,Queued"}, complete("jobs", "list", "--state", "Started,Q"))
	assert.Equal(t, []string{"block", "pre", "post"}[1:], complete("jobs", "patch", "--set-run-level", "p"))
	assert.Equal(t, cmdutil.Formats, complete("jobs", "list", "-o", ""))
	assert.Equal(t, []string{"backup", "lab", "all"}, complete("--profile", ""))
	assert.Equal(t, []string{"id,state", "id,starttime"}, complete("jobs", "list", "--fields", "id,st"))
	assert.Equal(t, []string{"Cancelled"}, complete("jobs", "set-state", "5", "Can"))
	assert.Contains(t, complete("jobs", "l"), "list\tList jobs, newest first")
	assert.Equal(t, []string{"id,plugin_result", "id,plugin"}, complete("jobs", "list", "--fields", "id,plug"))
	assert.Equal(t, []string{"id,experiment", "id,experiment_name", "id,experiment_status"}, complete("runs", "list", "--fields", "id,exp"))
	assert.Equal(t, []string{"template"}, complete("plans", "get", "1", "--fields", "temp"))
	assert.Equal(t, []string{"instrument"}, complete("experiments", "list", "--fields", "ins"))
	assert.Contains(t, complete("schema", "generate", "plan"), "plannedexperiment")
}

func TestNewCmdVersion(t *testing.T) {
	f, _ := clitest.Factory(t)
	got, err := clitest.Parse(t, f, NewCmdVersion)
	require.NoError(t, err)
	require.NotNil(t, got.Build, "a test binary has build information")
	_, err = clitest.Parse(t, f, NewCmdVersion, "x")
	assert.Equal(t, cmdutil.ExitUsage, cmdutil.ExitCode(err))
}

func TestVersionRun(t *testing.T) {
	_, st := clitest.Factory(t)
	require.NoError(t, versionRun(&VersionOptions{IO: st.IO, Build: &debug.BuildInfo{GoVersion: "go1.24.9", Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "0c186b8e1f2a3b4c5d6e7f8091a2b3c4d5e6f708"}, {Key: "vcs.time", Value: "2026-12-01T10:00:00Z"},
		{Key: "vcs.modified", Value: "true"}}}}))
	lines := strings.Split(st.Out.String(), "\n")
	assert.Equal(t, "tsapi "+tsapi.Version+" (library "+tsapi.Version+")", lines[0])
	assert.Equal(t, "commit 0c186b8e1f2a (modified), 2026-12-01T10:00:00Z", lines[1])
	assert.True(t, strings.HasPrefix(lines[2], "go1.24.9 "), lines[2])
}

func TestNewCmdDemo(t *testing.T) {
	f, _ := clitest.Factory(t)
	f.Flags.Demo = true
	got, err := clitest.Parse(t, f, NewCmdDemo, "--write")
	require.NoError(t, err)
	assert.True(t, got.Fake)
	assert.True(t, got.Write)
}

func TestDemoRun(t *testing.T) {
	s := tsapitest.New(t)
	cmdutil.SeedDemo(s)
	_, st := clitest.Factory(t)
	require.NoError(t, demoRun(&DemoOptions{IO: st.IO, Servers: clitest.Admins(t, s), Ctx: context.Background(), Fake: true}))
	assert.Contains(t, st.Out.String(), "2500 jobs in 3 pages")
	assert.Contains(t, st.Out.String(), "job 2500: coverageAnalysis (plugin result 25) on Auto_user_S5-0101-demo_reanalysis_102 (result 102, Completed)\n"+
		"run R_2026_11_02_08_00_00_user_S5-0101-demo (experiment 51): chip 540 on S5XL0101, 2026-11-02\nplan P62AB (62): Oncomine_Focus_run_0101\n")
	assert.Contains(t, st.Out.String(), "plannedexperiment: no drift")
	assert.Contains(t, st.Out.String(), "demo done")
}

// The results noun is pluginresults under its old name for one release:
// the same stdout and exit code, a notice on stderr, and out of the
// root's help and completion.
func TestDeprecatedResults(t *testing.T) {
	a := tsapitest.New(t)
	a.AddPlugin(tsapitest.Plugin{ID: 1, Name: "variantCaller", Version: "5.18.0.1", Active: true, Selected: true})
	a.AddResult(tsapitest.Result{ID: 101, Name: "Auto_user_S5-0101"})
	a.AddPluginResult(tsapitest.PluginResult{ID: 26, Result: 101, Plugin: 1})
	a.AddJob(tsapitest.Job{PluginResult: 26, State: "Started"})
	env := map[string]string{"TSAPI_SERVER": a.URL(), "TSAPI_USER": "ionadmin", "TSAPI_PASSWORD": "ionadmin"}
	notice := "tsapi: 'tsapi results' is deprecated: use 'tsapi pluginresults'; it will be removed in the next release\n"
	for _, args := range [][]string{{"list"}, {"list", "-o", "json"}, {"get", "26", "--fields", "id,plugin,state"}, {"get", "99"},
		{"list", "--job-state", "Startd"}, {"store", "26", "-", "--dry-run"}} {
		newOut, newErr, newCode := run(t, context.Background(), env, append([]string{"pluginresults"}, args...)...)
		oldOut, oldErr, oldCode := run(t, context.Background(), env, append([]string{"results"}, args...)...)
		assert.Equal(t, newOut, oldOut, "results %v: the same stdout", args)
		assert.Equal(t, newCode, oldCode, "results %v: the same exit code", args)
		assert.Equal(t, notice+newErr, oldErr, "results %v: the notice, then what pluginresults says", args)
		assert.NotContains(t, newErr, "deprecated")
	}
	out, _, code := run(t, context.Background(), env, "pr", "get", "26", "--fields", "id,plugin")
	assert.Equal(t, 0, code)
	assert.Equal(t, "26\tvariantCaller\n", out, "pr is short for pluginresults")

	help, _, code := run(t, context.Background(), nil, "--help")
	require.Equal(t, 0, code)
	assert.Contains(t, help, "\n  pluginresults ")
	assert.NotContains(t, help, "\n  results ", "the old name is not in the root's help")
	out, _, _ = run(t, context.Background(), nil, "__complete", "")
	assert.Contains(t, out, "pluginresults\t")
	assert.NotContains(t, out, "\nresults\t")
	help, _, code = run(t, context.Background(), nil, "results", "--help")
	assert.Equal(t, 0, code)
	assert.Contains(t, help, "'tsapi results' is deprecated: use 'tsapi pluginresults'")
}
