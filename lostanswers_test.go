package tsapi

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tsapi-go/tsapi/internal/faultproxy"
	"github.com/tsapi-go/tsapi/internal/refserver"
)

// The lost-answer suite: a proxy in front of the reference server forwards
// a write, lets the server apply it, then drops the answer, and can run
// another client's write in between. Each case checks the server's state
// afterwards and what the caller was told: no row is ever created twice,
// and no other client's change is ever undone.

type lostFixture struct {
	base  string
	proxy *faultproxy.Proxy
	c     *Client // through the proxy
	other *Client // straight to the server: "another client"
	ctx   context.Context
}

func newLostFixture(t *testing.T) *lostFixture {
	base := refserver.Lock(t)
	refserver.Reset(t, base)
	t.Cleanup(func() { refserver.Reset(t, base) })
	p, err := faultproxy.New(base)
	require.NoError(t, err)
	t.Cleanup(p.Close)
	c, err := New(p.URL(), WithBasicAuth("ionadmin", "ionadmin"), WithRetry(3, time.Millisecond, 5*time.Millisecond))
	require.NoError(t, err)
	other, err := New(base, WithBasicAuth("ionadmin", "ionadmin"))
	require.NoError(t, err)
	return &lostFixture{base: base, proxy: p, c: c, other: other, ctx: context.Background()}
}

// drop arms a lost answer for the next method on path, running between
// (when not nil) after the server answered.
func (f *lostFixture) drop(method, path string, between func()) {
	fault := faultproxy.Fault{Method: method, Path: "/rundb/api/v1/" + path, Action: faultproxy.DropAnswer}
	if between != nil {
		fault.Between = func(int) { between() }
	}
	f.proxy.Arm(fault)
}

func (f *lostFixture) job(t *testing.T, id int64) *PluginResultJob {
	t.Helper()
	j, _, err := f.other.PluginResultJobs.Get(f.ctx, id)
	require.NoError(t, err)
	return j
}

func (f *lostFixture) sent(method, path string) int {
	return f.proxy.Count(method, "/rundb/api/v1/"+path)
}

func TestLostAnswerUpdate(t *testing.T) {
	t.Run("applied: verified by a re-read", func(t *testing.T) {
		f := newLostFixture(t)
		w := f.job(t, 19).ToWrite()
		w.RunLevel = RunLevelSeparator
		f.drop("PUT", "PluginResultJob/19/", nil)
		got, resp, err := f.c.PluginResultJobs.Update(f.ctx, 19, w)
		require.NoError(t, err)
		require.True(t, resp.Verified)
		assert.Equal(t, 1, resp.Attempts)
		require.NotNil(t, got)
		assert.Equal(t, RunLevelSeparator, got.RunLevel)
		assert.Equal(t, 1, f.sent("PUT", "PluginResultJob/19/"), "sent once")
	})
	t.Run("another client changed it in between: not undone", func(t *testing.T) {
		f := newLostFixture(t)
		w := f.job(t, 19).ToWrite()
		w.RunLevel = RunLevelSeparator
		f.drop("PUT", "PluginResultJob/19/", func() {
			_, _, err := f.other.PluginResultJobs.Patch(f.ctx, 19, &PluginResultJobPatch{RunLevel: RunLevelLast})
			assert.NoError(t, err)
		})
		_, _, err := f.c.PluginResultJobs.Update(f.ctx, 19, w)
		var ou *OutcomeUnknownError
		require.ErrorAs(t, err, &ou)
		assert.True(t, ou.Checked)
		assert.Equal(t, []string{"run_level"}, ou.Differs)
		assert.Equal(t, RunLevelLast, f.job(t, 19).RunLevel, "the other client's change stands")
		assert.Equal(t, 1, f.sent("PUT", "PluginResultJob/19/"))
	})
}

