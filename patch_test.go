package tsapi_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tsapi-go/tsapi"
	"github.com/tsapi-go/tsapi/internal/faultproxy"
	"github.com/tsapi-go/tsapi/internal/refserver"
	"github.com/tsapi-go/tsapi/tsapitest"
)

// What PluginResultJobService.Patch (and SetState) give the caller, as its
// documentation says: no job from a Torrent Server, which answers 202 with
// no body; the job when a server sends one back.

func checkPatchGivesNoJob(t *testing.T, c *tsapi.Client, id int64) {
	t.Helper()
	ctx := context.Background()
	job, resp, err := c.PluginResultJobs.Patch(ctx, id, &tsapi.PluginResultJobPatch{RunLevel: tsapi.RunLevelLast})
	require.NoError(t, err)
	assert.Nil(t, job, "no body, no job")
	assert.Equal(t, http.StatusAccepted, resp.StatusCode)
	assert.False(t, resp.Verified)
	got, _, err := c.PluginResultJobs.Get(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, tsapi.RunLevelLast, got.RunLevel, "re-read with Get")
}

func TestPatchGivesNoJobOnTsapitest(t *testing.T) {
	srv := tsapitest.NewServer()
	defer srv.Close()
	id := srv.AddJob(tsapitest.Job{State: "Queued", RunLevel: "default"})
	c, err := srv.AdminClient()
	require.NoError(t, err)
	checkPatchGivesNoJob(t, c, id)
}

func TestPatchGivesNoJobOnTheReferenceServer(t *testing.T) {
	base := refserver.Lock(t)
	refserver.Reset(t, base)
	t.Cleanup(func() { refserver.Reset(t, base) })
	c, err := tsapi.New(base, tsapi.WithBasicAuth("ionadmin", "ionadmin"))
	require.NoError(t, err)
	checkPatchGivesNoJob(t, c, 19)
}

func TestPatchGivesTheReReadJobAfterALostAnswer(t *testing.T) {
	base := refserver.Lock(t)
	refserver.Reset(t, base)
	t.Cleanup(func() { refserver.Reset(t, base) })
	p, err := faultproxy.New(base)
	require.NoError(t, err)
	t.Cleanup(p.Close)
	c, err := tsapi.New(p.URL(), tsapi.WithBasicAuth("ionadmin", "ionadmin"))
	require.NoError(t, err)
	p.Arm(faultproxy.Fault{Method: http.MethodPatch, Path: "/rundb/api/v1/PluginResultJob/19/", Action: faultproxy.DropAnswer})
	job, resp, err := c.PluginResultJobs.Patch(context.Background(), 19, &tsapi.PluginResultJobPatch{RunLevel: tsapi.RunLevelLast})
	require.NoError(t, err)
	assert.True(t, resp.Verified)
	require.NotNil(t, job, "the job as re-read")
	assert.Equal(t, int64(19), job.ID)
	assert.Equal(t, tsapi.RunLevelLast, job.RunLevel)
}

func TestPatchGivesTheJobAServerSendsBack(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"id": 19, "state": "Queued", "config": {}, "run_level": "last"}`)) // always_return_data
	}))
	defer srv.Close()
	c, err := tsapi.New(srv.URL)
	require.NoError(t, err)
	job, resp, err := c.PluginResultJobs.Patch(context.Background(), 19, &tsapi.PluginResultJobPatch{RunLevel: tsapi.RunLevelLast})
	require.NoError(t, err)
	require.NotNil(t, job)
	assert.Equal(t, tsapi.RunLevelLast, job.RunLevel)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
}
