package conformance

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tsapi-go/tsapi"
)

// runResources are the generated resources and their seeded ids.
var runResources = []struct {
	name string
	ids  []int64
}{
	{"results", []int64{103, 102, 101}},
	{"experiment", []int64{55, 54, 53, 52, 51, 50}},
	{"plannedexperiment", []int64{64, 63, 62, 61, 60}},
}

// rawObject GETs path and decodes the object.
func (s *suite) rawObject(t *testing.T, path string) map[string]any {
	t.Helper()
	resp, b := s.raw(t, "GET", path, "", true)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s: %s", path, b)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	return m
}

// filterCase is a list's options and the ids it must list, in order.
type filterCase[O any] struct {
	opts *O
	want []int64
}

// checkFilters collects each case's objects (at most 10) and checks their
// ids.
func checkFilters[T, O any](t *testing.T, ctx context.Context, collect func(context.Context, *O, int) ([]*T, error), id func(*T) int64, cases []filterCase[O]) {
	t.Helper()
	for _, tc := range cases {
		objs, err := collect(ctx, tc.opts, 10)
		require.NoError(t, err, "%+v", tc.opts)
		var got []int64
		for _, o := range objs {
			got = append(got, id(o))
		}
		assert.Equal(t, tc.want, got, "%+v", tc.opts)
	}
}

