package tsapi

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"iter"
	"maps"
	"slices"
	"strings"
	"time"
)

// JobEventType says what happened to a job a watch follows.
type JobEventType int

// The kinds of JobEvent.
const (
	// JobAppeared: a job the watch had not seen (newer than any it had
	// seen, or one that committed late with a lower id; see Watch), or,
	// with WatchOptions.Existing, a job running when the watch began.
	JobAppeared JobEventType = iota + 1
	// JobChanged: a running job's state changed (to another running state,
	// or to the state it ended in), or a job came back to a running state.
	JobChanged
	// JobGone: a running job was deleted.
	JobGone
)

// String names the event type.
func (t JobEventType) String() string {
	switch t {
	case JobAppeared:
		return "appeared"
	case JobChanged:
		return "changed"
	case JobGone:
		return "gone"
	}
	return fmt.Sprintf("JobEventType(%d)", int(t))
}

// JobEvent is one thing that happened to a job, as a watch saw it.
type JobEvent struct {
	// Type says what happened.
	Type JobEventType
	// ID is the job's id.
	ID int64
	// Job is the job as read after the change; nil for JobGone.
	Job *PluginResultJob
	// Previous is the state the watch knew before: "" for JobAppeared, and
	// for a job that came back to a running state after the watch had
	// stopped following it (or that began to match the filter, or that
	// committed with a low id after the watch's Lookback).
	Previous JobState
	// Cursor is where the watch stands once this event is taken: save it
	// and pass it as WatchOptions.Cursor to resume right after the event.
	Cursor WatchCursor
}

// WatchCursor is where a watch stands: the newest job id it has seen, the
// running jobs it follows with their states, the ids below the newest it
// still looks at, and the jobs of its start it has still to report. It
// encodes as JSON, to be saved between runs of a program.
//
// A cursor saved by an earlier version of the library (MaxID and Running
// alone, no version) resumes as it did then, with no gaps. A cursor of a
// version this library does not know, or whose fields contradict each
// other, makes Watch yield a *InvalidArgumentError (ErrInvalidOption) before
// anything is sent.
type WatchCursor struct {
	// Version is the cursor's format: 2 for the cursors this library
	// writes, 0 for those written before it had gaps.
	Version int `json:"version,omitempty"`
	// MaxID is the highest job id seen.
	MaxID int64 `json:"max_id"`
	// Running maps each running job followed to its last state.
	Running map[int64]JobState `json:"running"`
	// Gaps are the ranges of ids at or below MaxID in which the watch has
	// seen no job yet, in ascending order: a job that commits there before
	// the gap's Until is reported as JobAppeared.
	Gaps []WatchGap `json:"gaps,omitempty"`
	// Existing are the jobs running when the watch began
	// (WatchOptions.Existing) whose JobAppeared was not taken yet, in
	// ascending order: a watch resumed from this cursor reports them first.
	Existing []int64 `json:"existing,omitempty"`
}

// WatchGap is a range of job ids, From to To inclusive, in which a watch
// has seen no job, and that it reads again on every poll until Until.
type WatchGap struct {
	From  int64     `json:"from"`
	To    int64     `json:"to"`
	Until time.Time `json:"until"`
}

// watchCursorVersion is the Version of the cursors the watch writes.
const watchCursorVersion = 2

const (
	// watchGapSpan is how far below the newest id a gap may lie.
	watchGapSpan = 1000
	// watchMaxGaps is how many gaps a cursor holds.
	watchMaxGaps = 100
	// watchStartRows is how many of the newest jobs the start reads.
	watchStartRows = 100
)

func (c WatchCursor) clone() WatchCursor {
	c.Running = maps.Clone(c.Running)
	c.Gaps = slices.Clone(c.Gaps)
	c.Existing = slices.Clone(c.Existing)
	return c
}

// low is the id at and below which the watch has seen every job it will
// report as new: below the first gap, or MaxID.
func (c *WatchCursor) low() int64 {
	if len(c.Gaps) > 0 {
		return c.Gaps[0].From - 1
	}
	return c.MaxID
}

