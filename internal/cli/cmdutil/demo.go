package cmdutil

import (
	"fmt"
	"time"

	"github.com/tsapi-go/tsapi"
	"github.com/tsapi-go/tsapi/tsapitest"
)

// SeedDemo fills the fake server with plugins, plans, sequencing runs and
// their analysis results, plugin results on them, and 2,500 jobs: more
// than one page of the server's 1000-object cap.
func SeedDemo(s *tsapitest.Server) {
	start := time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)
	s.AddPlugin(tsapitest.Plugin{ID: 1, Name: "variantCaller", Version: "5.18.0.1", Active: true, Selected: true,
		PluginSettings: map[string]any{"runlevels": []any{"default"}}})
	s.AddPlugin(tsapitest.Plugin{ID: 2, Name: "coverageAnalysis", Version: "5.18.0.3", Active: true, Selected: true})
	seedDemoRuns(s, start)
	states := tsapi.JobStates
	for pr := int64(1); pr <= 25; pr++ {
		result := []int64{101, 102, 103}[pr%3]
		s.AddPluginResult(tsapitest.PluginResult{ID: pr, Result: result, Plugin: 1 + pr%2, APIKey: fmt.Sprintf("demo-plugin-key-%d", pr)})
		for k := range 100 {
			id := (pr-1)*100 + int64(k) + 1
			st := states[int(id)%len(states)]
			j := tsapitest.Job{ID: id, PluginResult: pr, State: string(st), RunLevel: string(tsapi.RunLevels[int(id)%len(tsapi.RunLevels)]),
				Config: map[string]any{"threads": 4, "reference": "hg19"}}
			if st != tsapi.StatePending && st != tsapi.StateQueued {
				t0 := start.Add(time.Duration(id) * time.Minute)
				j.StartTime = &t0
				if st.IsTerminal() {
					t1 := t0.Add(17 * time.Minute)
					j.EndTime = &t1
					j.GridEngineJobID = tsapi.Ptr[int64](-1)
				} else {
					j.GridEngineJobID = tsapi.Ptr(100000 + id)
				}
			}
			s.AddJob(j)
		}
	}
}

// seedDemoRuns adds two plan templates (one Torrent Suite's own), three
// plans, the runs of two of them on two instruments, and four analysis
// results: 101 and 102 of the first run (the second a reanalysis), 103 of
// the second, which failed, and 104, still running, of a run without a
// plan.
func seedDemoRuns(s *tsapitest.Server, start time.Time) {
	day := func(n int) time.Time { return start.Add(time.Duration(n) * 24 * time.Hour) }
	for _, p := range []map[string]any{
		{"id": 60, "planName": "Ion_AmpliSeq_Exome_template", "planDisplayedName": "Ion AmpliSeq Exome", "planShortID": "SYS60",
			"isReusable": true, "isSystem": true, "runType": "AMPS_EXOME", "date": day(-30), "username": "ionadmin"},
		{"id": 61, "planName": "Oncomine_Focus_DNA_template", "planDisplayedName": "Oncomine Focus DNA", "planShortID": "TMPL6",
			"isReusable": true, "isFavorite": true, "runType": "AMPS", "date": day(-10), "username": "lab"},
		{"id": 62, "planName": "Oncomine_Focus_run_0101", "planShortID": "P62AB", "planStatus": "run", "planExecuted": true,
			"planExecutedDate": day(0), "runType": "AMPS", "date": day(-1), "username": "lab", "planPGM": "S5XL0101",
			"expName": "R_2026_11_02_08_00_00_user_S5-0101-demo"},
		{"id": 63, "planName": "Oncomine_Focus_run_0102", "planShortID": "P63CD", "planStatus": "run", "planExecuted": true,
			"planExecutedDate": day(1), "runType": "AMPS", "date": day(0), "username": "lab", "planPGM": "S5XL0102",
			"expName": "R_2026_11_03_08_00_00_user_S5-0102-demo"},
		{"id": 64, "planName": "Oncomine_Focus_run_0103", "planShortID": "P64EF", "planStatus": "planned", "runType": "AMPS",
			"date": day(2), "username": "lab"},
	} {
		s.AddPlan(p)
	}
	for _, e := range []map[string]any{
		{"id": 51, "expName": "R_2026_11_02_08_00_00_user_S5-0101-demo", "pgmName": "S5XL0101", "chipType": "540", "plan": 62,
			"date": day(0), "status": "run", "ftpStatus": "Complete", "flows": 500, "log": map[string]any{"runtype": "AMPS"}},
		{"id": 52, "expName": "R_2026_11_03_08_00_00_user_S5-0102-demo", "pgmName": "S5XL0102", "chipType": "530", "plan": 63,
			"date": day(1), "status": "run", "ftpStatus": "Complete", "flows": 500, "log": map[string]any{"runtype": "AMPS"}},
		{"id": 53, "expName": "R_2026_11_04_08_00_00_user_S5-0101-demo", "pgmName": "S5XL0101", "chipType": "540",
			"date": day(2), "status": "run", "ftpStatus": "Transferring", "flows": 500, "log": map[string]any{"runtype": "WGNM"}},
	} {
		e["displayName"], e["platform"] = e["expName"], "S5"
		e["expDir"] = "/rawdata/" + e["pgmName"].(string) + "/" + e["expName"].(string)
		s.AddExperiment(e)
	}
	for _, r := range []struct {
		id         int64
		name       string
		status     string
		experiment int64
		at         time.Time
	}{
		{101, "Auto_user_S5-0101-demo_101", "Completed", 51, day(0).Add(5 * time.Hour)},
		{102, "Auto_user_S5-0101-demo_reanalysis_102", "Completed", 51, day(1).Add(2 * time.Hour)},
		{103, "Auto_user_S5-0102-demo_103", "Error", 52, day(1).Add(6 * time.Hour)},
		{104, "Auto_user_S5-0101-demo_104", "Started", 53, day(2).Add(3 * time.Hour)},
	} {
		s.AddResult(tsapitest.Result{ID: r.id, Name: r.name, Status: r.status, TimeStamp: r.at})
		s.SetResultFields(r.id, map[string]any{"experiment": r.experiment, "reference": "hg19", "analysisVersion": "db:5.18.1,an:5.18.3,"})
	}
}
