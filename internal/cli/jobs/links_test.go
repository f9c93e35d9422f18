package jobs

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tsapi-go/tsapi"
	"github.com/tsapi-go/tsapi/internal/cli/clitest"
	"github.com/tsapi-go/tsapi/internal/cli/cmdutil"
	"github.com/tsapi-go/tsapi/tsapitest"
)

// linked is a server whose jobs belong to runs: jobs 1 and 2 to plugin
// result 1 and job 3 to plugin result 2, both on result 101 of run 52;
// job 4 to plugin result 3 on result 102, which has no run; job 5 to no
// plugin result.
func linked(t *testing.T) *tsapitest.Server {
	s := tsapitest.New(t)
	s.AddPlugin(tsapitest.Plugin{ID: 1, Name: "variantCaller", Version: "5.18.0.1", Active: true, Selected: true})
	s.AddPlugin(tsapitest.Plugin{ID: 2, Name: "coverageAnalysis", Version: "5.18.0.3", Active: true, Selected: true})
	s.AddExperiment(map[string]any{"id": 52, "expName": "R_2026_11_30_S5-0042", "chipType": "540", "status": "run"})
	s.AddResult(tsapitest.Result{ID: 101, Name: "Auto_S5-0042_101"})
	require.True(t, s.SetResultFields(101, map[string]any{"experiment": 52}))
	s.AddResult(tsapitest.Result{ID: 102, Name: "Auto_orphan_102"})
	s.AddPluginResult(tsapitest.PluginResult{ID: 1, Result: 101, Plugin: 1})
	s.AddPluginResult(tsapitest.PluginResult{ID: 2, Result: 101, Plugin: 2})
	s.AddPluginResult(tsapitest.PluginResult{ID: 3, Result: 102, Plugin: 1})
	for _, pr := range []int64{1, 1, 2, 3, 0} {
		s.AddJob(tsapitest.Job{PluginResult: pr, State: "Error"})
	}
	return s
}

var linkCols = []string{"id", "plugin_result", "plugin", "result", "result_name", "experiment", "experiment_name"}

const linkedTSV = "5\t-\t-\t-\t-\t-\t-\n" +
	"4\t3\tvariantCaller\t102\tAuto_orphan_102\t-\t-\n" +
	"3\t2\tcoverageAnalysis\t101\tAuto_S5-0042_101\t52\tR_2026_11_30_S5-0042\n" +
	"2\t1\tvariantCaller\t101\tAuto_S5-0042_101\t52\tR_2026_11_30_S5-0042\n" +
	"1\t1\tvariantCaller\t101\tAuto_S5-0042_101\t52\tR_2026_11_30_S5-0042\n"

