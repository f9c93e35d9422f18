package tsapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// setAnswer is tastypie's multi-get answer.
type setAnswer[T any] struct {
	Objects  []*T              `json:"objects"`
	NotFound []json.RawMessage `json:"not_found"`
}

// MaxRequestLine is the longest request line ("GET /rundb/api/v1/... HTTP/1.1",
// without its CRLF) GetSet sends; it splits longer id lists over several
// requests. Servers refuse longer lines with a bare 400: gunicorn, which
// serves many Torrent Servers' API, refuses lines over 4094 bytes (its
// limit_request_line), Apache over 8190.
const MaxRequestLine = 4094

// GetSet fetches several objects by id (<resource>/set/1;3/), in as few
// requests as fit MaxRequestLine, and returns the objects found and the ids
// the server did not find, in the order asked. resp is the last request's.
// Repeated ids are asked once.
func (r *ReadResource[T, O]) GetSet(ctx context.Context, ids ...int64) ([]*T, []int64, *Response, error) {
	if len(ids) == 0 {
		return nil, nil, nil, &ConfigError{Msg: "GetSet needs at least one id"}
	}
	seen := make(map[int64]bool, len(ids))
	uniq := make([]int64, 0, len(ids))
	for _, id := range ids {
		if err := checkID(id); err != nil {
			return nil, nil, nil, err
		}
		if !seen[id] {
			seen[id] = true
			uniq = append(uniq, id)
		}
	}
	// The line as it goes out: the path escaped, the ids joined by ';'.
	prefix := (&url.URL{Path: r.client.baseURL.Path + r.spec.Name + "/set/"}).EscapedPath()
	budget := MaxRequestLine - len("GET ") - len(prefix) - len("/ HTTP/1.1")
	var objs []*T
	var missing []int64
	var resp *Response
	for len(uniq) > 0 {
		n, size := 0, 0
		for n < len(uniq) {
			w := len(strconv.FormatInt(uniq[n], 10))
			if n > 0 {
				w++ // the ';'
			}
			if n > 0 && size+w > budget {
				break
			}
			size += w
			n++
		}
		o, m, rs, err := r.getSet(ctx, uniq[:n])
		resp = rs
		if err != nil {
			return nil, nil, resp, err
		}
		objs = append(objs, o...)
		missing = append(missing, m...)
		uniq = uniq[n:]
	}
	return objs, missing, resp, nil
}

func (r *ReadResource[T, O]) getSet(ctx context.Context, ids []int64) ([]*T, []int64, *Response, error) {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatInt(id, 10)
	}
	var ans setAnswer[T]
	resp, err := r.client.call(ctx, &Request{Method: http.MethodGet, Path: r.spec.Name + "/set/" + strings.Join(parts, ";") + "/"}, opRead, &ans)
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
		return nil, &ConfigError{Msg: "BulkPatch with nothing to change"}
	}
	encoded := make([]json.RawMessage, len(updates))
	for i, u := range updates {
		if u.ID <= 0 {
			return nil, &ConfigError{Msg: fmt.Sprintf("update %d: object id must be positive, got %d", i, u.ID)}
		}
		b, err := writeBody(u.Patch)
		if err != nil {
			return nil, &ConfigError{Msg: fmt.Sprintf("update %d: %s", i, strings.TrimPrefix(err.Error(), "tsapi: "))}
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
		return nil, &ConfigError{Msg: fmt.Sprintf("encoding body: %v", err)}
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
			return nil, &ConfigError{Msg: fmt.Sprintf("object %d: %s", i, strings.TrimPrefix(err.Error(), "tsapi: "))}
		}
		encoded[i] = b
	}
	b, err := marshalBody(struct {
		Objects []json.RawMessage `json:"objects"`
	}{encoded})
	if err != nil {
		return nil, &ConfigError{Msg: fmt.Sprintf("encoding body: %v", err)}
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
		return nil, &ConfigError{Msg: fmt.Sprintf("%s: the query does not encode: %v", what, err)}
	}
	if err := checkDestructive(sent, what, r.spec.Name); err != nil {
		return nil, err
	}
	return sent, nil
}
