package tsapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tsapi-go/tsapi"
	"github.com/tsapi-go/tsapi/tsapitest"
)

// seededRuns starts the fake with the repository's seed and returns an
// admin client.
func seededRuns(t *testing.T) (*tsapitest.Server, *tsapi.Client) {
	t.Helper()
	srv := tsapitest.New(t)
	require.NoError(t, srv.LoadSeedFile("testdata/seed.json"))
	c, err := srv.AdminClient(tsapi.WithRetry(0, 0, 0))
	require.NoError(t, err)
	return srv, c
}

func TestRunOfJobFollowsEveryLink(t *testing.T) {
	_, c := seededRuns(t)
	ctx := context.Background()
	run, err := c.RunOfJob(ctx, 15)
	require.NoError(t, err)
	assert.Equal(t, int64(15), run.Job.ID)
	assert.Equal(t, int64(15), run.PluginResult.ID, "job n <= 30 belongs to plugin result n")
	assert.Equal(t, int64(102), run.Result.ID)
	assert.Equal(t, int64(52), run.Experiment.ID)
	assert.Equal(t, "540", run.Experiment.ChipType)
	assert.Equal(t, run.Experiment.ResourceURI, *run.Result.Experiment)

	plan, _, err := c.PlanOf(ctx, run.Experiment)
	require.NoError(t, err)
	assert.Equal(t, int64(62), plan.ID)
	exp, err := plan.ExperimentID()
	require.NoError(t, err)
	assert.Equal(t, run.Experiment.ID, exp)
	assert.Equal(t, "540", plan.ChipType, "the plan shows its run's chip")
}

func TestPluginResultsAndResultsOfARun(t *testing.T) {
	_, c := seededRuns(t)
	ctx := context.Background()
	r, _, err := c.Results.Get(ctx, 101)
	require.NoError(t, err)
	var got []int64
	for pr, err := range c.PluginResultsOf(ctx, r) {
		require.NoError(t, err)
		got = append(got, pr.ID)
		assert.Equal(t, "/rundb/api/v1/results/101/", pr.Result)
	}
	assert.Equal(t, []int64{10, 9, 8, 7, 6, 5, 4, 3, 2, 1}, got)
	ids, err := r.PluginResultIDs()
	require.NoError(t, err)
	assert.Equal(t, got, ids, "the result's own list, newest first too")

	states, err := r.PluginStates()
	require.NoError(t, err)
	assert.Contains(t, states, "variantCaller")

	e, _, err := c.Experiments.Get(ctx, 53)
	require.NoError(t, err)
	var results []int64
	for r, err := range c.ResultsOf(ctx, e) {
		require.NoError(t, err)
		results = append(results, r.ID)
	}
	assert.Equal(t, []int64{103}, results)
	rids, err := e.ResultIDs()
	require.NoError(t, err)
	assert.Equal(t, results, rids)
}

func TestLinkHelpersSayWhenThereIsNoLink(t *testing.T) {
	srv, c := seededRuns(t)
	ctx := context.Background()
	e, _, err := c.Experiments.Get(ctx, 55)
	require.NoError(t, err)
	_, _, err = c.PlanOf(ctx, e)
	assert.ErrorIs(t, err, tsapi.ErrNoLink, "experiment 55 ran without a plan")

	id := srv.AddResult(tsapitest.Result{Name: "no run"})
	r, _, err := c.Results.Get(ctx, id)
	require.NoError(t, err)
	_, _, err = c.ExperimentOf(ctx, r)
	assert.ErrorIs(t, err, tsapi.ErrNoLink)

	_, err = c.RunOfJob(ctx, 999999)
	assert.ErrorIs(t, err, tsapi.ErrNoLink)
	_, err = c.RunOfJob(ctx, 0)
	assert.ErrorIs(t, err, tsapi.ErrInvalidOption)

	_, _, err = c.ResultOf(ctx, nil)
	assert.ErrorIs(t, err, tsapi.ErrInvalidOption)
	for _, err := range c.PluginResultsOf(ctx, nil) {
		assert.ErrorIs(t, err, tsapi.ErrInvalidOption)
	}
}

