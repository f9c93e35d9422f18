package tsapi

import (
	"context"
	"iter"
	"log/slog"
	"strings"
	"time"
)

// string -> struct{}

// RunLevel is the stage of an analysis a plugin job runs at.
type RunLevel string

// The run levels; a block job exists for each chip block.
const (
	RunLevelPre       RunLevel = "pre"
	RunLevelDefault   RunLevel = "default"
	RunLevelBlock     RunLevel = "block"
	RunLevelPost      RunLevel = "post"
	RunLevelSeparator RunLevel = "separator"
	RunLevelLast      RunLevel = "last"
)

// RunLevels lists the 6 run levels.
var RunLevels = []RunLevel{RunLevelPre, RunLevelDefault, RunLevelBlock, RunLevelPost, RunLevelSeparator, RunLevelLast}

// PluginResultJob is one grid-engine job of a plugin run
// (/rundb/api/v1/PluginResultJob/).
type PluginResultJob struct {
	// ID is assigned by the server.
	ID int64 `json:"id"`
	// GridEngineJobID is the grid-engine job id, nil when there is none
	// and -1 once the server completed or cancelled the job.
	GridEngineJobID *int64 `json:"grid_engine_jobid"`
	// State is the job's state.
	State JobState `json:"state"`
	// StartTime and EndTime are nil until the job starts and ends; a PATCH
	// of State sets them on the server.
	StartTime *Time `json:"starttime"`
	EndTime   *Time `json:"endtime"`
	// Config is the plugin's run configuration (may hold secrets).
	Config JobConfig `json:"config"`
	// RunLevel is the stage the job runs at.
	RunLevel RunLevel `json:"run_level"`
	// ResourceURI is the job's path on the server (read-only).
	ResourceURI string `json:"resource_uri,omitempty"`
}

// PluginResultJobWrite is the whole writable state of a job, as Create and
// Update (PUT) send it: every field is sent, null included. It has no ID or
// ResourceURI: the URL names the job. Get one from a job read from the
// server with PluginResultJob.ToWrite.
type PluginResultJobWrite struct {
	GridEngineJobID *int64 `json:"grid_engine_jobid"`
	// State must be one of JobStates or declared with CustomState: Create
	// and Update refuse any other, an empty one included, before sending.
	State     JobState  `json:"state"`
	StartTime *Time     `json:"starttime"`
	EndTime   *Time     `json:"endtime"`
	Config    JobConfig `json:"config"`
	RunLevel  RunLevel  `json:"run_level"`
}

// ToWrite returns the job's writable fields, for a read-modify-write:
// change what you need and Update the job with it. Written back unchanged
// it leaves every stored field as it was (times to the millisecond the
// server exposes, config to the byte).
func (j *PluginResultJob) ToWrite() *PluginResultJobWrite {
	w := &PluginResultJobWrite{State: j.State, Config: j.Config, RunLevel: j.RunLevel}
	if j.GridEngineJobID != nil {
		w.GridEngineJobID = Ptr(*j.GridEngineJobID)
	}
	if j.StartTime != nil {
		w.StartTime = Ptr(*j.StartTime)
	}
	if j.EndTime != nil {
		w.EndTime = Ptr(*j.EndTime)
	}
	return w
}

// PluginResultJobPatch is a partial update: only the fields set are sent.
// Nullable fields can send an explicit null (Null[int64]()).
type PluginResultJobPatch struct {
	GridEngineJobID Nullable[int64] `json:"grid_engine_jobid,omitzero"`
	// State is not sent when empty; any other value must be one of
	// JobStates or declared with CustomState (Patch and BulkPatch refuse
	// it before sending).
	State     JobState       `json:"state,omitempty"`
	StartTime Nullable[Time] `json:"starttime,omitzero"`
	EndTime   Nullable[Time] `json:"endtime,omitzero"`
	Config    *JobConfig     `json:"config,omitempty"`
	RunLevel  RunLevel       `json:"run_level,omitempty"`
}