// inGap reports whether id lies in one of the gaps.
func (c *WatchCursor) inGap(id int64) bool {
	_, ok := c.gapAt(id)
	return ok
}

func (c *WatchCursor) gapAt(id int64) (int, bool) {
	i, _ := slices.BinarySearchFunc(c.Gaps, id, func(g WatchGap, id int64) int { return cmp.Compare(g.To, id) })
	return i, i < len(c.Gaps) && c.Gaps[i].From <= id
}

// fill takes id out of its gap.
func (c *WatchCursor) fill(id int64) {
	i, ok := c.gapAt(id)
	if !ok {
		return
	}
	g := c.Gaps[i]
	var parts []WatchGap
	if g.From < id {
		parts = append(parts, WatchGap{From: g.From, To: id - 1, Until: g.Until})
	}
	if id < g.To {
		parts = append(parts, WatchGap{From: id + 1, To: g.To, Until: g.Until})
	}
	c.Gaps = slices.Replace(c.Gaps, i, i+1, parts...)
}

// addGap records [from, to] as a gap until the given time (nothing when
// the range is empty), then bounds the gaps (see bound).
func (c *WatchCursor) addGap(from, to int64, until time.Time) {
	if from <= to {
		c.Gaps = append(c.Gaps, WatchGap{From: from, To: to, Until: until})
	}
	c.bound()
}

// bound drops the gaps, or their parts, further than watchGapSpan below
// MaxID, and the lowest gaps beyond watchMaxGaps.
func (c *WatchCursor) bound() {
	floor := c.MaxID - watchGapSpan
	c.Gaps = slices.DeleteFunc(c.Gaps, func(g WatchGap) bool { return g.To <= floor })
	if len(c.Gaps) > 0 && c.Gaps[0].From <= floor {
		c.Gaps[0].From = floor + 1
	}
	if n := len(c.Gaps) - watchMaxGaps; n > 0 {
		c.Gaps = slices.Delete(c.Gaps, 0, n)
	}
}

// check refuses a cursor the watch cannot resume from.
func (c *WatchCursor) check() error {
	bad := func(format string, args ...any) error {
		return &InvalidArgumentError{Msg: "Watch: bad cursor: " + fmt.Sprintf(format, args...)}
	}
	if c.Version < 0 || c.Version > watchCursorVersion {
		return bad("version %d (this library reads versions up to %d)", c.Version, watchCursorVersion)
	}
	if c.MaxID < 0 {
		return bad("max_id %d is negative", c.MaxID)
	}
	for id, st := range c.Running {
		if id < 1 || id > c.MaxID {
			return bad("it follows job %d, outside 1..max_id (%d)", id, c.MaxID)
		}
		if st == "" {
			return bad("job %d has no state", id)
		}
	}
	for i, g := range c.Gaps {
		if g.From < 1 || g.From > g.To || g.To > c.MaxID {
			return bad("gap %d..%d is not a range within 1..max_id (%d)", g.From, g.To, c.MaxID)
		}
		if i > 0 && g.From <= c.Gaps[i-1].To {
			return bad("gaps %d..%d and %d..%d are out of order", c.Gaps[i-1].From, c.Gaps[i-1].To, g.From, g.To)
		}
	}
	if len(c.Gaps) > watchMaxGaps {
		return bad("%d gaps (at most %d)", len(c.Gaps), watchMaxGaps)
	}
	for id := range c.Running {
		if c.inGap(id) {
			return bad("it follows job %d, in a gap", id)
		}
	}
	for i, id := range c.Existing {
		if id < 1 || id > c.MaxID || (i > 0 && id <= c.Existing[i-1]) {
			return bad("existing jobs not ascending within 1..max_id (%d)", c.MaxID)
		}
		if _, ok := c.Running[id]; ok || c.inGap(id) {
			return bad("existing job %d is followed or in a gap", id)
		}
	}
	return nil
}

