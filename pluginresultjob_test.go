package tsapi

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
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

// fakeJobs stands in for the job service, as a user's test would.
type fakeJobs struct {
	PluginResultJobService
	states []JobState
}

func (f *fakeJobs) SetState(_ context.Context, _ int64, s JobState) (*Response, error) {
	f.states = append(f.states, s)
	return &Response{}, nil
}

func TestServicesCanBeSubstituted(t *testing.T) {
	c := newTestClient(t, "http://ts.example")
	fake := &fakeJobs{}
	c.PluginResultJobs = fake
	_, err := c.PluginResultJobs.SetState(context.Background(), 3, StateCompleted)
	require.NoError(t, err)
	assert.Equal(t, []JobState{StateCompleted}, fake.states)
}

func TestWaitTellsProgressOfEveryRead(t *testing.T) {
	var mu sync.Mutex
	states := []string{"Queued", "Started", "Started", "Completed"}
	reads := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		reads++
		state := states[min(reads, len(states))-1]
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"id": 7, "state": %q, "config": {}, "run_level": "default"}`, state)
	}))
	t.Cleanup(srv.Close)
	c := newTestClient(t, srv.URL)
	var seen []JobState
	job, err := c.PluginResultJobs.Wait(context.Background(), 7, &WaitOptions{Interval: time.Millisecond,
		Progress: func(j *PluginResultJob) { seen = append(seen, j.State) }})
	require.NoError(t, err)
	assert.Equal(t, StateCompleted, job.State)
	assert.Equal(t, []JobState{StateQueued, StateStarted, StateStarted, StateCompleted}, seen, "every read, the terminal one included")

	_, err = c.PluginResultJobs.Wait(context.Background(), 7, nil)
	assert.ErrorIs(t, err, ErrInvalidOption)
	_, err = c.PluginResultJobs.Wait(context.Background(), 7, &WaitOptions{})
	assert.ErrorIs(t, err, ErrInvalidOption)

	ctx, cancel := context.WithCancel(context.Background())
	mu.Lock()
	reads, states = 0, []string{"Started"}
	mu.Unlock()
	job, err = c.PluginResultJobs.Wait(ctx, 7, &WaitOptions{Interval: time.Millisecond, Progress: func(*PluginResultJob) { cancel() }})
	assert.ErrorIs(t, err, context.Canceled)
	require.NotNil(t, job, "the job as last read")
	assert.Equal(t, StateStarted, job.State)
}
