package tsapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/tsapi-go/tsapi/internal/refserver"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/h2non/gock.v1"
)

// rtKey is the plugin key in testdata/startplugin.json.
const rtKey = "c2f1d0e9b8a7c6d5e4f3a2b1c0d9e8f7a6b5c4d3"

const (
	rtBase    = "http://ts.example.org"
	rtPRPath  = "/rundb/api/v1/pluginresult/12/"
	rtJobPath = "/rundb/api/v1/PluginResultJob/31/"
)

// rtPluginResult is pluginresult 12 as the server sends it, with job 31
// (grid-engine job 4242, run level default) and, when more is set, a
// second job.
func rtPluginResult(more bool) string {
	jobs := `{"id": 31, "grid_engine_jobid": 4242, "state": "Queued", "run_level": "default", "config": {},
		"starttime": null, "endtime": null, "resource_uri": "/rundb/api/v1/PluginResultJob/31/"}`
	if more {
		jobs += `, {"id": 32, "grid_engine_jobid": 4243, "state": "Queued", "run_level": "post", "config": {},
		"starttime": null, "endtime": null, "resource_uri": "/rundb/api/v1/PluginResultJob/32/"}`
	}
	return `{"id": 12, "apikey": "` + rtKey + `", "size": "-1", "inodes": "-1", "state": "Queued",
		"store": {}, "validation_errors": {"validation_errors": []}, "plugin_result_jobs": [` + jobs + `],
		"resource_uri": "/rundb/api/v1/pluginresult/12/"}`
}

// rtWriteStart writes a startplugin.json for server base into a fresh
// directory (the fixture, with api_url changed) and returns its path.
func rtWriteStart(t *testing.T, base string, edit func(runinfo map[string]any)) string {
	t.Helper()
	raw, err := os.ReadFile("testdata/startplugin.json")
	require.NoError(t, err)
	var doc map[string]any
	require.NoError(t, json.Unmarshal(raw, &doc))
	ri := doc["runinfo"].(map[string]any)
	ri["api_url"] = base + "/rundb/api"
	ri["net_location"] = base
	if edit != nil {
		edit(ri)
	}
	b, err := json.Marshal(doc)
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), StartPluginFile)
	require.NoError(t, os.WriteFile(path, b, 0o600))
	return path
}

// rtGockRuntime returns a runtime for testdata/startplugin.json whose
// client gock intercepts, with retries that do not wait.
func rtGockRuntime(t *testing.T, opts ...Option) *PluginRuntime {
	t.Helper()
	t.Setenv(JobIDEnv, "4242")
	rt, err := NewPluginRuntime("testdata/startplugin.json", append([]Option{WithRetry(3, 0, 0)}, opts...)...)
	require.NoError(t, err)
	gock.InterceptClient(rt.Client().HTTPClient())
	t.Cleanup(func() {
		for _, r := range gock.GetUnmatchedRequests() {
			t.Logf("gock: unmatched request %s %s", r.Method, r.URL)
		}
		gock.Off()
		gock.CleanUnmatchedRequest()
	})
	return rt
}

func TestReportStateFindsItsJobAndPatchesIt(t *testing.T) {
	rt := rtGockRuntime(t)
	assert.Equal(t, int64(4242), rt.GridEngineJobID())
	assert.Equal(t, int64(12), rt.PluginResultID())
	var started, completed []byte
	gock.New(rtBase).Get(rtPRPath).
		AddMatcher(prRequest(rtPRPath, nil)).
		MatchHeader("Authorization", "^PluginKey 12:"+rtKey+"$").
		Reply(200).Type("application/json").BodyString(rtPluginResult(true))
	gock.New(rtBase).Patch(rtJobPath).
		AddMatcher(prRequest(rtJobPath, nil)).
		MatchHeader("Authorization", "^PluginKey 12:"+rtKey+"$").
		MatchHeader("Content-Type", "^application/json$").
		AddMatcher(captureBody(&started)).
		Reply(202)
	require.NoError(t, rt.ReportState(context.Background(), StateStarted))
	assert.JSONEq(t, `{"state": "Started"}`, string(started))

	// The job is remembered: only the PATCH is sent, and it is retried.
	gock.New(rtBase).Patch(rtJobPath).Reply(503)
	gock.New(rtBase).Patch(rtJobPath).AddMatcher(captureBody(&completed)).Reply(202)
	require.NoError(t, rt.ReportState(context.Background(), StateCompleted))
	assert.JSONEq(t, `{"state": "Completed"}`, string(completed))
	assert.True(t, gock.IsDone())
}

