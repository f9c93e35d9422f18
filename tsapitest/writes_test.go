package tsapitest_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tsapi-go/tsapi"
	"github.com/tsapi-go/tsapi/tsapitest"
)

func TestPatchStateSideEffects(t *testing.T) {
	srv, c := setup(t)
	ctx := context.Background()
	pr := seedJobs(t, srv, 0)
	sent := tm("2001-01-01T00:00:00Z")
	id := srv.AddJob(tsapitest.Job{PluginResult: pr, State: "Queued", GridEngineJobID: i64(77)})

	// Queued -> Started: starttime is the server's now, whatever was sent.
	_, resp, err := c.PluginResultJobs.Patch(ctx, id, &tsapi.PluginResultJobPatch{State: tsapi.StateStarted, StartTime: tsapi.Value(tsapi.NewTime(*sent))})
	require.NoError(t, err)
	assert.Equal(t, 202, resp.StatusCode)
	j, _ := srv.Job(id)
	assert.Equal(t, "Started", j.State)
	assert.Equal(t, fixedNow, *j.StartTime)
	assert.Nil(t, j.EndTime)

	// The server prints the time with the milliseconds in the microsecond
	// digits: 09.123456 -> "09.000123".
	got, _, err := c.PluginResultJobs.Get(ctx, id)
	require.NoError(t, err)
	a := do(t, srv, "GET", "PluginResultJob/1/", "")
	assert.Contains(t, a.body, `"starttime": "2024-05-06T07:08:09.000123+00:00"`)
	assert.Equal(t, 123000000, got.StartTime.Nanosecond(), "the library reads the real instant")

	// Started -> Started: no change, no stamp.
	srv.UpdateJob(id, func(j *tsapitest.Job) { j.StartTime = sent })
	_, err = c.PluginResultJobs.SetState(ctx, id, tsapi.StateStarted)
	require.NoError(t, err)
	j, _ = srv.Job(id)
	assert.Equal(t, *sent, *j.StartTime)

	// -> Completed: endtime stamped, the plugin result's disk usage
	// recounted (nothing on disk: 0), the grid id and apikey kept.
	_, err = c.PluginResultJobs.SetState(ctx, id, tsapi.StateCompleted)
	require.NoError(t, err)
	j, _ = srv.Job(id)
	assert.Equal(t, fixedNow, *j.EndTime)
	assert.Equal(t, int64(77), *j.GridEngineJobID)
	p, _ := srv.PluginResult(pr)
	assert.Equal(t, int64(0), p.Size)
	assert.Equal(t, "prkey", p.APIKey)

	// A string the server does not store: no stamp.
	srv.UpdateJob(id, func(j *tsapitest.Job) { j.EndTime = nil })
	_, err = c.PluginResultJobs.SetState(ctx, id, tsapi.CustomState("Weird"))
	require.NoError(t, err)
	j, _ = srv.Job(id)
	assert.Nil(t, j.EndTime)

	// Longer than 20 characters: the database refuses (500).
	_, err = c.PluginResultJobs.SetState(ctx, id, tsapi.CustomState("123456789012345678901"))
	assert.ErrorIs(t, err, tsapi.ErrServer)

	// PUT and bulk PATCH go through the same save.
	srv.UpdateJob(id, func(j *tsapitest.Job) { j.State = "Queued"; j.StartTime = nil })
	j, _ = srv.Job(id)
	job := &tsapi.PluginResultJobWrite{State: tsapi.StateStarted, RunLevel: tsapi.RunLevelDefault}
	resp, err = func() (*tsapi.Response, error) { _, r, e := c.PluginResultJobs.Update(ctx, id, job); return r, e }()
	require.NoError(t, err)
	assert.Equal(t, 204, resp.StatusCode)
	j, _ = srv.Job(id)
	assert.Equal(t, fixedNow, *j.StartTime)
	assert.Nil(t, j.GridEngineJobID, "PUT sent grid_engine_jobid null")
}

