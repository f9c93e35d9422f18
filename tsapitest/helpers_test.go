package tsapitest_test

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tsapi-go/tsapi"
	"github.com/tsapi-go/tsapi/tsapitest"
)

// fixedNow is the clock of servers made by setup.
var fixedNow = time.Date(2024, 5, 6, 7, 8, 9, 123456000, time.UTC)

// setup starts a server with a fixed clock and an ionadmin client.
func setup(t *testing.T, opts ...tsapitest.Option) (*tsapitest.Server, *tsapi.Client) {
	t.Helper()
	opts = append([]tsapitest.Option{tsapitest.WithClock(func() time.Time { return fixedNow })}, opts...)
	srv := tsapitest.New(t, opts...)
	c, err := srv.AdminClient()
	require.NoError(t, err)
	return srv, c
}

// seedJobs adds a plugin, a result, a plugin result and n jobs (ids 1..n,
// states cycling through the 11 stored states) and returns the plugin
// result's id.
func seedJobs(t *testing.T, srv *tsapitest.Server, n int) int64 {
	t.Helper()
	plugin := srv.AddPlugin(tsapitest.Plugin{Name: "variantCaller", Version: "5.18.0.1", Active: true, Selected: true})
	result := srv.AddResult(tsapitest.Result{Name: "Auto_run_1"})
	pr := srv.AddPluginResult(tsapitest.PluginResult{Result: result, Plugin: plugin, APIKey: "prkey", Size: 10, Inodes: 2})
	states := []string{"Completed", "Error", "Started", "Declined", "Unknown", "Queued", "Pending", "Resource", "Timed Out", "Cancelled", "Archived"}
	for i := 1; i <= n; i++ {
		srv.AddJob(tsapitest.Job{PluginResult: pr, State: states[(i-1)%len(states)], RunLevel: "default"})
	}
	return pr
}

// answer is a raw HTTP answer.
type answer struct {
	status int
	header http.Header
	body   string
}

func (a answer) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(a.body), &m), a.body)
	return m
}

// basic is an Authorization header value.
func basic(user, pass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}

var adminAuth = basic(tsapitest.AdminUser, tsapitest.AdminPassword)

// do sends a raw request (path relative to the API root unless it starts
// with '/'); auth "" sends ionadmin's Basic credentials, "-" none.
// Redirects are not followed.
func do(t *testing.T, srv *tsapitest.Server, method, path, body string, hdr ...string) answer {
	t.Helper()
	if !strings.HasPrefix(path, "/") {
		path = tsapitest.APIPath + path
	}
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, srv.URL()+path, rd)
	require.NoError(t, err)
	auth := adminAuth
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i] == "Authorization" {
			auth = hdr[i+1]
			continue
		}
		req.Header.Set(hdr[i], hdr[i+1])
	}
	if auth != "-" {
		req.Header.Set("Authorization", auth)
	}
	hc := srv.HTTPClient()
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := hc.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return answer{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

// ids returns the ids of a list answer's objects.
func ids(t *testing.T, a answer) []int64 {
	t.Helper()
	var page struct {
		Objects []struct {
			ID int64 `json:"id"`
		} `json:"objects"`
	}
	require.NoError(t, json.Unmarshal([]byte(a.body), &page), a.body)
	out := []int64{}
	for _, o := range page.Objects {
		out = append(out, o.ID)
	}
	return out
}

func i64(v int64) *int64 { return &v }

func tm(s string) *time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return &t
}
