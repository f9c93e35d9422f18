package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tsapi-go/tsapi"
	"github.com/tsapi-go/tsapi/tsapitest"
)

// Target is a server the suite runs against. It must serve the seed of
// testdata/seed.json after Reset.
type Target struct {
	// Name names the server in test output ("reference", "tsapitest").
	Name string
	// URL is the server's root (http://127.0.0.1:8765).
	URL string
	// Reset puts the seed back (after writes).
	Reset func(t testing.TB)
}

// suite carries what every check needs.
type suite struct {
	tg     Target
	seed   *Seed
	ctx    context.Context
	checks atomic.Int32
	failed atomic.Int32
}

// Run runs every check against tg and returns how many ran. It appends a
// line "conformance: N checks against NAME, M failed" to the file named by
// $TSAPI_CONFORMANCE_LOG, if set.
func Run(t *testing.T, tg Target) int {
	seed, err := LoadSeed()
	require.NoError(t, err)
	s := &suite{tg: tg, seed: seed, ctx: context.Background()}
	tg.Reset(t)
	t.Cleanup(func() { tg.Reset(t) })

	s.listing(t)
	s.filters(t)
	s.details(t)
	s.schema(t)
	s.errors(t)
	s.auth(t)
	s.writes(t)
	s.relatedResources(t)
	s.runs(t)

	n, f := int(s.checks.Load()), int(s.failed.Load())
	line := fmt.Sprintf("conformance: %d checks against %s, %d failed", n, tg.Name, f)
	t.Log(line)
	if path := os.Getenv("TSAPI_CONFORMANCE_LOG"); path != "" {
		if fh, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644); err == nil {
			fmt.Fprintln(fh, line)
			fh.Close()
		}
	}
	return n
}

// check runs one named check as a subtest and counts it.
func (s *suite) check(t *testing.T, name string, f func(t *testing.T)) {
	t.Helper()
	s.checks.Add(1)
	if !t.Run(name, f) {
		s.failed.Add(1)
	}
}

// client returns a tsapi client for the target authenticated as user.
func (s *suite) client(t testing.TB, opts ...tsapi.Option) *tsapi.Client {
	t.Helper()
	all := append([]tsapi.Option{tsapi.WithRetry(2, 10*time.Millisecond, 100*time.Millisecond)}, opts...)
	c, err := tsapi.New(s.tg.URL, all...)
	require.NoError(t, err)
	return c
}

func (s *suite) admin(t testing.TB) *tsapi.Client {
	return s.client(t, tsapi.WithBasicAuth("ionadmin", s.seed.User("ionadmin").Password))
}

// raw sends a request without the library, authenticated as ionadmin
// unless auth is false, and never follows redirects.
func (s *suite) raw(t testing.TB, method, path string, body string, auth bool) (*http.Response, []byte) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, s.tg.URL+path, rd)
	require.NoError(t, err)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if auth {
		req.SetBasicAuth("ionadmin", s.seed.User("ionadmin").Password)
	}
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }, Timeout: 30 * time.Second}
	resp, err := hc.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, b
}

func rawMeta(t testing.TB, b []byte) (map[string]any, []map[string]any) {
	t.Helper()
	var page struct {
		Meta    map[string]any   `json:"meta"`
		Objects []map[string]any `json:"objects"`
	}
	require.NoError(t, json.Unmarshal(b, &page), string(b))
	return page.Meta, page.Objects
}

// assertLink compares a next or previous link by its path and the set of
// its query parameters: servers write them in different orders.
func assertLink(t testing.TB, want string, got any) {
	t.Helper()
	g, ok := got.(string)
	require.True(t, ok, "link %v", got)
	wu, err := url.Parse(want)
	require.NoError(t, err)
	gu, err := url.Parse(g)
	require.NoError(t, err)
	assert.Equal(t, wu.Path, gu.Path, g)
	assert.Equal(t, wu.Query(), gu.Query(), g)
}

