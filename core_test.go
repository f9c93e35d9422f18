package tsapi

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tsapi-go/tsapi/internal/refserver"
)

func TestPagesCallerMayReorderAndTrimObjects(t *testing.T) {
	s := newPageServer(t, 50)
	c := newTestClient(t, s.srv.URL)
	opts := &PluginResultJobListOptions{ListOptions: ListOptions{Limit: 10}}
	seen := map[int64]bool{}
	pages := 0
	for page, err := range c.PluginResultJobs.Pages(context.Background(), opts) {
		require.NoError(t, err)
		for _, j := range page.Objects {
			assert.False(t, seen[j.ID], "job %d twice", j.ID)
			seen[j.ID] = true
		}
		// Sorting and trimming in place must not move the cursor.
		slices.SortFunc(page.Objects, func(a, b *PluginResultJob) int { return int(a.ID - b.ID) })
		page.Objects = page.Objects[:1]
		pages++
		require.Less(t, pages, 10, "iteration loops")
	}
	assert.Len(t, seen, 50)
	assert.Len(t, s.requests, 5)
}

func TestKeysetGivesTheTrueTotalOnEveryPage(t *testing.T) {
	s := newPageServer(t, 50)
	c := newTestClient(t, s.srv.URL)
	for _, conc := range []int{1, DefaultConcurrency} {
		i := 0
		for page, err := range c.PluginResultJobs.Pages(context.Background(), &PluginResultJobListOptions{ListOptions: ListOptions{Limit: 10, Concurrency: conc}}) {
			require.NoError(t, err)
			assert.Equal(t, 50, page.Meta.TotalCount, "concurrency %d, page %d", conc, i)
			assert.Equal(t, 10*i, page.Meta.Offset, "concurrency %d, page %d", conc, i)
			assert.GreaterOrEqual(t, page.Response.Meta.TotalCount, len(page.Objects), "the server's own meta is kept on the Response")
			if conc == 1 {
				assert.Equal(t, 50-10*i, page.Response.Meta.TotalCount, "the server's own count is kept on the Response")
			}
			i++
		}
		assert.Equal(t, 5, i, "concurrency %d", conc)
	}
}

func TestKeysetWithLimitOneOnAResourceListedOldestFirst(t *testing.T) {
	s := newPageServer(t, 5)
	s.oldest = true
	c := newTestClient(t, s.srv.URL)
	jobs, err := c.PluginResultJobs.Collect(context.Background(), &PluginResultJobListOptions{ListOptions: ListOptions{Limit: 1}}, 100)
	require.NoError(t, err)
	var ids []int64
	for _, j := range jobs {
		ids = append(ids, j.ID)
	}
	assert.Equal(t, []int64{1, 2, 3, 4, 5}, ids)

	// Newest first with Limit 1: a request for two objects confirms the
	// order, then keyset paging takes over below the first object; no
	// offset is ever sent.
	s2 := newPageServer(t, 5)
	c2 := newTestClient(t, s2.srv.URL)
	jobs, err = c2.PluginResultJobs.Collect(context.Background(), &PluginResultJobListOptions{ListOptions: ListOptions{Limit: 1, Concurrency: 1}}, 100)
	require.NoError(t, err)
	assert.Len(t, jobs, 5)
	assert.Equal(t, "2", s2.requests[1].Get("limit"))
	assert.Equal(t, "5", s2.requests[2].Get("id__lt"))
	for _, q := range s2.requests {
		assert.Empty(t, q.Get("offset"))
	}

	// The same with pages in flight: every job once, newest first.
	s3 := newPageServer(t, 5)
	c3 := newTestClient(t, s3.srv.URL)
	jobs, err = c3.PluginResultJobs.Collect(context.Background(), &PluginResultJobListOptions{ListOptions: ListOptions{Limit: 1}}, 100)
	require.NoError(t, err)
	ids = ids[:0]
	for _, j := range jobs {
		ids = append(ids, j.ID)
	}
	assert.Equal(t, []int64{5, 4, 3, 2, 1}, ids)
}

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

func TestTimeFiltersKeepSubSecondPrecision(t *testing.T) {
	c := newTestClient(t, "http://ts.example")
	at := time.Date(2017, 8, 9, 20, 26, 3, 549123000, time.UTC)
	q, err := c.PluginResultJobs.(*PluginResultJobServiceOp).Query(&PluginResultJobListOptions{StartTimeLte: &at, EndTimeGte: &at})
	require.NoError(t, err)
	assert.Equal(t, "2017-08-09T20:26:03.549123Z", q.Get("starttime__lte"))
	assert.Equal(t, "2017-08-09T20:26:03.549123Z", q.Get("endtime__gte"))
}

