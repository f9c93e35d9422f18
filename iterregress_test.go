package tsapi_test

import (
	"context"
	"iter"
	"net/http"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/tsapi-go/tsapi"
	"github.com/tsapi-go/tsapi/tsapitest"
)

// Hand-picked cases of the defects the iteration model found: each failed
// before the fix. The model (iterprop_test.go) is the proof; these keep the
// named cases.

// newJobsServer is a tsapitest server holding jobs 1..n, and an admin
// client for it with the given transport. The jobs up to 2n/3 are all
// Completed, above that one in five: a first page of Completed jobs is
// sparser than the ids below it, so that each range below it holds
// several pages.
func newJobsServer(t *testing.T, n int, rt http.RoundTripper) (*tsapitest.Server, *tsapi.Client) {
	t.Helper()
	srv := tsapitest.New(t)
	for i := 1; i <= n; i++ {
		state := "Queued"
		if i <= 2*n/3 || i%5 == 0 {
			state = "Completed"
		}
		srv.AddJob(tsapitest.Job{ID: int64(i), State: state})
	}
	opts := []tsapi.Option{tsapi.WithRetry(0, 0, 0)}
	if rt != nil {
		opts = append(opts, tsapi.WithTransport(rt))
	}
	c, err := srv.AdminClient(opts...)
	require.NoError(t, err)
	return srv, c
}

// within runs f and fails t if it has not returned after d.
func within(t *testing.T, d time.Duration, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("%s: no return after %s", what, d)
	}
}

func TestConcurrentIterationReturnsWhenTheCallerStopsEarly(t *testing.T) {
	_, c := newJobsServer(t, 300, nil)
	defer goleak.VerifyNone(t, append(httpGoroutines, goleak.IgnoreCurrent())...)
	opts := &tsapi.PluginResultJobListOptions{State: tsapi.StateCompleted, ListOptions: tsapi.ListOptions{Limit: 10}}
	ctx := context.Background()
	within(t, 10*time.Second, "break after 12", func() {
		n := 0
		for _, err := range c.PluginResultJobs.All(ctx, opts) {
			require.NoError(t, err)
			if n++; n == 12 {
				break
			}
		}
	})
	within(t, 10*time.Second, "Collect's cap", func() {
		jobs, err := c.PluginResultJobs.Collect(ctx, opts, 12)
		assert.ErrorIs(t, err, tsapi.ErrTooMany)
		assert.Len(t, jobs, 12)
	})
	within(t, 10*time.Second, "iter.Pull's stop", func() {
		next, stop := iter.Pull2(c.PluginResultJobs.All(ctx, opts))
		for range 12 {
			_, err, ok := next()
			require.True(t, ok)
			require.NoError(t, err)
		}
		stop()
	})
	within(t, 10*time.Second, "a panic in the loop", func() {
		defer func() { assert.Equal(t, "stop", recover()) }()
		n := 0
		for range c.PluginResultJobs.All(ctx, opts) {
			if n++; n == 12 {
				panic("stop")
			}
		}
	})
	c.HTTPClient().CloseIdleConnections()
}

// blockingTransport holds every request for a range below the first one
// until its context ends, and counts the requests it saw cancelled.
type blockingTransport struct {
	below     int64 // hold requests with id__lt below this
	cancelled atomic.Int32
}

func (b *blockingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if lt, err := strconv.ParseInt(r.URL.Query().Get("id__lt"), 10, 64); err == nil && lt < b.below {
		select {
		case <-r.Context().Done():
			b.cancelled.Add(1)
			return nil, r.Context().Err()
		case <-time.After(30 * time.Second):
		}
	}
	return http.DefaultTransport.RoundTrip(r)
}

func TestBreakCancelsTheRequestsInFlight(t *testing.T) {
	// Jobs 300..1 by pages of 10: the first page ends at 291, and the
	// first range below it asks id__lt=291. Every other range's request
	// is held until it is cancelled.
	bt := &blockingTransport{below: 291}
	_, c := newJobsServer(t, 300, bt)
	defer goleak.VerifyNone(t, append(httpGoroutines, goleak.IgnoreCurrent())...)
	opts := &tsapi.PluginResultJobListOptions{ListOptions: tsapi.ListOptions{Limit: 10, Concurrency: 4}}
	within(t, 10*time.Second, "break with requests in flight", func() {
		n := 0
		for j, err := range c.PluginResultJobs.All(context.Background(), opts) {
			require.NoError(t, err)
			if n++; n == 11 {
				assert.Equal(t, int64(290), j.ID)
				break
			}
		}
	})
	assert.Positive(t, bt.cancelled.Load(), "the held requests were cancelled by the break, not waited for")
	c.HTTPClient().CloseIdleConnections()
}

