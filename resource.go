package tsapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/google/go-querystring/query"
)

// ResourceSpec describes a tastypie resource to the generic core.
type ResourceSpec[T any] struct {
	// Name is the resource's URL name, exactly as the server spells it
	// ("PluginResultJob", "pluginresult").
	Name string
	// ID returns an object's id (used for consistent iteration).
	ID func(*T) int64
	// Fields maps every field the Go type knows to its tastypie schema type
	// ("integer", "string", "datetime", ...), for CheckSchema.
	Fields map[string]string
	// Filters maps each filterable field to the lookups it allows; nil
	// means every lookup (tastypie's ALL). Used until the server's schema
	// has been fetched, after which the schema's filtering is used.
	Filters map[string][]string
	// Relations lists filterable fields that may be followed
	// (ALL_WITH_RELATIONS), as in "plugin__name".
	Relations []string
	// NewestFirst says the server lists by descending id, so iteration can
	// use keyset paging (id__lt) by default.
	NewestFirst bool
}

// Resource is the generic core shared by every service: typed access to one
// tastypie resource. Services wrap it with typed options; use NewResource
// to reach a resource this package has no service for.
type Resource[T any] struct {
	client *Client
	spec   ResourceSpec[T]

	mu     sync.RWMutex
	schema *Schema
}

// NewResource returns the generic core for the resource spec describes.
// It panics if spec.Name is empty, a programming error.
func NewResource[T any](c *Client, spec ResourceSpec[T]) *Resource[T] {
	if spec.Name == "" || strings.Contains(spec.Name, "/") {
		panic("tsapi: NewResource needs a resource name without '/'")
	}
	return &Resource[T]{client: c, spec: spec}
}

// Name returns the resource's URL name.
func (r *Resource[T]) Name() string { return r.spec.Name }

func (r *Resource[T]) listPath() string { return r.spec.Name + "/" }

func (r *Resource[T]) detailPath(id int64) string {
	return r.spec.Name + "/" + strconv.FormatInt(id, 10) + "/"
}

func checkID(id int64) error {
	if id <= 0 {
		return &ConfigError{Msg: fmt.Sprintf("object id must be positive, got %d", id)}
	}
	return nil
}

// listPage is a tastypie list answer.
type listPage[T any] struct {
	Meta    *Meta `json:"meta"`
	Objects []*T  `json:"objects"`
}

// List fetches one page of objects matching opts (a typed options struct
// encoded with go-querystring, or url.Values). The page's Meta is on the
// Response. Filters are checked before the request: see CheckQuery.
func (r *Resource[T]) List(ctx context.Context, opts any) ([]*T, *Response, error) {
	q, _, err := r.Query(opts)
	if err != nil {
		return nil, nil, err
	}
	return r.listURL(ctx, r.listPath(), q)
}

