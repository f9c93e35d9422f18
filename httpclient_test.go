package tsapi

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TLS tests against httptest's self-signed server certificate (valid for
// 127.0.0.1, ::1 and example.com).

// tlsServer starts a TLS server answering the job, counting connections
// (handshakes) and requests.
func tlsServer(t *testing.T) (srv *httptest.Server, conns, hits *atomic.Int32) {
	t.Helper()
	conns, hits = new(atomic.Int32), new(atomic.Int32)
	srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		faultJSON(200, faultJobJSON)(w, r)
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Config.ErrorLog = tlsQuietLog() // the failed handshakes are expected
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv, conns, hits
}

func tlsTestPool(srv *httptest.Server) *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	return pool
}

func tlsWriteCAFile(t *testing.T, srv *httptest.Server) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ca.pem")
	b := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	require.NoError(t, os.WriteFile(path, b, 0o600))
	return path
}

func TestTLSVerifiesByDefault(t *testing.T) {
	srv, conns, hits := tlsServer(t)
	c := newTestClient(t, srv.URL) // retries on, but not for certificate errors
	_, _, err := c.PluginResultJobs.Get(context.Background(), 5)
	var re *RequestError
	require.ErrorAs(t, err, &re)
	var certErr *tls.CertificateVerificationError
	assert.ErrorAs(t, err, &certErr)
	var unknown x509.UnknownAuthorityError
	assert.ErrorAs(t, err, &unknown)
	assert.Contains(t, err.Error(), "certificate")
	assert.Equal(t, 1, re.Attempts, "a certificate error is not retried")
	assert.Equal(t, int32(1), conns.Load())
	assert.Equal(t, int32(0), hits.Load())
}

func TestTLSHostnameMismatchIsNotRetried(t *testing.T) {
	srv, conns, hits := tlsServer(t)
	// The certificate is valid for 127.0.0.1, not for "localhost".
	u := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)
	c := newTestClient(t, u, WithCACertPool(tlsTestPool(srv)))
	_, _, err := c.PluginResultJobs.Get(context.Background(), 5)
	var re *RequestError
	require.ErrorAs(t, err, &re)
	var hostErr x509.HostnameError
	assert.ErrorAs(t, err, &hostErr)
	assert.Equal(t, 1, re.Attempts)
	assert.Equal(t, int32(1), conns.Load())
	assert.Equal(t, int32(0), hits.Load())
}

func TestTLSWithCACertPool(t *testing.T) {
	srv, _, hits := tlsServer(t)
	c := newTestClient(t, srv.URL, WithCACertPool(tlsTestPool(srv)))
	job, resp, err := c.PluginResultJobs.Get(context.Background(), 5)
	require.NoError(t, err)
	assert.Equal(t, int64(5), job.ID)
	assert.Equal(t, 1, resp.Attempts)
	assert.Equal(t, int32(1), hits.Load())
}

func TestTLSWithCAFile(t *testing.T) {
	srv, _, _ := tlsServer(t)
	c := newTestClient(t, srv.URL, WithCAFile(tlsWriteCAFile(t, srv)))
	job, _, err := c.PluginResultJobs.Get(context.Background(), 5)
	require.NoError(t, err)
	assert.Equal(t, int64(5), job.ID)
}

func TestTLSCAFileErrors(t *testing.T) {
	dir := t.TempDir()
	_, err := New("https://127.0.0.1", WithCAFile(filepath.Join(dir, "missing.pem")))
	var ce *InvalidArgumentError
	require.ErrorAs(t, err, &ce)
	assert.ErrorIs(t, err, ErrInvalidOption)
	assert.ErrorIs(t, err, os.ErrNotExist)

	junk := filepath.Join(dir, "junk.pem")
	require.NoError(t, os.WriteFile(junk, []byte("not a certificate"), 0o600))
	_, err = New("https://127.0.0.1", WithCAFile(junk))
	assert.ErrorIs(t, err, ErrInvalidOption)
	assert.Contains(t, err.Error(), "no PEM certificate")

	_, err = New("https://127.0.0.1", WithCACertPool(nil))
	assert.ErrorIs(t, err, ErrInvalidOption)

	// TLS options need a transport they can configure.
	_, err = New("https://127.0.0.1", WithTransport(tlsRoundTripper{}), WithInsecureSkipVerify())
	assert.ErrorIs(t, err, ErrInvalidOption)
}

type tlsRoundTripper struct{}

func (tlsRoundTripper) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, errors.New("unused")
}

func TestTLSInsecureSkipVerify(t *testing.T) {
	srv, _, _ := tlsServer(t)
	var buf bytes.Buffer
	l := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelWarn}))
	c := newTestClient(t, srv.URL, WithInsecureSkipVerify(), WithLogger(l))
	assert.Contains(t, buf.String(), "level=WARN")
	assert.Contains(t, buf.String(), "TLS certificate verification is disabled")
	job, _, err := c.PluginResultJobs.Get(context.Background(), 5)
	require.NoError(t, err)
	assert.Equal(t, int64(5), job.ID)

	// Without a logger it still works, silently.
	c = newTestClient(t, srv.URL, WithInsecureSkipVerify())
	_, _, err = c.PluginResultJobs.Get(context.Background(), 5)
	require.NoError(t, err)
}

func TestTLSOptionsDoNotChangeCallersClient(t *testing.T) {
	srv, _, _ := tlsServer(t)
	base := &http.Transport{}
	hc := &http.Client{Transport: base}
	c := newTestClient(t, srv.URL, WithHTTPClient(hc), WithCACertPool(tlsTestPool(srv)))
	_, _, err := c.PluginResultJobs.Get(context.Background(), 5)
	require.NoError(t, err)
	// (net/http itself may fill in the HTTP/2 defaults of the original.)
	if base.TLSClientConfig != nil {
		assert.Nil(t, base.TLSClientConfig.RootCAs, "the caller's transport is cloned, not modified")
	}
	assert.Same(t, base, hc.Transport)
	assert.Nil(t, hc.CheckRedirect)
}

func TestTLSMinimumVersion(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		faultJSON(200, faultJobJSON)(w, r)
	}))
	srv.TLS = &tls.Config{MaxVersion: tls.VersionTLS11}
	srv.Config.ErrorLog = tlsQuietLog()
	srv.StartTLS()
	t.Cleanup(srv.Close)
	c := newTestClient(t, srv.URL, WithCACertPool(tlsTestPool(srv)))
	_, _, err := c.PluginResultJobs.Get(context.Background(), 5)
	var re *RequestError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, 1, re.Attempts, "a protocol version mismatch is not retried")
}

// tlsQuietLog drops the server's log of the handshakes that fail on purpose.
func tlsQuietLog() *log.Logger { return log.New(io.Discard, "", 0) }

func TestTLSToPlainHTTPServerIsNotRetried(t *testing.T) {
	var hits atomic.Int32
	srv := faultServer(t, func(w http.ResponseWriter, r *http.Request) { hits.Add(1) })
	c := newTestClient(t, strings.Replace(srv.URL, "http://", "https://", 1))
	_, _, err := c.PluginResultJobs.Get(context.Background(), 5)
	var re *RequestError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, 1, re.Attempts)
	assert.Contains(t, err.Error(), "HTTPS")
	assert.Equal(t, int32(0), hits.Load())
}

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
