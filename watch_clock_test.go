package tsapi_test

import (
	"context"
	"iter"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tsapi-go/tsapi"
	"github.com/tsapi-go/tsapi/tsapitest"
)

// stepClock is a watch's clock under a test's control: time moves only by
// the waits between polls, and each wait runs step (the test's changes to
// the server, made between two polls) with the wait's number, from 1. The
// watch ends when step returns false.
type stepClock struct {
	now   time.Time
	waits []time.Duration
	step  func(n int) bool
}

func newStepClock(step func(n int) bool) *stepClock {
	return &stepClock{now: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC), step: step}
}

func (c *stepClock) watch(ctx context.Context, s tsapi.PluginResultJobService, opts *tsapi.WatchOptions) iter.Seq2[tsapi.JobEvent, error] {
	return tsapi.WatchOnClock(ctx, s, opts, func() time.Time { return c.now }, func(ctx context.Context, d time.Duration) bool {
		c.now = c.now.Add(d)
		c.waits = append(c.waits, d)
		return c.step(len(c.waits))
	})
}

// drain runs a watch to its end and returns its events and its error.
func drain(seq iter.Seq2[tsapi.JobEvent, error]) ([]tsapi.JobEvent, error) {
	var events []tsapi.JobEvent
	for ev, err := range seq {
		if err != nil {
			return events, err
		}
		events = append(events, ev)
	}
	return events, nil
}

func ms(n ...int) []time.Duration {
	var d []time.Duration
	for _, x := range n {
		d = append(d, time.Duration(x)*time.Millisecond)
	}
	return d
}

// noRetryClient is a client whose requests fail at the first failure, so
// that each failed request is a failed poll.
func noRetryClient(t *testing.T, srv *tsapitest.Server) *tsapi.Client {
	c, err := srv.AdminClient(tsapi.WithRetry(0, 0, 0))
	require.NoError(t, err)
	return c
}

// TestWatchOutageThatNeverClears: a maintenance page that stays. The watch
// backs off (10, 20, 40, then 80 ms), tells OnError of each failed poll,
// and ends with the error of the first poll made MaxOutage or more after
// the first failed one: the 16th, 1030 ms after it.
func TestWatchOutageThatNeverClears(t *testing.T) {
	srv := tsapitest.New(t)
	srv.AddJob(tsapitest.Job{State: "Queued"})
	c := noRetryClient(t, srv)
	clock := newStepClock(func(n int) bool {
		if n == 1 {
			srv.AddFault(tsapitest.Fault{Status: http.StatusServiceUnavailable, Times: -1})
		}
		return n < 100
	})
	heard := 0
	events, err := drain(clock.watch(context.Background(), c.PluginResultJobs, &tsapi.WatchOptions{
		Interval: 10 * time.Millisecond, MaxBackoff: 80 * time.Millisecond, MaxOutage: time.Second,
		OnError: func(err error) {
			assert.ErrorIs(t, err, tsapi.ErrUnavailable)
			heard++
		}}))
	assert.Empty(t, events)
	require.ErrorIs(t, err, tsapi.ErrUnavailable)
	var we *tsapi.WatchError
	require.ErrorAs(t, err, &we)
	assert.Equal(t, 16, we.Failures)
	assert.Equal(t, 1030*time.Millisecond, we.Outage)
	assert.Equal(t, 15, heard)
	assert.Equal(t, append(ms(10, 10, 20, 40), ms(80, 80, 80, 80, 80, 80, 80, 80, 80, 80, 80, 80)...), clock.waits)
	assert.NotNil(t, we.Cursor)
	assert.Contains(t, err.Error(), "gave up after 16 failed polls in 1.03s")
}

