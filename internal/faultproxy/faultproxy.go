// Package faultproxy is a loopback HTTP reverse proxy for tests. It sits in
// front of a real server and, on request, loses answers: it can forward a
// request and then drop or delay the server's answer, drop a request before
// it reaches the server, or answer in the server's place. Every request it
// sees is logged, so a test can tell how many requests actually reached the
// server.
//
// The proxy forwards the method, path, query, headers (Authorization, Cookie
// and the client's Host header included) and body unchanged, and copies the
// answer's status, headers (Set-Cookie, and Location as the server wrote it)
// and body back. Hop-by-hop headers (Connection and the like) are not
// forwarded in either direction; trailers and protocol upgrades are not
// supported. Redirects are never followed upstream.
//
// Note that Go's http.Transport retries a replayable request (GET, HEAD,
// OPTIONS, TRACE, or any request carrying an Idempotency-Key header) by itself when a reused keep-alive connection is
// closed before any byte of the answer arrived — which is exactly what
// DropAnswer and DropRequest do. Tests that want to see every drop as an
// error should use a client transport with keep-alives disabled or arm the
// fault for as many requests as the transport may send.
package faultproxy

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
)

// Action tells the proxy what to do with a request a Fault matched.
type Action int

const (
	// Pass forwards the request and copies the answer back normally.
	Pass Action = iota
	// DropAnswer forwards the request, lets the target answer fully (the
	// whole upstream body is read), then closes the client's connection
	// without writing any byte of the answer.
	DropAnswer
	// DelayAnswer forwards the request, reads the target's answer, waits
	// Fault.Delay (or until the client goes away or the proxy is closed),
	// then writes the answer if the client is still there.
	DelayAnswer
	// DropRequest does not forward the request: the client's connection is
	// closed at once without an answer and the target never sees it.
	DropRequest
	// Respond does not forward the request: the proxy answers with
	// Fault.Status, Fault.Header and Fault.Body itself.
	Respond
)

// String returns the action's name, such as "DropAnswer".
func (a Action) String() string {
	switch a {
	case Pass:
		return "Pass"
	case DropAnswer:
		return "DropAnswer"
	case DelayAnswer:
		return "DelayAnswer"
	case DropRequest:
		return "DropRequest"
	case Respond:
		return "Respond"
	}
	return fmt.Sprintf("Action(%d)", int(a))
}

// Fault describes what to do with the requests it matches. A request
// matches when both Method and Path match.
type Fault struct {
	// Method is the HTTP method to match; "" matches any method.
	Method string
	// Path matches when the request's path (without the query) has it as a
	// prefix; "" matches any path.
	Path string
	// Action is what happens to a matched request.
	Action Action
	// Delay is how long DelayAnswer holds the answer back.
	Delay time.Duration
	// Status is the status Respond answers with; 0 means 200.
	Status int
	// Header holds the headers Respond answers with.
	Header http.Header
	// Body is the body Respond answers with.
	Body string
	// Between, when set, runs after the target answered a forwarded request
	// and before the client gets (or loses) the answer, so that a test can
	// make another client's write happen "in between". It is given the
	// upstream status. It does not run for DropRequest, Respond, or when the
	// target could not be reached.
	Between func(status int)
	// Times is how many matching requests the fault applies to; 0 means 1
	// and a negative value means every matching request.
	Times int
}

// Record is the log entry of one request the proxy saw.
type Record struct {
	// Method is the request's method.
	Method string
	// Path is the request's path, without the query.
	Path string
	// RawQuery is the request's encoded query, without the '?'.
	RawQuery string
	// Forwarded reports whether the request reached the target and the
	// target answered it (whatever then happened to the answer).
	Forwarded bool
	// Status is the target's status, 0 when the request was not forwarded
	// or the target could not be reached.
	Status int
	// Action is what the proxy did with the request: Pass when no fault
	// matched.
	Action Action
}

// armed is a Fault with its remaining uses.
type armed struct {
	f    Fault
	left int // < 0: unlimited
}

