package tsapi

import (
	"context"
	"encoding/json"
	"net/url"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/h2non/gock.v1"
)

func loadSchemaFixture(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/pluginresultjob_schema.json")
	require.NoError(t, err)
	return b
}

// TestSchemaFixtureMatchesFieldTable checks the schema fixture against the
// field table of the PluginResultJob API reference.
func TestSchemaFixtureMatchesFieldTable(t *testing.T) {
	var s Schema
	require.NoError(t, json.Unmarshal(loadSchemaFixture(t), &s))
	type row struct {
		typ                               string
		nullable, readonly, blank, unique bool
		hasDefault                        bool
	}
	table := map[string]row{
		"grid_engine_jobid": {"integer", true, false, false, false, false},
		"id":                {"integer", false, false, true, true, true},
		"state":             {"string", false, false, false, false, false},
		"starttime":         {"datetime", true, false, false, false, false},
		"endtime":           {"datetime", true, false, false, false, false},
		"config":            {"string", false, false, true, false, true},
		"run_level":         {"string", false, false, false, false, false},
		"resource_uri":      {"string", false, true, false, false, false},
	}
	require.Len(t, s.Fields, len(table))
	for name, want := range table {
		f, ok := s.Fields[name]
		require.True(t, ok, name)
		assert.Equal(t, want.typ, f.Type, name)
		assert.Equal(t, want.nullable, f.Nullable, name)
		assert.Equal(t, want.readonly, f.ReadOnly, name)
		assert.Equal(t, want.blank, f.Blank, name)
		assert.Equal(t, want.unique, f.Unique, name)
		assert.Equal(t, want.hasDefault, f.HasDefault(), name)
	}
	assert.Equal(t, 20, s.DefaultLimit)
	assert.Equal(t, "application/json", s.DefaultFormat)
	assert.ElementsMatch(t, []string{"get", "post", "put", "delete", "patch"}, s.AllowedListHTTPMethods)
	assert.Empty(t, s.Ordering)
	assert.True(t, s.Filtering["state"].WithRelations)
	assert.Contains(t, s.Filtering, "plugin_result", "the server lists a filter it ignores")
}

func TestSchemaFilterThatIsNoFieldStaysRefused(t *testing.T) {
	c := newGockClient(t)
	gock.New(gockBase).Get(jobsPath + "schema/").Reply(200).JSON(loadSchemaFixture(t))
	_, _, err := c.PluginResultJobs.Schema(context.Background())
	require.NoError(t, err)
	// plugin_result is in the schema's filtering but is no field: the
	// server ignores it, so DELETE ?plugin_result=5 would delete every job.
	_, err = c.PluginResultJobs.DeleteAllMatching(context.Background(),
		&PluginResultJobListOptions{ListOptions: ListOptions{Filters: url.Values{"plugin_result": {"5"}}}})
	assert.ErrorIs(t, err, ErrInvalidOption)
	assert.NoError(t, c.PluginResultJobs.(*PluginResultJobServiceOp).CheckQuery(url.Values{"state__in": {"Queued"}}))
}

func TestFilterRuleForms(t *testing.T) {
	var m map[string]FilterRule
	require.NoError(t, json.Unmarshal([]byte(`{"a": 1, "b": 2, "c": ["exact", "in"]}`), &m))
	assert.Equal(t, FilterRule{All: true}, m["a"])
	assert.Equal(t, FilterRule{All: true, WithRelations: true}, m["b"])
	assert.Equal(t, FilterRule{Lookups: []string{"exact", "in"}}, m["c"])
	assert.True(t, m["c"].Allows("in"))
	assert.False(t, m["c"].Allows("gt"))
	out, err := json.Marshal(m)
	require.NoError(t, err)
	assert.JSONEq(t, `{"a": 1, "b": 2, "c": ["exact", "in"]}`, string(out))
	var bad FilterRule
	assert.Error(t, json.Unmarshal([]byte(`3`), &bad))
	assert.Error(t, json.Unmarshal([]byte(`"all"`), &bad))
}

