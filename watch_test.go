package tsapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tsapi-go/tsapi"
	"github.com/tsapi-go/tsapi/internal/refserver"
	"github.com/tsapi-go/tsapi/tsapitest"
)

// watchTarget is a server to watch, with another client to change it.
type watchTarget struct {
	base  string
	other *tsapi.Client
}

func fakeTarget(t *testing.T) watchTarget {
	srv := tsapitest.NewServer()
	t.Cleanup(srv.Close)
	require.NoError(t, srv.LoadSeedFile("testdata/seed.json"))
	other, err := srv.AdminClient()
	require.NoError(t, err)
	return watchTarget{base: srv.URL(), other: other}
}

func referenceTarget(t *testing.T) watchTarget {
	base := refserver.Lock(t)
	refserver.Reset(t, base)
	t.Cleanup(func() { refserver.Reset(t, base) })
	other, err := tsapi.New(base, tsapi.WithBasicAuth("ionadmin", "ionadmin"))
	require.NoError(t, err)
	return watchTarget{base: base, other: other}
}

// watching runs a watch in the background; events arrive on the channel.
type watching struct {
	events chan tsapi.JobEvent
	errs   chan error
	cancel context.CancelFunc
	done   chan struct{}
}

func startWatch(t *testing.T, c *tsapi.Client, opts *tsapi.WatchOptions) *watching {
	ctx, cancel := context.WithCancel(context.Background())
	w := &watching{events: make(chan tsapi.JobEvent, 1000), errs: make(chan error, 10), cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(w.done)
		for ev, err := range c.PluginResultJobs.Watch(ctx, opts) {
			if err != nil {
				w.errs <- err
				return
			}
			w.events <- ev
		}
	}()
	t.Cleanup(func() { cancel(); <-w.done })
	return w
}

// next waits for the next event.
func (w *watching) next(t *testing.T) tsapi.JobEvent {
	t.Helper()
	select {
	case ev := <-w.events:
		return ev
	case err := <-w.errs:
		t.Fatalf("watch ended: %v", err)
	case <-time.After(20 * time.Second):
		t.Fatal("no event within 20 s")
	}
	return tsapi.JobEvent{}
}

// quiet checks that no event arrives for a few polls.
func (w *watching) quiet(t *testing.T, d time.Duration) {
	t.Helper()
	select {
	case ev := <-w.events:
		t.Errorf("unexpected event %s of job %d (%s -> %v)", ev.Type, ev.ID, ev.Previous, stateOf(ev))
	case err := <-w.errs:
		t.Errorf("watch ended: %v", err)
	case <-time.After(d):
	}
}

func stateOf(ev tsapi.JobEvent) tsapi.JobState {
	if ev.Job == nil {
		return ""
	}
	return ev.Job.State
}

func queuedJob(t *testing.T, c *tsapi.Client, skip ...int64) int64 {
	t.Helper()
	jobs, _, err := c.PluginResultJobs.List(context.Background(), &tsapi.PluginResultJobListOptions{State: tsapi.StateQueued})
	require.NoError(t, err)
	for _, j := range jobs {
		if !containsID(skip, j.ID) {
			return j.ID
		}
	}
	t.Fatal("no queued job")
	return 0
}

