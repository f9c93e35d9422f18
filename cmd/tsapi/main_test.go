package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tsapi-go/tsapi/tsapitest"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestDemoAgainstEmbeddedServer(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), nil, &out, env(nil)))
	s := out.String()
	for _, want := range []string{
		"(in-process fake Torrent Server)",
		"total_count=2500 next=/rundb/api/v1/PluginResultJob/?limit=3&offset=3",
		"2500 jobs in 3 pages",
		"ErrInvalidOption: true",
		"PluginResultJob: no drift",
		"ErrNotFound=true status=404",
		"unknown plugin: ErrGone=true",
		"key REDACTED",
		"demo done",
	} {
		assert.Contains(t, s, want)
	}
	assert.NotContains(t, s, "demo-plugin-key")
}

func TestDemoIsReadOnlyAgainstANamedServer(t *testing.T) {
	srv := tsapitest.New(t)
	seedDemo(srv)
	before := len(srv.Jobs())
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"demo"}, &out, env(map[string]string{
		"TSAPI_SERVER": srv.URL(), "TSAPI_USER": tsapitest.AdminUser, "TSAPI_PASSWORD": tsapitest.AdminPassword,
	})))
	assert.Contains(t, out.String(), "read-only against a real server")
	assert.Equal(t, before, len(srv.Jobs()))
	for _, r := range srv.Requests() {
		assert.Equal(t, "GET", r.Method, r.Path)
	}
}

func TestCommands(t *testing.T) {
	srv := tsapitest.New(t)
	seedDemo(srv)
	e := env(map[string]string{"TSAPI_SERVER": srv.URL(), "TSAPI_API_KEY": tsapitest.AdminAPIKey, "TSAPI_USER": tsapitest.AdminUser})
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"jobs", "-state", "Error", "-limit", "2"}, &out, e))
	assert.Equal(t, 3, strings.Count(out.String(), "\n"))
	out.Reset()
	require.NoError(t, run(context.Background(), []string{"set-state", "7", "Cancelled"}, &out, e))
	j, ok := srv.Job(7)
	require.True(t, ok)
	assert.Equal(t, "Cancelled", j.State)
	out.Reset()
	require.NoError(t, run(context.Background(), []string{"job", "7"}, &out, e))
	assert.Contains(t, out.String(), "job 7  Cancelled")
	assert.Error(t, run(context.Background(), []string{"job", "x"}, &out, e))
	assert.Error(t, run(context.Background(), []string{"nope"}, &out, e))
	err := run(context.Background(), []string{"job", "99999"}, &out, e)
	assert.ErrorContains(t, err, "404")
}

func TestBadServerSettings(t *testing.T) {
	var out bytes.Buffer
	err := run(context.Background(), nil, &out, env(map[string]string{"TSAPI_SERVER": "ts.example.org"}))
	assert.ErrorContains(t, err, "scheme")
	err = run(context.Background(), nil, &out, env(map[string]string{"TSAPI_SERVER": "https://ts.example.org", "TSAPI_CA_FILE": "/nonexistent.pem"}))
	assert.ErrorContains(t, err, "CA file")
}
