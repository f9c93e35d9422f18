package tsapitest_test

import (
	"context"
	"net/http"
	"net/http/cookiejar"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tsapi-go/tsapi"
	"github.com/tsapi-go/tsapi/tsapitest"
)

func TestAuthentication(t *testing.T) {
	srv, _ := setup(t)
	pr := seedJobs(t, srv, 3)
	ctx := context.Background()
	const realm = `Basic Realm="Torrent Suite"`

	for name, auth := range map[string]string{
		"none":              "-",
		"wrong password":    basic(tsapitest.AdminUser, "nope"),
		"unknown user":      basic("nobody", "x"),
		"bad ApiKey":        "ApiKey ionadmin:nope",
		"bad PluginKey":     "PluginKey 1:nope",
		"PluginKey no key":  "PluginKey 1",
		"unknown scheme":    "Bearer abc",
		"ApiKey extra part": "ApiKey ionadmin: " + tsapitest.AdminAPIKey,
	} {
		a := do(t, srv, "GET", "PluginResultJob/1/", "", "Authorization", auth)
		assert.Equal(t, 401, a.status, name)
		assert.Equal(t, realm, a.header.Get("WWW-Authenticate"), name)
		assert.Equal(t, "", a.body, name)
	}
	// Torrent Suite's Basic middleware fails on these: an HTML 500.
	for _, auth := range []string{"Basic ***", basic("ionadmin", "a:b")} {
		a := do(t, srv, "GET", "PluginResultJob/1/", "", "Authorization", auth)
		assert.Equal(t, 500, a.status)
		assert.Equal(t, "text/html; charset=utf-8", a.header.Get("Content-Type"))
	}
	for name, auth := range map[string]string{
		"Basic":     adminAuth,
		"ApiKey":    "ApiKey ionadmin:" + tsapitest.AdminAPIKey,
		"PluginKey": "PluginKey 1:prkey",
		"reader":    basic(tsapitest.ReaderUser, tsapitest.ReaderPassword),
	} {
		a := do(t, srv, "GET", "PluginResultJob/1/", "", "Authorization", auth)
		assert.Equal(t, 200, a.status, name)
	}
	// Credentials as query parameters (and then in the next link).
	a := do(t, srv, "GET", "PluginResultJob/?limit=1&username=ionuser&api_key="+tsapitest.IonUserAPIKey, "", "Authorization", "-")
	require.Equal(t, 200, a.status)
	assert.Contains(t, a.json(t)["meta"].(map[string]any)["next"], "api_key="+tsapitest.IonUserAPIKey)
	a = do(t, srv, "GET", "PluginResultJob/?pluginresult=1&api_key=prkey", "", "Authorization", "-")
	assert.Equal(t, 200, a.status)

	// Basic logs the user in: the session cookie alone then works.
	a = do(t, srv, "GET", "PluginResultJob/1/", "")
	cookie := a.header.Get("Set-Cookie")
	assert.Regexp(t, `^sessionid=[0-9a-f]{32}; httponly; Path=/$`, cookie)
	a = do(t, srv, "PATCH", "PluginResultJob/1/", `{"state": "Error"}`, "Authorization", "-", "Cookie", cookie[:len("sessionid=")+32])
	assert.Equal(t, 202, a.status)
	a = do(t, srv, "GET", "PluginResultJob/1/", "", "Authorization", "ApiKey ionadmin:"+tsapitest.AdminAPIKey)
	assert.Empty(t, a.header.Get("Set-Cookie"), "ApiKey starts no session")
	// Basic again with the session's cookie keeps the session.
	a = do(t, srv, "GET", "PluginResultJob/1/", "", "Cookie", cookie[:len("sessionid=")+32])
	assert.Equal(t, cookie, a.header.Get("Set-Cookie"))

	// The library keeps the cookie.
	jar, _ := cookiejar.New(nil)
	hc := srv.HTTPClient()
	hc.Jar = jar
	c, err := srv.Client(tsapi.WithHTTPClient(hc), tsapi.WithBasicAuth(tsapitest.AdminUser, tsapitest.AdminPassword))
	require.NoError(t, err)
	_, _, err = c.PluginResultJobs.Get(ctx, 1)
	require.NoError(t, err)

	// The read-only user: 401 without WWW-Authenticate on a write to one
	// object; a DELETE on the list deletes nothing, silently.
	reader, err := srv.Client(tsapi.WithBasicAuth(tsapitest.ReaderUser, tsapitest.ReaderPassword))
	require.NoError(t, err)
	_, err = reader.PluginResultJobs.SetState(ctx, 2, tsapi.StateError)
	assert.ErrorIs(t, err, tsapi.ErrForbidden)
	assert.NotErrorIs(t, err, tsapi.ErrUnauthorized)
	_, err = reader.PluginResultJobs.Delete(ctx, 2)
	assert.ErrorIs(t, err, tsapi.ErrForbidden)
	_, err = reader.PluginResultJobs.DeleteAllMatching(ctx, &tsapi.PluginResultJobListOptions{IDGt: tsapi.Ptr[int64](0)})
	require.NoError(t, err)
	assert.Len(t, srv.Jobs(), 3)
	a = do(t, srv, "PATCH", "PluginResultJob/", `{"objects": [{"resource_uri": "/rundb/api/v1/PluginResultJob/2/", "state": "Error"}]}`,
		"Authorization", basic(tsapitest.ReaderUser, tsapitest.ReaderPassword))
	assert.Equal(t, 401, a.status)
	assert.Empty(t, a.header.Get("WWW-Authenticate"))

	// A plugin key acts as ionuser, who may write.
	plugin, err := srv.Client(tsapi.WithPluginKey(pr, "prkey"))
	require.NoError(t, err)
	_, err = plugin.PluginResultJobs.SetState(ctx, 3, tsapi.StateCompleted)
	require.NoError(t, err)

	// 405 comes before authentication.
	a = do(t, srv, "HEAD", "PluginResultJob/", "", "Authorization", "-")
	assert.Equal(t, 405, a.status)
}

func TestWithoutAuth(t *testing.T) {
	srv := tsapitest.New(t, tsapitest.WithoutAuth())
	srv.AddJob(tsapitest.Job{})
	c, err := srv.Client()
	require.NoError(t, err)
	_, err = c.PluginResultJobs.SetState(context.Background(), 1, tsapi.StateStarted)
	require.NoError(t, err)
	a := do(t, srv, "GET", "PluginResultJob/1/", "", "Authorization", basic("nobody", "x"))
	assert.Equal(t, http.StatusOK, a.status)
}

// A plugin key acts as ionuser; on a server seeded without ionuser and
// ionadmin it acts as the plugin result's owner, and a launch made with it
// is answered, not dropped by a panic.
func TestPluginKeyWithoutTheFactoryAccounts(t *testing.T) {
	srv := tsapitest.New(t)
	require.NoError(t, srv.LoadSeedJSON([]byte(`{
		"users": [{"id": 7, "username": "lab", "password": "x", "superuser": true}],
		"plugins": [{"id": 1, "name": "p", "version": "1", "active": true, "selected": true}],
		"results": [{"id": 1}],
		"pluginresults": [{"id": 1, "result": 1, "plugin": 1, "owner": "lab", "apikey": "k", "size": "0", "inodes": "0"}]}`)))
	a := do(t, srv, "POST", "results/1/plugin/", `{"plugin": "p"}`, "Authorization", "PluginKey 1:k")
	assert.Equal(t, http.StatusAccepted, a.status, a.body)
	prs := srv.PluginResults()
	require.Len(t, prs, 2)
	assert.Equal(t, "lab", prs[1].Owner)
}
