package tsapi

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/h2non/gock.v1"
)

const jobsPath = "/rundb/api/v1/PluginResultJob/"

func TestFixtureDecodesFieldByField(t *testing.T) {
	raw, err := os.ReadFile("testdata/pluginresultjob_list.json")
	require.NoError(t, err)
	var page listPage[PluginResultJob]
	require.NoError(t, json.Unmarshal(raw, &page))

	require.NotNil(t, page.Meta)
	assert.Equal(t, Meta{Limit: 1, Offset: 0, TotalCount: 15,
		Next: "/rundb/api/v1/PluginResultJob/?offset=1&limit=1&format=json"}, *page.Meta)
	require.Len(t, page.Objects, 1)
	j := page.Objects[0]
	assert.Equal(t, int64(19), j.ID)
	require.NotNil(t, j.GridEngineJobID)
	assert.Equal(t, int64(-1), *j.GridEngineJobID)
	assert.Equal(t, StateCompleted, j.State)
	assert.True(t, j.State.IsTerminal())
	require.NotNil(t, j.StartTime)
	assert.Equal(t, time.Date(2017, 8, 9, 20, 26, 3, 549000000, time.UTC), j.StartTime.UTC())
	require.NotNil(t, j.EndTime)
	assert.Equal(t, time.Date(2017, 8, 9, 20, 30, 11, 942000000, time.UTC), j.EndTime.UTC())
	assert.Equal(t, RunLevelLast, j.RunLevel)
	assert.Equal(t, "/rundb/api/v1/PluginResultJob/19/", j.ResourceURI)

	assert.Equal(t, ConfigObject, j.Config.Form())
	v, ok := j.Config.GetString("compressedType")
	assert.True(t, ok)
	assert.Equal(t, "zip", v)
	var cfg struct {
		BamCreate    string   `json:"bamCreate"`
		SelectDialog []string `json:"select_dialog"`
	}
	require.NoError(t, j.Config.Decode(&cfg))
	assert.Equal(t, "on", cfg.BamCreate)
	assert.Equal(t, []string{"run_name", "samplename", "instrument", "", "", "", ""}, cfg.SelectDialog)
	m, err := j.Config.Map()
	require.NoError(t, err)
	assert.Len(t, m, 11)
}

func TestListRequestShape(t *testing.T) {
	c := newGockClient(t, WithBasicAuth("ionadmin", "ionadmin"))
	wantAuth := "Basic " + base64.StdEncoding.EncodeToString([]byte("ionadmin:ionadmin"))
	gock.New(gockBase).Get(jobsPath).
		MatchHeader("Authorization", "^"+wantAuth+"$").
		MatchHeader("Accept", "application/json").
		MatchHeader("User-Agent", "^tsapi-go/").
		MatchParam("limit", "^1$").
		MatchParam("state__in", "^Queued,Started$").
		MatchParam("grid_engine_jobid__isnull", "^false$").
		Reply(200).File("testdata/pluginresultjob_list.json")

	jobs, resp, err := c.PluginResultJobs.List(context.Background(), &PluginResultJobListOptions{
		ListOptions:           ListOptions{Limit: 1},
		StateIn:               []JobState{StateQueued, StateStarted},
		GridEngineJobIDIsNull: Ptr(false),
	})
	require.NoError(t, err)
	assert.True(t, gock.IsDone())
	require.Len(t, jobs, 1)
	assert.Equal(t, int64(19), jobs[0].ID)
	require.NotNil(t, resp.Meta)
	assert.Equal(t, 15, resp.Meta.TotalCount)
	assert.Equal(t, 1, resp.Attempts)
	assert.Equal(t, 200, resp.StatusCode)
}

func TestListEncodesEveryTypedFilter(t *testing.T) {
	start := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	c := newGockClient(t)
	gock.New(gockBase).Get(jobsPath).
		MatchParams(map[string]string{
			"id__in": "^1,2$", "id__gt": "^5$", "id__lt": "^100$", "state": "^Timed Out$",
			"run_level__in": "^pre,last$", "grid_engine_jobid": "^42$",
			"starttime__gte": "^2024-01-02T03:04:05Z$", "endtime__isnull": "^true$",
			"offset": "^40$",
		}).Reply(200).JSON(map[string]any{"meta": map[string]any{"total_count": 0}, "objects": []any{}})
	jobs, _, err := c.PluginResultJobs.List(context.Background(), &PluginResultJobListOptions{
		ListOptions:     ListOptions{Offset: 40},
		IDIn:            []int64{1, 2},
		IDGt:            Ptr[int64](5),
		IDLt:            Ptr[int64](100),
		State:           StateTimedOut,
		RunLevelIn:      []RunLevel{RunLevelPre, RunLevelLast},
		GridEngineJobID: Ptr[int64](42),
		StartTimeGte:    &start,
		EndTimeIsNull:   Ptr(true),
	})
	require.NoError(t, err)
	assert.Empty(t, jobs)
	assert.True(t, gock.IsDone())
}

