package tsapi

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
	"pgregory.net/rapid"
)

// A model-based property test of the Client's options and of Clone: a
// parent option set and a clone option set are drawn from a generator per
// Option constructor, parent and clone are built, and requests from both
// go to loopback servers (two over TLS, each with its own CA, one plain).
// What reaches the servers (user agent, credentials, cookies, the
// transport a connection came from, TLS verification, timeouts, retries,
// body caps, concurrency) and what the hooks and loggers hear is compared
// with a model of each client's effective options: the parent's are its
// own; the clone's are the parent's followed by its own, without the
// parent's credentials, and with the TLS options and the transport options
// each replaced whole when the clone gives one of them.

// propShort is the timeout that the stalled request must hit; any other
// effective timeout (none, 10 minutes, the 60 s default) must not.
const propShort = time.Second

// propBigBody is the size of the "big" answer: over the small body cap,
// under every other.
const propBigBody = 3000

// propCred is drawn credentials.
type propCred struct {
	scheme, user, secret string
}

func (c *propCred) header() string {
	if c.scheme == "Basic" {
		return "Basic " + base64.StdEncoding.EncodeToString([]byte(c.user+":"+c.secret))
	}
	return c.scheme + " " + c.user + ":" + c.secret
}

// propRT is a drawn transport. Its connections come from their own
// loopback address, so the server sees which transport a request used.
type propRT struct {
	id      int
	from    string            // the source address of its connections
	rt      http.RoundTripper // an *http.Transport, or a wrapper when wrapped
	inner   *http.Transport
	wrapped bool    // not an *http.Transport: adds X-Prop-Wrapper
	roots   *testCA // its own TLS config's roots
	skip    bool    // its own TLS config skips verification
	tlsCfg  *tls.Config
}

// propWrapper is a RoundTripper that is not an *http.Transport.
type propWrapper struct {
	id    int
	inner *http.Transport
}

func (w *propWrapper) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("X-Prop-Wrapper", strconv.Itoa(w.id))
	return w.inner.RoundTrip(r)
}

func (w *propWrapper) CloseIdleConnections() { w.inner.CloseIdleConnections() }

// propHC is a drawn *http.Client.
type propHC struct {
	hc      *http.Client
	rt      *propRT // nil: no Transport
	timeout time.Duration
	jar     http.CookieJar // a jar holding a cookie that must never be sent
}

// propHook records the calls of a drawn request hook.
type propHook struct {
	id    int
	mu    sync.Mutex
	calls []RequestInfo
}

func (h *propHook) fn(ri RequestInfo) {
	h.mu.Lock()
	h.calls = append(h.calls, ri)
	h.mu.Unlock()
}

func (h *propHook) taken() []RequestInfo {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := h.calls
	h.calls = nil
	return out
}

// propLog is a drawn logger.
type propLog struct {
	id  int
	mu  sync.Mutex
	buf bytes.Buffer
	l   *slog.Logger
}

func (p *propLog) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.buf.Write(b)
}

func (p *propLog) text() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.buf.String()
}

// propModel is what a client's options say.
type propModel struct {
	auth          *propCred
	ua            string
	timeout       time.Duration
	timeoutSet    bool
	hc            *propHC
	rt            *propRT
	roots         *testCA
	insecure      bool
	retries       int
	waitMin       time.Duration
	waitMax       time.Duration
	maxRetryAfter time.Duration
	maxBody       int64
	cookies       bool
	hook          *propHook
	logger        *propLog
	concurrency   int
	bad           bool // an option is refused
}

func propDefaults() propModel {
	return propModel{ua: DefaultUserAgent, retries: DefaultMaxRetries, waitMin: DefaultRetryWaitMin,
		waitMax: DefaultRetryWaitMax, maxRetryAfter: DefaultMaxRetryAfter, maxBody: DefaultMaxResponseBytes,
		cookies: true, concurrency: DefaultConcurrency}
}

// transport is the transport the client's requests go through (nil: the
// library's default).
func (m *propModel) transport() *propRT {
	if m.rt != nil {
		return m.rt
	}
	if m.hc != nil {
		return m.hc.rt
	}
	return nil
}

func (m *propModel) tlsGiven() bool { return m.roots != nil || m.insecure }

// buildFails says whether New (or Clone) refuses the options.
func (m *propModel) buildFails() bool {
	if m.bad {
		return true
	}
	rt := m.transport()
	return m.tlsGiven() && rt != nil && rt.wrapped
}

// effTimeout is the bound on each attempt.
func (m *propModel) effTimeout() time.Duration {
	switch {
	case m.timeoutSet:
		return m.timeout
	case m.hc != nil && m.hc.timeout != 0:
		return m.hc.timeout
	}
	return DefaultTimeout
}

// verifies says whether a TLS handshake with a server whose certificate ca
// signed succeeds (ca nil: the plain server, no TLS).
func (m *propModel) verifies(ca *testCA) bool {
	if ca == nil {
		return true
	}
	rt := m.transport()
	var roots *testCA
	var skip bool
	if rt != nil {
		roots, skip = rt.roots, rt.skip
	}
	if m.tlsGiven() {
		if m.roots != nil {
			roots = m.roots
		}
		skip = m.insecure
	}
	return skip || roots == ca
}

