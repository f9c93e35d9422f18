package tsapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/h2non/gock.v1"
)

const prPath = "/rundb/api/v1/pluginresult/"

// prFixtureKeys are the plugin keys in testdata/pluginresult_list.json.
var prFixtureKeys = []string{
	"5f0c3e0c9a4e4bd1a8a1f7a6e0d2c4b9e1f2a3b4",
	"0d5e2b7f9c1a4f6e8b3d2c1a0f9e8d7c6b5a4f3e",
}

func prFixture(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/pluginresult_list.json")
	require.NoError(t, err)
	return b
}

func prDecodeFixture(t *testing.T) []*PluginResult {
	t.Helper()
	var page listPage[PluginResult]
	require.NoError(t, json.Unmarshal(prFixture(t), &page))
	require.Len(t, page.Objects, 3)
	return page.Objects
}

// prRequest checks the exact path and query of a request (gock matches
// paths and values as regular expressions, which would let a missing
// trailing slash or an extra parameter through).
func prRequest(path string, query url.Values) gock.MatchFunc {
	return func(req *http.Request, _ *gock.Request) (bool, error) {
		if req.URL.Path != path {
			return false, nil
		}
		got := req.URL.Query()
		if query == nil {
			query = url.Values{}
		}
		if len(got) != len(query) {
			return false, nil
		}
		for k, v := range query {
			if strings.Join(got[k], "\x00") != strings.Join(v, "\x00") {
				return false, nil
			}
		}
		return true, nil
	}
}

func TestPluginResultFixtureDecodes(t *testing.T) {
	objs := prDecodeFixture(t)

	running := objs[0]
	assert.Equal(t, int64(12), running.ID)
	assert.Equal(t, "coverageAnalysis", running.PluginName)
	assert.Equal(t, "5.18.0.1", running.PluginVersion)
	assert.Equal(t, "Auto_user_S5-0001-23-run_45", running.ResultName)
	assert.Equal(t, "/output/Home/Auto_user_S5-0001-23-run_45_046/", running.ReportLink)
	assert.Equal(t, StateStarted, running.State)
	assert.Equal(t, int64(-1), running.Size, "size arrives as the string \"-1\"")
	assert.Equal(t, int64(-1), running.Inodes)
	assert.Equal(t, prFixtureKeys[0], running.APIKey.Reveal())
	assert.True(t, running.CanTerminate)
	assert.True(t, running.Major)
	assert.Empty(t, running.Files)
	assert.Equal(t, "/output/Home/Auto_user_S5-0001-23-run_45_046/plugin_out/coverageAnalysis_out.12/", running.URL)
	assert.True(t, strings.HasSuffix(running.Path, "plugin_out/coverageAnalysis_out.12"))
	require.NotNil(t, running.StartTime)
	assert.Equal(t, time.Date(2017, 8, 9, 20, 26, 3, 549000000, time.UTC), running.StartTime.UTC())
	assert.Nil(t, running.EndTime)
	assert.True(t, running.Store.IsEmpty())
	assert.Nil(t, running.ValidationMessages())
	rid, err := running.ResultID()
	require.NoError(t, err)
	assert.Equal(t, int64(45), rid)
	pid, err := running.PluginID()
	require.NoError(t, err)
	assert.Equal(t, int64(44), pid)
	assert.Equal(t, "/rundb/api/v1/user/2/", running.Owner)
	assert.Equal(t, "/rundb/api/v1/pluginresult/12/", running.ResourceURI)

	require.Len(t, running.Jobs, 1)
	job := running.Jobs[0]
	assert.Equal(t, int64(31), job.ID)
	require.NotNil(t, job.GridEngineJobID)
	assert.Equal(t, int64(4242), *job.GridEngineJobID)
	assert.Equal(t, StateStarted, job.State)
	assert.Equal(t, RunLevelDefault, job.RunLevel)
	lt, ok := job.Config.GetString("librarytype")
	assert.True(t, ok)
	assert.Equal(t, "AMPS", lt)
	assert.Same(t, &running.Jobs[0], running.JobByGridEngineID(4242))
	assert.Nil(t, running.JobByGridEngineID(-1))

	done := objs[1]
	assert.Equal(t, StateCompleted, done.State)
	assert.True(t, done.APIKey.IsZero(), "the key is null once the run ended")
	assert.Equal(t, int64(1834210), done.Size)
	assert.Equal(t, int64(12), done.Inodes)
	assert.Equal(t, []string{"sampleID_block.html", "sampleID.html"}, done.Files)
	require.NotNil(t, done.EndTime)
	require.Len(t, done.Jobs, 2)
	assert.Equal(t, RunLevelBlock, done.Jobs[1].RunLevel)
	cov, ok := done.Store.GetString("Target coverage")
	assert.True(t, ok, "non-integers come back as strings")
	assert.Equal(t, "0.9874", cov)
	var store struct {
		SampleID string `json:"Sample ID"`
		Reads    int    `json:"Reads"`
	}
	require.NoError(t, done.Store.Decode(&store))
	assert.Equal(t, "TS-F07B4A2", store.SampleID)
	assert.Equal(t, 431122, store.Reads)

	failed := objs[2]
	assert.Equal(t, StateFailedValidation, failed.State)
	assert.False(t, failed.State.IsKnown(), "Failed Validation is not a job state")
	assert.Empty(t, failed.Jobs)
	assert.NotNil(t, failed.Jobs, "an empty list stays an empty list")
	assert.Nil(t, failed.StartTime)
	assert.Equal(t, []string{"IonReporterUploader requires configuration before execution."}, failed.ValidationMessages())
}