func TestDoChecksFiltersOfKnownListURLs(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	c := newTestClient(t, srv.URL)
	ctx := context.Background()
	for _, req := range []*Request{
		{Method: http.MethodGet, Path: "PluginResultJob/", Query: url.Values{"plugin_result": {"5"}}},
		{Method: http.MethodDelete, Path: "PluginResultJob/?plugin_result=5"},
		{Method: http.MethodDelete, Path: "/rundb/api/v1/PluginResultJob/"},
		{Method: http.MethodDelete, Path: "results/"},
		{Method: http.MethodPut, Path: "pluginresult/?limit=5"},
		{Method: http.MethodGet, Path: "pluginresult/", Query: url.Values{"order_by": {"pluginName"}}},
	} {
		_, err := c.Do(ctx, req, nil)
		assert.ErrorIs(t, err, ErrInvalidOption, "%s %s %v", req.Method, req.Path, req.Query)
	}
	assert.Zero(t, hits.Load(), "nothing was sent")

	// Known filters, detail URLs and other resources go through.
	for _, req := range []*Request{
		{Method: http.MethodDelete, Path: "PluginResultJob/", Query: url.Values{"state": {"Error"}}},
		{Method: http.MethodDelete, Path: "PluginResultJob/4/"},
		{Method: http.MethodGet, Path: "results/", Query: url.Values{"status": {"Completed"}}},
	} {
		_, err := c.Do(ctx, req, nil)
		assert.NoError(t, err, "%s %s", req.Method, req.Path)
	}
	assert.Equal(t, int32(3), hits.Load())
}

func TestOptionsAreTyped(t *testing.T) {
	// A value or another resource's options do not compile; what remains
	// to check is that options embedded by value reach the query.
	c := newTestClient(t, "http://ts.example")
	q, err := c.PluginResultJobs.(*PluginResultJobServiceOp).Query(&PluginResultJobListOptions{
		State:       StateError,
		ListOptions: ListOptions{Filters: url.Values{"run_level": {"block"}}},
	})
	require.NoError(t, err)
	assert.Equal(t, url.Values{"state": {"Error"}, "run_level": {"block"}}, q)
	_, err = c.PluginResultJobs.DeleteAllMatching(context.Background(), &PluginResultJobListOptions{
		ListOptions: ListOptions{Filters: url.Values{"plugin_result": {"5"}}},
	})
	assert.ErrorIs(t, err, ErrInvalidOption)
}

// fakeJobs stands in for the job service, as a user's test would.
type fakeJobs struct {
	PluginResultJobService
	states []JobState
}

func (f *fakeJobs) SetState(_ context.Context, _ int64, s JobState) (*Response, error) {
	f.states = append(f.states, s)
	return &Response{}, nil
}

func TestServicesCanBeSubstituted(t *testing.T) {
	c := newTestClient(t, "http://ts.example")
	fake := &fakeJobs{}
	c.PluginResultJobs = fake
	_, err := c.PluginResultJobs.SetState(context.Background(), 3, StateCompleted)
	require.NoError(t, err)
	assert.Equal(t, []JobState{StateCompleted}, fake.states)
}

func TestWriteTypesNeverCarryTheKeyOrTheIDs(t *testing.T) {
	var pr PluginResult
	require.NoError(t, json.Unmarshal([]byte(`{"id": 3, "apikey": "k3y", "size": "12", "inodes": "3",
		"store": {"a": "1.5"}, "validation_errors": {"validation_errors": []}, "resource_uri": "/rundb/api/v1/pluginresult/3/"}`), &pr))
	b, err := writeBody(pr.ToPatch())
	require.NoError(t, err)
	assert.JSONEq(t, `{"store": {"a": "1.5"}, "validation_errors": {"validation_errors": []}, "size": 12, "inodes": 3}`, string(b))
	var j PluginResultJob
	require.NoError(t, json.Unmarshal([]byte(`{"id": 9, "state": "Started", "starttime": "2017-08-09T20:26:03.000549+00:00",
		"config": {"x": 1}, "run_level": "pre", "resource_uri": "/rundb/api/v1/PluginResultJob/9/"}`), &j))
	b, err = writeBody(j.ToWrite())
	require.NoError(t, err)
	assert.JSONEq(t, `{"grid_engine_jobid": null, "state": "Started", "starttime": "2017-08-09T20:26:03.549000+00:00",
		"endtime": null, "config": {"x": 1}, "run_level": "pre"}`, string(b))
	// The conversion copies: changing the write type leaves the job alone.
	w := j.ToWrite()
	w.StartTime.Time = w.StartTime.Add(time.Hour)
	assert.Equal(t, 20, j.StartTime.Hour())
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
