package cmdutil

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tsapi-go/tsapi"
	"github.com/tsapi-go/tsapi/tsapitest"
)

func TestExplain(t *testing.T) {
	basic := &Server{Name: "lab", User: "viewer", Auth: AuthPassword, CredentialFrom: "$TSAPI_PASSWORD"}
	key := &Server{Name: "plugin", Auth: AuthPluginKey, PluginResult: 26}
	apiErr := func(status int, msg string, auth bool) error {
		return &tsapi.APIError{StatusCode: status, Method: "GET", URL: "http://ts/rundb/api/v1/PluginResultJob/9/", Message: msg, Authenticate: auth}
	}
	for _, tt := range []struct {
		err    error
		s      *Server
		action string
		want   string
		code   int
	}{
		{apiErr(401, "Unauthorized", true), basic, "read jobs", "the server refused the password of user viewer (from $TSAPI_PASSWORD): check it, or the user name", ExitAuth},
		{apiErr(401, "", false), basic, "change jobs", "user viewer may not change jobs", ExitAuth},
		{apiErr(403, "", false), key, "delete jobs", "the plugin key of plugin result 26 may not delete jobs", ExitAuth},
		{About(apiErr(404, "Not Found", false), "job 9"), basic, "", "no job 9", ExitNotFound},
		{apiErr(500, "500 Internal Server Error", false), basic, "", "the server failed on GET http://ts/rundb/api/v1/PluginResultJob/9/: 500 Internal Server Error", ExitServer},
		{apiErr(503, "Maintenance", false), basic, "", "the server is unavailable (503 Service Unavailable: Maintenance): it may be restarting or upgrading; try again later", ExitServer},
		{apiErr(400, "bad filter", false), basic, "", "the server refused GET http://ts/rundb/api/v1/PluginResultJob/9/: 400 Bad Request: bad filter", ExitServer},
		{&tsapi.OutcomeUnknownError{Method: "PATCH", URL: "http://ts/rundb/api/v1/PluginResultJob/9/", Attempts: 1,
			Cause:    &tsapi.RequestError{Method: "PATCH", URL: "http://ts/rundb/api/v1/PluginResultJob/9/", Err: errors.New("EOF")},
			CheckErr: &tsapi.RequestError{Method: "GET", URL: "http://ts/rundb/api/v1/PluginResultJob/9/", Err: errors.New("EOF")}}, basic, "",
			"the answer to PATCH http://ts/rundb/api/v1/PluginResultJob/9/ was lost (EOF): the write may or may not have been applied; reading it again failed too (EOF); look before trying again: nothing was resent", ExitOutcomeUnknown},
		{&tsapi.NoAPIError{Root: "https://ts/x/rundb/api/v1/", Status: 404}, basic, "", "no Torrent Server API answers at https://ts/x/rundb/api/v1/ (404 Not Found): use the server's root URL (https://ts)", ExitUsage},
		{context.Canceled, basic, "", "interrupted", ExitInterrupted},
		{&tsapi.InvalidArgumentError{Msg: "SetState needs a state"}, nil, "", "SetState needs a state", ExitUsage},
	} {
		got := Explain(tt.err, tt.s, tt.action)
		assert.Equal(t, tt.want, got.Error())
		assert.Equal(t, tt.code, ExitCode(got), tt.want)
		assert.True(t, errors.Is(got, tt.err), "the explanation unwraps to the error")
	}
}

func TestExplainNoAnswer(t *testing.T) {
	c, err := tsapi.New("http://127.0.0.1:1", tsapi.WithRetry(0, 0, 0))
	require.NoError(t, err)
	_, _, err = c.PluginResultJobs.Get(context.Background(), 1)
	got := Explain(err, &Server{Name: "x"}, "")
	assert.Equal(t, ExitNetwork, ExitCode(got))
	assert.Equal(t, "no answer from 127.0.0.1:1: connection refused (is the server running, and is the port right?)", got.Error())
}

// https:// to a server that answers plain HTTP: a hint at the first TLS
// failure, and no retries.
func TestHTTPSToAPlainServer(t *testing.T) {
	fake := tsapitest.New(t)
	ios, _, _, _ := Test()
	f := New(ios, func(k string) string {
		return map[string]string{"TSAPI_USER": "ionadmin", "TSAPI_PASSWORD": "ionadmin"}[k]
	})
	f.Flags.Servers = []string{strings.Replace(fake.URL(), "http://", "https://", 1)}
	ss, err := f.Servers()
	require.NoError(t, err)
	start := time.Now()
	_, _, err = ss[0].Client.PluginResultJobs.List(context.Background(), nil)
	got := Explain(err, ss[0], "read jobs")
	host := strings.TrimPrefix(fake.URL(), "http://")
	assert.Equal(t, "the TLS handshake with "+host+" failed, and it answers plain HTTP: name it as http://"+host, got.Error())
	assert.Equal(t, ExitNetwork, ExitCode(got))
	var re *tsapi.RequestError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, 1, re.Attempts, "not retried")
	assert.Less(t, time.Since(start), 30*time.Second, "a hang detector")
	assert.Zero(t, fake.CountRequests("", "/rundb/"), "the probe sends no credentials to the API")
}

func TestExitCodeOfHTTPStatuses(t *testing.T) {
	for status, code := range map[int]int{400: ExitServer, 404: ExitNotFound, 409: ExitServer, 410: ExitServer, 429: ExitServer, 502: ExitServer} {
		assert.Equal(t, code, ExitCode(&tsapi.APIError{StatusCode: status}), http.StatusText(status))
	}
}
