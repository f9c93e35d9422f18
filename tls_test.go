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
	var ce *ConfigError
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
