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
	// JobAppeared: a job newer than any the watch had seen (or, with
	// WatchOptions.Existing, a job running when the watch began).
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
	// stopped following it.
	Previous JobState
	// Cursor is where the watch stands once this event is taken: save it
	// and pass it as WatchOptions.Cursor to resume right after the event.
	Cursor WatchCursor
}

// WatchCursor is where a watch stands: the newest job id it has seen and
// the running jobs it follows, with their states. It encodes as JSON, to
// be saved between runs of a program.
type WatchCursor struct {
	// MaxID is the highest job id seen.
	MaxID int64 `json:"max_id"`
	// Running maps each running job followed to its last state.
	Running map[int64]JobState `json:"running"`
}

func (c WatchCursor) clone() WatchCursor {
	return WatchCursor{MaxID: c.MaxID, Running: maps.Clone(c.Running)}
}

// DefaultWatchInterval is how often a watch polls when WatchOptions sets
// no Interval.
const DefaultWatchInterval = 5 * time.Second

// WatchOptions configures PluginResultJobServiceOp.Watch.
type WatchOptions struct {
	// Filter narrows the jobs watched (run level, grid-engine id, further
	// Filters). It must not filter on state or id, nor set paging: the
	// watch does.
	Filter *PluginResultJobListOptions
	// Interval is the time between polls (DefaultWatchInterval when 0).
	Interval time.Duration
	// Cursor resumes a watch where an earlier one stood (JobEvent.Cursor);
	// nil starts from the server's state now.
	Cursor *WatchCursor
	// Existing, without a Cursor, reports every job running when the
	// watch begins as JobAppeared.
	Existing bool
	// MaxBackoff bounds the wait between polls while the server does not
	// answer (a 503 maintenance page, a restart); one minute when 0.
	MaxBackoff time.Duration
	// OnError, when set, hears of each poll that failed for a reason that
	// may pass (the watch then backs off and polls again).
	OnError func(error)
}

// Watch follows every job matching opts.Filter and yields an event for
// each job that appears, changes state while running, or is deleted while
// running. It polls every opts.Interval with requests whose number does not
// grow with the number of finished jobs: the running jobs, the jobs newer
// than the newest seen, and a multi-get of the jobs that left the running
// set (two requests a poll, three when a job ended or went).
//
// A poll's events are computed before any is yielded, so a failed poll
// yields nothing and is made again. A server that does not answer (503,
// 502, 504, 429, a refused connection, a timeout) does not end the watch:
// it backs off (doubling the interval up to opts.MaxBackoff) and resumes
// from where it stood, so the changes made meanwhile still arrive (as the
// net change: a job that went from Queued to Completed during an outage is
// one JobChanged). Any other error is yielded once and ends the watch, and
// so does ctx ending (without an error), or the loop breaking.
//
// A watch sees what happens to running jobs and to new jobs. Changes to a
// job that had already ended (Completed to Archived), and deletions of
// ended jobs, are not seen: following them would make every poll read
// every job.
func (s *PluginResultJobServiceOp) Watch(ctx context.Context, opts *WatchOptions) iter.Seq2[JobEvent, error] {
	return func(yield func(JobEvent, error) bool) {
		if ctx == nil {
			yield(JobEvent{}, &ConfigError{Msg: "nil context"})
			return
		}
		w, err := s.newWatch(opts)
		if err != nil {
			yield(JobEvent{}, err)
			return
		}
		w.run(ctx, yield)
	}
}

type watcher struct {
	s        *PluginResultJobServiceOp
	filter   PluginResultJobListOptions
	interval time.Duration
	maxWait  time.Duration
	onError  func(error)
	existing bool
	cur      *WatchCursor
}

func (s *PluginResultJobServiceOp) newWatch(opts *WatchOptions) (*watcher, error) {
	if opts == nil {
		opts = &WatchOptions{}
	}
	w := &watcher{s: s, interval: opts.Interval, maxWait: opts.MaxBackoff, onError: opts.OnError, existing: opts.Existing}
	if w.interval < 0 || w.maxWait < 0 {
		return nil, &ConfigError{Msg: "Watch: negative interval or backoff"}
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
			return nil, &ConfigError{Msg: "Watch: the filter must not name states or ids (the watch follows every state)"}
		}
		if f.Limit != 0 || f.Offset != 0 || f.OrderBy != nil || f.Paging != PagingAuto {
			return nil, &ConfigError{Msg: "Watch: the filter must not set paging or order"}
		}
		for k := range f.Filters {
			if k == "id" || k == "state" || strings.HasPrefix(k, "id__") || strings.HasPrefix(k, "state__") {
				return nil, &ConfigError{Msg: fmt.Sprintf("Watch: the filter must not name states or ids (%q)", k)}
			}
		}
		w.filter = *f
	}
	if _, err := w.s.Query(&w.filter); err != nil {
		return nil, err
	}
	if opts.Cursor != nil {
		c := opts.Cursor.clone()
		if c.Running == nil {
			c.Running = map[int64]JobState{}
		}
		w.cur = &c
	}
	return w, nil
}

var runningStates = []JobState{StatePending, StateQueued, StateStarted}