// Proxy is a running fault-injecting reverse proxy. Its methods are safe for
// concurrent use.
type Proxy struct {
	base      string // scheme://host/escaped-target-path, no trailing '/'
	ln        net.Listener
	srv       *http.Server
	transport *http.Transport

	ctx    context.Context // done when the proxy is closed
	cancel context.CancelFunc

	mu     sync.Mutex
	closed bool
	faults []*armed
	log    []*Record
	wg     sync.WaitGroup // running handlers

	closeOnce sync.Once
}

// New starts a proxy on 127.0.0.1 (on a free port) in front of target, the
// root URL of a server such as "http://127.0.0.1:8765". A path in target is
// prefixed to every forwarded path. Close stops the proxy.
func New(target string) (*Proxy, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, fmt.Errorf("faultproxy: target: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("faultproxy: target %q: want http://host[:port] or https://host[:port]", target)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return nil, fmt.Errorf("faultproxy: target %q: must not have a query, fragment or user info", target)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("faultproxy: listen: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := &Proxy{
		base: u.Scheme + "://" + u.Host + strings.TrimSuffix(u.EscapedPath(), "/"),
		ln:   ln,
		transport: &http.Transport{
			Proxy: nil, // never an environment proxy
			DialContext: (&net.Dialer{
				Timeout: 10 * time.Second,
			}).DialContext,
			DisableKeepAlives:  true,
			DisableCompression: true, // pass the client's Accept-Encoding and the raw body through
		},
		ctx:    ctx,
		cancel: cancel,
	}
	p.srv = &http.Server{
		Handler:           http.HandlerFunc(p.serve),
		ReadHeaderTimeout: 30 * time.Second,
	}
	go func() { _ = p.srv.Serve(ln) }()
	return p, nil
}

// URL returns the proxy's root URL, "http://127.0.0.1:PORT".
func (p *Proxy) URL() string {
	return "http://" + p.ln.Addr().String()
}

// Close stops the proxy: it stops accepting connections, closes the client
// connections, cuts short any DelayAnswer wait and upstream request in
// progress, and waits for the running handlers to return (a Between
// function still running is waited for). Calling Close again does nothing.
func (p *Proxy) Close() {
	p.closeOnce.Do(func() {
		p.mu.Lock()
		p.closed = true
		p.mu.Unlock()
		p.cancel()
		_ = p.srv.Close()
		p.wg.Wait()
		p.transport.CloseIdleConnections()
	})
}

// Arm adds a fault. Faults are consulted in the order they were armed; the
// first one that matches a request and has uses left applies to it. Arm
// panics on an unknown Action.
func (p *Proxy) Arm(f Fault) {
	if f.Action < Pass || f.Action > Respond {
		panic(fmt.Sprintf("faultproxy: Arm: unknown action %v", f.Action))
	}
	left := f.Times
	if left == 0 {
		left = 1
	}
	if left < 0 {
		left = -1
	}
	f.Header = f.Header.Clone()
	p.mu.Lock()
	p.faults = append(p.faults, &armed{f: f, left: left})
	p.mu.Unlock()
}

// Reset removes all faults and clears the log. Requests in progress keep
// the fault they matched but are no longer logged.
func (p *Proxy) Reset() {
	p.mu.Lock()
	p.faults = nil
	p.log = nil
	p.mu.Unlock()
}

// Log returns a copy of the records of every request the proxy saw, in the
// order they arrived. A record of a request still in progress may not show
// its final Forwarded and Status yet.
func (p *Proxy) Log() []Record {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]Record, len(p.log))
	for i, r := range p.log {
		out[i] = *r
	}
	return out
}

// Count returns how many logged requests with the given method ("" for any)
// and a path starting with pathPrefix ("" for any) reached the target
// (Record.Forwarded).
func (p *Proxy) Count(method, pathPrefix string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, r := range p.log {
		if r.Forwarded && matches(method, pathPrefix, r.Method, r.Path) {
			n++
		}
	}
	return n
}

func matches(method, pathPrefix, reqMethod, reqPath string) bool {
	return (method == "" || method == reqMethod) && strings.HasPrefix(reqPath, pathPrefix)
}

