package tsapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"testing"
	"time"

	"go.uber.org/goleak"
	"pgregory.net/rapid"

	"github.com/tsapi-go/tsapi"
	"github.com/tsapi-go/tsapi/tsapitest"
)

// The watch's options in the model: a poll every millisecond of the
// model's clock, backing off to 4 ms, giving up at a poll failing 19 ms
// after the first failed one (failed polls fall at 0, 1, 3, 7, 11, 15, 19
// ms: the limit is met exactly) or at the third server error; gaps kept
// for an hour, longer than a case lasts, so that every late commit is
// within the lookback.
const (
	modelInterval   = time.Millisecond
	modelMaxBackoff = 4 * time.Millisecond
	modelMaxOutage  = 19 * time.Millisecond
	modelServerErrs = 3
	modelSleeps     = 40 // polls a case makes at most
	modelRuns       = 6  // runs of the program a case makes at most
)

var modelStates = []tsapi.JobState{tsapi.StatePending, tsapi.StateQueued, tsapi.StateStarted,
	tsapi.StateCompleted, tsapi.StateError, tsapi.StateArchived}

// TestWatchModel checks the watch against a model of what a caller must
// hear. The server changes between polls (jobs inserted, some with ids
// below the newest, as transactions committing out of id order do; state
// moves; deletions; outages and one-off failures); the program takes the
// events, breaks off, stops between polls and resumes from the cursor it
// saved (through JSON), or from the one its watch's error holds. The
// oracle is the state each job held at each good poll: every change
// between what the caller was told and that state is reported once, with
// the right type and Previous, whatever the resumes; a failed poll reports
// nothing; the waits back off as documented and the watch gives up exactly
// at MaxOutage or MaxServerErrors.
//
// A failure prints its seed; rerun it with
// go test -run TestWatchModel -rapid.seed=N.
func TestWatchModel(t *testing.T) {
	seed, restore := tsapi.RapidSeed(t, 60)
	defer restore()
	cases, polls, events, resumes := 0, 0, 0, 0
	began := time.Now()
	rapid.Check(t, func(rt *rapid.T) {
		m := newWatchModel(rt)
		defer m.srv.Close()
		m.run()
		cases++
		polls += m.polls
		events += m.events
		resumes += m.runs - 1
	})
	t.Logf("%d cases (shrinking included) in %v, seed %d: %d polls, %d events, %d resumes",
		cases, time.Since(began).Round(time.Millisecond), seed, polls, events, resumes)
	goleak.VerifyNone(t, goleak.IgnoreTopFunction("net/http.(*persistConn).writeLoop"),
		goleak.IgnoreTopFunction("net/http.(*persistConn).readLoop"))
}

type modelJob struct {
	state tsapi.JobState
	block bool // run level block, else default
}

type expectedEvent struct {
	typ   tsapi.JobEventType
	prev  tsapi.JobState
	state tsapi.JobState // "" for JobGone
}

type watchModel struct {
	rt     *rapid.T
	srv    *tsapitest.Server
	client *tsapi.Client
	now    time.Time

	// The server.
	jobs    map[int64]modelJob
	next    int64   // the highest id handed out
	pending []int64 // ids handed out whose insert has not committed

	// The watch's options.
	filter   bool // block jobs only
	existing bool

	// What the caller was told: the last state of each job it heard of
	// (or learnt at the start), and the cursor it saved.
	told   map[int64]tsapi.JobState
	cursor []byte // JSON; nil for none

	// The current run and poll.
	starting     bool // the next good poll is a start
	base         map[int64]tsapi.JobState
	expected     map[int64]expectedEvent
	pollAt       time.Time
	pollFailed   bool
	pollTook     int
	failures     int
	serverErrors int
	firstFailure time.Time
	sleeps       int

	polls, events, runs int
}