func TestReportStateWithoutJobID(t *testing.T) {
	rt := rtGockRuntime(t)
	rt.SetGridEngineJobID(0)

	// One job at the run's run level (default): that is the one.
	gock.New(rtBase).Get(rtPRPath).Reply(200).Type("application/json").BodyString(rtPluginResult(true))
	gock.New(rtBase).Patch(rtJobPath).Reply(202)
	require.NoError(t, rt.ReportState(context.Background(), StateStarted))
	require.True(t, gock.IsDone())

	// Two jobs at the run level: it cannot tell, and says so.
	rt.SetGridEngineJobID(0)
	two := strings.Replace(rtPluginResult(true), `"run_level": "post"`, `"run_level": "default"`, 1)
	gock.New(rtBase).Get(rtPRPath).Reply(200).Type("application/json").BodyString(two)
	err := rt.ReportState(context.Background(), StateStarted)
	assert.ErrorIs(t, err, ErrJobNotFound)
	assert.Contains(t, err.Error(), "$JOB_ID is not set and pluginresult 12 has 2 jobs")
	assert.Contains(t, err.Error(), "job 32 (grid-engine id 4243, default, Queued)")

	// A grid-engine id that is not among the jobs.
	rt.SetGridEngineJobID(999)
	gock.New(rtBase).Get(rtPRPath).Reply(200).Type("application/json").BodyString(rtPluginResult(false))
	err = rt.ReportState(context.Background(), StateStarted)
	assert.ErrorIs(t, err, ErrJobNotFound)
	assert.Contains(t, err.Error(), "pluginresult 12 has no job with grid-engine id 999 (it has 1 jobs: job 31")
}

func TestReportStateRefusesBadStates(t *testing.T) {
	rt := rtGockRuntime(t)
	for _, s := range []JobState{"", "  ", "A state far too long for the server"} {
		assert.ErrorIs(t, rt.ReportState(context.Background(), s), ErrInvalidOption, string(s))
	}
	assert.Empty(t, gock.GetUnmatchedRequests())
}

func TestNewPluginRuntimeJobIDEnv(t *testing.T) {
	t.Setenv(JobIDEnv, "not-a-number")
	_, err := NewPluginRuntime("testdata/startplugin.json")
	assert.ErrorIs(t, err, ErrInvalidOption)
	assert.Contains(t, err.Error(), `$JOB_ID is "not-a-number"`)
	t.Setenv(JobIDEnv, "")
	rt, err := NewPluginRuntime("testdata/startplugin.json")
	require.NoError(t, err)
	assert.Equal(t, int64(0), rt.GridEngineJobID())
	assert.Same(t, rt.StartPlugin(), rt.StartPlugin())
	assert.NotContains(t, fmt.Sprintf("%v %+v %s", rt, rt, rt.String()), rtKey)
}

