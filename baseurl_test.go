package tsapi_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tsapi-go/tsapi"
	"github.com/tsapi-go/tsapi/internal/refserver"
	"github.com/tsapi-go/tsapi/tsapitest"
)

func testWrongPrefix(t *testing.T, server string) {
	ctx := context.Background()
	// http://host/rundb/ becomes http://host/rundb/rundb/api/v1/.
	c, err := tsapi.New(server+"/rundb/", tsapi.WithBasicAuth("ionadmin", "ionadmin"))
	require.NoError(t, err)
	_, _, err = c.PluginResultJobs.Get(ctx, 19)
	require.ErrorIs(t, err, tsapi.ErrNoAPI)
	assert.NotErrorIs(t, err, tsapi.ErrNotFound, "a configuration mistake, not a missing job")
	var na *tsapi.NoAPIError
	require.True(t, errors.As(err, &na))
	assert.Equal(t, server+"/rundb/rundb/api/v1/", na.Root)
	assert.Equal(t, 404, na.Status)
	assert.Contains(t, err.Error(), "check the base URL")
	_, _, err = c.PluginResultJobs.List(ctx, nil)
	assert.ErrorIs(t, err, tsapi.ErrNoAPI, "remembered")

	// The right base URL: a missing job is ErrNotFound, and so is an
	// HTML 404 for an unknown resource.
	good, err := tsapi.New(server, tsapi.WithBasicAuth("ionadmin", "ionadmin"))
	require.NoError(t, err)
	_, _, err = good.PluginResultJobs.Get(ctx, 987654321)
	assert.ErrorIs(t, err, tsapi.ErrNotFound)
	assert.NotErrorIs(t, err, tsapi.ErrNoAPI)
	_, err = good.Do(ctx, &tsapi.Request{Method: "GET", Path: "nosuchresource/"}, nil)
	assert.ErrorIs(t, err, tsapi.ErrNotFound)
	assert.NotErrorIs(t, err, tsapi.ErrNoAPI)
}

func TestWrongPathPrefixIsAConfigurationMistake(t *testing.T) {
	t.Run("tsapitest", func(t *testing.T) {
		srv := tsapitest.New(t)
		srv.AddJob(tsapitest.Job{ID: 19})
		testWrongPrefix(t, srv.URL())
	})
	t.Run("reference", func(t *testing.T) { testWrongPrefix(t, refserver.Lock(t)) })
}

func TestBaseURLWithoutASchemeSaysSo(t *testing.T) {
	for in, want := range map[string]string{
		"ts.example.org":                 `base URL "ts.example.org" has no http or https scheme: write https://ts.example.org`,
		"ts.example.org:8080/rundb/api/": `base URL "ts.example.org:8080/rundb/api/" has no http or https scheme: write https://ts.example.org:8080/rundb/api/`,
		"ionadmin:pw@ts.example.org":     `has no http or https scheme`,
		"ts/rundb/api/v1/?api_key=k3y":   `has no http or https scheme`,
	} {
		_, err := tsapi.New(in)
		assert.ErrorIs(t, err, tsapi.ErrInvalidOption, in)
		assert.ErrorContains(t, err, want)
		assert.NotContains(t, err.Error(), "pw@")
		assert.NotContains(t, err.Error(), "k3y")
	}
}
