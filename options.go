package tsapi

import (
	"crypto/x509"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"
)

// Option configures a Client in New.
type Option func(*settings) error

// settings are a Client's settings as its options made them (Clone starts
// from a copy).
type settings struct {
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

// WithHTTPClient sends requests through a copy of hc: its Transport (and so
// its connection pool) and Timeout are kept; its Jar is not (every Client
// keeps the server's session cookie in a jar of its own, so that two
// Clients with different credentials never act as each other), and
// CheckRedirect is replaced by the Client's own safe policy. hc itself is
// never modified.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *settings) error {
		if hc == nil {
			return &InvalidArgumentError{Msg: "WithHTTPClient: nil client"}
		}
		c.httpClient = hc
		return nil
	}
}

// WithTransport sends requests through rt. TLS options need rt to be an
// *http.Transport (it is cloned, not modified).
func WithTransport(rt http.RoundTripper) Option {
	return func(c *settings) error {
		if rt == nil {
			return &InvalidArgumentError{Msg: "WithTransport: nil transport"}
		}
		c.transport = rt
		return nil
	}
}

// WithUserAgent sets the User-Agent header.
func WithUserAgent(ua string) Option {
	return func(c *settings) error {
		if strings.ContainsAny(ua, "\r\n") {
			return &InvalidArgumentError{Msg: "user agent must not contain line breaks"}
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
	return func(c *settings) error {
		if d < 0 {
			return &InvalidArgumentError{Msg: "timeout must not be negative"}
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
	return func(c *settings) error {
		c.logger = l
		return nil
	}
}

// WithCACertPool verifies the server's certificate against pool instead of
// the system roots (for a server with a self-signed certificate). It
// verifies even when the transport's own TLS config skips verification;
// WithInsecureSkipVerify alongside it still turns verification off.
func WithCACertPool(pool *x509.CertPool) Option {
	return func(c *settings) error {
		if pool == nil {
			return &InvalidArgumentError{Msg: "WithCACertPool: nil pool"}
		}
		c.rootCAs = pool
		return nil
	}
}

// WithCAFile verifies the server's certificate against the PEM
// certificates in path, as WithCACertPool does. New fails when the file
// cannot be read or holds no certificate.
func WithCAFile(path string) Option {
	return func(c *settings) error {
		pem, err := os.ReadFile(path)
		if err != nil {
			return &InvalidArgumentError{Msg: fmt.Sprintf("reading CA file: %v", err), Err: err}
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return &InvalidArgumentError{Msg: fmt.Sprintf("CA file %s holds no PEM certificate", path)}
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
	return func(c *settings) error {
		c.insecure = true
		return nil
	}
}

// WithRetry sets how many times a request is resent when "Writes and lost
// answers" in the package documentation allows it (0 turns retries off) and the bounds of
// the exponential wait between attempts.
func WithRetry(maxRetries int, waitMin, waitMax time.Duration) Option {
	return func(c *settings) error {
		if maxRetries < 0 || waitMin < 0 || waitMax < waitMin {
			return &InvalidArgumentError{Msg: "WithRetry: need maxRetries >= 0 and 0 <= waitMin <= waitMax"}
		}
		c.maxRetries, c.waitMin, c.waitMax = maxRetries, waitMin, waitMax
		return nil
	}
}

// WithMaxRetryAfter caps how long a Retry-After header may make the Client
// wait before the next attempt (default DefaultMaxRetryAfter).
func WithMaxRetryAfter(d time.Duration) Option {
	return func(c *settings) error {
		if d < 0 {
			return &InvalidArgumentError{Msg: "WithMaxRetryAfter: negative duration"}
		}
		c.maxRetryAfter = d
		return nil
	}
}

// WithMaxResponseBytes caps the size of a response body (default
// DefaultMaxResponseBytes); a larger body fails with ErrResponseTooLarge.
func WithMaxResponseBytes(n int64) Option {
	return func(c *settings) error {
		if n <= 0 {
			return &InvalidArgumentError{Msg: "WithMaxResponseBytes: need a positive size"}
		}
		c.maxBody = n
		return nil
	}
}

// WithConcurrency sets how many pages iteration (All, Pages, Collect) keeps
// in flight on resources paged by keyset (DefaultConcurrency when unset; 1
// means one after another); ListOptions.Concurrency overrides it per call. With n > 1 the ids below
// the first page are split into ranges paged at once, and objects still
// come in the server's order, each exactly once. It returns a
// *InvalidArgumentError for n < 1.
func WithConcurrency(n int) Option {
	return func(c *settings) error {
		if n < 1 {
			return &InvalidArgumentError{Msg: "WithConcurrency needs at least 1"}
		}
		c.concurrency = n
		return nil
	}
}

// WithoutCookies stops the Client from keeping the server's session
// cookie: the credentials then go on every request.
func WithoutCookies() Option {
	return func(c *settings) error {
		c.cookies = false
		return nil
	}
}
