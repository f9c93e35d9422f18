package tsapi

import (
	"crypto/tls"
	"fmt"
	"net/http"

	"github.com/hashicorp/go-cleanhttp"
)

// sharedTransport is a parent Client's transport as built (TLS applied)
// and the transport it was built from.
type sharedTransport struct {
	built, base http.RoundTripper
}

// tlsGiven reports whether a TLS option was given.
func (c *settings) tlsGiven() bool { return c.rootCAs != nil || c.insecure }

// transportGiven reports whether WithTransport or WithHTTPClient was given.
func (c *settings) transportGiven() bool { return c.transport != nil || c.httpClient != nil }

// buildHTTPClient builds the inner client every attempt goes through, and
// returns the transport it was built from (before the TLS options).
func (c *settings) buildHTTPClient() (*http.Client, http.RoundTripper, error) {
	var hc http.Client
	if c.httpClient != nil {
		hc = *c.httpClient //a shallow copy: the caller's client is never modified
	}
	rt := hc.Transport
	if c.transport != nil {
		rt = c.transport
	}
	switch {
	case c.shared != nil:
		rt = c.shared.base
	case rt == nil:
		rt = cleanhttp.DefaultPooledTransport()
	}
	base := rt
	switch {
	case c.shared != nil:
		rt = c.shared.built
	case c.tlsGiven():
		t, ok := rt.(*http.Transport)
		if !ok {
			return nil, nil, &InvalidArgumentError{Msg: fmt.Sprintf("TLS options need an *http.Transport, not %T", rt)}
		}
		t = t.Clone()
		tc := &tls.Config{MinVersion: tls.VersionTLS12}
		if t.TLSClientConfig != nil {
			tc = t.TLSClientConfig.Clone()
		}
		if c.rootCAs != nil {
			tc.RootCAs = c.rootCAs
		}
		// What the options say, whatever the transport's own config said.
		tc.InsecureSkipVerify = c.insecure
		t.TLSClientConfig = tc
		rt = t
	}
	hc.Transport = rt
	switch {
	case c.timeoutSet:
		hc.Timeout = c.timeout
	case hc.Timeout == 0:
		hc.Timeout = DefaultTimeout // a WithHTTPClient client's own Timeout is kept
	}
	// Every Client keeps its own session: a jar shared with another Client
	// (through one *http.Client, or a Clone) would let one account act as
	// the other.
	hc.Jar = nil
	if c.cookies {
		hc.Jar = cookieJar()
	}
	hc.CheckRedirect = checkRedirect
	return &hc, base, nil
}

// checkRedirect follows a redirect only for GET and HEAD, only to the same
// host (an upgrade from http to https allowed), and at most maxRedirects
// times. Any other redirect is handed back as a 3xx answer, which becomes
// an *APIError naming where the server wanted the request to go.
func checkRedirect(req *http.Request, via []*http.Request) error {
	first := via[0]
	if first.Method != http.MethodGet && first.Method != http.MethodHead {
		return http.ErrUseLastResponse
	}
	if len(via) >= maxRedirects {
		return http.ErrUseLastResponse
	}
	if req.URL.Hostname() != first.URL.Hostname() {
		return http.ErrUseLastResponse
	}
	if req.URL.Scheme != first.URL.Scheme && (first.URL.Scheme != "http" || req.URL.Scheme != "https") {
		return http.ErrUseLastResponse
	}
	if req.URL.Scheme == first.URL.Scheme && req.URL.Port() != first.URL.Port() {
		return http.ErrUseLastResponse
	}
	return nil
}