// from is the source address of the client's connections.
func (m *propModel) from() string {
	if rt := m.transport(); rt != nil {
		return rt.from
	}
	return "127.0.0.1"
}

func (m *propModel) wrapper() string {
	if rt := m.transport(); rt != nil && rt.wrapped {
		return strconv.Itoa(rt.id)
	}
	return ""
}

// propOpt is a drawn option and what it does to the model.
type propOpt struct {
	desc      string
	opt       Option
	apply     func(*propModel)
	tls       bool // one of the TLS options
	transport bool // WithTransport or WithHTTPClient
}

// propCase is one drawn case: the things its options refer to.
type propCase struct {
	cas     []*testCA
	nextID  int
	rts     []*propRT
	hcs     []*propHC
	hooks   []*propHook
	logs    []*propLog
	secrets []string
	servers []*propServer
}

func (pc *propCase) id() int { pc.nextID++; return pc.nextID }

// propBad draws whether a generator gives an invalid argument (rarely).
// (rapid favours the ends of a range: the invalid value is inside it.)
func propBad(t *rapid.T) bool { return rapid.IntRange(0, 40).Draw(t, "invalid") == 37 }

func (pc *propCase) cred(scheme string) *propCred {
	n := pc.id()
	c := &propCred{scheme: scheme, user: "user" + strconv.Itoa(n), secret: fmt.Sprintf("secret-%d-%x", n, rand.Uint32())}
	if scheme == "PluginKey" {
		c.user = strconv.Itoa(100 + n)
	}
	pc.secrets = append(pc.secrets, c.secret)
	return c
}

func propAuth(c *propCred) func(*propModel) {
	return func(m *propModel) {
		if m.auth != nil {
			m.bad = true // only one authentication option
		}
		m.auth = c
	}
}

func propRefusedOpt(desc string, o Option) propOpt {
	return propOpt{desc: desc + " (invalid)", opt: o, apply: func(m *propModel) { m.bad = true }}
}

// newRT makes a transport of a drawn kind.
func (pc *propCase) newRT(t *rapid.T) *propRT {
	id := pc.id()
	from := fmt.Sprintf("127.0.0.%d", 10+id)
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}, Timeout: 30 * time.Second}
	inner := &http.Transport{DialContext: d.DialContext, MaxIdleConnsPerHost: 8}
	p := &propRT{id: id, from: from, rt: inner, inner: inner}
	switch rapid.SampledFrom([]string{"plain", "roots", "skip", "wrapper"}).Draw(t, "transport kind") {
	case "roots":
		p.roots = rapid.SampledFrom(pc.cas).Draw(t, "transport roots")
		p.tlsCfg = &tls.Config{RootCAs: p.roots.pool, MinVersion: tls.VersionTLS12}
	case "skip":
		p.skip = true
		p.tlsCfg = &tls.Config{InsecureSkipVerify: true} //nolint:gosec // a transport that says so
	case "wrapper":
		p.wrapped = true
		p.rt = &propWrapper{id: id, inner: inner}
	}
	inner.TLSClientConfig = p.tlsCfg
	pc.rts = append(pc.rts, p)
	return p
}

func (p *propRT) String() string {
	switch {
	case p.wrapped:
		return fmt.Sprintf("wrapper%d", p.id)
	case p.roots != nil:
		return fmt.Sprintf("transport%d(roots %s)", p.id, p.roots.name)
	case p.skip:
		return fmt.Sprintf("transport%d(skip verify)", p.id)
	}
	return fmt.Sprintf("transport%d", p.id)
}

var propTimeouts = []time.Duration{0, propShort, 10 * time.Minute}

