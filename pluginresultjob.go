package tsapi

import (
	"context"
	"iter"
	"time"
)

// JobState is the state of a plugin job. The server stores the keys below
// but accepts any string of up to 20 characters.
type JobState string

// The states the Torrent Server stores.
const (
	StateCompleted JobState = "Completed"
	StateError     JobState = "Error"
	StateStarted   JobState = "Started"
	StateDeclined  JobState = "Declined"
	StateUnknown   JobState = "Unknown"
	StateQueued    JobState = "Queued"
	StatePending   JobState = "Pending"
	StateResource  JobState = "Resource"
	StateTimedOut  JobState = "Timed Out"
	StateCancelled JobState = "Cancelled"
	StateArchived  JobState = "Archived"
)

// JobStates lists the 11 states the server stores.
var JobStates = []JobState{
	StateCompleted, StateError, StateStarted, StateDeclined, StateUnknown, StateQueued,
	StatePending, StateResource, StateTimedOut, StateCancelled, StateArchived,
}

// IsRunning reports whether the job is still to run or running (Pending,
// Queued or Started).
func (s JobState) IsRunning() bool {
	return s == StatePending || s == StateQueued || s == StateStarted
}

// IsTerminal reports whether the job has ended: one of the 8 stored states
// that are not running. A state the server does not store is neither
// running nor terminal.
func (s JobState) IsTerminal() bool { return s.IsKnown() && !s.IsRunning() }

// IsKnown reports whether s is one of the 11 states the server stores.
func (s JobState) IsKnown() bool {
	for _, k := range JobStates {
		if s == k {
			return true
		}
	}
	return false
}

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

// pluginResultJobWrite is what a PUT sends: every writable field, never id
// or resource_uri.
type pluginResultJobWrite struct {
	GridEngineJobID *int64    `json:"grid_engine_jobid"`
	State           JobState  `json:"state"`
	StartTime       *Time     `json:"starttime"`
	EndTime         *Time     `json:"endtime"`
	Config          JobConfig `json:"config"`
	RunLevel        RunLevel  `json:"run_level"`
}

func (j *PluginResultJob) write() pluginResultJobWrite {
	return pluginResultJobWrite{
		GridEngineJobID: j.GridEngineJobID, State: j.State, StartTime: j.StartTime,
		EndTime: j.EndTime, Config: j.Config, RunLevel: j.RunLevel,
	}
}

// PluginResultJobPatch is a partial update: only the fields set are sent.
// Nullable fields can send an explicit null (Null[int64]()).
type PluginResultJobPatch struct {
	GridEngineJobID Nullable[int64] `json:"grid_engine_jobid,omitzero"`
	State           JobState        `json:"state,omitempty"`
	StartTime       Nullable[Time]  `json:"starttime,omitzero"`
	EndTime         Nullable[Time]  `json:"endtime,omitzero"`
	Config          *JobConfig      `json:"config,omitempty"`
	RunLevel        RunLevel        `json:"run_level,omitempty"`
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

	State      JobState   `url:"state,omitempty"`
	StateIn    []JobState `url:"state__in,omitempty" del:","`
	RunLevel   RunLevel   `url:"run_level,omitempty"`
	RunLevelIn []RunLevel `url:"run_level__in,omitempty" del:","`

	GridEngineJobID       *int64  `url:"grid_engine_jobid,omitempty"`
	GridEngineJobIDIn     []int64 `url:"grid_engine_jobid__in,omitempty" del:","`
	GridEngineJobIDIsNull *bool   `url:"grid_engine_jobid__isnull,omitempty"`

	StartTimeGte    *time.Time `url:"starttime__gte,omitempty"`
	StartTimeLte    *time.Time `url:"starttime__lte,omitempty"`
	StartTimeIsNull *bool      `url:"starttime__isnull,omitempty"`
	EndTimeGte      *time.Time `url:"endtime__gte,omitempty"`
	EndTimeLte      *time.Time `url:"endtime__lte,omitempty"`
	EndTimeIsNull   *bool      `url:"endtime__isnull,omitempty"`
}

// pluginResultJobFields are the schema types of the fields the library
// knows.
var pluginResultJobFields = map[string]string{
	"id": "integer", "grid_engine_jobid": "integer", "state": "string", "starttime": "datetime",
	"endtime": "datetime", "config": "string", "run_level": "string", "resource_uri": "string",
}

