package tsapi

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Fault-injection tests on a real loopback server: the retry policy, the
// attempt count, Retry-After, dropped and stalled connections, and
// cancellation during backoff.

const faultJobPath = "/rundb/api/v1/PluginResultJob/5/"

const faultJobJSON = `{"id": 5, "grid_engine_jobid": 77, "state": "Started", "starttime": "2017-08-09T20:26:03.000549+00:00",
"endtime": null, "config": {"a": 1}, "run_level": "default", "resource_uri": "/rundb/api/v1/PluginResultJob/5/"}`

// faultServer starts a loopback server that closes when the test ends.
// Tests whose handlers stall register the release of those handlers after
// calling it, so that the release runs before Close.
func faultServer(t *testing.T, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// faultFlaky answers the first failures requests with status (and the
// given headers), then calls ok. It counts every request.
func faultFlaky(failures int, status int, hdr http.Header, ok http.HandlerFunc) (http.HandlerFunc, *atomic.Int32) {
	var n atomic.Int32
	return func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		if int(n.Add(1)) <= failures {
			for k, vs := range hdr {
				w.Header()[k] = vs
			}
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(status)
			io.WriteString(w, "<html><head><title>Service Unavailable</title></head></html>")
			return
		}
		ok(w, r)
	}, &n
}

func faultStatus(code int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(code) }
}

func faultJSON(code int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		io.WriteString(w, body)
	}
}

func TestFaultRetriesIdempotentCallsUntilSuccess(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name   string
		method string
		ok     http.HandlerFunc
		call   func(c *Client) (*Response, error)
	}{
		{"GET", http.MethodGet, faultJSON(200, faultJobJSON), func(c *Client) (*Response, error) {
			j, resp, err := c.PluginResultJobs.Get(ctx, 5)
			if err == nil {
				assert.Equal(t, int64(5), j.ID)
			}
			return resp, err
		}},
		{"PUT", http.MethodPut, faultStatus(204), func(c *Client) (*Response, error) {
			_, resp, err := c.PluginResultJobs.Update(ctx, 5, &PluginResultJobWrite{State: StateCompleted})
			return resp, err
		}},
		{"PATCH detail", http.MethodPatch, faultStatus(202), func(c *Client) (*Response, error) {
			return c.PluginResultJobs.SetState(ctx, 5, StateCompleted)
		}},
		{"DELETE", http.MethodDelete, faultStatus(204), func(c *Client) (*Response, error) {
			return c.PluginResultJobs.Delete(ctx, 5)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h, hits := faultFlaky(2, http.StatusServiceUnavailable, nil, func(w http.ResponseWriter, r *http.Request) {
				assert.Equal(t, tc.method, r.Method)
				assert.Equal(t, faultJobPath, r.URL.Path)
				tc.ok(w, r)
			})
			srv := faultServer(t, h)
			c := newTestClient(t, srv.URL)
			resp, err := tc.call(c)
			require.NoError(t, err)
			require.NotNil(t, resp)
			assert.Equal(t, 3, resp.Attempts)
			assert.Equal(t, int32(3), hits.Load())
		})
	}
}

func TestFaultRetriedWriteResendsTheSameBody(t *testing.T) {
	var mu sync.Mutex
	var bodies []string
	h, hits := faultFlaky(2, http.StatusServiceUnavailable, nil, faultStatus(204))
	srv := faultServer(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, string(b))
		mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(b))
		h(w, r)
	})
	c := newTestClient(t, srv.URL)
	_, resp, err := c.PluginResultJobs.Update(context.Background(), 5, &PluginResultJobWrite{State: StateError, RunLevel: RunLevelPost})
	require.NoError(t, err)
	assert.Equal(t, 3, resp.Attempts)
	assert.Equal(t, int32(3), hits.Load())
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, bodies, 3)
	assert.Contains(t, bodies[0], `"state":"Error"`)
	assert.Equal(t, bodies[0], bodies[1])
	assert.Equal(t, bodies[0], bodies[2])
}

// faultStore is a server holding created objects.
type faultStore struct {
	mu      sync.Mutex
	objects []string
	hits    atomic.Int32
}

