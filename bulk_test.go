package tsapi_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tsapi-go/tsapi"
)

// TestListWriteWithAFilterThatEncodesToNothingIsRefused: a filter with no
// value (a flag that was not given), or only empty values, bounds nothing:
// DELETE or PUT on the list URL would empty the table (and
// grid_engine_jobid__isnull= matches every job with an id).
func TestListWriteWithAFilterThatEncodesToNothingIsRefused(t *testing.T) {
	forEachTarget(t, func(t *testing.T, tg *writeTarget) {
		jobs := tg.c.PluginResultJobs.(*tsapi.PluginResultJobServiceOp)
		before := tg.jobCount(t, nil)
		for _, f := range []url.Values{
			{"state": nil},
			{"state": {}},
			{"state": {""}},
			{"state": {"", ""}},
			{"state": {" "}},
			{"state__in": {","}},
			{"grid_engine_jobid__isnull": {""}},
			{"state": nil, "run_level": {""}},
			{"state": {"Declined", ""}},
		} {
			opts := &tsapi.PluginResultJobListOptions{ListOptions: tsapi.ListOptions{Filters: f}}
			_, err := jobs.DeleteAllMatching(tg.ctx, opts)
			assert.ErrorIs(t, err, tsapi.ErrInvalidOption, "DeleteAllMatching %v", f)
			_, err = jobs.ReplaceAllMatching(tg.ctx, opts, nil)
			assert.ErrorIs(t, err, tsapi.ErrInvalidOption, "ReplaceAllMatching %v", f)
			for _, m := range []string{http.MethodDelete, http.MethodPut} {
				_, err = tg.c.Do(tg.ctx, &tsapi.Request{Method: m, Path: "PluginResultJob/", Query: f, Body: []byte(`{"objects": []}`)}, nil)
				assert.ErrorIs(t, err, tsapi.ErrInvalidOption, "Do %s %v", m, f)
				_, err = tg.c.Do(tg.ctx, &tsapi.Request{Method: m, Path: "PluginResultJob/?" + f.Encode(), Body: []byte(`{"objects": []}`)}, nil)
				assert.ErrorIs(t, err, tsapi.ErrInvalidOption, "Do %s ?%s", m, f.Encode())
			}
		}
		// Typed fields that encode to an empty value.
		for _, opts := range []*tsapi.PluginResultJobListOptions{
			{StateIn: []tsapi.JobState{""}},
			{RunLevelIn: []tsapi.RunLevel{"", ""}},
		} {
			_, err := jobs.DeleteAllMatching(tg.ctx, opts)
			assert.ErrorIs(t, err, tsapi.ErrInvalidOption, "%+v", opts)
		}
		assert.Empty(t, tg.sent(), "nothing was sent")
		assert.Equal(t, before, tg.jobCount(t, nil), "no job was deleted")

		// A filter left without a value next to one that has a value: the
		// other bounds the delete, which removes its matches only.
		block := tg.jobCount(t, &tsapi.PluginResultJobListOptions{RunLevel: tsapi.RunLevelBlock})
		require.Positive(t, block)
		_, err := jobs.DeleteAllMatching(tg.ctx, &tsapi.PluginResultJobListOptions{
			ListOptions: tsapi.ListOptions{Filters: url.Values{"state": nil, "run_level": {"block"}}},
		})
		require.NoError(t, err)
		assert.Equal(t, before-block, tg.jobCount(t, nil))
		assert.Zero(t, tg.jobCount(t, &tsapi.PluginResultJobListOptions{RunLevel: tsapi.RunLevelBlock}))
		require.Len(t, tg.sent(), 1)
		assert.Equal(t, "run_level=block", tg.sent()[0].RawQuery)
	})
}

// TestListWriteWithARepeatedFilterIsRefused: tastypie reads the last value
// of a repeated filter (all of them only for __in and __range), so
// state=Declined&state=Error would delete the Error jobs alone.
func TestListWriteWithARepeatedFilterIsRefused(t *testing.T) {
	forEachTarget(t, func(t *testing.T, tg *writeTarget) {
		jobs := tg.c.PluginResultJobs
		_, err := jobs.DeleteAllMatching(tg.ctx, &tsapi.PluginResultJobListOptions{
			ListOptions: tsapi.ListOptions{Filters: url.Values{"state": {"Declined", "Error"}}},
		})
		assert.ErrorIs(t, err, tsapi.ErrInvalidOption)
		assert.ErrorContains(t, err, "state__in")
		_, err = tg.c.Do(tg.ctx, &tsapi.Request{Method: http.MethodDelete, Path: "PluginResultJob/?state=Declined&state=Error"}, nil)
		assert.ErrorIs(t, err, tsapi.ErrInvalidOption)
		assert.Empty(t, tg.sent())

		declined := tg.jobCount(t, &tsapi.PluginResultJobListOptions{State: tsapi.StateDeclined})
		errored := tg.jobCount(t, &tsapi.PluginResultJobListOptions{State: tsapi.StateError})
		before := tg.jobCount(t, nil)
		_, err = jobs.DeleteAllMatching(tg.ctx, &tsapi.PluginResultJobListOptions{
			ListOptions: tsapi.ListOptions{Filters: url.Values{"state__in": {"Declined", "Error"}}},
		})
		require.NoError(t, err, "__in takes every value")
		assert.Equal(t, before-declined-errored, tg.jobCount(t, nil))
	})
}
