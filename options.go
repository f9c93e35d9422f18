package tsapi

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/go-cleanhttp"
)

// Option configures a Client in New.
type Option func(*config) error

type config struct {
	auth          *credentials
	userAgent     string
	httpClient    *http.Client
	transport     http.RoundTripper
	timeout       time.Duration
	timeoutSet    bool
	logger        *slog.Logger
	rootCAs       *x509.CertPool
	insecure      bool
	maxRetries    int
	waitMin       time.Duration
	waitMax       time.Duration
	maxRetryAfter time.Duration
	maxBody       int64
	cookies       bool
	hook          func(RequestInfo)
	concurrency   int

	// shared is set by Clone when the clone keeps its parent's transport
	// and TLS settings: the parent's built transport is used as it is (its
	// connection pool shared), and base is kept for the clone's own clones.
	shared *sharedTransport
}

// sharedTransport is a parent Client's transport as built (TLS applied)
// and the transport it was built from.
type sharedTransport struct {
	built, base http.RoundTripper
}

// credentials is one authentication scheme. Its String and Format never
// show the secret.
type credentials struct {
	scheme string // "Basic", "ApiKey" or "PluginKey"
	user   string // user name, or the pluginresult id for PluginKey
	secret string
}

func (a *credentials) header() string {
	switch a.scheme {
	case "Basic":
		return "Basic " + base64.StdEncoding.EncodeToString([]byte(a.user+":"+a.secret))
	default:
		return a.scheme + " " + a.user + ":" + a.secret
	}
}

// String names the scheme and user, never the secret.
func (a *credentials) String() string {
	if a == nil {
		return "none"
	}
	return a.scheme + " " + a.user + ":REDACTED"
}

// Format makes every fmt verb print String.
func (a *credentials) Format(f fmt.State, _ rune) { io.WriteString(f, a.String()) }

// secrets lists the strings that must never be shown.
func (a *credentials) secrets() []string {
	if a == nil {
		return nil
	}
	out := []string{a.secret}
	if esc := url.QueryEscape(a.secret); esc != a.secret {
		out = append(out, esc) // as it would show in an echoed URL or form
	}
	if a.scheme == "Basic" {
		b64 := base64.StdEncoding.EncodeToString([]byte(a.user + ":" + a.secret))
		out = append(out, b64, strings.TrimRight(b64, "="))
	}
	return out
}

func setAuth(c *config, a *credentials) error {
	if c.auth != nil {
		return &ConfigError{Msg: "only one authentication option may be given"}
	}
	if a.secret == "" {
		return &ConfigError{Msg: a.scheme + " authentication needs a non-empty secret"}
	}
	if strings.ContainsFunc(a.user+a.secret, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		// Line breaks would split the header; other control characters make
		// every request fail with an invalid header value.
		return &ConfigError{Msg: a.scheme + " credentials must not contain line breaks or other control characters"}
	}
	c.auth = a
	return nil
}

// WithBasicAuth authenticates with HTTP Basic (for example the factory
// account ionadmin). The server answers with a session cookie; from then on
// the Client sends the cookie alone, without the Authorization header (the
// Torrent Server checks the password again whenever that header arrives,
// which is slow). When the session has ended (a 401 answer to a request
// that carried the cookie alone) the request is sent once more with the
// credentials. WithoutCookies sends the credentials on every request.
func WithBasicAuth(user, password string) Option {
	return func(c *config) error {
		if user == "" || strings.Contains(user, ":") {
			return &ConfigError{Msg: "Basic authentication needs a user name without ':'"}
		}
		return setAuth(c, &credentials{scheme: "Basic", user: user, secret: password})
	}
}

// WithAPIKey authenticates with a user's API key, sent as
// "Authorization: ApiKey user:key".
func WithAPIKey(user, key string) Option {
	return func(c *config) error {
		if user == "" {
			return &ConfigError{Msg: "ApiKey authentication needs a user name"}
		}
		return setAuth(c, &credentials{scheme: "ApiKey", user: user, secret: key})
	}
}