// propGenerators has a generator for every Option constructor of the
// package; TestPropGeneratorsCoverEveryOption fails when one is missing.
var propGenerators = map[string]func(*rapid.T, *propCase) propOpt{
	"WithBasicAuth": func(t *rapid.T, pc *propCase) propOpt {
		if propBad(t) {
			return propRefusedOpt("WithBasicAuth(u, \"\")", WithBasicAuth("u", ""))
		}
		c := pc.cred("Basic")
		return propOpt{desc: "WithBasicAuth(" + c.user + ")", opt: WithBasicAuth(c.user, c.secret), apply: propAuth(c)}
	},
	"WithAPIKey": func(t *rapid.T, pc *propCase) propOpt {
		if propBad(t) {
			return propRefusedOpt("WithAPIKey(\"\", k)", WithAPIKey("", "k"))
		}
		c := pc.cred("ApiKey")
		return propOpt{desc: "WithAPIKey(" + c.user + ")", opt: WithAPIKey(c.user, c.secret), apply: propAuth(c)}
	},
	"WithPluginKey": func(t *rapid.T, pc *propCase) propOpt {
		if propBad(t) {
			return propRefusedOpt("WithPluginKey(0, k)", WithPluginKey(0, "k"))
		}
		c := pc.cred("PluginKey")
		id, _ := strconv.ParseInt(c.user, 10, 64)
		return propOpt{desc: "WithPluginKey(" + c.user + ")", opt: WithPluginKey(id, c.secret), apply: propAuth(c)}
	},
	"WithHTTPClient": func(t *rapid.T, pc *propCase) propOpt {
		if propBad(t) {
			return propRefusedOpt("WithHTTPClient(nil)", WithHTTPClient(nil))
		}
		h := &propHC{timeout: rapid.SampledFrom(propTimeouts).Draw(t, "client timeout")}
		h.hc = &http.Client{Timeout: h.timeout}
		if rapid.Bool().Draw(t, "client transport") {
			h.rt = pc.newRT(t)
			h.hc.Transport = h.rt.rt
		}
		if rapid.Bool().Draw(t, "client jar") {
			h.jar, _ = cookiejar.New(nil)
			for _, s := range pc.servers {
				u, _ := url.Parse(s.srv.URL)
				h.jar.SetCookies(u, []*http.Cookie{{Name: "evil", Value: "1", Path: "/"}, {Name: SessionCookie, Value: "evil"}})
			}
			h.hc.Jar = h.jar
		}
		pc.hcs = append(pc.hcs, h)
		desc := fmt.Sprintf("WithHTTPClient(timeout %v, jar %v, transport %v)", h.timeout, h.jar != nil, h.rt)
		return propOpt{desc: desc, opt: WithHTTPClient(h.hc), transport: true, apply: func(m *propModel) { m.hc = h }}
	},
	"WithTransport": func(t *rapid.T, pc *propCase) propOpt {
		if propBad(t) {
			return propRefusedOpt("WithTransport(nil)", WithTransport(nil))
		}
		rt := pc.newRT(t)
		return propOpt{desc: "WithTransport(" + rt.String() + ")", opt: WithTransport(rt.rt), transport: true,
			apply: func(m *propModel) { m.rt = rt }}
	},
	"WithUserAgent": func(t *rapid.T, pc *propCase) propOpt {
		if propBad(t) {
			return propRefusedOpt("WithUserAgent(line break)", WithUserAgent("a\r\nX-Evil: 1"))
		}
		ua := rapid.SampledFrom([]string{"", "agent-one/1", "agent-two/2"}).Draw(t, "user agent")
		return propOpt{desc: fmt.Sprintf("WithUserAgent(%q)", ua), opt: WithUserAgent(ua), apply: func(m *propModel) { m.ua = ua }}
	},
	"WithTimeout": func(t *rapid.T, pc *propCase) propOpt {
		if propBad(t) {
			return propRefusedOpt("WithTimeout(-1s)", WithTimeout(-time.Second))
		}
		return propTimeout(rapid.SampledFrom(propTimeouts).Draw(t, "timeout"))
	},
	"WithLogger": func(t *rapid.T, pc *propCase) propOpt {
		if rapid.IntRange(0, 4).Draw(t, "nil logger") == 0 {
			return propOpt{desc: "WithLogger(nil)", opt: WithLogger(nil), apply: func(m *propModel) { m.logger = nil }}
		}
		l := &propLog{id: pc.id()}
		l.l = slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
		pc.logs = append(pc.logs, l)
		return propOpt{desc: fmt.Sprintf("WithLogger(log%d)", l.id), opt: WithLogger(l.l), apply: func(m *propModel) { m.logger = l }}
	},
	"WithCACertPool": func(t *rapid.T, pc *propCase) propOpt {
		if propBad(t) {
			return propRefusedOpt("WithCACertPool(nil)", WithCACertPool(nil))
		}
		ca := rapid.SampledFrom(pc.cas).Draw(t, "pool")
		return propOpt{desc: "WithCACertPool(" + ca.name + ")", opt: WithCACertPool(ca.pool), tls: true,
			apply: func(m *propModel) { m.roots = ca }}
	},
	"WithCAFile": func(t *rapid.T, pc *propCase) propOpt {
		if propBad(t) {
			return propRefusedOpt("WithCAFile(missing)", WithCAFile(pc.cas[0].file+".missing"))
		}
		ca := rapid.SampledFrom(pc.cas).Draw(t, "CA file")
		return propOpt{desc: "WithCAFile(" + ca.name + ")", opt: WithCAFile(ca.file), tls: true,
			apply: func(m *propModel) { m.roots = ca }}
	},
	"WithInsecureSkipVerify": func(t *rapid.T, pc *propCase) propOpt {
		return propOpt{desc: "WithInsecureSkipVerify()", opt: WithInsecureSkipVerify(), tls: true,
			apply: func(m *propModel) { m.insecure = true }}
	},
	"WithRetry": func(t *rapid.T, pc *propCase) propOpt {
		if propBad(t) {
			return propRefusedOpt("WithRetry(-1, 0, 0)", WithRetry(-1, 0, 0))
		}
		n := rapid.IntRange(0, 2).Draw(t, "retries")
		lo := rapid.SampledFrom([]time.Duration{0, time.Millisecond}).Draw(t, "wait min")
		hi := lo + rapid.SampledFrom([]time.Duration{0, time.Millisecond}).Draw(t, "wait max")
		return propOpt{desc: fmt.Sprintf("WithRetry(%d, %v, %v)", n, lo, hi), opt: WithRetry(n, lo, hi),
			apply: func(m *propModel) { m.retries, m.waitMin, m.waitMax = n, lo, hi }}
	},
	"WithMaxRetryAfter": func(t *rapid.T, pc *propCase) propOpt {
		if propBad(t) {
			return propRefusedOpt("WithMaxRetryAfter(-1s)", WithMaxRetryAfter(-time.Second))
		}
		d := rapid.SampledFrom([]time.Duration{0, time.Second, time.Hour}).Draw(t, "max retry after")
		return propOpt{desc: fmt.Sprintf("WithMaxRetryAfter(%v)", d), opt: WithMaxRetryAfter(d),
			apply: func(m *propModel) { m.maxRetryAfter = d }}
	},
	"WithMaxResponseBytes": func(t *rapid.T, pc *propCase) propOpt {
		if propBad(t) {
			return propRefusedOpt("WithMaxResponseBytes(0)", WithMaxResponseBytes(0))
		}
		n := rapid.SampledFrom([]int64{1000, 1 << 20}).Draw(t, "max body")
		return propOpt{desc: fmt.Sprintf("WithMaxResponseBytes(%d)", n), opt: WithMaxResponseBytes(n),
			apply: func(m *propModel) { m.maxBody = n }}
	},
	"WithRequestHook": func(t *rapid.T, pc *propCase) propOpt {
		if rapid.IntRange(0, 4).Draw(t, "nil hook") == 0 {
			return propOpt{desc: "WithRequestHook(nil)", opt: WithRequestHook(nil), apply: func(m *propModel) { m.hook = nil }}
		}
		h := &propHook{id: pc.id()}
		pc.hooks = append(pc.hooks, h)
		return propOpt{desc: fmt.Sprintf("WithRequestHook(hook%d)", h.id), opt: WithRequestHook(h.fn),
			apply: func(m *propModel) { m.hook = h }}
	},
	"WithConcurrency": func(t *rapid.T, pc *propCase) propOpt {
		if propBad(t) {
			return propRefusedOpt("WithConcurrency(0)", WithConcurrency(0))
		}
		n := rapid.IntRange(1, 3).Draw(t, "concurrency")
		return propOpt{desc: fmt.Sprintf("WithConcurrency(%d)", n), opt: WithConcurrency(n),
			apply: func(m *propModel) { m.concurrency = n }}
	},
	"WithoutCookies": func(t *rapid.T, pc *propCase) propOpt {
		return propOpt{desc: "WithoutCookies()", opt: WithoutCookies(), apply: func(m *propModel) { m.cookies = false }}
	},
}

