package tsapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pageServer serves PluginResultJob lists the way tastypie does: newest
// first, limit capped at 1000 (0 means 1000), a relative next link that
// repeats every query parameter, null at the end. It filters on id__lt,
// id__gt and state. between runs before each page request is answered.
type pageServer struct {
	mu       sync.Mutex
	ids      []int64 // ascending
	nextID   int64
	requests []url.Values
	between  func(s *pageServer, request int)
	nextHook func(next string) string
	oldest   bool // list oldest first
	srv      *httptest.Server
}

func newPageServer(t *testing.T, n int) *pageServer {
	s := &pageServer{}
	for i := 1; i <= n; i++ {
		s.ids = append(s.ids, int64(i))
	}
	s.nextID = int64(n) + 1
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *pageServer) insert(k int) {
	for range k {
		s.ids = append(s.ids, s.nextID)
		s.nextID++
	}
}

func (s *pageServer) remove(id int64) {
	s.ids = slices.DeleteFunc(s.ids, func(x int64) bool { return x == id })
}

func (s *pageServer) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.URL.Path != "/rundb/api/v1/PluginResultJob/" {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	q := r.URL.Query()
	s.requests = append(s.requests, q)
	if s.between != nil {
		s.between(s, len(s.requests))
	}
	var match []int64
	for k := range s.ids {
		i := len(s.ids) - 1 - k
		if s.oldest {
			i = k
		}
		id := s.ids[i]
		if v := q.Get("id__lt"); v != "" {
			if lt, _ := strconv.ParseInt(v, 10, 64); id >= lt {
				continue
			}
		}
		if v := q.Get("id__gt"); v != "" {
			if gt, _ := strconv.ParseInt(v, 10, 64); id <= gt {
				continue
			}
		}
		if v := q.Get("id__gte"); v != "" {
			if gte, _ := strconv.ParseInt(v, 10, 64); id < gte {
				continue
			}
		}
		if v := q.Get("state"); v != "" && v != stateFor(id) {
			continue
		}
		match = append(match, id)
	}
	limit := 20
	if v := q.Get("limit"); v != "" {
		limit, _ = strconv.Atoi(v)
	}
	if limit == 0 || limit > 1000 {
		limit = 1000
	}
	offset, _ := strconv.Atoi(q.Get("offset"))
	end := min(offset+limit, len(match))
	page := []map[string]any{}
	if offset < len(match) {
		for _, id := range match[offset:end] {
			page = append(page, map[string]any{
				"id": id, "state": stateFor(id), "config": map[string]any{}, "run_level": "default",
				"grid_engine_jobid": nil, "starttime": nil, "endtime": nil,
				"resource_uri": fmt.Sprintf("/rundb/api/v1/PluginResultJob/%d/", id),
			})
		}
	}
	var next any
	if offset+limit < len(match) {
		nq := url.Values{}
		for k, v := range q {
			nq[k] = v
		}
		nq.Set("offset", strconv.Itoa(offset+limit))
		nq.Set("limit", strconv.Itoa(limit))
		n := r.URL.Path + "?" + nq.Encode()
		if s.nextHook != nil {
			n = s.nextHook(n)
		}
		next = n
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"meta": map[string]any{
			"limit": limit, "offset": offset, "total_count": len(match), "next": next, "previous": nil,
		},
		"objects": page,
	})
}

func stateFor(id int64) string {
	if id%3 == 0 {
		return "Completed"
	}
	return "Queued"
}

func (s *pageServer) requestCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.requests)
}

func collectIDs(t *testing.T, c *Client, opts *PluginResultJobListOptions) ([]int64, error) {
	t.Helper()
	var ids []int64
	for j, err := range c.PluginResultJobs.All(context.Background(), opts) {
		if err != nil {
			return ids, err
		}
		ids = append(ids, j.ID)
	}
	return ids, nil
}

func descending(from, to int64) []int64 {
	var out []int64
	for i := from; i >= to; i-- {
		out = append(out, i)
	}
	return out
}

func TestIterationYieldsEveryJobOnceInOrder(t *testing.T) {
	for _, mode := range []PagingMode{PagingAuto, PagingKeyset, PagingOffset} {
		t.Run(fmt.Sprint(mode), func(t *testing.T) {
			s := newPageServer(t, 3500)
			c := newTestClient(t, s.srv.URL)
			ids, err := collectIDs(t, c, &PluginResultJobListOptions{ListOptions: ListOptions{Paging: mode}})
			require.NoError(t, err)
			assert.Equal(t, descending(3500, 1), ids)
			assert.Equal(t, 4, s.requestCount(), "pages of the server's max_limit")
		})
	}
}

