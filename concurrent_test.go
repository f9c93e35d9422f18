package tsapi

import (
	"context"
	"io"
	"iter"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"weak"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestConcurrentIterationYieldsEveryJobOnceInOrder(t *testing.T) {
	for _, n := range []int{2, 4, 8} {
		s := newPageServer(t, 3500)
		c := newTestClient(t, s.srv.URL, WithConcurrency(n))
		ids, err := collectIDs(t, c, &PluginResultJobListOptions{ListOptions: ListOptions{Limit: 100}})
		require.NoError(t, err)
		assert.Equal(t, descending(3500, 1), ids, "concurrency %d", n)
	}
	// The per-call option overrides the client's.
	s := newPageServer(t, 500)
	c := newTestClient(t, s.srv.URL)
	ids, err := collectIDs(t, c, &PluginResultJobListOptions{ListOptions: ListOptions{Limit: 50, Concurrency: 4}})
	require.NoError(t, err)
	assert.Equal(t, descending(500, 1), ids)
	lower := 0
	for _, q := range s.requests {
		if q.Get("id__gte") != "" {
			lower++
		}
	}
	assert.Positive(t, lower, "ranges were paged")
}

func TestConcurrentIterationIsConsistentUnderChurn(t *testing.T) {
	const n = 2500
	s := newPageServer(t, n)
	s.between = func(s *pageServer, request int) {
		if request == 1 {
			return
		}
		s.insert(37)
		for _, id := range []int64{int64(request * 11), int64(n - request*13), int64(request * 101)} {
			s.remove(id)
		}
	}
	c := newTestClient(t, s.srv.URL, WithConcurrency(4))
	ids, err := collectIDs(t, c, &PluginResultJobListOptions{ListOptions: ListOptions{Limit: 100}})
	require.NoError(t, err)
	seen := map[int64]int{}
	for _, id := range ids {
		seen[id]++
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	dups, skips := 0, 0
	for id, k := range seen {
		if k > 1 {
			dups++
			t.Errorf("job %d yielded %d times", id, k)
		}
	}
	for _, id := range s.ids {
		if id <= n && seen[id] == 0 {
			skips++
			t.Errorf("job %d existed throughout but was skipped", id)
		}
	}
	assert.Zero(t, dups)
	assert.Zero(t, skips)
	assert.True(t, slices.IsSortedFunc(ids, func(a, b int64) int { return int(b - a) }), "newest first")
	assert.Greater(t, len(s.requests), 20)
}

func TestConcurrentIterationWithSparseMatches(t *testing.T) {
	// Two matching jobs far below a dense first page.
	s := newPageServer(t, 5000)
	s.mu.Lock()
	s.ids = append([]int64{3, 17}, s.ids[4000:]...)
	s.mu.Unlock()
	c := newTestClient(t, s.srv.URL, WithConcurrency(4))
	ids, err := collectIDs(t, c, &PluginResultJobListOptions{ListOptions: ListOptions{Limit: 100}})
	require.NoError(t, err)
	assert.Len(t, ids, 1002)
	assert.Equal(t, []int64{17, 3}, ids[1000:])
	assert.LessOrEqual(t, len(s.requests), 1+maxRanges*4+20, "bounded number of requests")
}

func TestConcurrentIterationBreakStopsEverything(t *testing.T) {
	s := newPageServer(t, 5000)
	c, sent := newCountingClient(t, s.srv.URL, WithConcurrency(4))
	n := 0
	for _, err := range c.PluginResultJobs.All(context.Background(), &PluginResultJobListOptions{ListOptions: ListOptions{Limit: 100}}) {
		require.NoError(t, err)
		if n++; n == 250 {
			break
		}
	}
	after := int(sent.Load())
	time.Sleep(100 * time.Millisecond)
	assert.Equal(t, after, int(sent.Load()), "no request after the loop ended")
	// The first page, the three range pages the loop read, and the pages
	// held ahead of the caller.
	assert.LessOrEqual(t, after, 1+3+maxHeldPages(4)+1, "the first page, the pages read and the pages held")
}

func TestConcurrentIterationBuffersAFixedNumberOfPages(t *testing.T) {
	// A caller that stops reading after the first range's page: the
	// workers fetch pages until the held pages are full, then wait;
	// nothing more is fetched however long the caller takes.
	s := newPageServer(t, 5000)
	c := newTestClient(t, s.srv.URL)
	next, stop := iter.Pull2(c.PluginResultJobs.Pages(context.Background(), &PluginResultJobListOptions{ListOptions: ListOptions{Limit: 100}}))
	defer stop()
	_, err, ok := next()
	require.True(t, ok)
	require.NoError(t, err)
	_, err, ok = next() // the first range's page: the others start too
	require.True(t, ok)
	require.NoError(t, err)
	time.Sleep(200 * time.Millisecond)
	held := s.requestCount()
	time.Sleep(200 * time.Millisecond)
	assert.Equal(t, held, s.requestCount(), "no request while the caller does not read")
	// The first page, the range page read, and at most
	// maxHeldPages pages held ahead of the
	// caller, with one more for the range the caller reads.
	assert.LessOrEqual(t, held, 1+1+maxHeldPages(DefaultConcurrency)+1)
}

func TestConcurrentIterationYieldsTheFirstErrorOnce(t *testing.T) {
	var hits atomic.Int32
	s := newPageServer(t, 3000)
	inner := s.srv.Config.Handler
	s.srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hits.Add(1) == 4 {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		inner.ServeHTTP(w, r)
	})
	c := newTestClient(t, s.srv.URL, WithConcurrency(4))
	errs := 0
	for _, err := range c.PluginResultJobs.All(context.Background(), &PluginResultJobListOptions{ListOptions: ListOptions{Limit: 100}}) {
		if err != nil {
			errs++
			assert.ErrorIs(t, err, ErrBadRequest)
		}
	}
	assert.Equal(t, 1, errs)
}

func TestA503SlowsEveryRequestOfTheClient(t *testing.T) {
	var mu sync.Mutex
	var starts []time.Time
	var refusedAt time.Time
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		now := time.Now()
		mu.Lock()
		starts = append(starts, now)
		mu.Unlock()
		if n.Add(1) == 10 {
			mu.Lock()
			refusedAt = now
			mu.Unlock()
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		time.Sleep(5 * time.Millisecond)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"id": 1, "state": "Queued", "config": {}}`)
	}))
	defer srv.Close()
	c := newTestClient(t, srv.URL, WithRetry(3, time.Millisecond, time.Millisecond), WithMaxRetryAfter(400*time.Millisecond))
	// Four workers of one program, as concurrent iteration has.
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 15 {
				_, _, err := c.PluginResultJobs.Get(context.Background(), 1)
				assert.NoError(t, err)
			}
		}()
	}
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	held := 0
	for _, at := range starts {
		if d := at.Sub(refusedAt); d > 30*time.Millisecond && d < 350*time.Millisecond {
			held++
		}
	}
	assert.Zero(t, held, "no request of the client starts while it is held back after the 503")
}

func TestConcurrentIterationFollowsLinksWhenTheOrderIsNotNewestFirst(t *testing.T) {
	for _, limit := range []int{1, 50} {
		s := newPageServer(t, 120)
		s.oldest = true
		c := newTestClient(t, s.srv.URL, WithConcurrency(4))
		ids, err := collectIDs(t, c, &PluginResultJobListOptions{ListOptions: ListOptions{Limit: limit}})
		require.NoError(t, err)
		want := make([]int64, 120)
		for i := range want {
			want[i] = int64(i + 1)
		}
		assert.Equal(t, want, ids, "limit %d", limit)
	}
}

func TestWithConcurrencyNeedsAtLeastOne(t *testing.T) {
	for _, n := range []int{0, -1} {
		_, err := New("http://127.0.0.1:1", WithConcurrency(n))
		var ce *InvalidArgumentError
		assert.ErrorAs(t, err, &ce, "WithConcurrency(%d)", n)
	}
	c, err := New("http://127.0.0.1:1")
	require.NoError(t, err)
	assert.Equal(t, DefaultConcurrency, c.concurrency)
}

func TestASlowPageKeepsTheOtherRequestsInFlight(t *testing.T) {
	// The first range's page is held at the server; the other workers go
	// on with the ranges after it, keeping n requests in flight, until
	// maxHeldPages(n) pages are held (the slow one's place among
	// them). The slow page is let go only once the server has served
	// those other pages: a worker that waited behind it would never get
	// there, and the test would fail at its deadline.
	const n = 4
	s := newPageServer(t, 5000)
	inner := s.srv.Config.Handler
	var inFlight, maxInFlight, servedDuring atomic.Int32
	release := make(chan struct{})
	want := int32(maxHeldPages(n) - 1)
	s.srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		k := inFlight.Add(1)
		defer inFlight.Add(-1)
		for m := maxInFlight.Load(); k > m && !maxInFlight.CompareAndSwap(m, k); m = maxInFlight.Load() {
		}
		switch lt := r.URL.Query().Get("id__lt"); lt {
		case "": // the first page
		case "4901": // the first range, below the first page: held
			select {
			case <-release:
			case <-time.After(20 * time.Second):
			}
		default: // the other ranges' pages, all served before the slow one
			defer func() {
				if servedDuring.Add(1) == want {
					close(release)
				}
			}()
		}
		inner.ServeHTTP(w, r)
	})
	c := newTestClient(t, s.srv.URL, WithConcurrency(n))
	done := make(chan struct{})
	var ids []int64
	var err error
	go func() {
		defer close(done)
		ids, err = collectIDs(t, c, &PluginResultJobListOptions{ListOptions: ListOptions{Limit: 100}})
	}()
	select {
	case <-release:
	case <-time.After(15 * time.Second):
		t.Fatalf("behind the slow page the server served %d other pages, want %d", servedDuring.Load(), want)
	}
	<-done
	require.NoError(t, err)
	assert.Equal(t, descending(5000, 1), ids)
	assert.Equal(t, int32(n), maxInFlight.Load(), "never more than n in flight")
}

func TestConcurrentIterationLetsGoOfThePagesItYielded(t *testing.T) {
	// Memory stays bounded however many pages an iteration reads: a page
	// the caller has moved past is garbage once the caller drops it.
	s := newPageServer(t, 5000)
	c := newTestClient(t, s.srv.URL, WithConcurrency(4))
	var seen []weak.Pointer[Page[PluginResultJob]]
	alive := -1
	for page, err := range c.PluginResultJobs.Pages(context.Background(), &PluginResultJobListOptions{ListOptions: ListOptions{Limit: 50}}) {
		require.NoError(t, err)
		seen = append(seen, weak.Make(page))
		if len(seen) == 80 {
			runtime.GC()
			runtime.GC()
			alive = 0
			for _, w := range seen[:60] {
				if w.Value() != nil {
					alive++
				}
			}
		}
	}
	require.Len(t, seen, 100)
	assert.Zero(t, alive, "pages yielded long before are still reachable")
}