func propTimeout(d time.Duration) propOpt {
	return propOpt{desc: fmt.Sprintf("WithTimeout(%v)", d), opt: WithTimeout(d),
		apply: func(m *propModel) { m.timeout, m.timeoutSet = d, true }}
}

// propDrawOpts draws up to maxN options.
func propDrawOpts(t *rapid.T, pc *propCase, label string, maxN int) []propOpt {
	names := make([]string, 0, len(propGenerators))
	for n := range propGenerators {
		names = append(names, n)
	}
	sort.Strings(names)
	k := rapid.IntRange(0, maxN).Draw(t, label+" count")
	out := make([]propOpt, k)
	for i := range out {
		name := rapid.SampledFrom(names).Draw(t, label+" option")
		out[i] = propGenerators[name](t, pc)
	}
	return out
}

func propModelOf(base propModel, opts []propOpt) propModel {
	m := base
	for _, o := range opts {
		o.apply(&m)
	}
	return m
}

// propCloneModel is what a clone's options say: the parent's, without its
// credentials, then the clone's own; TLS and transport options given to
// the clone replace the parent's whole.
func propCloneModel(parent propModel, opts []propOpt) propModel {
	m := parent
	m.auth = nil
	ownTLS := slices.ContainsFunc(opts, func(o propOpt) bool { return o.tls })
	ownTransport := slices.ContainsFunc(opts, func(o propOpt) bool { return o.transport })
	if ownTLS {
		m.roots, m.insecure = nil, false
	}
	if ownTransport {
		m.rt, m.hc = nil, nil
	}
	return propModelOf(m, opts)
}

// propServer is a loopback server that records what reaches it.
type propServer struct {
	name string
	ca   *testCA // nil: plain HTTP
	srv  *httptest.Server

	mu        sync.Mutex
	kind      string // the current step's
	stall     time.Duration
	failsLeft int
	seen      []propSeen
	issued    string // the session cookie set by the step's last answer
	cookieN   int
	inflight  int
	peak      int
	latch     chan struct{}
	latchWant int
}

type propSeen struct {
	method, path     string
	query            url.Values
	ua, auth, cookie string
	from, wrapper    string
}

// propJobs is how many jobs the list answers hold.
const propJobs = 12

// GoString keeps rapid's log of the drawn server short.
func (s *propServer) GoString() string { return "server " + s.name }