// DefaultWatchInterval is how often a watch polls when WatchOptions sets
// no Interval.
const DefaultWatchInterval = 5 * time.Second

// DefaultWatchLookback is how long a watch keeps looking for jobs that
// commit with an id below the newest it has seen, when WatchOptions sets no
// Lookback.
const DefaultWatchLookback = time.Minute

// DefaultWatchMaxOutage is how long a watch's polls may keep failing before
// the watch ends with the error, when WatchOptions sets no MaxOutage.
const DefaultWatchMaxOutage = time.Hour

// DefaultWatchMaxServerErrors is how many polls since the last good one may
// fail with a server error before the watch ends with it, when
// WatchOptions sets no MaxServerErrors.
const DefaultWatchMaxServerErrors = 5

// WatchOptions configures PluginResultJobServiceOp.Watch.
type WatchOptions struct {
	// Filter narrows the jobs watched (run level, grid-engine id, further
	// Filters). It must not filter on state or id, nor set paging: the
	// watch does.
	Filter *PluginResultJobListOptions
	// Interval is the time between polls (DefaultWatchInterval when 0).
	Interval time.Duration
	// Cursor resumes a watch where an earlier one stood (JobEvent.Cursor,
	// or WatchError.Cursor); nil starts from the server's state now.
	Cursor *WatchCursor
	// Existing, without a Cursor, reports every job running when the
	// watch begins as JobAppeared. A watch resumed from the cursor of one
	// of these events reports the others first, as JobAppeared in the
	// state they are in then (those deleted meanwhile are not reported).
	Existing bool
	// Lookback is how long the watch keeps reading the ids below the
	// newest it has seen in which it has seen no job, for jobs that commit
	// out of id order (DefaultWatchLookback when 0; negative: not at all).
	// See Watch.
	Lookback time.Duration
	// MaxBackoff bounds the wait between polls while polls fail (a 503
	// maintenance page, a restart); one minute when 0.
	MaxBackoff time.Duration
	// MaxOutage is how long polls may keep failing, from the first failed
	// one, before the watch ends with the last error
	// (DefaultWatchMaxOutage when 0; negative: no limit).
	MaxOutage time.Duration
	// MaxServerErrors is how many polls since the last good one may fail
	// with a server error (a 500, an answer that does not decode) before
	// the watch ends with it (DefaultWatchMaxServerErrors when 0;
	// negative: no limit).
	MaxServerErrors int
	// OnError, when set, hears of each poll that failed for a reason that
	// may pass and that the watch makes again (after a wait). Without it a
	// failing server is silent until the watch gives up (MaxOutage,
	// MaxServerErrors).
	OnError func(error)
}

// WatchError is the error a watch ends with once it has begun polling:
// the last poll's error, and where the watch stood. It unwraps to the
// poll's error (an *APIError, a *RequestError, a *DecodeError...), so
// errors.Is and errors.As see through it.
type WatchError struct {
	// Err is the last poll's error.
	Err error
	// Cursor is where the watch stood after its last good poll (or
	// WatchOptions.Cursor): pass it as WatchOptions.Cursor to resume. It
	// is nil when the watch had not read the server's state yet.
	Cursor *WatchCursor
	// Failures is how many polls in a row failed, the last one included.
	Failures int
	// Outage is the time from the first of those polls to the last.
	Outage time.Duration
}

// Error returns the poll's error, saying how long the watch tried when it
// gave up after several failed polls.
func (e *WatchError) Error() string {
	if e.Failures > 1 {
		return fmt.Sprintf("%v (the watch gave up after %d failed polls in %v)", e.Err, e.Failures, e.Outage.Round(time.Millisecond))
	}
	return e.Err.Error()
}

// Unwrap returns Err.
func (e *WatchError) Unwrap() error { return e.Err }