func TestWritesOnJobs(t *testing.T) {
	srv, c := setup(t)
	ctx := context.Background()
	pr := seedJobs(t, srv, 5)

	// PATCH of config keeps objects; floats come back as strings.
	cfg, err := tsapi.NewJobConfig(map[string]any{"b": 1.5, "a": []any{1, "x"}})
	require.NoError(t, err)
	_, _, err = c.PluginResultJobs.Patch(ctx, 1, &tsapi.PluginResultJobPatch{Config: &cfg})
	require.NoError(t, err)
	a := do(t, srv, "GET", "PluginResultJob/1/", "")
	assert.Contains(t, a.body, `"config": {"a": [1, "x"], "b": "1.5"}`)

	// A JSON column comes back with the client's characters, not escapes
	// (as from Python's json): "<", ">" and "&" stay as sent.
	a = do(t, srv, "PATCH", "PluginResultJob/1/", `{"config": {"z": "<b>&é", "m": 1.5}}`)
	require.Equal(t, 202, a.status)
	a = do(t, srv, "GET", "PluginResultJob/1/", "")
	assert.Contains(t, a.body, `"config": {"z": "<b>&é", "m": "1.5"}`)

	// DELETE, then a missing id.
	resp, err := c.PluginResultJobs.Delete(ctx, 2)
	require.NoError(t, err)
	assert.Equal(t, 204, resp.StatusCode)
	_, err = c.PluginResultJobs.Delete(ctx, 2)
	assert.ErrorIs(t, err, tsapi.ErrNotFound)
	_, _, err = c.PluginResultJobs.Get(ctx, 2)
	assert.ErrorIs(t, err, tsapi.ErrNotFound)

	// POST fails as on the Torrent Server.
	_, _, err = c.PluginResultJobs.Create(ctx, &tsapi.PluginResultJobWrite{State: tsapi.StateQueued})
	var ae *tsapi.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, 500, ae.StatusCode)
	assert.Len(t, srv.Jobs(), 4)

	// PUT on a missing job: 404 with the canned body.
	a = do(t, srv, "PUT", "PluginResultJob/99/", `{"state": "Queued"}`)
	assert.Equal(t, 404, a.status)
	assert.Contains(t, a.body, "error_message")

	// POST on a detail URL: 501.
	a = do(t, srv, "POST", "PluginResultJob/1/", `{}`)
	assert.Equal(t, 501, a.status)
	assert.Equal(t, "", a.body)

	// An "id" in the body re-targets the write to that row.
	a = do(t, srv, "PATCH", "PluginResultJob/3/", `{"id": 4, "run_level": "last"}`)
	assert.Equal(t, 202, a.status)
	j3, _ := srv.Job(3)
	j4, _ := srv.Job(4)
	assert.Equal(t, "default", j3.RunLevel)
	assert.Equal(t, "last", j4.RunLevel)
	assert.Equal(t, "Started", j4.State, "row 4 got row 3's data")
	assert.Equal(t, fixedNow, *j4.StartTime, "and Declined -> Started stamped it")

	// Bodies.
	for body, want := range map[string]int{
		`{"state": "Error"`:            400,
		`[1]`:                          500,
		`{"grid_engine_jobid": "abc"}`: 500,
		`{"grid_engine_jobid": "42"}`:  202,
		`{"starttime": "nope"}`:        400,
		`{"config": [1]}`:              500,
		`{"config": "{\"k\": 2.5}"}`:   202,
	} {
		a := do(t, srv, "PATCH", "PluginResultJob/5/", body)
		assert.Equal(t, want, a.status, body)
	}
	a = do(t, srv, "PATCH", "PluginResultJob/5/", `{"starttime": "x<y"}`)
	assert.JSONEq(t, `{"error": "Datetime provided to 'starttime' field doesn't appear to be a valid datetime string: 'x&lt;y'"}`, a.body)
	a = do(t, srv, "PATCH", "PluginResultJob/5/", `{"state": "Error"`)
	assert.JSONEq(t, `{"error": ""}`, a.body)
	a = do(t, srv, "PATCH", "PluginResultJob/5/", `{"state": "Error"}`, "Content-Type", "text/plain")
	assert.Equal(t, 500, a.status)
	assert.JSONEq(t, `{"error_message": "Sorry, this request could not be processed. Please try again later."}`, a.body)
	j5, _ := srv.Job(5)
	assert.Equal(t, int64(42), *j5.GridEngineJobID)
	assert.Equal(t, map[string]any{"k": "2.5"}, toPlain(j5.Config))
	_ = pr
}

