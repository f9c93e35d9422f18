package tsapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/tsapi-go/tsapi"
	"github.com/tsapi-go/tsapi/tsapitest"
)

// runOracle is what the seeded runs should hold: the fields the model
// test patches, by object.
type runOracle struct {
	repr    map[int64]bool
	ref     map[int64]*string
	status  map[int64]string
	notes   map[int64]*string
	star    map[int64]bool
	chip    map[int64]string // by experiment; a plan shows its experiment's
	flows   map[int64]int64
	pstatus map[int64]string
	fav     map[int64]bool
	planRun map[int64]int64 // plan -> experiment
}

var (
	modelStatuses = []string{"Completed", "Error", "Pending", "Completed with 2 error(s)", "Started"}
	modelI18n     = map[string]string{"Completed": "Completed", "Error": "Error", "Pending": "Other",
		"Completed with 2 error(s)": "Error", "Started": "Progress"}
	modelChips = []string{"530", "540", "550", "P1.1.17"}
)

func clonePtr(p *string) *string {
	if p == nil {
		return nil
	}
	return tsapi.Ptr(*p)
}

// TestRunPatchesModel patches results, experiments and plans at random
// through the generated patch types (fields set to values and to null, a
// plan's chip written through to its run, read-modify-writes, the
// experiment a Torrent Server refuses to patch), with random lists through
// the generated filters in between, against tsapitest; the oracle is the
// fields as patched, and each object and list must show them.
//
// A failure prints its seed; rerun it with
// go test -run TestRunPatchesModel -rapid.seed=N.
func TestRunPatchesModel(t *testing.T) {
	seed, restore := tsapi.RapidSeed(t, 100)
	defer restore()
	// The seed's runs without its plugin results and jobs, which the test
	// does not touch: a case loads it in a few milliseconds.
	b, err := os.ReadFile("testdata/seed.json")
	require.NoError(t, err)
	var full map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(b, &full))
	delete(full, "jobs")
	delete(full, "pluginresults")
	runsOnly, err := json.Marshal(full)
	require.NoError(t, err)
	srv := tsapitest.New(t)
	c, err := srv.AdminClient(tsapi.WithRetry(0, 0, 0))
	require.NoError(t, err)
	ctx := context.Background()
	cases, ops := 0, 0
	began := time.Now()
	rapid.Check(t, func(rt *rapid.T) {
		if err := srv.LoadSeedJSON(runsOnly); err != nil {
			rt.Fatal(err)
		}
		o := newRunOracle(rt, ctx, c)
		n := rapid.IntRange(1, 25).Draw(rt, "operations")
		for range n {
			o.step(rt, ctx, c)
		}
		cases++
		ops += n
	})
	t.Logf("%d cases (shrinking included), %d operations, in %v, seed %d",
		cases, ops, time.Since(began).Round(time.Millisecond), seed)
}

func newRunOracle(rt *rapid.T, ctx context.Context, c *tsapi.Client) *runOracle {
	o := &runOracle{repr: map[int64]bool{}, ref: map[int64]*string{}, status: map[int64]string{}, notes: map[int64]*string{},
		star: map[int64]bool{}, chip: map[int64]string{}, flows: map[int64]int64{}, pstatus: map[int64]string{},
		fav: map[int64]bool{}, planRun: map[int64]int64{}}
	for r, err := range c.Results.All(ctx, nil) {
		must(rt, err)
		o.repr[r.ID], o.ref[r.ID], o.status[r.ID] = r.Representative, clonePtr(r.Reference), r.Status
	}
	for e, err := range c.Experiments.All(ctx, nil) {
		must(rt, err)
		o.notes[e.ID], o.star[e.ID], o.chip[e.ID], o.flows[e.ID] = clonePtr(e.Notes), e.Star, e.ChipType, e.Flows
	}
	for p, err := range c.PlannedExperiments.All(ctx, nil) {
		must(rt, err)
		o.pstatus[p.ID], o.fav[p.ID] = p.PlanStatus, p.IsFavorite
		id, err := p.ExperimentID()
		must(rt, err)
		o.planRun[p.ID] = id
	}
	return o
}

func must(rt *rapid.T, err error) {
	if err != nil {
		rt.Fatal(err)
	}
}