func TestIterationWithSmallPagesAndFilter(t *testing.T) {
	s := newPageServer(t, 250)
	c := newTestClient(t, s.srv.URL)
	opts := &PluginResultJobListOptions{ListOptions: ListOptions{Limit: 7, Paging: PagingOffset}, State: StateCompleted}
	ids, err := collectIDs(t, c, opts)
	require.NoError(t, err)
	var want []int64
	for id := int64(250); id >= 1; id-- {
		if id%3 == 0 {
			want = append(want, id)
		}
	}
	assert.Equal(t, want, ids)
	for _, q := range s.requests {
		assert.Equal(t, "Completed", q.Get("state"), "the filter is repeated on every page")
	}
	assert.Equal(t, 7, opts.Limit, "options are never changed")
	assert.Zero(t, opts.Offset)
	assert.Nil(t, opts.Filters)
}

func TestLimitZeroStillIteratesEverything(t *testing.T) {
	// The server reads limit=0 as 1000, not "everything".
	s := newPageServer(t, 2001)
	c := newTestClient(t, s.srv.URL)
	ids, err := collectIDs(t, c, &PluginResultJobListOptions{})
	require.NoError(t, err)
	assert.Len(t, ids, 2001)
	jobs, resp, err := c.PluginResultJobs.List(context.Background(), &PluginResultJobListOptions{ListOptions: ListOptions{Limit: 5000}})
	require.NoError(t, err)
	assert.Len(t, jobs, 1000)
	assert.Equal(t, 1000, resp.Meta.Limit)
	assert.Equal(t, 2001, resp.Meta.TotalCount)
	assert.NotEmpty(t, resp.Meta.Next)
}

func TestBreakStopsRequests(t *testing.T) {
	for _, conc := range []int{1, DefaultConcurrency} {
		t.Run(fmt.Sprintf("concurrency %d", conc), func(t *testing.T) {
			s := newPageServer(t, 3000)
			c, sent := newCountingClient(t, s.srv.URL)
			n := 0
			opts := &PluginResultJobListOptions{ListOptions: ListOptions{Limit: 100, Concurrency: conc}}
			for _, err := range c.PluginResultJobs.All(context.Background(), opts) {
				require.NoError(t, err)
				n++
				if n == 150 {
					break
				}
			}
			after := int(sent.Load())
			if conc == 1 {
				assert.Equal(t, 2, after)
			} else {
				// The first page, the one read, and the pages held ahead.
				assert.LessOrEqual(t, after, 1+1+maxHeldPages(conc)+1)
			}
			time.Sleep(50 * time.Millisecond)
			assert.Equal(t, after, int(sent.Load()), "no request after the loop broke")
		})
	}
}

func TestCancelledContextStopsIteration(t *testing.T) {
	for _, conc := range []int{1, DefaultConcurrency} {
		t.Run(fmt.Sprintf("concurrency %d", conc), func(t *testing.T) {
			s := newPageServer(t, 3000)
			c := newTestClient(t, s.srv.URL)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			n, errs := 0, 0
			var last error
			opts := &PluginResultJobListOptions{ListOptions: ListOptions{Limit: 100, Concurrency: conc}}
			for _, err := range c.PluginResultJobs.All(ctx, opts) {
				if err != nil {
					last = err
					errs++
					continue
				}
				n++
				if n == 100 {
					cancel()
				}
			}
			assert.ErrorIs(t, last, context.Canceled, "a cancelled iteration never looks complete")
			assert.Equal(t, 1, errs, "the error is yielded once")
			assert.Equal(t, 100, n)
			assert.Equal(t, 1, s.requestCount())
		})
	}
}

func TestCancelDuringConcurrentPagesIsAnError(t *testing.T) {
	// The caller's ctx ends while range requests are in flight: the
	// iteration ends with ctx's error, never as if it were complete.
	s := newPageServer(t, 3000)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s.between = func(_ *pageServer, n int) {
		if n == 3 {
			cancel()
		}
	}
	c := newTestClient(t, s.srv.URL)
	n := 0
	var last error
	for _, err := range c.PluginResultJobs.All(ctx, &PluginResultJobListOptions{ListOptions: ListOptions{Limit: 100}}) {
		if err != nil {
			last = err
			break
		}
		n++
	}
	assert.ErrorIs(t, last, context.Canceled)
	assert.Less(t, n, 3000)
}