func toPlain(m map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		out[k] = v
		if n, ok := v.(interface{ String() string }); ok {
			out[k] = n.String()
		}
	}
	return out
}

func TestJobCreateOption(t *testing.T) {
	srv, c := setup(t, tsapitest.WithJobCreate())
	ctx := context.Background()
	pr := seedJobs(t, srv, 2)

	id, resp, err := c.PluginResultJobs.Create(ctx, &tsapi.PluginResultJobWrite{State: tsapi.StatePending, RunLevel: tsapi.RunLevelPre})
	require.NoError(t, err)
	assert.Equal(t, 201, resp.StatusCode)
	assert.Equal(t, int64(3), id)
	assert.Equal(t, srv.URL()+"/rundb/api/v1/PluginResultJob/3/", resp.Header.Get("Location"))
	j, _ := srv.Job(3)
	assert.Equal(t, "Pending", j.State)
	assert.Equal(t, int64(0), j.PluginResult)

	a := do(t, srv, "POST", "PluginResultJob/", `{"state": "Queued", "plugin_result": "/rundb/api/v1/pluginresult/1/"}`)
	assert.Equal(t, 201, a.status)
	j, _ = srv.Job(4)
	assert.Equal(t, pr, j.PluginResult)

	a = do(t, srv, "PUT", "PluginResultJob/10/", `{"state": "Queued"}`)
	assert.Equal(t, 201, a.status)
	assert.Equal(t, srv.URL()+"/rundb/api/v1/PluginResultJob/10/", a.header.Get("Location"))
	a = do(t, srv, "PUT", "PluginResultJob/10/", `{"state": "Error"}`)
	assert.Equal(t, 204, a.status)
}

