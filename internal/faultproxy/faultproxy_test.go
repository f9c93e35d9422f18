package faultproxy

import (
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// seen is what the upstream received for one request.
type seen struct {
	Method, Path, RawQuery, Host string
	Header                       http.Header
	Body                         string
	ContentLength                int64
}

// upstream is an httptest server that records every request it received.
type upstream struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []seen
}

func newUpstream(t *testing.T) *upstream {
	t.Helper()
	u := &upstream{}
	u.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		u.mu.Lock()
		u.reqs = append(u.reqs, seen{
			Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery, Host: r.Host,
			Header: r.Header.Clone(), Body: string(body), ContentLength: r.ContentLength,
		})
		u.mu.Unlock()
		if r.URL.Path == "/redirect" {
			w.Header().Set("Location", "/elsewhere/")
			w.WriteHeader(http.StatusFound)
			return
		}
		w.Header().Add("Set-Cookie", "sessionid=abc; Path=/")
		w.Header().Add("Set-Cookie", "csrftoken=xyz; Path=/")
		w.Header().Set("Location", "http://"+r.Host+"/api/v1/job/7/")
		w.Header().Set("X-Upstream", "yes")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusAccepted)
		_, _ = io.WriteString(w, `{"echo":"`+string(body)+`"}`)
	}))
	t.Cleanup(u.Close)
	return u
}

func (u *upstream) count() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return len(u.reqs)
}

func (u *upstream) last() seen {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.reqs[len(u.reqs)-1]
}

func newProxy(t *testing.T, target string) *Proxy {
	t.Helper()
	p, err := New(target)
	require.NoError(t, err)
	t.Cleanup(p.Close)
	return p
}

// newClient returns a client that opens a new connection per request (so
// that Go's transport never retries a dropped request by itself) and does
// not follow redirects.
func newClient(t *testing.T, timeout time.Duration) *http.Client {
	t.Helper()
	tr := &http.Transport{DisableKeepAlives: true, Proxy: nil}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{
		Transport:     tr,
		Timeout:       timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// do sends a request and returns status and body, or the transport error.
func do(c *http.Client, method, url, body string) (*http.Response, string, error) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		return nil, "", err
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, string(b), err
}

func TestPassForwardsAndCopiesAnswer(t *testing.T) {
	up := newUpstream(t)
	p := newProxy(t, up.URL)
	c := newClient(t, 10*time.Second)

	assert.True(t, strings.HasPrefix(p.URL(), "http://127.0.0.1:"), p.URL())

	req, err := http.NewRequest(http.MethodPost, p.URL()+"/api/v1/job/?a=1&b=x%20y", strings.NewReader("hello"))
	require.NoError(t, err)
	req.Header.Set("Authorization", "ApiKey user:secret")
	req.Header.Set("Cookie", "sessionid=old")
	req.Header.Set("X-Custom", "v1")
	req.Header.Add("X-Custom", "v2")
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)

	assert.Equal(t, http.StatusAccepted, resp.StatusCode)
	assert.Equal(t, `{"echo":"hello"}`, string(body))
	assert.Equal(t, []string{"sessionid=abc; Path=/", "csrftoken=xyz; Path=/"}, resp.Header.Values("Set-Cookie"))
	assert.Equal(t, p.URL()+"/api/v1/job/7/", resp.Header.Get("Location"), "Location as the server wrote it, from the forwarded Host")
	assert.Equal(t, "yes", resp.Header.Get("X-Upstream"))
	assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))

	require.Equal(t, 1, up.count())
	got := up.last()
	assert.Equal(t, http.MethodPost, got.Method)
	assert.Equal(t, "/api/v1/job/", got.Path)
	assert.Equal(t, "a=1&b=x%20y", got.RawQuery)
	assert.Equal(t, "hello", got.Body)
	assert.Equal(t, int64(5), got.ContentLength)
	assert.Equal(t, strings.TrimPrefix(p.URL(), "http://"), got.Host)
	assert.Equal(t, "ApiKey user:secret", got.Header.Get("Authorization"))
	assert.Equal(t, "sessionid=old", got.Header.Get("Cookie"))
	assert.Equal(t, []string{"v1", "v2"}, got.Header.Values("X-Custom"))
	assert.Equal(t, "application/json", got.Header.Get("Content-Type"))
	assert.Empty(t, got.Header.Get("X-Forwarded-For"))

	assert.Equal(t, []Record{{
		Method: http.MethodPost, Path: "/api/v1/job/", RawQuery: "a=1&b=x%20y",
		Forwarded: true, Status: http.StatusAccepted, Action: Pass,
	}}, p.Log())
}