func TestRepeatedNextIsDetected(t *testing.T) {
	s := newPageServer(t, 50)
	s.nextHook = func(string) string { return "/rundb/api/v1/PluginResultJob/?limit=10&offset=10" }
	c := newTestClient(t, s.srv.URL)
	ids, err := collectIDs(t, c, &PluginResultJobListOptions{ListOptions: ListOptions{Limit: 10, Paging: PagingOffset}})
	assert.ErrorIs(t, err, ErrPagination)
	assert.ErrorContains(t, err, "repeated")
	assert.Len(t, ids, 20)
	assert.Equal(t, 2, s.requestCount())
}

func TestForeignNextIsRefused(t *testing.T) {
	s := newPageServer(t, 50)
	s.nextHook = func(n string) string { return "http://elsewhere.example.net" + n }
	c := newTestClient(t, s.srv.URL)
	_, err := collectIDs(t, c, &PluginResultJobListOptions{ListOptions: ListOptions{Limit: 10, Paging: PagingOffset}})
	assert.ErrorIs(t, err, ErrPagination)
	assert.ErrorContains(t, err, "another server")
	assert.Equal(t, 1, s.requestCount())
}

// TestKeysetIsConsistentUnderConcurrentChanges inserts new jobs and deletes
// old ones between page requests: keyset iteration yields every job that
// existed throughout exactly once, while offset paging does not.
func TestKeysetIsConsistentUnderConcurrentChanges(t *testing.T) {
	const n = 2500
	churn := func(s *pageServer, request int) {
		if request == 1 {
			return
		}
		s.insert(37) // newer jobs arrive at the head of the list
		// Delete some jobs not yet listed and some already listed.
		for _, id := range []int64{int64(request * 11), int64(n - request*13), int64(request * 101)} {
			s.remove(id)
		}
	}
	run := func(mode PagingMode) (ids []int64, stable map[int64]bool) {
		s := newPageServer(t, n)
		s.between = churn
		c := newTestClient(t, s.srv.URL)
		got, err := collectIDs(t, c, &PluginResultJobListOptions{ListOptions: ListOptions{Limit: 200, Paging: mode}})
		require.NoError(t, err)
		// Jobs that existed for the whole iteration: the original ones
		// still there at the end.
		stable = map[int64]bool{}
		s.mu.Lock()
		for _, id := range s.ids {
			if id <= n {
				stable[id] = true
			}
		}
		s.mu.Unlock()
		return got, stable
	}

	ids, stable := run(PagingAuto)
	seen := map[int64]int{}
	for _, id := range ids {
		seen[id]++
	}
	dups, skips := 0, 0
	for id, k := range seen {
		if k > 1 {
			dups++
			t.Errorf("job %d yielded %d times", id, k)
		}
	}
	for id := range stable {
		if seen[id] == 0 {
			skips++
			t.Errorf("job %d existed throughout but was skipped", id)
		}
	}
	assert.Zero(t, dups)
	assert.Zero(t, skips)
	assert.True(t, slices.IsSortedFunc(ids, func(a, b int64) int { return int(b - a) }), "newest first")

	// The same churn breaks offset paging, which is why keyset is the default.
	offIDs, offStable := run(PagingOffset)
	offSeen := map[int64]int{}
	for _, id := range offIDs {
		offSeen[id]++
	}
	bad := 0
	for id := range offStable {
		if offSeen[id] != 1 {
			bad++
		}
	}
	assert.Positive(t, bad, "offset paging duplicates or skips under churn")
}

func TestKeysetFallsBackWhenOrderIsNotDescending(t *testing.T) {
	// A server listing oldest first: keyset cannot work, offsets are used.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		offset, _ := strconv.Atoi(r.URL.Query().Get("offset"))
		var objs []map[string]any
		for i := offset; i < min(offset+10, 25); i++ {
			objs = append(objs, map[string]any{"id": i + 1, "state": "Queued", "config": map[string]any{}, "run_level": "pre"})
		}
		var next any
		if offset+10 < 25 {
			next = fmt.Sprintf("%s?limit=10&offset=%d", r.URL.Path, offset+10)
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"meta": map[string]any{"limit": 10, "offset": offset, "total_count": 25, "next": next}, "objects": objs})
	}))
	defer srv.Close()
	c := newTestClient(t, srv.URL)
	ids, err := collectIDs(t, c, &PluginResultJobListOptions{ListOptions: ListOptions{Limit: 10}})
	require.NoError(t, err)
	require.Len(t, ids, 25)
	assert.Equal(t, int64(1), ids[0])
	assert.Equal(t, int64(25), ids[24])
}