func TestCheckSchemaReportsDrift(t *testing.T) {
	c := newGockClient(t)
	gock.New(gockBase).Get(jobsPath + "schema/").Reply(200).JSON(loadSchemaFixture(t))
	d, _, err := c.PluginResultJobs.CheckSchema(context.Background())
	require.NoError(t, err)
	assert.True(t, d.Empty(), d.String())
	assert.Equal(t, "no drift", d.String())

	var s map[string]any
	require.NoError(t, json.Unmarshal(loadSchemaFixture(t), &s))
	fields := s["fields"].(map[string]any)
	fields["plugin_name"] = map[string]any{"type": "string"}
	delete(fields, "run_level")
	fields["grid_engine_jobid"].(map[string]any)["type"] = "string"
	gock.New(gockBase).Get(jobsPath + "schema/").Reply(200).JSON(s)
	d, _, err = c.PluginResultJobs.CheckSchema(context.Background())
	require.NoError(t, err)
	assert.Equal(t, []string{"plugin_name"}, d.Added)
	assert.Equal(t, []string{"run_level"}, d.Missing)
	assert.Equal(t, []FieldTypeChange{{Field: "grid_engine_jobid", Library: "integer", Server: "string"}}, d.Retyped)
	assert.Contains(t, d.String(), "grid_engine_jobid is string on the server")
}

func TestUnknownFilterIsRefusedBeforeAnyRequest(t *testing.T) {
	c := newGockClient(t)
	// No mock: any request would be an unmatched gock request and fail
	// differently.
	ctx := context.Background()
	for _, f := range []url.Values{
		{"plugin_result": {"5"}},
		{"stat": {"Queued"}},
		{"state__bogus": {"x"}},
		{"state__name__exact": {"x"}},
		{"api_key": {"secret"}},
	} {
		_, _, err := c.PluginResultJobs.List(ctx, &PluginResultJobListOptions{ListOptions: ListOptions{Filters: f}})
		assert.ErrorIs(t, err, ErrInvalidOption, "%v", f)
		_, err = c.PluginResultJobs.DeleteAllMatching(ctx, &PluginResultJobListOptions{ListOptions: ListOptions{Filters: f}})
		assert.ErrorIs(t, err, ErrInvalidOption, "%v", f)
	}
	_, _, err := c.PluginResultJobs.List(ctx, &PluginResultJobListOptions{ListOptions: ListOptions{OrderBy: []string{"-id"}}})
	assert.ErrorIs(t, err, ErrInvalidOption)
	// Before the schema is fetched the library says what it knows, and no
	// more: it does not claim the server would refuse.
	assert.ErrorContains(t, err, "not known to be allowed")
	assert.ErrorContains(t, err, "call Schema")
	assert.NotContains(t, err.Error(), "400")
	// plugin results are known to be ordered by their fields.
	_, err = c.PluginResults.(*PluginResultServiceOp).Query(&PluginResultListOptions{ListOptions: ListOptions{OrderBy: []string{"-id"}}})
	assert.NoError(t, err)
	_, err = c.PluginResults.(*PluginResultServiceOp).Query(&PluginResultListOptions{ListOptions: ListOptions{OrderBy: []string{"pluginName"}}})
	assert.ErrorContains(t, err, "the library knows ordering by id, result")
	assert.Empty(t, gock.GetUnmatchedRequests())
}

func TestListDeleteWithoutFilterIsRefused(t *testing.T) {
	c := newGockClient(t)
	ctx := context.Background()
	for _, o := range []*PluginResultJobListOptions{nil, {}, {ListOptions: ListOptions{Limit: 5}}} {
		_, err := c.PluginResultJobs.DeleteAllMatching(ctx, o)
		assert.ErrorIs(t, err, ErrInvalidOption)
		assert.ErrorContains(t, err, "at least one filter")
	}
	_, err := c.PluginResultJobs.DeleteAllMatching(ctx, &PluginResultJobListOptions{State: StateError, ListOptions: ListOptions{Limit: 5}})
	assert.ErrorContains(t, err, "does not take limit")
	_, err = c.PluginResultJobs.(*PluginResultJobServiceOp).ReplaceAllMatching(ctx, nil, nil)
	assert.ErrorIs(t, err, ErrInvalidOption)
	assert.Empty(t, gock.GetUnmatchedRequests())

	gock.New(gockBase).Delete(jobsPath).MatchParam("state", "^Error$").Reply(204)
	_, err = c.PluginResultJobs.DeleteAllMatching(ctx, &PluginResultJobListOptions{State: StateError})
	require.NoError(t, err)
	assert.True(t, gock.IsDone())
}