func TestPluginResultKeyNeverPrinted(t *testing.T) {
	objs := prDecodeFixture(t)
	pr := objs[0]
	key := prFixtureKeys[0]

	var buf bytes.Buffer
	for _, f := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
		fmt.Fprintf(&buf, f+"\n", pr)
		fmt.Fprintf(&buf, f+"\n", *pr)
		fmt.Fprintf(&buf, f+"\n", objs)
		fmt.Fprintf(&buf, f+"\n", pr.APIKey)
		fmt.Fprintf(&buf, f+"\n", struct{ P *PluginResult }{pr})
	}
	buf.WriteString(pr.String() + pr.APIKey.String() + pr.APIKey.GoString())
	b, err := json.Marshal(pr)
	require.NoError(t, err)
	buf.Write(b)
	for _, h := range []slog.Handler{
		slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}),
		slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}),
	} {
		l := slog.New(h)
		l.Debug("pr", "pr", pr, "value", *pr, "key", pr.APIKey, "all", objs)
	}
	out := buf.String()
	assert.NotContains(t, out, key)
	assert.NotContains(t, out, key[:12])
	assert.Contains(t, out, "REDACTED")
	assert.Contains(t, string(b), `"apikey":"REDACTED"`)
	assert.Contains(t, pr.String(), "PluginResult 12 (coverageAnalysis 5.18.0.1")

	// An empty key prints as nothing and encodes as null.
	b, err = json.Marshal(objs[1])
	require.NoError(t, err)
	assert.Contains(t, string(b), `"apikey":null`)
}

func TestPluginResultListRequestShape(t *testing.T) {
	c := newGockClient(t, WithPluginKey(12, "k3y-of-the-plugin"))
	want := url.Values{
		"plugin_result_jobs__state__in": {"Queued,Started"},
		"result":                        {"45"},
		"plugin__name":                  {"coverageAnalysis"},
		"limit":                         {"20"},
	}
	gock.New(gockBase).Get(prPath).
		AddMatcher(prRequest(prPath, want)).
		MatchHeader("Authorization", "^PluginKey 12:k3y-of-the-plugin$").
		MatchHeader("Accept", "application/json").
		Reply(200).Type("application/json").Body(bytes.NewReader(prFixture(t)))

	objs, resp, err := c.PluginResults.List(context.Background(), &PluginResultListOptions{
		ListOptions: ListOptions{Limit: 20},
		JobStateIn:  []JobState{StateQueued, StateStarted},
		Result:      Ptr(int64(45)),
		PluginName:  "coverageAnalysis",
	})
	require.NoError(t, err)
	require.True(t, gock.IsDone())
	require.Len(t, objs, 3)
	assert.Equal(t, 3, resp.Meta.TotalCount)
	assert.Equal(t, int64(12), objs[0].ID)
}

func TestPluginResultFilters(t *testing.T) {
	r := newTestClient(t, gockBase).PluginResults.(*PluginResultServiceOp)
	for _, ok := range []string{
		"plugin_result_jobs__state__in", "plugin__name", "plugin__name__in", "plugin__version",
		"result", "result__in", "owner__username", "plugin_result_jobs__grid_engine_jobid", "id__lt", "size__gte",
	} {
		assert.NoError(t, r.CheckQuery(url.Values{ok: {"x"}}), ok)
	}
	for _, bad := range []string{
		"state",          // computed: the server answers 400
		"plugin_result",  // no such field: the server would ignore it
		"apikey",         // a secret in a URL
		"pluginName",     // computed
		"size__bogus__x", // size is not a relation
	} {
		err := r.CheckQuery(url.Values{bad: {"x"}})
		assert.ErrorIs(t, err, ErrInvalidOption, bad)
	}
	// Typed options encode to what the server expects.
	q, err := r.Query(&PluginResultListOptions{
		PluginNameIn:       []string{"a", "b"},
		JobRunLevel:        RunLevelBlock,
		JobGridEngineJobID: Ptr(int64(4242)),
		OwnerUsername:      "ionuser",
		IDIn:               []int64{1, 2},
	})
	require.NoError(t, err)
	assert.Equal(t, url.Values{
		"plugin__name__in":                      {"a,b"},
		"plugin_result_jobs__run_level":         {"block"},
		"plugin_result_jobs__grid_engine_jobid": {"4242"},
		"owner__username":                       {"ionuser"},
		"id__in":                                {"1,2"},
	}, q)
}