func (s *propServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	host, _, _ := net.SplitHostPort(r.RemoteAddr)
	s.mu.Lock()
	s.seen = append(s.seen, propSeen{method: r.Method, path: r.URL.Path, query: r.URL.Query(), ua: r.Header.Get("User-Agent"),
		auth: r.Header.Get("Authorization"), cookie: r.Header.Get("Cookie"), from: host, wrapper: r.Header.Get("X-Prop-Wrapper")})
	kind, stall := s.kind, s.stall
	session := func() {
		s.cookieN++
		s.issued = fmt.Sprintf("%s-%d", s.name, s.cookieN)
		http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: s.issued, Path: "/"})
	}
	w.Header().Set("Content-Type", "application/json")
	switch kind {
	case "get":
		session()
		s.mu.Unlock()
		_, _ = io.WriteString(w, faultJobJSON)
	case "retry":
		if s.failsLeft > 0 {
			s.failsLeft--
			s.mu.Unlock()
			w.Header().Set("Retry-After", "0")
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = io.WriteString(w, "<html>busy</html>")
			return
		}
		session()
		s.mu.Unlock()
		_, _ = io.WriteString(w, faultJobJSON)
	case "big":
		s.mu.Unlock()
		pad := strings.Repeat("x", propBigBody)
		_, _ = fmt.Fprintf(w, `{"id": 5, "state": "Started", "config": {"pad": %q}, "run_level": "default"}`, pad)
	case "stall":
		s.mu.Unlock()
		select {
		case <-r.Context().Done():
			// No answer at all: one written now could still reach a client
			// whose TLS close raced with it, as a 200.
			panic(http.ErrAbortHandler)
		case <-time.After(stall):
		}
		w.Header().Set("Location", "/rundb/api/v1/PluginResultJob/77/")
		w.WriteHeader(http.StatusCreated)
	case "all":
		ranged := r.URL.Query().Get("id__lt") != ""
		latch := s.latch
		if ranged {
			s.inflight++
			s.peak = max(s.peak, s.inflight)
			if s.inflight >= s.latchWant {
				select {
				case <-latch:
				default:
					close(latch)
				}
			}
		}
		s.mu.Unlock()
		if ranged {
			// Hold the ranges until as many are in flight as the client
			// should send at once (the deadline only detects a hang).
			select {
			case <-latch:
			case <-r.Context().Done():
			case <-time.After(10 * time.Second):
			}
			s.mu.Lock()
			s.inflight-- // before the answer: the next request may follow it at once
			s.mu.Unlock()
		}
		s.list(w, r)
	default:
		s.mu.Unlock()
		w.WriteHeader(http.StatusTeapot)
	}
}

// list answers a keyset page of jobs propJobs..1.
func (s *propServer) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, _ := strconv.Atoi(q.Get("limit"))
	lt, gte := int64(propJobs+1), int64(0)
	if v := q.Get("id__lt"); v != "" {
		lt, _ = strconv.ParseInt(v, 10, 64)
	}
	if v := q.Get("id__gte"); v != "" {
		gte, _ = strconv.ParseInt(v, 10, 64)
	}
	var ids []int64
	for id := min(lt-1, propJobs); id >= max(gte, 1); id-- {
		ids = append(ids, id)
	}
	total := len(ids)
	next := "null"
	if limit > 0 && len(ids) > limit {
		ids = ids[:limit]
		next = fmt.Sprintf(`"/rundb/api/v1/PluginResultJob/?limit=%d&offset=%d"`, limit, limit)
	}
	objs := make([]string, len(ids))
	for i, id := range ids {
		objs[i] = fmt.Sprintf(`{"id": %d, "state": "Queued", "config": {}, "run_level": "default"}`, id)
	}
	_, _ = fmt.Fprintf(w, `{"meta": {"limit": %d, "offset": 0, "total_count": %d, "next": %s}, "objects": [%s]}`,
		limit, total, next, strings.Join(objs, ","))
}

// begin sets up the next step.
func (s *propServer) begin(kind string, stall time.Duration, fails, latchWant int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.kind, s.stall, s.failsLeft, s.issued = kind, stall, fails, ""
	s.seen = nil
	s.inflight, s.peak, s.latchWant = 0, 0, latchWant
	s.latch = make(chan struct{})
}

func (s *propServer) taken() ([]propSeen, string, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.seen, s.issued, s.peak
}

// propClient is a built client and what the test knows of it.
type propClient struct {
	name    string
	c       *Client
	m       propModel
	session string // the session cookie the client should hold
}

// propStep is one drawn request.
type propStep struct {
	who   int // 0 parent, 1 clone
	kind  string
	fails int
}

