package tsapi

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRequestHookOncePerRequestWithAttempts(t *testing.T) {
	const secret = "hook-s3cret"
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := hits.Add(1)
		switch {
		case r.URL.Path == "/rundb/api/v1/PluginResultJob/5/" && n <= 2:
			w.WriteHeader(http.StatusServiceUnavailable) // retried twice
		case r.URL.Path == "/rundb/api/v1/PluginResultJob/5/":
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"id": 5, "state": "Queued", "config": {}}`)
		case r.URL.Path == "/rundb/api/v1/PluginResultJob/6/":
			w.WriteHeader(http.StatusNotFound)
		default:
			w.WriteHeader(http.StatusAccepted)
		}
	}))
	defer srv.Close()
	var mu sync.Mutex
	var infos []RequestInfo
	c := newTestClient(t, srv.URL, WithBasicAuth("ionadmin", secret), WithRequestHook(func(ri RequestInfo) {
		mu.Lock()
		infos = append(infos, ri)
		mu.Unlock()
	}))
	ctx := context.Background()
	_, _, err := c.PluginResultJobs.Get(ctx, 5)
	require.NoError(t, err)
	_, _, err = c.PluginResultJobs.Get(ctx, 6)
	require.ErrorIs(t, err, ErrNotFound)
	_, err = c.PluginResultJobs.SetState(ctx, 7, StateError)
	require.NoError(t, err)
	_, err = c.Do(ctx, &Request{Method: http.MethodGet, Path: "PluginResultJob/", Query: url.Values{"api_key": {secret}}}, nil)
	require.ErrorIs(t, err, ErrInvalidOption, "refused before sending: no hook call")
	_, _, err = c.PluginResultJobs.Get(ctx, -1)
	require.ErrorIs(t, err, ErrInvalidOption)

	mu.Lock()
	defer mu.Unlock()
	require.Len(t, infos, 3, "one call per request sent, none for refused ones")
	assert.Equal(t, "GET", infos[0].Method)
	assert.Equal(t, srv.URL+"/rundb/api/v1/PluginResultJob/5/", infos[0].URL)
	assert.Equal(t, 200, infos[0].Status)
	assert.Equal(t, 3, infos[0].Attempts)
	assert.Positive(t, infos[0].BytesReceived)
	assert.Positive(t, infos[0].Duration)
	assert.NoError(t, infos[0].Err)
	assert.Equal(t, 404, infos[1].Status)
	assert.ErrorIs(t, infos[1].Err, ErrNotFound)
	assert.Equal(t, 1, infos[1].Attempts)
	assert.Equal(t, "PATCH", infos[2].Method)
	assert.Equal(t, 202, infos[2].Status)
	assert.Equal(t, int64(len(`{"state":"Error"}`)), infos[2].BytesSent)
	for _, ri := range infos {
		assert.NotContains(t, fmt.Sprintf("%+v", ri), secret)
	}
}

func TestRequestHookHearsOfLostAnswers(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, _, _ := w.(http.Hijacker).Hijack()
		conn.Close()
	}))
	defer srv.Close()
	var got []RequestInfo
	c := newTestClient(t, srv.URL, WithRequestHook(func(ri RequestInfo) { got = append(got, ri) }))
	_, _, err := c.PluginResultJobs.Create(context.Background(), &PluginResultJobWrite{State: StateQueued})
	require.ErrorIs(t, err, ErrOutcomeUnknown)
	require.Len(t, got, 1)
	assert.Equal(t, 0, got[0].Status)
	assert.Equal(t, 1, got[0].Attempts)
	assert.ErrorIs(t, got[0].Err, ErrOutcomeUnknown)
}

func TestCloneSharesThePoolNeverTheSessionOrCredentials(t *testing.T) {
	var mu sync.Mutex
	var auths, cookies []string
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		auths = append(auths, r.Header.Get("Authorization"))
		cookies = append(cookies, r.Header.Get("Cookie"))
		mu.Unlock()
		user, _, _ := r.BasicAuth()
		if user != "" {
			http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "of-" + user, Path: "/"})
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"meta": {"total_count": 0}, "objects": []}`)
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	var hooked atomic.Int32
	admin := newTestClient(t, srv.URL, WithBasicAuth("ionadmin", "pw"), WithUserAgent("monitor/1"),
		WithRequestHook(func(RequestInfo) { hooked.Add(1) }))
	ctx := context.Background()
	_, _, err := admin.PluginResultJobs.List(ctx, nil)
	require.NoError(t, err)

	anon, err := admin.Clone()
	require.NoError(t, err)
	_, _, err = anon.PluginResultJobs.List(ctx, nil)
	require.NoError(t, err)
	reader, err := admin.Clone(WithBasicAuth("ionreader", "pw2"))
	require.NoError(t, err)
	_, _, err = reader.PluginResultJobs.List(ctx, nil)
	require.NoError(t, err)
	_, _, err = reader.PluginResultJobs.List(ctx, nil)
	require.NoError(t, err)

	mu.Lock()
	defer mu.Unlock()
	require.Len(t, auths, 4)
	assert.True(t, strings.HasPrefix(auths[0], "Basic "))
	assert.Empty(t, auths[1], "the clone has no credentials of its own")
	assert.Empty(t, cookies[1], "nor the admin's session")
	assert.True(t, strings.HasPrefix(auths[2], "Basic "), "the reader's own credentials")
	assert.Empty(t, cookies[2])
	assert.Equal(t, "sessionid=of-ionreader", cookies[3], "and its own session")
	assert.Equal(t, int32(4), hooked.Load(), "options carry over")
	assert.Equal(t, int32(1), conns.Load(), "one connection pool")
	assert.Equal(t, admin.BaseURL(), reader.BaseURL())
	assert.Contains(t, reader.String(), "ionreader")
}