func TestFinishStoresThenReports(t *testing.T) {
	rt := rtGockRuntime(t)
	var order []string
	var mu sync.Mutex
	note := func(what string) gock.MatchFunc {
		return func(*http.Request, *gock.Request) (bool, error) {
			mu.Lock()
			order = append(order, what)
			mu.Unlock()
			return true, nil
		}
	}
	var store, state []byte
	gock.New(rtBase).Patch(rtPRPath).AddMatcher(captureBody(&store)).AddMatcher(note("store")).Reply(202)
	gock.New(rtBase).Get(rtPRPath).AddMatcher(note("get")).Reply(200).Type("application/json").BodyString(rtPluginResult(false))
	gock.New(rtBase).Patch(rtJobPath).AddMatcher(captureBody(&state)).AddMatcher(note("state")).Reply(202)
	require.NoError(t, rt.Finish(context.Background(), map[string]int{"words": 9}, nil))
	assert.Equal(t, []string{"store", "get", "state"}, order)
	assert.JSONEq(t, `{"store": {"words": 9}}`, string(store))
	assert.JSONEq(t, `{"state": "Completed"}`, string(state))

	// A failed store makes the run end in Error, and both are reported.
	order = nil
	gock.New(rtBase).Patch(rtPRPath).Reply(400).JSON(map[string]string{"error": "bad store"})
	gock.New(rtBase).Patch(rtJobPath).AddMatcher(captureBody(&state)).Reply(202)
	err := rt.Finish(context.Background(), map[string]int{"words": 9}, nil)
	assert.ErrorIs(t, err, ErrBadRequest)
	assert.Contains(t, err.Error(), "storing the results in pluginresult 12")
	assert.JSONEq(t, `{"state": "Error"}`, string(state))

	// The caller's error makes it Error too; nil store stores nothing.
	gock.New(rtBase).Patch(rtJobPath).AddMatcher(captureBody(&state)).Reply(202)
	require.NoError(t, rt.Finish(context.Background(), nil, errors.New("input missing")))
	assert.JSONEq(t, `{"state": "Error"}`, string(state))
	assert.True(t, gock.IsDone())
}