func containsID(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

func testWatchSeesEveryTransitionOnce(t *testing.T, tg watchTarget) {
	ctx := context.Background()
	c, err := tsapi.New(tg.base, tsapi.WithBasicAuth("ionadmin", "ionadmin"))
	require.NoError(t, err)
	w := startWatch(t, c, &tsapi.WatchOptions{Interval: 50 * time.Millisecond})
	w.quiet(t, 200*time.Millisecond) // the start is silent

	a := queuedJob(t, tg.other)
	b := queuedJob(t, tg.other, a)
	_, err = tg.other.PluginResultJobs.SetState(ctx, a, tsapi.StateStarted)
	require.NoError(t, err)
	ev := w.next(t)
	assert.Equal(t, tsapi.JobChanged, ev.Type)
	assert.Equal(t, a, ev.ID)
	assert.Equal(t, tsapi.StateQueued, ev.Previous)
	assert.Equal(t, tsapi.StateStarted, stateOf(ev))

	_, err = tg.other.PluginResultJobs.SetState(ctx, a, tsapi.StateCompleted)
	require.NoError(t, err)
	ev = w.next(t)
	assert.Equal(t, tsapi.JobChanged, ev.Type)
	assert.Equal(t, a, ev.ID)
	assert.Equal(t, tsapi.StateStarted, ev.Previous)
	assert.Equal(t, tsapi.StateCompleted, stateOf(ev))

	// A launch makes a new plugin result with a Queued job per run level.
	_, err = tg.other.Plugins.Launch(ctx, 101, &tsapi.LaunchRequest{Plugin: "sampleID"})
	require.NoError(t, err)
	prs, _, err := tg.other.PluginResults.List(ctx, &tsapi.PluginResultListOptions{Result: tsapi.Ptr[int64](101), ListOptions: tsapi.ListOptions{Limit: 1}})
	require.NoError(t, err)
	require.NotEmpty(t, prs[0].Jobs)
	for range prs[0].Jobs {
		ev = w.next(t)
		assert.Equal(t, tsapi.JobAppeared, ev.Type)
		assert.Equal(t, tsapi.StateQueued, stateOf(ev))
		assert.NotNil(t, prs[0].JobByGridEngineID(*ev.Job.GridEngineJobID), "a job of the launch")
	}

	_, err = tg.other.PluginResultJobs.Delete(ctx, b)
	require.NoError(t, err)
	ev = w.next(t)
	assert.Equal(t, tsapi.JobGone, ev.Type)
	assert.Equal(t, b, ev.ID)
	assert.Equal(t, tsapi.StateQueued, ev.Previous)
	assert.Nil(t, ev.Job)

	w.quiet(t, 300*time.Millisecond) // each once
}

func TestWatchSeesEveryTransitionOnce(t *testing.T) {
	t.Run("tsapitest", func(t *testing.T) { testWatchSeesEveryTransitionOnce(t, fakeTarget(t)) })
	t.Run("reference", func(t *testing.T) { testWatchSeesEveryTransitionOnce(t, referenceTarget(t)) })
}

func TestWatchResumesFromASavedCursor(t *testing.T) {
	t.Run("tsapitest", func(t *testing.T) { testWatchResumes(t, fakeTarget(t)) })
	t.Run("reference", func(t *testing.T) { testWatchResumes(t, referenceTarget(t)) })
}

func testWatchResumes(t *testing.T, tg watchTarget) {
	ctx := context.Background()
	c, err := tsapi.New(tg.base, tsapi.WithBasicAuth("ionadmin", "ionadmin"))
	require.NoError(t, err)

	// A first run of the program: it learns the running jobs, then two
	// changes come in one poll; it takes the first event, saves the cursor
	// (as JSON) and stops.
	var mu sync.Mutex
	var cursor []byte
	ctx1, cancel1 := context.WithCancel(ctx)
	started := make(chan struct{})
	a := queuedJob(t, tg.other)
	b := queuedJob(t, tg.other, a)
	var firstEvent tsapi.JobEvent
	done := make(chan struct{})
	go func() {
		defer close(done)
		signalled := false
		for ev, err := range c.PluginResultJobs.Watch(ctx1, &tsapi.WatchOptions{Interval: 50 * time.Millisecond, Existing: true}) {
			if !assert.NoError(t, err) {
				return
			}
			if ev.Type == tsapi.JobAppeared {
				// The running jobs at start.
				if !signalled && ev.Cursor.Running[a] != "" && ev.Cursor.Running[b] != "" {
					close(started)
					signalled = true
				}
				continue
			}
			firstEvent = ev
			mu.Lock()
			cursor, _ = json.Marshal(ev.Cursor)
			mu.Unlock()
			return
		}
	}()
	<-started
	// Both changes land between two polls.
	_, err = tg.other.PluginResultJobs.BulkPatch(ctx, []tsapi.BulkUpdate[tsapi.PluginResultJobPatch]{
		{ID: a, Patch: &tsapi.PluginResultJobPatch{State: tsapi.StateStarted}},
		{ID: b, Patch: &tsapi.PluginResultJobPatch{State: tsapi.StateError}},
	}, nil)
	require.NoError(t, err)
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("the first run saw nothing")
	}
	cancel1()
	require.Equal(t, tsapi.JobChanged, firstEvent.Type)
	require.Equal(t, a, firstEvent.ID, "events of a poll come in id order")

	// While no program runs, another job starts.
	c3 := queuedJob(t, tg.other, a, b)
	_, err = tg.other.PluginResultJobs.SetState(ctx, c3, tsapi.StateStarted)
	require.NoError(t, err)

	// The program starts again from the saved cursor: b's change (not a's
	// again) and the change made while it was down.
	var saved tsapi.WatchCursor
	mu.Lock()
	require.NoError(t, json.Unmarshal(cursor, &saved))
	mu.Unlock()
	w := startWatch(t, c, &tsapi.WatchOptions{Interval: 50 * time.Millisecond, Cursor: &saved})
	got := map[int64]tsapi.JobEvent{}
	for range 2 {
		ev := w.next(t)
		got[ev.ID] = ev
	}
	assert.NotContains(t, got, a, "nothing repeated")
	if assert.Contains(t, got, b) {
		assert.Equal(t, tsapi.StateQueued, got[b].Previous)
		assert.Equal(t, tsapi.StateError, stateOf(got[b]))
	}
	if assert.Contains(t, got, c3) {
		assert.Equal(t, tsapi.StateStarted, stateOf(got[c3]))
	}
	w.quiet(t, 300*time.Millisecond)
}

