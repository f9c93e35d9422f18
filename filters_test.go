package tsapi

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/h2non/gock.v1"
)

func TestTimeFiltersKeepSubSecondPrecision(t *testing.T) {
	c := newTestClient(t, "http://ts.example")
	at := time.Date(2017, 8, 9, 20, 26, 3, 549123000, time.UTC)
	q, err := c.PluginResultJobs.(*PluginResultJobServiceOp).Query(&PluginResultJobListOptions{StartTimeLte: &at, EndTimeGte: &at})
	require.NoError(t, err)
	assert.Equal(t, "2017-08-09T20:26:03.549123Z", q.Get("starttime__lte"))
	assert.Equal(t, "2017-08-09T20:26:03.549123Z", q.Get("endtime__gte"))
}

func TestDoChecksFiltersOfKnownListURLs(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	c := newTestClient(t, srv.URL)
	ctx := context.Background()
	for _, req := range []*Request{
		{Method: http.MethodGet, Path: "PluginResultJob/", Query: url.Values{"plugin_result": {"5"}}},
		{Method: http.MethodDelete, Path: "PluginResultJob/?plugin_result=5"},
		{Method: http.MethodDelete, Path: "/rundb/api/v1/PluginResultJob/"},
		{Method: http.MethodDelete, Path: "results/"},
		{Method: http.MethodPut, Path: "pluginresult/?limit=5"},
		{Method: http.MethodGet, Path: "pluginresult/", Query: url.Values{"order_by": {"pluginName"}}},
	} {
		_, err := c.Do(ctx, req, nil)
		assert.ErrorIs(t, err, ErrInvalidOption, "%s %s %v", req.Method, req.Path, req.Query)
	}
	assert.Zero(t, hits.Load(), "nothing was sent")

	// Known filters, detail URLs and other resources go through.
	for _, req := range []*Request{
		{Method: http.MethodDelete, Path: "PluginResultJob/", Query: url.Values{"state": {"Error"}}},
		{Method: http.MethodDelete, Path: "PluginResultJob/4/"},
		{Method: http.MethodGet, Path: "results/", Query: url.Values{"status": {"Completed"}}},
	} {
		_, err := c.Do(ctx, req, nil)
		assert.NoError(t, err, "%s %s", req.Method, req.Path)
	}
	assert.Equal(t, int32(3), hits.Load())
}

func TestListEncodesEveryTypedFilter(t *testing.T) {
	start := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	c := newGockClient(t)
	gock.New(gockBase).Get(jobsPath).
		MatchParams(map[string]string{
			"id__in": "^1,2$", "id__gt": "^5$", "id__lt": "^100$", "state": "^Timed Out$",
			"run_level__in": "^pre,last$", "grid_engine_jobid": "^42$",
			"starttime__gte": "^2024-01-02T03:04:05Z$", "endtime__isnull": "^true$",
			"offset": "^40$",
		}).Reply(200).JSON(map[string]any{"meta": map[string]any{"total_count": 0}, "objects": []any{}})
	jobs, _, err := c.PluginResultJobs.List(context.Background(), &PluginResultJobListOptions{
		ListOptions:     ListOptions{Offset: 40},
		IDIn:            []int64{1, 2},
		IDGt:            Ptr[int64](5),
		IDLt:            Ptr[int64](100),
		State:           StateTimedOut,
		RunLevelIn:      []RunLevel{RunLevelPre, RunLevelLast},
		GridEngineJobID: Ptr[int64](42),
		StartTimeGte:    &start,
		EndTimeIsNull:   Ptr(true),
	})
	require.NoError(t, err)
	assert.Empty(t, jobs)
	assert.True(t, gock.IsDone())
}