// runs checks results, experiment and plannedexperiment: schemas, lists,
// filters, the computed fields, writes and the links between them.
func (s *suite) runs(t *testing.T) {
	c := s.admin(t)
	for _, r := range runResources {
		s.check(t, r.name+"/schema equals the snapshot of Torrent Suite 5.18", func(t *testing.T) {
			_, b := s.raw(t, "GET", "/rundb/api/v1/"+r.name+"/schema/", "", true)
			want, err := os.ReadFile(filepath.Join(filepath.Dir(SeedPath()), "..", "tsapitest", "schema", r.name+".json"))
			require.NoError(t, err)
			var got, snap map[string]any
			require.NoError(t, json.Unmarshal(b, &got))
			require.NoError(t, json.Unmarshal(want, &snap))
			for _, m := range []map[string]any{got, snap} { // Python 2 dict order on a real server
				o, _ := m["ordering"].([]any)
				slices.SortFunc(o, func(a, b any) int { return strings.Compare(a.(string), b.(string)) })
			}
			assert.Equal(t, snap, got)
		})
		s.check(t, r.name+"/list is newest first", func(t *testing.T) {
			resp, b := s.raw(t, "GET", "/rundb/api/v1/"+r.name+"/?limit=100", "", true)
			require.Equal(t, http.StatusOK, resp.StatusCode)
			meta, objs := rawMeta(t, b)
			assert.EqualValues(t, len(r.ids), meta["total_count"])
			var got []int64
			for _, o := range objs {
				got = append(got, int64(o["id"].(float64)))
			}
			assert.Equal(t, r.ids, got)
		})
	}
	s.check(t, "runs/no drift from the generated services", func(t *testing.T) {
		for _, check := range []func() (*tsapi.SchemaDrift, error){
			func() (*tsapi.SchemaDrift, error) { d, _, err := c.Results.CheckSchema(s.ctx); return d, err },
			func() (*tsapi.SchemaDrift, error) { d, _, err := c.Experiments.CheckSchema(s.ctx); return d, err },
			func() (*tsapi.SchemaDrift, error) {
				d, _, err := c.PlannedExperiments.CheckSchema(s.ctx)
				return d, err
			},
		} {
			d, err := check()
			require.NoError(t, err)
			assert.True(t, d.Empty(), d.String())
		}
	})
	s.check(t, "results/detail: links, nested storage and computed fields", func(t *testing.T) {
		r, _, err := c.Results.Get(s.ctx, 101)
		require.NoError(t, err)
		assert.Equal(t, "/rundb/api/v1/experiment/51/", *r.Experiment)
		assert.Equal(t, "/rundb/api/v1/experimentanalysissettings/151/", *r.EAS)
		dir, _ := r.ReportStorage.GetString("dirPath")
		assert.Equal(t, "/results/analysis/output", dir)
		uri, _ := r.ReportStorage.GetString("resource_uri")
		assert.Equal(t, "", uri, "ReportStorageResource is not registered")
		assert.Equal(t, "/results/analysis/output/Home/Auto_user_S5-0101-tsapi_101_101", r.FilesystemPath)
		assert.Equal(t, "/output/Home/Auto_user_S5-0101-tsapi_101_101/download_links/R_2017_07_30_17_26_03_user_S5-0101-tsapi_Auto_user_S5-0101-tsapi_101.bam", r.BamLink)
		assert.Equal(t, "P61AB", r.PlanShortID)
		state, _ := r.I18nStatus.GetString("state")
		assert.Equal(t, "Completed", state)
		assert.Len(t, r.PluginResults, 10)
		assert.Equal(t, "/rundb/api/v1/pluginresult/10/", r.PluginResults[0], "newest first")
		states, err := r.PluginStates()
		require.NoError(t, err)
		assert.Len(t, states, 4, "one state per plugin")
		assert.Equal(t, 23456, int(*r.DiskUsage))
		assert.Equal(t, 20*3600+26*60+3, r.TimeStamp.Hour()*3600+r.TimeStamp.Minute()*60+r.TimeStamp.Second())
	})
	s.check(t, "results/pluginState in a detail, in a list only with plugin=true", func(t *testing.T) {
		assert.Contains(t, s.rawObject(t, "/rundb/api/v1/results/102/"), "pluginState")
		_, objs := rawMeta(t, s.rawBody(t, "/rundb/api/v1/results/?id=102"))
		require.Len(t, objs, 1)
		assert.NotContains(t, objs[0], "pluginState")
		_, objs = rawMeta(t, s.rawBody(t, "/rundb/api/v1/results/?id=102&plugin=true"))
		require.Len(t, objs, 1)
		assert.Contains(t, objs[0], "pluginStore")
		assert.NotContains(t, s.rawObject(t, "/rundb/api/v1/results/102/?noplugin=1"), "pluginState")
	})
	s.check(t, "results/filters", func(t *testing.T) {
		since := time.Date(2017, 7, 31, 0, 0, 0, 0, time.UTC)
		checkFilters(t, s.ctx, c.Results.Collect, func(r *tsapi.Result) int64 { return r.ID }, []filterCase[tsapi.ResultListOptions]{
			{&tsapi.ResultListOptions{TimeStampGte: &since}, []int64{103, 102}},
			{&tsapi.ResultListOptions{Experiment: tsapi.Ptr[int64](52)}, []int64{102}},
			{&tsapi.ResultListOptions{ExperimentIn: []int64{51, 53}}, []int64{103, 101}},
			{&tsapi.ResultListOptions{ReferenceIsNull: tsapi.Ptr(true)}, []int64{102}},
			{&tsapi.ResultListOptions{MetaDataContains: "thumb"}, []int64{102}},
			{&tsapi.ResultListOptions{Representative: tsapi.Ptr(true)}, []int64{101}},
			{&tsapi.ResultListOptions{DiskUsageGt: tsapi.Ptr[int64](1000)}, []int64{101}},
			{&tsapi.ResultListOptions{ListOptions: tsapi.ListOptions{Filters: map[string][]string{"experiment__chipType": {"P1.1.17"}}}}, []int64{103}},
			{&tsapi.ResultListOptions{ListOptions: tsapi.ListOptions{OrderBy: []string{"runid"}}}, []int64{103, 101, 102}},
		})
	})
	s.check(t, "runs/filters the schema does not allow", func(t *testing.T) {
		for path, msg := range map[string]string{
			"results/?pluginresults=1":      "The 'pluginresults' field does not allow filtering.",
			"results/?bamLink=x":            "The 'bamLink' field does not allow filtering.",
			"experiment/?runtype=GENS":      "The 'runtype' field does not allow filtering.",
			"plannedexperiment/?parentPlan": "The 'parentPlan' field has no 'attribute' for searching with.",
			"results/?order_by=bamLink":     "The 'bamLink' field does not allow ordering.",
		} {
			resp, b := s.raw(t, "GET", "/rundb/api/v1/"+path, "", true)
			assert.Equal(t, http.StatusBadRequest, resp.StatusCode, path)
			assert.JSONEq(t, `{"error": "`+msg+`"}`, string(b), path)
		}
		_, b := s.raw(t, "GET", "/rundb/api/v1/results/?pluginresult_set=1", "", true)
		meta, _ := rawMeta(t, b)
		assert.EqualValues(t, 3, meta["total_count"], "a filtering name that is no field is ignored")
	})
	s.check(t, "experiment/detail: nested settings, runtype, plan", func(t *testing.T) {
		e, _, err := c.Experiments.Get(s.ctx, 53)
		require.NoError(t, err)
		assert.Equal(t, "WGNM", e.RunType)
		assert.Equal(t, "True", e.IsProton)
		assert.Equal(t, "/rundb/api/v1/plannedexperiment/63/", *e.Plan)
		assert.Equal(t, []string{"/rundb/api/v1/results/103/"}, e.Results)
		require.Len(t, e.EASSet, 1)
		args, _ := e.EASSet[0].GetString("analysisargs")
		assert.Equal(t, "Analysis --from-beadfind", args)
		assert.InDelta(t, 0.25, *e.ChipTecSlope, 0)
		assert.InDelta(t, 100, e.ChefProgress, 0)
		require.NotNil(t, e.ChefStartTime)
		e, _, err = c.Experiments.Get(s.ctx, 52)
		require.NoError(t, err)
		assert.Equal(t, "GENS", e.RunType, "an empty log: GENS")
		e, _, err = c.Experiments.Get(s.ctx, 55)
		require.NoError(t, err)
		assert.Nil(t, e.Plan)
	})
	s.check(t, "experiment/filters, floats and settings included", func(t *testing.T) {
		checkFilters(t, s.ctx, c.Experiments.Collect, func(e *tsapi.Experiment) int64 { return e.ID }, []filterCase[tsapi.ExperimentListOptions]{
			{&tsapi.ExperimentListOptions{StatusIn: []string{"planned", "inactive"}}, []int64{54, 50}},
			{&tsapi.ExperimentListOptions{ChipTecSlopeGte: tsapi.Ptr(0.1)}, []int64{53}},
			{&tsapi.ExperimentListOptions{PlanIsNull: tsapi.Ptr(true)}, []int64{55}},
			{&tsapi.ExperimentListOptions{EASSet: tsapi.Ptr[int64](152)}, []int64{52}},
			{&tsapi.ExperimentListOptions{ChipTypeStartsWith: "P1"}, []int64{53}},
			{&tsapi.ExperimentListOptions{Star: tsapi.Ptr(true)}, []int64{52}},
			{&tsapi.ExperimentListOptions{ListOptions: tsapi.ListOptions{Filters: map[string][]string{"plan__planStatus": {"planned"}}}}, []int64{54}},
		})
	})
	s.check(t, "plannedexperiment/fields read from its run and settings", func(t *testing.T) {
		p, _, err := c.PlannedExperiments.Get(s.ctx, 62)
		require.NoError(t, err)
		assert.Equal(t, "540", p.ChipType)
		assert.Equal(t, "/rundb/api/v1/experiment/52/", *p.Experiment)
		assert.Nil(t, p.BedFile, "the settings' targetRegionBedFile is null")
		assert.Nil(t, p.BarcodeID)
		meta, _ := p.MetaData.GetString("note")
		assert.Equal(t, "reanalysed", meta, "metaData is the experiment's")
		p, _, err = c.PlannedExperiments.Get(s.ctx, 61)
		require.NoError(t, err)
		assert.Equal(t, "Germline", p.VariantFrequency)
		assert.Equal(t, "BaseCaller --barcode-filter-minreads 10", p.BasecallerArgs)
		p, _, err = c.PlannedExperiments.Get(s.ctx, 63)
		require.NoError(t, err)
		chef, _ := p.ChefInfo.GetString("chefInstrumentName")
		assert.Equal(t, "CHEF0007", chef)
		require.NotNil(t, p.ChipTecSlope)
		ps, err := c.PlannedExperiments.Collect(s.ctx, &tsapi.PlannedExperimentListOptions{PlanExecuted: tsapi.Ptr(false)}, 10)
		require.NoError(t, err)
		require.Len(t, ps, 2)
		assert.Equal(t, []int64{64, 60}, []int64{ps[0].ID, ps[1].ID})
		ps, err = c.PlannedExperiments.Collect(s.ctx, &tsapi.PlannedExperimentListOptions{Experiment: tsapi.Ptr[int64](53)}, 10)
		require.NoError(t, err)
		require.Len(t, ps, 1)
		assert.Equal(t, int64(63), ps[0].ID)
	})
	s.check(t, "runs/read-modify-write of every seeded object changes nothing", func(t *testing.T) {
		defer s.tg.Reset(t)
		for _, r := range runResources {
			for _, id := range r.ids {
				path := "/rundb/api/v1/" + r.name + "/" + itoa(id) + "/"
				before := s.rawObject(t, path)
				var err error
				switch r.name {
				case "results":
					var x *tsapi.Result
					if x, _, err = c.Results.Get(s.ctx, id); err == nil {
						_, _, err = c.Results.Patch(s.ctx, id, x.ToPatch())
					}
				case "experiment":
					var x *tsapi.Experiment
					if x, _, err = c.Experiments.Get(s.ctx, id); err == nil {
						_, _, err = c.Experiments.Patch(s.ctx, id, x.ToPatch())
					}
				default:
					var x *tsapi.PlannedExperiment
					if x, _, err = c.PlannedExperiments.Get(s.ctx, id); err == nil {
						_, _, err = c.PlannedExperiments.Patch(s.ctx, id, x.ToPatch())
					}
				}
				switch {
				case r.name == "experiment" && id == 55:
					// Its log has no runtype: hydrate_runtype fails (KeyError).
					assert.ErrorIs(t, err, tsapi.ErrServer, path)
				case r.name == "experiment" && len(before["log"].(map[string]any)) == 0:
					// Every PATCH of an experiment with an empty log writes
					// the runtype it shows into the log (hydrate_runtype sets
					// it on the stored log): the one change a Torrent Server
					// cannot be kept from making.
					assert.NoError(t, err, path)
					before["log"] = map[string]any{"runtype": before["runtype"]}
				default:
					assert.NoError(t, err, path)
				}
				assert.Equal(t, before, s.rawObject(t, path), path)
			}
		}
	})
	s.check(t, "runs/PATCH answers: empty for results, the object for experiment and plan", func(t *testing.T) {
		defer s.tg.Reset(t)
		resp, b := s.raw(t, "PATCH", "/rundb/api/v1/results/102/", `{"representative": true, "reference": "hg38"}`, true)
		assert.Equal(t, http.StatusAccepted, resp.StatusCode)
		assert.Empty(t, b)
		r := s.rawObject(t, "/rundb/api/v1/results/102/")
		assert.Equal(t, true, r["representative"])
		assert.Equal(t, "hg38", r["reference"])

		e, _, err := c.Experiments.Patch(s.ctx, 51, &tsapi.ExperimentPatch{Notes: tsapi.Value("rerun"), ChefProgress: tsapi.Ptr(12.5)})
		require.NoError(t, err)
		require.NotNil(t, e)
		assert.Equal(t, "rerun", *e.Notes)
		assert.InDelta(t, 12.5, e.ChefProgress, 0)
		assert.Equal(t, "AMPS", e.RunType)

		p, _, err := c.PlannedExperiments.Patch(s.ctx, 62, &tsapi.PlannedExperimentPatch{ChipType: tsapi.Ptr("550"), PlanStatus: tsapi.Ptr("reviewed")})
		require.NoError(t, err)
		require.NotNil(t, p)
		assert.Equal(t, "550", p.ChipType)
		assert.Equal(t, "reviewed", p.PlanStatus)
		assert.Equal(t, "550", s.rawObject(t, "/rundb/api/v1/experiment/52/")["chipType"], "the plan's chip is its run's")
	})
	s.check(t, "experiment/a PATCH that sends the log loses its runtype", func(t *testing.T) {
		defer s.tg.Reset(t)
		before := s.rawObject(t, "/rundb/api/v1/experiment/51/")
		log, _ := json.Marshal(before["log"])
		resp, _ := s.raw(t, "PATCH", "/rundb/api/v1/experiment/51/", `{"log": `+string(log)+`}`, true)
		require.Equal(t, http.StatusAccepted, resp.StatusCode)
		after := s.rawObject(t, "/rundb/api/v1/experiment/51/")
		assert.Equal(t, "GENS", after["runtype"])
		assert.NotContains(t, after["log"], "runtype")
		resp, _ = s.raw(t, "PATCH", "/rundb/api/v1/experiment/51/", `{"log": {"chiptype": "530"}}`, true)
		assert.Equal(t, http.StatusInternalServerError, resp.StatusCode, "a log without runtype: KeyError")
	})
	s.check(t, "runs/writes need the permission", func(t *testing.T) {
		reader := s.client(t, tsapi.WithBasicAuth("ionreader", s.seed.User("ionreader").Password))
		_, _, err := reader.Experiments.Patch(s.ctx, 51, &tsapi.ExperimentPatch{Star: tsapi.Ptr(true)})
		assert.ErrorIs(t, err, tsapi.ErrForbidden, "401 without WWW-Authenticate")
		_, _, err = reader.Results.Patch(s.ctx, 101, &tsapi.ResultPatch{Representative: tsapi.Ptr(false)})
		assert.ErrorIs(t, err, tsapi.ErrForbidden)
		_, _, err = reader.PlannedExperiments.Patch(s.ctx, 61, &tsapi.PlannedExperimentPatch{IsFavorite: tsapi.Ptr(true)})
		assert.ErrorIs(t, err, tsapi.ErrForbidden)
	})
	s.check(t, "runs/a job's run, followed link by link", func(t *testing.T) {
		run, err := c.RunOfJob(s.ctx, 15)
		require.NoError(t, err)
		assert.Equal(t, int64(15), run.PluginResult.ID)
		assert.Equal(t, int64(102), run.Result.ID)
		assert.Equal(t, int64(52), run.Experiment.ID)
		plan, _, err := c.PlanOf(s.ctx, run.Experiment)
		require.NoError(t, err)
		assert.Equal(t, int64(62), plan.ID)
		e, _, err := c.Experiments.Get(s.ctx, 55)
		require.NoError(t, err)
		_, _, err = c.PlanOf(s.ctx, e)
		assert.ErrorIs(t, err, tsapi.ErrNoLink)
	})
	s.check(t, "results/DELETE takes the plugin results and jobs along", func(t *testing.T) {
		defer s.tg.Reset(t)
		_, err := c.Results.Delete(s.ctx, 103)
		require.NoError(t, err)
		n, _, err := c.PluginResults.Count(s.ctx, &tsapi.PluginResultListOptions{Result: tsapi.Ptr[int64](103)})
		require.NoError(t, err)
		assert.Zero(t, n)
		_, _, err = c.PluginResultJobs.Get(s.ctx, 21)
		assert.ErrorIs(t, err, tsapi.ErrNotFound, "job 21 belonged to plugin result 21, of result 103")
	})
}

// rawBody GETs path as ionadmin and returns the body.
func (s *suite) rawBody(t *testing.T, path string) []byte {
	t.Helper()
	_, b := s.raw(t, "GET", path, "", true)
	return b
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
