package tsapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tsapi-go/tsapi/internal/refserver"
)

// TestReadModifyWriteChangesNothing reads every job and plugin result of the
// seed from the reference server, writes each back unchanged through its
// write type, and reads it again: no stored field may change.
func TestReadModifyWriteChangesNothing(t *testing.T) {
	base := refserver.Lock(t)
	refserver.Reset(t, base)
	t.Cleanup(func() { refserver.Reset(t, base) })
	c, err := New(base, WithBasicAuth("ionadmin", "ionadmin"))
	require.NoError(t, err)
	ctx := context.Background()
	// Every stored object as the server prints it, by id.
	raw := func(resource string) map[int64]map[string]json.RawMessage {
		out := map[int64]map[string]json.RawMessage{}
		for offset := 0; ; offset += 1000 {
			var page struct {
				Meta    Meta                         `json:"meta"`
				Objects []map[string]json.RawMessage `json:"objects"`
			}
			_, err := c.Do(ctx, &Request{Method: http.MethodGet, Path: resource + "/",
				Query: url.Values{"limit": {"1000"}, "offset": {strconv.Itoa(offset)}}}, &page)
			require.NoError(t, err)
			for _, o := range page.Objects {
				var id int64
				require.NoError(t, json.Unmarshal(o["id"], &id))
				out[id] = o
			}
			if page.Meta.Next == "" {
				return out
			}
		}
	}
	same := func(what string, before, after map[int64]map[string]json.RawMessage) {
		require.Len(t, after, len(before))
		for id, b := range before {
			for k, v := range b {
				assert.Equal(t, string(v), string(after[id][k]), "%s %d field %s", what, id, k)
			}
		}
	}

	before := raw("PluginResultJob")
	jobs, err := c.PluginResultJobs.Collect(ctx, nil, 5000)
	require.NoError(t, err)
	require.Len(t, jobs, 1500)
	withMillis := 0
	// Four at a time, as many as the server's workers serve at once.
	var wg sync.WaitGroup
	errs := make(chan error, len(jobs))
	sem := make(chan struct{}, 4)
	for _, j := range jobs {
		if j.StartTime != nil && j.StartTime.Nanosecond() != 0 {
			withMillis++
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if _, _, err := c.PluginResultJobs.Update(ctx, j.ID, j.ToWrite()); err != nil {
				errs <- fmt.Errorf("job %d: %w", j.ID, err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		assert.NoError(t, err)
	}
	same("job", before, raw("PluginResultJob"))
	assert.Positive(t, withMillis, "the seed has times with milliseconds")

	before = raw("pluginresult")
	prs, err := c.PluginResults.Collect(ctx, nil, 100)
	require.NoError(t, err)
	require.Len(t, prs, 30)
	for _, p := range prs {
		_, _, err := c.PluginResults.Patch(ctx, p.ID, p.ToPatch())
		require.NoError(t, err)
	}
	after := raw("pluginresult")
	same("plugin result", before, after)
	for _, p := range after {
		assert.NotEqual(t, `"REDACTED"`, string(p["apikey"]))
	}
}

// TestClientsOnOneHTTPClientKeepTheirOwnSession: a read-only account and
// an administrator share one *http.Client; the reader never gets the
// administrator's session.
func TestClientsOnOneHTTPClientKeepTheirOwnSession(t *testing.T) {
	base := refserver.Lock(t)
	refserver.Reset(t, base)
	t.Cleanup(func() { refserver.Reset(t, base) })
	shared := &http.Client{}
	admin, err := New(base, WithHTTPClient(shared), WithBasicAuth("ionadmin", "ionadmin"))
	require.NoError(t, err)
	reader, err := New(base, WithHTTPClient(shared), WithBasicAuth("ionreader", "ionreader"))
	require.NoError(t, err)
	ctx := context.Background()
	for range 3 {
		_, err = admin.PluginResultJobs.SetState(ctx, 19, StateError)
		require.NoError(t, err)
		_, err = reader.PluginResultJobs.SetState(ctx, 19, StateCancelled)
		assert.ErrorIs(t, err, ErrForbidden, "the reader acts as itself")
		_, _, err = reader.PluginResultJobs.Get(ctx, 19)
		require.NoError(t, err)
	}
	j, _, err := admin.PluginResultJobs.Get(ctx, 19)
	require.NoError(t, err)
	assert.Equal(t, StateError, j.State)
	assert.Nil(t, shared.Jar, "the caller's client is not changed")
}

// sessionServer issues a session cookie on Basic credentials and ends each
// session after expireAfter requests; it counts the requests that carried
// the password.
type sessionServer struct {
	mu          sync.Mutex
	sessions    map[string]int
	next        int
	expireAfter int
	withAuth    atomic.Int32
	requests    atomic.Int32
}

func (s *sessionServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	authed := false
	if ck, err := r.Cookie(SessionCookie); err == nil {
		if n, ok := s.sessions[ck.Value]; ok {
			if n >= s.expireAfter {
				delete(s.sessions, ck.Value)
			} else {
				s.sessions[ck.Value] = n + 1
				authed = true
			}
		}
	}
	if h := r.Header.Get("Authorization"); h != "" {
		s.withAuth.Add(1)
		if u, p, ok := r.BasicAuth(); ok && u == "ionadmin" && p == "ionadmin" {
			if !authed {
				s.next++
				id := fmt.Sprintf("s%d", s.next)
				s.sessions[id] = 1
				http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: id, Path: "/"})
			}
			authed = true
		}
	}
	if !authed {
		w.Header().Set("WWW-Authenticate", `Basic realm="Torrent Suite"`)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	offset := 0
	fmt.Sscan(r.URL.Query().Get("offset"), &offset)
	next := fmt.Sprintf(`"/rundb/api/v1/plugin/?limit=20&offset=%d"`, offset+20)
	if offset+20 >= 20000 {
		next = "null"
	}
	var objs []string
	for i := 0; i < 20; i++ {
		objs = append(objs, fmt.Sprintf(`{"id": %d}`, offset+i+1))
	}
	fmt.Fprintf(w, `{"meta": {"limit": 20, "offset": %d, "total_count": 20000, "next": %s}, "objects": [%s]}`, offset, next, strings.Join(objs, ","))
}

func TestBasicAuthSendsThePasswordOncePerSession(t *testing.T) {
	s := &sessionServer{sessions: map[string]int{}, expireAfter: 400}
	srv := httptest.NewServer(s)
	defer srv.Close()
	c := newTestClient(t, srv.URL, WithBasicAuth("ionadmin", "ionadmin"))
	n := 0
	for page, err := range c.Plugins.Pages(context.Background(), &PluginListOptions{ListOptions: ListOptions{Limit: 20, Paging: PagingOffset}}) {
		require.NoError(t, err)
		require.Len(t, page.Objects, 20)
		if n++; n == 1000 {
			break
		}
	}
	// 1000 pages, sessions of 400 requests: the password on the first
	// request and once after each expiry (the 401, then the resend).
	assert.Equal(t, int32(3), s.withAuth.Load(), "password sent once per session")
	assert.Equal(t, int32(1002), s.requests.Load(), "two 401s resent once each")

	// Without cookies the password goes every time.
	s2 := &sessionServer{sessions: map[string]int{}, expireAfter: 400}
	srv2 := httptest.NewServer(s2)
	defer srv2.Close()
	c2 := newTestClient(t, srv2.URL, WithBasicAuth("ionadmin", "ionadmin"), WithoutCookies())
	for range 10 {
		_, _, err := c2.Plugins.List(context.Background(), nil)
		require.NoError(t, err)
	}
	assert.Equal(t, int32(10), s2.withAuth.Load())
}

// TestNothingPrintsASecret prints every exported type that can hold a
// credential or a plugin key, with every fmt verb and through log/slog.
func TestNothingPrintsASecret(t *testing.T) {
	const secret = "s3cr3t-Pa55"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Echo", secret)
		switch {
		case strings.Contains(r.URL.Path, "/pluginresult/"):
			fmt.Fprintf(w, `{"id": 3, "apikey": %q, "store": {"password": %q}, "plugin_result_jobs": [{"id": 1, "config": {"password": %q}}]}`, secret, secret, secret)
		case r.Method == http.MethodPatch:
			w.WriteHeader(http.StatusGatewayTimeout)
		default:
			fmt.Fprintf(w, `{"id": 1, "state": "Queued", "config": {"password": %q}}`, secret)
		}
	}))
	defer srv.Close()
	c := newTestClient(t, srv.URL, WithBasicAuth("ionadmin", secret))
	ctx := context.Background()
	job, jresp, err := c.PluginResultJobs.Get(ctx, 1)
	require.NoError(t, err)
	pr, presp, err := c.PluginResults.Get(ctx, 3)
	require.NoError(t, err)
	_, werr := c.PluginResultJobs.SetState(ctx, 1, StateError)
	require.Error(t, werr)
	page := &Page[PluginResultJob]{Objects: []*PluginResultJob{job}, Response: jresp}
	values := map[string]any{
		"Client": c, "Response": jresp, "pluginresult Response": presp, "PluginResultJob": job, "*PluginResultJob": *job,
		"PluginResult": pr, "*PluginResult": *pr, "PluginResultJobWrite": job.ToWrite(), "PluginResultPatch": pr.ToPatch(),
		"JobConfig": job.Config, "Page": page, "error": werr, "SecretString": pr.APIKey,
	}
	var logs bytes.Buffer
	text := slog.New(slog.NewTextHandler(&logs, nil))
	jsonLog := slog.New(slog.NewJSONHandler(&logs, nil))
	for name, v := range values {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
			assert.NotContains(t, fmt.Sprintf(verb, v), secret, "%s printed with %s", name, verb)
		}
		text.Info("value", "v", v)
		jsonLog.Info("value", "v", v)
	}
	assert.NotContains(t, logs.String(), secret)
	assert.Contains(t, fmt.Sprint(jresp), "200 OK")
}