func TestGeneratedListOptionsFilterOnTheFake(t *testing.T) {
	_, c := seededRuns(t)
	ctx := context.Background()
	since := time.Date(2017, 7, 31, 0, 0, 0, 0, time.UTC)
	rs, err := c.Results.Collect(ctx, &tsapi.ResultListOptions{TimeStampGte: &since}, 10)
	require.NoError(t, err)
	assert.Equal(t, []int64{103, 102}, resultIDs(rs))

	rs, err = c.Results.Collect(ctx, &tsapi.ResultListOptions{Experiment: tsapi.Ptr[int64](52)}, 10)
	require.NoError(t, err)
	assert.Equal(t, []int64{102}, resultIDs(rs))

	rs, err = c.Results.Collect(ctx, &tsapi.ResultListOptions{ReferenceIsNull: tsapi.Ptr(true)}, 10)
	require.NoError(t, err)
	assert.Equal(t, []int64{102}, resultIDs(rs))

	rs, err = c.Results.Collect(ctx, &tsapi.ResultListOptions{ListOptions: tsapi.ListOptions{
		Filters: map[string][]string{"experiment__chipType": {"P1.1.17"}}}}, 10)
	require.NoError(t, err)
	assert.Equal(t, []int64{103}, resultIDs(rs), "a filter through the relation")

	es, err := c.Experiments.Collect(ctx, &tsapi.ExperimentListOptions{StatusIn: []string{"planned", "inactive"}}, 10)
	require.NoError(t, err)
	require.Len(t, es, 2)
	assert.Equal(t, []int64{54, 50}, []int64{es[0].ID, es[1].ID})

	es, err = c.Experiments.Collect(ctx, &tsapi.ExperimentListOptions{ChipTecSlopeGte: tsapi.Ptr(0.1)}, 10)
	require.NoError(t, err)
	require.Len(t, es, 1)
	assert.Equal(t, int64(53), es[0].ID)

	ps, err := c.PlannedExperiments.Collect(ctx, &tsapi.PlannedExperimentListOptions{PlanExecuted: tsapi.Ptr(false)}, 10)
	require.NoError(t, err)
	require.Len(t, ps, 2)
	assert.Equal(t, []int64{64, 60}, []int64{ps[0].ID, ps[1].ID})

	n, _, err := c.Experiments.Count(ctx, &tsapi.ExperimentListOptions{PlanIsNull: tsapi.Ptr(true)})
	require.NoError(t, err)
	assert.Equal(t, 1, n)
}

func resultIDs(rs []*tsapi.Result) []int64 {
	out := make([]int64, len(rs))
	for i, r := range rs {
		out[i] = r.ID
	}
	return out
}

// TestGeneratedSchemasMatchTheFake checks CheckSchema of each generated
// service against the fake, which serves the snapshots.
func TestGeneratedSchemasMatchTheFake(t *testing.T) {
	_, c := seededRuns(t)
	ctx := context.Background()
	for name, check := range map[string]func(context.Context) (*tsapi.SchemaDrift, *tsapi.Response, error){
		"results": c.Results.CheckSchema, "experiment": c.Experiments.CheckSchema, "plannedexperiment": c.PlannedExperiments.CheckSchema,
	} {
		d, _, err := check(ctx)
		require.NoError(t, err, name)
		assert.True(t, d.Empty(), "%s: %s", name, d)
	}
}