func ids(jobs []*tsapi.PluginResultJob) []int64 {
	out := make([]int64, len(jobs))
	for i, j := range jobs {
		out[i] = j.ID
	}
	return out
}

func (s *suite) listing(t *testing.T) {
	c := s.admin(t)
	s.check(t, "list/default page", func(t *testing.T) {
		jobs, resp, err := c.PluginResultJobs.List(s.ctx, nil)
		require.NoError(t, err)
		assert.Equal(t, descending(1500, 1481), ids(jobs))
		assert.Equal(t, tsapi.Meta{Limit: 20, Offset: 0, TotalCount: 1500,
			Next: "/rundb/api/v1/PluginResultJob/?limit=20&offset=20"}, *resp.Meta)
	})
	s.check(t, "list/limit 0 and over max_limit mean 1000", func(t *testing.T) {
		for _, limit := range []string{"0", "5000"} {
			_, b := s.raw(t, "GET", "/rundb/api/v1/PluginResultJob/?limit="+limit, "", true)
			meta, objs := rawMeta(t, b)
			assert.Len(t, objs, 1000, limit)
			assert.EqualValues(t, 1000, meta["limit"], limit)
			assertLink(t, "/rundb/api/v1/PluginResultJob/?limit=1000&offset=1000", meta["next"])
		}
	})
	s.check(t, "list/next and previous repeat the query", func(t *testing.T) {
		_, b := s.raw(t, "GET", "/rundb/api/v1/PluginResultJob/?state=Completed&limit=1&offset=3", "", true)
		meta, objs := rawMeta(t, b)
		require.Len(t, objs, 1)
		want := s.seed.JobsWhere(func(j tsapitest.Job) bool { return j.State == "Completed" })
		assert.EqualValues(t, want[3], objs[0]["id"])
		assert.EqualValues(t, len(want), meta["total_count"])
		assertLink(t, "/rundb/api/v1/PluginResultJob/?state=Completed&limit=1&offset=4", meta["next"])
		assertLink(t, "/rundb/api/v1/PluginResultJob/?state=Completed&limit=1&offset=2", meta["previous"])
	})
	s.check(t, "list/last page has null next", func(t *testing.T) {
		_, b := s.raw(t, "GET", "/rundb/api/v1/PluginResultJob/?limit=1000&offset=1000", "", true)
		meta, objs := rawMeta(t, b)
		assert.Len(t, objs, 500)
		assert.Nil(t, meta["next"])
		assert.Equal(t, "/rundb/api/v1/PluginResultJob/?limit=1000&offset=0", meta["previous"])
	})
	for _, mode := range []tsapi.PagingMode{tsapi.PagingKeyset, tsapi.PagingOffset} {
		s.check(t, fmt.Sprintf("iterate/every job once, mode %d", mode), func(t *testing.T) {
			jobs, err := c.PluginResultJobs.Collect(s.ctx, &tsapi.PluginResultJobListOptions{ListOptions: tsapi.ListOptions{Paging: mode}}, 2000)
			require.NoError(t, err)
			assert.Equal(t, descending(1500, 1), ids(jobs))
		})
	}
	s.check(t, "iterate/pages of 1000", func(t *testing.T) {
		var sizes []int
		for page, err := range c.PluginResultJobs.Pages(s.ctx, nil) {
			require.NoError(t, err)
			sizes = append(sizes, len(page.Objects))
		}
		assert.Equal(t, []int{1000, 500}, sizes)
	})
	s.check(t, "count", func(t *testing.T) {
		n, _, err := c.PluginResultJobs.Count(s.ctx, &tsapi.PluginResultJobListOptions{State: tsapi.StateError})
		require.NoError(t, err)
		assert.Len(t, s.seed.JobsWhere(func(j tsapitest.Job) bool { return j.State == "Error" }), n)
	})
}

func descending(from, to int64) []int64 {
	var out []int64
	for i := from; i >= to; i-- {
		out = append(out, i)
	}
	return out
}

