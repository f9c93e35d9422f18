package tsapi

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testCA is a certificate authority made for a test, and a server
// certificate it signed for 127.0.0.1 and localhost.
type testCA struct {
	name string
	pool *x509.CertPool
	file string // the CA certificate, PEM
	leaf tls.Certificate
}

func newTestCA(t testing.TB, name string) *testCA {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "tsapi test CA " + name},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	require.NoError(t, err)
	caCert, err := x509.ParseCertificate(caDER)
	require.NoError(t, err)
	leafKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	leafTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTmpl, caCert, &leafKey.PublicKey, caKey)
	require.NoError(t, err)
	ca := &testCA{name: name, pool: x509.NewCertPool(), leaf: tls.Certificate{Certificate: [][]byte{leafDER}, PrivateKey: leafKey}}
	ca.pool.AddCert(caCert)
	ca.file = filepath.Join(t.TempDir(), "ca-"+name+".pem")
	require.NoError(t, os.WriteFile(ca.file, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), 0o600))
	return ca
}

// GoString keeps logs of a drawn CA short.
func (ca *testCA) GoString() string { return "CA " + ca.name }

// start starts h over TLS with the CA's server certificate.
func (ca *testCA) start(t testing.TB, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{ca.leaf}, MinVersion: tls.VersionTLS12}
	srv.Config.ErrorLog = tlsQuietLog() // the refused handshakes are expected
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

// cloneAuthServer answers the job over TLS signed by ca and counts the
// requests that reached it with an Authorization header.
func cloneAuthServer(t *testing.T, ca *testCA) (*httptest.Server, *atomic.Int32, *atomic.Int32) {
	var hits, withAuth atomic.Int32
	srv := ca.start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.Header.Get("Authorization") != "" {
			withAuth.Add(1)
		}
		faultJSON(200, faultJobJSON)(w, r)
	}))
	return srv, &hits, &withAuth
}

func TestCloneCAFileReplacesInsecureSkipVerify(t *testing.T) {
	signer, other := newTestCA(t, "signer"), newTestCA(t, "other")
	srv, hits, withAuth := cloneAuthServer(t, signer)
	ctx := context.Background()
	parent := newTestClient(t, srv.URL, WithInsecureSkipVerify(), WithBasicAuth("ionadmin", "pw"))
	_, _, err := parent.PluginResultJobs.Get(ctx, 5)
	require.NoError(t, err, "the parent skips verification")

	// A CA that did not sign the server's certificate: refused, and the
	// clone's password never leaves.
	clone, err := parent.Clone(WithCAFile(other.file), WithBasicAuth("ionuser", "clone-secret"))
	require.NoError(t, err)
	_, _, err = clone.PluginResultJobs.Get(ctx, 5)
	var unknown x509.UnknownAuthorityError
	require.ErrorAs(t, err, &unknown, "the clone verifies against its CA alone")
	assert.NotContains(t, err.Error(), "clone-secret")
	assert.Equal(t, int32(1), hits.Load(), "nothing of the clone's reached the server")
	assert.Equal(t, int32(1), withAuth.Load())

	// The same for a pool, and the right CA works.
	clone, err = parent.Clone(WithCACertPool(other.pool))
	require.NoError(t, err)
	_, _, err = clone.PluginResultJobs.Get(ctx, 5)
	require.ErrorAs(t, err, &unknown)
	clone, err = parent.Clone(WithCAFile(signer.file))
	require.NoError(t, err)
	_, _, err = clone.PluginResultJobs.Get(ctx, 5)
	require.NoError(t, err)

	// The parent still skips verification.
	_, _, err = parent.PluginResultJobs.Get(ctx, 5)
	require.NoError(t, err)
}

func TestCloneTLSOptionsReplaceTheParentsWhole(t *testing.T) {
	signer, other := newTestCA(t, "signer"), newTestCA(t, "other")
	srv, _, _ := cloneAuthServer(t, signer)
	ctx := context.Background()
	parent := newTestClient(t, srv.URL, WithCACertPool(other.pool))
	_, _, err := parent.PluginResultJobs.Get(ctx, 5)
	require.Error(t, err, "the parent trusts the other CA only")

	insecure, err := parent.Clone(WithInsecureSkipVerify())
	require.NoError(t, err)
	_, _, err = insecure.PluginResultJobs.Get(ctx, 5)
	require.NoError(t, err)

	// A clone of the insecure clone that names a CA verifies again.
	verified, err := insecure.Clone(WithCAFile(other.file))
	require.NoError(t, err)
	_, _, err = verified.PluginResultJobs.Get(ctx, 5)
	var unknown x509.UnknownAuthorityError
	require.ErrorAs(t, err, &unknown)

	// Options other than TLS keep the parent's TLS and its connections.
	same, err := insecure.Clone(WithUserAgent("other/1"))
	require.NoError(t, err)
	_, _, err = same.PluginResultJobs.Get(ctx, 5)
	require.NoError(t, err)
	assert.Same(t, insecure.HTTPClient().Transport, same.HTTPClient().Transport, "one connection pool")
}

func TestCAOptionsVerifyWhateverTheTransportSaid(t *testing.T) {
	signer, other := newTestCA(t, "signer"), newTestCA(t, "other")
	srv, hits, _ := cloneAuthServer(t, signer)
	skipping := &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}} //nolint:gosec // the point of the test
	c := newTestClient(t, srv.URL, WithTransport(skipping), WithCAFile(other.file))
	_, _, err := c.PluginResultJobs.Get(context.Background(), 5)
	var unknown x509.UnknownAuthorityError
	require.ErrorAs(t, err, &unknown, "WithCAFile verifies")
	assert.Zero(t, hits.Load())
	assert.True(t, skipping.TLSClientConfig.InsecureSkipVerify, "the caller's transport is not changed")

	// Without a TLS option the transport's own config stands.
	c = newTestClient(t, srv.URL, WithTransport(skipping))
	_, _, err = c.PluginResultJobs.Get(context.Background(), 5)
	require.NoError(t, err)
}

func TestCloneTransportOptionReplacesTheParentsTransport(t *testing.T) {
	signer := newTestCA(t, "signer")
	srv, _, _ := cloneAuthServer(t, signer)
	ctx := context.Background()
	var viaParent, viaClone atomic.Int32
	counting := func(n *atomic.Int32) *http.Transport {
		d := &net.Dialer{}
		return &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			n.Add(1)
			return d.DialContext(ctx, network, addr)
		}}
	}
	parent := newTestClient(t, srv.URL, WithTransport(counting(&viaParent)), WithCACertPool(signer.pool))
	_, _, err := parent.PluginResultJobs.Get(ctx, 5)
	require.NoError(t, err)
	clone, err := parent.Clone(WithHTTPClient(&http.Client{Transport: counting(&viaClone)}))
	require.NoError(t, err)
	_, _, err = clone.PluginResultJobs.Get(ctx, 5)
	require.NoError(t, err, "the parent's CA is inherited onto the clone's transport")
	assert.Equal(t, int32(1), viaParent.Load())
	assert.Equal(t, int32(1), viaClone.Load(), "the clone's own transport, not the parent's")
	parent.HTTPClient().CloseIdleConnections()
	clone.HTTPClient().CloseIdleConnections()
}
