package tsapitest

import (
	"bytes"
	"cmp"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tsapi-go/tsapi"
)

// APIPath is where the fake serves the tastypie API, as a Torrent Server
// does.
const APIPath = "/rundb/api/v1/"

// Option configures a Server.
type Option func(*config)

type config struct {
	noAuth    bool
	jobCreate bool
	clock     func() time.Time
	tls       bool
}

// WithoutAuth makes the server accept every request, with or without
// credentials, as the superuser ionadmin.
func WithoutAuth() Option { return func(c *config) { c.noAuth = true } }

// WithJobCreate lets clients create PluginResultJobs, which a Torrent
// Server cannot (POST answers 500 there, a PUT to a missing job 404): POST
// on the list URL answers 201 with a Location, PUT on a missing job's URL
// creates it, and a bulk PATCH or a PUT on the list URL may create. The
// body's "plugin_result" (an id or a URI) may name the job's parent.
func WithJobCreate() Option { return func(c *config) { c.jobCreate = true } }

// WithClock makes the server read the time from now instead of the system
// clock (for the starttime and endtime it sets when a job's state changes,
// and the defaults of Add*). Times are kept to the microsecond, in UTC.
func WithClock(now func() time.Time) Option {
	return func(c *config) {
		if now != nil {
			c.clock = now
		}
	}
}

// WithTLS serves HTTPS with httptest's self-signed certificate; use
// Server.HTTPClient (or Server.Client) to trust it.
func WithTLS() Option { return func(c *config) { c.tls = true } }

// Server is an in-process fake Torrent Server. It is safe for concurrent
// use: requests and the methods below may run at the same time.
type Server struct {
	srv *httptest.Server
	cfg config

	mu       sync.Mutex // guards the data below
	users    map[int64]*Account
	plugins  map[int64]*pluginRec
	results  map[int64]*Result
	prs      map[int64]*prRec
	jobs     map[int64]*jobRec
	runs     *runStore // results' other columns, experiments, plans (runs.go)
	sessions map[string]int64
	nextID   map[string]int64

	logMu    sync.Mutex
	requests []*Request

	faultMu sync.Mutex
	faults  []*faultRule
	latency time.Duration
}

// NewServer starts a fake Torrent Server on a loopback port, with the
// accounts AdminUser, IonUser and ReaderUser and no other data. Call Close
// when done.
func NewServer(opts ...Option) *Server {
	s := &Server{cfg: config{clock: time.Now}}
	for _, o := range opts {
		if o != nil {
			o(&s.cfg)
		}
	}
	s.resetLocked()
	s.addDefaultUsers()
	h := http.HandlerFunc(s.serveHTTP)
	if s.cfg.tls {
		s.srv = httptest.NewTLSServer(h)
	} else {
		s.srv = httptest.NewServer(h)
	}
	return s
}

// TB is the part of testing.TB that New uses. The package does not import
// testing, so that a program (such as the tsapi tool's demo) can embed the
// fake.
type TB interface {
	Helper()
	Cleanup(func())
}

// New starts a fake Torrent Server (see NewServer) that is closed when the
// test ends.
func New(t TB, opts ...Option) *Server {
	t.Helper()
	s := NewServer(opts...)
	t.Cleanup(s.Close)
	return s
}

// URL returns the server's root URL (http://127.0.0.1:port), which
// tsapi.New accepts.
func (s *Server) URL() string { return s.srv.URL }

// APIURL returns the URL of the API root, URL()+"/rundb/api/v1/".
func (s *Server) APIURL() string { return s.srv.URL + APIPath }

// Close shuts the server down, dropping open connections.
func (s *Server) Close() {
	s.srv.CloseClientConnections()
	s.srv.Close()
}

// HTTPClient returns a new *http.Client that trusts the server (its TLS
// certificate with WithTLS). Its Transport is shared and closed by Close.
func (s *Server) HTTPClient() *http.Client {
	c := *s.srv.Client()
	return &c
}

