package tsapi_test

import (
	"context"
	"fmt"
	"log"
	"strings"
	"time"

	"github.com/tsapi-go/tsapi"
	"github.com/tsapi-go/tsapi/tsapitest"
)

// runsServer starts a fake Torrent Server with one sequencing run analysed
// twice today and once two days ago, plugins run on each, standing in for
// https://ts.example.org in these examples.
func runsServer() *tsapitest.Server {
	srv := tsapitest.NewServer()
	now := time.Now().UTC()
	srv.AddPlugin(tsapitest.Plugin{ID: 1, Name: "variantCaller", Version: "5.18.0.1", Active: true, Selected: true})
	srv.AddPlugin(tsapitest.Plugin{ID: 2, Name: "coverageAnalysis", Version: "5.18.0.3", Active: true, Selected: true})
	srv.AddExperiment(map[string]any{"id": 7, "expName": "R_2024_05_06_S5-0042", "chipType": "540", "pgmName": "S5XL0042",
		"date": now.Add(-50 * time.Hour), "unique": "/rawdata/S5XL0042/R_2024_05_06_S5-0042", "status": "run",
		"log": map[string]any{"runtype": "AMPS"}})
	for _, r := range []struct {
		id   int64
		name string
		age  time.Duration
		tvc  string // the state of variantCaller's job
		cov  string // and of coverageAnalysis's
	}{
		{11, "Auto_S5-0042_11", 49 * time.Hour, "Error", "Completed"},
		{12, "Auto_S5-0042_12", 5 * time.Hour, "Error", "Completed"},
		{13, "Auto_S5-0042_13", 2 * time.Hour, "Completed", "Error"},
	} {
		srv.AddResult(tsapitest.Result{ID: r.id, Name: r.name, TimeStamp: now.Add(-r.age)})
		srv.SetResultFields(r.id, map[string]any{"experiment": 7})
		tvc := srv.AddPluginResult(tsapitest.PluginResult{Result: r.id, Plugin: 1})
		start := now.Add(-r.age + time.Hour)
		srv.AddJob(tsapitest.Job{PluginResult: tvc, State: r.tvc, RunLevel: "default", StartTime: &start})
		cov := srv.AddPluginResult(tsapitest.PluginResult{Result: r.id, Plugin: 2})
		srv.AddJob(tsapitest.Job{PluginResult: cov, State: r.cov, RunLevel: "default", StartTime: &start})
	}
	return srv
}

// Relaunch a plugin on every analysis result of the last day where its
// latest run failed.
func Example_relaunchFailedPlugin() {
	srv := runsServer() // a fake server; use tsapi.New("https://ts.example.org", ...)
	defer srv.Close()
	client, err := srv.AdminClient()
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	const plugin = "variantCaller"
	since := time.Now().Add(-24 * time.Hour)
	for r, err := range client.Results.All(ctx, &tsapi.ResultListOptions{TimeStampGte: &since}) {
		if err != nil {
			log.Fatal(err)
		}
		// The plugin's latest run on the result: plugin results come
		// newest first.
		prs, _, err := client.PluginResults.List(ctx, &tsapi.PluginResultListOptions{
			Result: tsapi.Ptr(r.ID), PluginName: plugin, ListOptions: tsapi.ListOptions{Limit: 1}})
		if err != nil {
			log.Fatal(err)
		}
		if len(prs) == 0 || prs[0].State != tsapi.StateError {
			continue
		}
		if _, err := client.Plugins.Launch(ctx, r.ID, &tsapi.LaunchRequest{Plugin: plugin}); err != nil {
			log.Fatal(err)
		}
		fmt.Printf("relaunched %s on %s (its last run: %s)\n", plugin, r.ResultsName, prs[0].State)
	}
	// Output:
	// relaunched variantCaller on Auto_S5-0042_12 (its last run: Error)
}

// List a sequencing run's plugin jobs with their states: the run, its
// analysis results, their plugin results and the jobs embedded in them.
func Example_runPluginJobs() {
	srv := runsServer()
	defer srv.Close()
	client, err := srv.AdminClient()
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	runs, err := client.Experiments.Collect(ctx, &tsapi.ExperimentListOptions{ExpName: "R_2024_05_06_S5-0042"}, 1)
	if err != nil {
		log.Fatal(err)
	}
	run := runs[0]
	fmt.Printf("%s (chip %s, %s)\n", run.ExpName, run.ChipType, run.RunType)
	for r, err := range client.ResultsOf(ctx, run) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("  %s\n", r.ResultsName)
		for pr, err := range client.PluginResultsOf(ctx, r) {
			if err != nil {
				log.Fatal(err)
			}
			var states []string
			for _, j := range pr.Jobs {
				states = append(states, fmt.Sprintf("%s %s", j.RunLevel, j.State))
			}
			fmt.Printf("    %-16s %s\n", pr.PluginName, strings.Join(states, ", "))
		}
	}
	// Output:
	// R_2024_05_06_S5-0042 (chip 540, AMPS)
	//   Auto_S5-0042_13
	//     coverageAnalysis default Error
	//     variantCaller    default Completed
	//   Auto_S5-0042_12
	//     coverageAnalysis default Completed
	//     variantCaller    default Error
	//   Auto_S5-0042_11
	//     coverageAnalysis default Completed
	//     variantCaller    default Error
}

// Follow a plugin job to the run it belongs to, as a program watching jobs
// does when one fails.
func ExampleClient_RunOfJob() {
	srv := runsServer()
	defer srv.Close()
	client, err := srv.AdminClient()
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	jobs, _, err := client.PluginResultJobs.List(ctx, &tsapi.PluginResultJobListOptions{State: tsapi.StateError})
	if err != nil {
		log.Fatal(err)
	}
	for _, j := range jobs {
		run, err := client.RunOfJob(ctx, j.ID)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("job %d: %s on %s, run %s (chip %s)\n", j.ID, run.PluginResult.PluginName,
			run.Result.ResultsName, run.Experiment.ExpName, run.Experiment.ChipType)
	}
	// Output:
	// job 6: coverageAnalysis on Auto_S5-0042_13, run R_2024_05_06_S5-0042 (chip 540)
	// job 3: variantCaller on Auto_S5-0042_12, run R_2024_05_06_S5-0042 (chip 540)
	// job 1: variantCaller on Auto_S5-0042_11, run R_2024_05_06_S5-0042 (chip 540)
}