// PluginResultJobListOptions filters a PluginResultJob list. Unset fields
// are not sent. The server lists newest first and refuses order_by (400).
// Other filters go in ListOptions.Filters; the job's plugin result is not
// a filter on this resource (the server ignores plugin_result): list the
// plugin result's jobs through the pluginresult resource instead.
type PluginResultJobListOptions struct {
	ListOptions

	ID    *int64  `url:"id,omitempty"`
	IDIn  []int64 `url:"id__in,omitempty" del:","`
	IDGt  *int64  `url:"id__gt,omitempty"`
	IDGte *int64  `url:"id__gte,omitempty"`
	IDLt  *int64  `url:"id__lt,omitempty"`
	IDLte *int64  `url:"id__lte,omitempty"`

	// State and StateIn match the job's state; each state must be one of
	// JobStates or declared with CustomState (a *InvalidArgumentError otherwise:
	// the server would silently match nothing).
	State      JobState   `url:"state,omitempty"`
	StateIn    []JobState `url:"state__in,omitempty" del:","`
	RunLevel   RunLevel   `url:"run_level,omitempty"`
	RunLevelIn []RunLevel `url:"run_level__in,omitempty" del:","`

	GridEngineJobID       *int64  `url:"grid_engine_jobid,omitempty"`
	GridEngineJobIDIn     []int64 `url:"grid_engine_jobid__in,omitempty" del:","`
	GridEngineJobIDIsNull *bool   `url:"grid_engine_jobid__isnull,omitempty"`

	// StartTimeGte, StartTimeLte, EndTimeGte and EndTimeLte bound the
	// times; they are sent to the microsecond, the server's precision.
	StartTimeGte    *time.Time `url:"starttime__gte,omitempty" layout:"2006-01-02T15:04:05.999999Z07:00"`
	StartTimeLte    *time.Time `url:"starttime__lte,omitempty" layout:"2006-01-02T15:04:05.999999Z07:00"`
	StartTimeIsNull *bool      `url:"starttime__isnull,omitempty"`
	EndTimeGte      *time.Time `url:"endtime__gte,omitempty" layout:"2006-01-02T15:04:05.999999Z07:00"`
	EndTimeLte      *time.Time `url:"endtime__lte,omitempty" layout:"2006-01-02T15:04:05.999999Z07:00"`
	EndTimeIsNull   *bool      `url:"endtime__isnull,omitempty"`
}

// pluginResultJobFields are the schema types of the fields the library
// knows.
var pluginResultJobFields = map[string]string{
	"id": "integer", "grid_engine_jobid": "integer", "state": "string", "starttime": "datetime",
	"endtime": "datetime", "config": "string", "run_level": "string", "resource_uri": "string",
}

func newPluginResultJobResource(c *Client) *Resource[PluginResultJob, PluginResultJobListOptions, PluginResultJobWrite, PluginResultJobPatch] {
	filters := map[string][]string{}
	for f := range pluginResultJobFields {
		filters[f] = nil // ALL
	}
	return NewResource[PluginResultJob, PluginResultJobListOptions, PluginResultJobWrite, PluginResultJobPatch](c, ResourceSpec[PluginResultJob]{
		Name:        "PluginResultJob",
		ID:          func(j *PluginResultJob) int64 { return j.ID },
		Fields:      pluginResultJobFields,
		Filters:     filters,
		NewestFirst: true,
		Stamped:     map[string]string{"starttime": "state", "endtime": "state"},
	})
}