func TestPassKeepsClientHeadersAsSent(t *testing.T) {
	up := newUpstream(t)
	p := newProxy(t, up.URL)

	// A raw request without User-Agent or Accept-Encoding must reach the
	// server without them.
	conn, err := net.Dial("tcp", strings.TrimPrefix(p.URL(), "http://"))
	require.NoError(t, err)
	defer conn.Close()
	_, err = io.WriteString(conn, "GET /api/v1/raw/ HTTP/1.1\r\nHost: example.test\r\nConnection: close\r\n\r\n")
	require.NoError(t, err)
	resp, err := io.ReadAll(conn)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(string(resp), "HTTP/1.1 202 "), string(resp))

	got := up.last()
	assert.Equal(t, "example.test", got.Host)
	_, hasUA := got.Header["User-Agent"]
	assert.False(t, hasUA, "no User-Agent added: %v", got.Header)
	assert.Empty(t, got.Header.Get("Accept-Encoding"))
}

func TestPassChunkedBody(t *testing.T) {
	up := newUpstream(t)
	p := newProxy(t, up.URL)
	c := newClient(t, 10*time.Second)

	// Hide the length so that the client sends the body chunked.
	body := struct{ io.Reader }{strings.NewReader("streamed")}
	req, err := http.NewRequest(http.MethodPut, p.URL()+"/api/v1/job/1/", body)
	require.NoError(t, err)
	resp, err := c.Do(req)
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, http.StatusAccepted, resp.StatusCode)
	assert.Equal(t, "streamed", up.last().Body)
}

func TestPassDoesNotFollowRedirects(t *testing.T) {
	up := newUpstream(t)
	p := newProxy(t, up.URL)
	c := newClient(t, 10*time.Second)

	resp, _, err := do(c, http.MethodGet, p.URL()+"/redirect", "")
	require.NoError(t, err)
	assert.Equal(t, http.StatusFound, resp.StatusCode)
	assert.Equal(t, "/elsewhere/", resp.Header.Get("Location"))
	assert.Equal(t, 1, up.count())
}

func TestTargetPathPrefix(t *testing.T) {
	up := newUpstream(t)
	p := newProxy(t, up.URL+"/base/")
	c := newClient(t, 10*time.Second)

	_, _, err := do(c, http.MethodGet, p.URL()+"/api/v1/job/", "")
	require.NoError(t, err)
	assert.Equal(t, "/base/api/v1/job/", up.last().Path)
	assert.Equal(t, "/api/v1/job/", p.Log()[0].Path)
}

func TestDropAnswer(t *testing.T) {
	up := newUpstream(t)
	p := newProxy(t, up.URL)
	c := newClient(t, 10*time.Second)
	other := newClient(t, 10*time.Second)

	var calls atomic.Int32
	var gotStatus atomic.Int32
	betweenErr := make(chan error, 1)
	p.Arm(Fault{Method: http.MethodPost, Path: "/api/v1/job/", Action: DropAnswer, Between: func(status int) {
		calls.Add(1)
		gotStatus.Store(int32(status))
		// Another client's write happens after the server answered and
		// before the first client loses the answer.
		_, _, err := do(other, http.MethodPut, up.URL+"/api/v1/job/7/", "other")
		betweenErr <- err
	}})

	resp, _, err := do(c, http.MethodPost, p.URL()+"/api/v1/job/", "first")
	require.Error(t, err)
	assert.Nil(t, resp)
	var ne net.Error
	if errors.As(err, &ne) {
		assert.False(t, ne.Timeout(), "a drop, not a timeout: %v", err)
	}

	assert.Equal(t, int32(1), calls.Load())
	assert.Equal(t, int32(http.StatusAccepted), gotStatus.Load())
	require.NoError(t, <-betweenErr)
	assert.Equal(t, 2, up.count(), "the dropped request and the write in between")
	assert.Equal(t, "other", up.last().Body)
	assert.Equal(t, 1, p.Count(http.MethodPost, "/api/v1/job/"))
	assert.Equal(t, []Record{{
		Method: http.MethodPost, Path: "/api/v1/job/", Forwarded: true, Status: http.StatusAccepted, Action: DropAnswer,
	}}, p.Log())

	// The fault is used up: the next request passes.
	resp, body, err := do(c, http.MethodPost, p.URL()+"/api/v1/job/", "second")
	require.NoError(t, err)
	assert.Equal(t, http.StatusAccepted, resp.StatusCode)
	assert.Equal(t, `{"echo":"second"}`, body)
	assert.Equal(t, int32(1), calls.Load())
	assert.Equal(t, 3, up.count())
}