func TestFaultPOSTIsSentOnceWhenAProxyGaveUp(t *testing.T) {
	for _, code := range []int{http.StatusBadGateway, http.StatusGatewayTimeout} {
		t.Run(strconv.Itoa(code), func(t *testing.T) {
			st := &faultStore{}
			srv := faultServer(t, func(w http.ResponseWriter, r *http.Request) {
				st.hits.Add(1)
				b, _ := io.ReadAll(r.Body)
				// The backend committed, then the proxy in front of it gave
				// up: a repeat would create a second object.
				st.mu.Lock()
				st.objects = append(st.objects, string(b))
				st.mu.Unlock()
				w.WriteHeader(code)
			})
			c := newTestClient(t, srv.URL)
			_, _, err := c.PluginResultJobs.Create(context.Background(), &PluginResultJobWrite{State: StateQueued})
			var ou *OutcomeUnknownError
			require.ErrorAs(t, err, &ou)
			assert.ErrorIs(t, err, ErrOutcomeUnknown)
			assert.Equal(t, 1, ou.Attempts)
			var ae *APIError
			require.ErrorAs(t, ou.Cause, &ae)
			assert.Equal(t, code, ae.StatusCode)
			assert.NotErrorIs(t, err, ErrUnavailable, "a caller retrying on ErrUnavailable must not resend it")
			assert.Equal(t, int32(1), st.hits.Load(), "POST must be sent exactly once")
			st.mu.Lock()
			defer st.mu.Unlock()
			assert.Len(t, st.objects, 1)
		})
	}
}

func TestFaultPOSTRefusedBeforeProcessingIsResent(t *testing.T) {
	// 429 and 503 (the maintenance page) come before the server does
	// anything: sending again cannot create twice.
	for _, code := range []int{http.StatusTooManyRequests, http.StatusServiceUnavailable} {
		t.Run(strconv.Itoa(code), func(t *testing.T) {
			var created atomic.Int32
			h, hits := faultFlaky(2, code, nil, func(w http.ResponseWriter, r *http.Request) {
				created.Add(1)
				w.Header().Set("Location", "http://"+r.Host+"/rundb/api/v1/PluginResultJob/31/")
				w.WriteHeader(http.StatusCreated)
			})
			srv := faultServer(t, h)
			c := newTestClient(t, srv.URL)
			id, resp, err := c.PluginResultJobs.Create(context.Background(), &PluginResultJobWrite{State: StateQueued})
			require.NoError(t, err)
			assert.Equal(t, int64(31), id)
			assert.Equal(t, 3, resp.Attempts)
			assert.Equal(t, int32(3), hits.Load())
			assert.Equal(t, int32(1), created.Load())
		})
	}
}

func TestFaultPOSTNotRetriedAfterConnectionDrop(t *testing.T) {
	var hits atomic.Int32
	srv := faultServer(t, func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		io.Copy(io.Discard, r.Body)
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close() // the request arrived; the answer never does
		}
	})
	c := newTestClient(t, srv.URL)
	_, _, err := c.PluginResultJobs.Create(context.Background(), &PluginResultJobWrite{State: StateQueued})
	var ou *OutcomeUnknownError
	require.ErrorAs(t, err, &ou)
	assert.Equal(t, 1, ou.Attempts)
	var re *RequestError
	require.ErrorAs(t, ou.Cause, &re)
	assert.Equal(t, int32(1), hits.Load())
}

func TestFaultPOSTResentWhenNothingReachedTheServer(t *testing.T) {
	// A refused connection: the request was never written.
	srv := httptest.NewServer(http.NotFoundHandler())
	addr := srv.URL
	srv.Close()
	c := newTestClient(t, addr)
	_, _, err := c.PluginResultJobs.Create(context.Background(), &PluginResultJobWrite{State: StateQueued})
	var re *RequestError
	require.ErrorAs(t, err, &re)
	assert.NotErrorIs(t, err, ErrOutcomeUnknown)
	assert.Equal(t, DefaultMaxRetries+1, re.Attempts, "never written, so resent")
}