func newWatchModel(rt *rapid.T) *watchModel {
	srv := tsapitest.NewServer()
	client, err := srv.AdminClient(tsapi.WithRetry(0, 0, 0))
	if err != nil {
		srv.Close()
		rt.Fatal(err)
	}
	m := &watchModel{rt: rt, srv: srv, client: client, now: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC),
		jobs: map[int64]modelJob{}, told: map[int64]tsapi.JobState{}}
	m.filter = rapid.Bool().Draw(rt, "filter on run level block")
	m.existing = rapid.Bool().Draw(rt, "existing")
	for range rapid.IntRange(0, 10).Draw(rt, "jobs at first") {
		switch rapid.IntRange(0, 5).Draw(rt, "first job") {
		case 0:
			m.next++ // a hole: rolled back, or deleted
		case 1:
			m.next++
			m.pending = append(m.pending, m.next) // commits later, out of order
		default:
			m.insert(m.next + 1)
		}
	}
	return m
}

func (m *watchModel) insert(id int64) {
	j := modelJob{state: rapid.SampledFrom(modelStates).Draw(m.rt, "state"), block: rapid.Bool().Draw(m.rt, "block")}
	level := "default"
	if j.block {
		level = "block"
	}
	m.srv.AddJob(tsapitest.Job{ID: id, State: string(j.state), RunLevel: level})
	m.jobs[id] = j
	m.next = max(m.next, id)
}

// visible is the state of every job the watch follows, as a poll reads it.
func (m *watchModel) visible() map[int64]tsapi.JobState {
	v := map[int64]tsapi.JobState{}
	for id, j := range m.jobs {
		if !m.filter || j.block {
			v[id] = j.state
		}
	}
	return v
}

// change makes a few changes to the server between two polls.
func (m *watchModel) change(label string) {
	for range rapid.IntRange(0, 3).Draw(m.rt, label) {
		ids := slices.Sorted(maps.Keys(m.jobs))
		switch rapid.IntRange(0, 11).Draw(m.rt, "change") {
		case 0, 1:
			m.insert(m.next + 1)
		case 2:
			m.next++
			m.pending = append(m.pending, m.next)
		case 3, 4:
			if len(m.pending) > 0 {
				i := rapid.IntRange(0, len(m.pending)-1).Draw(m.rt, "commit")
				id := m.pending[i]
				m.pending = slices.Delete(m.pending, i, i+1)
				m.insert(id)
			}
		case 5:
			if len(m.pending) > 0 {
				m.pending = m.pending[1:] // rolled back: a hole for good
			}
		case 6, 7, 8:
			if len(ids) > 0 {
				id := rapid.SampledFrom(ids).Draw(m.rt, "job")
				j := m.jobs[id]
				j.state = rapid.SampledFrom(modelStates).Draw(m.rt, "new state")
				m.jobs[id] = j
				m.srv.UpdateJob(id, func(sj *tsapitest.Job) { sj.State = string(j.state) })
			}
		case 9:
			if len(ids) > 0 {
				id := rapid.SampledFrom(ids).Draw(m.rt, "delete")
				delete(m.jobs, id)
				m.srv.DeleteJob(id)
			}
		case 10:
			switch rapid.IntRange(0, 4).Draw(m.rt, "fault") {
			case 0:
				m.srv.AddFault(tsapitest.Fault{Status: rapid.SampledFrom([]int{http.StatusServiceUnavailable,
					http.StatusBadGateway, http.StatusInternalServerError}).Draw(m.rt, "outage"), Times: -1})
			case 1:
				m.srv.AddFault(tsapitest.Fault{Status: rapid.SampledFrom([]int{http.StatusServiceUnavailable,
					http.StatusInternalServerError}).Draw(m.rt, "one-off failure")})
			case 2:
				// Only a poll that makes a multi-get fails.
				m.srv.AddFault(tsapitest.Fault{Path: "PluginResultJob/set/", Status: http.StatusInternalServerError})
			default:
				m.srv.ClearFaults()
			}
		case 11:
			m.srv.ClearFaults()
		}
	}
}

// run runs the program until the case has made its polls: runs of a
// watch, each from the cursor the last one left.
func (m *watchModel) run() {
	for m.runs < modelRuns && m.sleeps < modelSleeps {
		m.runs++
		m.oneRun()
		m.change("changes while the program is down")
	}
}