// Watch follows every job matching opts.Filter and yields an event for
// each job that appears, changes state while running, or is deleted while
// running. It polls every opts.Interval with requests whose number does not
// grow with the number of finished jobs: the running jobs, the jobs newer
// than the newest seen (or than the lowest gap, below), and a multi-get of
// the jobs that left the running set (two requests a poll, three when a job
// ended or went).
//
// Jobs can commit out of id order (PostgreSQL hands an id out when a row
// is inserted, and transactions commit in any order), so a job can appear
// with an id below the newest seen. The watch keeps the ranges of ids below
// the newest in which it has seen no job (WatchCursor.Gaps: at most 100
// ranges, within 1000 ids of the newest) until opts.Lookback after the poll
// that made them, and its second request reads every job above the lowest
// gap, in any state: a job that commits in a gap within Lookback is
// reported as JobAppeared, in whatever state it was created, like any new
// job. The cost is that while gaps remain a poll also reads the jobs
// created since the first of them. A filter that leaves jobs out makes
// gaps, and so do inserts rolled back and new jobs deleted; an unfiltered
// watch of a server whose ids have no holes makes none. A job that commits
// after Lookback is seen only if it is running, as a JobChanged with an
// empty Previous. The start makes gaps of the holes among its 100 newest
// jobs (of the ids within 1000 of the newest when there are fewer jobs).
//
// A poll's events are computed before any is yielded, so a failed poll
// yields nothing and is made again. A poll that fails for a reason that
// may pass does not end the watch at once: the server not answering (503,
// 502, 504, 429, a refused connection, a timeout), or answering with a
// server error (a 500, an answer that does not decode). The watch tells
// opts.OnError, backs off (doubling the interval up to opts.MaxBackoff)
// and polls again from where it stood, so the changes made meanwhile still
// arrive (as the net change: a job that went from Queued to Completed
// during an outage is one JobChanged). It gives up, yielding the error of
// the last poll and ending, when a poll fails opts.MaxOutage (an hour by
// default) or more after the first failed poll of the run, or when
// opts.MaxServerErrors polls (5 by default) since the last good one have
// failed with a server error. Any other error (400, 401, 403, 404, 501, a
// certificate the client refuses) is yielded at once and ends the watch.
// An error from a poll is a *WatchError, which holds the cursor to resume
// from; a bad option or cursor is a *InvalidArgumentError. ctx ending ends the
// watch without an error, and so does the loop breaking.
//
// A watch sees what happens to running jobs and to new jobs. Changes to a
// job that had already ended (Completed to Archived), and deletions of
// ended jobs, are not seen: following them would make every poll read
// every job.
func (s *PluginResultJobServiceOp) Watch(ctx context.Context, opts *WatchOptions) iter.Seq2[JobEvent, error] {
	return s.watch(ctx, opts, systemClock)
}

// watchClock is the time a watch keeps: the system's, or a test's that
// makes polls happen when the test says.
type watchClock struct {
	now func() time.Time
	// sleep waits d, and reports false when ctx ended first.
	sleep func(ctx context.Context, d time.Duration) bool
}

var systemClock = watchClock{now: time.Now, sleep: func(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}}

func (s *PluginResultJobServiceOp) watch(ctx context.Context, opts *WatchOptions, clock watchClock) iter.Seq2[JobEvent, error] {
	return func(yield func(JobEvent, error) bool) {
		if ctx == nil {
			yield(JobEvent{}, &InvalidArgumentError{Msg: "nil context"})
			return
		}
		w, err := s.newWatch(opts)
		if err != nil {
			yield(JobEvent{}, err)
			return
		}
		w.clock = clock
		w.run(ctx, yield)
	}
}

type watcher struct {
	s          *PluginResultJobServiceOp
	clock      watchClock
	filter     PluginResultJobListOptions
	interval   time.Duration
	maxWait    time.Duration
	lookback   time.Duration
	maxOutage  time.Duration
	maxServErr int
	onError    func(error)
	existing   bool
	cur        *WatchCursor
}