// listURL fetches the page at path (relative to the API root or absolute
// on the server) with query q.
func (r *Resource[T]) listURL(ctx context.Context, path string, q url.Values) ([]*T, *Response, error) {
	var page listPage[T]
	resp, err := r.client.Do(ctx, &Request{Method: http.MethodGet, Path: path, Query: q}, &page)
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
func (r *Resource[T]) Get(ctx context.Context, id int64) (*T, *Response, error) {
	if err := checkID(id); err != nil {
		return nil, nil, err
	}
	v := new(T)
	resp, err := r.client.Do(ctx, &Request{Method: http.MethodGet, Path: r.detailPath(id)}, v)
	if err != nil {
		return nil, resp, err
	}
	if len(bytes.TrimSpace(resp.body)) == 0 {
		return nil, resp, newDecodeError(resp, fmt.Errorf("empty body"))
	}
	return v, resp, nil
}

// Create POSTs body (id and resource_uri are never sent). It returns the
// new object's id, read from the Location header, and decodes the object
// into out when the server returned it (out may be nil). POST is sent once
// unless WithIdempotent marks ctx.
func (r *Resource[T]) Create(ctx context.Context, body any, out *T) (int64, *Response, error) {
	b, err := writeBody(body)
	if err != nil {
		return 0, nil, err
	}
	resp, err := r.client.Do(ctx, &Request{Method: http.MethodPost, Path: r.listPath(), Body: b, Idempotent: idempotentCtx(ctx)}, out)
	if err != nil {
		return 0, resp, err
	}
	id, err := idFromLocation(resp.Location)
	if err != nil && out != nil && r.spec.ID != nil && len(bytes.TrimSpace(resp.body)) > 0 {
		id, err = r.spec.ID(out), nil
	}
	if err != nil {
		return 0, resp, newDecodeError(resp, err)
	}
	return id, resp, nil
}

// Update PUTs body as the whole object id (id and resource_uri are never
// sent). It decodes the answer into out when the server returned one.
func (r *Resource[T]) Update(ctx context.Context, id int64, body any, out *T) (*Response, error) {
	if err := checkID(id); err != nil {
		return nil, err
	}
	b, err := writeBody(body)
	if err != nil {
		return nil, err
	}
	return r.client.Do(ctx, &Request{Method: http.MethodPut, Path: r.detailPath(id), Body: b}, out)
}

// Patch PATCHes the fields in body onto object id (id and resource_uri are
// never sent). tastypie answers 202 with no body; the answer is decoded
// into out when there is one. A detail PATCH sets fixed values, so it is
// retried like a PUT.
func (r *Resource[T]) Patch(ctx context.Context, id int64, body any, out *T) (*Response, error) {
	if err := checkID(id); err != nil {
		return nil, err
	}
	b, err := writeBody(body)
	if err != nil {
		return nil, err
	}
	if bytes.Equal(b, []byte("{}")) {
		return nil, &ConfigError{Msg: "PATCH with no field to change"}
	}
	return r.client.Do(ctx, &Request{Method: http.MethodPatch, Path: r.detailPath(id), Body: b, Idempotent: true}, out)
}

// Delete deletes object id.
func (r *Resource[T]) Delete(ctx context.Context, id int64) (*Response, error) {
	if err := checkID(id); err != nil {
		return nil, err
	}
	return r.client.Do(ctx, &Request{Method: http.MethodDelete, Path: r.detailPath(id)}, nil)
}

// writeBody encodes body as a JSON object without "id" and "resource_uri":
// tastypie treats a sent id as the row to write, which would re-target the
// write.
func writeBody(body any) ([]byte, error) {
	if body == nil {
		return nil, &ConfigError{Msg: "nil body"}
	}
	var b []byte
	switch v := body.(type) {
	case []byte:
		b = v
	case json.RawMessage:
		b = v
	default:
		var err error
		if b, err = marshalBody(body); err != nil {
			return nil, &ConfigError{Msg: fmt.Sprintf("encoding body: %v", err)}
		}
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil || m == nil {
		return nil, &ConfigError{Msg: "body must encode as a JSON object"}
	}
	_, hasID := m["id"]
	_, hasURI := m["resource_uri"]
	if !hasID && !hasURI {
		return b, nil
	}
	delete(m, "id")
	delete(m, "resource_uri")
	return marshalBody(m)
}

// idFromLocation reads the id at the end of a detail URL.
func idFromLocation(loc string) (int64, error) {
	if loc == "" {
		return 0, fmt.Errorf("201 answer has no Location header")
	}
	u, err := url.Parse(loc)
	if err != nil {
		return 0, fmt.Errorf("bad Location header: %v", err)
	}
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	id, err := strconv.ParseInt(parts[len(parts)-1], 10, 64)
	if err != nil || id <= 0 {
		return 0, fmt.Errorf("the Location %s does not end with an object id", redactURL(u))
	}
	return id, nil
}

// IDFromURI returns the id at the end of a resource URI such as
// "/rundb/api/v1/PluginResultJob/19/". It fails when there is none.
func IDFromURI(uri string) (int64, error) {
	id, err := idFromLocation(uri)
	if err != nil {
		return 0, &ConfigError{Msg: err.Error()}
	}
	return id, nil
}

type idempotentKey struct{}

// WithIdempotent marks the calls made with the returned context as safe to
// send more than once, so that a POST or bulk PATCH is retried like a GET.
// Use it only when a duplicate cannot happen or does no harm.
func WithIdempotent(ctx context.Context) context.Context {
	return context.WithValue(ctx, idempotentKey{}, true)
}

func idempotentCtx(ctx context.Context) bool {
	if ctx == nil {
		return false // Do refuses a nil context
	}
	v, _ := ctx.Value(idempotentKey{}).(bool)
	return v
}

// queryTerms are Django's lookups, which tastypie's ALL accepts.
var queryTerms = []string{
	"exact", "iexact", "contains", "icontains", "in", "gt", "gte", "lt", "lte",
	"startswith", "istartswith", "endswith", "iendswith", "range", "year", "month", "day",
	"week_day", "hour", "minute", "second", "isnull", "search", "regex", "iregex",
}

// reservedParams are query parameters that are not filters.
var reservedParams = map[string]bool{"limit": true, "offset": true, "format": true}

// Query encodes opts (a typed options struct, or url.Values) and checks
// every filter name against the resource. It returns the query, the
// ListOptions embedded in opts (or nil), and a *ConfigError (ErrInvalidOption)
// naming the first filter the resource does not know.
func (r *Resource[T]) Query(opts any) (url.Values, *ListOptions, error) {
	q := url.Values{}
	var lo *ListOptions
	if opts != nil && !isNilPointer(opts) {
		switch o := opts.(type) {
		case url.Values:
			for k, vs := range o {
				q[k] = slices.Clone(vs)
			}
		default:
			v, err := query.Values(opts)
			if err != nil {
				return nil, nil, &ConfigError{Msg: fmt.Sprintf("encoding options: %v", err)}
			}
			q = v
		}
		if h, ok := opts.(interface{ listOptions() *ListOptions }); ok {
			lo = h.listOptions()
			for k, vs := range lo.Filters {
				if _, dup := q[k]; dup {
					return nil, nil, &ConfigError{Msg: fmt.Sprintf("filter %q given twice (as a field and in Filters)", k)}
				}
				q[k] = slices.Clone(vs)
			}
		}
	}
	if err := r.CheckQuery(q); err != nil {
		return nil, nil, err
	}
	return q, lo, nil
}

func isNilPointer(v any) bool {
	rv := reflect.ValueOf(v)
	return rv.Kind() == reflect.Pointer && rv.IsNil()
}

// CheckQuery returns a *ConfigError for the first parameter in q that the
// resource does not accept as a filter. The Torrent Server silently ignores
// unknown filter names and then lists (or deletes) everything, so the
// library refuses them. Names are checked against the schema's filtering
// once Schema has been fetched, and against the library's own list before.
// order_by is refused unless the fetched schema lists the field under
// ordering (PluginResultJob allows none: the server answers 400).
func (r *Resource[T]) CheckQuery(q url.Values) error {
	r.mu.RLock()
	s := r.schema
	r.mu.RUnlock()
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if reservedParams[k] {
			continue
		}
		if k == "order_by" {
			for _, v := range q[k] {
				field := strings.TrimPrefix(v, "-")
				if s == nil || !slices.Contains(s.Ordering, field) {
					return &ConfigError{Msg: fmt.Sprintf("%s cannot be ordered by %q (the server allows no such ordering and answers 400)", r.spec.Name, field)}
				}
			}
			continue
		}
		if err := r.checkFilter(k, s); err != nil {
			return err
		}
	}
	return nil
}

func (r *Resource[T]) checkFilter(name string, s *Schema) error {
	parts := strings.Split(name, "__")
	field := parts[0]
	rest := parts[1:]
	lookup := "exact"
	if len(rest) > 0 && slices.Contains(queryTerms, rest[len(rest)-1]) {
		lookup = rest[len(rest)-1]
		rest = rest[:len(rest)-1]
	}
	var allowed []string // nil: any lookup
	var relations, known bool
	if s != nil {
		// A name in filtering that is not a field of the resource (the
		// Torrent Server lists plugin_result on PluginResultJob) is
		// ignored by the server: refuse it like an unknown name.
		rule, ok := s.Filtering[field]
		_, isField := s.Fields[field]
		known = ok && isField
		relations = rule.WithRelations
		if !rule.All && !rule.WithRelations {
			allowed = rule.Lookups
		}
	} else {
		var ok bool
		allowed, ok = r.spec.Filters[field]
		known = ok
		relations = slices.Contains(r.spec.Relations, field)
	}
	if !known {
		return &ConfigError{Msg: fmt.Sprintf("%s has no filter %q (the server would ignore it and match everything)", r.spec.Name, name)}
	}
	if len(rest) > 0 && !relations {
		return &ConfigError{Msg: fmt.Sprintf("%s filter %q: %q is not a lookup, and %s is not a relation", r.spec.Name, name, rest[0], field)}
	}
	if len(rest) == 0 && allowed != nil && !slices.Contains(allowed, lookup) {
		return &ConfigError{Msg: fmt.Sprintf("%s filter %q: lookup %q is not allowed on %s", r.spec.Name, name, lookup, field)}
	}
	return nil
}

// setSchema stores a fetched schema for filter checks.
func (r *Resource[T]) setSchema(s *Schema) {
	r.mu.Lock()
	r.schema = s
	r.mu.Unlock()
}