func (m *watchModel) oneRun() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	opts := &tsapi.WatchOptions{Interval: modelInterval, MaxBackoff: modelMaxBackoff, MaxOutage: modelMaxOutage,
		MaxServerErrors: modelServerErrs, Lookback: time.Hour, Existing: m.existing, OnError: m.heard}
	if m.filter {
		opts.Filter = &tsapi.PluginResultJobListOptions{RunLevel: tsapi.RunLevelBlock}
	}
	m.starting = m.cursor == nil
	if !m.starting {
		var c tsapi.WatchCursor
		if err := json.Unmarshal(m.cursor, &c); err != nil {
			m.rt.Fatal(err)
		}
		opts.Cursor = &c
	}
	m.failures, m.serverErrors = 0, 0
	m.beginPoll()
	sleep := func(ctx context.Context, d time.Duration) bool {
		m.endPoll()
		want := modelInterval
		if m.failures > 0 {
			want = min(modelInterval<<(m.failures-1), modelMaxBackoff)
		}
		if d != want {
			m.rt.Fatalf("waited %v after %d failed polls, want %v", d, m.failures, want)
		}
		m.now = m.now.Add(d)
		m.sleeps++
		if m.sleeps >= modelSleeps || rapid.IntRange(0, 15).Draw(m.rt, "stop the program") == 0 {
			return false
		}
		m.change("changes between polls")
		m.beginPoll()
		return true
	}
	seq := tsapi.WatchOnClock(ctx, m.client.PluginResultJobs, opts, func() time.Time { return m.now }, sleep)
	for ev, err := range seq {
		if err != nil {
			m.ended(err)
			return
		}
		m.took(ev)
		if rapid.IntRange(0, 7).Draw(m.rt, "break") == 0 {
			return
		}
	}
}

// beginPoll says what the poll about to be made must report.
func (m *watchModel) beginPoll() {
	m.polls++
	m.pollAt, m.pollFailed, m.pollTook = m.now, false, 0
	seen := m.visible()
	m.base = m.told
	if m.starting {
		// A start learns every job; with Existing the running ones are
		// still to be told of.
		m.base = map[int64]tsapi.JobState{}
		for id, st := range seen {
			if !m.existing || !st.IsRunning() {
				m.base[id] = st
			}
		}
	}
	m.expected = map[int64]expectedEvent{}
	for id := range mergeKeys(m.base, seen) {
		was, known := m.base[id]
		now, present := seen[id]
		switch {
		case !known && present:
			m.expected[id] = expectedEvent{typ: tsapi.JobAppeared, state: now}
		case known && was.IsRunning() && !present:
			m.expected[id] = expectedEvent{typ: tsapi.JobGone, prev: was}
		case known && was.IsRunning() && now != was:
			m.expected[id] = expectedEvent{typ: tsapi.JobChanged, prev: was, state: now}
		case known && !was.IsRunning() && present && now.IsRunning():
			m.expected[id] = expectedEvent{typ: tsapi.JobChanged, state: now}
		}
	}
}

func mergeKeys(a, b map[int64]tsapi.JobState) map[int64]bool {
	k := map[int64]bool{}
	for id := range a {
		k[id] = true
	}
	for id := range b {
		k[id] = true
	}
	return k
}

// good records that the poll succeeded: what it learnt is the caller's.
func (m *watchModel) good() {
	if m.pollTook == 0 {
		m.told = maps.Clone(m.base)
		m.starting = false
		m.failures, m.serverErrors = 0, 0
	}
}

// endPoll checks a poll once the watch waits for the next.
func (m *watchModel) endPoll() {
	if m.pollFailed {
		return
	}
	m.good()
	if len(m.expected) > 0 {
		m.rt.Fatalf("poll at %v: not reported: %v", m.pollAt, m.expected)
	}
}