func TestDelayAnswerClientTimeout(t *testing.T) {
	up := newUpstream(t)
	p := newProxy(t, up.URL)
	c := newClient(t, 300*time.Millisecond)

	var calls atomic.Int32
	p.Arm(Fault{Action: DelayAnswer, Delay: 5 * time.Second, Between: func(int) { calls.Add(1) }})

	start := time.Now()
	_, _, err := do(c, http.MethodPost, p.URL()+"/api/v1/job/", "x")
	require.Error(t, err)
	var ne net.Error
	require.ErrorAs(t, err, &ne)
	assert.True(t, ne.Timeout(), "want a timeout: %v", err)
	assert.Less(t, time.Since(start), 4*time.Second)
	assert.Equal(t, 1, up.count())
	assert.Equal(t, int32(1), calls.Load())
	assert.Equal(t, 1, p.Count("", ""))

	// The proxy notices that the client went away and carries on.
	resp, _, err := do(newClient(t, 10*time.Second), http.MethodGet, p.URL()+"/api/v1/job/", "")
	require.NoError(t, err)
	assert.Equal(t, http.StatusAccepted, resp.StatusCode)
}

func TestDelayAnswerDelivered(t *testing.T) {
	up := newUpstream(t)
	p := newProxy(t, up.URL)
	c := newClient(t, 10*time.Second)

	const delay = 150 * time.Millisecond
	p.Arm(Fault{Action: DelayAnswer, Delay: delay})

	start := time.Now()
	resp, body, err := do(c, http.MethodPost, p.URL()+"/api/v1/job/", "late")
	require.NoError(t, err)
	assert.GreaterOrEqual(t, time.Since(start), delay)
	assert.Equal(t, http.StatusAccepted, resp.StatusCode)
	assert.Equal(t, `{"echo":"late"}`, body)
	assert.Len(t, resp.Header.Values("Set-Cookie"), 2)
	assert.Equal(t, DelayAnswer, p.Log()[0].Action)
}

func TestDropRequest(t *testing.T) {
	up := newUpstream(t)
	p := newProxy(t, up.URL)
	c := newClient(t, 10*time.Second)

	var called atomic.Bool
	p.Arm(Fault{Action: DropRequest, Between: func(int) { called.Store(true) }})

	_, _, err := do(c, http.MethodPost, p.URL()+"/api/v1/job/?q=1", "lost")
	require.Error(t, err)
	assert.Equal(t, 0, up.count())
	assert.False(t, called.Load(), "Between does not run for requests that are not forwarded")
	assert.Equal(t, 0, p.Count("", ""))
	assert.Equal(t, []Record{{Method: http.MethodPost, Path: "/api/v1/job/", RawQuery: "q=1", Action: DropRequest}}, p.Log())
}

