package tsapi

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// ResourceSpec describes a tastypie resource to the generic core.
type ResourceSpec[T any] struct {
	// Name is the resource's URL name, exactly as the server spells it
	// ("PluginResultJob", "pluginresult").
	Name string
	// ID returns an object's id (used for consistent iteration).
	ID func(*T) int64
	// Fields maps every field the Go type knows to its tastypie schema type
	// ("integer", "string", "datetime", ...), for CheckSchema and for
	// comparing a re-read object with a write whose answer was lost.
	Fields map[string]string
	// Filters maps each filterable field to the lookups it allows; nil
	// means every lookup (tastypie's ALL). Used until the server's schema
	// has been fetched, after which the schema's filtering is used.
	Filters map[string][]string
	// Relations lists filterable fields that may be followed
	// (ALL_WITH_RELATIONS), as in "plugin__name".
	Relations []string
	// Ordering lists the fields the library knows the server accepts in
	// order_by, before the schema has been fetched; nil when it knows none.
	Ordering []string
	// NewestFirst says the server lists by descending id, so iteration can
	// use keyset paging (id__lt) by default.
	NewestFirst bool
	// Stamped maps a field the server sets itself on a write to the field
	// whose change makes it do so ("endtime": "state": a PATCH to a
	// terminal state stamps endtime). A re-read after a lost answer still
	// compares a stamped field that was sent (the server stamps only when
	// the trigger changes, which the re-read cannot see); when it differs
	// and the re-read holds the trigger as sent, the field is named in
	// OutcomeUnknownError.Stamped.
	Stamped map[string]string
}

// ListOptionsType is satisfied by ListOptions and by every struct that
// embeds it: the list options of a resource.
type ListOptionsType interface {
	listOptions() ListOptions
}

// ReadResource is the generic core's read side of one tastypie resource:
// lists, iteration, single and multi-get, schema. T is the read model and O
// the resource's list options. Services embed it; use NewReadResource to
// reach a read-only resource this package has no service for.
type ReadResource[T any, O ListOptionsType] struct {
	client *Client
	spec   ResourceSpec[T]

	mu     sync.RWMutex
	schema *Schema
}

// PatchResource adds the writes that change or delete existing objects
// (detail PATCH, DELETE, bulk PATCH, DeleteAllMatching) to a ReadResource.
// P is the resource's partial-update type.
type PatchResource[T any, O ListOptionsType, P any] struct {
	*ReadResource[T, O]
}

// Resource is the whole generic core of one tastypie resource: reads,
// PATCH and DELETE, and the writes of whole objects (POST, PUT) in the
// write type W. Use NewResource to reach a resource this package has no
// service for.
type Resource[T any, O ListOptionsType, W any, P any] struct {
	*PatchResource[T, O, P]
}

// NewReadResource returns the read-only core for the resource spec
// describes, registered with c so that Client.Do checks the filters of its
// list URLs too. It panics if spec.Name is empty or holds a '/', a
// programming error.
func NewReadResource[T any, O ListOptionsType](c *Client, spec ResourceSpec[T]) *ReadResource[T, O] {
	if spec.Name == "" || strings.Contains(spec.Name, "/") {
		panic("tsapi: a resource needs a name without '/'")
	}
	r := &ReadResource[T, O]{client: c, spec: spec}
	c.register(r)
	return r
}

// NewPatchResource returns the core for a resource whose objects can be
// patched and deleted but not created or replaced (see NewReadResource).
func NewPatchResource[T any, O ListOptionsType, P any](c *Client, spec ResourceSpec[T]) *PatchResource[T, O, P] {
	return &PatchResource[T, O, P]{NewReadResource[T, O](c, spec)}
}

// NewResource returns the whole core for the resource spec describes (see
// NewReadResource).
func NewResource[T any, O ListOptionsType, W any, P any](c *Client, spec ResourceSpec[T]) *Resource[T, O, W, P] {
	return &Resource[T, O, W, P]{NewPatchResource[T, O, P](c, spec)}
}

// Name returns the resource's URL name.
func (r *ReadResource[T, O]) Name() string { return r.spec.Name }

func (r *ReadResource[T, O]) listPath() string { return r.spec.Name + "/" }

func (r *ReadResource[T, O]) detailPath(id int64) string {
	return r.spec.Name + "/" + strconv.FormatInt(id, 10) + "/"
}

// resourceURI is the path the server names object id by.
func (r *ReadResource[T, O]) resourceURI(id int64) string {
	return r.client.baseURL.Path + r.detailPath(id)
}

func checkID(id int64) error {
	if id <= 0 {
		return &InvalidArgumentError{Msg: fmt.Sprintf("object id must be positive, got %d", id)}
	}
	return nil
}

// listPage is a tastypie list answer.
type listPage[T any] struct {
	Meta    *Meta `json:"meta"`
	Objects []*T  `json:"objects"`
}

// List fetches one page of objects matching opts (nil: no filter). The
// page's Meta is on the Response. Filters are checked before the request:
// an unknown one is a *InvalidArgumentError (ErrInvalidOption).
func (r *ReadResource[T, O]) List(ctx context.Context, opts *O) ([]*T, *Response, error) {
	q, _, err := r.query(opts)
	if err != nil {
		return nil, nil, err
	}
	return r.listURL(ctx, r.listPath(), q)
}

