package tsapi

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"log/slog"
)

// PluginResult is one run of a plugin on an analysis result
// (/rundb/api/v1/pluginresult/), with its jobs embedded. The server lists
// plugin results newest first.
//
// Its String form and every fmt verb, log/slog and JSON encoding leave the
// APIKey out.
type PluginResult struct {
	// ID is assigned by the server.
	ID int64 `json:"id"`
	// Result, Plugin and Owner are the resource URIs of the analysis
	// result, the plugin and the owning user
	// ("/rundb/api/v1/results/3/"); see ResultID and PluginID.
	Result string `json:"result"`
	Plugin string `json:"plugin"`
	Owner  string `json:"owner"`
	// PluginName and PluginVersion describe the plugin (read-only).
	PluginName    string `json:"pluginName"`
	PluginVersion string `json:"pluginVersion"`
	// ResultName and ReportLink describe the analysis result (read-only).
	ResultName string `json:"resultName"`
	ReportLink string `json:"reportLink"`
	// State is computed by the server: StateFailedValidation when the
	// launch failed validation, else the state of the job started last, or
	// StateUnknown when there is no job.
	State JobState `json:"state"`
	// StartTime is the first job's start and EndTime the last job's end;
	// nil until they happen (read-only).
	StartTime *Time `json:"starttime"`
	EndTime   *Time `json:"endtime"`
	// Store holds the plugin's own results (a JSON object the plugin
	// writes; numbers that are not integers can come back as strings such
	// as "1.5"). It is decoded and re-encoded like a JobConfig.
	Store JobConfig `json:"store"`
	// ValidationErrors is {"validation_errors": ["message", ...]}, set at
	// launch; see ValidationMessages.
	ValidationErrors JobConfig `json:"validation_errors"`
	// APIKey is the key a running plugin authenticates with (PluginKey
	// <ID>:<key>), null once the server has completed the run. It is never
	// printed, logged or encoded: use APIKey.Reveal.
	APIKey SecretString `json:"apikey"`
	// Size and Inodes are the size in bytes and the file count of the
	// plugin's output folder, -1 until the server has measured them. The
	// server sends them as JSON strings; numbers, "" and null (-1) decode
	// too.
	Size   int64 `json:"size"`
	Inodes int64 `json:"inodes"`
	// Major says the plugin shows its results in the report's main
	// section (read-only).
	Major bool `json:"major"`
	// Path is the output folder on the server; URL is its web path and
	// Files lists its html and php files (all read-only).
	Path  string   `json:"path"`
	URL   string   `json:"URL"`
	Files []string `json:"files"`
	// CanTerminate reports whether a job is still running (read-only).
	CanTerminate bool `json:"can_terminate"`
	// Jobs are the run's grid-engine jobs, embedded in full.
	Jobs []PluginResultJob `json:"plugin_result_jobs"`
	// ResourceURI is the object's path on the server (read-only).
	ResourceURI string `json:"resource_uri,omitempty"`
}

// UnmarshalJSON decodes the server's JSON, reading size and inodes from
// strings or numbers.
func (p *PluginResult) UnmarshalJSON(b []byte) error {
	type plain PluginResult
	aux := struct {
		*plain
		Size   json.RawMessage `json:"size"`
		Inodes json.RawMessage `json:"inodes"`
	}{plain: (*plain)(p)}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	var err error
	if p.Size, err = parseFlexInt(aux.Size, -1); err != nil {
		return fmt.Errorf("tsapi: pluginresult size: %w", err)
	}
	if p.Inodes, err = parseFlexInt(aux.Inodes, -1); err != nil {
		return fmt.Errorf("tsapi: pluginresult inodes: %w", err)
	}
	return nil
}

// String describes the plugin result without its key or store.
func (p *PluginResult) String() string {
	if p == nil {
		return "PluginResult(nil)"
	}
	return fmt.Sprintf("PluginResult %d (%s %s on %q: %s, %d jobs)",
		p.ID, p.PluginName, p.PluginVersion, p.ResultName, p.State, len(p.Jobs))
}

// ResultID returns the id of the analysis result, read from Result.
func (p *PluginResult) ResultID() (int64, error) { return IDFromURI(p.Result) }