func newPluginResultJobResource(c *Client) *Resource[PluginResultJob] {
	filters := map[string][]string{}
	for f := range pluginResultJobFields {
		filters[f] = nil // ALL
	}
	return NewResource(c, ResourceSpec[PluginResultJob]{
		Name:        "PluginResultJob",
		ID:          func(j *PluginResultJob) int64 { return j.ID },
		Fields:      pluginResultJobFields,
		Filters:     filters,
		NewestFirst: true,
	})
}

// PluginResultJobService reaches /rundb/api/v1/PluginResultJob/.
type PluginResultJobService struct {
	r *Resource[PluginResultJob]
}

// Resource returns the generic core behind the service.
func (s *PluginResultJobService) Resource() *Resource[PluginResultJob] { return s.r }

// List fetches one page of jobs (newest first). resp.Meta holds the page's
// limit, offset, total_count and next link. An unknown filter is refused
// before any request (ErrInvalidOption).
func (s *PluginResultJobService) List(ctx context.Context, opts *PluginResultJobListOptions) ([]*PluginResultJob, *Response, error) {
	return s.r.List(ctx, opts)
}

// All iterates over every job matching opts, across pages, by keyset
// paging unless opts chooses otherwise (see PagingMode). An error is
// yielded once and ends the iteration.
func (s *PluginResultJobService) All(ctx context.Context, opts *PluginResultJobListOptions) iter.Seq2[*PluginResultJob, error] {
	return s.r.All(ctx, opts)
}

// Pages iterates over the pages of jobs matching opts.
func (s *PluginResultJobService) Pages(ctx context.Context, opts *PluginResultJobListOptions) iter.Seq2[*Page[PluginResultJob], error] {
	return s.r.Pages(ctx, opts)
}

// Collect returns every job matching opts, failing with ErrTooMany rather
// than returning more than maxJobs.
func (s *PluginResultJobService) Collect(ctx context.Context, opts *PluginResultJobListOptions, maxJobs int) ([]*PluginResultJob, error) {
	return s.r.Collect(ctx, opts, maxJobs)
}

// Count returns how many jobs match opts.
func (s *PluginResultJobService) Count(ctx context.Context, opts *PluginResultJobListOptions) (int, *Response, error) {
	return s.r.Count(ctx, opts)
}

// Get fetches job id (ErrNotFound when there is none).
func (s *PluginResultJobService) Get(ctx context.Context, id int64) (*PluginResultJob, *Response, error) {
	return s.r.Get(ctx, id)
}

// GetSet fetches several jobs in one request; it returns the ids not found.
func (s *PluginResultJobService) GetSet(ctx context.Context, ids ...int64) ([]*PluginResultJob, []int64, *Response, error) {
	return s.r.GetSet(ctx, ids...)
}

// Create POSTs job (its ID and ResourceURI are not sent) and returns the
// created job: the server's body when it sent one, otherwise a copy of job
// with ID and ResourceURI from the Location header (use CreateAndGet for
// the stored object). POST is sent once unless ctx comes from
// WithIdempotent. The Torrent Server itself refuses POST on this resource
// (500): jobs are created by launching a plugin.
func (s *PluginResultJobService) Create(ctx context.Context, job *PluginResultJob) (*PluginResultJob, *Response, error) {
	if job == nil {
		return nil, nil, &ConfigError{Msg: "nil job"}
	}
	out := new(PluginResultJob)
	id, resp, err := s.r.Create(ctx, job.write(), out)
	if err != nil {
		return nil, resp, err
	}
	if out.ID == 0 {
		*out = *job
		out.ID = id
		if u, err := s.r.client.resolve(s.r.detailPath(id), nil); err == nil {
			out.ResourceURI = u.Path
		}
	}
	return out, resp, nil
}

// CreateAndGet creates job, then fetches it as stored. When the fetch fails
// the created id is still returned in the job (with only ID set).
func (s *PluginResultJobService) CreateAndGet(ctx context.Context, job *PluginResultJob) (*PluginResultJob, *Response, error) {
	created, resp, err := s.Create(ctx, job)
	if err != nil {
		return nil, resp, err
	}
	got, resp, err := s.Get(ctx, created.ID)
	if err != nil {
		return &PluginResultJob{ID: created.ID}, resp, err
	}
	return got, resp, nil
}