func (s *suite) filters(t *testing.T) {
	c := s.admin(t)
	t0 := time.Date(2017, 8, 12, 0, 0, 0, 0, time.UTC)
	in := func(v string, set ...string) bool { return slices.Contains(set, v) }
	cases := []struct {
		name string
		opts tsapi.PluginResultJobListOptions
		keep func(tsapitest.Job) bool
	}{
		{"state", tsapi.PluginResultJobListOptions{State: tsapi.StateTimedOut},
			func(j tsapitest.Job) bool { return j.State == "Timed Out" }},
		{"state__in", tsapi.PluginResultJobListOptions{StateIn: []tsapi.JobState{tsapi.StateQueued, tsapi.StateStarted}},
			func(j tsapitest.Job) bool { return in(j.State, "Queued", "Started") }},
		{"run_level", tsapi.PluginResultJobListOptions{RunLevel: tsapi.RunLevelBlock},
			func(j tsapitest.Job) bool { return j.RunLevel == "block" }},
		{"run_level__in", tsapi.PluginResultJobListOptions{RunLevelIn: []tsapi.RunLevel{tsapi.RunLevelPre, tsapi.RunLevelLast}},
			func(j tsapitest.Job) bool { return in(j.RunLevel, "pre", "last") }},
		{"grid_engine_jobid", tsapi.PluginResultJobListOptions{GridEngineJobID: tsapi.Ptr[int64](-1)},
			func(j tsapitest.Job) bool { return j.GridEngineJobID != nil && *j.GridEngineJobID == -1 }},
		{"grid_engine_jobid__isnull", tsapi.PluginResultJobListOptions{GridEngineJobIDIsNull: tsapi.Ptr(true)},
			func(j tsapitest.Job) bool { return j.GridEngineJobID == nil }},
		{"id__in", tsapi.PluginResultJobListOptions{IDIn: []int64{3, 30, 300, 3000}},
			func(j tsapitest.Job) bool { return j.ID == 3 || j.ID == 30 || j.ID == 300 }},
		{"id__gt and id__lte", tsapi.PluginResultJobListOptions{IDGt: tsapi.Ptr[int64](100), IDLte: tsapi.Ptr[int64](250)},
			func(j tsapitest.Job) bool { return j.ID > 100 && j.ID <= 250 }},
		{"starttime__gte", tsapi.PluginResultJobListOptions{StartTimeGte: &t0},
			func(j tsapitest.Job) bool { return j.StartTime != nil && !j.StartTime.Before(t0) }},
		{"endtime__lte", tsapi.PluginResultJobListOptions{EndTimeLte: &t0},
			func(j tsapitest.Job) bool { return j.EndTime != nil && !j.EndTime.After(t0) }},
		{"endtime__isnull", tsapi.PluginResultJobListOptions{EndTimeIsNull: tsapi.Ptr(true)},
			func(j tsapitest.Job) bool { return j.EndTime == nil }},
		{"starttime__isnull false", tsapi.PluginResultJobListOptions{StartTimeIsNull: tsapi.Ptr(false)},
			func(j tsapitest.Job) bool { return j.StartTime != nil }},
		{"state__iexact (Filters)", tsapi.PluginResultJobListOptions{ListOptions: tsapi.ListOptions{Filters: url.Values{"state__iexact": {"timed out"}}}},
			func(j tsapitest.Job) bool { return j.State == "Timed Out" }},
		{"state__startswith (Filters)", tsapi.PluginResultJobListOptions{ListOptions: tsapi.ListOptions{Filters: url.Values{"state__startswith": {"C"}}}},
			func(j tsapitest.Job) bool { return strings.HasPrefix(j.State, "C") }},
		{"state__contains is case-sensitive", tsapi.PluginResultJobListOptions{ListOptions: tsapi.ListOptions{Filters: url.Values{"state__contains": {"eted"}}}},
			func(j tsapitest.Job) bool { return strings.Contains(j.State, "eted") }},
		{"state__icontains", tsapi.PluginResultJobListOptions{ListOptions: tsapi.ListOptions{Filters: url.Values{"state__icontains": {"ETED"}}}},
			func(j tsapitest.Job) bool { return strings.Contains(strings.ToLower(j.State), "eted") }},
		{"id__range", tsapi.PluginResultJobListOptions{ListOptions: tsapi.ListOptions{Filters: url.Values{"id__range": {"10,20"}}}},
			func(j tsapitest.Job) bool { return j.ID >= 10 && j.ID <= 20 }},
		{"grid_engine_jobid__gt", tsapi.PluginResultJobListOptions{ListOptions: tsapi.ListOptions{Filters: url.Values{"grid_engine_jobid__gt": {"0"}}}},
			func(j tsapitest.Job) bool { return j.GridEngineJobID != nil && *j.GridEngineJobID > 0 }},
	}
	for _, tc := range cases {
		s.check(t, "filter/"+tc.name, func(t *testing.T) {
			jobs, err := c.PluginResultJobs.Collect(s.ctx, &tc.opts, 2000)
			require.NoError(t, err)
			want := s.seed.JobsWhere(tc.keep)
			require.NotEmpty(t, want, "the seed must exercise the filter")
			assert.Equal(t, want, ids(jobs))
		})
	}
	s.check(t, "filter/unknown names are ignored by the server and refused by the library", func(t *testing.T) {
		_, b := s.raw(t, "GET", "/rundb/api/v1/PluginResultJob/?plugin_result=5&limit=1", "", true)
		meta, _ := rawMeta(t, b)
		assert.EqualValues(t, 1500, meta["total_count"])
		_, _, err := c.PluginResultJobs.List(s.ctx, &tsapi.PluginResultJobListOptions{ListOptions: tsapi.ListOptions{Filters: url.Values{"plugin_result": {"5"}}}})
		assert.ErrorIs(t, err, tsapi.ErrInvalidOption)
	})
	s.check(t, "filter/order_by is a 400", func(t *testing.T) {
		resp, b := s.raw(t, "GET", "/rundb/api/v1/PluginResultJob/?order_by=-id", "", true)
		assert.Equal(t, 400, resp.StatusCode)
		assert.JSONEq(t, `{"error": "The 'id' field does not allow ordering."}`, string(b))
	})
	s.check(t, "filter/bad value is a 400 with tastypie's message", func(t *testing.T) {
		_, _, err := c.PluginResultJobs.List(s.ctx, &tsapi.PluginResultJobListOptions{ListOptions: tsapi.ListOptions{Filters: url.Values{"id": {"abc"}}}})
		var apiErr *tsapi.APIError
		require.ErrorAs(t, err, &apiErr)
		assert.ErrorIs(t, err, tsapi.ErrBadRequest)
		assert.Equal(t, "Invalid resource lookup data provided (mismatched type).", apiErr.Message)
	})
}

