package tsapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"unicode"
)

// BulkUpdate is one object's changes in a BulkPatch: the fields set in
// Patch, applied to the object with ID.
type BulkUpdate[P any] struct {
	ID    int64
	Patch *P
}

// BulkPatch applies updates and deletes the objects deleteIDs in one atomic
// request (PATCH on the list URL, 202). Every update names its object's
// resource_uri, built from its ID.
//
// tastypie creates an object for an update whose object no longer exists,
// so a bulk PATCH is a write that is never resent once it may have reached
// the server: a lost answer is an *OutcomeUnknownError (see "Writes and
// lost answers" in the package documentation).
func (r *PatchResource[T, O, P]) BulkPatch(ctx context.Context, updates []BulkUpdate[P], deleteIDs []int64) (*Response, error) {
	if len(updates) == 0 && len(deleteIDs) == 0 {
		return nil, &InvalidArgumentError{Msg: "BulkPatch with nothing to change"}
	}
	encoded := make([]json.RawMessage, len(updates))
	for i, u := range updates {
		if u.ID <= 0 {
			return nil, &InvalidArgumentError{Msg: fmt.Sprintf("update %d: object id must be positive, got %d", i, u.ID)}
		}
		b, err := writeBody(u.Patch)
		if err != nil {
			return nil, &InvalidArgumentError{Msg: fmt.Sprintf("update %d: %s", i, strings.TrimPrefix(err.Error(), "tsapi: "))}
		}
		uri, _ := json.Marshal(r.resourceURI(u.ID))
		if len(b) > 2 {
			uri = append(uri, ',')
		}
		encoded[i] = slices.Concat([]byte(`{"resource_uri":`), uri, b[1:])
	}
	deleted := make([]string, len(deleteIDs))
	for i, id := range deleteIDs {
		if err := checkID(id); err != nil {
			return nil, err
		}
		deleted[i] = r.resourceURI(id)
	}
	body := struct {
		Objects []json.RawMessage `json:"objects"`
		Deleted []string          `json:"deleted_objects,omitempty"`
	}{Objects: encoded, Deleted: deleted}
	b, err := marshalBody(body)
	if err != nil {
		return nil, &InvalidArgumentError{Msg: fmt.Sprintf("encoding body: %v", err)}
	}
	return r.client.call(ctx, &Request{Method: http.MethodPatch, Path: r.listPath(), Body: b}, opWrite, nil)
}

// DeleteAllMatching deletes EVERY object matching opts (DELETE on the list
// URL). It refuses, before any request, options with no filter (the server
// would delete everything; a filter whose value list is empty encodes to
// nothing and is none), any filter name the resource does not know (the
// server would ignore it and delete everything), a filter with an empty
// value and a repeated filter other than __in and __range (the server reads
// those as something else than the caller meant). limit and offset do not
// bound what the server deletes, so they are refused too.
//
// A resent DELETE would also delete the matching objects another client
// created after the first attempt: a lost answer is an
// *OutcomeUnknownError (see "Writes and lost answers" in the package
// documentation).
func (r *PatchResource[T, O, P]) DeleteAllMatching(ctx context.Context, opts *O) (*Response, error) {
	q, err := r.destructiveQuery(opts, "DeleteAllMatching")
	if err != nil {
		return nil, err
	}
	return r.client.call(ctx, &Request{Method: http.MethodDelete, Path: r.listPath(), Query: q}, opWrite, nil)
}

// ReplaceAllMatching deletes EVERY object matching opts and then creates
// objects (PUT on the list URL), with the same refusals as
// DeleteAllMatching. It is sent once: a repeat after a lost answer would
// delete the objects it just created.
func (r *Resource[T, O, W, P]) ReplaceAllMatching(ctx context.Context, opts *O, objects []*W) (*Response, error) {
	q, err := r.destructiveQuery(opts, "ReplaceAllMatching")
	if err != nil {
		return nil, err
	}
	encoded := make([]json.RawMessage, len(objects))
	for i, o := range objects {
		b, err := writeBody(o)
		if err != nil {
			return nil, &InvalidArgumentError{Msg: fmt.Sprintf("object %d: %s", i, strings.TrimPrefix(err.Error(), "tsapi: "))}
		}
		encoded[i] = b
	}
	b, err := marshalBody(struct {
		Objects []json.RawMessage `json:"objects"`
	}{encoded})
	if err != nil {
		return nil, &InvalidArgumentError{Msg: fmt.Sprintf("encoding body: %v", err)}
	}
	return r.client.call(ctx, &Request{Method: http.MethodPut, Path: r.listPath(), Query: q, Body: b}, opWrite, nil)
}

// destructiveQuery encodes and checks the query of a DELETE or PUT on the
// list URL. The check is on the query as it is sent: a filter whose value
// list is empty encodes to nothing and is no filter.
func (r *ReadResource[T, O]) destructiveQuery(opts *O, what string) (url.Values, error) {
	q, _, err := r.query(opts)
	if err != nil {
		return nil, err
	}
	sent, err := url.ParseQuery(q.Encode())
	if err != nil {
		return nil, &InvalidArgumentError{Msg: fmt.Sprintf("%s: the query does not encode: %v", what, err)}
	}
	if err := checkDestructive(sent, what, r.spec.Name); err != nil {
		return nil, err
	}
	return sent, nil
}

// checkDestructive refuses a query that would not bound what a DELETE or
// PUT on a list URL removes. q is the query as it is sent (parsed back from
// its encoding), so that a filter that encodes to nothing counts as none.
// The server reads an empty value as a filter of its own (state= matches
// nothing, grid_engine_jobid__isnull= every job with an id), and only the
// last value of a repeated filter other than __in and __range: both are
// refused, as an option given empty or twice by mistake.
func checkDestructive(q url.Values, what, resource string) error {
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	filters := 0
	for _, k := range keys {
		vs := q[k]
		if reservedParams[k] || k == "order_by" || len(vs) == 0 {
			continue
		}
		for _, v := range vs {
			if strings.TrimFunc(v, func(r rune) bool { return r == ',' || unicode.IsSpace(r) }) == "" {
				return &InvalidArgumentError{Msg: fmt.Sprintf("%s: filter %q has an empty value (an option given empty?): the server would read it as a filter of its own, not as no filter", what, k)}
			}
		}
		if len(vs) > 1 && !strings.HasSuffix(k, "__in") && !strings.HasSuffix(k, "__range") {
			hint := "a __in filter"
			if !strings.Contains(k, "__") {
				hint = k + "__in"
			}
			return &InvalidArgumentError{Msg: fmt.Sprintf("%s: filter %q is given %d values, of which the server reads only the last; to match any of them use %s", what, k, len(vs), hint)}
		}
		filters++
	}
	if filters == 0 {
		return &InvalidArgumentError{Msg: what + " needs at least one filter with a value: without one the server deletes every " + resource}
	}
	for _, k := range []string{"limit", "offset", "order_by"} {
		if _, ok := q[k]; ok {
			return &InvalidArgumentError{Msg: fmt.Sprintf("%s does not take %s: the server deletes every match regardless", what, k)}
		}
	}
	return nil
}
