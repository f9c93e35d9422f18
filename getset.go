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
		return nil, nil, nil, &InvalidArgumentError{Msg: "GetSet needs at least one id"}
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
