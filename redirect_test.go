package tsapi

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Redirect tests: writes are never redirected; GETs only on the same host;
// credentials never leave the Client's server.

// redirTarget counts the requests that reached the place a redirect points
// to, and records any Authorization header it saw.
type redirTarget struct {
	hits atomic.Int32
	mu   sync.Mutex
	auth []string
}

func (rt *redirTarget) handler(body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		rt.hits.Add(1)
		rt.mu.Lock()
		if a := r.Header.Get("Authorization"); a != "" {
			rt.auth = append(rt.auth, a)
		}
		rt.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(body))
	}
}

func (rt *redirTarget) seenAuth() []string {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	return append([]string(nil), rt.auth...)
}

func TestRedirectOfWriteIsNotFollowed(t *testing.T) {
	ctx := context.Background()
	calls := map[string]func(c *Client) error{
		"PATCH": func(c *Client) error { _, err := c.PluginResultJobs.SetState(ctx, 5, StateCompleted); return err },
		"PUT": func(c *Client) error {
			_, _, err := c.PluginResultJobs.Update(ctx, 5, &PluginResultJobWrite{State: StateError})
			return err
		},
		"DELETE": func(c *Client) error { _, err := c.PluginResultJobs.Delete(ctx, 5); return err },
		"POST": func(c *Client) error {
			_, _, err := c.PluginResultJobs.Create(ctx, &PluginResultJobWrite{State: StateQueued})
			return err
		},
	}
	for _, code := range []int{301, 302, 303, 307, 308} {
		for method, call := range calls {
			t.Run(http.StatusText(code)+"/"+method, func(t *testing.T) {
				target := &redirTarget{}
				var hits atomic.Int32
				mux := http.NewServeMux()
				mux.HandleFunc("/moved/", target.handler("{}"))
				mux.HandleFunc("/rundb/api/v1/", func(w http.ResponseWriter, r *http.Request) {
					hits.Add(1)
					assert.Equal(t, method, r.Method)
					// As the server does for a missing slash, or for HTTP to HTTPS.
					http.Redirect(w, r, "/moved"+r.URL.Path, code)
				})
				srv := faultServer(t, mux.ServeHTTP)
				c := newTestClient(t, srv.URL, WithAPIKey("ionadmin", "redirect-secret-key"))
				err := call(c)
				var ae *APIError
				require.ErrorAs(t, err, &ae)
				assert.ErrorIs(t, err, ErrRedirect)
				assert.Equal(t, code, ae.StatusCode)
				assert.Equal(t, srv.URL+"/moved/rundb/api/v1/PluginResultJob/"+map[bool]string{true: "", false: "5/"}[method == "POST"], ae.Location)
				assert.Contains(t, ae.Error(), ae.Location, "the error says where the server wanted the request to go")
				assert.Equal(t, 1, ae.Attempts)
				assert.Equal(t, int32(1), hits.Load())
				assert.Equal(t, int32(0), target.hits.Load(), "a write must never follow a redirect")
			})
		}
	}
}

func TestRedirectHTTPToHTTPSOnWrite(t *testing.T) {
	tlsSrv := httptest.NewTLSServer(http.NotFoundHandler())
	t.Cleanup(tlsSrv.Close)
	srv := faultServer(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, tlsSrv.URL+r.URL.RequestURI(), http.StatusFound)
	})
	c := newTestClient(t, srv.URL)
	_, err := c.PluginResultJobs.SetState(context.Background(), 5, StateCompleted)
	var ae *APIError
	require.ErrorAs(t, err, &ae)
	assert.ErrorIs(t, err, ErrRedirect)
	assert.Equal(t, http.StatusFound, ae.StatusCode)
	assert.True(t, strings.HasPrefix(ae.Location, "https://"), ae.Location)
	assert.Contains(t, ae.Error(), ae.Location)
}

func TestRedirectGETSameHostIsFollowed(t *testing.T) {
	target := &redirTarget{}
	mux := http.NewServeMux()
	mux.HandleFunc("/new/rundb/api/v1/PluginResultJob/5/", target.handler(faultJobJSON))
	mux.HandleFunc("/rundb/api/v1/", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/new"+r.URL.Path, http.StatusMovedPermanently)
	})
	srv := faultServer(t, mux.ServeHTTP)
	c := newTestClient(t, srv.URL, WithBasicAuth("ionadmin", "ionadmin"))
	job, resp, err := c.PluginResultJobs.Get(context.Background(), 5)
	require.NoError(t, err)
	assert.Equal(t, int64(5), job.ID)
	assert.Equal(t, "/new/rundb/api/v1/PluginResultJob/5/", resp.Request.URL.Path)
	assert.Equal(t, int32(1), target.hits.Load())
	assert.Len(t, target.seenAuth(), 1, "the same host keeps the credentials")
}