func (s *PluginResultJobServiceOp) newWatch(opts *WatchOptions) (*watcher, error) {
	if opts == nil {
		opts = &WatchOptions{}
	}
	w := &watcher{s: s, interval: opts.Interval, maxWait: opts.MaxBackoff, onError: opts.OnError, existing: opts.Existing,
		lookback: cmp.Or(opts.Lookback, DefaultWatchLookback), maxOutage: cmp.Or(opts.MaxOutage, DefaultWatchMaxOutage),
		maxServErr: cmp.Or(opts.MaxServerErrors, DefaultWatchMaxServerErrors)}
	if w.interval < 0 || w.maxWait < 0 {
		return nil, &InvalidArgumentError{Msg: "Watch: negative interval or backoff"}
	}
	if w.interval == 0 {
		w.interval = DefaultWatchInterval
	}
	if w.maxWait == 0 {
		w.maxWait = time.Minute
	}
	w.maxWait = max(w.maxWait, w.interval)
	if f := opts.Filter; f != nil {
		if f.State != "" || f.StateIn != nil || f.ID != nil || f.IDIn != nil || f.IDGt != nil || f.IDGte != nil || f.IDLt != nil || f.IDLte != nil {
			return nil, &InvalidArgumentError{Msg: "Watch: the filter must not name states or ids (the watch follows every state)"}
		}
		if f.Limit != 0 || f.Offset != 0 || f.OrderBy != nil || f.Paging != PagingAuto {
			return nil, &InvalidArgumentError{Msg: "Watch: the filter must not set paging or order"}
		}
		for k := range f.Filters {
			if k == "id" || k == "state" || strings.HasPrefix(k, "id__") || strings.HasPrefix(k, "state__") {
				return nil, &InvalidArgumentError{Msg: fmt.Sprintf("Watch: the filter must not name states or ids (%q)", k)}
			}
		}
		w.filter = *f
	}
	if _, err := w.s.Query(&w.filter); err != nil {
		return nil, err
	}
	if opts.Cursor != nil {
		c := opts.Cursor.clone()
		if err := c.check(); err != nil {
			return nil, err
		}
		if c.Running == nil {
			c.Running = map[int64]JobState{}
		}
		c.Version = watchCursorVersion
		w.cur = &c
	}
	return w, nil
}

var runningStates = []JobState{StatePending, StateQueued, StateStarted}

// failure is what a failed poll says of the server.
type failure int

const (
	failLasting      failure = iota // the same poll will fail again
	failNotAnswering                // 503, 502, 504, 429, no connection, a timeout
	failServerError                 // a 500, an answer that does not decode
)

func classify(err error) failure {
	var re *RequestError
	var de *DecodeError
	switch {
	case errors.Is(err, ErrUnavailable), errors.Is(err, ErrRateLimited):
		return failNotAnswering
	case errors.As(err, &re):
		if transient(re.Err) {
			return failNotAnswering
		}
		return failLasting
	case errors.Is(err, ErrNotImplemented):
		return failLasting
	case errors.Is(err, ErrServer), errors.As(err, &de):
		return failServerError
	}
	return failLasting
}

func (w *watcher) run(ctx context.Context, yield func(JobEvent, error) bool) {
	wait := time.Duration(0)
	failures, serverErrors := 0, 0
	var firstFailure time.Time
	for {
		if wait > 0 && !w.clock.sleep(ctx, wait) {
			return
		}
		if ctx.Err() != nil {
			return
		}
		at := w.clock.now()
		events, next, err := w.poll(ctx, at)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			kind := classify(err)
			if failures == 0 {
				firstFailure = at
			}
			failures++
			if kind == failServerError {
				serverErrors++
			}
			outage := at.Sub(firstFailure)
			if kind == failLasting || (w.maxServErr > 0 && serverErrors >= w.maxServErr) || (w.maxOutage > 0 && outage >= w.maxOutage) {
				we := &WatchError{Err: err, Failures: failures, Outage: outage}
				if w.cur != nil {
					c := w.cur.clone()
					we.Cursor = &c
				}
				yield(JobEvent{}, we)
				return
			}
			if w.onError != nil {
				w.onError(err)
			}
			wait = w.interval
			for i := 1; i < failures && wait < w.maxWait; i++ {
				wait *= 2
			}
			wait = min(wait, w.maxWait)
			continue
		}
		failures, serverErrors = 0, 0
		for _, ev := range events {
			if !yield(ev, nil) {
				return
			}
		}
		w.cur = next
		wait = w.interval
	}
}

