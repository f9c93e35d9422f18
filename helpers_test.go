package tsapi

import (
	"bytes"
	"io"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
	"gopkg.in/h2non/gock.v1"
)

// gockBase is the server the gock tests talk to.
const gockBase = "https://ts.example.org"

// newTestClient returns a Client for baseURL whose retries wait no time.
func newTestClient(t *testing.T, baseURL string, opts ...Option) *Client {
	t.Helper()
	all := append([]Option{WithRetry(3, 0, 0)}, opts...)
	c, err := New(baseURL, all...)
	require.NoError(t, err)
	return c
}

// newGockClient returns a Client for gockBase whose inner HTTP client gock
// intercepts, and turns gock off (printing unmatched requests) when the
// test ends. gock state is global: tests using it must not run in parallel.
func newGockClient(t *testing.T, opts ...Option) *Client {
	t.Helper()
	c := newTestClient(t, gockBase, opts...)
	gock.InterceptClient(c.HTTPClient())
	t.Cleanup(func() {
		for _, r := range gock.GetUnmatchedRequests() {
			t.Logf("gock: unmatched request %s %s", r.Method, r.URL)
		}
		gock.Off()
		gock.CleanUnmatchedRequest()
	})
	return c
}

// captureBody makes mock record the request body it matched into dst.
func captureBody(dst *[]byte) gock.MatchFunc {
	return func(req *http.Request, _ *gock.Request) (bool, error) {
		if req.Body == nil {
			*dst = nil
			return true, nil
		}
		b, err := io.ReadAll(req.Body)
		if err != nil {
			return false, err
		}
		req.Body = io.NopCloser(bytes.NewReader(b))
		*dst = b
		return true, nil
	}
}

// newCountingClient is newTestClient with a count of the requests the
// client sends. A test that stops an iteration counts there: a request
// cancelled on the way out may still reach the server after the loop
// ended, and is no new request.
func newCountingClient(t *testing.T, baseURL string, opts ...Option) (*Client, *atomic.Int32) {
	t.Helper()
	var sent atomic.Int32
	rt := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		sent.Add(1)
		return http.DefaultTransport.RoundTrip(r)
	})
	return newTestClient(t, baseURL, append(opts, WithTransport(rt))...), &sent
}
