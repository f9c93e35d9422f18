package cli

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
)

// dryRunTransport lets reads through and answers every write itself, as
// the Torrent Server answers a write that succeeds (202 or 204, no body),
// after printing it. A dry run then takes the very path a real run takes,
// so it prints exactly the writes that run would send; none reaches the
// server.
type dryRunTransport struct {
	inner http.RoundTripper
	mu    *sync.Mutex
	w     io.Writer
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
	t.mu.Lock()
	_, err := fmt.Fprintln(t.w, line)
	t.mu.Unlock()
	if err != nil {
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