// TestWatchOutageThatClears: polls fail for a while (a 503, then a 500
// twice, below MaxServerErrors), then pass: the watch goes on, the change
// made meanwhile comes once, and the waits go back to the interval.
func TestWatchOutageThatClears(t *testing.T) {
	for _, status := range []int{http.StatusServiceUnavailable, http.StatusInternalServerError} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			srv := tsapitest.New(t)
			a := srv.AddJob(tsapitest.Job{State: "Queued"})
			c := noRetryClient(t, srv)
			clock := newStepClock(func(n int) bool {
				switch n {
				case 1:
					srv.AddFault(tsapitest.Fault{Status: status, Times: -1})
				case 3:
					srv.UpdateJob(a, func(j *tsapitest.Job) { j.State = "Completed" })
				case 5:
					srv.ClearFaults()
				}
				return n < 8
			})
			heard := 0
			events, err := drain(clock.watch(context.Background(), c.PluginResultJobs, &tsapi.WatchOptions{
				Interval: 10 * time.Millisecond, OnError: func(error) { heard++ }}))
			require.NoError(t, err)
			require.Len(t, events, 1)
			assert.Equal(t, tsapi.JobChanged, events[0].Type)
			assert.Equal(t, a, events[0].ID)
			assert.Equal(t, tsapi.StateQueued, events[0].Previous)
			assert.Equal(t, tsapi.StateCompleted, stateOf(events[0]))
			assert.Equal(t, 4, heard, "the polls after waits 1 to 4 failed")
			assert.Equal(t, ms(10, 10, 20, 40, 80, 10, 10, 10), clock.waits)
		})
	}
}

// TestWatchServerErrorsCountSinceTheLastGoodPoll alternates 500 and 503
// answers: the watch ends at the fifth 500, the ninth failed poll.
func TestWatchServerErrorsCountSinceTheLastGoodPoll(t *testing.T) {
	srv := tsapitest.New(t)
	c := noRetryClient(t, srv)
	clock := newStepClock(func(n int) bool {
		status := http.StatusInternalServerError
		if n%2 == 0 {
			status = http.StatusServiceUnavailable
		}
		srv.AddFault(tsapitest.Fault{Status: status})
		return n < 100
	})
	heard := 0
	_, err := drain(clock.watch(context.Background(), c.PluginResultJobs, &tsapi.WatchOptions{
		Interval: time.Millisecond, OnError: func(error) { heard++ }}))
	require.ErrorIs(t, err, tsapi.ErrServer)
	assert.NotErrorIs(t, err, tsapi.ErrUnavailable)
	var we *tsapi.WatchError
	require.ErrorAs(t, err, &we)
	assert.Equal(t, 9, we.Failures)
	assert.Equal(t, 8, heard)
}

// TestWatchWithoutLimitsKeepsTrying sets MaxOutage and MaxServerErrors
// negative: 60 failed polls over hours do not end the watch, and each is
// heard of.
func TestWatchWithoutLimitsKeepsTrying(t *testing.T) {
	srv := tsapitest.New(t)
	c := noRetryClient(t, srv)
	srv.AddFault(tsapitest.Fault{Status: http.StatusInternalServerError, Times: -1})
	clock := newStepClock(func(n int) bool { return n < 60 })
	heard := 0
	events, err := drain(clock.watch(context.Background(), c.PluginResultJobs, &tsapi.WatchOptions{
		Interval: time.Minute, MaxBackoff: time.Hour, MaxOutage: -1, MaxServerErrors: -1,
		OnError: func(error) { heard++ }}))
	require.NoError(t, err)
	assert.Empty(t, events)
	assert.Equal(t, 60, heard)
	assert.Greater(t, clock.now.Sub(time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)), 24*time.Hour)
}