func TestWatchOutlastsAMaintenanceWindow(t *testing.T) {
	if testing.Short() {
		t.Skip("a 30-second window")
	}
	t.Parallel()
	// Closed after the watch stops (cleanups run last in, first out), so
	// that no poll meets a closed server.
	srv := tsapitest.New(t)
	require.NoError(t, srv.LoadSeedFile("testdata/seed.json"))
	c, err := srv.AdminClient(tsapi.WithRetry(1, time.Millisecond, 10*time.Millisecond))
	require.NoError(t, err)
	var failed atomic.Int32
	w := startWatch(t, c, &tsapi.WatchOptions{Interval: 100 * time.Millisecond, MaxBackoff: 2 * time.Second,
		OnError: func(err error) {
			assert.ErrorIs(t, err, tsapi.ErrUnavailable)
			failed.Add(1)
		}})
	w.quiet(t, 300*time.Millisecond)

	other, err := srv.AdminClient()
	require.NoError(t, err)
	a := queuedJob(t, other)
	// The server goes into maintenance for 30 s; meanwhile a job ends and
	// a new one is added behind the maintenance page.
	srv.AddFault(tsapitest.Fault{Status: http.StatusServiceUnavailable, Times: -1})
	srv.UpdateJob(a, func(j *tsapitest.Job) { j.State = "Completed" })
	added := srv.AddJob(tsapitest.Job{State: "Queued"})
	time.Sleep(30 * time.Second)
	srv.ClearFaults()

	got := map[int64]tsapi.JobEvent{}
	for range 2 {
		ev := w.next(t)
		got[ev.ID] = ev
	}
	assert.Equal(t, tsapi.JobChanged, got[a].Type)
	assert.Equal(t, tsapi.StateCompleted, stateOf(got[a]))
	assert.Equal(t, tsapi.JobAppeared, got[added].Type)
	assert.Greater(t, failed.Load(), int32(5), "the watch kept trying")
	w.quiet(t, 500*time.Millisecond)
}