// Client returns a tsapi.Client for the server, without credentials, whose
// retries wait at most a few milliseconds. Add an authentication option,
// or use AdminClient.
func (s *Server) Client(opts ...tsapi.Option) (*tsapi.Client, error) {
	all := []tsapi.Option{
		tsapi.WithHTTPClient(s.HTTPClient()),
		tsapi.WithRetry(3, time.Millisecond, 5*time.Millisecond),
		tsapi.WithMaxRetryAfter(10 * time.Millisecond),
	}
	return tsapi.New(s.URL(), append(all, opts...)...)
}

// AdminClient returns a Client (see Client) authenticated as ionadmin with
// Basic auth.
func (s *Server) AdminClient(opts ...tsapi.Option) (*tsapi.Client, error) {
	return s.Client(append([]tsapi.Option{tsapi.WithBasicAuth(AdminUser, AdminPassword)}, opts...)...)
}

func (s *Server) now() time.Time { return s.cfg.clock().UTC().Truncate(time.Microsecond) }

// Reset removes every job, plugin result, plugin and result, and every
// session; the accounts are kept.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	users := s.users
	s.resetLocked()
	s.users = users
	s.nextID["user"] = slices.Max(append(sortedIDs(users), 0))
}

func (s *Server) resetLocked() {
	s.users = map[int64]*Account{}
	s.plugins = map[int64]*pluginRec{}
	s.results = map[int64]*Result{}
	s.prs = map[int64]*prRec{}
	s.jobs = map[int64]*jobRec{}
	s.runs = newRunStore()
	s.sessions = map[string]int64{}
	s.nextID = map[string]int64{}
}

func (s *Server) addDefaultUsers() {
	s.AddAccount(Account{Username: AdminUser, Password: AdminPassword, APIKey: AdminAPIKey, Superuser: true})
	s.AddAccount(Account{Username: IonUser, Password: IonUserPassword, APIKey: IonUserAPIKey})
	s.AddAccount(Account{Username: ReaderUser, Password: ReaderPassword, APIKey: ReaderAPIKey, ReadOnly: true})
}

// allocID returns id, or the next free id of kind when id is 0. It panics
// when id is taken.
func (s *Server) allocID(kind string, id int64, taken bool) int64 {
	if id == 0 {
		s.nextID[kind]++
		return s.nextID[kind]
	}
	if taken {
		panic(fmt.Sprintf("tsapitest: %s id %d is taken", kind, id))
	}
	if id < 0 {
		panic(fmt.Sprintf("tsapitest: %s id %d is negative", kind, id))
	}
	s.nextID[kind] = max(s.nextID[kind], id)
	return id
}

// AddAccount adds a user account and returns its id. It panics when the
// id or the user name is taken.
func (s *Server) AddAccount(a Account) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.userByName(a.Username) != nil {
		panic(fmt.Sprintf("tsapitest: user %q exists", a.Username))
	}
	a.ID = s.allocID("user", a.ID, s.users[a.ID] != nil)
	s.users[a.ID] = &a
	return a.ID
}

// Account returns the account named username.
func (s *Server) Account(username string) (Account, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u := s.userByName(username); u != nil {
		return *u, true
	}
	return Account{}, false
}

func (s *Server) userByName(name string) *Account {
	for _, u := range s.users {
		if u.Username == name {
			return u
		}
	}
	return nil
}

// AddPlugin adds a plugin and returns its id. It panics when the id is
// taken or a JSON field does not encode.
func (s *Server) AddPlugin(p Plugin) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	p.ID = s.allocID("plugin", p.ID, s.plugins[p.ID] != nil)
	p.Date = cmp.Or(p.Date, s.now()).UTC().Truncate(time.Microsecond)
	rec := &pluginRec{Plugin: p, config: mustStored(p.Config), settings: mustStored(p.PluginSettings),
		status: mustStored(p.Status), inputs: mustStored(p.UserInputFields)}
	rec.Config, rec.PluginSettings, rec.Status, rec.UserInputFields = nil, nil, nil, nil
	s.plugins[p.ID] = rec
	return p.ID
}