func (m *watchModel) took(ev tsapi.JobEvent) {
	if m.pollFailed {
		m.rt.Fatalf("event %s of job %d from a failed poll", ev.Type, ev.ID)
	}
	m.good()
	m.pollTook++
	m.events++
	want, ok := m.expected[ev.ID]
	if !ok {
		m.rt.Fatalf("unexpected %s of job %d (previous %q, state %q); told %v, server %v", ev.Type, ev.ID, ev.Previous,
			stateOf(ev), m.told, m.visible())
	}
	delete(m.expected, ev.ID)
	if ev.Type != want.typ || ev.Previous != want.prev || stateOf(ev) != want.state || (ev.Job != nil && ev.Job.ID != ev.ID) {
		m.rt.Fatalf("job %d: got %s previous %q state %q, want %s previous %q state %q", ev.ID, ev.Type, ev.Previous,
			stateOf(ev), want.typ, want.prev, want.state)
	}
	if want.typ == tsapi.JobGone {
		delete(m.told, ev.ID)
	} else {
		m.told[ev.ID] = want.state
	}
	// The event's cursor follows the running jobs the caller knows of.
	following := map[int64]tsapi.JobState{}
	for id, st := range m.told {
		if st.IsRunning() {
			following[id] = st
		}
	}
	if !maps.Equal(following, ev.Cursor.Running) {
		m.rt.Fatalf("after %s of job %d the cursor follows %v, the caller knows %v running", ev.Type, ev.ID, ev.Cursor.Running, following)
	}
	b, err := json.Marshal(ev.Cursor)
	if err != nil {
		m.rt.Fatal(err)
	}
	m.cursor = b
}

// fail counts a failed poll.
func (m *watchModel) fail(err error) {
	if m.pollTook > 0 {
		m.rt.Fatalf("poll failed after %d events: %v", m.pollTook, err)
	}
	if !errors.Is(err, tsapi.ErrServer) {
		m.rt.Fatalf("a failure the model did not make: %v", err)
	}
	m.pollFailed = true
	if m.failures == 0 {
		m.firstFailure = m.pollAt
	}
	m.failures++
	if !errors.Is(err, tsapi.ErrUnavailable) {
		m.serverErrors++
	}
}

func (m *watchModel) limitReached() bool {
	return m.serverErrors >= modelServerErrs || m.pollAt.Sub(m.firstFailure) >= modelMaxOutage
}

// heard is OnError: a failed poll the watch makes again.
func (m *watchModel) heard(err error) {
	m.fail(err)
	if m.limitReached() {
		m.rt.Fatalf("the watch goes on after %d failures (%d server errors) in %v: %v", m.failures, m.serverErrors,
			m.pollAt.Sub(m.firstFailure), err)
	}
}

// ended checks the error a watch ended with, and keeps its cursor.
func (m *watchModel) ended(err error) {
	var we *tsapi.WatchError
	if !errors.As(err, &we) {
		m.rt.Fatalf("the watch ended with %v, not a *WatchError", err)
	}
	m.fail(we.Err)
	if !m.limitReached() {
		m.rt.Fatalf("the watch gave up after %d failures (%d server errors) in %v: %v", m.failures, m.serverErrors,
			m.pollAt.Sub(m.firstFailure), err)
	}
	if we.Failures != m.failures || we.Outage != m.pollAt.Sub(m.firstFailure) {
		m.rt.Fatalf("the error says %d failures in %v, the model counted %d in %v", we.Failures, we.Outage,
			m.failures, m.pollAt.Sub(m.firstFailure))
	}
	if (we.Cursor == nil) != m.starting {
		m.rt.Fatalf("the error's cursor is %v, and the watch had read the server: %v", we.Cursor, !m.starting)
	}
	if we.Cursor != nil {
		b, jerr := json.Marshal(we.Cursor)
		if jerr != nil {
			m.rt.Fatal(jerr)
		}
		m.cursor = b
	}
}

func (e expectedEvent) String() string {
	return fmt.Sprintf("%s(%q->%q)", e.typ, e.prev, e.state)
}
