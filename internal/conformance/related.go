package conformance

import (
	"fmt"
	"net/url"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tsapi-go/tsapi"
	"github.com/tsapi-go/tsapi/tsapitest"
)

// relatedResources checks pluginresult, plugin and plugin launching.
func (s *suite) relatedResources(t *testing.T) {
	c := s.admin(t)
	jobsOf := func(pr int64) []int64 {
		return s.seed.JobsWhere(func(j tsapitest.Job) bool { return j.PluginResult == pr })
	}
	s.check(t, "pluginresult/detail as seeded, jobs embedded", func(t *testing.T) {
		for _, want := range []tsapitest.PluginResult{s.seed.PluginResults[1], s.seed.PluginResults[12]} {
			got, _, err := c.PluginResults.Get(s.ctx, want.ID)
			require.NoError(t, err)
			assert.Equal(t, want.Size, got.Size, "size sent as a string, read as an integer")
			assert.Equal(t, want.Inodes, got.Inodes)
			assert.Equal(t, fmt.Sprintf("/rundb/api/v1/results/%d/", want.Result), got.Result)
			assert.Equal(t, fmt.Sprintf("/rundb/api/v1/plugin/%d/", want.Plugin), got.Plugin)
			if want.APIKey != "" {
				assert.Equal(t, want.APIKey, got.APIKey.Reveal())
			}
			assert.Equal(t, servedConfig(seedJSON(t, want.Store)), decodeNumbers(t, orEmpty(got.Store.Raw())))
			gotJobs := make([]int64, len(got.Jobs))
			for i, j := range got.Jobs {
				gotJobs[i] = j.ID
			}
			assert.ElementsMatch(t, jobsOf(want.ID), gotJobs)
			for _, j := range got.Jobs {
				if j.ID == want.ID { // job n <= 30 belongs to plugin result n
					s.assertJobIsSeed(t, &j, s.seed.Job(j.ID))
				}
			}
		}
	})
	s.check(t, "pluginresult/size and inodes are JSON strings on the wire", func(t *testing.T) {
		_, b := s.raw(t, "GET", "/rundb/api/v1/pluginresult/2/", "", true)
		assert.Regexp(t, `"size": "\d+"`, string(b))
		assert.Regexp(t, `"inodes": "\d+"`, string(b))
	})
	s.check(t, "pluginresult/failed validation state", func(t *testing.T) {
		got, _, err := c.PluginResults.Get(s.ctx, 13)
		require.NoError(t, err)
		assert.Equal(t, tsapi.StateFailedValidation, got.State)
	})
	s.check(t, "pluginresult/filters by result and plugin name", func(t *testing.T) {
		prs, err := c.PluginResults.Collect(s.ctx, &tsapi.PluginResultListOptions{Result: tsapi.Ptr[int64](102)}, 100)
		require.NoError(t, err)
		var want []int64
		for i := len(s.seed.PluginResults) - 1; i >= 0; i-- {
			if s.seed.PluginResults[i].Result == 102 {
				want = append(want, s.seed.PluginResults[i].ID)
			}
		}
		assert.Equal(t, want, prIDs(prs))

		prs, err = c.PluginResults.Collect(s.ctx, &tsapi.PluginResultListOptions{PluginName: "variantCaller"}, 100)
		require.NoError(t, err)
		want = nil
		for i := len(s.seed.PluginResults) - 1; i >= 0; i-- {
			if s.seed.PluginResults[i].Plugin == 1 {
				want = append(want, s.seed.PluginResults[i].ID)
			}
		}
		assert.Equal(t, want, prIDs(prs))
	})
	s.check(t, "pluginresult/job-state filter repeats rows on the wire, once through the library", func(t *testing.T) {
		var want []int64
		rows := 0
		for i := len(s.seed.PluginResults) - 1; i >= 0; i-- {
			pr := s.seed.PluginResults[i]
			n := len(s.seed.JobsWhere(func(j tsapitest.Job) bool {
				return j.PluginResult == pr.ID && (j.State == "Queued" || j.State == "Started")
			}))
			if n > 0 {
				want = append(want, pr.ID)
				rows += n
			}
		}
		_, b := s.raw(t, "GET", "/rundb/api/v1/pluginresult/?plugin_result_jobs__state__in=Queued,Started&limit=1", "", true)
		meta, _ := rawMeta(t, b)
		assert.EqualValues(t, rows, meta["total_count"])
		prs, err := c.PluginResults.Collect(s.ctx, &tsapi.PluginResultListOptions{JobStateIn: []tsapi.JobState{tsapi.StateQueued, tsapi.StateStarted}}, 1000)
		require.NoError(t, err)
		assert.Equal(t, want, prIDs(prs))
	})
	s.check(t, "pluginresult/PATCH store", func(t *testing.T) {
		defer s.tg.Reset(t)
		_, err := c.PluginResults.SetStore(s.ctx, 4, map[string]any{"lines": 12, "ratio": 2.5, "name": "x"})
		require.NoError(t, err)
		got, _, err := c.PluginResults.Get(s.ctx, 4)
		require.NoError(t, err)
		assert.JSONEq(t, `{"lines": 12, "ratio": "2.5", "name": "x"}`, string(got.Store.Raw()))
	})
	s.check(t, "plugin/active plugins only, filters", func(t *testing.T) {
		ps, err := c.Plugins.Collect(s.ctx, nil, 100)
		require.NoError(t, err)
		var want []int64
		for i := len(s.seed.Plugins) - 1; i >= 0; i-- {
			if s.seed.Plugins[i].Active {
				want = append(want, s.seed.Plugins[i].ID)
			}
		}
		got := make([]int64, len(ps))
		for i, p := range ps {
			got[i] = p.ID
		}
		assert.Equal(t, want, got)
		ps, err = c.Plugins.Collect(s.ctx, &tsapi.PluginListOptions{Name: "coverageAnalysis"}, 10)
		require.NoError(t, err)
		require.Len(t, ps, 1)
		assert.Equal(t, "5.18.0.3", ps[0].Version)
		_, _, err = c.Plugins.Get(s.ctx, 4)
		assert.ErrorIs(t, err, tsapi.ErrNotFound, "an inactive plugin is invisible")
	})
	s.check(t, "generic core/a resource the library has no service for", func(t *testing.T) {
		type plugin struct {
			ID      int64  `json:"id"`
			Name    string `json:"name"`
			Version string `json:"version"`
		}
		r := tsapi.NewReadResource[plugin, tsapi.ListOptions](c, tsapi.ResourceSpec[plugin]{
			Name:        "plugin",
			ID:          func(p *plugin) int64 { return p.ID },
			Filters:     map[string][]string{"name": nil},
			NewestFirst: true,
		})
		byName := &tsapi.ListOptions{Filters: url.Values{"name": {"variantCaller"}}}
		byVersion := &tsapi.ListOptions{Filters: url.Values{"version": {"5.18.0.1"}}}
		got, err := r.Collect(s.ctx, byName, 10)
		require.NoError(t, err)
		require.Len(t, got, 1)
		assert.Equal(t, plugin{ID: 1, Name: "variantCaller", Version: "5.18.0.1"}, *got[0])
		_, _, err = r.List(s.ctx, byVersion)
		assert.ErrorIs(t, err, tsapi.ErrInvalidOption, "only the filters the spec names")
		_, _, err = r.Schema(s.ctx)
		require.NoError(t, err)
		_, _, err = r.List(s.ctx, byVersion)
		assert.NoError(t, err, "the fetched schema allows it")
	})
	s.check(t, "launch/unknown or inactive plugin is a 410, sent once", func(t *testing.T) {
		for _, name := range []string{"noSuchPlugin", "FileExporter"} {
			resp, err := c.Plugins.Launch(s.ctx, 101, &tsapi.LaunchRequest{Plugin: name})
			assert.ErrorIs(t, err, tsapi.ErrGone, name)
			if assert.NotNil(t, resp) {
				assert.Equal(t, 1, resp.Attempts)
			}
		}
		_, err := c.Plugins.Launch(s.ctx, 99999, &tsapi.LaunchRequest{Plugin: "sampleID"})
		assert.ErrorIs(t, err, tsapi.ErrNotFound)
	})
	s.check(t, "launch/creates a plugin result with Queued jobs", func(t *testing.T) {
		defer s.tg.Reset(t)
		resp, err := c.Plugins.Launch(s.ctx, 102, &tsapi.LaunchRequest{Plugin: "sampleID", Config: map[string]any{"threads": 2}})
		require.NoError(t, err)
		assert.Equal(t, 202, resp.StatusCode)
		prs, _, err := c.PluginResults.List(s.ctx, &tsapi.PluginResultListOptions{Result: tsapi.Ptr[int64](102), ListOptions: tsapi.ListOptions{Limit: 1}})
		require.NoError(t, err)
		require.Len(t, prs, 1)
		pr := prs[0]
		assert.Equal(t, int64(len(s.seed.PluginResults)+1), pr.ID)
		assert.Equal(t, "sampleID", pr.PluginName)
		assert.False(t, pr.APIKey.IsZero(), "a new plugin key")
		levels := []tsapi.RunLevel{}
		for _, j := range pr.Jobs {
			assert.Equal(t, tsapi.StateQueued, j.State)
			assert.Nil(t, j.StartTime)
			assert.JSONEq(t, `{"threads": 2}`, string(j.Config.Raw()))
			levels = append(levels, j.RunLevel)
		}
		slices.Sort(levels)
		assert.Equal(t, []tsapi.RunLevel{tsapi.RunLevelDefault, tsapi.RunLevelPre}, levels)

		// The new plugin key works for the new plugin result's jobs.
		pc := s.client(t, tsapi.WithPluginKey(pr.ID, pr.APIKey.Reveal()))
		_, err = pc.PluginResultJobs.SetState(s.ctx, pr.Jobs[0].ID, tsapi.StateStarted)
		require.NoError(t, err)
	})
}

func prIDs(prs []*tsapi.PluginResult) []int64 {
	out := make([]int64, len(prs))
	for i, p := range prs {
		out[i] = p.ID
	}
	return out
}

func orEmpty(b []byte) []byte {
	if len(b) == 0 {
		return []byte("{}")
	}
	return b
}
