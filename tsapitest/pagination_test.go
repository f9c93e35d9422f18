package tsapitest_test

import (
	"context"
	"fmt"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tsapi-go/tsapi"
)

func TestListMetaOverMoreThanMaxLimit(t *testing.T) {
	srv, _ := setup(t)
	seedJobs(t, srv, 2500)

	a := do(t, srv, "GET", "PluginResultJob/", "")
	require.Equal(t, 200, a.status)
	assert.Equal(t, "application/json", a.header.Get("Content-Type"))
	meta := a.json(t)["meta"].(map[string]any)
	assert.Equal(t, map[string]any{
		"limit": 20.0, "offset": 0.0, "total_count": 2500.0, "previous": nil,
		"next": "/rundb/api/v1/PluginResultJob/?limit=20&offset=20",
	}, meta)
	got := ids(t, a)
	assert.Equal(t, int64(2500), got[0], "newest first")
	assert.Equal(t, int64(2481), got[19])

	for _, tc := range []struct {
		query      string
		limit      int
		offset     int
		n          int
		prev, next any
	}{
		{"limit=0", 1000, 0, 1000, nil, "/rundb/api/v1/PluginResultJob/?limit=1000&offset=1000"},
		{"limit=1001", 1000, 0, 1000, nil, "/rundb/api/v1/PluginResultJob/?limit=1000&offset=1000"},
		{"limit=1000&offset=1000", 1000, 1000, 1000,
			"/rundb/api/v1/PluginResultJob/?limit=1000&offset=0", "/rundb/api/v1/PluginResultJob/?limit=1000&offset=2000"},
		{"limit=1000&offset=2000", 1000, 2000, 500, "/rundb/api/v1/PluginResultJob/?limit=1000&offset=1000", nil},
		// tastypie gives no previous link when offset-limit < 0.
		{"limit=10&offset=5", 10, 5, 10, nil, "/rundb/api/v1/PluginResultJob/?limit=10&offset=15"},
		{"limit=10&offset=2500", 10, 2500, 0, "/rundb/api/v1/PluginResultJob/?limit=10&offset=2490", nil},
		{"limit=10&offset=9999", 10, 9999, 0, "/rundb/api/v1/PluginResultJob/?limit=10&offset=9989", nil},
		// Every parameter is repeated, unknown ones and credentials too.
		{"format=json&limit=1", 1, 0, 1, nil, "/rundb/api/v1/PluginResultJob/?format=json&limit=1&offset=1"},
		{"state=Error&limit=5&offset=5&foo=a+b", 5, 5, 5,
			"/rundb/api/v1/PluginResultJob/?foo=a+b&limit=5&offset=0&state=Error",
			"/rundb/api/v1/PluginResultJob/?foo=a+b&limit=5&offset=10&state=Error"},
	} {
		t.Run(tc.query, func(t *testing.T) {
			a := do(t, srv, "GET", "PluginResultJob/?"+tc.query, "")
			require.Equal(t, 200, a.status, a.body)
			m := a.json(t)
			meta := m["meta"].(map[string]any)
			assert.Equal(t, float64(tc.limit), meta["limit"])
			assert.Equal(t, float64(tc.offset), meta["offset"])
			assert.Equal(t, tc.prev, meta["previous"])
			assert.Equal(t, tc.next, meta["next"])
			assert.Len(t, m["objects"], tc.n)
		})
	}

	// Following next to the end visits every job once.
	seen := map[int64]bool{}
	path := "PluginResultJob/?limit=700"
	for path != "" {
		a := do(t, srv, "GET", path, "")
		require.Equal(t, 200, a.status)
		for _, id := range ids(t, a) {
			require.False(t, seen[id])
			seen[id] = true
		}
		next, _ := a.json(t)["meta"].(map[string]any)["next"].(string)
		path = next
	}
	assert.Len(t, seen, 2500)
}

func TestListBadPaging(t *testing.T) {
	srv, _ := setup(t)
	seedJobs(t, srv, 3)
	for q, want := range map[string]string{
		"limit=abc":       `{"error": "Invalid limit 'abc' provided. Please provide a positive integer."}`,
		"limit=-1":        `{"error": "Invalid limit '-1' provided. Please provide a positive integer &gt;= 0."}`,
		"offset=x":        `{"error": "Invalid offset 'x' provided. Please provide an integer."}`,
		"offset=-3":       `{"error": "Invalid offset '-3' provided. Please provide a positive integer &gt;= 0."}`,
		"order_by=id":     `{"error": "The 'id' field does not allow ordering."}`,
		"order_by=-state": `{"error": "The 'state' field does not allow ordering."}`,
		"order_by=nope":   `{"error": "No matching 'nope' field for ordering on."}`,
	} {
		a := do(t, srv, "GET", "PluginResultJob/?"+q, "")
		assert.Equal(t, 400, a.status, q)
		assert.Equal(t, want, a.body, q)
	}
}

func TestClientIteration(t *testing.T) {
	srv, c := setup(t)
	seedJobs(t, srv, 2345)
	ctx := context.Background()

	for _, mode := range []tsapi.PagingMode{tsapi.PagingKeyset, tsapi.PagingOffset} {
		t.Run(fmt.Sprint(mode), func(t *testing.T) {
			srv.ClearRequests()
			var n int
			last := int64(1 << 62)
			for j, err := range c.PluginResultJobs.All(ctx, &tsapi.PluginResultJobListOptions{ListOptions: tsapi.ListOptions{Paging: mode}}) {
				require.NoError(t, err)
				require.Less(t, j.ID, last)
				last = j.ID
				n++
			}
			assert.Equal(t, 2345, n)
			assert.Equal(t, 3, srv.CountRequests("GET", "PluginResultJob/"), "pages of 1000")
		})
	}

	n, _, err := c.PluginResultJobs.Count(ctx, &tsapi.PluginResultJobListOptions{State: tsapi.StateQueued})
	require.NoError(t, err)
	assert.Equal(t, 213, n)

	jobs, resp, err := c.PluginResultJobs.List(ctx, &tsapi.PluginResultJobListOptions{
		ListOptions: tsapi.ListOptions{Limit: 2, Offset: 4}, StateIn: []tsapi.JobState{tsapi.StateError, tsapi.StateCompleted}})
	require.NoError(t, err)
	require.Len(t, jobs, 2)
	assert.Equal(t, 428, resp.Meta.TotalCount)
	next, err := url.Parse(resp.Meta.Next)
	require.NoError(t, err)
	assert.Equal(t, url.Values{"limit": {"2"}, "offset": {"6"}, "state__in": {"Error,Completed"}}, next.Query())
}