func TestFiltersFollowFetchedSchema(t *testing.T) {
	c := newGockClient(t)
	schema := `{"fields": {"id": {"type": "integer"}, "state": {"type": "string"}}, "filtering": {"state": ["exact", "in"], "id": 1}, "ordering": ["id"]}`
	gock.New(gockBase).Get(jobsPath + "schema/").Reply(200).JSON(schema)
	_, _, err := c.PluginResultJobs.Schema(context.Background())
	require.NoError(t, err)
	r := c.PluginResultJobs.(*PluginResultJobServiceOp)
	assert.NoError(t, r.CheckQuery(url.Values{"state__in": {"a,b"}, "id__gt": {"3"}, "order_by": {"-id"}}))
	assert.ErrorIs(t, r.CheckQuery(url.Values{"state__contains": {"a"}}), ErrInvalidOption)
	assert.ErrorIs(t, r.CheckQuery(url.Values{"run_level": {"pre"}}), ErrInvalidOption, "not in this schema's filtering")
	err = r.CheckQuery(url.Values{"order_by": {"state"}})
	assert.ErrorIs(t, err, ErrInvalidOption)
	assert.ErrorContains(t, err, "its schema allows ordering by id")
}

func TestGetSet(t *testing.T) {
	c := newGockClient(t)
	gock.New(gockBase).Get(jobsPath + "set/1;3;9/").Reply(200).
		JSON(`{"objects": [{"id": 1, "state": "Queued", "config": {}, "run_level": "pre"}, {"id": 9, "state": "Error", "config": "", "run_level": "last"}], "not_found": ["3"]}`)
	jobs, missing, _, err := c.PluginResultJobs.GetSet(context.Background(), 1, 3, 9)
	require.NoError(t, err)
	require.Len(t, jobs, 2)
	assert.Equal(t, int64(9), jobs[1].ID)
	assert.Equal(t, []int64{3}, missing)

	_, _, _, err = c.PluginResultJobs.GetSet(context.Background())
	assert.ErrorIs(t, err, ErrInvalidOption)
	_, _, _, err = c.PluginResultJobs.GetSet(context.Background(), 1, -2)
	assert.ErrorIs(t, err, ErrInvalidOption)
}

func TestBulkPatchBody(t *testing.T) {
	c := newGockClient(t)
	var body []byte
	gock.New(gockBase).Patch(jobsPath).AddMatcher(captureBody(&body)).Reply(202)
	_, err := c.PluginResultJobs.BulkPatch(context.Background(), []BulkUpdate[PluginResultJobPatch]{
		{ID: 4, Patch: &PluginResultJobPatch{State: StateCancelled}},
		{ID: 5, Patch: &PluginResultJobPatch{EndTime: Null[Time]()}},
	}, []int64{6})
	require.NoError(t, err)
	assert.JSONEq(t, `{"objects": [
		{"resource_uri": "/rundb/api/v1/PluginResultJob/4/", "state": "Cancelled"},
		{"resource_uri": "/rundb/api/v1/PluginResultJob/5/", "endtime": null}],
		"deleted_objects": ["/rundb/api/v1/PluginResultJob/6/"]}`, string(body))

	_, err = c.PluginResultJobs.BulkPatch(context.Background(), []BulkUpdate[PluginResultJobPatch]{{}}, nil)
	assert.ErrorIs(t, err, ErrInvalidOption)
	_, err = c.PluginResultJobs.BulkPatch(context.Background(), []BulkUpdate[PluginResultJobPatch]{{ID: 4}}, nil)
	assert.ErrorIs(t, err, ErrInvalidOption)
	_, err = c.PluginResultJobs.BulkPatch(context.Background(), nil, nil)
	assert.ErrorIs(t, err, ErrInvalidOption)
}