// poll computes the events since w.cur, and the cursor after them; at is
// when the poll began.
func (w *watcher) poll(ctx context.Context, at time.Time) ([]JobEvent, *WatchCursor, error) {
	if w.cur == nil {
		return w.start(ctx, at)
	}
	cur := w.cur.clone()
	low := cur.low()
	followed := slices.Sorted(maps.Keys(cur.Running))

	// The running jobs at or below low, and every job above it: the new
	// ones and those in gaps, in any state.
	view := map[int64]*PluginResultJob{}
	if err := w.runningAtOrBelow(ctx, low, view); err != nil {
		return nil, nil, err
	}
	q := w.filter
	q.IDGt = Ptr(low)
	var above []*PluginResultJob
	for j, err := range w.s.All(ctx, &q) {
		if err != nil {
			return nil, nil, err
		}
		view[j.ID] = j
		above = append(above, j)
	}
	slices.SortFunc(above, func(a, b *PluginResultJob) int { return cmp.Compare(a.ID, b.ID) })

	// A multi-get of the jobs followed, or still to be reported, that
	// neither list holds: they ended, went, or left the filter.
	var ask []int64
	for _, id := range append(slices.Clone(cur.Existing), followed...) {
		if view[id] == nil {
			ask = append(ask, id)
		}
	}
	got := map[int64]*PluginResultJob{}
	missing := map[int64]bool{}
	if len(ask) > 0 {
		found, miss, _, err := w.s.GetSet(ctx, ask...)
		if err != nil {
			return nil, nil, err
		}
		for _, j := range found {
			got[j.ID] = j
		}
		for _, id := range miss {
			missing[id] = true
		}
	}

	var events []JobEvent
	emit := func(ev JobEvent) {
		ev.Cursor = cur.clone()
		events = append(events, ev)
	}
	// The jobs running when the watch began that are still to be
	// reported, as they are now; not those deleted, nor those running
	// outside the filter.
	for len(cur.Existing) > 0 {
		id := cur.Existing[0]
		cur.Existing = cur.Existing[1:]
		j := view[id]
		if j == nil {
			if j = got[id]; j != nil && j.State.IsRunning() {
				j = nil
			}
		}
		if j == nil {
			continue
		}
		if j.State.IsRunning() {
			cur.Running[id] = j.State
		}
		emit(JobEvent{Type: JobAppeared, ID: id, Job: j})
	}
	cur.Existing = nil
	// The followed jobs that changed while running.
	var ended []int64
	for _, id := range followed {
		prev := cur.Running[id]
		j := view[id]
		switch {
		case j == nil || !j.State.IsRunning():
			ended = append(ended, id)
		case j.State != prev:
			cur.Running[id] = j.State
			emit(JobEvent{Type: JobChanged, ID: id, Job: j, Previous: prev})
		}
	}
	// The jobs seen before, not followed, that run: back to a running
	// state, or newly matching the filter.
	for _, id := range slices.Sorted(maps.Keys(view)) {
		j := view[id]
		if _, known := cur.Running[id]; known || !j.State.IsRunning() || id > cur.MaxID || cur.inGap(id) {
			continue
		}
		cur.Running[id] = j.State
		emit(JobEvent{Type: JobChanged, ID: id, Job: j})
	}
	// The followed jobs that ended, or went.
	for _, id := range ended {
		prev := cur.Running[id]
		j := view[id]
		if j == nil {
			j = got[id]
		}
		switch {
		case j != nil && j.State.IsRunning():
			// Running still, but no longer matching the filter.
			delete(cur.Running, id)
		case j != nil:
			delete(cur.Running, id)
			emit(JobEvent{Type: JobChanged, ID: id, Job: j, Previous: prev})
		case missing[id]:
			delete(cur.Running, id)
			emit(JobEvent{Type: JobGone, ID: id, Previous: prev})
		}
	}
	// The jobs not seen before, oldest first: newer than any seen, or in
	// a gap.
	for _, j := range above {
		switch {
		case j.ID > cur.MaxID:
			from := cur.MaxID + 1
			cur.MaxID = j.ID
			if w.lookback > 0 {
				cur.addGap(from, j.ID-1, at.Add(w.lookback))
			}
			cur.bound()
		case cur.inGap(j.ID):
			cur.fill(j.ID)
		default:
			continue
		}
		if j.State.IsRunning() {
			cur.Running[j.ID] = j.State
		}
		emit(JobEvent{Type: JobAppeared, ID: j.ID, Job: j})
	}
	// This poll read the gaps whose time is up: a job committing there
	// now is no longer looked for.
	cur.Gaps = slices.DeleteFunc(cur.Gaps, func(g WatchGap) bool { return !g.Until.After(at) })
	return events, &cur, nil
}