// TestSuccessStandsWhenContextEndsRightAfter: a 201 is a created object
// even if ctx ends as the answer arrives.
func TestSuccessStandsWhenContextEndsRightAfter(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Location", "/rundb/api/v1/PluginResultJob/77/")
		w.WriteHeader(http.StatusCreated)
	}))
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	rt := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		resp, err := http.DefaultTransport.RoundTrip(r)
		cancel() // the caller gives up just as the answer arrives
		return resp, err
	})
	c := newTestClient(t, srv.URL, WithTransport(rt))
	id, resp, err := c.PluginResultJobs.Create(ctx, &PluginResultJobWrite{State: StateQueued})
	require.NoError(t, err)
	assert.Equal(t, int64(77), id)
	assert.Equal(t, http.StatusCreated, resp.StatusCode)
	assert.Error(t, ctx.Err())
}

// TestWriteCancelledInFlightIsOutcomeUnknown: ctx ends while a POST waits
// for its answer.
func TestWriteCancelledInFlightIsOutcomeUnknown(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-release
	}))
	defer srv.Close()
	defer close(release)
	c := newTestClient(t, srv.URL)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, _, err := c.PluginResultJobs.Create(ctx, &PluginResultJobWrite{State: StateQueued})
	require.ErrorIs(t, err, ErrOutcomeUnknown)
	assert.NotErrorIs(t, err, context.DeadlineExceeded, "a caller retrying on a deadline must not resend")
	var ou *OutcomeUnknownError
	require.ErrorAs(t, err, &ou)
	assert.ErrorIs(t, ou.Cause, context.DeadlineExceeded)
}
