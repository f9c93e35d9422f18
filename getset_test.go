package tsapi

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tsapi-go/tsapi/internal/refserver"
)

func TestGetSetSplitsLongIDLists(t *testing.T) {
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		line := len(r.Method) + 1 + len(r.URL.RequestURI()) + len(" HTTP/1.1")
		if line > MaxRequestLine {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		set := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/rundb/api/v1/PluginResultJob/set/"), "/")
		ans := map[string]any{"objects": []any{}, "not_found": []string{}}
		for _, p := range strings.Split(set, ";") {
			id, _ := strconv.ParseInt(p, 10, 64)
			if id%100 == 0 {
				ans["not_found"] = append(ans["not_found"].([]string), p)
				continue
			}
			ans["objects"] = append(ans["objects"].([]any), map[string]any{"id": id, "state": "Queued", "config": map[string]any{}})
		}
		json.NewEncoder(w).Encode(ans)
	}))
	defer srv.Close()
	c := newTestClient(t, srv.URL)
	var ids []int64
	for i := range 1200 {
		ids = append(ids, int64(1000000+i))
	}
	ids = append(ids, ids[0]) // a repeat is asked once
	jobs, missing, _, err := c.PluginResultJobs.GetSet(context.Background(), ids...)
	require.NoError(t, err)
	assert.Greater(t, requests.Load(), int32(1))
	assert.Len(t, missing, 12)
	require.Len(t, jobs, 1188)
	for i := 1; i < len(jobs); i++ {
		require.Less(t, jobs[i-1].ID, jobs[i].ID, "in the order asked")
	}
}

func TestGetSetRequestLineAtGunicornsLimit(t *testing.T) {
	// A server that refuses request lines over 4094 bytes, as gunicorn
	// does. 505 ids of 7 digits with a base path of m letters make one
	// line of exactly 4094 bytes (one request), or 4095 (two).
	var mu sync.Mutex
	var lines []int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		line := len(r.Method) + 1 + len(r.RequestURI) + len(" HTTP/1.1")
		mu.Lock()
		lines = append(lines, line)
		mu.Unlock()
		if line > 4094 {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		_, set, _ := strings.Cut(r.URL.Path, "/set/")
		var objs []any
		for _, p := range strings.Split(strings.TrimSuffix(set, "/"), ";") {
			id, _ := strconv.ParseInt(p, 10, 64)
			objs = append(objs, map[string]any{"id": id, "state": "Queued", "config": map[string]any{}})
		}
		json.NewEncoder(w).Encode(map[string]any{"objects": objs, "not_found": []string{}})
	}))
	defer srv.Close()
	var ids []int64
	for i := range 505 {
		ids = append(ids, int64(1000000+i))
	}
	fixed := len("GET ") + len("/rundb/api/v1/PluginResultJob/set/") + len("/ HTTP/1.1")
	for extra, requests := range []int{1, 2} {
		m := MaxRequestLine + extra - fixed - (505*8 - 1) - 1
		c := newTestClient(t, srv.URL+"/"+strings.Repeat("p", m))
		mu.Lock()
		lines = nil
		mu.Unlock()
		jobs, missing, _, err := c.PluginResultJobs.GetSet(context.Background(), ids...)
		require.NoError(t, err, "line of %d", MaxRequestLine+extra)
		assert.Len(t, jobs, 505)
		assert.Empty(t, missing)
		mu.Lock()
		assert.Len(t, lines, requests, "a line of %d bytes", MaxRequestLine+extra)
		assert.LessOrEqual(t, slices.Max(lines), 4094)
		if extra == 0 {
			assert.Equal(t, 4094, lines[0], "the whole line is counted, to the byte")
		}
		mu.Unlock()
	}
}

func TestGetSetAtTheReferenceServersLimit(t *testing.T) {
	// The reference server runs under gunicorn, as many Torrent Servers'
	// API does: a 4095-byte request line gets a bare 400 there. 576 ids of
	// 6 digits and 2 of 7 make a line of 4095 bytes unsplit.
	base := refserver.Lock(t)
	c := newTestClient(t, base, WithBasicAuth("ionadmin", "ionadmin"))
	var ids []int64
	for i := range 576 {
		ids = append(ids, int64(100000+i))
	}
	ids = append(ids, 1000000, 1000001)
	line := len("GET /rundb/api/v1/PluginResultJob/set/") + 7*576 + 8*2 - 1 + len("/ HTTP/1.1")
	require.Equal(t, 4095, line)
	jobs, missing, _, err := c.PluginResultJobs.GetSet(context.Background(), ids...)
	require.NoError(t, err)
	assert.Empty(t, jobs)
	assert.Len(t, missing, len(ids))
}