// TestWatchResumesFromTheErrorsCursor: a watch that gave up holds where it
// stood; resumed from there, it reports the change made meanwhile.
func TestWatchResumesFromTheErrorsCursor(t *testing.T) {
	srv := tsapitest.New(t)
	a := srv.AddJob(tsapitest.Job{State: "Queued"})
	c := noRetryClient(t, srv)
	clock := newStepClock(func(n int) bool {
		if n == 1 {
			srv.UpdateJob(a, func(j *tsapitest.Job) { j.State = "Started" })
		}
		if n == 2 {
			srv.AddFault(tsapitest.Fault{Status: http.StatusInternalServerError, Times: -1})
			srv.UpdateJob(a, func(j *tsapitest.Job) { j.State = "Error" })
		}
		return n < 100
	})
	events, err := drain(clock.watch(context.Background(), c.PluginResultJobs, &tsapi.WatchOptions{Interval: time.Millisecond}))
	require.Len(t, events, 1)
	var we *tsapi.WatchError
	require.ErrorAs(t, err, &we)
	require.NotNil(t, we.Cursor)
	assert.Equal(t, tsapi.StateStarted, we.Cursor.Running[a])

	srv.ClearFaults()
	clock = newStepClock(func(n int) bool { return n < 3 })
	events, err = drain(clock.watch(context.Background(), c.PluginResultJobs, &tsapi.WatchOptions{Interval: time.Millisecond, Cursor: we.Cursor}))
	require.NoError(t, err)
	require.Len(t, events, 1)
	assert.Equal(t, tsapi.JobChanged, events[0].Type)
	assert.Equal(t, tsapi.StateStarted, events[0].Previous)
	assert.Equal(t, tsapi.StateError, stateOf(events[0]))
}

// TestWatchLookback: a job that commits into a gap within Lookback comes
// as JobAppeared; once the gap's time is up it is no longer looked for,
// and a job committing there is seen only when running, as a JobChanged
// with no Previous. Lookback negative keeps no gaps.
func TestWatchLookback(t *testing.T) {
	run := func(t *testing.T, lookback time.Duration, steps map[int]func(*tsapitest.Server)) []tsapi.JobEvent {
		srv := tsapitest.New(t)
		srv.AddJob(tsapitest.Job{ID: 1, State: "Completed"})
		c := noRetryClient(t, srv)
		clock := newStepClock(func(n int) bool {
			if f := steps[n]; f != nil {
				f(srv)
			}
			return n < 20
		})
		var events []tsapi.JobEvent
		for ev, err := range clock.watch(context.Background(), c.PluginResultJobs, &tsapi.WatchOptions{Interval: time.Second, Lookback: lookback}) {
			require.NoError(t, err)
			events = append(events, ev)
		}
		return events
	}
	add := func(id int64, state string) func(*tsapitest.Server) {
		return func(s *tsapitest.Server) { s.AddJob(tsapitest.Job{ID: id, State: state}) }
	}
	type ev struct {
		typ  tsapi.JobEventType
		id   int64
		prev tsapi.JobState
	}
	summary := func(events []tsapi.JobEvent) []ev {
		var out []ev
		for _, e := range events {
			out = append(out, ev{e.Type, e.ID, e.Previous})
		}
		return out
	}

	t.Run("within", func(t *testing.T) {
		events := run(t, 5*time.Second, map[int]func(*tsapitest.Server){1: add(5, "Queued"), 4: add(2, "Completed"), 5: add(3, "Started")})
		assert.Equal(t, []ev{{tsapi.JobAppeared, 5, ""}, {tsapi.JobAppeared, 2, ""}, {tsapi.JobAppeared, 3, ""}}, summary(events))
		assert.Equal(t, []tsapi.WatchGap{{From: 4, To: 4, Until: time.Date(2025, 3, 1, 12, 0, 6, 0, time.UTC)}}, events[2].Cursor.Gaps)
	})
	t.Run("after", func(t *testing.T) {
		// The gap 2..4 is made by the poll at 1 s and read by the polls
		// up to the one at 6 s; jobs committing after that are not looked
		// for.
		events := run(t, 5*time.Second, map[int]func(*tsapitest.Server){1: add(5, "Queued"), 7: add(2, "Completed"), 8: add(3, "Started")})
		assert.Equal(t, []ev{{tsapi.JobAppeared, 5, ""}, {tsapi.JobChanged, 3, ""}}, summary(events))
		assert.Empty(t, events[1].Cursor.Gaps)
	})
	t.Run("none", func(t *testing.T) {
		events := run(t, -1, map[int]func(*tsapitest.Server){1: add(5, "Queued"), 2: add(2, "Completed"), 3: add(3, "Started")})
		assert.Equal(t, []ev{{tsapi.JobAppeared, 5, ""}, {tsapi.JobChanged, 3, ""}}, summary(events))
		assert.Empty(t, events[0].Cursor.Gaps)
	})
}

