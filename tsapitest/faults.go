package tsapitest

import (
	"bufio"
	"fmt"
	"net/http"
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

func (r *faultRule) delay() time.Duration {
	if r == nil {
		return 0
	}
	return r.Delay
}

// AddFault adds a fault. Faults are tried in the order they were added;
// the first that matches a request and has uses left applies to it.
func (s *Server) AddFault(f Fault) {
	left := f.Times
	if left == 0 {
		left = 1
	}
	s.faultMu.Lock()
	s.faults = append(s.faults, &faultRule{Fault: f, left: left})
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

// matchFault takes one use of the first fault matching r.
func (s *Server) matchFault(r *http.Request) (*faultRule, time.Duration) {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	for i, f := range s.faults {
		if f.left == 0 {
			continue
		}
		if f.Method != "" && !strings.EqualFold(f.Method, r.Method) {
			continue
		}
		if f.Path != "" && !strings.HasPrefix(r.URL.Path, absPath(f.Path)) {
			continue
		}
		if f.left > 0 {
			f.left--
			if f.left == 0 {
				s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
			}
		}
		c := *f
		return &c, s.latency
	}
	return nil, s.latency
}

// maintenancePage is the page Torrent Suite's Apache serves while the
// server is being upgraded.
const maintenancePage = `<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">
<html><head>
<title>Torrent Server - Maintenance</title>
</head><body>
<h1>Torrent Server is being upgraded</h1>
<p>The Torrent Server is temporarily unavailable while software is updated. Please try again in a few minutes.</p>
</body></html>
`

func apachePage(code int) string {
	text := http.StatusText(code)
	return fmt.Sprintf(`<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">
<html><head>
<title>%d %s</title>
</head><body>
<h1>%s</h1>
<p>The proxy server received an invalid response from an upstream server.</p>
<hr>
<address>Apache/2.4.29 (Ubuntu) Server at localhost Port 80</address>
</body></html>
`, code, text, text)
}

// write sends the fault's status answer and returns the status.
func (r *faultRule) write(w http.ResponseWriter) int {
	h := w.Header()
	body := r.Body
	ctype := ""
	switch r.Status {
	case http.StatusServiceUnavailable:
		if body == "" {
			body = maintenancePage
		}
	case http.StatusInternalServerError:
		if body == "" {
			body = `{"error_message": "` + cannedError + `"}`
		}
	case http.StatusBadGateway, http.StatusGatewayTimeout:
		if body == "" {
			body = apachePage(r.Status)
		}
	case http.StatusTooManyRequests:
		if r.RetryAfter == "" {
			h.Set("Retry-After", "1")
		}
	case http.StatusUnauthorized:
		h.Set("WWW-Authenticate", `Basic Realm="Torrent Suite"`)
	}
	if r.RetryAfter != "" {
		h.Set("Retry-After", r.RetryAfter)
	}
	switch {
	case strings.HasPrefix(strings.TrimSpace(body), "<"):
		ctype = "text/html; charset=iso-8859-1"
	case body != "":
		ctype = "application/json"
	default:
		ctype = "text/html; charset=utf-8"
	}
	h.Set("Content-Type", ctype)
	h.Set("Content-Length", fmt.Sprint(len(body)))
	w.WriteHeader(r.Status)
	w.Write([]byte(body))
	return r.Status
}

// dropConnection sends rec's status, headers (with the full length) and
// half of its body, then closes the connection.
func dropConnection(w http.ResponseWriter, rec *response) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic("tsapitest: the connection cannot be hijacked")
	}
	conn, buf, err := hj.Hijack()
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
	half := body[:len(body)/2]
	bw.Write(half)
	bw.Flush()
	_ = buf
}
