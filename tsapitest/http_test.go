package tsapitest_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tsapi-go/tsapi"
	"github.com/tsapi-go/tsapi/tsapitest"
)

func TestProtocol(t *testing.T) {
	srv, c := setup(t)
	seedJobs(t, srv, 3)

	// The trailing slash is mandatory: 301 to the slashed URL, query kept.
	a := do(t, srv, "GET", "PluginResultJob?limit=1", "")
	assert.Equal(t, 301, a.status)
	assert.Equal(t, srv.URL()+"/rundb/api/v1/PluginResultJob/?limit=1", a.header.Get("Location"))
	a = do(t, srv, "PATCH", "PluginResultJob/1", `{"state": "Error"}`)
	assert.Equal(t, 301, a.status)
	// The library follows it for a GET and refuses it for a write.
	_, _, err := c.PluginResultJobs.Get(context.Background(), 1)
	require.NoError(t, err)

	// Unknown resources, wrong case: Django's HTML 404.
	for _, p := range []string{"pluginresultjob/", "nope/", "nope", "/", "/rundb/api/"} {
		a = do(t, srv, "GET", p, "")
		assert.Equal(t, 404, a.status, p)
		assert.Equal(t, "text/html; charset=utf-8", a.header.Get("Content-Type"), p)
		assert.Contains(t, a.body, "<title>Not Found</title>", p)
	}
	// "1/extra/" matches the detail pattern (pk "1/extra"), so the
	// slash-less URL is redirected, and the slashed one is a canned 404.
	assert.Equal(t, 301, do(t, srv, "GET", "PluginResultJob/1/extra", "").status)
	assert.Equal(t, 404, do(t, srv, "GET", "PluginResultJob/1/extra/", "").status)
	_, _, err = mustClient(t, srv).PluginResultJobs.List(context.Background(), nil)
	require.NoError(t, err)

	// A detail id that is not a number: 404 with tastypie's canned body.
	a = do(t, srv, "GET", "PluginResultJob/abc/", "")
	assert.Equal(t, 404, a.status)
	assert.JSONEq(t, `{"error_message": "Sorry, this request could not be processed. Please try again later."}`, a.body)

	// Methods.
	a = do(t, srv, "POST", "PluginResultJob/schema/", "{}")
	assert.Equal(t, 405, a.status)
	assert.Equal(t, "GET", a.header.Get("Allow"))
	assert.Equal(t, "GET", a.body)
	a = do(t, srv, "OPTIONS", "PluginResultJob/", "", "Authorization", "-")
	assert.Equal(t, 200, a.status)
	assert.Equal(t, "GET,POST,PUT,DELETE,PATCH", a.header.Get("Allow"))
	a = do(t, srv, "HEAD", "PluginResultJob/", "")
	assert.Equal(t, 405, a.status)
	a = do(t, srv, "DELETE", "results/1/plugin/", "")
	assert.Equal(t, 405, a.status)
	assert.Equal(t, "GET,POST,PUT", a.header.Get("Allow"))
	// No method override, no JSONP, no format negotiation: always JSON.
	a = do(t, srv, "POST", "PluginResultJob/2/", `{"state": "Archived"}`, "X-HTTP-Method-Override", "PATCH")
	assert.Equal(t, 501, a.status)
	a = do(t, srv, "GET", "PluginResultJob/1/?format=jsonp&callback=cb", "", "Accept", "text/javascript")
	assert.Equal(t, "application/json", a.header.Get("Content-Type"))

	// The API's top level needs no credentials.
	a = do(t, srv, "GET", "", "", "Authorization", "-")
	assert.Equal(t, 200, a.status)
	assert.Equal(t, map[string]any{"list_endpoint": "/rundb/api/v1/PluginResultJob/", "schema": "/rundb/api/v1/PluginResultJob/schema/"},
		a.json(t)["PluginResultJob"])

	// Resources the fake knows only by name.
	a = do(t, srv, "GET", "user/", "")
	assert.Equal(t, 501, a.status)
	assert.Contains(t, a.body, "tsapitest:")
}

func mustClient(t *testing.T, srv interface {
	AdminClient(...tsapi.Option) (*tsapi.Client, error)
}) *tsapi.Client {
	c, err := srv.AdminClient()
	require.NoError(t, err)
	return c
}

func TestTLS(t *testing.T) {
	srv, c := setup(t, tsapitest.WithTLS())
	srv.AddJob(tsapitest.Job{})
	assert.Contains(t, srv.URL(), "https://")
	_, _, err := c.PluginResultJobs.Get(context.Background(), 1)
	require.NoError(t, err)
	a := do(t, srv, "GET", "PluginResultJob?x=1", "")
	assert.Equal(t, srv.URL()+"/rundb/api/v1/PluginResultJob/?x=1", a.header.Get("Location"))
	srv.AddFault(tsapitest.Fault{Drop: true})
	_, resp, err := c.PluginResultJobs.Get(context.Background(), 1)
	require.NoError(t, err)
	assert.Equal(t, 2, resp.Attempts)
	plain, err := tsapi.New(srv.URL(), tsapi.WithRetry(0, 0, 0))
	require.NoError(t, err)
	_, _, err = plain.PluginResultJobs.Get(context.Background(), 1)
	assert.Error(t, err, "the certificate is not trusted by default")
}