// TestReadModifyWriteOfEverySeededRunChangesNothing patches every seeded
// result, experiment and plan with its own ToPatch and checks that the
// server shows the same object after.
func TestReadModifyWriteOfEverySeededRunChangesNothing(t *testing.T) {
	_, c := seededRuns(t)
	ctx := context.Background()
	same := func(t *testing.T, before, after any) {
		b, _ := json.Marshal(before)
		a, _ := json.Marshal(after)
		assert.JSONEq(t, string(b), string(a))
	}
	for r, err := range c.Results.All(ctx, nil) {
		require.NoError(t, err)
		before, _, err := c.Results.Get(ctx, r.ID)
		require.NoError(t, err)
		_, resp, err := c.Results.Patch(ctx, r.ID, before.ToPatch())
		require.NoError(t, err, r.ID)
		assert.Equal(t, http.StatusAccepted, resp.StatusCode)
		after, _, err := c.Results.Get(ctx, r.ID)
		require.NoError(t, err)
		same(t, before, after)
	}
	for e, err := range c.Experiments.All(ctx, nil) {
		require.NoError(t, err)
		got, _, err := c.Experiments.Patch(ctx, e.ID, e.ToPatch())
		if e.ID == 55 {
			// Its explog has no runtype: a Torrent Server's hydrate_runtype
			// fails on every PATCH of it.
			assert.ErrorIs(t, err, tsapi.ErrServer)
			continue
		}
		require.NoError(t, err, e.ID)
		if e.Log.IsEmpty() {
			// A PATCH of an experiment with an empty log writes the runtype
			// it shows into the log (hydrate_runtype), on a Torrent Server too.
			e.Log, err = tsapi.JobConfigFromJSON([]byte(`{"runtype": "` + e.RunType + `"}`))
			require.NoError(t, err)
		}
		same(t, e, got)
		after, _, err := c.Experiments.Get(ctx, e.ID)
		require.NoError(t, err)
		same(t, e, after)
	}
	for p, err := range c.PlannedExperiments.All(ctx, nil) {
		require.NoError(t, err)
		got, _, err := c.PlannedExperiments.Patch(ctx, p.ID, p.ToPatch())
		require.NoError(t, err, p.ID)
		same(t, p, got)
	}
}

func TestPatchOfARunWritesWhereTheServerKeepsIt(t *testing.T) {
	srv, c := seededRuns(t)
	ctx := context.Background()
	got, _, err := c.Results.Patch(ctx, 102, &tsapi.ResultPatch{Representative: tsapi.Ptr(true), Reference: tsapi.Value("hg38")})
	require.NoError(t, err)
	assert.Nil(t, got, "results answer a PATCH with no body")
	r, _, err := c.Results.Get(ctx, 102)
	require.NoError(t, err)
	assert.True(t, r.Representative)
	assert.Equal(t, "hg38", *r.Reference)

	e, _, err := c.Experiments.Patch(ctx, 51, &tsapi.ExperimentPatch{Notes: tsapi.Value("rerun the chip"), Star: tsapi.Ptr(true)})
	require.NoError(t, err)
	require.NotNil(t, e, "experiment answers with the object (always_return_data)")
	assert.Equal(t, "rerun the chip", *e.Notes)
	assert.Equal(t, "AMPS", e.RunType, "the log's runtype survives")

	p, _, err := c.PlannedExperiments.Patch(ctx, 62, &tsapi.PlannedExperimentPatch{ChipType: tsapi.Ptr("550"), BarcodeID: tsapi.Value("IonCode")})
	require.NoError(t, err)
	assert.Equal(t, "550", p.ChipType)
	stored, _ := srv.Experiment(52)
	assert.Equal(t, "550", stored["chipType"], "a plan's chipType is its experiment's")
	assert.Equal(t, "IonCode", *p.BarcodeID)

	_, _, err = c.Experiments.Patch(ctx, 51, &tsapi.ExperimentPatch{Date: tsapi.Ptr(tsapi.Time{})})
	require.NoError(t, err)
	var apiErr *tsapi.APIError
	_, _, err = c.Results.Patch(ctx, 999, &tsapi.ResultPatch{Status: tsapi.Ptr("x")})
	require.True(t, errors.As(err, &apiErr))
	assert.Equal(t, http.StatusNotFound, apiErr.StatusCode)
}