func TestLostAnswerStateChange(t *testing.T) {
	t.Run("applied: verified", func(t *testing.T) {
		f := newLostFixture(t)
		id := f.runningJob(t)
		f.drop("PATCH", "PluginResultJob/", nil)
		resp, err := f.c.PluginResultJobs.SetState(f.ctx, id, StateCompleted)
		require.NoError(t, err)
		assert.True(t, resp.Verified)
		j := f.job(t, id)
		assert.Equal(t, StateCompleted, j.State)
		assert.NotNil(t, j.EndTime, "the server stamped endtime; it is not compared")
		assert.Equal(t, 1, f.sent("PATCH", "PluginResultJob/"))
	})
	t.Run("a user cancels in between: the cancel stands", func(t *testing.T) {
		f := newLostFixture(t)
		id := f.runningJob(t)
		f.drop("PATCH", "PluginResultJob/", func() {
			_, err := f.other.PluginResultJobs.SetState(f.ctx, id, StateCancelled)
			assert.NoError(t, err)
		})
		_, err := f.c.PluginResultJobs.SetState(f.ctx, id, StateStarted)
		require.ErrorIs(t, err, ErrOutcomeUnknown)
		var ou *OutcomeUnknownError
		require.ErrorAs(t, err, &ou)
		assert.Equal(t, []string{"state"}, ou.Differs)
		assert.Equal(t, StateCancelled, f.job(t, id).State, "never turned back into Started")
		assert.Equal(t, 1, f.sent("PATCH", "PluginResultJob/"))
	})
}

func TestLostAnswerDetailPatch(t *testing.T) {
	f := newLostFixture(t)
	cfg, err := JobConfigFromJSON([]byte(`{"threads": 4, "ratio": 0.5}`))
	require.NoError(t, err)
	f.drop("PATCH", "PluginResultJob/19/", nil)
	_, resp, err := f.c.PluginResultJobs.Patch(f.ctx, 19, &PluginResultJobPatch{Config: &cfg, GridEngineJobID: Null[int64]()})
	require.NoError(t, err, "0.5 comes back as \"0.5\": still what was sent")
	assert.True(t, resp.Verified)
	assert.Nil(t, f.job(t, 19).GridEngineJobID)
	assert.Equal(t, 1, f.sent("PATCH", "PluginResultJob/19/"))
}

func TestLostAnswerStore(t *testing.T) {
	f := newLostFixture(t)
	prs, _, err := f.other.PluginResults.List(f.ctx, &PluginResultListOptions{ListOptions: ListOptions{Limit: 1}})
	require.NoError(t, err)
	require.NotEmpty(t, prs)
	id := prs[0].ID
	path := "pluginresult/" + strconv.FormatInt(id, 10) + "/"

	f.drop("PATCH", path, nil)
	resp, err := f.c.PluginResults.SetStore(f.ctx, id, map[string]any{"reads": 1000, "ok": true})
	require.NoError(t, err)
	assert.True(t, resp.Verified)

	f.drop("PATCH", path, func() {
		_, err := f.other.PluginResults.SetStore(f.ctx, id, map[string]any{"by": "the other client"})
		assert.NoError(t, err)
	})
	_, err = f.c.PluginResults.SetStore(f.ctx, id, map[string]any{"reads": 2000})
	require.ErrorIs(t, err, ErrOutcomeUnknown)
	pr, _, err := f.other.PluginResults.Get(f.ctx, id)
	require.NoError(t, err)
	v, _ := pr.Store.GetString("by")
	assert.Equal(t, "the other client", v, "the other client's store stands")
	assert.Equal(t, 2, f.sent("PATCH", path), "each SetStore sent once")
}

func TestLostAnswerBulkPatch(t *testing.T) {
	f := newLostFixture(t)
	before, _, err := f.other.PluginResultJobs.Count(f.ctx, nil)
	require.NoError(t, err)
	f.drop("PATCH", "PluginResultJob/", nil)
	_, err = f.c.PluginResultJobs.BulkPatch(f.ctx, []BulkUpdate[PluginResultJobPatch]{
		{ID: 10, Patch: &PluginResultJobPatch{RunLevel: RunLevelSeparator}},
	}, []int64{12})
	require.ErrorIs(t, err, ErrOutcomeUnknown)
	assert.Equal(t, RunLevelSeparator, f.job(t, 10).RunLevel, "applied once")
	after, _, err := f.other.PluginResultJobs.Count(f.ctx, nil)
	require.NoError(t, err)
	assert.Equal(t, before-1, after, "one deleted, none created")
	assert.Equal(t, 1, f.sent("PATCH", "PluginResultJob/"))
}