// Update replaces job id with job (PUT of every writable field; ID and
// ResourceURI are not sent). The server answers 204 (or 200/201); when it
// returns the object, it is returned, else nil.
func (s *PluginResultJobService) Update(ctx context.Context, id int64, job *PluginResultJob) (*PluginResultJob, *Response, error) {
	if job == nil {
		return nil, nil, &ConfigError{Msg: "nil job"}
	}
	out := new(PluginResultJob)
	resp, err := s.r.Update(ctx, id, job.write(), out)
	if err != nil || len(resp.body) == 0 {
		return nil, resp, err
	}
	return out, resp, nil
}

// Patch changes the fields set in patch on job id (202, no body). Changing
// State makes the server set StartTime (Started) or EndTime (a terminal
// state). The job is returned when the server sent it, else nil.
func (s *PluginResultJobService) Patch(ctx context.Context, id int64, patch *PluginResultJobPatch) (*PluginResultJob, *Response, error) {
	if patch == nil {
		return nil, nil, &ConfigError{Msg: "nil patch"}
	}
	out := new(PluginResultJob)
	resp, err := s.r.Patch(ctx, id, patch, out)
	if err != nil || len(resp.body) == 0 {
		return nil, resp, err
	}
	return out, resp, nil
}

// SetState patches the job's state (a shorthand for Patch).
func (s *PluginResultJobService) SetState(ctx context.Context, id int64, state JobState) (*Response, error) {
	_, resp, err := s.Patch(ctx, id, &PluginResultJobPatch{State: state})
	return resp, err
}

// WaitTerminal reads job id every interval until its state is terminal
// (JobState.IsTerminal) and returns the job. It returns ctx.Err() when
// ctx ends first, and stops at the first error that the client's retries
// did not overcome (a deleted job is ErrNotFound); either way with the job
// as last read, or nil. A job left in a state the server does not store
// never counts as terminal: bound the wait with ctx.
func (s *PluginResultJobService) WaitTerminal(ctx context.Context, id int64, interval time.Duration) (*PluginResultJob, error) {
	if interval <= 0 {
		return nil, &ConfigError{Msg: "WaitTerminal needs a positive interval"}
	}
	if ctx == nil {
		return nil, &ConfigError{Msg: "nil context"}
	}
	t := time.NewTicker(interval)
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

// Delete deletes job id (204).
func (s *PluginResultJobService) Delete(ctx context.Context, id int64) (*Response, error) {
	return s.r.Delete(ctx, id)
}

// Schema fetches the resource's schema; filters are then checked against
// its filtering.
func (s *PluginResultJobService) Schema(ctx context.Context) (*Schema, *Response, error) {
	return s.r.Schema(ctx)
}

// CheckSchema fetches the schema and reports fields the server added,
// lacks or retyped compared with PluginResultJob.
func (s *PluginResultJobService) CheckSchema(ctx context.Context) (*SchemaDrift, *Response, error) {
	return s.r.CheckSchema(ctx)
}

// BulkPatch updates jobs (patches naming their ResourceURI) and deletes
// the jobs at deleteURIs in one atomic request (202).
func (s *PluginResultJobService) BulkPatch(ctx context.Context, updates []*PluginResultJobBulkUpdate, deleteURIs []string) (*Response, error) {
	objs := make([]any, len(updates))
	for i, u := range updates {
		if u == nil || u.ResourceURI == "" {
			return nil, &ConfigError{Msg: "each bulk update needs the job's ResourceURI"}
		}
		objs[i] = u
	}
	return s.r.BulkPatch(ctx, objs, deleteURIs)
}

// PluginResultJobBulkUpdate is one job's changes in a BulkPatch.
type PluginResultJobBulkUpdate struct {
	ResourceURI string `json:"resource_uri"`
	PluginResultJobPatch
}

// DeleteAllMatching deletes EVERY job matching opts. It refuses options
// without a filter, or with a filter the resource does not know, before any
// request: the server would delete every job.
func (s *PluginResultJobService) DeleteAllMatching(ctx context.Context, opts *PluginResultJobListOptions) (*Response, error) {
	return s.r.DeleteAllMatching(ctx, opts)
}
