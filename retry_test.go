package tsapi

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFaultRetryAfterSeconds(t *testing.T) {
	h, hits := faultFlaky(1, http.StatusTooManyRequests, http.Header{"Retry-After": {"1"}}, faultJSON(200, faultJobJSON))
	srv := faultServer(t, h)
	c := newTestClient(t, srv.URL)
	start := time.Now()
	_, resp, err := c.PluginResultJobs.Get(context.Background(), 5)
	elapsed := time.Since(start)
	require.NoError(t, err)
	assert.Equal(t, 2, resp.Attempts)
	assert.Equal(t, int32(2), hits.Load())
	assert.GreaterOrEqual(t, elapsed, 900*time.Millisecond, "Retry-After: 1 must be honoured")
	assert.Less(t, elapsed, 15*time.Second)
}

func TestFaultRetryAfterHTTPDate(t *testing.T) {
	var n atomic.Int32
	srv := faultServer(t, func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			// HTTP dates have whole seconds: this asks for a wait in (1s, 2s].
			w.Header().Set("Retry-After", time.Now().Add(2*time.Second).UTC().Format(http.TimeFormat))
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		faultJSON(200, faultJobJSON)(w, r)
	})
	c := newTestClient(t, srv.URL)
	start := time.Now()
	_, resp, err := c.PluginResultJobs.Get(context.Background(), 5)
	elapsed := time.Since(start)
	require.NoError(t, err)
	assert.Equal(t, 2, resp.Attempts)
	assert.GreaterOrEqual(t, elapsed, 900*time.Millisecond)
	assert.Less(t, elapsed, 15*time.Second)
}

func TestFaultRetryAfterIsCapped(t *testing.T) {
	h, _ := faultFlaky(1, http.StatusServiceUnavailable, http.Header{"Retry-After": {"3600"}}, faultJSON(200, faultJobJSON))
	srv := faultServer(t, h)
	c := newTestClient(t, srv.URL, WithMaxRetryAfter(50*time.Millisecond))
	start := time.Now()
	_, resp, err := c.PluginResultJobs.Get(context.Background(), 5)
	require.NoError(t, err)
	assert.Equal(t, 2, resp.Attempts)
	assert.Less(t, time.Since(start), 10*time.Second)
}