// AddResult adds an analysis result and returns its id. It panics when
// the id is taken.
func (s *Server) AddResult(r Result) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	r.ID = s.allocID("result", r.ID, s.results[r.ID] != nil)
	r.Name = cmp.Or(r.Name, fmt.Sprintf("Auto_user_tsapitest_%d", r.ID))
	r.ReportLink = cmp.Or(r.ReportLink, fmt.Sprintf("/output/Home/%s_%d/", r.Name, r.ID))
	r.Status = cmp.Or(r.Status, "Completed")
	r.TimeStamp = cmp.Or(r.TimeStamp, s.now()).UTC().Truncate(time.Microsecond)
	s.results[r.ID] = &r
	return r.ID
}

// AddPluginResult adds a plugin result and returns its id. Its Result and
// Plugin must exist; Owner defaults to ionadmin. It panics when the id is
// taken or a reference is unknown.
func (s *Server) AddPluginResult(p PluginResult) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.results[p.Result] == nil {
		panic(fmt.Sprintf("tsapitest: AddPluginResult: no result %d", p.Result))
	}
	if s.plugins[p.Plugin] == nil {
		panic(fmt.Sprintf("tsapitest: AddPluginResult: no plugin %d", p.Plugin))
	}
	owner := s.userByName(cmp.Or(p.Owner, AdminUser))
	if owner == nil {
		panic(fmt.Sprintf("tsapitest: AddPluginResult: no user %q", p.Owner))
	}
	p.ID = s.allocID("pluginresult", p.ID, s.prs[p.ID] != nil)
	s.prs[p.ID] = &prRec{id: p.ID, result: p.Result, plugin: p.Plugin, owner: owner.ID, store: mustStored(p.Store),
		size: p.Size, inodes: p.Inodes, validation: mustStored(p.ValidationErrors)}
	if p.APIKey != "" {
		s.prs[p.ID].apikey = ptr(p.APIKey)
	}
	return p.ID
}

// AddJob adds a PluginResultJob and returns its id. State defaults to
// "Queued" and RunLevel to "default". Its PluginResult, when not 0, must
// exist. It panics when the id is taken or a reference is unknown.
func (s *Server) AddJob(j Job) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if j.PluginResult != 0 && s.prs[j.PluginResult] == nil {
		panic(fmt.Sprintf("tsapitest: AddJob: no plugin result %d", j.PluginResult))
	}
	j.ID = s.allocID("job", j.ID, s.jobs[j.ID] != nil)
	j.State = cmp.Or(j.State, "Queued")
	j.RunLevel = cmp.Or(j.RunLevel, "default")
	s.jobs[j.ID] = newJobRec(j)
	return j.ID
}

// UpdateJob changes job id in place with f (behind the API's back: no
// side effect on times) and reports whether the job exists. f must not
// change the ID.
func (s *Server) UpdateJob(id int64, f func(*Job)) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec := s.jobs[id]
	if rec == nil {
		return false
	}
	j := rec.export()
	f(&j)
	j.ID = id
	s.jobs[id] = newJobRec(j)
	return true
}

// DeleteJob removes job id and reports whether it existed.
func (s *Server) DeleteJob(id int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.jobs[id]
	delete(s.jobs, id)
	return ok
}

// get returns a copy of m[id], made by export under s.mu.
func get[R, T any](s *Server, m map[int64]*R, id int64, export func(*R) T) (T, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r := m[id]; r != nil {
		return export(r), true
	}
	var zero T
	return zero, false
}

// all returns copies of every record of m, by ascending id.
func all[R, T any](s *Server, m map[int64]*R, export func(*R) T) []T {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []T{}
	for _, id := range sortedIDs(m) {
		out = append(out, export(m[id]))
	}
	return out
}

// Job returns a copy of job id.
func (s *Server) Job(id int64) (Job, bool) { return get(s, s.jobs, id, (*jobRec).export) }