func ids[V any](m map[int64]V) []int64 {
	var out []int64
	for id := range m {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

// step runs one operation and checks what it shows.
func (o *runOracle) step(rt *rapid.T, ctx context.Context, c *tsapi.Client) {
	switch rapid.IntRange(0, 7).Draw(rt, "operation") {
	case 0: // patch a result
		id := rapid.SampledFrom(ids(o.repr)).Draw(rt, "result")
		p := &tsapi.ResultPatch{}
		if rapid.Bool().Draw(rt, "set representative") {
			v := rapid.Bool().Draw(rt, "representative")
			p.Representative, o.repr[id] = tsapi.Ptr(v), v
		}
		switch rapid.IntRange(0, 2).Draw(rt, "reference") {
		case 1:
			v := rapid.SampledFrom([]string{"hg19", "hg38", "GRCh38.p13"}).Draw(rt, "reference value")
			p.Reference, o.ref[id] = tsapi.Value(v), tsapi.Ptr(v)
		case 2:
			p.Reference, o.ref[id] = tsapi.Null[string](), nil
		}
		if rapid.Bool().Draw(rt, "set status") {
			v := rapid.SampledFrom(modelStatuses).Draw(rt, "status")
			p.Status, o.status[id] = tsapi.Ptr(v), v
		}
		if *p == (tsapi.ResultPatch{}) {
			p.Status = tsapi.Ptr(o.status[id])
		}
		_, _, err := c.Results.Patch(ctx, id, p)
		must(rt, err)
		o.checkResult(rt, ctx, c, id)
	case 1: // patch an experiment
		id := rapid.SampledFrom(ids(o.notes)).Draw(rt, "experiment")
		p := &tsapi.ExperimentPatch{Star: tsapi.Ptr(rapid.Bool().Draw(rt, "star"))}
		if rapid.Bool().Draw(rt, "notes null") {
			p.Notes = tsapi.Null[string]()
		} else {
			p.Notes = tsapi.Value(rapid.SampledFrom([]string{"", "rerun", "chip cracked"}).Draw(rt, "notes"))
		}
		if rapid.Bool().Draw(rt, "set chip") {
			p.ChipType = tsapi.Ptr(rapid.SampledFrom(modelChips).Draw(rt, "chip"))
		}
		if rapid.Bool().Draw(rt, "set flows") {
			p.Flows = tsapi.Ptr(rapid.Int64Range(0, 1200).Draw(rt, "flows"))
		}
		_, _, err := c.Experiments.Patch(ctx, id, p)
		if id == 55 { // its log has no runtype: refused, as a Torrent Server does
			if err == nil {
				rt.Fatalf("PATCH of experiment 55 succeeded")
			}
		} else {
			must(rt, err)
			o.star[id] = *p.Star
			if v, ok := p.Notes.Get(); ok {
				o.notes[id] = tsapi.Ptr(v)
			} else {
				o.notes[id] = nil
			}
			if p.ChipType != nil {
				o.chip[id] = *p.ChipType
			}
			if p.Flows != nil {
				o.flows[id] = *p.Flows
			}
		}
		o.checkExperiment(rt, ctx, c, id)
	case 2: // patch a plan: its chip is its run's
		id := rapid.SampledFrom(ids(o.pstatus)).Draw(rt, "plan")
		p := &tsapi.PlannedExperimentPatch{IsFavorite: tsapi.Ptr(rapid.Bool().Draw(rt, "favorite"))}
		if rapid.Bool().Draw(rt, "set plan status") {
			p.PlanStatus = tsapi.Ptr(rapid.SampledFrom([]string{"planned", "reviewed", "run", "inactive"}).Draw(rt, "plan status"))
		}
		if rapid.Bool().Draw(rt, "set plan chip") {
			p.ChipType = tsapi.Ptr(rapid.SampledFrom(modelChips).Draw(rt, "plan chip"))
		}
		got, _, err := c.PlannedExperiments.Patch(ctx, id, p)
		must(rt, err)
		o.fav[id] = *p.IsFavorite
		if p.PlanStatus != nil {
			o.pstatus[id] = *p.PlanStatus
		}
		if p.ChipType != nil {
			o.chip[o.planRun[id]] = *p.ChipType
		}
		o.checkPlan(rt, got)
		o.checkExperiment(rt, ctx, c, o.planRun[id])
	case 3: // read-modify-write: nothing the oracle knows changes
		switch rapid.IntRange(0, 2).Draw(rt, "read-modify-write of") {
		case 0:
			id := rapid.SampledFrom(ids(o.repr)).Draw(rt, "rmw result")
			r, _, err := c.Results.Get(ctx, id)
			must(rt, err)
			_, _, err = c.Results.Patch(ctx, id, r.ToPatch())
			must(rt, err)
			o.checkResult(rt, ctx, c, id)
		case 1:
			id := rapid.SampledFrom(ids(o.notes)).Draw(rt, "rmw experiment")
			e, _, err := c.Experiments.Get(ctx, id)
			must(rt, err)
			if _, _, err = c.Experiments.Patch(ctx, id, e.ToPatch()); id != 55 {
				must(rt, err)
			}
			o.checkExperiment(rt, ctx, c, id)
		default:
			id := rapid.SampledFrom(ids(o.pstatus)).Draw(rt, "rmw plan")
			p, _, err := c.PlannedExperiments.Get(ctx, id)
			must(rt, err)
			got, _, err := c.PlannedExperiments.Patch(ctx, id, p.ToPatch())
			must(rt, err)
			o.checkPlan(rt, got)
		}
	case 4: // list results by representative and status
		repr := rapid.Bool().Draw(rt, "list representative")
		status := rapid.SampledFrom(modelStatuses).Draw(rt, "list status")
		rs, err := c.Results.Collect(ctx, &tsapi.ResultListOptions{Representative: tsapi.Ptr(repr), StatusIn: []string{status, "Completed"}}, 10)
		must(rt, err)
		var want, got []int64
		for _, id := range slices.Backward(ids(o.repr)) {
			if o.repr[id] == repr && (o.status[id] == status || o.status[id] == "Completed") {
				want = append(want, id)
			}
		}
		for _, r := range rs {
			got = append(got, r.ID)
		}
		equal(rt, want, got, "results representative=%v status in %s", repr, status)
	case 5: // list experiments by chip
		chip := rapid.SampledFrom(modelChips).Draw(rt, "list chip")
		es, err := c.Experiments.Collect(ctx, &tsapi.ExperimentListOptions{ChipType: chip}, 10)
		must(rt, err)
		var want, got []int64
		for _, id := range slices.Backward(ids(o.chip)) {
			if o.chip[id] == chip {
				want = append(want, id)
			}
		}
		for _, e := range es {
			got = append(got, e.ID)
		}
		equal(rt, want, got, "experiments on chip %s", chip)
	default: // list plans by favourite, through their runs' chips
		fav := rapid.Bool().Draw(rt, "list favorite")
		chip := rapid.SampledFrom(modelChips).Draw(rt, "list plan chip")
		ps, err := c.PlannedExperiments.Collect(ctx, &tsapi.PlannedExperimentListOptions{IsFavorite: tsapi.Ptr(fav),
			ListOptions: tsapi.ListOptions{Filters: map[string][]string{"experiment__chipType": {chip}}}}, 10)
		must(rt, err)
		var want, got []int64
		for _, id := range slices.Backward(ids(o.fav)) {
			if o.fav[id] == fav && o.chip[o.planRun[id]] == chip {
				want = append(want, id)
			}
		}
		for _, p := range ps {
			got = append(got, p.ID)
		}
		equal(rt, want, got, "plans favorite=%v on chip %s", fav, chip)
	}
}

func equal[T comparable](rt *rapid.T, want, got []T, what string, args ...any) {
	if !slices.Equal(want, got) {
		rt.Fatalf("%s: want %v, got %v", fmt.Sprintf(what, args...), want, got)
	}
}

func sameStr(rt *rapid.T, what string, want, got *string) {
	if (want == nil) != (got == nil) || want != nil && *want != *got {
		rt.Fatalf("%s: want %v, got %v", what, deref(want), deref(got))
	}
}

func deref(p *string) any {
	if p == nil {
		return nil
	}
	return *p
}

func (o *runOracle) checkResult(rt *rapid.T, ctx context.Context, c *tsapi.Client, id int64) {
	r, _, err := c.Results.Get(ctx, id)
	must(rt, err)
	if r.Representative != o.repr[id] || r.Status != o.status[id] {
		rt.Fatalf("result %d: representative %v status %q, want %v %q", id, r.Representative, r.Status, o.repr[id], o.status[id])
	}
	sameStr(rt, fmt.Sprintf("result %d reference", id), o.ref[id], r.Reference)
	if state, _ := r.I18nStatus.GetString("state"); state != modelI18n[r.Status] {
		rt.Fatalf("result %d: i18nstatus state %q for %q", id, state, r.Status)
	}
}

func (o *runOracle) checkExperiment(rt *rapid.T, ctx context.Context, c *tsapi.Client, id int64) {
	e, _, err := c.Experiments.Get(ctx, id)
	must(rt, err)
	if e.Star != o.star[id] || e.ChipType != o.chip[id] || e.Flows != o.flows[id] {
		rt.Fatalf("experiment %d: star %v chip %q flows %d, want %v %q %d", id, e.Star, e.ChipType, e.Flows, o.star[id], o.chip[id], o.flows[id])
	}
	sameStr(rt, fmt.Sprintf("experiment %d notes", id), o.notes[id], e.Notes)
	if want := map[bool]string{true: "True", false: "False"}[o.chip[id][0] == 'P']; e.IsProton != want {
		rt.Fatalf("experiment %d: isProton %q on chip %q", id, e.IsProton, e.ChipType)
	}
}

func (o *runOracle) checkPlan(rt *rapid.T, p *tsapi.PlannedExperiment) {
	if p == nil {
		rt.Fatalf("a plan PATCH answered without the plan")
	}
	if p.IsFavorite != o.fav[p.ID] || p.PlanStatus != o.pstatus[p.ID] || p.ChipType != o.chip[o.planRun[p.ID]] {
		rt.Fatalf("plan %d: favorite %v status %q chip %q, want %v %q %q", p.ID, p.IsFavorite, p.PlanStatus, p.ChipType,
			o.fav[p.ID], o.pstatus[p.ID], o.chip[o.planRun[p.ID]])
	}
}