// TestWatchPollCostWithGaps: while a gap is open the second request of a
// poll reads every job above the gap's start (the jobs created since), and
// once the gap's time is up the polls are the two plain requests again.
func TestWatchPollCostWithGaps(t *testing.T) {
	srv := tsapitest.New(t)
	for i := 0; i < 50; i++ {
		srv.AddJob(tsapitest.Job{State: "Completed"})
	}
	c := noRetryClient(t, srv)
	var polls [][]string
	clock := newStepClock(func(n int) bool {
		var poll []string
		for _, r := range srv.Requests() {
			q := r.Query
			poll = append(poll, "limit="+q.Get("limit")+" id__lte="+q.Get("id__lte")+" id__gt="+q.Get("id__gt"))
		}
		polls = append(polls, poll)
		srv.ClearRequests()
		switch n {
		case 1:
			srv.AddJob(tsapitest.Job{ID: 60, State: "Queued"}) // 51..59 a gap
		case 2:
			srv.AddJob(tsapitest.Job{ID: 55, State: "Queued"})
		}
		return n < 7
	})
	events, err := drain(clock.watch(context.Background(), c.PluginResultJobs, &tsapi.WatchOptions{Interval: time.Second, Lookback: 3 * time.Second}))
	require.NoError(t, err)
	require.Len(t, events, 2)
	assert.Equal(t, []int64{60, 55}, []int64{events[0].ID, events[1].ID})
	plain := func(low string) []string {
		return []string{"limit=1000 id__lte=" + low + " id__gt=", "limit=1000 id__lte= id__gt=" + low}
	}
	assert.Equal(t, [][]string{
		{"limit=100 id__lte= id__gt=", "limit=1000 id__lte=50 id__gt="}, // the start
		plain("50"), plain("50"), plain("50"), plain("50"), // the gap is read until 4 s
		plain("60"), plain("60"),
	}, polls)
}

// TestWatchStartLooksAtItsNewestJobs: the start reads the 100 newest jobs,
// and the holes among them are gaps; below them no hole is looked at.
func TestWatchStartLooksAtItsNewestJobs(t *testing.T) {
	srv := tsapitest.New(t)
	for id := int64(1); id < 600; id += 2 {
		srv.AddJob(tsapitest.Job{ID: id, State: "Completed"})
	}
	c := noRetryClient(t, srv)
	var started tsapi.WatchCursor
	clock := newStepClock(func(n int) bool {
		if n == 1 {
			srv.AddJob(tsapitest.Job{ID: 500, State: "Completed"}) // among the newest 100
			srv.AddJob(tsapitest.Job{ID: 400, State: "Started"})   // below them
			srv.AddJob(tsapitest.Job{ID: 300, State: "Completed"})
		}
		return n < 3
	})
	var events []tsapi.JobEvent
	for ev, err := range clock.watch(context.Background(), c.PluginResultJobs, &tsapi.WatchOptions{Interval: time.Second}) {
		require.NoError(t, err)
		events = append(events, ev)
		started = ev.Cursor
	}
	require.Len(t, events, 2)
	assert.Equal(t, tsapi.JobChanged, events[0].Type, "400, running, below the gaps")
	assert.Equal(t, int64(400), events[0].ID)
	assert.Equal(t, tsapi.JobAppeared, events[1].Type)
	assert.Equal(t, int64(500), events[1].ID)
	assert.Len(t, started.Gaps, 98, "the even ids from 402 to 598, but 500")
	assert.Equal(t, int64(402), started.Gaps[0].From)
}
