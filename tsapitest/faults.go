package tsapitest

import (
	"bufio"
	"cmp"
	_ "embed"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Fault changes how the server answers requests that match it, to test a
// client's handling of failures. See AddFault.
type Fault struct {
	// Method matches requests with this method ("" for any).
	Method string
	// Path matches requests whose path starts with it: relative to the
	// API root ("PluginResultJob/") or absolute ("/rundb/api/v1/..."); ""
	// matches any path.
	Path string
	// Times is how many matching requests the fault affects: 0 means 1, a
	// negative number every one until ClearFaults.
	Times int

	// Status, when not 0, answers this status instead of handling the
	// request (nothing is read or written): 503 with the HTML maintenance
	// page a Torrent Server shows while it upgrades, 500 with tastypie's
	// canned JSON error, 429 with Retry-After, 502 and 504 with an Apache
	// HTML page, 401 with WWW-Authenticate; any other status with an empty
	// body.
	Status int
	// RetryAfter is the Retry-After header sent with Status (default "1"
	// for 429 and none otherwise).
	RetryAfter string
	// Body replaces the default body for Status (sent as text/html when it
	// starts with '<', as application/json otherwise).
	Body string

	// Delay waits this long before answering (or before failing with
	// Status). A request whose client gives up meanwhile is not handled.
	Delay time.Duration

	// Drop handles the request (a write takes effect), then sends the
	// status line, the headers and half of the body, and closes the
	// connection: the client sees its answer cut off.
	Drop bool
}

type faultRule struct {
	Fault
	left int
}

// AddFault adds a fault. Faults are tried in the order they were added;
// the first that matches a request and has uses left applies to it.
func (s *Server) AddFault(f Fault) {
	s.faultMu.Lock()
	s.faults = append(s.faults, &faultRule{Fault: f, left: cmp.Or(f.Times, 1)})
	s.faultMu.Unlock()
}

// FailNext makes the next n requests (of any method, on any path) fail
// with status, with the body a Torrent Server sends for it (see
// Fault.Status).
func (s *Server) FailNext(n, status int) {
	if n <= 0 {
		return
	}
	s.AddFault(Fault{Times: n, Status: status})
}

// SetLatency delays every answer by d (0 to stop), on top of any fault's
// Delay.
func (s *Server) SetLatency(d time.Duration) {
	s.faultMu.Lock()
	s.latency = d
	s.faultMu.Unlock()
}

// ClearFaults removes every fault and the latency.
func (s *Server) ClearFaults() {
	s.faultMu.Lock()
	s.faults = nil
	s.latency = 0
	s.faultMu.Unlock()
}

// matchFault takes one use of the first fault matching r (the zero rule
// when none does) and returns it with the latency.
func (s *Server) matchFault(r *http.Request) (faultRule, time.Duration) {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	for i, f := range s.faults {
		if f.left == 0 || f.Method != "" && !strings.EqualFold(f.Method, r.Method) ||
			f.Path != "" && !strings.HasPrefix(r.URL.Path, absPath(f.Path)) {
			continue
		}
		if f.left > 0 {
			f.left--
			if f.left == 0 {
				s.faults = slices.Delete(s.faults, i, i+1)
			}
		}
		return *f, s.latency
	}
	return faultRule{}, s.latency
}

var (
	// maintenancePage is the page Torrent Suite's Apache serves while the
	// server is being upgraded.
	//go:embed pages/maintenance.html
	maintenancePage string
	// proxyPage is Apache's 502 and 504 page (status, text, text).
	//go:embed pages/proxy.html
	proxyPage string
)

// write sends the fault's status answer.
func (r *faultRule) write(w http.ResponseWriter) {
	h := w.Header()
	body := r.Body
	switch r.Status {
	case http.StatusServiceUnavailable:
		body = cmp.Or(body, maintenancePage)
	case http.StatusInternalServerError:
		body = cmp.Or(body, `{"error_message": "`+cannedError+`"}`)
	case http.StatusBadGateway, http.StatusGatewayTimeout:
		body = cmp.Or(body, fmt.Sprintf(proxyPage, r.Status, http.StatusText(r.Status), http.StatusText(r.Status)))
	case http.StatusTooManyRequests:
		h.Set("Retry-After", "1")
	case http.StatusUnauthorized:
		h.Set("WWW-Authenticate", realm)
	}
	if r.RetryAfter != "" {
		h.Set("Retry-After", r.RetryAfter)
	}
	h.Set("Content-Type", "text/html; charset=utf-8")
	if strings.HasPrefix(strings.TrimSpace(body), "<") {
		h.Set("Content-Type", "text/html; charset=iso-8859-1")
	} else if body != "" {
		h.Set("Content-Type", "application/json")
	}
	w.WriteHeader(r.Status)
	w.Write([]byte(body))
}

// dropConnection sends rec's status, headers (with the full length) and
// half of its body, then closes the connection.
func dropConnection(w http.ResponseWriter, rec *response) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic("tsapitest: the connection cannot be hijacked")
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		return
	}
	defer conn.Close()
	body := rec.body.Bytes()
	bw := bufio.NewWriter(conn)
	fmt.Fprintf(bw, "HTTP/1.1 %d %s\r\n", rec.status, http.StatusText(rec.status))
	rec.header.Set("Content-Length", fmt.Sprint(max(len(body), 2)))
	rec.header.Write(bw)
	bw.WriteString("\r\n")
	bw.Write(body[:len(body)/2])
	bw.Flush()
}