// TestWatchCostDoesNotGrowWithFinishedJobs counts the requests of each poll
// with 1 000 and with 10 000 finished jobs.
func TestWatchCostDoesNotGrowWithFinishedJobs(t *testing.T) {
	perPoll := func(finished int) (float64, float64) {
		srv := tsapitest.NewServer()
		defer srv.Close()
		for i := 0; i < finished; i++ {
			srv.AddJob(tsapitest.Job{State: "Completed"})
		}
		for i := 0; i < 3; i++ {
			srv.AddJob(tsapitest.Job{State: "Started"})
		}
		var mu sync.Mutex
		var seen []tsapi.RequestInfo
		c, err := srv.AdminClient(tsapi.WithRequestHook(func(ri tsapi.RequestInfo) {
			mu.Lock()
			seen = append(seen, ri)
			mu.Unlock()
		}))
		require.NoError(t, err)
		w := startWatch(t, c, &tsapi.WatchOptions{Interval: 20 * time.Millisecond})
		// Enough polls, however slow the machine: wait for them rather
		// than for a time.
		polled := func() int {
			mu.Lock()
			defer mu.Unlock()
			n := 0
			for _, ri := range seen {
				if strings.Contains(ri.URL, "state__in=") {
					n++
				}
			}
			return n
		}
		for deadline := time.Now().Add(30 * time.Second); polled() < 10 && time.Now().Before(deadline); {
			time.Sleep(20 * time.Millisecond)
		}
		w.quiet(t, 100*time.Millisecond)
		w.cancel()
		<-w.done
		mu.Lock()
		defer mu.Unlock()
		// Whole polls only: from the first poll's first request to the
		// last poll's start (each poll begins with the running-set list).
		var starts []int
		for i, ri := range seen {
			if strings.Contains(ri.URL, "state__in=") {
				starts = append(starts, i)
			}
		}
		require.Greater(t, len(starts), 6)
		starts = starts[1:] // the start's own request is not a poll
		whole := seen[starts[0]:starts[len(starts)-1]]
		polls := len(starts) - 1
		reqs, bytes := len(whole), 0
		for _, ri := range whole {
			bytes += int(ri.BytesReceived)
		}
		return float64(reqs) / float64(polls), float64(bytes) / float64(polls)
	}
	small, smallBytes := perPoll(1000)
	large, largeBytes := perPoll(10000)
	t.Logf("requests per poll: %.2f with 1000 finished jobs, %.2f with 10000; bytes per poll %.0f and %.0f", small, large, smallBytes, largeBytes)
	assert.InDelta(t, 2, small, 0.25)
	assert.InDelta(t, 2, large, 0.25)
	assert.InDelta(t, smallBytes, largeBytes, smallBytes*0.1, "the answers do not grow either")
}

func TestWatchRefusesFiltersItOwns(t *testing.T) {
	srv := tsapitest.NewServer()
	defer srv.Close()
	c, err := srv.AdminClient()
	require.NoError(t, err)
	for _, f := range []*tsapi.PluginResultJobListOptions{
		{State: tsapi.StateQueued},
		{IDGt: tsapi.Ptr[int64](3)},
		{ListOptions: tsapi.ListOptions{Limit: 5}},
		{ListOptions: tsapi.ListOptions{Filters: map[string][]string{"state__in": {"Queued"}}}},
		{ListOptions: tsapi.ListOptions{Filters: map[string][]string{"bogus": {"x"}}}},
	} {
		for _, err := range c.PluginResultJobs.Watch(context.Background(), &tsapi.WatchOptions{Filter: f}) {
			assert.ErrorIs(t, err, tsapi.ErrInvalidOption)
		}
	}
	// A permanent error ends the watch with it.
	reader, err := srv.Client(tsapi.WithBasicAuth("ionadmin", "wrong"))
	require.NoError(t, err)
	n := 0
	for _, err := range reader.PluginResultJobs.Watch(context.Background(), &tsapi.WatchOptions{Interval: time.Millisecond}) {
		assert.ErrorIs(t, err, tsapi.ErrUnauthorized)
		n++
	}
	assert.Equal(t, 1, n)
}