// propRun runs one step for pcl against s and checks it against the model.
func propRun(t *rapid.T, pc *propCase, s *propServer, pcl *propClient, st propStep) {
	m := &pcl.m
	ok := m.verifies(s.ca)
	short := m.effTimeout() > 0 && m.effTimeout() <= propShort
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute) // a hang detector
	defer cancel()

	// A client that should time out is stalled until it gives up; the
	// others for a moment (their exact timeout is checked by
	// propCheckConfig: waiting out a wrong one of a second every time
	// would cost too much).
	stall := 30 * time.Second
	if !short {
		stall = 50 * time.Millisecond
	}
	want := 1
	if m.concurrency > 1 {
		want = min(m.concurrency, len(splitIDs(0, propJobs-1, propJobs, 2, 2, m.concurrency)))
	}
	s.begin(st.kind, stall, st.fails, want)

	var err error
	calls := 1
	wantAttempts := 1
	wantOK := ok
	wantStatus := 200
	switch st.kind {
	case "get":
		var j *PluginResultJob
		j, _, err = pcl.c.PluginResultJobs.Get(ctx, 5)
		if err == nil {
			assert.Equal(t, int64(5), j.ID)
		}
	case "retry":
		var resp *Response
		_, resp, err = pcl.c.PluginResultJobs.Get(ctx, 5)
		if ok {
			wantAttempts = min(st.fails, m.retries) + 1
			wantOK = st.fails <= m.retries
			if !wantOK {
				wantStatus = 503
				var ae *APIError
				if assert.ErrorAs(t, err, &ae, "retries exhausted") {
					assert.Equal(t, 503, ae.StatusCode)
				}
			} else if assert.NotNil(t, resp) {
				assert.Equal(t, wantAttempts, resp.Attempts)
			}
		}
	case "big":
		_, _, err = pcl.c.PluginResultJobs.Get(ctx, 5)
		if ok && m.maxBody < propBigBody {
			wantOK = false
			assert.ErrorIs(t, err, ErrResponseTooLarge)
		}
	case "stall":
		var id int64
		id, _, err = pcl.c.PluginResultJobs.Create(ctx, &PluginResultJobWrite{State: StateQueued})
		wantStatus = 201
		if ok && short {
			wantOK, wantStatus = false, 0
			var ou *OutcomeUnknownError
			if assert.ErrorAs(t, err, &ou, "a timed-out write is not resent") {
				var re *RequestError
				assert.True(t, errors.As(ou.Cause, &re) && re.Timeout(), "the cause is the timeout: %v", ou.Cause)
			}
		} else if ok {
			assert.Equal(t, int64(77), id)
		}
	case "all":
		var ids []int64
		for j, ierr := range pcl.c.PluginResultJobs.All(ctx, &PluginResultJobListOptions{ListOptions: ListOptions{Limit: 2}}) {
			if ierr != nil {
				err = ierr
				break
			}
			ids = append(ids, j.ID)
		}
		if ok {
			calls = propJobs / 2
			wantIDs := make([]int64, 0, propJobs)
			for id := int64(propJobs); id >= 1; id-- {
				wantIDs = append(wantIDs, id)
			}
			assert.Equal(t, wantIDs, ids)
		}
	}
	if wantOK {
		assert.NoError(t, err, "%s %s", pcl.name, st.kind)
	} else {
		assert.Error(t, err, "%s %s", pcl.name, st.kind)
	}
	if !ok {
		var re *RequestError
		assert.ErrorAs(t, err, &re, "a TLS handshake that fails verification")
		wantAttempts, wantStatus = 1, 0
	}
	for _, sec := range pc.secrets {
		if err != nil {
			assert.NotContains(t, err.Error(), sec)
		}
	}

	// On the wire.
	seen, issued, peak := s.taken()
	switch {
	case !ok:
		assert.Empty(t, seen, "%s: nothing reaches a server the client does not trust", pcl.name)
	case st.kind == "all":
		assert.Len(t, seen, calls)
		assert.Equal(t, want, peak, "%s: pages in flight at once", pcl.name)
	default:
		assert.Len(t, seen, wantAttempts, "%s: attempts", pcl.name)
	}
	for i, r := range seen {
		assert.Equal(t, m.ua, r.ua, "%s: user agent of request %d", pcl.name, i)
		wantAuth := ""
		if m.auth != nil && (m.auth.scheme != "Basic" || !m.cookies || pcl.session == "") {
			wantAuth = m.auth.header()
		}
		assert.Equal(t, wantAuth, r.auth, "%s: credentials of request %d", pcl.name, i)
		wantCookie := ""
		if m.cookies && pcl.session != "" {
			wantCookie = SessionCookie + "=" + pcl.session
		}
		assert.Equal(t, wantCookie, r.cookie, "%s: cookies of request %d", pcl.name, i)
		assert.Equal(t, m.from(), r.from, "%s: the transport of request %d", pcl.name, i)
		assert.Equal(t, m.wrapper(), r.wrapper, "%s: the wrapping transport of request %d", pcl.name, i)
	}
	if ok && issued != "" && m.cookies {
		pcl.session = issued
	}

	// The hooks: the client's own hears of each call, no other hook does.
	for _, h := range pc.hooks {
		got := h.taken()
		if h != m.hook {
			assert.Empty(t, got, "%s: hook%d is not the client's", pcl.name, h.id)
			continue
		}
		if !assert.Len(t, got, calls, "%s: hook%d", pcl.name, h.id) || st.kind == "all" {
			continue
		}
		assert.Equal(t, wantAttempts, got[0].Attempts, "%s: hook attempts", pcl.name)
		if st.kind != "big" || wantOK {
			assert.Equal(t, wantStatus, got[0].Status, "%s: hook status", pcl.name)
		}
		assert.Equal(t, err != nil, got[0].Err != nil, "%s: hook error", pcl.name)
	}
	if m.logger != nil {
		m.logger.mu.Lock()
		fmt.Fprintf(&m.logger.buf, "-- expect %d\n", calls) // counted by propCheckLogs
		m.logger.mu.Unlock()
	}
}

