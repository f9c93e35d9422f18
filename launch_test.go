package tsapi

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/h2non/gock.v1"
)

const prLaunchPath = "/rundb/api/v1/results/45/plugin/"

func TestLaunchRequestShapes(t *testing.T) {
	for _, tc := range []struct {
		name string
		req  *LaunchRequest
		want string
	}{
		{"by name", &LaunchRequest{Plugin: "coverageAnalysis", Config: map[string]string{"librarytype": "AMPS"}},
			`{"plugin": "coverageAnalysis", "pluginconfig": {"librarytype": "AMPS"}}`},
		{"by name and version", &LaunchRequest{Plugin: "coverageAnalysis", Version: "5.18.0.1"},
			`{"plugin": {"name": "coverageAnalysis", "version": "5.18.0.1"}}`},
		{"by id", &LaunchRequest{PluginID: 44, Config: json.RawMessage(`{"n": 1.0}`)},
			`{"plugin": 44, "pluginconfig": {"n": 1.0}}`},
		{"again into a plugin result, for a user", &LaunchRequest{Plugin: "sampleID", PluginResult: 11, Owner: "ionuser"},
			`{"plugin": "sampleID", "pluginresult": 11, "owner": "ionuser"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newGockClient(t, WithBasicAuth("ionadmin", "ionadmin"))
			var body []byte
			gock.New(gockBase).Post(prLaunchPath).
				AddMatcher(prRequest(prLaunchPath, nil)).
				MatchHeader("Content-Type", "^application/json$").
				MatchHeader("Authorization", "^Basic ").
				AddMatcher(captureBody(&body)).
				Reply(202)
			resp, err := c.Plugins.Launch(context.Background(), 45, tc.req)
			require.NoError(t, err)
			require.True(t, gock.IsDone())
			assert.Equal(t, 202, resp.StatusCode)
			assert.JSONEq(t, tc.want, string(body))
		})
	}
}

func TestLaunchUnknownPluginIsGone(t *testing.T) {
	c := newGockClient(t)
	gock.New(gockBase).Post(prLaunchPath).Reply(410)
	_, err := c.Plugins.Launch(context.Background(), 45, &LaunchRequest{Plugin: "noSuchPlugin"})
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrGone)
	var apiErr *APIError
	require.True(t, errors.As(err, &apiErr))
	assert.Equal(t, 410, apiErr.StatusCode)
	assert.Equal(t, "POST", apiErr.Method)
	assert.Equal(t, 1, apiErr.Attempts)

	gock.New(gockBase).Post("/rundb/api/v1/results/46/plugin/").Reply(404)
	_, err = c.Plugins.Launch(context.Background(), 46, &LaunchRequest{Plugin: "sampleID"})
	assert.ErrorIs(t, err, ErrNotFound)
}

func TestLaunchIsResentOnlyWhenRefused(t *testing.T) {
	c := newGockClient(t)
	gock.New(gockBase).Post(prLaunchPath).Times(4).Reply(504)
	_, err := c.Plugins.Launch(context.Background(), 45, &LaunchRequest{Plugin: "sampleID"})
	assert.ErrorIs(t, err, ErrOutcomeUnknown)
	var ou *OutcomeUnknownError
	require.True(t, errors.As(err, &ou))
	assert.Equal(t, 1, ou.Attempts, "a repeated launch would run the plugin twice")
	gock.Off()

	c = newGockClient(t)
	gock.New(gockBase).Post(prLaunchPath).Reply(503)
	gock.New(gockBase).Post(prLaunchPath).Reply(202)
	// A 503 comes before the server does anything: the launch is resent.
	resp, err := c.Plugins.Launch(context.Background(), 45, &LaunchRequest{Plugin: "sampleID"})
	require.NoError(t, err)
	assert.Equal(t, 2, resp.Attempts)
	assert.True(t, gock.IsDone())
}

func TestLaunchRefusesBadRequests(t *testing.T) {
	c := newGockClient(t)
	for name, req := range map[string]*LaunchRequest{
		"nil":             nil,
		"no plugin":       {},
		"name and id":     {Plugin: "a", PluginID: 3},
		"negative id":     {PluginID: -3},
		"version with id": {PluginID: 3, Version: "1.0"},
		"config list":     {Plugin: "a", Config: []string{"x"}},
		"config string":   {Plugin: "a", Config: "x"},
		"bad pr":          {Plugin: "a", PluginResult: -1},
	} {
		_, err := c.Plugins.Launch(context.Background(), 45, req)
		assert.ErrorIs(t, err, ErrInvalidOption, name)
	}
	_, err := c.Plugins.Launch(context.Background(), 0, &LaunchRequest{Plugin: "a"})
	assert.ErrorIs(t, err, ErrInvalidOption)
	//lint:ignore SA1012 checking the nil-context guard
	_, err = c.Plugins.Launch(nil, 45, &LaunchRequest{Plugin: "a"}) //nolint:staticcheck
	assert.ErrorIs(t, err, ErrInvalidOption)
	assert.Empty(t, gock.GetUnmatchedRequests(), "nothing was sent")
}