// TestWatchFailedPollYieldsNothingAndIsMadeAgain fails the multi-get of a
// poll (its last request): the poll's events must not come twice.
func TestWatchFailedPollYieldsNothingAndIsMadeAgain(t *testing.T) {
	srv := tsapitest.NewServer()
	defer srv.Close()
	a := srv.AddJob(tsapitest.Job{State: "Queued"})
	b := srv.AddJob(tsapitest.Job{State: "Queued"})
	c, err := srv.AdminClient(tsapi.WithRetry(0, 0, 0))
	require.NoError(t, err)
	var failed atomic.Int32
	w := startWatch(t, c, &tsapi.WatchOptions{Interval: 30 * time.Millisecond, MaxBackoff: 60 * time.Millisecond,
		OnError: func(error) { failed.Add(1) }})
	w.quiet(t, 150*time.Millisecond)
	// a changes (an event from the running list), b ends (an event from
	// the multi-get, which fails once): nothing of that poll is yielded
	// until it succeeds whole.
	srv.AddFault(tsapitest.Fault{Method: "GET", Path: "PluginResultJob/set/", Status: http.StatusServiceUnavailable})
	srv.UpdateJob(a, func(j *tsapitest.Job) { j.State = "Started" })
	srv.UpdateJob(b, func(j *tsapitest.Job) { j.State = "Completed" })
	got := []tsapi.JobEvent{w.next(t), w.next(t)}
	assert.Equal(t, int32(1), failed.Load(), "the failed poll was reported")
	assert.Equal(t, a, got[0].ID)
	assert.Equal(t, tsapi.StateStarted, stateOf(got[0]))
	assert.Equal(t, b, got[1].ID)
	assert.Equal(t, tsapi.StateCompleted, stateOf(got[1]))
	w.quiet(t, 200*time.Millisecond) // a's change is not repeated
}

// errOf waits for the error that ends a watch.
func (w *watching) errOf(t *testing.T) error {
	t.Helper()
	select {
	case ev := <-w.events:
		t.Fatalf("event %s of job %d where an error was awaited", ev.Type, ev.ID)
	case err := <-w.errs:
		return err
	case <-time.After(20 * time.Second):
		t.Fatal("the watch did not end within 20 s")
	}
	return nil
}

// TestWatchResumedFromAnExistingEventReportsTheRestAsAppeared takes the
// first of the JobAppeared events that WatchOptions.Existing makes and
// resumes from its cursor: the other running jobs come as JobAppeared, as
// they would have without the restart (they came as JobChanged with no
// Previous, the start having counted them as seen).
func TestWatchResumedFromAnExistingEventReportsTheRestAsAppeared(t *testing.T) {
	srv := tsapitest.New(t)
	srv.AddJob(tsapitest.Job{State: "Completed"})
	a := srv.AddJob(tsapitest.Job{State: "Queued"})
	b := srv.AddJob(tsapitest.Job{State: "Started"})
	c := srv.AddJob(tsapitest.Job{State: "Pending"})
	client, err := srv.AdminClient()
	require.NoError(t, err)
	var first tsapi.JobEvent
	for ev, err := range client.PluginResultJobs.Watch(context.Background(), &tsapi.WatchOptions{Interval: time.Millisecond, Existing: true}) {
		require.NoError(t, err)
		first = ev
		break
	}
	require.Equal(t, tsapi.JobAppeared, first.Type)
	require.Equal(t, a, first.ID)
	saved, err := json.Marshal(first.Cursor)
	require.NoError(t, err)

	// While the program is down, b ends.
	srv.UpdateJob(b, func(j *tsapitest.Job) { j.State = "Completed" })
	var cursor tsapi.WatchCursor
	require.NoError(t, json.Unmarshal(saved, &cursor))
	w := startWatch(t, client, &tsapi.WatchOptions{Interval: time.Millisecond, Cursor: &cursor})
	for _, want := range []struct {
		id    int64
		state tsapi.JobState
	}{{b, tsapi.StateCompleted}, {c, tsapi.StatePending}} {
		ev := w.next(t)
		assert.Equal(t, tsapi.JobAppeared, ev.Type, "job %d", ev.ID)
		assert.Equal(t, want.id, ev.ID)
		assert.Equal(t, tsapi.JobState(""), ev.Previous)
		assert.Equal(t, want.state, stateOf(ev))
	}
	w.quiet(t, 100*time.Millisecond)
}