// WithPluginKey authenticates as a running plugin, sent as
// "Authorization: PluginKey <pluginResultID>:<key>" (the pluginresult and
// api_key of a plugin's startplugin.json).
func WithPluginKey(pluginResultID int64, key string) Option {
	return func(c *config) error {
		if pluginResultID <= 0 {
			return &ConfigError{Msg: "PluginKey authentication needs a positive pluginresult id"}
		}
		return setAuth(c, &credentials{scheme: "PluginKey", user: strconv.FormatInt(pluginResultID, 10), secret: key})
	}
}

// WithHTTPClient sends requests through a copy of hc: its Transport (and so
// its connection pool) and Timeout are kept; its Jar is not (every Client
// keeps the server's session cookie in a jar of its own, so that two
// Clients with different credentials never act as each other), and
// CheckRedirect is replaced by the Client's own safe policy. hc itself is
// never modified.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *config) error {
		if hc == nil {
			return &ConfigError{Msg: "WithHTTPClient: nil client"}
		}
		c.httpClient = hc
		return nil
	}
}

// WithTransport sends requests through rt. TLS options need rt to be an
// *http.Transport (it is cloned, not modified).
func WithTransport(rt http.RoundTripper) Option {
	return func(c *config) error {
		if rt == nil {
			return &ConfigError{Msg: "WithTransport: nil transport"}
		}
		c.transport = rt
		return nil
	}
}

// WithUserAgent sets the User-Agent header.
func WithUserAgent(ua string) Option {
	return func(c *config) error {
		if strings.ContainsAny(ua, "\r\n") {
			return &ConfigError{Msg: "user agent must not contain line breaks"}
		}
		c.userAgent = ua
		return nil
	}
}

// WithTimeout bounds each attempt of a request, from sending it to reading
// the last byte of the answer (default DefaultTimeout). A server that
// stalls, before its answer or in the middle of its body, then ends in a
// *RequestError whose Timeout() is true (after a retry for reads; a write
// that timed out once sent is an *OutcomeUnknownError) rather than a hang. Zero means no bound beyond the
// context's.
func WithTimeout(d time.Duration) Option {
	return func(c *config) error {
		if d < 0 {
			return &ConfigError{Msg: "timeout must not be negative"}
		}
		c.timeout, c.timeoutSet = d, true
		return nil
	}
}

// WithLogger logs requests, retries and warnings to l (at Debug for
// requests, Warn for the insecure TLS option). Without it, or with a nil
// l (which in Clone removes the inherited logger), the Client logs
// nothing. Log lines never hold a credential.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		c.logger = l
		return nil
	}
}

// WithCACertPool verifies the server's certificate against pool instead of
// the system roots (for a server with a self-signed certificate). It
// verifies even when the transport's own TLS config skips verification;
// WithInsecureSkipVerify alongside it still turns verification off.
func WithCACertPool(pool *x509.CertPool) Option {
	return func(c *config) error {
		if pool == nil {
			return &ConfigError{Msg: "WithCACertPool: nil pool"}
		}
		c.rootCAs = pool
		return nil
	}
}

// WithCAFile verifies the server's certificate against the PEM
// certificates in path, as WithCACertPool does. New fails when the file
// cannot be read or holds no certificate.
func WithCAFile(path string) Option {
	return func(c *config) error {
		pem, err := os.ReadFile(path)
		if err != nil {
			return &ConfigError{Msg: fmt.Sprintf("reading CA file: %v", err), Err: err}
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return &ConfigError{Msg: fmt.Sprintf("CA file %s holds no PEM certificate", path)}
		}
		c.rootCAs = pool
		return nil
	}
}

// WithInsecureSkipVerify turns off TLS certificate verification. Anyone on
// the network path can then read and change the traffic, credentials
// included: prefer WithCAFile with the server's certificate. When a logger
// is set, New logs a warning.
func WithInsecureSkipVerify() Option {
	return func(c *config) error {
		c.insecure = true
		return nil
	}
}