func TestGetRequestShape(t *testing.T) {
	c := newGockClient(t, WithAPIKey("ionuser", "k3y"))
	gock.New(gockBase).Get(jobsPath+"19/").
		MatchHeader("Authorization", "^ApiKey ionuser:k3y$").
		Reply(200).JSON(`{"id": 19, "grid_engine_jobid": null, "state": "Started", "starttime": "2010-11-10T03:07:43", "endtime": null, "config": "{\"a\": 1.0}", "run_level": "default", "resource_uri": "/rundb/api/v1/PluginResultJob/19/", "added_later": [1]}`)
	j, _, err := c.PluginResultJobs.Get(context.Background(), 19)
	require.NoError(t, err)
	assert.Nil(t, j.GridEngineJobID)
	assert.Nil(t, j.EndTime)
	assert.True(t, j.State.IsRunning())
	assert.Equal(t, time.Date(2010, 11, 10, 3, 7, 43, 0, time.UTC), j.StartTime.Time)
	assert.Equal(t, ConfigString, j.Config.Form())
	raw, ok := j.Config.Get("a")
	assert.True(t, ok)
	assert.Equal(t, "1.0", string(raw))
}

func TestPatchRequestShape(t *testing.T) {
	c := newGockClient(t, WithPluginKey(77, "pk"))
	var body []byte
	gock.New(gockBase).Patch(jobsPath+"19/").
		MatchHeader("Authorization", "^PluginKey 77:pk$").
		MatchHeader("Content-Type", "^application/json$").
		AddMatcher(captureBody(&body)).
		Reply(202)
	j, resp, err := c.PluginResultJobs.Patch(context.Background(), 19, &PluginResultJobPatch{
		State:           StateCompleted,
		GridEngineJobID: Null[int64](),
	})
	require.NoError(t, err)
	assert.Nil(t, j, "202 has no body")
	assert.Equal(t, 202, resp.StatusCode)
	assert.JSONEq(t, `{"state": "Completed", "grid_engine_jobid": null}`, string(body))
}

func TestPatchRefusesEmptyPatch(t *testing.T) {
	c := newGockClient(t)
	_, _, err := c.PluginResultJobs.Patch(context.Background(), 19, &PluginResultJobPatch{})
	assert.ErrorIs(t, err, ErrInvalidOption)
	_, _, err = c.PluginResultJobs.Patch(context.Background(), 0, &PluginResultJobPatch{State: StateError})
	assert.ErrorIs(t, err, ErrInvalidOption)
}

func TestUpdateNeverSendsIDOrURI(t *testing.T) {
	c := newGockClient(t)
	var body []byte
	gock.New(gockBase).Put(jobsPath + "19/").AddMatcher(captureBody(&body)).Reply(204)
	cfg, err := JobConfigFromJSON([]byte(`{"x": "1.0", "n": 1.50}`))
	require.NoError(t, err)
	st := NewTime(time.Date(2024, 5, 6, 7, 8, 9, 123456000, time.UTC))
	read := &PluginResultJob{
		ID: 19, ResourceURI: "/rundb/api/v1/PluginResultJob/19/", State: StateStarted,
		GridEngineJobID: Ptr[int64](5), StartTime: &st, Config: cfg, RunLevel: RunLevelBlock,
	}
	j, resp, err := c.PluginResultJobs.Update(context.Background(), 19, read.ToWrite())
	require.NoError(t, err)
	assert.Nil(t, j)
	assert.Equal(t, 204, resp.StatusCode)
	var m map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(body, &m))
	assert.NotContains(t, m, "id")
	assert.NotContains(t, m, "resource_uri")
	// encoding/json compacts what a Marshaler returns: the values and their
	// order are sent as held, without the spaces.
	assert.Equal(t, `{"x":"1.0","n":1.50}`, string(m["config"]), "config sent as held")
	assert.Equal(t, `"2024-05-06T07:08:09.123456+00:00"`, string(m["starttime"]))
	assert.Equal(t, "null", string(m["endtime"]))
	assert.Equal(t, `"block"`, string(m["run_level"]))
}