// PluginID returns the id of the plugin, read from Plugin.
func (p *PluginResult) PluginID() (int64, error) { return IDFromURI(p.Plugin) }

// ValidationMessages returns the messages of a launch that failed
// validation (nil when there are none).
func (p *PluginResult) ValidationMessages() []string {
	raw, ok := p.ValidationErrors.Get("validation_errors")
	if !ok {
		return nil
	}
	var list []json.RawMessage
	if json.Unmarshal(raw, &list) != nil {
		return []string{jsonText(raw)}
	}
	out := make([]string, 0, len(list))
	for _, m := range list {
		out = append(out, jsonText(m))
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// JobByGridEngineID returns the embedded job with grid-engine job id
// jobID, or nil.
func (p *PluginResult) JobByGridEngineID(jobID int64) *PluginResultJob {
	for i := range p.Jobs {
		if g := p.Jobs[i].GridEngineJobID; g != nil && *g == jobID {
			return &p.Jobs[i]
		}
	}
	return nil
}

// PluginResultPatch is a partial update of a plugin result: only the
// fields set are sent. The other fields are read-only or kept by the
// server; the plugin's key is never sent. Get the whole writable state of a
// plugin result read from the server with PluginResult.ToPatch.
type PluginResultPatch struct {
	// Store replaces the whole store (the server does not merge).
	Store *JobConfig `json:"store,omitempty"`
	// ValidationErrors replaces the validation errors.
	ValidationErrors *JobConfig `json:"validation_errors,omitempty"`
	// Size and Inodes set the output folder's size in bytes and file count
	// (the server measures them itself when a job ends).
	Size   *int64 `json:"size,omitempty"`
	Inodes *int64 `json:"inodes,omitempty"`
}

// ToPatch returns every writable field of the plugin result, for a
// read-modify-write: change what you need and Patch the plugin result with
// it. Written back unchanged it leaves every stored field as it was, the
// plugin's key included (it is never sent). There is no PUT of a plugin
// result: tastypie would clear the fields a PUT leaves out, the key among
// them.
func (p *PluginResult) ToPatch() *PluginResultPatch {
	store, verrs := p.Store, p.ValidationErrors
	return &PluginResultPatch{Store: &store, ValidationErrors: &verrs, Size: Ptr(p.Size), Inodes: Ptr(p.Inodes)}
}

// PluginResultListOptions filters a pluginresult list. Unset fields are
// not sent; other filters go in ListOptions.Filters (filters may follow the
// relations result, plugin, owner and plugin_result_jobs, as in
// "plugin__version" or "plugin_result_jobs__run_level").
//
// A filter on the jobs (JobState, JobStateIn, ...) makes the server list a
// plugin result once per matching job: All and Collect drop the repeats,
// while List, Pages and Count show the server's answer as it is.
type PluginResultListOptions struct {
	ListOptions

	// ID, IDIn, IDGt, IDLt, IDGte and IDLte filter on the plugin result's
	// id.
	ID    *int64  `url:"id,omitempty"`
	IDIn  []int64 `url:"id__in,omitempty" del:","`
	IDGt  *int64  `url:"id__gt,omitempty"`
	IDLt  *int64  `url:"id__lt,omitempty"`
	IDGte *int64  `url:"id__gte,omitempty"`
	IDLte *int64  `url:"id__lte,omitempty"`

	// Result and ResultIn match the analysis result's id (one, or any of
	// several).
	Result   *int64  `url:"result,omitempty"`
	ResultIn []int64 `url:"result__in,omitempty" del:","`
	// Plugin and PluginIn match the plugin's id.
	Plugin   *int64  `url:"plugin,omitempty"`
	PluginIn []int64 `url:"plugin__in,omitempty" del:","`
	// PluginName matches the plugin's name exactly (plugin__name);
	// PluginNameIn any of several names.
	PluginName   string   `url:"plugin__name,omitempty"`
	PluginNameIn []string `url:"plugin__name__in,omitempty" del:","`
	// PluginVersion matches the plugin's version (plugin__version).
	PluginVersion string `url:"plugin__version,omitempty"`
	// OwnerUsername matches the owner's user name (owner__username).
	OwnerUsername string `url:"owner__username,omitempty"`

	// JobState and JobStateIn match plugin results having a job in that
	// state (plugin_result_jobs__state, plugin_result_jobs__state__in).
	// Each state must be one of JobStates or declared with CustomState (a
	// *InvalidArgumentError otherwise). The computed State of a plugin result is
	// not a filter (StateFailedValidation is refused).
	JobState   JobState   `url:"plugin_result_jobs__state,omitempty"`
	JobStateIn []JobState `url:"plugin_result_jobs__state__in,omitempty" del:","`
	// JobRunLevel matches plugin results with a job at that run level.
	JobRunLevel RunLevel `url:"plugin_result_jobs__run_level,omitempty"`
	// JobGridEngineJobID matches the plugin result owning that
	// grid-engine job.
	JobGridEngineJobID *int64 `url:"plugin_result_jobs__grid_engine_jobid,omitempty"`

	// SizeGte and SizeLte bound the output folder's size in bytes.
	SizeGte *int64 `url:"size__gte,omitempty"`
	SizeLte *int64 `url:"size__lte,omitempty"`
}

// pluginResultFields are the schema types of the fields the library knows
// (tastypie sends BigIntegerField and JSONField values as "string").
var pluginResultFields = map[string]string{
	"id": "integer", "result": "related", "plugin": "related", "owner": "related",
	"pluginName": "string", "pluginVersion": "string", "resultName": "string", "reportLink": "string",
	"state": "string", "starttime": "datetime", "endtime": "datetime", "store": "string",
	"validation_errors": "string", "apikey": "string", "size": "string", "inodes": "string",
	"major": "boolean", "path": "string", "URL": "string", "files": "list", "can_terminate": "boolean",
	"plugin_result_jobs": "related", "resource_uri": "string",
}

func newPluginResultResource(c *Client) *PatchResource[PluginResult, PluginResultListOptions, PluginResultPatch] {
	// The model's fields, all with relations. Not apikey: a filter on it
	// would put a secret in a URL. Not path: it is computed.
	fields := []string{"id", "result", "plugin", "owner", "store", "size", "inodes", "validation_errors", "plugin_result_jobs"}
	filters := map[string][]string{}
	for _, f := range fields {
		filters[f] = nil
	}
	return NewPatchResource[PluginResult, PluginResultListOptions, PluginResultPatch](c, ResourceSpec[PluginResult]{
		Name:        "pluginresult",
		ID:          func(p *PluginResult) int64 { return p.ID },
		Fields:      pluginResultFields,
		Filters:     filters,
		Relations:   []string{"result", "plugin", "owner", "plugin_result_jobs"},
		Ordering:    []string{"id", "result", "plugin", "owner", "store", "size", "inodes", "validation_errors"},
		NewestFirst: true,
	})
}

// PluginResultService reaches /rundb/api/v1/pluginresult/. Client's
// PluginResults field holds a *PluginResultServiceOp; tests may put their
// own implementation there.
//
// Each verb's full documentation is on the method that
// *PluginResultServiceOp promotes: ReadResource.List, ReadResource.All,
// ReadResource.Pages, ReadResource.Collect, ReadResource.Count,
// ReadResource.Get, ReadResource.GetSet, ReadResource.Schema,
// ReadResource.CheckSchema, PatchResource.Patch and PatchResource.Delete;
// SetStore is PluginResultServiceOp's own.
//
// A filter on the jobs (JobState, JobStateIn, ...) makes the server list a
// plugin result once per matching job: All and Collect yield each once,
// while List, Pages and Count show the server's answer as it is (keyset
// Pages drop the repeats within a page).
type PluginResultService interface {
	// List fetches one page of plugin results (newest first).
	List(ctx context.Context, opts *PluginResultListOptions) ([]*PluginResult, *Response, error)
	// All iterates over every plugin result matching opts, each once.
	All(ctx context.Context, opts *PluginResultListOptions) iter.Seq2[*PluginResult, error]
	// Pages iterates over the pages of plugin results matching opts.
	Pages(ctx context.Context, opts *PluginResultListOptions) iter.Seq2[*Page[PluginResult], error]
	// Collect returns every plugin result matching opts, up to a cap.
	Collect(ctx context.Context, opts *PluginResultListOptions, maxResults int) ([]*PluginResult, error)
	// Count returns the server's total_count for opts.
	Count(ctx context.Context, opts *PluginResultListOptions) (int, *Response, error)
	// Get fetches one plugin result with its jobs.
	Get(ctx context.Context, id int64) (*PluginResult, *Response, error)
	// GetSet fetches several plugin results by id.
	GetSet(ctx context.Context, ids ...int64) ([]*PluginResult, []int64, *Response, error)
	// Patch changes some of a plugin result's fields.
	Patch(ctx context.Context, id int64, p *PluginResultPatch) (*PluginResult, *Response, error)
	// SetStore replaces a plugin result's store.
	SetStore(ctx context.Context, id int64, store any) (*Response, error)
	// Delete deletes a plugin result (and, on the server, its output).
	Delete(ctx context.Context, id int64) (*Response, error)
	// Schema fetches the resource's schema.
	Schema(ctx context.Context) (*Schema, *Response, error)
	// CheckSchema reports how the server's schema differs from the model.
	CheckSchema(ctx context.Context) (*SchemaDrift, *Response, error)
}

var _ PluginResultService = (*PluginResultServiceOp)(nil)

// PluginResultServiceOp is the library's PluginResultService: the generic
// core (methods documented on ReadResource and PatchResource) plus SetStore.
type PluginResultServiceOp struct {
	*PatchResource[PluginResult, PluginResultListOptions, PluginResultPatch]
}

// SetStore replaces the store of plugin result id with store (any value
// that encodes as a JSON object: a map, a struct, a JobConfig or raw
// JSON), sending PATCH {"store": ...}. A lost answer is handled as by
// Patch. It returns a *InvalidArgumentError for
// a store that is not a JSON object.
func (s *PluginResultServiceOp) SetStore(ctx context.Context, id int64, store any) (*Response, error) {
	cfg, err := storeObject(store)
	if err != nil {
		return nil, err
	}
	_, resp, err := s.Patch(ctx, id, &PluginResultPatch{Store: &cfg})
	return resp, err
}

// storeObject turns v into a JobConfig holding a JSON object.
func storeObject(v any) (JobConfig, error) {
	switch x := v.(type) {
	case nil:
		return JobConfig{}, &InvalidArgumentError{Msg: "nil store"}
	case JobConfig:
		if x.Raw() == nil {
			return JobConfig{}, &InvalidArgumentError{Msg: "store must be a JSON object"}
		}
		return JobConfigFromJSON(x.Raw())
	case *JobConfig:
		if x == nil {
			return JobConfig{}, &InvalidArgumentError{Msg: "nil store"}
		}
		return storeObject(*x)
	case json.RawMessage:
		return storeFromJSON(x)
	case []byte:
		return storeFromJSON(x)
	}
	cfg, err := NewJobConfig(v)
	if err != nil {
		return JobConfig{}, &InvalidArgumentError{Msg: "store must encode as a JSON object: " + err.Error()}
	}
	return cfg, nil
}

func storeFromJSON(b []byte) (JobConfig, error) {
	cfg, err := JobConfigFromJSON(b)
	if err != nil {
		return JobConfig{}, &InvalidArgumentError{Msg: "store must be a JSON object"}
	}
	return cfg, nil
}

// LogValue logs what String says: never the key, the store or the jobs'
// configs.
func (p PluginResult) LogValue() slog.Value { return slog.StringValue(p.String()) }

// LogValue logs which fields the patch sets, never their content.
func (p PluginResultPatch) LogValue() slog.Value {
	attrs := []slog.Attr{}
	if p.Store != nil {
		attrs = append(attrs, slog.String("store", p.Store.String()))
	}
	if p.ValidationErrors != nil {
		attrs = append(attrs, slog.String("validation_errors", p.ValidationErrors.String()))
	}
	if p.Size != nil {
		attrs = append(attrs, slog.Int64("size", *p.Size))
	}
	if p.Inodes != nil {
		attrs = append(attrs, slog.Int64("inodes", *p.Inodes))
	}
	return slog.GroupValue(attrs...)
}
