package tsapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Hostile or broken answers: each ends in a typed error that says what was
// wrong, never in a panic, a hang or an unbounded read.

// hostileServe answers every request with status, content type and body.
func hostileServe(t *testing.T, status int, ctype, body string) (*Client, *atomic.Int32) {
	t.Helper()
	var hits atomic.Int32
	srv := faultServer(t, func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if ctype != "" {
			w.Header().Set("Content-Type", ctype)
		}
		w.WriteHeader(status)
		io.WriteString(w, body)
	})
	return newTestClient(t, srv.URL, WithMaxResponseBytes(1<<10)), &hits
}

func TestHostileBodyTooLarge(t *testing.T) {
	big := `{"id": 5, "state": "` + strings.Repeat("x", 4<<10) + `"}`
	c, hits := hostileServe(t, 200, "application/json", big)
	_, _, err := c.PluginResultJobs.Get(context.Background(), 5)
	require.ErrorIs(t, err, ErrResponseTooLarge)
	var re *RequestError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, 1, re.Attempts, "a body too large is not retried")
	assert.Equal(t, int32(1), hits.Load())
	assert.Contains(t, err.Error(), "1024")

	// Without a Content-Length (chunked), too.
	srv := faultServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		for i := 0; i < 64; i++ {
			io.WriteString(w, strings.Repeat(" ", 1<<10))
			w.(http.Flusher).Flush()
		}
	})
	c = newTestClient(t, srv.URL, WithMaxResponseBytes(8<<10))
	_, _, err = c.PluginResultJobs.List(context.Background(), nil)
	assert.ErrorIs(t, err, ErrResponseTooLarge)
}

func TestHostileErrorBodyTooLargeKeepsStatus(t *testing.T) {
	page := "<html><head><title>Server Error</title></head><body>" + strings.Repeat("trace ", 2<<10) + "</body></html>"
	c, hits := hostileServe(t, 500, "text/html", page)
	_, _, err := c.PluginResultJobs.Get(context.Background(), 5)
	var ae *APIError
	require.ErrorAs(t, err, &ae, "an oversized error page still reports its status")
	assert.Equal(t, 500, ae.StatusCode)
	assert.Equal(t, "Server Error", ae.Message)
	assert.LessOrEqual(t, len(ae.Body), maxSnippet+len("…"))
	assert.Equal(t, int32(1), hits.Load())

	// The same for a retryable status once retries are exhausted.
	c, hits = hostileServe(t, 503, "text/html", page)
	_, _, err = c.PluginResultJobs.Get(context.Background(), 5)
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, 503, ae.StatusCode)
	assert.Equal(t, "Server Error", ae.Message)
	assert.Equal(t, 4, ae.Attempts)
	assert.Equal(t, int32(4), hits.Load())
}

func TestHostileHTMLWithOKStatus(t *testing.T) {
	c, _ := hostileServe(t, 200, "text/html; charset=utf-8", "<html><body>Login</body></html>")
	_, _, err := c.PluginResultJobs.Get(context.Background(), 5)
	var de *DecodeError
	require.ErrorAs(t, err, &de)
	assert.ErrorIs(t, err, ErrDecode)
	assert.Equal(t, 200, de.StatusCode)
	assert.Equal(t, "text/html; charset=utf-8", de.ContentType)
	assert.Contains(t, err.Error(), "text/html")
	assert.Contains(t, de.Body, "Login")
	assert.Contains(t, de.URL, "/rundb/api/v1/PluginResultJob/5/")

	_, _, err = c.PluginResultJobs.List(context.Background(), nil)
	require.ErrorAs(t, err, &de)
	assert.Contains(t, err.Error(), "text/html")
}

func TestHostileTruncatedJSON(t *testing.T) {
	c, _ := hostileServe(t, 200, "application/json", faultJobJSON[:40])
	_, _, err := c.PluginResultJobs.Get(context.Background(), 5)
	var de *DecodeError
	require.ErrorAs(t, err, &de)
	assert.ErrorIs(t, err, ErrDecode)
	assert.Contains(t, err.Error(), "JSON")

	c, _ = hostileServe(t, 200, "application/json", `{"meta": {"limit": 20, "offset": 0, "total_count": 2}, "objects": [{"id": 5}, {"id": 4, "sta`)
	_, _, err = c.PluginResultJobs.List(context.Background(), nil)
	assert.ErrorIs(t, err, ErrDecode)
}