func (w *watcher) run(ctx context.Context, yield func(JobEvent, error) bool) {
	wait := time.Duration(0)
	failures := 0
	for {
		if wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
		}
		events, next, err := w.poll(ctx)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			if !passing(err) {
				yield(JobEvent{}, err)
				return
			}
			if w.onError != nil {
				w.onError(err)
			}
			failures++
			wait = w.interval
			for i := 1; i < failures && wait < w.maxWait; i++ {
				wait *= 2
			}
			wait = min(wait, w.maxWait)
			continue
		}
		failures = 0
		for _, ev := range events {
			if !yield(ev, nil) {
				return
			}
		}
		w.cur = next
		wait = w.interval
	}
}

// passing tells whether a failed poll is worth making again.
func passing(err error) bool {
	var re *RequestError
	var de *DecodeError
	return errors.Is(err, ErrUnavailable) || errors.Is(err, ErrRateLimited) || errors.Is(err, ErrServer) ||
		errors.As(err, &re) || errors.As(err, &de)
}

// poll computes the events since w.cur, and the cursor after them.
func (w *watcher) poll(ctx context.Context) ([]JobEvent, *WatchCursor, error) {
	if w.cur == nil {
		return w.start(ctx)
	}
	cur := w.cur.clone()
	var events []JobEvent
	emit := func(ev JobEvent) {
		ev.Cursor = cur.clone()
		events = append(events, ev)
	}

	// The running jobs among those already seen.
	q := w.filter
	q.StateIn = runningStates
	q.IDLte = Ptr(cur.MaxID)
	running := map[int64]*PluginResultJob{}
	for j, err := range w.s.All(ctx, &q) {
		if err != nil {
			return nil, nil, err
		}
		running[j.ID] = j
	}
	var left []int64
	for _, id := range slices.Sorted(maps.Keys(cur.Running)) {
		prev := cur.Running[id]
		j, ok := running[id]
		switch {
		case !ok:
			left = append(left, id)
		case j.State != prev:
			cur.Running[id] = j.State
			emit(JobEvent{Type: JobChanged, ID: id, Job: j, Previous: prev})
		}
	}
	for _, id := range slices.Sorted(maps.Keys(running)) {
		if _, known := cur.Running[id]; !known {
			// Back to a running state, or newly matching the filter.
			cur.Running[id] = running[id].State
			emit(JobEvent{Type: JobChanged, ID: id, Job: running[id]})
		}
	}
	if len(left) > 0 {
		found, missing, _, err := w.s.GetSet(ctx, left...)
		if err != nil {
			return nil, nil, err
		}
		byID := map[int64]*PluginResultJob{}
		for _, j := range found {
			byID[j.ID] = j
		}
		for _, id := range left {
			prev := cur.Running[id]
			if j, ok := byID[id]; ok {
				if j.State.IsRunning() {
					// Running still, but no longer matching the filter.
					delete(cur.Running, id)
					continue
				}
				delete(cur.Running, id)
				emit(JobEvent{Type: JobChanged, ID: id, Job: j, Previous: prev})
			} else if slices.Contains(missing, id) {
				delete(cur.Running, id)
				emit(JobEvent{Type: JobGone, ID: id, Previous: prev})
			}
		}
	}

	// The jobs newer than any seen, oldest first.
	q = w.filter
	q.IDGt = Ptr(cur.MaxID)
	var fresh []*PluginResultJob
	for j, err := range w.s.All(ctx, &q) {
		if err != nil {
			return nil, nil, err
		}
		fresh = append(fresh, j)
	}
	slices.SortFunc(fresh, func(a, b *PluginResultJob) int { return cmp.Compare(a.ID, b.ID) })
	for _, j := range fresh {
		cur.MaxID = max(cur.MaxID, j.ID)
		if j.State.IsRunning() {
			cur.Running[j.ID] = j.State
		}
		emit(JobEvent{Type: JobAppeared, ID: j.ID, Job: j})
	}
	return events, &cur, nil
}

// start takes the server's state as the cursor (reporting the running jobs
// when asked).
func (w *watcher) start(ctx context.Context) ([]JobEvent, *WatchCursor, error) {
	q := w.filter
	q.Limit = 1
	newest, _, err := w.s.List(ctx, &q)
	if err != nil {
		return nil, nil, err
	}
	cur := WatchCursor{Running: map[int64]JobState{}}
	if len(newest) > 0 {
		cur.MaxID = newest[0].ID
	}
	q = w.filter
	q.StateIn = runningStates
	q.IDLte = Ptr(cur.MaxID)
	var running []*PluginResultJob
	for j, err := range w.s.All(ctx, &q) {
		if err != nil {
			return nil, nil, err
		}
		running = append(running, j)
	}
	slices.SortFunc(running, func(a, b *PluginResultJob) int { return cmp.Compare(a.ID, b.ID) })
	var events []JobEvent
	for _, j := range running {
		cur.Running[j.ID] = j.State
		if w.existing {
			events = append(events, JobEvent{Type: JobAppeared, ID: j.ID, Job: j, Cursor: cur.clone()})
		}
	}
	return events, &cur, nil
}
