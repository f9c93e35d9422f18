package tsapitest_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tsapi-go/tsapi/tsapitest"
)

func TestLoadSeedFile(t *testing.T) {
	srv, _ := setup(t)
	require.NoError(t, srv.LoadSeedFile("../testdata/seed.json"))
	assert.Len(t, srv.Jobs(), 1500)
	assert.Len(t, srv.PluginResults(), 30)
	assert.Len(t, srv.Plugins(), 4)
	u, ok := srv.Account("ionreader")
	require.True(t, ok)
	assert.True(t, u.ReadOnly)

	// Job 19 as the reference server's README shows it.
	a := do(t, srv, "GET", "PluginResultJob/19/", "")
	assert.JSONEq(t, `{"config": {"barcodes": ["IonXpress_001", "IonXpress_002", "IonXpress_003"], "launch_mode": "Manual", `+
		`"targets": [{"end": 250, "name": "AMPL1", "start": 100}, {"end": 1020, "name": "AMPL2", "start": 900}]}, `+
		`"endtime": "2017-08-10T00:42:56.000828+00:00", "grid_engine_jobid": -1, "id": 19, "resource_uri": "/rundb/api/v1/PluginResultJob/19/", `+
		`"run_level": "default", "starttime": "2017-08-09T22:39:03.000159+00:00", "state": "Resource"}`, a.body)
	a = do(t, srv, "GET", "PluginResultJob/?limit=1&offset=3&state=Completed", "")
	meta := a.json(t)["meta"].(map[string]any)
	assert.Equal(t, 793.0, meta["total_count"])
	assert.Equal(t, []int64{1496}, ids(t, a))
	a = do(t, srv, "GET", "pluginresult/2/", "")
	assert.Contains(t, a.body, `"state": "Pending"`)
	assert.Contains(t, a.body, `"store": {"files": ["a.vcf", "b.bam"], "nested": {"deeper": {"level": 3}}}`)

	// The seed's users replace the defaults.
	a = do(t, srv, "GET", "PluginResultJob/1/", "", "Authorization", "ApiKey ionadmin:"+tsapitest.AdminAPIKey)
	assert.Equal(t, 401, a.status)
	a = do(t, srv, "GET", "PluginResultJob/1/", "", "Authorization", "ApiKey ionadmin:tsapi-seed-ionadmin-09ae0013f541e5d6bdd80f1b")
	assert.Equal(t, 200, a.status)

	// A bad seed changes nothing.
	assert.Error(t, srv.LoadSeedJSON([]byte(`{"jobs": [{"id": 1, "plugin_result": 999}]}`)))
	assert.Len(t, srv.Jobs(), 1500)
	assert.Error(t, srv.LoadSeedFile("no/such/file.json"))

	// New objects get the next ids.
	assert.Equal(t, int64(1501), srv.AddJob(tsapitest.Job{}))
	srv.Reset()
	assert.Empty(t, srv.Jobs())
	_, ok = srv.Account("ionuser")
	assert.True(t, ok)
	assert.Equal(t, int64(1), srv.AddJob(tsapitest.Job{}))
	assert.Panics(t, func() { srv.AddJob(tsapitest.Job{ID: 1}) })
	assert.Panics(t, func() { srv.AddJob(tsapitest.Job{PluginResult: 5}) })
}