// rtEchoServer answers every request with status and a body that repeats
// the request's Authorization header, as a careless proxy or a debug page
// might.
func rtEchoServer(t *testing.T, status int) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"error_message": "denied %s", "traceback": "auth=%s"}`, r.Header.Get("Authorization"), r.Header.Get("Authorization"))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestPluginKeyInNoErrorNorLog(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	var errs []error
	collect := func(err error) {
		t.Helper()
		require.Error(t, err)
		errs = append(errs, err)
	}
	ctx := context.Background()
	t.Setenv(JobIDEnv, "4242")
	open := func(base string) *PluginRuntime {
		t.Helper()
		rt, err := NewPluginRuntime(rtWriteStart(t, base, nil), WithLogger(logger), WithRetry(2, 0, 0))
		require.NoError(t, err)
		return rt
	}

	// The server refuses the key, echoing it back, with 401, 500 and 503
	// (retried).
	for _, status := range []int{401, 403, 500, 503} {
		rt := open(rtEchoServer(t, status).URL)
		collect(rt.ReportState(ctx, StateStarted))
		collect(rt.SetStore(ctx, map[string]int{"n": 1}))
		collect(rt.Finish(ctx, map[string]int{"n": 1}, errors.New("boom")))
		_, err := rt.Job(ctx)
		collect(err)
	}
	// The server is gone.
	gone := httptest.NewServer(http.NotFoundHandler())
	gone.Close()
	rt := open(gone.URL)
	collect(rt.ReportState(ctx, StateStarted))
	collect(rt.SetStore(ctx, map[string]int{"n": 1}))
	// The job is not there.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io := strings.Replace(rtPluginResult(false), `"grid_engine_jobid": 4242`, `"grid_engine_jobid": -1`, 1)
		fmt.Fprint(w, io)
	}))
	defer srv.Close()
	rt = open(srv.URL)
	collect(rt.ReportState(ctx, StateStarted))
	// The file is wrong in every way.
	for _, edit := range []func(map[string]any){
		func(ri map[string]any) {
			delete(ri, "pluginresult")
			delete(ri["plugin"].(map[string]any), "pluginresult")
		},
		func(ri map[string]any) { ri["api_url"] = "ftp://h/" + rtKey; ri["net_location"] = "" },
		func(ri map[string]any) { ri["api_key"] = rtKey + "\nX-Injected: 1" },
		func(ri map[string]any) { ri["pluginresult"] = "x" + rtKey },
	} {
		_, err := NewPluginRuntime(rtWriteStart(t, "http://h", edit), WithLogger(logger))
		collect(err)
	}
	_, err := NewPluginRuntime(rtWriteStart(t, "http://h", nil), WithLogger(logger), WithBasicAuth("u", rtKey))
	collect(err)

	require.NotEmpty(t, logs.String(), "debug logging was on")
	assert.NotContains(t, logs.String(), rtKey)
	for _, err := range errs {
		assert.NotContains(t, err.Error(), rtKey)
		assert.NotContains(t, fmt.Sprintf("%v %+v %s", err, err, err), rtKey)
	}
	assert.GreaterOrEqual(t, len(errs), 20)

	// And in no form of a PluginResult holding it.
	var pr PluginResult
	require.NoError(t, json.Unmarshal([]byte(rtPluginResult(false)), &pr))
	require.Equal(t, rtKey, pr.APIKey.Reveal())
	logger.Debug("pr", "pr", &pr, "v", pr)
	for _, s := range []string{fmt.Sprintf("%v", pr), fmt.Sprintf("%+v", pr), fmt.Sprintf("%v", &pr), fmt.Sprintf("%+v", &pr), fmt.Sprintf("%#v", pr), logs.String()} {
		assert.NotContains(t, s, rtKey)
	}
}

// rtReferenceServer returns the reference tastypie server's URL, or skips
// the test when none runs (internal/tastypieserver/server.sh start).
func rtReferenceServer(t *testing.T) string {
	t.Helper()
	return refserver.Lock(t)
}

// TestPluginRunOnReferenceServer launches a plugin on the real tastypie
// server, then plays the plugin's part with its startplugin.json: Started,
// the store, Completed, as an administrator sees it.
func TestPluginRunOnReferenceServer(t *testing.T) {
	base := rtReferenceServer(t)
	ctx := context.Background()
	admin, err := New(base, WithBasicAuth("ionadmin", "ionadmin"), WithRetry(2, 0, 0))
	require.NoError(t, err)

	for name, check := range map[string]func(context.Context) (*SchemaDrift, *Response, error){
		"pluginresult": admin.PluginResults.CheckSchema,
		"plugin":       admin.Plugins.CheckSchema,
	} {
		drift, _, err := check(ctx)
		require.NoError(t, err, name)
		assert.True(t, drift.Empty(), "%s: %s", name, drift)
	}

	// Unknown plugin: 410.
	_, err = admin.Plugins.Launch(ctx, 101, &LaunchRequest{Plugin: "noSuchPlugin"})
	assert.ErrorIs(t, err, ErrGone)

	// Launch sampleID (run levels pre and default: two jobs).
	plugins, _, err := admin.Plugins.List(ctx, &PluginListOptions{Name: "sampleID"})
	require.NoError(t, err)
	require.Len(t, plugins, 1)
	newest := func() int64 {
		prs, _, err := admin.PluginResults.List(ctx, &PluginResultListOptions{
			ListOptions: ListOptions{Limit: 1}, Result: Ptr(int64(101)), PluginName: "sampleID"})
		require.NoError(t, err)
		if len(prs) == 0 {
			return 0
		}
		return prs[0].ID
	}
	before := newest()
	resp, err := admin.Plugins.Launch(ctx, 101, &LaunchRequest{Plugin: "sampleID", Version: plugins[0].Version,
		Config: map[string]any{"input_file": "words.txt", "ratio": 0.5}})
	require.NoError(t, err)
	assert.Equal(t, http.StatusAccepted, resp.StatusCode)
	id := newest()
	require.Greater(t, id, before)
	t.Cleanup(func() { _, _ = admin.PluginResults.Delete(context.Background(), id) })

	pr, _, err := admin.PluginResults.Get(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, StateQueued, pr.State)
	assert.Equal(t, int64(-1), pr.Size)
	assert.False(t, pr.APIKey.IsZero())
	require.Len(t, pr.Jobs, 2)
	var job *PluginResultJob
	for i := range pr.Jobs {
		if pr.Jobs[i].RunLevel == RunLevelDefault {
			job = &pr.Jobs[i]
		}
	}
	require.NotNil(t, job)
	require.NotNil(t, job.GridEngineJobID)
	ratio, _ := job.Config.GetString("ratio")
	assert.Equal(t, "0.5", ratio, "the server gives non-integers back as strings")

	// The plugin's side: its startplugin.json and $JOB_ID.
	path := rtWriteStart(t, base, func(ri map[string]any) {
		ri["pluginresult"] = id
		ri["api_key"] = pr.APIKey.Reveal()
		ri["plugin"].(map[string]any)["pluginresult"] = id
	})
	t.Setenv(JobIDEnv, fmt.Sprint(*job.GridEngineJobID))
	var logs bytes.Buffer
	rt, err := NewPluginRuntime(path, WithRetry(2, 0, 0),
		WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	require.NoError(t, err)

	require.NoError(t, rt.ReportState(ctx, StateStarted))
	got, _, err := admin.PluginResultJobs.Get(ctx, job.ID)
	require.NoError(t, err)
	assert.Equal(t, StateStarted, got.State)
	assert.NotNil(t, got.StartTime, "the server stamps the start")

	require.NoError(t, rt.Finish(ctx, map[string]any{"words": 3, "mean": 2.5}, nil))
	got, _, err = admin.PluginResultJobs.Get(ctx, job.ID)
	require.NoError(t, err)
	assert.Equal(t, StateCompleted, got.State)
	assert.NotNil(t, got.EndTime, "the server stamps the end")
	pr, _, err = admin.PluginResults.Get(ctx, id)
	require.NoError(t, err)
	var store struct {
		Words int    `json:"words"`
		Mean  string `json:"mean"`
	}
	require.NoError(t, pr.Store.Decode(&store))
	assert.Equal(t, 3, store.Words)
	assert.Equal(t, "2.5", store.Mean)
	for _, j := range pr.Jobs {
		if j.ID != job.ID {
			assert.Equal(t, StateQueued, j.State, "the other job is not touched")
		}
	}
	assert.NotContains(t, logs.String(), pr.APIKey.Reveal())

	// A wrong key is refused, and not shown.
	bad := rtWriteStart(t, base, func(ri map[string]any) { ri["pluginresult"] = id; ri["api_key"] = "wrong-" + rtKey })
	rt2, err := NewPluginRuntime(bad, WithRetry(0, 0, 0))
	require.NoError(t, err)
	err = rt2.ReportState(ctx, StateError)
	assert.ErrorIs(t, err, ErrUnauthorized)
	assert.NotContains(t, err.Error(), rtKey)
}

// TestPluginResultJobFilterOnReferenceServer: filtering on the jobs lists a
// plugin result once per matching job; All gives each once.
func TestPluginResultJobFilterOnReferenceServer(t *testing.T) {
	base := rtReferenceServer(t)
	ctx := context.Background()
	admin, err := New(base, WithAPIKey("ionadmin", "tsapi-seed-ionadmin-09ae0013f541e5d6bdd80f1b"), WithRetry(2, 0, 0))
	require.NoError(t, err)
	opts := &PluginResultListOptions{ListOptions: ListOptions{Limit: 1000}, Result: Ptr(int64(101)), JobStateIn: []JobState{StateStarted}}
	page, _, err := admin.PluginResults.List(ctx, opts)
	require.NoError(t, err)
	all, err := admin.PluginResults.Collect(ctx, &PluginResultListOptions{ListOptions: ListOptions{Limit: 4},
		Result: opts.Result, JobStateIn: opts.JobStateIn}, 100)
	require.NoError(t, err)
	unique := map[int64]bool{}
	for _, p := range page {
		unique[p.ID] = true
	}
	assert.Greater(t, len(page), len(unique), "the server repeats plugin results")
	assert.Len(t, all, len(unique))
	for _, p := range all {
		assert.True(t, unique[p.ID])
		rid, err := p.ResultID()
		require.NoError(t, err)
		assert.Equal(t, int64(101), rid)
	}
}