func TestCreateReturnsIDFromLocation(t *testing.T) {
	c := newGockClient(t)
	var body []byte
	gock.New(gockBase).Post(jobsPath).AddMatcher(captureBody(&body)).
		Reply(201).SetHeader("Location", gockBase+jobsPath+"123/")
	id, resp, err := c.PluginResultJobs.Create(context.Background(), &PluginResultJobWrite{State: StateQueued, RunLevel: RunLevelDefault})
	require.NoError(t, err)
	assert.Equal(t, int64(123), id)
	assert.Equal(t, gockBase+jobsPath+"123/", resp.Location)
	assert.NotContains(t, string(body), `"id"`)
	assert.JSONEq(t, `{"grid_engine_jobid": null, "state": "Queued", "starttime": null, "endtime": null, "config": {}, "run_level": "default"}`, string(body))
}

func TestCreateAndGetFetchesStoredJob(t *testing.T) {
	c := newGockClient(t)
	gock.New(gockBase).Post(jobsPath).Reply(201).SetHeader("Location", jobsPath+"7/")
	gock.New(gockBase).Get(jobsPath + "7/").Reply(200).JSON(`{"id": 7, "state": "Pending", "config": {}, "run_level": "pre", "resource_uri": "/rundb/api/v1/PluginResultJob/7/"}`)
	j, id, _, err := c.PluginResultJobs.CreateAndGet(context.Background(), &PluginResultJobWrite{State: StateQueued})
	require.NoError(t, err)
	assert.Equal(t, int64(7), id)
	assert.Equal(t, int64(7), j.ID)
	assert.Equal(t, StatePending, j.State, "the stored object, not the sent one")
}

func TestCreateWithoutLocationIsDecodeError(t *testing.T) {
	c := newGockClient(t)
	gock.New(gockBase).Post(jobsPath).Reply(201)
	_, _, err := c.PluginResultJobs.Create(context.Background(), &PluginResultJobWrite{State: StateQueued})
	var de *DecodeError
	require.ErrorAs(t, err, &de)
	assert.Contains(t, err.Error(), "Location")
}

func TestDeleteRequestShape(t *testing.T) {
	c := newGockClient(t)
	gock.New(gockBase).Delete(jobsPath + "19/").Reply(204)
	resp, err := c.PluginResultJobs.Delete(context.Background(), 19)
	require.NoError(t, err)
	assert.Equal(t, 204, resp.StatusCode)
	assert.True(t, gock.IsDone())
}

func TestEveryPathEndsWithSlash(t *testing.T) {
	c := newGockClient(t)
	var paths []string
	gock.New(gockBase).Persist().AddMatcher(func(r *http.Request, _ *gock.Request) (bool, error) {
		paths = append(paths, r.Method+" "+r.URL.Path)
		return true, nil
	}).Reply(200).JSON(`{"meta": {"limit": 20, "offset": 0, "total_count": 1, "next": null, "previous": null}, "objects": [], "fields": {}, "not_found": []}`)
	ctx := context.Background()
	_, _, _ = c.PluginResultJobs.List(ctx, nil)
	_, _, _ = c.PluginResultJobs.Get(ctx, 3)
	_, _, _ = c.PluginResultJobs.Update(ctx, 3, &PluginResultJobWrite{State: StateError})
	_, _, _ = c.PluginResultJobs.Patch(ctx, 3, &PluginResultJobPatch{State: StateError})
	_, _ = c.PluginResultJobs.Delete(ctx, 3)
	_, _, _, _ = c.PluginResultJobs.GetSet(ctx, 1, 3)
	_, _, _ = c.PluginResultJobs.Count(ctx, nil)
	_, err := c.PluginResultJobs.DeleteAllMatching(ctx, &PluginResultJobListOptions{State: StateError})
	require.NoError(t, err)
	_, _, _ = c.PluginResultJobs.Schema(ctx) // last: this schema filters on nothing
	require.Len(t, paths, 9)
	for _, p := range paths {
		assert.Regexp(t, `/$`, p)
	}
	assert.Contains(t, paths, "GET /rundb/api/v1/PluginResultJob/set/1;3/")
	assert.Contains(t, paths, "GET /rundb/api/v1/PluginResultJob/schema/")
}

