package tsapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// setAnswer is tastypie's multi-get answer.
type setAnswer[T any] struct {
	Objects  []*T              `json:"objects"`
	NotFound []json.RawMessage `json:"not_found"`
}

// GetSet fetches several objects in one request (<resource>/set/1;3/). It
// returns the objects found and the ids the server did not find.
func (r *Resource[T]) GetSet(ctx context.Context, ids ...int64) ([]*T, []int64, *Response, error) {
	if len(ids) == 0 {
		return nil, nil, nil, &ConfigError{Msg: "GetSet needs at least one id"}
	}
	parts := make([]string, len(ids))
	for i, id := range ids {
		if err := checkID(id); err != nil {
			return nil, nil, nil, err
		}
		parts[i] = strconv.FormatInt(id, 10)
	}
	var ans setAnswer[T]
	resp, err := r.client.Do(ctx, &Request{Method: http.MethodGet, Path: r.spec.Name + "/set/" + strings.Join(parts, ";") + "/"}, &ans)
	if err != nil {
		return nil, nil, resp, err
	}
	if ans.Objects == nil && ans.NotFound == nil {
		return nil, nil, resp, newDecodeError(resp, fmt.Errorf("set answer has neither objects nor not_found"))
	}
	if i := slices.Index(ans.Objects, nil); i >= 0 {
		return nil, nil, resp, newDecodeError(resp, fmt.Errorf("objects[%d] is null", i))
	}
	var missing []int64
	for _, raw := range ans.NotFound {
		id, err := strconv.ParseInt(strings.Trim(jsonText(raw), " "), 10, 64)
		if err != nil {
			return nil, nil, resp, newDecodeError(resp, fmt.Errorf("not_found holds %s, not an id", snippet(raw)))
		}
		missing = append(missing, id)
	}
	return ans.Objects, missing, resp, nil
}

// BulkPatch changes and deletes objects in one atomic request (PATCH on the
// list URL, 202). objects are partial objects; an object with a
// "resource_uri" updates that object, one without creates a new object.
// deleteURIs are resource URIs to delete.
//
// It is retried like a PATCH of one object only when every object names its
// resource_uri (nothing is created, so a repeat cannot duplicate); a bulk
// PATCH that creates is sent once unless ctx comes from WithIdempotent.
func (r *Resource[T]) BulkPatch(ctx context.Context, objects []any, deleteURIs []string) (*Response, error) {
	if len(objects) == 0 && len(deleteURIs) == 0 {
		return nil, &ConfigError{Msg: "BulkPatch with nothing to change"}
	}
	safe := true
	encoded := make([]json.RawMessage, len(objects))
	for i, o := range objects {
		b, err := marshalBody(o)
		if err != nil {
			return nil, &ConfigError{Msg: fmt.Sprintf("encoding object %d: %v", i, err)}
		}
		var m map[string]json.RawMessage
		if json.Unmarshal(b, &m) != nil || m == nil {
			return nil, &ConfigError{Msg: fmt.Sprintf("object %d does not encode as a JSON object", i)}
		}
		if uri, ok := m["resource_uri"]; !ok || jsonText(uri) == "" {
			safe = false
		}
		encoded[i] = b
	}
	body := struct {
		Objects []json.RawMessage `json:"objects"`
		Deleted []string          `json:"deleted_objects,omitempty"`
	}{Objects: encoded, Deleted: deleteURIs}
	if body.Objects == nil {
		body.Objects = []json.RawMessage{}
	}
	return r.client.Do(ctx, &Request{Method: http.MethodPatch, Path: r.listPath(), Body: body, Idempotent: safe || idempotentCtx(ctx)}, nil)
}

// filtersOnly checks that q holds at least one filter besides paging.
func filtersOnly(q map[string][]string) bool {
	for k := range q {
		if !reservedParams[k] && k != "order_by" {
			return true
		}
	}
	return false
}

// DeleteAllMatching deletes EVERY object matching opts (DELETE on the list
// URL). It refuses, before any request, options with no filter (the server
// would delete everything) and any filter name the resource does not know
// (the server would ignore it and delete everything). limit and offset do
// not bound what the server deletes, so they are refused too.
func (r *Resource[T]) DeleteAllMatching(ctx context.Context, opts any) (*Response, error) {
	q, _, err := r.destructiveQuery(opts, "DeleteAllMatching")
	if err != nil {
		return nil, err
	}
	return r.client.Do(ctx, &Request{Method: http.MethodDelete, Path: r.listPath(), Query: q}, nil)
}

// ReplaceAllMatching deletes EVERY object matching opts and then creates
// objects (PUT on the list URL), with the same refusals as
// DeleteAllMatching. It is not retried: a repeat after a lost answer
// would delete the objects it just created.
func (r *Resource[T]) ReplaceAllMatching(ctx context.Context, opts any, objects []any) (*Response, error) {
	q, _, err := r.destructiveQuery(opts, "ReplaceAllMatching")
	if err != nil {
		return nil, err
	}
	if objects == nil {
		objects = []any{}
	}
	body := struct {
		Objects []any `json:"objects"`
	}{objects}
	return r.client.Do(ctx, &Request{Method: http.MethodPut, Path: r.listPath(), Query: q, Body: body, Once: true}, nil)
}

func (r *Resource[T]) destructiveQuery(opts any, what string) (map[string][]string, *ListOptions, error) {
	q, lo, err := r.Query(opts)
	if err != nil {
		return nil, nil, err
	}
	if !filtersOnly(q) {
		return nil, nil, &ConfigError{Msg: what + " needs at least one filter: without one the server deletes every " + r.spec.Name}
	}
	for _, k := range []string{"limit", "offset", "order_by"} {
		if q.Get(k) != "" {
			return nil, nil, &ConfigError{Msg: fmt.Sprintf("%s does not take %s: the server deletes every match regardless", what, k)}
		}
	}
	return q, lo, nil
}