// TestWatchSeesJobsCommittedOutOfIDOrder inserts jobs with ids below the
// newest one the watch has seen, as two transactions committing out of id
// order do: each comes once as JobAppeared, the finished one too (it was
// never seen, and the running one came as a JobChanged with no Previous).
func TestWatchSeesJobsCommittedOutOfIDOrder(t *testing.T) {
	t.Run("after a newer job", func(t *testing.T) {
		srv := tsapitest.New(t)
		srv.AddJob(tsapitest.Job{ID: 1, State: "Completed"})
		client, err := srv.AdminClient()
		require.NoError(t, err)
		w := startWatch(t, client, &tsapi.WatchOptions{Interval: time.Millisecond})
		w.quiet(t, 50*time.Millisecond)
		srv.AddJob(tsapitest.Job{ID: 4, State: "Queued"})
		ev := w.next(t)
		assert.Equal(t, tsapi.JobAppeared, ev.Type)
		assert.Equal(t, int64(4), ev.ID)
		// 2 and 3 commit later: one created finished, one running.
		srv.AddJob(tsapitest.Job{ID: 3, State: "Error"})
		ev = w.next(t)
		assert.Equal(t, tsapi.JobAppeared, ev.Type)
		assert.Equal(t, int64(3), ev.ID)
		assert.Equal(t, tsapi.StateError, stateOf(ev))
		srv.AddJob(tsapitest.Job{ID: 2, State: "Started"})
		ev = w.next(t)
		assert.Equal(t, tsapi.JobAppeared, ev.Type)
		assert.Equal(t, int64(2), ev.ID)
		assert.Equal(t, tsapi.JobState(""), ev.Previous)
		// 2 is followed as any job.
		srv.UpdateJob(2, func(j *tsapitest.Job) { j.State = "Completed" })
		ev = w.next(t)
		assert.Equal(t, tsapi.JobChanged, ev.Type)
		assert.Equal(t, int64(2), ev.ID)
		assert.Equal(t, tsapi.StateStarted, ev.Previous)
		w.quiet(t, 50*time.Millisecond)
	})
	t.Run("below the newest at start", func(t *testing.T) {
		srv := tsapitest.New(t)
		srv.AddJob(tsapitest.Job{ID: 1, State: "Completed"})
		srv.AddJob(tsapitest.Job{ID: 3, State: "Completed"})
		client, err := srv.AdminClient()
		require.NoError(t, err)
		w := startWatch(t, client, &tsapi.WatchOptions{Interval: time.Millisecond})
		w.quiet(t, 50*time.Millisecond)
		srv.AddJob(tsapitest.Job{ID: 2, State: "Completed"})
		ev := w.next(t)
		assert.Equal(t, tsapi.JobAppeared, ev.Type)
		assert.Equal(t, int64(2), ev.ID)
		w.quiet(t, 50*time.Millisecond)
	})
}

// TestWatchEndsWhenAServerErrorLasts answers every request with
// tastypie's 500: the watch tells OnError of the first failed polls, then
// ends with the error (it polled on in silence for ever).
func TestWatchEndsWhenAServerErrorLasts(t *testing.T) {
	srv := tsapitest.New(t)
	srv.AddJob(tsapitest.Job{State: "Queued"})
	client, err := srv.AdminClient()
	require.NoError(t, err)
	var heard atomic.Int32
	w := startWatch(t, client, &tsapi.WatchOptions{Interval: time.Millisecond, MaxBackoff: 2 * time.Millisecond,
		OnError: func(err error) {
			assert.ErrorIs(t, err, tsapi.ErrServer)
			heard.Add(1)
		}})
	w.quiet(t, 50*time.Millisecond)
	srv.AddFault(tsapitest.Fault{Status: http.StatusInternalServerError, Times: -1})
	err = w.errOf(t)
	assert.ErrorIs(t, err, tsapi.ErrServer)
	var we *tsapi.WatchError
	if assert.ErrorAs(t, err, &we) {
		assert.Equal(t, tsapi.DefaultWatchMaxServerErrors, we.Failures)
		assert.NotNil(t, we.Cursor, "the cursor to resume from")
		assert.Contains(t, err.Error(), "gave up after 5 failed polls")
	}
	assert.Equal(t, int32(tsapi.DefaultWatchMaxServerErrors-1), heard.Load(), "each failed poll but the last was heard of")
}