func TestErrorsAreTypedForBadAnswers(t *testing.T) {
	cases := []struct {
		name     string
		status   int
		ctype    string
		body     string
		sentinel error
		message  string
	}{
		{"empty 404", 404, "", "", ErrNotFound, "Not Found"},
		{"html 404", 404, "text/html", "<html><head><title>404 Not Found</title></head><body><h1>Not Found</h1></body></html>", ErrNotFound, "404 Not Found"},
		{"canned 500", 500, "application/json", `{"error_message": "Sorry, this request could not be processed. Please try again later."}`, ErrServer, "Sorry, this request could not be processed. Please try again later."},
		{"debug 500", 500, "application/json", `{"error_message": "boom", "traceback": "Traceback (most recent call last): ..."}`, ErrServer, "boom"},
		{"400 error string", 400, "application/json", `{"error": "Invalid resource lookup data provided (mismatched type)."}`, ErrBadRequest, "Invalid resource lookup data provided (mismatched type)."},
		{"401 wrong credentials", 401, "", "", ErrUnauthorized, "Unauthorized"},
		{"html 503 maintenance", 503, "text/html", "<!DOCTYPE html><html><head><title>Torrent Server is being upgraded</title></head></html>", ErrUnavailable, "Torrent Server is being upgraded"},
		{"405", 405, "", "", ErrMethodNotAllowed, "Method Not Allowed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newGockClient(t, WithRetry(0, 0, 0))
			r := gock.New(gockBase).Get(jobsPath + "19/").Reply(tc.status).BodyString(tc.body)
			if tc.ctype != "" {
				r.SetHeader("Content-Type", tc.ctype)
			}
			if tc.name == "401 wrong credentials" {
				r.SetHeader("WWW-Authenticate", `Basic Realm="django-tastypie"`)
			}
			_, _, err := c.PluginResultJobs.Get(context.Background(), 19)
			require.Error(t, err)
			var apiErr *APIError
			require.ErrorAs(t, err, &apiErr)
			assert.ErrorIs(t, err, tc.sentinel)
			assert.Equal(t, tc.status, apiErr.StatusCode)
			assert.Equal(t, tc.message, apiErr.Message)
			assert.Equal(t, "GET", apiErr.Method)
			assert.Equal(t, gockBase+jobsPath+"19/", apiErr.URL)
			assert.False(t, errors.Is(err, ErrDecode))
		})
	}
}

func TestForbiddenIs401WithoutAuthenticate(t *testing.T) {
	c := newGockClient(t)
	gock.New(gockBase).Delete(jobsPath + "19/").Reply(401)
	_, err := c.PluginResultJobs.Delete(context.Background(), 19)
	assert.ErrorIs(t, err, ErrForbidden)
	assert.NotErrorIs(t, err, ErrUnauthorized)
}

func TestFieldErrors(t *testing.T) {
	c := newGockClient(t)
	gock.New(gockBase).Patch(jobsPath + "19/").Reply(400).
		JSON(`{"PluginResultJob": {"state": ["Ensure this value has at most 20 characters (it has 25)."]}}`)
	_, _, err := c.PluginResultJobs.Patch(context.Background(), 19, &PluginResultJobPatch{State: CustomState("a state that is too long!!")})
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, map[string][]string{"state": {"Ensure this value has at most 20 characters (it has 25)."}}, apiErr.FieldErrors)
	assert.Contains(t, err.Error(), "state: Ensure this value")
}

func TestMalformedJSONIsDecodeError(t *testing.T) {
	for name, body := range map[string]string{
		"truncated":  `{"meta": {"limit": 20}, "objects": [{"id": 1`,
		"html 200":   `<html><body>Login</body></html>`,
		"wrong type": `{"meta": {}, "objects": [{"id": "nineteen"}]}`,
		"no objects": `{"meta": {}}`,
	} {
		t.Run(name, func(t *testing.T) {
			c := newGockClient(t)
			gock.New(gockBase).Get(jobsPath).Reply(200).BodyString(body)
			_, _, err := c.PluginResultJobs.List(context.Background(), nil)
			var de *DecodeError
			require.ErrorAs(t, err, &de)
			assert.ErrorIs(t, err, ErrDecode)
			assert.Equal(t, 200, de.StatusCode)
			if name == "wrong type" {
				assert.Equal(t, "objects.id", de.Field)
			}
		})
	}
}

func TestBodiesKeepHTMLCharacters(t *testing.T) {
	c := newGockClient(t)
	var body []byte
	gock.New(gockBase).Patch(jobsPath + "19/").AddMatcher(captureBody(&body)).Reply(202)
	cfg, err := JobConfigFromJSON([]byte(`{"expr": "a<b && c>d"}`))
	require.NoError(t, err)
	_, _, err = c.PluginResultJobs.Patch(context.Background(), 19, &PluginResultJobPatch{Config: &cfg, State: CustomState("x<y")})
	require.NoError(t, err)
	assert.Equal(t, `{"state":"x<y","config":{"expr":"a<b && c>d"}}`, string(body))
}