// begin logs the request and picks the fault that applies to it. ok is
// false when the proxy is closing; otherwise the caller must call p.wg.Done.
func (p *Proxy) begin(r *http.Request) (f Fault, rec *Record, ok bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return Fault{}, nil, false
	}
	p.wg.Add(1)
	for _, a := range p.faults {
		if a.left != 0 && matches(a.f.Method, a.f.Path, r.Method, r.URL.Path) {
			if a.left > 0 {
				a.left--
			}
			f = a.f
			break
		}
	}
	rec = &Record{Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery, Action: f.Action}
	p.log = append(p.log, rec)
	return f, rec, true
}

func (p *Proxy) serve(w http.ResponseWriter, r *http.Request) {
	f, rec, ok := p.begin(r)
	if !ok {
		abort(w)
		return
	}
	defer p.wg.Done()

	switch f.Action {
	case DropRequest:
		abort(w)
		return
	case Respond:
		h := w.Header()
		for k, vv := range f.Header {
			h[k] = slices.Clone(vv)
		}
		status := f.Status
		if status == 0 {
			status = http.StatusOK
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, f.Body)
		return
	}

	resp, body, err := p.forward(r) //nolint:bodyclose // forward reads and closes the body, returned as body
	if err != nil {
		if p.ctx.Err() != nil {
			abort(w)
			return
		}
		http.Error(w, "faultproxy: upstream: "+err.Error(), http.StatusBadGateway)
		return
	}
	// Let the server notice a client that goes away: the background read
	// that cancels r.Context starts once the request body is consumed.
	_, _ = io.Copy(io.Discard, r.Body)

	p.mu.Lock()
	rec.Forwarded = true
	rec.Status = resp.StatusCode
	p.mu.Unlock()

	if f.Between != nil {
		f.Between(resp.StatusCode)
	}

	switch f.Action {
	case DropAnswer:
		abort(w)
		return
	case DelayAnswer:
		if f.Delay > 0 {
			t := time.NewTimer(f.Delay)
			select {
			case <-t.C:
			case <-r.Context().Done():
			case <-p.ctx.Done():
			}
			t.Stop()
		}
		if r.Context().Err() != nil || p.ctx.Err() != nil {
			abort(w)
			return
		}
	}

	h := w.Header()
	for k, vv := range resp.Header {
		h[k] = vv
	}
	removeHopByHop(h)
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(body)
}

// forward sends r to the target and reads the whole answer. The upstream
// request is not tied to the client's connection, only to the proxy's
// life, so that a client that gives up does not cancel what the target
// sees.
func (p *Proxy) forward(r *http.Request) (*http.Response, []byte, error) {
	raw := p.base + r.URL.EscapedPath()
	if r.URL.RawQuery != "" || r.URL.ForceQuery {
		raw += "?" + r.URL.RawQuery
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, nil, err
	}
	out := (&http.Request{
		Method:        r.Method,
		URL:           u,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        r.Header.Clone(),
		Host:          r.Host,
		ContentLength: r.ContentLength,
	}).WithContext(p.ctx)
	if out.Header == nil {
		out.Header = http.Header{}
	}
	if r.ContentLength != 0 {
		out.Body = r.Body
	}
	removeHopByHop(out.Header)
	if _, ok := out.Header["User-Agent"]; !ok {
		out.Header.Set("User-Agent", "") // keep the transport from adding one
	}

	resp, err := p.transport.RoundTrip(out)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, resp.Body); err != nil {
		return nil, nil, fmt.Errorf("reading answer: %w", err)
	}
	return resp, buf.Bytes(), nil
}

// hopByHop lists the headers that belong to one connection, not to the
// message (RFC 9110, section 7.6.1).
var hopByHop = []string{
	"Connection",
	"Keep-Alive",
	"Proxy-Connection",
	"Te",
	"Trailer",
	"Transfer-Encoding",
	"Upgrade",
}

func removeHopByHop(h http.Header) {
	for _, v := range h.Values("Connection") {
		for _, name := range strings.Split(v, ",") {
			if name = strings.TrimSpace(name); name != "" {
				h.Del(name)
			}
		}
	}
	for _, name := range hopByHop {
		h.Del(name)
	}
}

// abort closes the client's connection without writing anything more to
// it.
func abort(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
			return
		}
	}
	// Without a hijackable connection, this panic makes the server close
	// the connection without sending a response.
	panic(http.ErrAbortHandler)
}