// seedJSON is a JSON object of the seed (a config, a store) as text.
func seedJSON(t testing.TB, v map[string]any) json.RawMessage {
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return b
}

// servedConfig is how the server sends a stored config: every non-integer
// number becomes a string holding its literal.
func servedConfig(raw json.RawMessage) any {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		panic(err)
	}
	var walk func(any) any
	walk = func(v any) any {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				x[k] = walk(e)
			}
		case []any:
			for i, e := range x {
				x[i] = walk(e)
			}
		case json.Number:
			if strings.ContainsAny(string(x), ".eE") {
				return string(x)
			}
		}
		return v
	}
	return walk(v)
}

func decodeNumbers(t testing.TB, raw []byte) any {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	require.NoError(t, dec.Decode(&v))
	return v
}

func (s *suite) assertJobIsSeed(t *testing.T, got *tsapi.PluginResultJob, want tsapitest.Job) {
	t.Helper()
	assert.Equal(t, want.ID, got.ID)
	assert.Equal(t, tsapi.JobState(want.State), got.State)
	assert.Equal(t, tsapi.RunLevel(want.RunLevel), got.RunLevel)
	assert.Equal(t, want.GridEngineJobID, got.GridEngineJobID)
	for _, p := range []struct {
		want *time.Time
		got  *tsapi.Time
	}{{want.StartTime, got.StartTime}, {want.EndTime, got.EndTime}} {
		if p.want == nil {
			assert.Nil(t, p.got)
		} else if assert.NotNil(t, p.got) {
			// Time holds the real instant, to the millisecond the server
			// exposes.
			assert.True(t, p.want.Truncate(time.Millisecond).Equal(p.got.Time), "time %s, want %s", p.got, p.want)
		}
	}
	assert.Equal(t, fmt.Sprintf("/rundb/api/v1/PluginResultJob/%d/", want.ID), got.ResourceURI)
	assert.Equal(t, tsapi.ConfigObject, got.Config.Form())
	assert.Equal(t, servedConfig(seedJSON(t, want.Config)), decodeNumbers(t, got.Config.Raw()))
}