// start takes the server's state as the cursor (reporting the running jobs
// when asked): the newest jobs, whose id holes become gaps, and the
// running jobs below them.
func (w *watcher) start(ctx context.Context, at time.Time) ([]JobEvent, *WatchCursor, error) {
	q := w.filter
	q.Limit = watchStartRows
	newest, _, err := w.s.List(ctx, &q)
	if err != nil {
		return nil, nil, err
	}
	slices.SortFunc(newest, func(a, b *PluginResultJob) int { return cmp.Compare(a.ID, b.ID) })
	cur := WatchCursor{Version: watchCursorVersion, Running: map[int64]JobState{}}
	if n := len(newest); n > 0 {
		cur.MaxID = newest[n-1].ID
		if w.lookback > 0 {
			// The holes among the newest jobs (all of them below the
			// oldest read, when the page is not full).
			from := max(cur.MaxID-watchGapSpan+1, 1)
			if n == watchStartRows {
				from = newest[0].ID
			}
			until := at.Add(w.lookback)
			for _, j := range newest {
				if j.ID >= from {
					cur.addGap(from, j.ID-1, until)
					from = j.ID + 1
				}
			}
		}
	}
	low := cur.low()
	byID := map[int64]*PluginResultJob{}
	for _, j := range newest {
		if j.ID > low && j.State.IsRunning() {
			byID[j.ID] = j
		}
	}
	if err := w.runningAtOrBelow(ctx, low, byID); err != nil {
		return nil, nil, err
	}
	ids := slices.Sorted(maps.Keys(byID))
	var events []JobEvent
	if !w.existing {
		for _, id := range ids {
			cur.Running[id] = byID[id].State
		}
		return nil, &cur, nil
	}
	cur.Existing = ids
	for len(cur.Existing) > 0 {
		id := cur.Existing[0]
		cur.Existing = cur.Existing[1:]
		cur.Running[id] = byID[id].State
		events = append(events, JobEvent{Type: JobAppeared, ID: id, Job: byID[id], Cursor: cur.clone()})
	}
	cur.Existing = nil
	return events, &cur, nil
}

// runningAtOrBelow adds to into the jobs matching the watch's filter that
// are running and have an id of at most low.
func (w *watcher) runningAtOrBelow(ctx context.Context, low int64, into map[int64]*PluginResultJob) error {
	q := w.filter
	q.StateIn = runningStates
	q.IDLte = Ptr(low)
	for j, err := range w.s.All(ctx, &q) {
		if err != nil {
			return err
		}
		into[j.ID] = j
	}
	return nil
}