// propCheckLogs checks that each logger heard the calls of the clients
// using it, and the insecure warning of each client made insecure, and
// never a secret.
func propCheckLogs(t *rapid.T, pc *propCase, clients []*propClient) {
	for _, l := range pc.logs {
		text := l.text()
		wantWarn := 0
		for _, c := range clients {
			if c.m.logger == l && c.m.insecure {
				wantWarn++
			}
		}
		assert.Equal(t, wantWarn, strings.Count(text, "TLS certificate verification is disabled"), "log%d: warnings", l.id)
		wantReq := 0
		for _, line := range strings.Split(text, "\n") {
			if n, ok := strings.CutPrefix(line, "-- expect "); ok {
				k, _ := strconv.Atoi(n)
				wantReq += k
			}
		}
		assert.Equal(t, wantReq, strings.Count(text, `msg="tsapi request"`), "log%d: one line per request", l.id)
		for _, sec := range pc.secrets {
			assert.NotContains(t, text, sec, "log%d", l.id)
		}
	}
}

// propCheckConfig checks what the wire cannot show cheaply: the exact
// timeout, retry bounds, Retry-After cap, body cap and concurrency.
func propCheckConfig(t *rapid.T, pcl *propClient) {
	m, c := &pcl.m, pcl.c
	assert.Equal(t, m.effTimeout(), c.HTTPClient().Timeout, "%s: timeout", pcl.name)
	assert.Equal(t, m.retries, c.retry.RetryMax, "%s: retries", pcl.name)
	assert.Equal(t, m.waitMin, c.retry.RetryWaitMin, "%s: wait min", pcl.name)
	assert.Equal(t, m.waitMax, c.retry.RetryWaitMax, "%s: wait max", pcl.name)
	assert.Equal(t, m.maxBody, c.maxBody, "%s: body cap", pcl.name)
	assert.Equal(t, m.concurrency, c.concurrency, "%s: concurrency", pcl.name)
	assert.Equal(t, m.cookies, c.HTTPClient().Jar != nil, "%s: cookie jar", pcl.name)
	if m.hc != nil && m.hc.jar != nil {
		assert.False(t, c.HTTPClient().Jar == m.hc.jar, "%s: never the caller's jar", pcl.name)
	}
	// Last, as it holds the client's requests back for the wait.
	busy := &http.Response{StatusCode: http.StatusServiceUnavailable, Header: http.Header{"Retry-After": {"3600"}}}
	assert.Equal(t, min(time.Hour, m.maxRetryAfter), c.retry.Backoff(0, 0, 0, busy), "%s: Retry-After cap", pcl.name)
}

func TestPropCloneOptions(t *testing.T) {
	t.Cleanup(func() { // last: after the servers have closed
		goleak.VerifyNone(t, goleak.IgnoreTopFunction("net/http.(*persistConn).writeLoop"),
			goleak.IgnoreTopFunction("net/http.(*persistConn).readLoop"))
	})
	cas := []*testCA{newTestCA(t, "A"), newTestCA(t, "B")}
	servers := []*propServer{{name: "A", ca: cas[0]}, {name: "B", ca: cas[1]}, {name: "plain"}}
	for _, s := range servers {
		if s.ca != nil {
			s.srv = s.ca.start(t, s)
		} else {
			s.srv = httptest.NewServer(s)
			t.Cleanup(s.srv.Close)
		}
	}
	kinds := []string{"get", "retry", "big", "all", "stall", "get"}
	cases := 0
	propRapidCheck(t, 100, func(t *rapid.T) {
		cases++
		pc := &propCase{cas: cas, servers: servers}
		s := rapid.SampledFrom(servers).Draw(t, "server")
		parentOpts := propDrawOpts(t, pc, "parent", 5)
		if s.ca != nil && rapid.Bool().Draw(t, "parent TLS") {
			// Without a TLS option nothing reaches a TLS server: often give one.
			name := rapid.SampledFrom([]string{"WithCAFile", "WithCACertPool", "WithInsecureSkipVerify"}).Draw(t, "TLS option")
			parentOpts = append(parentOpts, propGenerators[name](t, pc))
		}
		cloneOpts := propDrawOpts(t, pc, "clone", 4)
		var steps []propStep
		if rapid.IntRange(0, 15).Draw(t, "short timeout") == 7 {
			// A short timeout for one client, and a request that stalls: a
			// second each time, so not often.
			who := rapid.IntRange(0, 1).Draw(t, "short who")
			if who == 0 {
				parentOpts = append(parentOpts, propTimeout(propShort))
			} else {
				cloneOpts = append(cloneOpts, propTimeout(propShort))
			}
			steps = append(steps, propStep{who: who, kind: "stall"})
		}
		var built []*propClient
		defer func() {
			for _, b := range built {
				b.c.HTTPClient().CloseIdleConnections()
			}
			for _, rt := range pc.rts {
				rt.inner.CloseIdleConnections()
			}
		}()
		for _, o := range parentOpts {
			t.Logf("parent: %s", o.desc)
		}
		for _, o := range cloneOpts {
			t.Logf("clone: %s", o.desc)
		}

		pm := propModelOf(propDefaults(), parentOpts)
		parent, err := New(s.srv.URL, optsOf(parentOpts)...)
		if pm.buildFails() {
			require.ErrorIs(t, err, ErrInvalidOption, "New refuses the parent's options")
			var ce *InvalidArgumentError
			require.ErrorAs(t, err, &ce)
			return
		}
		require.NoError(t, err)
		p := &propClient{name: "parent", c: parent, m: pm}
		built = append(built, p)
		propRun(t, pc, s, p, propStep{kind: "get"}) // a session for the clone not to inherit

		cm := propCloneModel(pm, cloneOpts)
		clone, err := parent.Clone(optsOf(cloneOpts)...)
		var cl *propClient
		if cm.buildFails() {
			require.ErrorIs(t, err, ErrInvalidOption, "Clone refuses the clone's options")
		} else {
			require.NoError(t, err)
			assert.Equal(t, parent.BaseURL(), clone.BaseURL())
			if !slices.ContainsFunc(cloneOpts, func(o propOpt) bool { return o.tls || o.transport }) {
				assert.Same(t, parent.HTTPClient().Transport, clone.HTTPClient().Transport, "the connection pool is shared")
			}
			cl = &propClient{name: "clone", c: clone, m: cm}
			built = append(built, cl)
		}

		steps = append(rapid.SliceOfN(rapid.Custom(func(t *rapid.T) propStep {
			return propStep{who: rapid.IntRange(0, 1).Draw(t, "who"), kind: rapid.SampledFrom(kinds).Draw(t, "kind"),
				fails: rapid.IntRange(1, 3).Draw(t, "fails")}
		}), 1, 5).Draw(t, "steps"), steps...)
		for _, st := range steps {
			who := p
			if st.who == 1 && cl != nil {
				who = cl
			}
			propRun(t, pc, s, who, st)
		}
		propCheckLogs(t, pc, built)
		for _, b := range built {
			propCheckConfig(t, b)
		}
		// The caller's clients and transports are never changed.
		for _, h := range pc.hcs {
			assert.Equal(t, h.timeout, h.hc.Timeout)
			assert.Nil(t, h.hc.CheckRedirect)
			if h.jar != nil {
				assert.Same(t, h.jar, h.hc.Jar)
			}
			if h.rt != nil {
				assert.Equal(t, h.rt.rt, h.hc.Transport)
			}
		}
		for _, rt := range pc.rts {
			assert.Same(t, rt.tlsCfg, rt.inner.TLSClientConfig)
			if rt.tlsCfg != nil {
				assert.Equal(t, rt.skip, rt.tlsCfg.InsecureSkipVerify)
				if rt.roots != nil {
					assert.Same(t, rt.roots.pool, rt.tlsCfg.RootCAs)
				}
			}
		}
	})
	t.Logf("%d cases", cases)
}