// PluginResultJobService reaches /rundb/api/v1/PluginResultJob/. Client's
// PluginResultJobs field holds a *PluginResultJobServiceOp; tests may put
// their own implementation there.
//
// Each verb's full documentation (what it sends, its errors, what happens
// to a lost answer) is on the method that *PluginResultJobServiceOp
// promotes: ReadResource.List, ReadResource.All, ReadResource.Pages,
// ReadResource.Collect, ReadResource.Count, ReadResource.Get,
// ReadResource.GetSet, ReadResource.Schema, ReadResource.CheckSchema,
// Resource.Create, Resource.CreateAndGet, Resource.Update,
// Resource.ReplaceAllMatching, PatchResource.Patch, PatchResource.Delete,
// PatchResource.BulkPatch and PatchResource.DeleteAllMatching; SetState,
// Watch, Wait and WaitTerminal are PluginResultJobServiceOp's own.
type PluginResultJobService interface {
	// List fetches one page of jobs (newest first); resp.Meta holds the
	// page's limit, offset, total_count and next link.
	List(ctx context.Context, opts *PluginResultJobListOptions) ([]*PluginResultJob, *Response, error)
	// All iterates over every job matching opts, across pages.
	All(ctx context.Context, opts *PluginResultJobListOptions) iter.Seq2[*PluginResultJob, error]
	// Pages iterates over the pages of jobs matching opts.
	Pages(ctx context.Context, opts *PluginResultJobListOptions) iter.Seq2[*Page[PluginResultJob], error]
	// Collect returns every job matching opts, up to a cap.
	Collect(ctx context.Context, opts *PluginResultJobListOptions, maxJobs int) ([]*PluginResultJob, error)
	// Count returns how many jobs match opts.
	Count(ctx context.Context, opts *PluginResultJobListOptions) (int, *Response, error)
	// Get fetches one job.
	Get(ctx context.Context, id int64) (*PluginResultJob, *Response, error)
	// GetSet fetches several jobs by id.
	GetSet(ctx context.Context, ids ...int64) ([]*PluginResultJob, []int64, *Response, error)
	// Create POSTs a job and returns its id.
	Create(ctx context.Context, w *PluginResultJobWrite) (int64, *Response, error)
	// CreateAndGet creates a job and fetches it as stored.
	CreateAndGet(ctx context.Context, w *PluginResultJobWrite) (*PluginResultJob, int64, *Response, error)
	// Update replaces a job's writable fields (PUT). Like Patch, it
	// returns a nil job from a Torrent Server (204, no body), the job as
	// re-read when a lost answer was verified (resp.Verified), or the job
	// a server sends back.
	Update(ctx context.Context, id int64, w *PluginResultJobWrite) (*PluginResultJob, *Response, error)
	// Patch changes the fields set in p (PATCH). On success from a Torrent
	// Server the job is nil: the server answers 202 with no body (resp
	// holds the 202), so call Get for the job as stored. The job is not nil
	// in two cases: the server sends one back (a tastypie resource with
	// always_return_data; the Torrent Server's do not), or the answer was
	// lost and a re-read found every field as sent, when it is the job as
	// re-read and resp.Verified is true.
	Patch(ctx context.Context, id int64, p *PluginResultJobPatch) (*PluginResultJob, *Response, error)
	// SetState changes a job's state (a Patch of State alone, whose job it
	// does not return).
	SetState(ctx context.Context, id int64, state JobState) (*Response, error)
	// Watch follows every matching job and yields what happens to them.
	Watch(ctx context.Context, opts *WatchOptions) iter.Seq2[JobEvent, error]
	// Wait polls a job until its state is terminal, telling a progress
	// function of each read.
	Wait(ctx context.Context, id int64, opts *WaitOptions) (*PluginResultJob, error)
	// WaitTerminal polls a job until its state is terminal.
	WaitTerminal(ctx context.Context, id int64, interval time.Duration) (*PluginResultJob, error)
	// Delete deletes one job.
	Delete(ctx context.Context, id int64) (*Response, error)
	// DeleteAllMatching deletes every job matching opts (a filter needed).
	DeleteAllMatching(ctx context.Context, opts *PluginResultJobListOptions) (*Response, error)
	// BulkPatch patches and deletes several jobs in one request.
	BulkPatch(ctx context.Context, updates []BulkUpdate[PluginResultJobPatch], deleteIDs []int64) (*Response, error)
	// Schema fetches the resource's schema.
	Schema(ctx context.Context) (*Schema, *Response, error)
	// CheckSchema reports how the server's schema differs from the model.
	CheckSchema(ctx context.Context) (*SchemaDrift, *Response, error)
}

var _ PluginResultJobService = (*PluginResultJobServiceOp)(nil)

// PluginResultJobServiceOp is the library's PluginResultJobService: the
// generic core (whose methods it promotes, documented on ReadResource,
// PatchResource and Resource) plus the job's own verbs.
//
// The Torrent Server itself refuses Create on this resource (500): jobs are
// created by launching a plugin (PluginService.Launch).
type PluginResultJobServiceOp struct {
	*Resource[PluginResultJob, PluginResultJobListOptions, PluginResultJobWrite, PluginResultJobPatch]
}