func (s *suite) details(t *testing.T) {
	c := s.admin(t)
	for _, id := range []int64{1, 2, 5, 13, 19, 22, 1499, 1500} {
		s.check(t, fmt.Sprintf("detail/job %d as seeded", id), func(t *testing.T) {
			got, _, err := c.PluginResultJobs.Get(s.ctx, id)
			require.NoError(t, err)
			s.assertJobIsSeed(t, got, s.seed.Job(id))
		})
	}
	s.check(t, "detail/missing job is an empty 404", func(t *testing.T) {
		_, resp, err := c.PluginResultJobs.Get(s.ctx, 99999)
		assert.ErrorIs(t, err, tsapi.ErrNotFound)
		require.NotNil(t, resp)
		var apiErr *tsapi.APIError
		require.ErrorAs(t, err, &apiErr)
		assert.Empty(t, apiErr.Body)
	})
	s.check(t, "detail/set with not_found", func(t *testing.T) {
		jobs, missing, _, err := c.PluginResultJobs.GetSet(s.ctx, 1, 3, 99999)
		require.NoError(t, err)
		assert.Equal(t, []int64{1, 3}, ids(jobs))
		assert.Equal(t, []int64{99999}, missing)
		_, b := s.raw(t, "GET", "/rundb/api/v1/PluginResultJob/set/1;2/", "", true)
		var m map[string]json.RawMessage
		require.NoError(t, json.Unmarshal(b, &m))
		assert.NotContains(t, m, "meta")
		assert.NotContains(t, m, "not_found", "not_found only when something is missing")
	})
	s.check(t, "detail/keys are sorted as tastypie writes them", func(t *testing.T) {
		_, b := s.raw(t, "GET", "/rundb/api/v1/PluginResultJob/19/", "", true)
		assert.True(t, bytes.HasPrefix(b, []byte(`{"config": `)), string(b[:min(len(b), 40)]))
		assert.Contains(t, string(b), `"run_level": `)
	})
}

func (s *suite) schema(t *testing.T) {
	c := s.admin(t)
	s.check(t, "schema/equals the reference table", func(t *testing.T) {
		_, b := s.raw(t, "GET", "/rundb/api/v1/PluginResultJob/schema/", "", true)
		fixture, err := os.ReadFile(strings.TrimSuffix(SeedPath(), "seed.json") + "pluginresultjob_schema.json")
		require.NoError(t, err)
		assert.JSONEq(t, string(fixture), string(b))
	})
	s.check(t, "schema/no drift from the library", func(t *testing.T) {
		d, _, err := c.PluginResultJobs.CheckSchema(s.ctx)
		require.NoError(t, err)
		assert.True(t, d.Empty(), d.String())
	})
}