func optsOf(os []propOpt) []Option {
	out := make([]Option, len(os))
	for i, o := range os {
		out[i] = o.opt
	}
	return out
}

// propRapidCheck runs rapid.Check with checks cases unless -rapid.checks
// was given, and a logged seed unless -rapid.seed was: a failure
// reproduces with -rapid.seed=N.
func propRapidCheck(t *testing.T, checks int, prop func(*rapid.T)) {
	t.Helper()
	set := map[string]bool{}
	flag.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if _, env := os.LookupEnv("RAPID_CHECKS"); !set["rapid.checks"] && !env {
		propSetFlag(t, "rapid.checks", strconv.Itoa(checks))
	}
	if _, env := os.LookupEnv("RAPID_SEED"); !set["rapid.seed"] && !env {
		propSetFlag(t, "rapid.seed", strconv.FormatUint(rand.Uint64(), 10))
	}
	t.Logf("rapid: %s cases, seed %s (rerun with -rapid.seed=%s)", flag.Lookup("rapid.checks").Value,
		flag.Lookup("rapid.seed").Value, flag.Lookup("rapid.seed").Value)
	rapid.Check(t, prop)
}

// propSetFlag sets a flag for the test and restores it afterwards.
func propSetFlag(t *testing.T, name, value string) {
	f := flag.Lookup(name)
	require.NotNil(t, f, name)
	old := f.Value.String()
	require.NoError(t, f.Value.Set(value))
	t.Cleanup(func() { _ = f.Value.Set(old) })
}

// TestPropGeneratorsCoverEveryOption fails when the package has an Option
// constructor that propGenerators does not draw: a new option must join
// the property test.
func TestPropGeneratorsCoverEveryOption(t *testing.T) {
	fset := token.NewFileSet()
	entries, err := os.ReadDir(".")
	require.NoError(t, err)
	var ctors []string
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		require.NoError(t, err, name)
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Recv != nil || !fd.Name.IsExported() || fd.Type.Results == nil || len(fd.Type.Results.List) != 1 {
				continue
			}
			if id, ok := fd.Type.Results.List[0].Type.(*ast.Ident); ok && id.Name == "Option" {
				ctors = append(ctors, fd.Name.Name)
			}
		}
	}
	sort.Strings(ctors)
	var covered []string
	for n := range propGenerators {
		covered = append(covered, n)
	}
	sort.Strings(covered)
	require.NotEmpty(t, ctors)
	assert.Equal(t, ctors, covered, "every Option constructor needs a generator in propGenerators (and none that is gone)")
}
