package tsapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNewNormalisesBaseURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://ts.example.org":                  "https://ts.example.org/rundb/api/v1/",
		"https://ts.example.org/":                 "https://ts.example.org/rundb/api/v1/",
		"https://ts.example.org/rundb/api/v1/":    "https://ts.example.org/rundb/api/v1/",
		"https://ts.example.org/rundb/api/v1":     "https://ts.example.org/rundb/api/v1/",
		"http://ts.example.org/rundb/api":         "http://ts.example.org/rundb/api/v1/",
		"http://10.0.0.5:8080":                    "http://10.0.0.5:8080/rundb/api/v1/",
		"https://proxy.example.org/torrent":       "https://proxy.example.org/torrent/rundb/api/v1/",
		"  https://ts.example.org/rundb/api/v1/ ": "https://ts.example.org/rundb/api/v1/",
	} {
		c, err := New(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, c.BaseURL().String(), in)
	}
}

func TestNewRefusesBadBaseURL(t *testing.T) {
	for in, want := range map[string]string{
		"":                                  "empty",
		"ts.example.org":                    "no http or https scheme",
		"ts.example.org/rundb/api/v1/":      "no http or https scheme",
		"ftp://ts.example.org":              "no http or https scheme",
		"https://":                          "no host",
		"https://u:secretpw@ts.example.org": "credentials",
		"https://ts.example.org/?api_key=x": "query",
		"http://[::1":                       "does not parse",
	} {
		_, err := New(in)
		require.Error(t, err, in)
		assert.ErrorIs(t, err, ErrInvalidOption)
		assert.Contains(t, err.Error(), want, in)
		assert.NotContains(t, err.Error(), "secretpw")
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestNewDoesNoIO(t *testing.T) {
	var calls atomic.Int32
	rt := roundTripFunc(func(*http.Request) (*http.Response, error) {
		calls.Add(1)
		return nil, errors.New("no")
	})
	_, err := New("https://ts.example.org", WithTransport(rt), WithBasicAuth("u", "p"))
	require.NoError(t, err)
	assert.Zero(t, calls.Load())
}

func TestWithHTTPClientIsNotModified(t *testing.T) {
	hc := &http.Client{}
	c, err := New("https://ts.example.org", WithHTTPClient(hc), WithTimeout(5))
	require.NoError(t, err)
	assert.Nil(t, hc.Jar)
	assert.Nil(t, hc.CheckRedirect)
	assert.Zero(t, hc.Timeout)
	assert.NotSame(t, hc, c.HTTPClient())
	assert.NotNil(t, c.HTTPClient().Jar)
}

func TestClientIsSafeForConcurrentUse(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"id": 1, "state": "Queued", "config": {}, "run_level": "pre"}`)
	}))
	defer srv.Close()
	c := newTestClient(t, srv.URL, WithAPIKey("u", "k"))
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 10 {
				_, _, err := c.PluginResultJobs.Get(context.Background(), 1)
				assert.NoError(t, err)
				_, _, _ = c.PluginResultJobs.Schema(context.Background())
			}
		}()
	}
	wg.Wait()
}

func TestStringHidesCredentials(t *testing.T) {
	c, err := New("https://ts.example.org", WithBasicAuth("ionadmin", "hunter2-secret"))
	require.NoError(t, err)
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		out := fmt.Sprintf(verb, c)
		assert.NotContains(t, out, "hunter2-secret", verb)
		assert.Contains(t, out, "ts.example.org", verb)
	}
}

func TestNilContextIsRefused(t *testing.T) {
	c := newTestClient(t, "https://ts.example.org")
	//lint:ignore SA1012 checking the refusal
	_, _, err := c.PluginResultJobs.Get(nil, 1) //nolint:staticcheck
	assert.ErrorIs(t, err, ErrInvalidOption)
}