// listURL fetches the page at path (relative to the API root or absolute
// on the server) with query q.
func (r *ReadResource[T, O]) listURL(ctx context.Context, path string, q url.Values) ([]*T, *Response, error) {
	var page listPage[T]
	resp, err := r.client.call(ctx, &Request{Method: http.MethodGet, Path: path, Query: q}, opRead, &page)
	if err != nil {
		return nil, resp, err
	}
	if page.Objects == nil {
		return nil, resp, newDecodeError(resp, fmt.Errorf("list answer has no \"objects\" array"))
	}
	if i := slices.Index(page.Objects, nil); i >= 0 {
		return nil, resp, newDecodeError(resp, fmt.Errorf("objects[%d] is null", i))
	}
	resp.Meta = page.Meta
	return page.Objects, resp, nil
}

// Get fetches the object with id. A missing object is an *APIError
// matching ErrNotFound.
func (r *ReadResource[T, O]) Get(ctx context.Context, id int64) (*T, *Response, error) {
	if err := checkID(id); err != nil {
		return nil, nil, err
	}
	v := new(T)
	resp, err := r.client.call(ctx, &Request{Method: http.MethodGet, Path: r.detailPath(id)}, opRead, v)
	if err != nil {
		return nil, resp, err
	}
	if len(bytes.TrimSpace(resp.body)) == 0 {
		return nil, resp, newDecodeError(resp, fmt.Errorf("empty body"))
	}
	return v, resp, nil
}

// Create POSTs w and returns the new object's id, read from the Location
// header of the 201 answer. A lost answer is an *OutcomeUnknownError
// (ErrOutcomeUnknown): the object may or may not exist (see "Writes and
// lost answers" in the package documentation).
func (r *Resource[T, O, W, P]) Create(ctx context.Context, w *W) (int64, *Response, error) {
	b, err := writeBody(w)
	if err != nil {
		return 0, nil, err
	}
	resp, err := r.client.call(ctx, &Request{Method: http.MethodPost, Path: r.listPath(), Body: b}, opWrite, nil)
	if err != nil {
		return 0, resp, err
	}
	id, err := idFromLocation(resp.Location)
	if err != nil {
		return 0, resp, newDecodeError(resp, err)
	}
	return id, resp, nil
}

// CreateAndGet creates w (see Create), then fetches the object as stored.
// When the fetch fails it returns the created id with the error.
func (r *Resource[T, O, W, P]) CreateAndGet(ctx context.Context, w *W) (*T, int64, *Response, error) {
	id, resp, err := r.Create(ctx, w)
	if err != nil {
		return nil, 0, resp, err
	}
	got, resp, err := r.Get(ctx, id)
	return got, id, resp, err
}

// Update PUTs w as the whole object id. tastypie answers 204 with no body;
// the object is returned when the server sent it, else nil. When the answer
// is lost, Update re-reads the object: if every field holds what w sent, it
// reports success (with Response.Verified and the object as read), else an
// *OutcomeUnknownError naming the fields that differ; see "Writes and lost
// answers" in the package documentation.
func (r *Resource[T, O, W, P]) Update(ctx context.Context, id int64, w *W) (*T, *Response, error) {
	if err := checkID(id); err != nil {
		return nil, nil, err
	}
	b, err := writeBody(w)
	if err != nil {
		return nil, nil, err
	}
	return r.verifiedWrite(ctx, http.MethodPut, id, b)
}

// Patch PATCHes the fields set in p onto object id. tastypie answers 202
// with no body; the object is returned when the server sent it, else nil.
// A lost answer is handled as by Resource.Update.
func (r *PatchResource[T, O, P]) Patch(ctx context.Context, id int64, p *P) (*T, *Response, error) {
	if err := checkID(id); err != nil {
		return nil, nil, err
	}
	b, err := writeBody(p)
	if err != nil {
		return nil, nil, err
	}
	if bytes.Equal(b, []byte("{}")) {
		return nil, nil, &InvalidArgumentError{Msg: "PATCH with no field to change"}
	}
	return r.verifiedWrite(ctx, http.MethodPatch, id, b)
}

// Delete deletes object id (204). It is resent like a read (ids are never
// reused); when a resend after a lost answer finds the object gone (404),
// Delete reports success, and resp.Attempts says how many were sent. See
// "Writes and lost answers" in the package documentation.
func (r *PatchResource[T, O, P]) Delete(ctx context.Context, id int64) (*Response, error) {
	if err := checkID(id); err != nil {
		return nil, err
	}
	return r.client.call(ctx, &Request{Method: http.MethodDelete, Path: r.detailPath(id)}, opDelete, nil)
}

// idFromLocation reads the id at the end of a detail URL.
func idFromLocation(loc string) (int64, error) {
	if loc == "" {
		return 0, fmt.Errorf("201 answer has no Location header")
	}
	u, err := url.Parse(loc)
	if err != nil {
		return 0, fmt.Errorf("bad Location header: %w", err)
	}
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	id, err := strconv.ParseInt(parts[len(parts)-1], 10, 64)
	if err != nil || id <= 0 {
		return 0, fmt.Errorf("the Location %s does not end with an object id", redactURL(u))
	}
	return id, nil
}

// IDFromURI returns the id at the end of a resource URI such as
// "/rundb/api/v1/PluginResultJob/19/". It fails with a *InvalidArgumentError when
// there is none.
func IDFromURI(uri string) (int64, error) {
	id, err := idFromLocation(uri)
	if err != nil {
		return 0, &InvalidArgumentError{Msg: err.Error()}
	}
	return id, nil
}

// setSchema stores a fetched schema for filter checks.
func (r *ReadResource[T, O]) setSchema(s *Schema) {
	r.mu.Lock()
	r.schema = s
	r.mu.Unlock()
}

func (r *ReadResource[T, O]) fetchedSchema() *Schema {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.schema
}