func TestFaultBulkPatch(t *testing.T) {
	upd := []BulkUpdate[PluginResultJobPatch]{{ID: 5, Patch: &PluginResultJobPatch{State: StateCompleted}}}
	for _, tc := range []struct {
		status int
		sends  int32
	}{{http.StatusServiceUnavailable, 3}, {http.StatusGatewayTimeout, 1}, {http.StatusBadGateway, 1}} {
		t.Run(strconv.Itoa(tc.status), func(t *testing.T) {
			h, hits := faultFlaky(2, tc.status, nil, faultStatus(202))
			srv := faultServer(t, func(w http.ResponseWriter, r *http.Request) {
				assert.Equal(t, http.MethodPatch, r.Method)
				assert.Equal(t, "/rundb/api/v1/PluginResultJob/", r.URL.Path)
				h(w, r)
			})
			c := newTestClient(t, srv.URL)
			resp, err := c.PluginResultJobs.BulkPatch(context.Background(), upd, nil)
			assert.Equal(t, tc.sends, hits.Load())
			if tc.sends == 1 {
				require.ErrorIs(t, err, ErrOutcomeUnknown, "an update of a vanished object creates: never resent")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, 3, resp.Attempts)
		})
	}
}

func TestFaultOtherStatusesAreNotRetried(t *testing.T) {
	for _, code := range []int{400, 401, 404, 405, 409, 500, 501} {
		t.Run(strconv.Itoa(code), func(t *testing.T) {
			var hits atomic.Int32
			srv := faultServer(t, func(w http.ResponseWriter, r *http.Request) {
				hits.Add(1)
				w.WriteHeader(code)
			})
			c := newTestClient(t, srv.URL)
			_, _, err := c.PluginResultJobs.Get(context.Background(), 5)
			var ae *APIError
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, code, ae.StatusCode)
			assert.Equal(t, 1, ae.Attempts)
			assert.Equal(t, int32(1), hits.Load())
		})
	}
}

func TestFaultEachRetryableStatusIsRetried(t *testing.T) {
	for _, code := range []int{429, 502, 503, 504} {
		t.Run(strconv.Itoa(code), func(t *testing.T) {
			h, hits := faultFlaky(1, code, nil, faultJSON(200, faultJobJSON))
			srv := faultServer(t, h)
			c := newTestClient(t, srv.URL)
			_, resp, err := c.PluginResultJobs.Get(context.Background(), 5)
			require.NoError(t, err)
			assert.Equal(t, 2, resp.Attempts)
			assert.Equal(t, int32(2), hits.Load())
		})
	}
}

func TestFaultRetriesExhausted(t *testing.T) {
	const page = `<!DOCTYPE html><html><head><title>Torrent Server upgrade in progress</title></head>
<body><h1>Maintenance</h1><p>Please come back in a few minutes.</p></body></html>`
	var hits atomic.Int32
	srv := faultServer(t, func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusServiceUnavailable)
		io.WriteString(w, page)
	})
	const maxRetries = 2
	c := newTestClient(t, srv.URL, WithRetry(maxRetries, 0, 0))
	_, resp, err := c.PluginResultJobs.Get(context.Background(), 5)
	var ae *APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, http.StatusServiceUnavailable, ae.StatusCode)
	assert.Equal(t, maxRetries+1, ae.Attempts)
	assert.Equal(t, int32(maxRetries+1), hits.Load())
	assert.Equal(t, "Torrent Server upgrade in progress", ae.Message)
	assert.Contains(t, ae.Body, "Please come back")
	assert.Equal(t, "text/html; charset=utf-8", ae.ContentType)
	assert.Contains(t, ae.Error(), "503")
	assert.Contains(t, ae.Error(), "Torrent Server upgrade in progress")
	assert.Contains(t, ae.Error(), "after 3 attempts")
	assert.ErrorIs(t, err, ErrUnavailable)
	assert.ErrorIs(t, err, ErrServer)
	assert.True(t, ae.Temporary())
	require.NotNil(t, resp)
	assert.Equal(t, maxRetries+1, resp.Attempts)
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
}

func TestFaultTransportErrorsExhausted(t *testing.T) {
	addr := faultClosedAddr(t)
	c := newTestClient(t, "http://"+addr, WithRetry(2, 0, 0))
	_, _, err := c.PluginResultJobs.Get(context.Background(), 5)
	var re *RequestError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, 3, re.Attempts)
	assert.Contains(t, re.Error(), "after 3 attempts")
	var opErr *net.OpError
	assert.ErrorAs(t, err, &opErr)
}

// faultClosedAddr returns a loopback address nothing listens on.
func faultClosedAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return addr
}