func (s *suite) errors(t *testing.T) {
	c := s.admin(t)
	s.check(t, "errors/unknown resource is an HTML 404", func(t *testing.T) {
		resp, _ := s.raw(t, "GET", "/rundb/api/v1/pluginresultjob/", "", true)
		assert.Equal(t, 404, resp.StatusCode)
		assert.Contains(t, resp.Header.Get("Content-Type"), "text/html")
	})
	s.check(t, "errors/missing slash is a 301 to the slashed URL", func(t *testing.T) {
		resp, _ := s.raw(t, "GET", "/rundb/api/v1/PluginResultJob?limit=1", "", true)
		assert.Equal(t, 301, resp.StatusCode)
		assert.Equal(t, s.tg.URL+"/rundb/api/v1/PluginResultJob/?limit=1", resp.Header.Get("Location"))
	})
	s.check(t, "errors/POST on PluginResultJob is the canned 500", func(t *testing.T) {
		_, _, err := c.PluginResultJobs.Create(s.ctx, &tsapi.PluginResultJobWrite{State: tsapi.StateQueued, RunLevel: tsapi.RunLevelDefault})
		var apiErr *tsapi.APIError
		require.ErrorAs(t, err, &apiErr)
		assert.Equal(t, 500, apiErr.StatusCode)
		assert.Equal(t, 1, apiErr.Attempts, "a POST is never retried")
		assert.Equal(t, "Sorry, this request could not be processed. Please try again later.", apiErr.Message)
	})
	s.check(t, "errors/POST on a detail URL is a 501", func(t *testing.T) {
		resp, _ := s.raw(t, "POST", "/rundb/api/v1/PluginResultJob/1/", `{"state": "Error"}`, true)
		assert.Equal(t, 501, resp.StatusCode)
	})
	s.check(t, "errors/malformed JSON is a 400 with an empty error", func(t *testing.T) {
		resp, b := s.raw(t, "PATCH", "/rundb/api/v1/PluginResultJob/1/", `{"state": `, true)
		assert.Equal(t, 400, resp.StatusCode)
		assert.JSONEq(t, `{"error": ""}`, string(b))
	})
	s.check(t, "errors/a body that is not JSON is the canned 500", func(t *testing.T) {
		req, err := http.NewRequest(http.MethodPatch, s.tg.URL+"/rundb/api/v1/PluginResultJob/1/", strings.NewReader("state=Error"))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth("ionadmin", s.seed.User("ionadmin").Password)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, 500, resp.StatusCode)
	})
}

func (s *suite) auth(t *testing.T) {
	admin, user, reader := s.seed.User("ionadmin"), s.seed.User("ionuser"), s.seed.User("ionreader")
	s.check(t, "auth/no credentials: 401 with WWW-Authenticate", func(t *testing.T) {
		resp, b := s.raw(t, "GET", "/rundb/api/v1/PluginResultJob/1/", "", false)
		assert.Equal(t, 401, resp.StatusCode)
		assert.NotEmpty(t, resp.Header.Get("WWW-Authenticate"))
		assert.Empty(t, b)
		_, _, err := s.client(t).PluginResultJobs.Get(s.ctx, 1)
		assert.ErrorIs(t, err, tsapi.ErrUnauthorized)
	})
	s.check(t, "auth/wrong password, key or plugin key: ErrUnauthorized", func(t *testing.T) {
		for _, opt := range []tsapi.Option{
			tsapi.WithBasicAuth("ionadmin", "wrong-password"),
			tsapi.WithAPIKey("ionadmin", "wrong-key"),
			tsapi.WithPluginKey(5, "wrong-key"),
		} {
			_, _, err := s.client(t, opt).PluginResultJobs.Get(s.ctx, 1)
			assert.ErrorIs(t, err, tsapi.ErrUnauthorized)
			assert.NotContains(t, err.Error(), "wrong-")
		}
	})
	s.check(t, "auth/Basic, ApiKey and PluginKey read", func(t *testing.T) {
		var pk5 string
		for _, pr := range s.seed.PluginResults {
			if pr.ID == 5 {
				pk5 = pr.APIKey
			}
		}
		require.NotEmpty(t, pk5)
		for _, opt := range []tsapi.Option{
			tsapi.WithBasicAuth(user.Username, user.Password),
			tsapi.WithAPIKey(admin.Username, admin.APIKey),
			tsapi.WithAPIKey(reader.Username, reader.APIKey),
			tsapi.WithPluginKey(5, pk5),
		} {
			j, _, err := s.client(t, opt).PluginResultJobs.Get(s.ctx, 1)
			require.NoError(t, err)
			assert.Equal(t, int64(1), j.ID)
		}
	})
	s.check(t, "auth/read-only user writing: ErrForbidden (401 without WWW-Authenticate)", func(t *testing.T) {
		c := s.client(t, tsapi.WithBasicAuth(reader.Username, reader.Password))
		_, err := c.PluginResultJobs.SetState(s.ctx, 1, tsapi.StateError)
		assert.ErrorIs(t, err, tsapi.ErrForbidden)
		assert.NotErrorIs(t, err, tsapi.ErrUnauthorized)
		got, _, err := s.admin(t).PluginResultJobs.Get(s.ctx, 1)
		require.NoError(t, err)
		assert.Equal(t, tsapi.JobState(s.seed.Job(1).State), got.State, "nothing written")
	})
}