// TestWatchEndsAtOnceOnA501 answers 501 (the server does not implement
// the request): that does not pass, and ends the watch at once.
func TestWatchEndsAtOnceOnA501(t *testing.T) {
	srv := tsapitest.New(t)
	client, err := srv.AdminClient()
	require.NoError(t, err)
	srv.AddFault(tsapitest.Fault{Status: http.StatusNotImplemented, Times: -1})
	w := startWatch(t, client, &tsapi.WatchOptions{Interval: time.Millisecond,
		OnError: func(err error) { t.Errorf("told of %v as passing", err) }})
	err = w.errOf(t)
	assert.ErrorIs(t, err, tsapi.ErrNotImplemented)
	var we *tsapi.WatchError
	if assert.ErrorAs(t, err, &we) {
		assert.Equal(t, 1, we.Failures)
		assert.Nil(t, we.Cursor, "the watch never read the server")
	}
}

// TestWatchResumesFromACursorOfAnEarlierVersion resumes from the JSON an
// earlier version of the library saved (max_id and running alone).
func TestWatchResumesFromACursorOfAnEarlierVersion(t *testing.T) {
	srv := tsapitest.New(t)
	a := srv.AddJob(tsapitest.Job{State: "Queued"})
	b := srv.AddJob(tsapitest.Job{State: "Started"})
	client, err := srv.AdminClient()
	require.NoError(t, err)
	var old tsapi.WatchCursor
	require.NoError(t, json.Unmarshal([]byte(`{"max_id":`+jsonInt(b)+`,"running":{"`+jsonInt(a)+`":"Queued","`+jsonInt(b)+`":"Queued"}}`), &old))
	c := srv.AddJob(tsapitest.Job{State: "Completed"})
	w := startWatch(t, client, &tsapi.WatchOptions{Interval: time.Millisecond, Cursor: &old})
	ev := w.next(t)
	assert.Equal(t, tsapi.JobChanged, ev.Type)
	assert.Equal(t, b, ev.ID)
	assert.Equal(t, tsapi.StateQueued, ev.Previous)
	ev = w.next(t)
	assert.Equal(t, tsapi.JobAppeared, ev.Type)
	assert.Equal(t, c, ev.ID)
	assert.Equal(t, 2, ev.Cursor.Version, "the cursor is written in the new version")
	w.quiet(t, 50*time.Millisecond)
}

func jsonInt(n int64) string { b, _ := json.Marshal(n); return string(b) }

// TestWatchRefusesABadCursor gives cursors the watch cannot resume from: a
// typed error before any request.
func TestWatchRefusesABadCursor(t *testing.T) {
	srv := tsapitest.New(t)
	client, err := srv.AdminClient()
	require.NoError(t, err)
	for name, c := range map[string]string{
		"a newer version":        `{"version":3,"max_id":5,"running":{}}`,
		"a negative max_id":      `{"max_id":-1,"running":{}}`,
		"a job above max_id":     `{"max_id":5,"running":{"6":"Queued"}}`,
		"a job without a state":  `{"max_id":5,"running":{"4":""}}`,
		"a gap above max_id":     `{"version":2,"max_id":5,"running":{},"gaps":[{"from":4,"to":6,"until":"2030-01-01T00:00:00Z"}]}`,
		"gaps out of order":      `{"version":2,"max_id":9,"running":{},"gaps":[{"from":6,"to":7,"until":"2030-01-01T00:00:00Z"},{"from":2,"to":3,"until":"2030-01-01T00:00:00Z"}]}`,
		"a followed job in gap":  `{"version":2,"max_id":9,"running":{"3":"Queued"},"gaps":[{"from":2,"to":4,"until":"2030-01-01T00:00:00Z"}]}`,
		"an existing job twice":  `{"version":2,"max_id":9,"running":{},"existing":[3,3]}`,
		"an existing job follow": `{"version":2,"max_id":9,"running":{"3":"Queued"},"existing":[3]}`,
	} {
		var cur tsapi.WatchCursor
		require.NoError(t, json.Unmarshal([]byte(c), &cur), name)
		n := 0
		for _, err := range client.PluginResultJobs.Watch(context.Background(), &tsapi.WatchOptions{Cursor: &cur}) {
			assert.ErrorIs(t, err, tsapi.ErrInvalidOption, name)
			var ce *tsapi.InvalidArgumentError
			assert.ErrorAs(t, err, &ce, name)
			n++
		}
		assert.Equal(t, 1, n, name)
	}
	assert.Empty(t, srv.Requests(), "nothing was sent")
}