func TestFaultZeroRetriesSendsOnce(t *testing.T) {
	h, hits := faultFlaky(5, http.StatusServiceUnavailable, nil, faultJSON(200, faultJobJSON))
	srv := faultServer(t, h)
	c := newTestClient(t, srv.URL, WithRetry(0, time.Second, time.Second))
	_, _, err := c.PluginResultJobs.Get(context.Background(), 5)
	var ae *APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, 1, ae.Attempts)
	assert.Equal(t, int32(1), hits.Load())
	assert.NotContains(t, ae.Error(), "attempts")

	addr := faultClosedAddr(t)
	c = newTestClient(t, "http://"+addr, WithRetry(0, time.Second, time.Second))
	start := time.Now()
	_, _, err = c.PluginResultJobs.Get(context.Background(), 5)
	var re *RequestError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, 1, re.Attempts)
	assert.Less(t, time.Since(start), 900*time.Millisecond, "no backoff wait without retries")
}

func TestFaultRetryOptionValidation(t *testing.T) {
	for _, o := range []Option{
		WithRetry(-1, 0, 0), WithRetry(1, -time.Second, 0), WithRetry(1, 2*time.Second, time.Second),
		WithTimeout(-time.Second), WithMaxRetryAfter(-time.Second), WithMaxResponseBytes(0),
	} {
		_, err := New("http://127.0.0.1:1", o)
		assert.ErrorIs(t, err, ErrInvalidOption)
		var ce *InvalidArgumentError
		assert.ErrorAs(t, err, &ce)
	}
}

// faultHalfBody answers with a Content-Length and only half the body, then
// drops the connection.
func faultHalfBody(w http.ResponseWriter, body string) {
	conn, buf, err := w.(http.Hijacker).Hijack()
	if err != nil {
		return
	}
	defer conn.Close()
	fmt.Fprintf(buf, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", len(body), body[:len(body)/2])
	buf.Flush()
}

func TestFaultConnectionDroppedMidBodyIsRetried(t *testing.T) {
	var n atomic.Int32
	srv := faultServer(t, func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			faultHalfBody(w, faultJobJSON)
			return
		}
		faultJSON(200, faultJobJSON)(w, r)
	})
	c := newTestClient(t, srv.URL)
	job, resp, err := c.PluginResultJobs.Get(context.Background(), 5)
	require.NoError(t, err)
	assert.Equal(t, int64(5), job.ID)
	assert.Equal(t, StateStarted, job.State)
	assert.Equal(t, 2, resp.Attempts)
	assert.Equal(t, int32(2), n.Load())
}

func TestFaultConnectionDroppedMidBodyEveryTime(t *testing.T) {
	var n atomic.Int32
	srv := faultServer(t, func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		faultHalfBody(w, faultJobJSON)
	})
	c := newTestClient(t, srv.URL, WithRetry(1, 0, 0))
	_, _, err := c.PluginResultJobs.Get(context.Background(), 5)
	var re *RequestError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, 2, re.Attempts)
	assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
	assert.Equal(t, int32(2), n.Load())
}

// faultStall sends the headers and part of the body, then stalls until the
// client goes away or the test ends.
func faultStall(done <-chan struct{}, hits *atomic.Int32) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(len(faultJobJSON)))
		w.WriteHeader(http.StatusOK)
		io.WriteString(w, faultJobJSON[:10])
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
		case <-done:
		}
	}
}

func TestFaultStalledBodyTimesOut(t *testing.T) {
	var hits atomic.Int32
	done := make(chan struct{})
	srv := faultServer(t, func(w http.ResponseWriter, r *http.Request) { faultStall(done, &hits)(w, r) })
	t.Cleanup(func() { close(done) })
	c := newTestClient(t, srv.URL, WithTimeout(200*time.Millisecond), WithRetry(1, 0, 0))
	start := time.Now()
	_, _, err := c.PluginResultJobs.Get(context.Background(), 5)
	elapsed := time.Since(start)
	var re *RequestError
	require.ErrorAs(t, err, &re)
	assert.True(t, re.Timeout(), "want a timeout, got %v", err)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Equal(t, 2, re.Attempts, "a GET that timed out is retried")
	assert.Equal(t, int32(2), hits.Load())
	assert.GreaterOrEqual(t, elapsed, 400*time.Millisecond)
	assert.Less(t, elapsed, 10*time.Second)
}