func TestRespond(t *testing.T) {
	up := newUpstream(t)
	p := newProxy(t, up.URL)
	c := newClient(t, 10*time.Second)

	p.Arm(Fault{
		Action: Respond, Status: http.StatusServiceUnavailable,
		Header: http.Header{"Retry-After": {"1"}, "Content-Type": {"text/plain"}},
		Body:   "busy",
	})
	resp, body, err := do(c, http.MethodGet, p.URL()+"/api/v1/job/", "")
	require.NoError(t, err)
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	assert.Equal(t, "1", resp.Header.Get("Retry-After"))
	assert.Equal(t, "text/plain", resp.Header.Get("Content-Type"))
	assert.Equal(t, "busy", body)
	assert.Equal(t, 0, up.count())

	// Status 0 means 200.
	p.Arm(Fault{Action: Respond, Body: "ok"})
	resp, body, err = do(c, http.MethodGet, p.URL()+"/api/v1/job/", "")
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "ok", body)
	assert.Equal(t, 0, up.count())
	assert.Equal(t, []Record{
		{Method: http.MethodGet, Path: "/api/v1/job/", Action: Respond},
		{Method: http.MethodGet, Path: "/api/v1/job/", Action: Respond},
	}, p.Log())
}

func TestTimes(t *testing.T) {
	up := newUpstream(t)
	p := newProxy(t, up.URL)
	c := newClient(t, 10*time.Second)

	p.Arm(Fault{Action: Respond, Status: http.StatusTeapot, Times: 2})
	var statuses []int
	for range 3 {
		resp, _, err := do(c, http.MethodGet, p.URL()+"/api/v1/job/", "")
		require.NoError(t, err)
		statuses = append(statuses, resp.StatusCode)
	}
	assert.Equal(t, []int{http.StatusTeapot, http.StatusTeapot, http.StatusAccepted}, statuses)
	assert.Equal(t, 1, up.count())
}

func TestTimesNegativeIsUnlimited(t *testing.T) {
	up := newUpstream(t)
	p := newProxy(t, up.URL)
	c := newClient(t, 10*time.Second)

	p.Arm(Fault{Action: DropRequest, Times: -1})
	for range 5 {
		_, _, err := do(c, http.MethodGet, p.URL()+"/", "")
		require.Error(t, err)
	}
	assert.Equal(t, 0, up.count())
}

func TestFaultsApplyInArmedOrder(t *testing.T) {
	up := newUpstream(t)
	p := newProxy(t, up.URL)
	c := newClient(t, 10*time.Second)

	p.Arm(Fault{Path: "/api/", Action: Respond, Status: 501})
	p.Arm(Fault{Path: "/api/", Action: Respond, Status: 502})
	p.Arm(Fault{Action: Respond, Status: 503, Times: 3})

	var statuses []int
	for range 4 {
		resp, _, err := do(c, http.MethodGet, p.URL()+"/api/v1/job/", "")
		require.NoError(t, err)
		statuses = append(statuses, resp.StatusCode)
	}
	assert.Equal(t, []int{501, 502, 503, 503}, statuses)
}

func TestMethodAndPathMatching(t *testing.T) {
	up := newUpstream(t)
	p := newProxy(t, up.URL)
	c := newClient(t, 10*time.Second)

	p.Arm(Fault{Method: http.MethodDelete, Path: "/api/v1/job/", Action: Respond, Status: http.StatusGone, Times: -1})

	cases := []struct {
		method, path string
		want         int
	}{
		{http.MethodGet, "/api/v1/job/3/", http.StatusAccepted},         // wrong method
		{http.MethodDelete, "/api/v1/other/3/", http.StatusAccepted},    // wrong path
		{http.MethodDelete, "/api/v1/jo", http.StatusAccepted},          // shorter than the prefix
		{http.MethodDelete, "/x/api/v1/job/", http.StatusAccepted},      // prefix, not substring
		{http.MethodDelete, "/api/v1/job/3/", http.StatusGone},          // match
		{http.MethodDelete, "/api/v1/job/?a=/api/", http.StatusGone},    // query is not part of the path
		{http.MethodDelete, "/api/v1/job/3/?x=1", http.StatusGone},      // match with a query
		{http.MethodPost, "/api/v1/job/?m=DELETE", http.StatusAccepted}, // wrong method
	}
	for _, tc := range cases {
		resp, _, err := do(c, tc.method, p.URL()+tc.path, "")
		require.NoError(t, err, "%s %s", tc.method, tc.path)
		assert.Equal(t, tc.want, resp.StatusCode, "%s %s", tc.method, tc.path)
	}
	assert.Equal(t, 5, up.count())
}

