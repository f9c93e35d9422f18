package tsapi

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/h2non/gock.v1"
)

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

func TestWriteTypesNeverCarryTheKeyOrTheIDs(t *testing.T) {
	var pr PluginResult
	require.NoError(t, json.Unmarshal([]byte(`{"id": 3, "apikey": "k3y", "size": "12", "inodes": "3",
		"store": {"a": "1.5"}, "validation_errors": {"validation_errors": []}, "resource_uri": "/rundb/api/v1/pluginresult/3/"}`), &pr))
	b, err := writeBody(pr.ToPatch())
	require.NoError(t, err)
	assert.JSONEq(t, `{"store": {"a": "1.5"}, "validation_errors": {"validation_errors": []}, "size": 12, "inodes": 3}`, string(b))
	var j PluginResultJob
	require.NoError(t, json.Unmarshal([]byte(`{"id": 9, "state": "Started", "starttime": "2017-08-09T20:26:03.000549+00:00",
		"config": {"x": 1}, "run_level": "pre", "resource_uri": "/rundb/api/v1/PluginResultJob/9/"}`), &j))
	b, err = writeBody(j.ToWrite())
	require.NoError(t, err)
	assert.JSONEq(t, `{"grid_engine_jobid": null, "state": "Started", "starttime": "2017-08-09T20:26:03.549000+00:00",
		"endtime": null, "config": {"x": 1}, "run_level": "pre"}`, string(b))
	// The conversion copies: changing the write type leaves the job alone.
	w := j.ToWrite()
	w.StartTime.Time = w.StartTime.Add(time.Hour)
	assert.Equal(t, 20, j.StartTime.Hour())
}