func TestRedirectGETToAnotherHostIsNotFollowed(t *testing.T) {
	other := &redirTarget{}
	otherSrv := faultServer(t, other.handler(faultJobJSON))
	// The same server under another name: 127.0.0.1 vs localhost.
	otherURL := strings.Replace(otherSrv.URL, "127.0.0.1", "localhost", 1)
	for _, via := range []string{"direct", "via same host"} {
		t.Run(via, func(t *testing.T) {
			mux := http.NewServeMux()
			mux.HandleFunc("/hop/", func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, otherURL+"/rundb/api/v1/PluginResultJob/5/", http.StatusFound)
			})
			mux.HandleFunc("/rundb/api/v1/", func(w http.ResponseWriter, r *http.Request) {
				if via == "direct" {
					http.Redirect(w, r, otherURL+r.URL.Path, http.StatusFound)
					return
				}
				http.Redirect(w, r, "/hop"+r.URL.Path, http.StatusFound)
			})
			srv := faultServer(t, mux.ServeHTTP)
			for _, opt := range []Option{
				WithBasicAuth("ionadmin", "redirect-secret"),
				WithAPIKey("ionadmin", "redirect-secret"),
				WithPluginKey(12, "redirect-secret"),
			} {
				c := newTestClient(t, srv.URL, opt)
				_, _, err := c.PluginResultJobs.Get(context.Background(), 5)
				var ae *APIError
				require.ErrorAs(t, err, &ae)
				assert.ErrorIs(t, err, ErrRedirect)
				assert.Equal(t, http.StatusFound, ae.StatusCode)
				assert.True(t, strings.HasPrefix(ae.Location, "http://localhost:"), ae.Location)
				assert.Contains(t, ae.Error(), "localhost")
			}
			assert.Equal(t, int32(0), other.hits.Load(), "the other host must never be contacted")
			assert.Empty(t, other.seenAuth())
		})
	}
}

func TestRedirectGETToAnotherPortIsNotFollowed(t *testing.T) {
	other := &redirTarget{}
	otherSrv := faultServer(t, other.handler(faultJobJSON))
	srv := faultServer(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, otherSrv.URL+r.URL.Path, http.StatusMovedPermanently)
	})
	c := newTestClient(t, srv.URL, WithAPIKey("ionadmin", "redirect-secret"))
	_, _, err := c.PluginResultJobs.Get(context.Background(), 5)
	assert.ErrorIs(t, err, ErrRedirect)
	assert.Equal(t, int32(0), other.hits.Load())
}

func TestRedirectGETHTTPSToHTTPIsNotFollowed(t *testing.T) {
	plain := &redirTarget{}
	plainSrv := faultServer(t, plain.handler(faultJobJSON))
	tlsSrv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, plainSrv.URL+r.URL.Path, http.StatusFound)
	}))
	t.Cleanup(tlsSrv.Close)
	c := newTestClient(t, tlsSrv.URL, WithCACertPool(tlsTestPool(tlsSrv)), WithAPIKey("ionadmin", "redirect-secret"))
	_, _, err := c.PluginResultJobs.Get(context.Background(), 5)
	assert.ErrorIs(t, err, ErrRedirect)
	assert.Equal(t, int32(0), plain.hits.Load(), "no downgrade to plain HTTP")
}

func TestRedirectLoopStops(t *testing.T) {
	var hits atomic.Int32
	srv := faultServer(t, func(w http.ResponseWriter, r *http.Request) {
		n := hits.Add(1)
		http.Redirect(w, r, "/rundb/api/v1/PluginResultJob/5/?n="+string('a'+n%26), http.StatusFound)
	})
	c := newTestClient(t, srv.URL)
	_, _, err := c.PluginResultJobs.Get(context.Background(), 5)
	var ae *APIError
	require.ErrorAs(t, err, &ae)
	assert.ErrorIs(t, err, ErrRedirect)
	assert.LessOrEqual(t, hits.Load(), int32(maxRedirects+1))
	assert.Equal(t, 1, ae.Attempts, "a redirect is not retried")
}

func TestRedirectLocationIsRedacted(t *testing.T) {
	srv := faultServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Location", "https://elsewhere.example/login/?username=ionadmin&api_key=leakedkey123&next=/x/")
		w.WriteHeader(http.StatusFound)
	})
	c := newTestClient(t, srv.URL)
	_, err := c.PluginResultJobs.SetState(context.Background(), 5, StateCompleted)
	var ae *APIError
	require.ErrorAs(t, err, &ae)
	assert.NotContains(t, ae.Location, "leakedkey123")
	assert.NotContains(t, ae.Error(), "leakedkey123")
	assert.Contains(t, ae.Location, "elsewhere.example/login/")
}