func TestLogCountAndReset(t *testing.T) {
	up := newUpstream(t)
	p := newProxy(t, up.URL)
	c := newClient(t, 10*time.Second)

	p.Arm(Fault{Method: http.MethodPut, Action: DropAnswer})
	p.Arm(Fault{Path: "/api/v1/user/", Action: DropRequest})

	_, _, err := do(c, http.MethodGet, p.URL()+"/api/v1/job/?limit=2", "")
	require.NoError(t, err)
	_, _, err = do(c, http.MethodPut, p.URL()+"/api/v1/job/4/", "{}")
	require.Error(t, err)
	_, _, err = do(c, http.MethodGet, p.URL()+"/api/v1/user/", "")
	require.Error(t, err)
	_, _, err = do(c, http.MethodPost, p.URL()+"/api/v1/user/", "{}")
	require.NoError(t, err)

	assert.Equal(t, []Record{
		{Method: http.MethodGet, Path: "/api/v1/job/", RawQuery: "limit=2", Forwarded: true, Status: 202, Action: Pass},
		{Method: http.MethodPut, Path: "/api/v1/job/4/", Forwarded: true, Status: 202, Action: DropAnswer},
		{Method: http.MethodGet, Path: "/api/v1/user/", Action: DropRequest},
		{Method: http.MethodPost, Path: "/api/v1/user/", Forwarded: true, Status: 202, Action: Pass},
	}, p.Log())

	assert.Equal(t, 3, p.Count("", ""))
	assert.Equal(t, 2, p.Count("", "/api/v1/job/"))
	assert.Equal(t, 1, p.Count(http.MethodPut, ""))
	assert.Equal(t, 1, p.Count(http.MethodPut, "/api/v1/job/4/"))
	assert.Equal(t, 0, p.Count(http.MethodPut, "/api/v1/user/"))
	assert.Equal(t, 0, p.Count(http.MethodGet, "/api/v1/user/"), "dropped before the target")
	assert.Equal(t, 1, p.Count(http.MethodPost, "/api/v1/user/"))
	assert.Equal(t, 0, p.Count(http.MethodDelete, ""))
	assert.Equal(t, up.count(), p.Count("", ""))

	// The log is a copy.
	l := p.Log()
	l[0].Method = "CHANGED"
	assert.Equal(t, http.MethodGet, p.Log()[0].Method)

	p.Arm(Fault{Action: Respond, Status: 500})
	p.Reset()
	assert.Empty(t, p.Log())
	assert.Equal(t, 0, p.Count("", ""))
	resp, _, err := do(c, http.MethodGet, p.URL()+"/api/v1/user/", "")
	require.NoError(t, err)
	assert.Equal(t, http.StatusAccepted, resp.StatusCode, "faults removed")
	assert.Len(t, p.Log(), 1)
}

func TestCloseWhileDelaying(t *testing.T) {
	up := newUpstream(t)
	p, err := New(up.URL)
	require.NoError(t, err)
	defer p.Close()
	c := newClient(t, time.Minute)

	p.Arm(Fault{Action: DelayAnswer, Delay: time.Minute})
	errc := make(chan error, 1)
	go func() {
		_, _, err := do(c, http.MethodPost, p.URL()+"/api/v1/job/", "x")
		errc <- err
	}()
	require.Eventually(t, func() bool {
		l := p.Log()
		return len(l) == 1 && l[0].Forwarded
	}, 5*time.Second, 5*time.Millisecond, "the request reached the target")

	start := time.Now()
	p.Close()
	assert.Less(t, time.Since(start), 2*time.Second, "Close returns promptly")
	select {
	case err := <-errc:
		assert.Error(t, err, "the delayed answer is never written")
	case <-time.After(5 * time.Second):
		t.Fatal("client still waiting after Close")
	}
	assert.Equal(t, 1, up.count())

	// Close is idempotent, and the proxy no longer accepts connections.
	p.Close()
	_, _, err = do(c, http.MethodGet, p.URL()+"/", "")
	assert.Error(t, err)
}