func TestHostileWrongTypes(t *testing.T) {
	cases := []struct {
		name, body, field string
		list              bool
	}{
		{"id string", `{"id": "abc"}`, "id", false},
		{"grid_engine_jobid float", `{"id": 5, "grid_engine_jobid": 1.5}`, "grid_engine_jobid", false},
		{"state number", `{"id": 5, "state": 7}`, "state", false},
		{"id overflow", `{"id": 1e400}`, "id", false},
		{"list id string", `{"meta": {"limit": 20, "offset": 0, "total_count": 1}, "objects": [{"id": "abc"}]}`, "objects.id", true},
		{"meta total_count string", `{"meta": {"total_count": "many"}, "objects": []}`, "meta.total_count", true},
		{"objects object", `{"meta": {}, "objects": {"id": 5}}`, "objects", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := hostileServe(t, 200, "application/json", tc.body)
			var err error
			if tc.list {
				_, _, err = c.PluginResultJobs.List(context.Background(), nil)
			} else {
				_, _, err = c.PluginResultJobs.Get(context.Background(), 5)
			}
			var de *DecodeError
			require.ErrorAs(t, err, &de)
			assert.ErrorIs(t, err, ErrDecode)
			if tc.field != "" && !strings.Contains(tc.name, "overflow") {
				assert.Equal(t, tc.field, de.Field)
			}
			assert.Contains(t, err.Error(), tc.field)
		})
	}
	// The decoder's own error stays reachable.
	c, _ := hostileServe(t, 200, "application/json", `{"id": "abc"}`)
	_, _, err := c.PluginResultJobs.Get(context.Background(), 5)
	var te *json.UnmarshalTypeError
	assert.ErrorAs(t, err, &te)
}

func TestHostileBadDatetime(t *testing.T) {
	c, _ := hostileServe(t, 200, "application/json", `{"id": 5, "starttime": "yesterday"}`)
	_, _, err := c.PluginResultJobs.Get(context.Background(), 5)
	assert.ErrorIs(t, err, ErrDecode)
	assert.Contains(t, err.Error(), "yesterday")
}

func TestHostileEmptyAndMissing(t *testing.T) {
	c, _ := hostileServe(t, 200, "application/json", "")
	_, _, err := c.PluginResultJobs.Get(context.Background(), 5)
	assert.ErrorIs(t, err, ErrDecode, "a detail GET with no body")

	c, _ = hostileServe(t, 200, "application/json", `{"meta": {"limit": 20}}`)
	_, _, err = c.PluginResultJobs.List(context.Background(), nil)
	assert.ErrorIs(t, err, ErrDecode, "a list with no objects")

	c, _ = hostileServe(t, 200, "application/json", `null`)
	_, _, err = c.PluginResultJobs.List(context.Background(), nil)
	assert.ErrorIs(t, err, ErrDecode)

	c, _ = hostileServe(t, 200, "application/json", `[1, 2, 3]`)
	_, _, err = c.PluginResultJobs.Get(context.Background(), 5)
	assert.ErrorIs(t, err, ErrDecode)
}

func TestHostileNullObjectInList(t *testing.T) {
	body := `{"meta": {"limit": 2, "offset": 0, "total_count": 3, "next": "/rundb/api/v1/PluginResultJob/?limit=2&offset=2"},
"objects": [{"id": 9}, null]}`
	c, _ := hostileServe(t, 200, "application/json", body)
	_, _, err := c.PluginResultJobs.List(context.Background(), nil)
	assert.ErrorIs(t, err, ErrDecode, "List must not hand back a nil job")
	assert.Contains(t, err.Error(), "objects[1] is null")
	for _, paging := range []PagingMode{PagingAuto, PagingKeyset, PagingOffset} {
		assert.NotPanics(t, func() {
			n := 0
			for _, err := range c.PluginResultJobs.All(context.Background(), &PluginResultJobListOptions{ListOptions: ListOptions{Paging: paging}}) {
				n++
				if err != nil {
					assert.ErrorIs(t, err, ErrDecode)
				}
			}
			assert.Equal(t, 1, n)
		})
	}
	c, _ = hostileServe(t, 200, "application/json", `{"objects": [null], "not_found": []}`)
	_, _, _, err = c.PluginResultJobs.GetSet(context.Background(), 9)
	assert.ErrorIs(t, err, ErrDecode)
}

