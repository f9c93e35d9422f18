package tsapitest_test

import (
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tsapi-go/tsapi/tsapitest"
)

func TestPluginResultShape(t *testing.T) {
	srv, _ := setup(t)
	plugin := srv.AddPlugin(tsapitest.Plugin{ID: 3, Name: "sampleID", Version: "5.18.0.0", Active: true, Selected: true,
		PackageName: "ion-plugin-sampleid", Date: time.Date(2016, 7, 8, 20, 26, 3, 0, time.UTC),
		PluginSettings: map[string]any{"runlevels": []string{"pre", "default"}}})
	result := srv.AddResult(tsapitest.Result{ID: 101, Name: "Auto_1", ReportLink: "/output/Home/Auto_1_101/"})
	pr := srv.AddPluginResult(tsapitest.PluginResult{ID: 2, Result: result, Plugin: plugin, Owner: tsapitest.IonUser, APIKey: "k",
		Size: 1048576, Inodes: 509, Store: map[string]any{"ratio": 0.5, "n": 3}})
	srv.AddJob(tsapitest.Job{ID: 7, PluginResult: pr, State: "Completed", RunLevel: "pre", GridEngineJobID: i64(-1),
		StartTime: tm("2017-08-09T20:40:03.594123Z"), EndTime: tm("2017-08-10T00:32:08Z")})
	srv.AddJob(tsapitest.Job{ID: 9, PluginResult: pr, State: "Queued", RunLevel: "default", GridEngineJobID: i64(100001)})

	a := do(t, srv, "GET", "pluginresult/2/", "")
	require.Equal(t, 200, a.status)
	assert.JSONEq(t, `{"URL": "/output/Home/Auto_1_101/plugin_out/sampleID_out.2/", "apikey": "k", "can_terminate": true, `+
		`"endtime": null, "files": [], "id": 2, "inodes": "509", "major": false, "owner": "/rundb/api/v1/user/2/", `+
		`"path": "/results/analysis/output/Home/Auto_1_101/plugin_out/sampleID_out.2", "plugin": "/rundb/api/v1/plugin/3/", `+
		`"pluginName": "sampleID", "pluginVersion": "5.18.0.0", "plugin_result_jobs": [`+
		`{"config": {}, "endtime": "2017-08-10T00:32:08+00:00", "grid_engine_jobid": -1, "id": 7, "resource_uri": "/rundb/api/v1/PluginResultJob/7/", "run_level": "pre", "starttime": "2017-08-09T20:40:03.000594+00:00", "state": "Completed"}, `+
		`{"config": {}, "endtime": null, "grid_engine_jobid": 100001, "id": 9, "resource_uri": "/rundb/api/v1/PluginResultJob/9/", "run_level": "default", "starttime": null, "state": "Queued"}], `+
		`"reportLink": "/output/Home/Auto_1_101/", "resource_uri": "/rundb/api/v1/pluginresult/2/", "result": "/rundb/api/v1/results/101/", `+
		`"resultName": "Auto_1", "size": "1048576", "starttime": "2017-08-09T20:40:03.000594+00:00", "state": "Queued", `+
		`"store": {"n": 3, "ratio": "0.5"}, "validation_errors": {}}`, a.body)

	a = do(t, srv, "GET", "plugin/3/", "")
	assert.JSONEq(t, `{"active": true, "availableVersions": [], "config": {}, "date": "2016-07-08T20:26:03+00:00", "defaultSelected": false, `+
		`"description": "", "hasAbout": false, "id": 3, "input": "False", "isConfig": false, "isInstance": false, "isPlanConfig": false, `+
		`"isSupported": true, "isUpgradable": false, "majorBlock": false, "name": "sampleID", "packageName": "ion-plugin-sampleid", `+
		`"path": "", "pluginsettings": {"runlevels": ["pre", "default"]}, "requires_configuration": false, `+
		`"resource_uri": "/rundb/api/v1/plugin/3/", "script": "", "selected": true, "status": {}, "url": "", "userinputfields": {}, `+
		`"version": "5.18.0.0", "versionedName": "sampleID--v5.18.0.0"}`, a.body)

	// Validation errors win over the jobs' states.
	a = do(t, srv, "PATCH", "pluginresult/2/", `{"validation_errors": {"validation_errors": ["bad"]}, "store": {"x": 2.5}, "size": "7"}`)
	assert.Equal(t, 202, a.status)
	p, _ := srv.PluginResult(2)
	assert.Equal(t, int64(7), p.Size)
	a = do(t, srv, "GET", "pluginresult/2/", "")
	assert.Contains(t, a.body, `"state": "Failed Validation"`)
	assert.Contains(t, a.body, `"store": {"x": "2.5"}`)
	a = do(t, srv, "PATCH", "pluginresult/2/", `{"size": "x"}`)
	assert.Equal(t, 500, a.status)
	a = do(t, srv, "PATCH", "pluginresult/2/", `{"store": {}}`, "Authorization", basic(tsapitest.ReaderUser, tsapitest.ReaderPassword))
	assert.Equal(t, 401, a.status)
	a = do(t, srv, "POST", "pluginresult/", `{}`)
	assert.Equal(t, 501, a.status)

	// Schema details of the computed and relation fields.
	a = do(t, srv, "GET", "pluginresult/schema/", "")
	assert.Contains(t, a.body, `"size": {"blank": false, "default": -1, "help_text": "Unicode string data. Ex: \"Hello World\"", "nullable": false, "readonly": false, "type": "string", "unique": false}`)
	assert.Contains(t, a.body, `"plugin_result_jobs": {"blank": false, "default": "No default provided.", "help_text": "Many related resources. Can be either a list of URIs or list of individually nested resource data.", "nullable": false, "readonly": false, "related_type": "to_many", "type": "related", "unique": false}`)
	assert.Contains(t, a.body, `"ordering": ["apikey", "id", "inodes", "owner", "plugin", "plugin_result_jobs", "result", "size", "store", "validation_errors", "result", "plugin", "path", "id"]`)

	// DELETE takes the jobs along.
	a = do(t, srv, "DELETE", "pluginresult/2/", "")
	assert.Equal(t, 204, a.status)
	assert.Empty(t, srv.Jobs())
}

