package cmdutil

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

// DryRun makes the server's client answer every write itself, as the
// Torrent Server answers a write that succeeds (202 or 204, no body),
// after printing it to stdout as "would send: METHOD URL BODY". Reads go
// to the server. A dry run then takes the very path a real run takes, so
// it prints exactly the writes that run would send, and none is sent.
// undo makes the client send again; call it when no request is in flight.
func (s *Server) DryRun(ios *IOStreams) (undo func()) {
	hc := s.Client.HTTPClient()
	inner := hc.Transport
	hc.Transport = &dryRunTransport{inner: inner, io: ios}
	return func() { hc.Transport = inner }
}

// DryRuns makes every usable server a dry run (see Server.DryRun) and
// returns what undoes it.
func DryRuns(servers []*Server, ios *IOStreams) (undo func()) {
	var undos []func()
	for _, s := range Usable(servers) {
		undos = append(undos, s.DryRun(ios))
	}
	return func() {
		for _, u := range undos {
			u()
		}
	}
}

type dryRunTransport struct {
	inner http.RoundTripper
	io    *IOStreams
}

func (t *dryRunTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method == http.MethodGet || req.Method == http.MethodHead {
		return t.inner.RoundTrip(req)
	}
	var body []byte
	if req.Body != nil {
		b, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		body = b
	}
	line := "would send: " + req.Method + " " + req.URL.String()
	if len(body) > 0 {
		line += " " + strings.TrimSpace(string(body))
	}
	if err := t.io.WriteOut([]byte(line + "\n")); err != nil {
		return nil, err
	}
	status := http.StatusAccepted
	if req.Method == http.MethodDelete || req.Method == http.MethodPut {
		status = http.StatusNoContent
	}
	return &http.Response{
		StatusCode: status, Status: fmt.Sprintf("%d %s", status, http.StatusText(status)),
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{}, Body: io.NopCloser(bytes.NewReader(nil)), Request: req,
	}, nil
}

// PlainHTTPError is a TLS handshake with a server that answers plain
// HTTP. Its text starts with "tls: ", which the library does not retry:
// every attempt would fail the same way.
type PlainHTTPError struct {
	Host string
}

// Error says what to write instead.
func (e *PlainHTTPError) Error() string { return "tls: " + e.Hint() }

// Hint says what to write instead, without the "tls: " prefix.
func (e *PlainHTTPError) Hint() string {
	return fmt.Sprintf("the TLS handshake with %s failed, and it answers plain HTTP: name it as http://%s", e.Host, e.Host)
}

// plainHTTPProbe asks, after a TLS handshake fails, whether the server
// answers plain HTTP (a GET of / with no credentials), and then fails
// with a *PlainHTTPError instead of a failure the library retries.
type plainHTTPProbe struct {
	inner   http.RoundTripper
	timeout time.Duration

	once  sync.Once
	plain bool
}

func (t *plainHTTPProbe) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.inner.RoundTrip(req)
	if err == nil || !handshakeFailed(err) {
		return resp, err
	}
	t.once.Do(func() { t.plain = answersHTTP(req.Context(), req.URL.Host, t.timeout) })
	if t.plain {
		return nil, &PlainHTTPError{Host: req.URL.Host}
	}
	return resp, err
}

// handshakeFailed reports whether err is a TLS handshake that timed out
// or read something that is not TLS.
func handshakeFailed(err error) bool {
	var rh tls.RecordHeaderError
	return errors.As(err, &rh) || strings.Contains(err.Error(), "TLS handshake timeout") ||
		strings.Contains(err.Error(), "first record does not look like a TLS handshake")
}

// answersHTTP reports whether host answers a plain HTTP GET of / within
// timeout.
func answersHTTP(ctx context.Context, host string, timeout time.Duration) bool {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+host+"/", nil)
	if err != nil {
		return false
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return true
}