func TestListRunLinks(t *testing.T) {
	t.Run("each object read once for the page, a missing link empty", func(t *testing.T) {
		a := linked(t)
		opts, st := listOpts(t, clitest.Admins(t, a))
		opts.Output.Fields = linkCols
		require.NoError(t, listRun(opts))
		assert.Equal(t, linkedTSV, st.Out.String())
		assert.Equal(t, 1, a.CountRequests(http.MethodGet, "pluginresult/"), "one query for the plugin results of the page")
		assert.Equal(t, "limit=5&plugin_result_jobs__in=5%2C4%2C3%2C2%2C1", a.Requests()[1].RawQuery)
		assert.Equal(t, 1, a.CountRequests(http.MethodGet, "results/set/102;101/"))
		assert.Equal(t, 1, a.CountRequests(http.MethodGet, "experiment/set/52/"))
		assert.Len(t, a.Requests(), 4)
	})
	t.Run("only as far as the fields asked reach", func(t *testing.T) {
		a := linked(t)
		opts, st := listOpts(t, clitest.Admins(t, a))
		opts.Output.Fields = []string{"id", "state", "result"}
		require.NoError(t, listRun(opts))
		assert.Equal(t, "5\tError\t-\n4\tError\t102\n3\tError\t101\n2\tError\t101\n1\tError\t101\n", st.Out.String())
		assert.Len(t, a.Requests(), 2, "the jobs and their plugin results: a result's id is on its plugin result")

		opts, st = listOpts(t, clitest.Admins(t, a))
		opts.Output.Fields = []string{"id", "experiment"}
		a.ClearRequests()
		require.NoError(t, listRun(opts))
		assert.Equal(t, "5\t-\n4\t-\n3\t52\n2\t52\n1\t52\n", st.Out.String())
		assert.Zero(t, a.CountRequests("", "experiment/"), "the experiment's id is on the result")
	})
	t.Run("not asked: not read, and not printed", func(t *testing.T) {
		a := linked(t)
		opts, st := listOpts(t, clitest.Admins(t, a))
		opts.Output.JQ = ".[0] | keys | join(\",\")"
		require.NoError(t, listRun(opts))
		assert.Equal(t, "duration,endtime,grid_engine_jobid,id,run_level,starttime,state\n", st.Out.String())
		assert.Len(t, a.Requests(), 1)
	})
	t.Run("--all: a page at a time, each object once", func(t *testing.T) {
		a := linked(t)
		for range 550 { // 1100 more jobs, two a plugin result, on result 101
			pr := a.AddPluginResult(tsapitest.PluginResult{Result: 101, Plugin: 1})
			a.AddJob(tsapitest.Job{PluginResult: pr, State: "Completed", RunLevel: "pre"})
			a.AddJob(tsapitest.Job{PluginResult: pr, State: "Completed", RunLevel: "post"})
		}
		opts, st := listOpts(t, clitest.Admins(t, a))
		opts.All = true
		opts.Output.Fields = []string{"id", "experiment_name"}
		opts.Output.JQ = `map(select(.experiment_name == "R_2026_11_30_S5-0042")) | length`
		require.NoError(t, listRun(opts))
		assert.Equal(t, "1103\n", st.Out.String())
		assert.Equal(t, 12, a.CountRequests(http.MethodGet, "pluginresult/"), "a query for each 100 jobs: 10 for the first page, 2 for the 105 of the second")
		assert.Equal(t, 2, a.CountRequests(http.MethodGet, "results/set/"), "101 on the first page, 102 on the second")
		assert.Equal(t, 1, a.CountRequests(http.MethodGet, "experiment/set/"), "52 once; 102 has no run")
	})
	t.Run("a plugin result holds all its jobs: read once for them all", func(t *testing.T) {
		a := linked(t)
		for range 150 {
			a.AddJob(tsapitest.Job{PluginResult: 2, State: "Completed"})
		}
		opts, st := listOpts(t, clitest.Admins(t, a))
		opts.All = true
		opts.Output.Fields = []string{"id", "plugin_result"}
		opts.Output.JQ = `map(select(.plugin_result == 2)) | length`
		require.NoError(t, listRun(opts))
		assert.Equal(t, "151\n", st.Out.String())
		assert.Equal(t, 2, a.CountRequests(http.MethodGet, "pluginresult/"), "the first 100 jobs find plugin result 2 and all its jobs; then 4 jobs are left")
	})
	t.Run("two servers at once", func(t *testing.T) {
		a, b := linked(t), linked(t)
		opts, st := listOpts(t, clitest.Admins(t, a, b))
		opts.Filter.States = []tsapi.JobState{tsapi.StateError}
		opts.Output.Fields = []string{"id", "plugin", "experiment_name"}
		opts.Output.Format = cmdutil.FormatJSONL
		require.NoError(t, listRun(opts))
		var want string
		for _, s := range []string{"a", "b"} {
			want += `{"server":"` + s + `","id":5,"plugin":null,"experiment_name":null}
{"server":"` + s + `","id":4,"plugin":"variantCaller","experiment_name":null}
{"server":"` + s + `","id":3,"plugin":"coverageAnalysis","experiment_name":"R_2026_11_30_S5-0042"}
{"server":"` + s + `","id":2,"plugin":"variantCaller","experiment_name":"R_2026_11_30_S5-0042"}
{"server":"` + s + `","id":1,"plugin":"variantCaller","experiment_name":"R_2026_11_30_S5-0042"}
`
		}
		assert.Equal(t, want, st.Out.String())
	})
	t.Run("what cannot be read: the jobs all the same, and the error", func(t *testing.T) {
		a := linked(t)
		a.AddFault(tsapitest.Fault{Method: http.MethodGet, Path: "results/", Status: http.StatusForbidden, Times: -1})
		opts, st := listOpts(t, clitest.Admins(t, a))
		opts.Output.Fields = []string{"id", "plugin", "experiment"}
		err := listRun(opts)
		assert.Equal(t, cmdutil.ExitAuth, cmdutil.ExitCode(err))
		assert.Equal(t, "reading what the jobs belong to failed: user ionadmin may not read analysis results", err.Error())
		assert.Equal(t, "5\t-\t-\n4\tvariantCaller\t-\n3\tcoverageAnalysis\t-\n2\tvariantCaller\t-\n1\tvariantCaller\t-\n", st.Out.String())
	})
	t.Run("a typo is told with the field meant", func(t *testing.T) {
		opts, _ := listOpts(t, clitest.Admins(t, linked(t)))
		opts.Output.Fields = []string{"id", "experiment_nam"}
		clitest.Usage(t, listRun(opts), `no field "experiment_nam": did you mean "experiment_name"?`)
	})
}