// SetState patches the job's state (PATCH {"state": ...}). The server sets
// StartTime (Started) or EndTime (a terminal state) itself. A lost answer
// is handled as by Patch: an *OutcomeUnknownError when the job holds
// another state now (another client changed it, or the PATCH was not
// applied). It returns a *InvalidArgumentError before any request for
// an empty state or one the library does not send (see JobState and
// CustomState).
func (s *PluginResultJobServiceOp) SetState(ctx context.Context, id int64, state JobState) (*Response, error) {
	if strings.TrimSpace(string(state)) == "" {
		return nil, &InvalidArgumentError{Msg: "SetState needs a state"}
	}
	if err := checkState("SetState", state); err != nil {
		return nil, &InvalidArgumentError{Msg: err.Error()}
	}
	_, resp, err := s.Patch(ctx, id, &PluginResultJobPatch{State: state})
	return resp, err
}

// WaitOptions are the settings of Wait.
type WaitOptions struct {
	// Interval is the time between reads of the job; it must be positive.
	Interval time.Duration
	// Progress, when not nil, is called with the job as read, after every
	// read (the last, terminal one included), on the caller's goroutine.
	Progress func(job *PluginResultJob)
}

// Wait reads job id every opts.Interval until its state is terminal
// (JobState.IsTerminal) and returns the job, telling opts.Progress of each
// read. It returns ctx.Err() when ctx ends first, and stops at the first
// error that the client's retries did not overcome (a deleted job is
// ErrNotFound); either way with the job as last read, or nil. A job left
// in a state the server does not store never counts as terminal: bound the
// wait with ctx. It returns an *InvalidArgumentError for nil opts or an
// interval that is not positive.
func (s *PluginResultJobServiceOp) Wait(ctx context.Context, id int64, opts *WaitOptions) (*PluginResultJob, error) {
	if opts == nil || opts.Interval <= 0 {
		return nil, &InvalidArgumentError{Msg: "Wait needs a positive interval"}
	}
	if ctx == nil {
		return nil, &InvalidArgumentError{Msg: "nil context"}
	}
	t := time.NewTicker(opts.Interval)
	defer t.Stop()
	var last *PluginResultJob
	for {
		job, _, err := s.Get(ctx, id)
		if err != nil {
			if ctxErr := ctx.Err(); ctxErr != nil {
				return last, ctxErr
			}
			return last, err
		}
		last = job
		if opts.Progress != nil {
			opts.Progress(job)
		}
		if job.State.IsTerminal() {
			return job, nil
		}
		select {
		case <-ctx.Done():
			return job, ctx.Err()
		case <-t.C:
		}
	}
}

// WaitTerminal is Wait with no progress: it reads job id every interval
// until its state is terminal, with Wait's errors.
func (s *PluginResultJobServiceOp) WaitTerminal(ctx context.Context, id int64, interval time.Duration) (*PluginResultJob, error) {
	if interval <= 0 {
		return nil, &InvalidArgumentError{Msg: "WaitTerminal needs a positive interval"}
	}
	return s.Wait(ctx, id, &WaitOptions{Interval: interval})
}

// LogValue logs the job's id, state and run level, and its config's form
// and size, never the config itself (it can hold a plugin's passwords).
func (j PluginResultJob) LogValue() slog.Value {
	return slog.GroupValue(slog.Int64("id", j.ID), slog.String("state", string(j.State)),
		slog.String("run_level", string(j.RunLevel)), slog.String("config", j.Config.String()))
}

// LogValue logs the state and run level, and the config's form and size
// only.
func (w PluginResultJobWrite) LogValue() slog.Value {
	return slog.GroupValue(slog.String("state", string(w.State)), slog.String("run_level", string(w.RunLevel)),
		slog.String("config", w.Config.String()))
}

// LogValue logs which fields the patch sets, and the state; never the
// config.
func (p PluginResultJobPatch) LogValue() slog.Value {
	attrs := []slog.Attr{}
	if p.State != "" {
		attrs = append(attrs, slog.String("state", string(p.State)))
	}
	if p.Config != nil {
		attrs = append(attrs, slog.String("config", p.Config.String()))
	}
	if p.RunLevel != "" {
		attrs = append(attrs, slog.String("run_level", string(p.RunLevel)))
	}
	return slog.GroupValue(attrs...)
}