func TestPluginResultGetRequestShape(t *testing.T) {
	c := newGockClient(t, WithAPIKey("ionadmin", "adm1nkey"))
	var page listPage[json.RawMessage]
	require.NoError(t, json.Unmarshal(prFixture(t), &page))
	gock.New(gockBase).Get(prPath+"12/").
		AddMatcher(prRequest(prPath+"12/", nil)).
		MatchHeader("Authorization", "^ApiKey ionadmin:adm1nkey$").
		Reply(200).Type("application/json").JSON(*page.Objects[0])

	pr, _, err := c.PluginResults.Get(context.Background(), 12)
	require.NoError(t, err)
	require.True(t, gock.IsDone())
	assert.Equal(t, int64(12), pr.ID)
	require.Len(t, pr.Jobs, 1)

	gock.New(gockBase).Get(prPath + "99/").Reply(404)
	_, _, err = c.PluginResults.Get(context.Background(), 99)
	assert.ErrorIs(t, err, ErrNotFound)
}

func TestPluginResultPatchStoreRequestShape(t *testing.T) {
	c := newGockClient(t, WithPluginKey(12, "k3y-of-the-plugin"))
	var body []byte
	// A detail PATCH is retried: the first answer is a 503.
	gock.New(gockBase).Patch(prPath + "12/").Reply(503)
	gock.New(gockBase).Patch(prPath+"12/").
		AddMatcher(prRequest(prPath+"12/", nil)).
		MatchHeader("Content-Type", "^application/json$").
		MatchHeader("Authorization", "^PluginKey 12:k3y-of-the-plugin$").
		AddMatcher(captureBody(&body)).
		Reply(202)

	resp, err := c.PluginResults.SetStore(context.Background(), 12, map[string]any{"words": 3, "file": "a.txt"})
	require.NoError(t, err)
	require.True(t, gock.IsDone())
	assert.Equal(t, 202, resp.StatusCode)
	assert.Equal(t, 2, resp.Attempts)
	assert.JSONEq(t, `{"store": {"words": 3, "file": "a.txt"}}`, string(body))

	// Patch with both fields; raw JSON is sent byte for byte.
	store, err := JobConfigFromJSON([]byte(`{"x": 1.50}`))
	require.NoError(t, err)
	verrs, err := NewJobConfig(map[string][]string{"validation_errors": {}})
	require.NoError(t, err)
	gock.New(gockBase).Patch(prPath + "12/").AddMatcher(captureBody(&body)).Reply(202)
	out, _, err := c.PluginResults.Patch(context.Background(), 12, &PluginResultPatch{Store: &store, ValidationErrors: &verrs})
	require.NoError(t, err)
	assert.Nil(t, out, "202 has no body")
	assert.Equal(t, `{"store":{"x":1.50},"validation_errors":{"validation_errors":[]}}`, string(body), "numbers are sent as written")
}

func TestPluginResultSetStoreRefusesNonObjects(t *testing.T) {
	c := newGockClient(t)
	for _, v := range []any{nil, []int{1}, "text", 3, json.RawMessage(`[1]`), []byte(`"x"`), JobConfig{}} {
		_, err := c.PluginResults.SetStore(context.Background(), 12, v)
		assert.ErrorIs(t, err, ErrInvalidOption, "%T %v", v, v)
	}
	_, _, err := c.PluginResults.Patch(context.Background(), 12, &PluginResultPatch{})
	assert.ErrorIs(t, err, ErrInvalidOption, "an empty patch is refused")
	_, _, err = c.PluginResults.Patch(context.Background(), 12, nil)
	assert.ErrorIs(t, err, ErrInvalidOption)
	assert.Empty(t, gock.GetUnmatchedRequests(), "nothing was sent")
}

func TestPluginResultDeleteRequestShape(t *testing.T) {
	c := newGockClient(t, WithBasicAuth("ionadmin", "ionadmin"))
	gock.New(gockBase).Delete(prPath+"12/").
		AddMatcher(prRequest(prPath+"12/", nil)).
		MatchHeader("Authorization", "^Basic ").
		Reply(204)
	resp, err := c.PluginResults.Delete(context.Background(), 12)
	require.NoError(t, err)
	require.True(t, gock.IsDone())
	assert.Equal(t, 204, resp.StatusCode)

	_, err = c.PluginResults.Delete(context.Background(), 0)
	assert.ErrorIs(t, err, ErrInvalidOption)
}