func TestGetRunLinks(t *testing.T) {
	a := linked(t)
	run := func(ids ...int64) (string, error) {
		_, st := clitest.Factory(t)
		err := getRun(&GetOptions{IO: st.IO, Servers: clitest.Admins(t, a), Ctx: context.Background(), IDs: ids,
			Output: cmdutil.Output{Fields: linkCols}})
		return st.Out.String(), err
	}
	out, err := run(5)
	require.NoError(t, err, "a job no plugin result holds is no error")
	assert.Equal(t, "5\t-\t-\t-\t-\t-\t-\n", out)
	out, err = run(3)
	require.NoError(t, err)
	assert.Equal(t, "3\t2\tcoverageAnalysis\t101\tAuto_S5-0042_101\t52\tR_2026_11_30_S5-0042\n", out)
	out, err = run(5, 4, 3, 2, 1, 999)
	assert.Equal(t, "no job 999", err.Error())
	assert.Equal(t, linkedTSV, out)
}

func TestWritesShowLinks(t *testing.T) {
	a := linked(t)
	_, st := clitest.Factory(t)
	require.NoError(t, setStateRun(&SetStateOptions{IO: st.IO, Servers: clitest.Admins(t, a), Ctx: context.Background(), ID: 4,
		State: tsapi.StateCompleted, Output: cmdutil.Output{Fields: []string{"id", "state", "result_name", "experiment"}}}))
	assert.Equal(t, "4\tCompleted\tAuto_orphan_102\t-\n", st.Out.String())

	_, st = clitest.Factory(t)
	require.NoError(t, waitRun(&WaitOptions{IO: st.IO, Servers: clitest.Admins(t, a), Ctx: context.Background(), ID: 4,
		Interval: 10 * time.Millisecond, Output: cmdutil.Output{Fields: []string{"id", "plugin", "experiment_name"}}}))
	assert.Equal(t, "4\tvariantCaller\t-\n", st.Out.String())

	_, st = clitest.Factory(t)
	require.NoError(t, patchRun(&PatchOptions{IO: st.IO, Servers: clitest.Admins(t, a), Ctx: context.Background(), IDs: []int64{1, 5},
		Patch: &tsapi.PluginResultJobPatch{RunLevel: tsapi.RunLevelPost}, Output: cmdutil.Output{Fields: []string{"id", "run_level", "experiment_name"}}}))
	assert.Equal(t, "1\tpost\tR_2026_11_30_S5-0042\n5\tpost\t-\n", st.Out.String())
}

func TestWatchRunLinks(t *testing.T) {
	a := linked(t)
	ios, lines := pipe(t)
	ctx, cancel := context.WithCancel(context.Background())
	opts := &WatchOptions{IO: ios, Servers: clitest.Admins(t, a), Ctx: ctx, Interval: 20 * time.Millisecond,
		Output: cmdutil.Output{Format: cmdutil.FormatJSONL, Fields: []string{"event", "id", "state", "plugin", "experiment_name"}}}
	done := make(chan error, 1)
	go func() { done <- watchRun(opts) }()
	for a.CountRequests(http.MethodGet, "PluginResultJob/") < 2 {
		time.Sleep(5 * time.Millisecond)
	}
	for _, id := range []int64{3, 5} {
		a.UpdateJob(id, func(j *tsapitest.Job) { j.State = "Started" })
		require.True(t, lines.Scan())
		want := map[int64]string{3: `{"event":"changed","id":3,"state":"Started","plugin":"coverageAnalysis","experiment_name":"R_2026_11_30_S5-0042"}`,
			5: `{"event":"changed","id":5,"state":"Started","plugin":null,"experiment_name":null}`}[id]
		assert.Equal(t, want, lines.Text())
	}
	cancel()
	assert.NoError(t, <-done)
}
