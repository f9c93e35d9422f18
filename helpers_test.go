package tsapi

import (
	"bytes"
	"io"
	"net/http"
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