// WithRetry sets how many times a request is resent when "Writes and lost
// answers" in the package documentation allows it (0 turns retries off) and the bounds of
// the exponential wait between attempts.
func WithRetry(maxRetries int, waitMin, waitMax time.Duration) Option {
	return func(c *config) error {
		if maxRetries < 0 || waitMin < 0 || waitMax < waitMin {
			return &ConfigError{Msg: "WithRetry: need maxRetries >= 0 and 0 <= waitMin <= waitMax"}
		}
		c.maxRetries, c.waitMin, c.waitMax = maxRetries, waitMin, waitMax
		return nil
	}
}

// WithMaxRetryAfter caps how long a Retry-After header may make the Client
// wait before the next attempt (default DefaultMaxRetryAfter).
func WithMaxRetryAfter(d time.Duration) Option {
	return func(c *config) error {
		if d < 0 {
			return &ConfigError{Msg: "WithMaxRetryAfter: negative duration"}
		}
		c.maxRetryAfter = d
		return nil
	}
}

// WithMaxResponseBytes caps the size of a response body (default
// DefaultMaxResponseBytes); a larger body fails with ErrResponseTooLarge.
func WithMaxResponseBytes(n int64) Option {
	return func(c *config) error {
		if n <= 0 {
			return &ConfigError{Msg: "WithMaxResponseBytes: need a positive size"}
		}
		c.maxBody = n
		return nil
	}
}

// RequestInfo describes one request the Client sent, for a request hook
// (WithRequestHook). It holds no credential: the URL is redacted and the
// error is the one the caller gets.
type RequestInfo struct {
	// Method is the HTTP method; URL the request's URL, credentials
	// redacted.
	Method string
	URL    string
	// Status is the HTTP status of the last answer, 0 when none came.
	Status int
	// Attempts is how many times the request was sent.
	Attempts int
	// Duration is the time from the first attempt to the end of the last
	// answer, retries and their waits included.
	Duration time.Duration
	// BytesSent is the size of the request body (per attempt);
	// BytesReceived the size of the last answer's body.
	BytesSent     int64
	BytesReceived int64
	// Err is the error the call returns for this request, or nil.
	Err error
}

// WithRequestHook calls h once for every request the Client sends (after
// its last attempt), with what a metrics or tracing system needs; see
// RequestInfo. h runs on the calling goroutine and must be safe for
// concurrent use when the Client is. A nil h sets no hook (in Clone, it
// removes the inherited one).
func WithRequestHook(h func(RequestInfo)) Option {
	return func(c *config) error {
		c.hook = h
		return nil
	}
}

// WithConcurrency sets how many pages iteration (All, Pages, Collect) keeps
// in flight on resources paged by keyset (DefaultConcurrency when unset; 1
// means one after another); ListOptions.Concurrency overrides it per call. With n > 1 the ids below
// the first page are split into ranges paged at once, and objects still
// come in the server's order, each exactly once. It returns a
// *ConfigError for n < 1.
func WithConcurrency(n int) Option {
	return func(c *config) error {
		if n < 1 {
			return &ConfigError{Msg: "WithConcurrency needs at least 1"}
		}
		c.concurrency = n
		return nil
	}
}

// WithoutCookies stops the Client from keeping the server's session
// cookie: the credentials then go on every request.
func WithoutCookies() Option {
	return func(c *config) error {
		c.cookies = false
		return nil
	}
}

// tlsGiven reports whether a TLS option was given.
func (c *config) tlsGiven() bool { return c.rootCAs != nil || c.insecure }

// transportGiven reports whether WithTransport or WithHTTPClient was given.
func (c *config) transportGiven() bool { return c.transport != nil || c.httpClient != nil }

// buildHTTPClient builds the inner client every attempt goes through, and
// returns the transport it was built from (before the TLS options).
func (c *config) buildHTTPClient() (*http.Client, http.RoundTripper, error) {
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
			return nil, nil, &ConfigError{Msg: fmt.Sprintf("TLS options need an *http.Transport, not %T", rt)}
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