func TestLaunch(t *testing.T) {
	srv, _ := setup(t)
	require.NoError(t, srv.LoadSeedFile("../testdata/seed.json"))
	before := len(srv.Jobs())

	a := do(t, srv, "POST", "results/101/plugin/", `{"plugin": "sampleID", "pluginconfig": {"threshold": 0.5}}`)
	assert.Equal(t, 202, a.status)
	assert.Equal(t, "", a.body)
	jobs := srv.Jobs()
	require.Len(t, jobs, before+2, "sampleID runs at two run levels")
	pre, def := jobs[before], jobs[before+1]
	assert.Equal(t, "pre", pre.RunLevel)
	assert.Equal(t, "default", def.RunLevel)
	for _, j := range []tsapitest.Job{pre, def} {
		assert.Equal(t, "Queued", j.State)
		assert.Greater(t, *j.GridEngineJobID, int64(100000))
		assert.Nil(t, j.StartTime)
	}
	p, ok := srv.PluginResult(pre.PluginResult)
	require.True(t, ok)
	assert.Equal(t, int64(101), p.Result)
	assert.Equal(t, int64(3), p.Plugin)
	assert.Equal(t, "ionadmin", p.Owner)
	assert.Regexp(t, regexp.MustCompile(`^[0-9a-f]{40}$`), p.APIKey)
	a = do(t, srv, "GET", "PluginResultJob/"+itoa(pre.ID)+"/", "", "Authorization", "PluginKey "+itoa(p.ID)+":"+p.APIKey)
	assert.Equal(t, 200, a.status)
	assert.Contains(t, a.body, `"config": {"threshold": "0.5"}`)

	for body, want := range map[string]int{
		`{"plugin": 2}`: 202,
		`{"plugin": {"name": "variantCaller", "version": "5.18.0.1"}}`: 202,
		`{"plugin": ["coverageAnalysis"]}`:                             202,
		`{"plugin": "nope"}`:                                           410,
		`{"plugin": "FileExporter"}`:                                   410,
		`{"plugin": {"nope": 1}}`:                                      410,
		`{}`:                                                           410,
		`{"plugin": []}`:                                               500,
	} {
		a := do(t, srv, "POST", "results/101/plugin/", body)
		assert.Equal(t, want, a.status, body)
	}
	a = do(t, srv, "POST", "results/999/plugin/", `{"plugin": "sampleID"}`)
	assert.Equal(t, 404, a.status)
	assert.Contains(t, a.body, "error_message")
	a = do(t, srv, "GET", "results/101/plugin/", "")
	assert.Contains(t, a.body, `"pluginFiles": {}`)

	// Launching needs authentication, not a permission.
	a = do(t, srv, "POST", "results/102/plugin/", `{"plugin": "sampleID", "owner": "ionuser"}`,
		"Authorization", basic(tsapitest.ReaderUser, tsapitest.ReaderPassword))
	assert.Equal(t, 202, a.status)
	prs := srv.PluginResults()
	assert.Equal(t, "ionreader", prs[len(prs)-1].Owner, "only a superuser may name the owner")
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