func TestLostAnswerDelete(t *testing.T) {
	f := newLostFixture(t)
	f.drop("DELETE", "PluginResultJob/7/", nil)
	resp, err := f.c.PluginResultJobs.Delete(f.ctx, 7)
	require.NoError(t, err, "the retry finds the job gone: success")
	assert.Equal(t, 2, resp.Attempts)
	_, _, err = f.other.PluginResultJobs.Get(f.ctx, 7)
	assert.ErrorIs(t, err, ErrNotFound)
	assert.Equal(t, 2, f.sent("DELETE", "PluginResultJob/7/"))
}

func TestLostAnswerDeleteMatching(t *testing.T) {
	f := newLostFixture(t)
	// In between, another client moves a job into the matching state: a
	// resent DELETE would delete it.
	var moved int64
	f.drop("DELETE", "PluginResultJob/", func() {
		moved = f.runningJobOf(t, f.other)
		_, err := f.other.PluginResultJobs.SetState(f.ctx, moved, StateDeclined)
		assert.NoError(t, err)
	})
	_, err := f.c.PluginResultJobs.DeleteAllMatching(f.ctx, &PluginResultJobListOptions{State: StateDeclined})
	require.ErrorIs(t, err, ErrOutcomeUnknown)
	n, _, err := f.other.PluginResultJobs.Count(f.ctx, &PluginResultJobListOptions{State: StateDeclined})
	require.NoError(t, err)
	assert.Equal(t, 1, n, "the job declined afterwards is still there")
	assert.Equal(t, StateDeclined, f.job(t, moved).State)
	assert.Equal(t, 1, f.sent("DELETE", "PluginResultJob/"))
}

func TestLostAnswerLaunch(t *testing.T) {
	f := newLostFixture(t)
	count := func() int {
		n, _, err := f.other.PluginResults.Count(f.ctx, &PluginResultListOptions{Result: Ptr[int64](101)})
		require.NoError(t, err)
		return n
	}
	before := count()
	f.drop("POST", "results/101/plugin/", nil)
	_, err := f.c.Plugins.Launch(f.ctx, 101, &LaunchRequest{Plugin: "sampleID"})
	require.ErrorIs(t, err, ErrOutcomeUnknown)
	assert.Equal(t, before+1, count(), "launched once")
	assert.Equal(t, 1, f.sent("POST", "results/101/plugin/"))
}

func TestLostAnswerCreate(t *testing.T) {
	// The Torrent Server creates no job by POST; a plugin result it does
	// create, through the generic core.
	f := newLostFixture(t)
	type prWrite struct {
		Result string `json:"result"`
		Plugin string `json:"plugin"`
		Store  any    `json:"store"`
		Jobs   []any  `json:"plugin_result_jobs"`
	}
	r := NewResource[PluginResult, PluginResultListOptions, prWrite, PluginResultPatch](f.c, ResourceSpec[PluginResult]{
		Name: "pluginresult", ID: func(p *PluginResult) int64 { return p.ID },
		Filters: map[string][]string{"result": nil},
	})
	count := func() int {
		n, _, err := f.other.PluginResults.Count(f.ctx, &PluginResultListOptions{Result: Ptr[int64](102)})
		require.NoError(t, err)
		return n
	}
	before := count()
	w := &prWrite{Result: "/rundb/api/v1/results/102/", Plugin: "/rundb/api/v1/plugin/1/", Store: map[string]any{}, Jobs: []any{}}
	id, _, err := r.Create(f.ctx, w)
	require.NoError(t, err, "the server creates plugin results by POST")
	require.Positive(t, id)
	f.drop("POST", "pluginresult/", nil)
	_, _, err = r.Create(f.ctx, w)
	require.ErrorIs(t, err, ErrOutcomeUnknown)
	assert.Equal(t, before+2, count(), "each Create made one plugin result")
	assert.Equal(t, 2, f.sent("POST", "pluginresult/"))
}

// runningJob returns a job that is not yet Started nor ended.
func (f *lostFixture) runningJob(t *testing.T) int64 { return f.runningJobOf(t, f.other) }

func (f *lostFixture) runningJobOf(t *testing.T, c *Client) int64 {
	t.Helper()
	jobs, _, err := c.PluginResultJobs.List(f.ctx, &PluginResultJobListOptions{State: StateQueued, ListOptions: ListOptions{Limit: 1}})
	require.NoError(t, err)
	require.NotEmpty(t, jobs)
	return jobs[0].ID
}
