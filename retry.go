package tsapi

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	retryablehttp "github.com/hashicorp/go-retryablehttp"
)

// transient tells whether a transport error may go away on a new attempt:
// the resend rule (policy.go) says whether an attempt may be made again,
// transient whether it is worth making.
func transient(err error) bool {
	if errors.Is(err, ErrResponseTooLarge) {
		return false
	}
	var certErr *tls.CertificateVerificationError
	var unknownAuth x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invalid x509.CertificateInvalidError
	var recordErr tls.RecordHeaderError
	if errors.As(err, &certErr) || errors.As(err, &unknownAuth) || errors.As(err, &hostErr) ||
		errors.As(err, &invalid) || errors.As(err, &recordErr) {
		return false
	}
	// A TLS alert from the server ("remote error: tls: protocol version not
	// supported", "... bad certificate") or a handshake the client refused
	// ("tls: ...") fails the same way on every attempt.
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Op == "remote error" {
		return false
	}
	if strings.HasPrefix(innermost(err).Error(), "tls: ") {
		return false
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		msg := ue.Err.Error()
		if strings.Contains(msg, "unsupported protocol scheme") || strings.Contains(msg, "stopped after") ||
			strings.Contains(msg, "invalid header") || strings.Contains(msg, "gave HTTP response to HTTPS client") {
			return false
		}
	}
	return true
}

// innermost follows Unwrap to the error at the bottom of err's chain.
func innermost(err error) error {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err
		}
		err = next
	}
}

// backoff waits what Retry-After asks for on 429 and 503 (capped at
// maxRetryAfter), and otherwise backs off exponentially from min to max with
// jitter.
func backoff(maxRetryAfter time.Duration) retryablehttp.Backoff {
	return func(minWait, maxWait time.Duration, attempt int, resp *http.Response) time.Duration {
		if resp != nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
			if d, ok := parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
				return min(d, maxRetryAfter)
			}
		}
		if maxWait <= 0 {
			return 0
		}
		d := minWait
		for i := 0; i < attempt && d < maxWait; i++ {
			d *= 2
		}
		d = min(d, maxWait)
		if d <= 0 {
			return 0
		}
		// Full jitter over the upper half keeps retries of many clients apart.
		half := d / 2
		return half + rand.N(d-half+1)
	}
}

// throttle holds back every request of a Client after a 429 or 503, so
// that concurrent iteration slows all its requests down, not one.
type throttle struct {
	mu    sync.Mutex
	until time.Time
}

// hold makes requests wait d from now (or longer, if already held so).
func (t *throttle) hold(d time.Duration) {
	t.mu.Lock()
	if u := time.Now().Add(d); u.After(t.until) {
		t.until = u
	}
	t.mu.Unlock()
}

// wait waits until the hold is over or ctx ends.
func (t *throttle) wait(ctx context.Context) {
	t.mu.Lock()
	d := time.Until(t.until)
	t.mu.Unlock()
	if d <= 0 {
		return
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
	case <-timer.C:
	}
}

// backoffShared is backoff, and holds back the Client's other requests as
// long after a 429 or 503.
func (c *Client) backoffShared(maxRetryAfter time.Duration) retryablehttp.Backoff {
	b := backoff(maxRetryAfter)
	return func(minWait, maxWait time.Duration, attempt int, resp *http.Response) time.Duration {
		d := b(minWait, maxWait, attempt, resp)
		if resp != nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
			c.throttle.hold(d)
		}
		return d
	}
}

// parseRetryAfter reads a Retry-After header in seconds or as an HTTP date.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 {
			return 0, false
		}
		if n > int64(time.Duration(1<<62)/time.Second) {
			n = int64(time.Duration(1<<62) / time.Second)
		}
		return time.Duration(n) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	if d := t.Sub(now); d > 0 {
		return d, true
	}
	return 0, true
}