// Jobs returns copies of every job, by ascending id.
func (s *Server) Jobs() []Job { return all(s, s.jobs, (*jobRec).export) }

// PluginResult returns a copy of plugin result id.
func (s *Server) PluginResult(id int64) (PluginResult, bool) { return get(s, s.prs, id, s.exportPR) }

// PluginResults returns copies of every plugin result, by ascending id.
func (s *Server) PluginResults() []PluginResult { return all(s, s.prs, s.exportPR) }

// Plugin returns a copy of plugin id.
func (s *Server) Plugin(id int64) (Plugin, bool) { return get(s, s.plugins, id, (*pluginRec).export) }

// Plugins returns copies of every plugin, by ascending id.
func (s *Server) Plugins() []Plugin { return all(s, s.plugins, (*pluginRec).export) }

// Result returns a copy of analysis result id.
func (s *Server) Result(id int64) (Result, bool) {
	return get(s, s.results, id, func(r *Result) Result { return *r })
}

// Request is one request the server received, for assertions.
type Request struct {
	// Method and Path are the request's; Path has no query.
	Method string
	Path   string
	// RawQuery is the query as sent; Query is it parsed.
	RawQuery string
	Query    url.Values
	// Header holds the request's headers (Authorization included).
	Header http.Header
	// Body is the request's body.
	Body []byte
	// Status is the status the server answered, or began to answer before
	// a Fault dropped the connection; 0 when it never answered (the client
	// went away during a delay).
	Status int
	// Time is when the request arrived.
	Time time.Time
}

// Requests returns the requests received so far, oldest first.
func (s *Server) Requests() []Request {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	out := make([]Request, len(s.requests))
	for i, r := range s.requests {
		out[i] = *r
	}
	return out
}

// CountRequests returns how many requests matched method ("" for any) and
// a path that starts with pathPrefix (relative to the API root, like
// "PluginResultJob/", or absolute).
func (s *Server) CountRequests(method, pathPrefix string) int {
	n := 0
	for _, r := range s.Requests() {
		if (method == "" || r.Method == method) && strings.HasPrefix(r.Path, absPath(pathPrefix)) {
			n++
		}
	}
	return n
}

// ClearRequests empties the request log.
func (s *Server) ClearRequests() {
	s.logMu.Lock()
	s.requests = nil
	s.logMu.Unlock()
}

func absPath(p string) string {
	if strings.HasPrefix(p, "/") {
		return p
	}
	return APIPath + p
}

// serveHTTP logs the request, applies latency and faults, and answers.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	entry := &Request{Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery, Header: r.Header.Clone(),
		Body: body, Time: time.Now()}
	entry.Query, _ = url.ParseQuery(r.URL.RawQuery)
	s.logMu.Lock()
	s.requests = append(s.requests, entry)
	s.logMu.Unlock()

	rule, latency := s.matchFault(r)
	if d := latency + rule.Delay; d > 0 {
		select {
		case <-time.After(d):
		case <-r.Context().Done():
			return
		}
	}
	rec := &response{header: http.Header{}}
	if rule.Status != 0 {
		rule.write(rec)
	} else {
		s.handle(rec, r, body)
	}
	rec.status = cmp.Or(rec.status, http.StatusOK)
	if rec.status == http.StatusInternalServerError {
		rec.header.Del("Set-Cookie") // Django's SessionMiddleware saves no session on a 500
	}
	s.logMu.Lock()
	entry.Status = rec.status
	s.logMu.Unlock()
	if rule.Drop && rule.Status == 0 {
		dropConnection(w, rec)
		return
	}
	maps.Copy(w.Header(), rec.header)
	if rec.status != http.StatusNoContent && rec.status != http.StatusNotModified {
		w.Header().Set("Content-Length", strconv.Itoa(rec.body.Len()))
	}
	w.WriteHeader(rec.status)
	w.Write(rec.body.Bytes())
}

// response buffers an answer.
type response struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *response) Header() http.Header { return r.header }
func (r *response) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
}
func (r *response) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(b)
}