func TestBulkAndListWrites(t *testing.T) {
	srv, c := setup(t)
	ctx := context.Background()
	seedJobs(t, srv, 30)

	// Bulk PATCH: updates and deletes at once.
	resp, err := c.PluginResultJobs.BulkPatch(ctx, []tsapi.BulkUpdate[tsapi.PluginResultJobPatch]{
		{ID: 6, Patch: &tsapi.PluginResultJobPatch{State: tsapi.StateStarted}},
	}, []int64{7})
	require.NoError(t, err)
	assert.Equal(t, 202, resp.StatusCode)
	j, _ := srv.Job(6)
	assert.Equal(t, "Started", j.State)
	assert.Equal(t, fixedNow, *j.StartTime)
	_, ok := srv.Job(7)
	assert.False(t, ok)

	// Atomic: a missing object to delete undoes the update.
	_, err = c.PluginResultJobs.BulkPatch(ctx, []tsapi.BulkUpdate[tsapi.PluginResultJobPatch]{
		{ID: 8, Patch: &tsapi.PluginResultJobPatch{State: tsapi.StateError}},
	}, []int64{999})
	assert.ErrorIs(t, err, tsapi.ErrNotFound)
	j, _ = srv.Job(8)
	assert.Equal(t, "Resource", j.State)

	a := do(t, srv, "PATCH", "PluginResultJob/", `{"deleted_objects": []}`)
	assert.JSONEq(t, `{"error": "Invalid data sent: missing 'objects'"}`, a.body)
	a = do(t, srv, "PATCH", "PluginResultJob/", `{"objects": [{"state": "Queued"}]}`)
	assert.Equal(t, 500, a.status, "creating needs a parent")

	// DELETE on the list URL deletes every match; an unknown filter is
	// ignored, so this deletes every job.
	_, err = c.PluginResultJobs.DeleteAllMatching(ctx, &tsapi.PluginResultJobListOptions{State: tsapi.StateError})
	require.NoError(t, err)
	assert.Len(t, srv.Jobs(), 26)
	a = do(t, srv, "DELETE", "PluginResultJob/?plugin_result=1&limit=1", "")
	assert.Equal(t, 204, a.status)
	assert.Empty(t, srv.Jobs())

	// PUT on the list URL deletes the matches, then creates (which the
	// real server cannot do: 500, after the deletion).
	seedJobs(t, srv, 0)
	srv.AddJob(tsapitest.Job{ID: 100, State: "Error"})
	srv.AddJob(tsapitest.Job{ID: 101, State: "Queued"})
	a = do(t, srv, "PUT", "PluginResultJob/?state=Error", `{"objects": []}`)
	assert.Equal(t, 204, a.status)
	assert.Len(t, srv.Jobs(), 1)
	a = do(t, srv, "PUT", "PluginResultJob/?state=Queued", `{"objects": [{"state": "Queued"}]}`)
	assert.Equal(t, 500, a.status)
	assert.Empty(t, srv.Jobs())
	a = do(t, srv, "PUT", "PluginResultJob/", `{"nope": []}`)
	assert.JSONEq(t, `{"error": "Invalid data sent."}`, a.body)
}

func TestSetAndSchema(t *testing.T) {
	srv, c := setup(t)
	ctx := context.Background()
	seedJobs(t, srv, 3)

	jobs, missing, _, err := c.PluginResultJobs.GetSet(ctx, 3, 1, 9)
	require.NoError(t, err)
	require.Len(t, jobs, 2)
	assert.Equal(t, int64(3), jobs[0].ID)
	assert.Equal(t, []int64{9}, missing)
	a := do(t, srv, "GET", "PluginResultJob/set/1;2/", "")
	assert.NotContains(t, a.body, "not_found")
	assert.NotContains(t, a.body, "meta")
	a = do(t, srv, "GET", "PluginResultJob/set/1;abc/", "")
	assert.Equal(t, 404, a.status)

	s, _, err := c.PluginResultJobs.Schema(ctx)
	require.NoError(t, err)
	assert.Equal(t, 20, s.DefaultLimit)
	assert.Equal(t, "application/json", s.DefaultFormat)
	assert.Equal(t, []string{"get", "post", "put", "delete", "patch"}, s.AllowedListHTTPMethods)
	assert.Empty(t, s.Ordering)
	assert.Len(t, s.Filtering, 8)
	assert.True(t, s.Filtering["plugin_result"].WithRelations)
	assert.False(t, s.Fields["state"].HasDefault())
	assert.True(t, s.Fields["config"].HasDefault())
	assert.Equal(t, "datetime", s.Fields["starttime"].Type)
	assert.True(t, s.Fields["resource_uri"].ReadOnly)
	assert.True(t, s.Fields["id"].Unique)
	a = do(t, srv, "GET", "PluginResultJob/schema/", "")
	assert.Contains(t, a.body, `"grid_engine_jobid": {"blank": false, "default": "No default provided.", "help_text": "Integer data. Ex: 2673", "nullable": true, "readonly": false, "type": "integer", "unique": false}`)
	assert.NotContains(t, a.body, `"ordering"`)

	drift, _, err := c.PluginResultJobs.CheckSchema(ctx)
	require.NoError(t, err)
	assert.True(t, drift.Empty(), drift.String())
	_ = errors.New
	_ = time.Second
}