func TestConcurrentIterationKeepsTheCallersLowerBound(t *testing.T) {
	_, c := newJobsServer(t, 300, nil)
	ctx := context.Background()
	n, _, err := c.PluginResultJobs.Count(ctx, &tsapi.PluginResultJobListOptions{IDGte: tsapi.Ptr(int64(250))})
	require.NoError(t, err)
	require.Equal(t, 51, n)
	var want []int64
	for id := int64(300); id >= 250; id-- {
		want = append(want, id)
	}
	for name, o := range map[string]tsapi.PluginResultJobListOptions{
		"IDGte":            {IDGte: tsapi.Ptr(int64(250))},
		"Filters id__gte":  {ListOptions: tsapi.ListOptions{Filters: map[string][]string{"id__gte": {"250"}}}},
		"IDGt":             {IDGt: tsapi.Ptr(int64(249))},
		"IDGt below IDGte": {IDGt: tsapi.Ptr(int64(100)), IDGte: tsapi.Ptr(int64(250))},
		"IDGte below IDGt": {IDGt: tsapi.Ptr(int64(249)), IDGte: tsapi.Ptr(int64(7))},
	} {
		for _, limit := range []int{1, 7, 20, 50} {
			for _, conc := range []int{1, 2, 4, 8} {
				o.Limit, o.Concurrency = limit, conc
				var got []int64
				for j, err := range c.PluginResultJobs.All(ctx, &o) {
					require.NoError(t, err)
					got = append(got, j.ID)
				}
				assert.Equal(t, want, got, "%s, limit %d, concurrency %d", name, limit, conc)
			}
		}
	}
}

// deletingTransport deletes a job on the server before the client's
// request number at.
type deletingTransport struct {
	srv *tsapitest.Server
	at  int32
	id  int64
	n   atomic.Int32
}

func (d *deletingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if d.n.Add(1) == d.at {
		d.srv.DeleteJob(d.id)
	}
	return http.DefaultTransport.RoundTrip(r)
}

func TestAShortFirstPageStillPagesByKeyset(t *testing.T) {
	// Jobs 10..1 one to a page; job 10 is deleted after the third request.
	// Paging by offset from there would skip a job.
	for _, conc := range []int{1, 4} {
		srv := tsapitest.New(t)
		for i := 1; i <= 10; i++ {
			srv.AddJob(tsapitest.Job{ID: int64(i)})
		}
		c, err := srv.AdminClient(tsapi.WithRetry(0, 0, 0), tsapi.WithTransport(&deletingTransport{srv: srv, at: 4, id: 10}))
		require.NoError(t, err)
		var got []int64
		for j, err := range c.PluginResultJobs.All(context.Background(), &tsapi.PluginResultJobListOptions{ListOptions: tsapi.ListOptions{Limit: 1, Concurrency: conc}}) {
			require.NoError(t, err)
			got = append(got, j.ID)
		}
		assert.Equal(t, []int64{10, 9, 8, 7, 6, 5, 4, 3, 2, 1}, got, "concurrency %d", conc)
	}
}

func TestAProbeThatFindsOneObjectEndsWithoutAnOffsetLink(t *testing.T) {
	// id__lte=5 over jobs 3..15 matches 5, 4, 3; one to a page. Jobs 3 and 5
	// are deleted before the request that probes the order, which finds
	// job 4 alone: following the first page's offset link from there
	// (offset=1) would skip it.
	for _, conc := range []int{1, 4} {
		srv := tsapitest.New(t)
		for i := 3; i <= 15; i++ {
			srv.AddJob(tsapitest.Job{ID: int64(i)})
		}
		var n atomic.Int32
		rt := rtFunc(func(r *http.Request) (*http.Response, error) {
			if n.Add(1) == 2 {
				srv.DeleteJob(3)
				srv.DeleteJob(5)
			}
			return http.DefaultTransport.RoundTrip(r)
		})
		c, err := srv.AdminClient(tsapi.WithRetry(0, 0, 0), tsapi.WithTransport(rt))
		require.NoError(t, err)
		var got []int64
		opts := &tsapi.PluginResultJobListOptions{IDLte: tsapi.Ptr(int64(5)), ListOptions: tsapi.ListOptions{Limit: 1, Concurrency: conc}}
		for j, err := range c.PluginResultJobs.All(context.Background(), opts) {
			require.NoError(t, err)
			got = append(got, j.ID)
		}
		assert.Equal(t, []int64{5, 4}, got, "concurrency %d", conc)
	}
}

type rtFunc func(*http.Request) (*http.Response, error)

func (f rtFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