func TestFaultStalledHeadersTimeOut(t *testing.T) {
	done := make(chan struct{})
	srv := faultServer(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-done:
		}
	})
	t.Cleanup(func() { close(done) })
	c := newTestClient(t, srv.URL, WithTimeout(150*time.Millisecond), WithRetry(0, 0, 0))
	start := time.Now()
	_, err := c.PluginResultJobs.SetState(context.Background(), 5, StateCompleted)
	// The PATCH was written: its outcome is unknown, and the re-read
	// times out too.
	var ou *OutcomeUnknownError
	require.ErrorAs(t, err, &ou)
	var re *RequestError
	require.ErrorAs(t, ou.Cause, &re)
	assert.True(t, re.Timeout())
	require.ErrorAs(t, ou.CheckErr, &re)
	assert.True(t, re.Timeout())
	assert.Less(t, time.Since(start), 10*time.Second)
}

func TestFaultStalledBodyEndsAtContextDeadline(t *testing.T) {
	var hits atomic.Int32
	done := make(chan struct{})
	srv := faultServer(t, func(w http.ResponseWriter, r *http.Request) { faultStall(done, &hits)(w, r) })
	t.Cleanup(func() { close(done) })
	c := newTestClient(t, srv.URL) // no WithTimeout: the context bounds the call
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, _, err := c.PluginResultJobs.Get(ctx, 5)
	require.Error(t, err)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), 10*time.Second)
	assert.Equal(t, int32(1), hits.Load(), "no new attempt once the context has ended")
}

func TestFaultCancelDuringBackoff(t *testing.T) {
	served := make(chan struct{}, 10)
	var hits atomic.Int32
	srv := faultServer(t, func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Retry-After", "30")
		w.WriteHeader(http.StatusServiceUnavailable)
		served <- struct{}{}
	})
	c := newTestClient(t, srv.URL)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	type result struct {
		err error
		at  time.Time
	}
	res := make(chan result, 1)
	go func() {
		_, _, err := c.PluginResultJobs.Get(ctx, 5)
		res <- result{err, time.Now()}
	}()
	select {
	case <-served:
	case <-time.After(10 * time.Second):
		t.Fatal("the server never got the request")
	}
	time.Sleep(100 * time.Millisecond) // the client is now waiting 30 s
	cancelled := time.Now()
	cancel()
	select {
	case r := <-res:
		assert.ErrorIs(t, r.err, context.Canceled)
		assert.Less(t, r.at.Sub(cancelled), 100*time.Millisecond)
	case <-time.After(10 * time.Second):
		t.Fatal("the call did not return after cancel")
	}
	assert.Equal(t, int32(1), hits.Load())
}

func TestFaultDeadlineDuringBackoff(t *testing.T) {
	var hits atomic.Int32
	srv := faultServer(t, func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Retry-After", "30")
		w.WriteHeader(http.StatusTooManyRequests)
	})
	c := newTestClient(t, srv.URL)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.PluginResultJobs.Delete(ctx, 5)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), 5*time.Second)
	assert.Equal(t, int32(1), hits.Load())
}

func TestFaultCancelledContextSendsNothing(t *testing.T) {
	var hits atomic.Int32
	srv := faultServer(t, func(w http.ResponseWriter, r *http.Request) { hits.Add(1) })
	c := newTestClient(t, srv.URL)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, _, err := c.PluginResultJobs.Get(ctx, 5)
	assert.ErrorIs(t, err, context.Canceled)
	_, err = c.PluginResultJobs.SetState(ctx, 5, StateCompleted)
	assert.ErrorIs(t, err, context.Canceled)
	for _, err := range c.PluginResultJobs.All(ctx, nil) {
		assert.ErrorIs(t, err, context.Canceled)
	}
	assert.Equal(t, int32(0), hits.Load())
}

func TestFaultTimeoutDefaults(t *testing.T) {
	timeout := func(opts ...Option) time.Duration {
		c, err := New("http://127.0.0.1:1", opts...)
		require.NoError(t, err)
		return c.HTTPClient().Timeout
	}
	assert.Equal(t, DefaultTimeout, timeout(), "a stalled server must not hang a caller without a deadline")
	assert.Equal(t, time.Duration(0), timeout(WithTimeout(0)), "WithTimeout(0) leaves only the context")
	assert.Equal(t, 2*time.Second, timeout(WithTimeout(2*time.Second)))
	hc := &http.Client{Timeout: 5 * time.Second}
	assert.Equal(t, 5*time.Second, timeout(WithHTTPClient(hc)), "the caller's own client keeps its Timeout")
	assert.Equal(t, time.Second, timeout(WithHTTPClient(hc), WithTimeout(time.Second)))
	assert.Equal(t, 5*time.Second, hc.Timeout)
}