// prPage renders a list page of minimal plugin results.
func prPage(ids []int64, next string) string {
	objs := make([]string, len(ids))
	for i, id := range ids {
		objs[i] = fmt.Sprintf(`{"id": %d, "size": "-1", "inodes": "-1", "state": "Started", "plugin_result_jobs": []}`, id)
	}
	n := "null"
	if next != "" {
		n = `"` + next + `"`
	}
	return fmt.Sprintf(`{"meta": {"limit": 3, "offset": 0, "total_count": 6, "next": %s, "previous": null}, "objects": [%s]}`, n, strings.Join(objs, ","))
}

func TestPluginResultAllDropsRepeatsOfJobFilters(t *testing.T) {
	c := newGockClient(t)
	// Filtering on the jobs joins them: a plugin result with two running
	// jobs is listed twice, next to itself and across pages.
	first := url.Values{"plugin_result_jobs__state__in": {"Queued,Started"}, "limit": {"3"}}
	gock.New(gockBase).Get(prPath).AddMatcher(prRequest(prPath, first)).
		Reply(200).Type("application/json").
		BodyString(prPage([]int64{9, 9, 7}, prPath+"?limit=3&offset=3&plugin_result_jobs__state__in=Queued%2CStarted"))
	second := url.Values{"plugin_result_jobs__state__in": {"Queued,Started"}, "limit": {"3"}, "offset": {"3"}}
	gock.New(gockBase).Get(prPath).AddMatcher(prRequest(prPath, second)).
		Reply(200).Type("application/json").BodyString(prPage([]int64{7, 5, 2}, ""))

	// Offset paging, as the server links the pages: 7 repeats across the
	// page boundary.
	opts := &PluginResultListOptions{ListOptions: ListOptions{Limit: 3, Paging: PagingOffset}, JobStateIn: []JobState{StateQueued, StateStarted}}
	got, err := c.PluginResults.Collect(context.Background(), opts, 10)
	require.NoError(t, err)
	require.True(t, gock.IsDone())
	ids := make([]int64, len(got))
	for i, p := range got {
		ids[i] = p.ID
	}
	assert.Equal(t, []int64{9, 7, 5, 2}, ids)

	// Keyset paging (one page at a time, to see each request) steps past
	// the repeats with id__lt.
	gock.New(gockBase).Get(prPath).AddMatcher(prRequest(prPath, first)).
		Reply(200).Type("application/json").
		BodyString(prPage([]int64{9, 9, 7}, prPath+"?limit=3&offset=3&plugin_result_jobs__state__in=Queued%2CStarted"))
	keyset := url.Values{"plugin_result_jobs__state__in": {"Queued,Started"}, "limit": {"3"}, "id__lt": {"7"}}
	gock.New(gockBase).Get(prPath).AddMatcher(prRequest(prPath, keyset)).
		Reply(200).Type("application/json").BodyString(prPage([]int64{5, 2}, ""))
	opts = &PluginResultListOptions{ListOptions: ListOptions{Limit: 3, Concurrency: 1}, JobStateIn: []JobState{StateQueued, StateStarted}}
	got, err = c.PluginResults.Collect(context.Background(), opts, 10)
	require.NoError(t, err)
	require.True(t, gock.IsDone())
	ids = ids[:0]
	for _, p := range got {
		ids = append(ids, p.ID)
	}
	assert.Equal(t, []int64{9, 7, 5, 2}, ids)
	assert.Equal(t, PagingAuto, opts.Paging, "the caller's options are not changed")

	// Without a job filter, iteration pages by id (keyset).
	gock.New(gockBase).Get(prPath).AddMatcher(prRequest(prPath, url.Values{"limit": {"2"}})).
		Reply(200).Type("application/json").BodyString(prPage([]int64{9, 7}, prPath+"?limit=2&offset=2"))
	gock.New(gockBase).Get(prPath).AddMatcher(prRequest(prPath, url.Values{"limit": {"2"}, "id__lt": {"7"}})).
		Reply(200).Type("application/json").BodyString(prPage([]int64{5}, ""))
	got, err = c.PluginResults.Collect(context.Background(), &PluginResultListOptions{ListOptions: ListOptions{Limit: 2, Concurrency: 1}}, 10)
	require.NoError(t, err)
	require.True(t, gock.IsDone())
	assert.Len(t, got, 3)

	// The cap is honoured.
	gock.New(gockBase).Get(prPath).Reply(200).Type("application/json").BodyString(prPage([]int64{9, 7, 5}, ""))
	got, err = c.PluginResults.Collect(context.Background(), nil, 2)
	assert.True(t, errors.Is(err, ErrTooMany))
	assert.Len(t, got, 2)
}