func TestHostileNextLinkToAnotherHost(t *testing.T) {
	var otherHits atomic.Int32
	other := faultServer(t, func(w http.ResponseWriter, r *http.Request) {
		otherHits.Add(1)
		io.WriteString(w, `{"meta": {"next": null}, "objects": []}`)
	})
	otherURL := strings.Replace(other.URL, "127.0.0.1", "localhost", 1)
	for _, next := range []string{
		otherURL + "/rundb/api/v1/PluginResultJob/?limit=1&offset=1",
		"//" + strings.TrimPrefix(otherURL, "http://") + "/rundb/api/v1/PluginResultJob/?offset=1",
		"https://evil.example/rundb/api/v1/PluginResultJob/?offset=1",
	} {
		t.Run(next, func(t *testing.T) {
			page, _ := json.Marshal(map[string]any{
				"meta":    map[string]any{"limit": 1, "offset": 0, "total_count": 2, "next": next},
				"objects": []map[string]any{{"id": 9}},
			})
			c, _ := hostileServe(t, 200, "application/json", string(page))
			var got []int64
			var iterErr error
			opts := &PluginResultJobListOptions{ListOptions: ListOptions{Paging: PagingOffset}}
			for j, err := range c.PluginResultJobs.All(context.Background(), opts) {
				if err != nil {
					iterErr = err
					break
				}
				got = append(got, j.ID)
			}
			assert.Equal(t, []int64{9}, got)
			require.Error(t, iterErr)
			assert.ErrorIs(t, iterErr, ErrPagination)
			var pe *PaginationError
			assert.True(t, errors.As(iterErr, &pe))
			assert.Contains(t, iterErr.Error(), "another server")

			// The default (keyset) paging never follows the link either.
			for _, err := range c.PluginResultJobs.All(context.Background(), nil) {
				if err != nil {
					break
				}
			}
			assert.Equal(t, int32(0), otherHits.Load())
		})
	}
}

func TestHostileRepeatedNextLink(t *testing.T) {
	page := `{"meta": {"limit": 1, "offset": 0, "total_count": 5, "next": "/rundb/api/v1/PluginResultJob/?limit=1&offset=1"},
"objects": [{"id": 9}]}`
	c, hits := hostileServe(t, 200, "application/json", page)
	opts := &PluginResultJobListOptions{ListOptions: ListOptions{Paging: PagingOffset}}
	var iterErr error
	for _, err := range c.PluginResultJobs.All(context.Background(), opts) {
		if err != nil {
			iterErr = err
		}
	}
	assert.ErrorIs(t, iterErr, ErrPagination)
	assert.LessOrEqual(t, hits.Load(), int32(3), "a loop of next links must stop")
}

func TestHostileErrorBodies(t *testing.T) {
	cases := []struct {
		name, ctype, body, message string
		status                     int
	}{
		{"tastypie canned 500", "application/json", `{"error_message": "Sorry, this request could not be processed. Please try again later."}`, "Sorry, this request could not be processed. Please try again later.", 500},
		{"HTML 404 with h1 only", "text/html", `<html><body><h1>Not Found</h1><p>The requested URL was not found.</p></body></html>`, "Not Found", 404},
		{"huge error message is capped", "application/json", `{"error": "` + strings.Repeat("é", 800) + `"}`, "", 400},
		{"binary junk", "application/octet-stream", "\x00\x01\x02\xff\xfe", "Bad Request", 400},
		{"JSON that is not an object", "application/json", `["a", "b"]`, "", 400},
		{"truncated JSON error", "application/json", `{"error": "unterminated`, "Bad Request", 400},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := hostileServe(t, tc.status, tc.ctype, tc.body)
			_, _, err := c.PluginResultJobs.Get(context.Background(), 5)
			var na *NoAPIError
			if tc.status == 404 {
				// This server answers everything, its API root too, with
				// that page: no Torrent Server API is there.
				require.ErrorAs(t, err, &na)
				err = na.Answer
			}
			var ae *APIError
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, tc.status, ae.StatusCode)
			if tc.message != "" {
				assert.Equal(t, tc.message, ae.Message)
			}
			assert.LessOrEqual(t, len(ae.Message), maxMessage+len("…"))
			assert.LessOrEqual(t, len(ae.Body), maxSnippet+len("…"))
			assert.Less(t, len(ae.Error()), 2048)
		})
	}
}

func TestHostileManyFieldErrors(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"error": {`)
	for i := 0; i < 500; i++ {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `"field%03d": ["one", "two", "three", "4", "5", "6", "7", "8", "9", "10", "11", "12"]`, i)
	}
	b.WriteString(`}}`)
	c, _ := hostileServe(t, 400, "application/json", b.String())
	c2 := newTestClient(t, c.BaseURL().String(), WithMaxResponseBytes(1<<20))
	_, _, err := c2.PluginResultJobs.Get(context.Background(), 5)
	var ae *APIError
	require.ErrorAs(t, err, &ae)
	assert.Len(t, ae.FieldErrors, 500, "every field error is kept")
	assert.Len(t, ae.FieldErrors["field499"], 12)
	msg := ae.Error()
	assert.Less(t, len(msg), 4096, "Error() stays readable")
	assert.Contains(t, msg, "and 490 more fields")
	assert.Contains(t, msg, "and 2 more")
}

func TestHostileHugeBadValueKeepsErrorShort(t *testing.T) {
	c, _ := hostileServe(t, 200, "application/json", `{"id": 5, "starttime": "`+strings.Repeat("9", 900)+`"}`)
	_, _, err := c.PluginResultJobs.Get(context.Background(), 5)
	assert.ErrorIs(t, err, ErrDecode)
	assert.Less(t, len(err.Error()), 1024)
}
