package tsapi_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tsapi-go/tsapi"
)

// TestDoGuardsTheListURLWhateverTheSpelling: the server upper-cases the
// method (Django) and a proxy may merge slashes or decode escapes, so a
// DELETE or PUT that reaches the list URL by any spelling of the method or
// of the path is checked as DELETE PluginResultJob/ is, before anything is
// sent.
func TestDoGuardsTheListURLWhateverTheSpelling(t *testing.T) {
	forEachTarget(t, func(t *testing.T, tg *writeTarget) {
		before := tg.jobCount(t, nil)
		refused := []tsapi.Request{
			// The method, in any case, with spaces, or not one at all.
			{Method: "delete", Path: "PluginResultJob/"},
			{Method: "Delete", Path: "PluginResultJob/"},
			{Method: "dElEtE", Path: "PluginResultJob/"},
			{Method: "put", Path: "PluginResultJob/", Body: []byte(`{"objects": []}`)},
			{Method: " DELETE", Path: "PluginResultJob/"},
			{Method: "DELETE ", Path: "PluginResultJob/"},
			{Method: "DEL ETE", Path: "PluginResultJob/"},
			{Method: "PURGE", Path: "PluginResultJob/"},
			{Method: "", Path: "PluginResultJob/"},
			{Method: "delete", Path: "PluginResultJob/", Query: url.Values{"limit": {"1"}}},
			// The path, spelled otherwise.
			{Method: "DELETE", Path: "pluginresultjob/"},
			{Method: "DELETE", Path: "pluginresultjob/?plugin_result=5"},
			{Method: "delete", Path: "PLUGINRESULTJOB/", Query: url.Values{"plugin_result": {"5"}}},
			{Method: "DELETE", Path: "/rundb/api/v1/PluginResultJob/"},
			{Method: "DELETE", Path: "/RUNDB/api/v1/PluginResultJob/"},
			{Method: "DELETE", Path: "/rundb//api/v1/PluginResultJob/"},
			{Method: "DELETE", Path: "/rundb/api/v1//PluginResultJob/"},
			{Method: "DELETE", Path: "/rundb/api/v1//PluginResultJob/?plugin_result=5"},
			{Method: "DELETE", Path: "PluginResultJob?x=1"},
			{Method: "DELETE", Path: "PluginResultJob"},
			{Method: "DELETE", Path: "PluginResultJob//"},
			{Method: "DELETE", Path: "PluginResultJob/./"},
			{Method: "DELETE", Path: "./PluginResultJob/"},
			{Method: "DELETE", Path: "results/../PluginResultJob/"},
			{Method: "DELETE", Path: "PluginResult%4Aob/"},
			{Method: "DELETE", Path: "PluginResultJob%2F"},
			{Method: "DELETE", Path: "PluginResultJob/?state=Declined;plugin_result=5"},
			{Method: "DELETE", Path: "PluginResultJob/?plugin_result=5;state=Declined"},
			{Method: "put", Path: "pluginresultjob//", Body: []byte(`{"objects": []}`)},
		}
		for _, req := range refused {
			_, err := tg.c.Do(tg.ctx, &req, nil)
			assert.ErrorIs(t, err, tsapi.ErrInvalidOption, "%q %q %v", req.Method, req.Path, req.Query)
		}
		assert.Empty(t, tg.sent(), "nothing was sent")
		assert.Equal(t, before, tg.jobCount(t, nil), "no job was deleted")

		// A lower-case method is sent upper-case, and with a filter it
		// deletes what the filter names, no more.
		declined := tg.jobCount(t, &tsapi.PluginResultJobListOptions{State: tsapi.StateDeclined})
		require.Positive(t, declined)
		req := &tsapi.Request{Method: "delete", Path: "PluginResultJob/", Query: url.Values{"state": {"Declined"}}}
		_, err := tg.c.Do(tg.ctx, req, nil)
		require.NoError(t, err)
		assert.Equal(t, "delete", req.Method, "the caller's request is not changed")
		assert.Equal(t, before-declined, tg.jobCount(t, nil))
		require.Len(t, tg.sent(), 1)
		assert.Equal(t, http.MethodDelete, tg.sent()[0].Method)
		assert.Equal(t, "/rundb/api/v1/PluginResultJob/", tg.sent()[0].Path)

		// A lower-case read is a read (retried), a detail delete a delete.
		var j tsapi.PluginResultJob
		_, err = tg.c.Do(tg.ctx, &tsapi.Request{Method: "get", Path: "PluginResultJob/3/"}, &j)
		require.NoError(t, err)
		assert.Equal(t, int64(3), j.ID)
		_, err = tg.c.Do(tg.ctx, &tsapi.Request{Method: "delete", Path: "PluginResultJob/3/"}, nil)
		require.NoError(t, err)
		assert.Equal(t, before-declined-1, tg.jobCount(t, nil))
	})
}
