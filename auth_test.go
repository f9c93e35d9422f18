package tsapi

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSessionCookieIsKept(t *testing.T) {
	var withCookie atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := r.Cookie("sessionid"); err == nil {
			withCookie.Add(1)
		}
		http.SetCookie(w, &http.Cookie{Name: "sessionid", Value: "abc", Path: "/"})
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"id": 1, "state": "Queued", "config": {}, "run_level": "pre"}`)
	}))
	defer srv.Close()
	c := newTestClient(t, srv.URL, WithBasicAuth("ionadmin", "ionadmin"))
	for range 3 {
		_, _, err := c.PluginResultJobs.Get(context.Background(), 1)
		require.NoError(t, err)
	}
	assert.Equal(t, int32(2), withCookie.Load())
}

func TestCredentialsNeverInQuery(t *testing.T) {
	var seen *http.Request
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = r
		w.WriteHeader(202)
	}))
	defer srv.Close()
	c := newTestClient(t, srv.URL, WithAPIKey("ionadmin", "0123abcd"))
	_, err := c.PluginResultJobs.SetState(context.Background(), 4, StateStarted)
	require.NoError(t, err)
	assert.Empty(t, seen.URL.RawQuery)
	assert.Equal(t, "ApiKey ionadmin:0123abcd", seen.Header.Get("Authorization"))
}