func TestPagesExposeMeta(t *testing.T) {
	s := newPageServer(t, 45)
	c := newTestClient(t, s.srv.URL)
	var sizes []int
	for page, err := range c.PluginResultJobs.Pages(context.Background(), &PluginResultJobListOptions{ListOptions: ListOptions{Limit: 20, Paging: PagingOffset}}) {
		require.NoError(t, err)
		sizes = append(sizes, len(page.Objects))
		assert.Equal(t, 45, page.Meta.TotalCount)
		assert.Equal(t, 20, page.Meta.Limit)
		assert.NotNil(t, page.Response)
	}
	assert.Equal(t, []int{20, 20, 5}, sizes)

	n, _, err := c.PluginResultJobs.Count(context.Background(), nil)
	require.NoError(t, err)
	assert.Equal(t, 45, n)
}

func TestCollectCap(t *testing.T) {
	s := newPageServer(t, 120)
	c := newTestClient(t, s.srv.URL)
	jobs, err := c.PluginResultJobs.Collect(context.Background(), &PluginResultJobListOptions{ListOptions: ListOptions{Limit: 50}}, 100)
	assert.ErrorIs(t, err, ErrTooMany)
	assert.Len(t, jobs, 100)
	jobs, err = c.PluginResultJobs.Collect(context.Background(), nil, 120)
	require.NoError(t, err)
	assert.Len(t, jobs, 120)
	_, err = c.PluginResultJobs.Collect(context.Background(), nil, 0)
	assert.ErrorIs(t, err, ErrInvalidOption)
}

func TestErrorMidIterationIsYieldedOnce(t *testing.T) {
	s := newPageServer(t, 100)
	s.nextHook = func(n string) string { return "/rundb/api/v1/Nope/" }
	c := newTestClient(t, s.srv.URL)
	var errs []error
	n := 0
	for j, err := range c.PluginResultJobs.All(context.Background(), &PluginResultJobListOptions{ListOptions: ListOptions{Limit: 10, Paging: PagingOffset}}) {
		if err != nil {
			errs = append(errs, err)
			assert.Nil(t, j)
			continue
		}
		n++
	}
	require.Len(t, errs, 1)
	assert.ErrorIs(t, errs[0], ErrNotFound)
	assert.Equal(t, 10, n)
}

func TestKeysetYieldsRepeatedRowsOnce(t *testing.T) {
	// Filtering through a to-many relation makes the server repeat an
	// object once per matching related row.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rows := []int64{9, 9, 7, 5, 5, 5, 2}
		lt, _ := strconv.ParseInt(r.URL.Query().Get("id__lt"), 10, 64)
		gte, _ := strconv.ParseInt(r.URL.Query().Get("id__gte"), 10, 64)
		var objs []map[string]any
		for _, id := range rows {
			if (lt == 0 || id < lt) && id >= gte {
				objs = append(objs, map[string]any{"id": id, "state": "Queued", "config": map[string]any{}, "run_level": "pre"})
			}
		}
		var next any
		if len(objs) > 3 {
			objs = objs[:3]
			next = r.URL.Path + "?limit=3&offset=3"
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"meta": map[string]any{"limit": 3, "total_count": len(rows), "next": next}, "objects": objs})
	}))
	defer srv.Close()
	c := newTestClient(t, srv.URL)
	for _, conc := range []int{1, DefaultConcurrency} {
		ids, err := collectIDs(t, c, &PluginResultJobListOptions{ListOptions: ListOptions{Limit: 3, Concurrency: conc}})
		require.NoError(t, err)
		assert.Equal(t, []int64{9, 7, 5, 2}, ids, "concurrency %d", conc)
	}
}

func TestWaitTerminalStopsWithTheContext(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"id": 3, "state": "Started", "config": {}, "run_level": "pre"}`)
	}))
	defer srv.Close()
	c := newTestClient(t, srv.URL)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	j, err := c.PluginResultJobs.WaitTerminal(ctx, 3, 5*time.Millisecond)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	require.NotNil(t, j)
	assert.Equal(t, StateStarted, j.State)
	_, err = c.PluginResultJobs.WaitTerminal(context.Background(), 3, 0)
	assert.ErrorIs(t, err, ErrInvalidOption)
}

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