func (s *suite) writes(t *testing.T) {
	c := s.admin(t)
	var queued tsapitest.Job
	for _, j := range s.seed.Jobs {
		if j.State == "Queued" && j.StartTime == nil && j.EndTime == nil {
			queued = j
			break
		}
	}
	require.NotZero(t, queued.ID)
	s.check(t, "write/PATCH state sets starttime then endtime", func(t *testing.T) {
		defer s.tg.Reset(t)
		before := time.Now().Add(-time.Minute)
		got, resp, err := c.PluginResultJobs.Patch(s.ctx, queued.ID, &tsapi.PluginResultJobPatch{State: tsapi.StateStarted})
		require.NoError(t, err)
		assert.Nil(t, got)
		assert.Equal(t, 202, resp.StatusCode)
		j, _, err := c.PluginResultJobs.Get(s.ctx, queued.ID)
		require.NoError(t, err)
		assert.Equal(t, tsapi.StateStarted, j.State)
		require.NotNil(t, j.StartTime)
		assert.True(t, j.StartTime.After(before), "starttime %s set by the server", j.StartTime)
		assert.Nil(t, j.EndTime)

		_, err = c.PluginResultJobs.SetState(s.ctx, queued.ID, tsapi.StateCompleted)
		require.NoError(t, err)
		j, _, err = c.PluginResultJobs.Get(s.ctx, queued.ID)
		require.NoError(t, err)
		assert.Equal(t, tsapi.StateCompleted, j.State)
		require.NotNil(t, j.EndTime)
		assert.True(t, j.EndTime.After(before))
		assert.Equal(t, queued.GridEngineJobID, j.GridEngineJobID, "the server leaves grid_engine_jobid alone")
	})
	s.check(t, "write/PATCH explicit null", func(t *testing.T) {
		defer s.tg.Reset(t)
		_, _, err := c.PluginResultJobs.Patch(s.ctx, queued.ID, &tsapi.PluginResultJobPatch{GridEngineJobID: tsapi.Null[int64]()})
		require.NoError(t, err)
		j, _, err := c.PluginResultJobs.Get(s.ctx, queued.ID)
		require.NoError(t, err)
		assert.Nil(t, j.GridEngineJobID)
	})
	s.check(t, "write/PUT replaces the job and keeps the config", func(t *testing.T) {
		defer s.tg.Reset(t)
		j, _, err := c.PluginResultJobs.Get(s.ctx, 19)
		require.NoError(t, err)
		cfg, err := tsapi.JobConfigFromJSON([]byte(`{"threads": 8, "ratio": 0.25, "name": "x", "nested": {"list": [1, "2"]}}`))
		require.NoError(t, err)
		j.Config = cfg
		j.RunLevel = tsapi.RunLevelPost
		j.GridEngineJobID = tsapi.Ptr[int64](4242)
		_, resp, err := c.PluginResultJobs.Update(s.ctx, 19, j.ToWrite())
		require.NoError(t, err)
		assert.Equal(t, 204, resp.StatusCode)
		got, _, err := c.PluginResultJobs.Get(s.ctx, 19)
		require.NoError(t, err)
		assert.Equal(t, tsapi.RunLevelPost, got.RunLevel)
		assert.Equal(t, int64(4242), *got.GridEngineJobID)
		assert.Equal(t, servedConfig(cfg.Raw()), decodeNumbers(t, got.Config.Raw()))
		assert.Equal(t, j.State, got.State)
	})
	s.check(t, "write/DELETE then 404", func(t *testing.T) {
		defer s.tg.Reset(t)
		resp, err := c.PluginResultJobs.Delete(s.ctx, 7)
		require.NoError(t, err)
		assert.Equal(t, 204, resp.StatusCode)
		_, _, err = c.PluginResultJobs.Get(s.ctx, 7)
		assert.ErrorIs(t, err, tsapi.ErrNotFound)
		_, err = c.PluginResultJobs.Delete(s.ctx, 7)
		assert.ErrorIs(t, err, tsapi.ErrNotFound)
	})
	s.check(t, "write/bulk PATCH updates and deletes atomically", func(t *testing.T) {
		defer s.tg.Reset(t)
		resp, err := c.PluginResultJobs.BulkPatch(s.ctx, []tsapi.BulkUpdate[tsapi.PluginResultJobPatch]{
			{ID: 10, Patch: &tsapi.PluginResultJobPatch{RunLevel: tsapi.RunLevelSeparator}},
			{ID: 11, Patch: &tsapi.PluginResultJobPatch{RunLevel: tsapi.RunLevelSeparator}},
		}, []int64{12})
		require.NoError(t, err)
		assert.Equal(t, 202, resp.StatusCode)
		jobs, missing, _, err := c.PluginResultJobs.GetSet(s.ctx, 10, 11, 12)
		require.NoError(t, err)
		assert.Equal(t, []int64{12}, missing)
		require.Len(t, jobs, 2)
		for _, j := range jobs {
			assert.Equal(t, tsapi.RunLevelSeparator, j.RunLevel)
		}
	})
	s.check(t, "write/ReplaceAllMatching with no objects deletes only the matches", func(t *testing.T) {
		defer s.tg.Reset(t)
		declined := len(s.seed.JobsWhere(func(j tsapitest.Job) bool { return j.State == "Declined" }))
		// A read first renews the session the last reset ended, so that the
		// PUT's attempts count its sends alone.
		_, _, err := c.PluginResultJobs.Count(s.ctx, nil)
		require.NoError(t, err)
		resp, err := c.PluginResultJobs.(*tsapi.PluginResultJobServiceOp).ReplaceAllMatching(s.ctx, &tsapi.PluginResultJobListOptions{State: tsapi.StateDeclined}, nil)
		require.NoError(t, err)
		assert.Equal(t, 1, resp.Attempts)
		n, _, err := c.PluginResultJobs.Count(s.ctx, nil)
		require.NoError(t, err)
		assert.Equal(t, 1500-declined, n)
	})
	s.check(t, "write/DeleteAllMatching deletes only the matches", func(t *testing.T) {
		defer s.tg.Reset(t)
		archived := len(s.seed.JobsWhere(func(j tsapitest.Job) bool { return j.State == "Archived" }))
		_, err := c.PluginResultJobs.DeleteAllMatching(s.ctx, &tsapi.PluginResultJobListOptions{State: tsapi.StateArchived})
		require.NoError(t, err)
		n, _, err := c.PluginResultJobs.Count(s.ctx, nil)
		require.NoError(t, err)
		assert.Equal(t, 1500-archived, n)
		n, _, err = c.PluginResultJobs.Count(s.ctx, &tsapi.PluginResultJobListOptions{State: tsapi.StateArchived})
		require.NoError(t, err)
		assert.Zero(t, n)
	})
}