func TestConcurrentUse(t *testing.T) {
	up := newUpstream(t)
	p := newProxy(t, up.URL)
	c := newClient(t, 10*time.Second)

	const n = 40
	p.Arm(Fault{Path: "/api/v1/job/", Action: DropAnswer, Times: 5})
	p.Arm(Fault{Path: "/api/v1/job/", Action: DropRequest, Times: 3})

	var wg sync.WaitGroup
	var failed atomic.Int32
	stop := make(chan struct{})
	wg.Add(1)
	go func() { // readers racing with the handlers
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
				_ = p.Log()
				_ = p.Count("", "/api/")
			}
		}
	}()
	var clients sync.WaitGroup
	for i := range n {
		clients.Add(1)
		go func() {
			defer clients.Done()
			if i%10 == 0 {
				p.Arm(Fault{Path: "/nomatch/", Action: Respond})
			}
			if _, _, err := do(c, http.MethodGet, p.URL()+"/api/v1/job/", ""); err != nil {
				failed.Add(1)
			}
		}()
	}
	clients.Wait()
	close(stop)
	wg.Wait()

	assert.Equal(t, int32(8), failed.Load())
	assert.Equal(t, n-3, up.count())
	assert.Equal(t, n-3, p.Count("", ""))
	assert.Len(t, p.Log(), n)
}

func TestUpstreamDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())

	p := newProxy(t, "http://"+addr)
	resp, _, err := do(newClient(t, 10*time.Second), http.MethodGet, p.URL()+"/", "")
	require.NoError(t, err)
	assert.Equal(t, http.StatusBadGateway, resp.StatusCode)
	assert.Equal(t, []Record{{Method: http.MethodGet, Path: "/", Action: Pass}}, p.Log())
}

func TestNewRejectsBadTargets(t *testing.T) {
	for _, target := range []string{"", "127.0.0.1:8765", "ftp://127.0.0.1/", "http://", "http://h/?q=1", "://x"} {
		p, err := New(target)
		assert.Error(t, err, "%q", target)
		assert.Nil(t, p)
	}
}

func TestArmRejectsUnknownAction(t *testing.T) {
	p := newProxy(t, "http://127.0.0.1:1")
	assert.Panics(t, func() { p.Arm(Fault{Action: Action(99)}) })
}

func TestActionString(t *testing.T) {
	assert.Equal(t, "Pass", Pass.String())
	assert.Equal(t, "DropAnswer", DropAnswer.String())
	assert.Equal(t, "DelayAnswer", DelayAnswer.String())
	assert.Equal(t, "DropRequest", DropRequest.String())
	assert.Equal(t, "Respond", Respond.String())
	assert.Equal(t, "Action(9)", Action(9).String())
}

// TestKeepAliveClientRetriesDroppedGET pins down the caveat in the package
// documentation: Go's transport resends an idempotent request by itself when
// its reused connection is closed without an answer, so the target sees it
// twice, while a POST fails.
func TestKeepAliveClientRetriesDroppedGET(t *testing.T) {
	up := newUpstream(t)
	p := newProxy(t, up.URL)
	tr := &http.Transport{Proxy: nil}
	t.Cleanup(tr.CloseIdleConnections)
	c := &http.Client{Transport: tr, Timeout: 10 * time.Second}

	_, _, err := do(c, http.MethodGet, p.URL()+"/warm/", "") // leaves an idle connection
	require.NoError(t, err)

	p.Arm(Fault{Action: DropAnswer})
	resp, _, err := do(c, http.MethodGet, p.URL()+"/api/v1/job/", "")
	require.NoError(t, err, "retried by the transport")
	assert.Equal(t, http.StatusAccepted, resp.StatusCode)
	assert.Equal(t, 2, p.Count(http.MethodGet, "/api/v1/job/"))

	p.Arm(Fault{Action: DropAnswer})
	_, _, err = do(c, http.MethodPost, p.URL()+"/api/v1/job/", "{}")
	require.Error(t, err, "a POST is not retried")
	assert.Equal(t, 1, p.Count(http.MethodPost, "/api/v1/job/"))
}
