package tsapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"maps"
	"net/http"
	"slices"
	"time"

	"github.com/tsapi-go/tsapi"
	"github.com/tsapi-go/tsapi/tsapitest"
)

// exampleServerWithResults is exampleServer with more plugins and plugin
// results: coverageAnalysis (plugin 2) ran on report 101 (plugin result 6,
// job 22 Completed), variantCaller ran on report 102 (plugin result 7,
// job 23 Error, owned by ionuser); FilterDuplicates (plugin 3) is
// installed but disabled, and oldPlugin (plugin 4) is uninstalled.
func exampleServerWithResults() *tsapitest.Server {
	srv := exampleServer()
	srv.AddPlugin(tsapitest.Plugin{ID: 2, Name: "coverageAnalysis", Version: "5.18.0.3", Active: true, Selected: true,
		Config: map[string]any{"min_depth": 10}})
	srv.AddPlugin(tsapitest.Plugin{ID: 3, Name: "FilterDuplicates", Version: "5.18.0.0", Active: true})
	srv.AddPlugin(tsapitest.Plugin{ID: 4, Name: "oldPlugin", Version: "1.0"})
	srv.AddResult(tsapitest.Result{ID: 102, Name: "Auto_user_S5-0102"})
	srv.AddPluginResult(tsapitest.PluginResult{ID: 6, Result: 101, Plugin: 2,
		Store: map[string]any{"mean_depth": 512}, Size: 2048, Inodes: 12})
	srv.AddPluginResult(tsapitest.PluginResult{ID: 7, Result: 102, Plugin: 1, Owner: tsapitest.IonUser, Size: -1, Inodes: -1})
	srv.AddJob(tsapitest.Job{ID: 22, PluginResult: 6, State: "Completed"})
	srv.AddJob(tsapitest.Job{ID: 23, PluginResult: 7, State: "Error"})
	return srv
}

func ExampleAPIError() {
	srv := exampleServer()
	defer srv.Close()
	client, err := tsapi.New(srv.URL(), tsapi.WithBasicAuth("ionadmin", "ionadmin"),
		tsapi.WithRetry(1, time.Millisecond, time.Millisecond))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	_, _, err = client.PluginResultJobs.Get(ctx, 999)
	var apiErr *tsapi.APIError
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.Method, apiErr.StatusCode, apiErr.Message)
	}
	fmt.Println(errors.Is(err, tsapi.ErrNotFound))

	// A server being upgraded shows an HTML maintenance page: the library
	// resends a read as WithRetry allows, then reports the page's title.
	srv.FailNext(2, http.StatusServiceUnavailable)
	_, _, err = client.PluginResultJobs.Get(ctx, 19)
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.StatusCode, apiErr.Message, apiErr.Attempts, apiErr.Temporary())
	}
	fmt.Println(errors.Is(err, tsapi.ErrUnavailable), errors.Is(err, tsapi.ErrServer))
	// Output:
	// GET 404 Not Found
	// true
	// 503 Torrent Server - Maintenance 2 true
	// true true
}

func ExamplePluginResultJobService_Pages() {
	srv := exampleServer()
	defer srv.Close()
	client, err := tsapi.New(srv.URL(), tsapi.WithBasicAuth("ionadmin", "ionadmin"))
	if err != nil {
		log.Fatal(err)
	}

	// Page by page, for a progress report: Meta says where each page
	// stands among the jobs that matched when the iteration began.
	opts := &tsapi.PluginResultJobListOptions{ListOptions: tsapi.ListOptions{Limit: 2}}
	for page, err := range client.PluginResultJobs.Pages(context.Background(), opts) {
		if err != nil {
			log.Fatal(err)
		}
		var ids []int64
		for _, j := range page.Objects {
			ids = append(ids, j.ID)
		}
		fmt.Printf("%d-%d of %d: %v\n", page.Meta.Offset+1, page.Meta.Offset+len(ids), page.Meta.TotalCount, ids)
	}
	// Output:
	// 1-2 of 5: [21 20]
	// 3-4 of 5: [19 18]
	// 5-5 of 5: [17]
}

func ExamplePluginResultJobService_Collect() {
	srv := exampleServer()
	defer srv.Close()
	client, err := tsapi.New(srv.URL(), tsapi.WithBasicAuth("ionadmin", "ionadmin"))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	// Every failed job, as a slice; the cap guards memory.
	failed, err := client.PluginResultJobs.Collect(ctx, &tsapi.PluginResultJobListOptions{State: tsapi.StateError}, 100)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(failed), failed[0].ID)

	// More jobs match than the cap: the first ones and ErrTooMany, never a
	// list silently cut short.
	jobs, err := client.PluginResultJobs.Collect(ctx, nil, 3)
	fmt.Println(len(jobs), errors.Is(err, tsapi.ErrTooMany))
	// Output:
	// 1 18
	// 3 true
}

func ExamplePluginResultJobService_Count() {
	srv := exampleServer()
	defer srv.Close()
	client, err := tsapi.New(srv.URL(), tsapi.WithBasicAuth("ionadmin", "ionadmin"))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	// One small request per state, whatever the number of jobs.
	for _, st := range []tsapi.JobState{tsapi.StateQueued, tsapi.StateStarted, tsapi.StateError} {
		n, _, err := client.PluginResultJobs.Count(ctx, &tsapi.PluginResultJobListOptions{State: st})
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(st, n)
	}
	// Output:
	// Queued 1
	// Started 1
	// Error 1
}

func ExamplePluginResultJobService_GetSet() {
	srv := exampleServer()
	defer srv.Close()
	client, err := tsapi.New(srv.URL(), tsapi.WithBasicAuth("ionadmin", "ionadmin"))
	if err != nil {
		log.Fatal(err)
	}

	// One request for several jobs; the ids the server does not have come
	// back apart instead of failing the call.
	jobs, notFound, _, err := client.PluginResultJobs.GetSet(context.Background(), 19, 17, 999, 19)
	if err != nil {
		log.Fatal(err)
	}
	for _, j := range jobs {
		fmt.Println(j.ID, j.State)
	}
	fmt.Println("not found:", notFound)
	// Output:
	// 19 Started
	// 17 Completed
	// not found: [999]
}

func ExamplePluginResultJobService_Create() {
	srv := exampleServer()
	defer srv.Close()
	client, err := tsapi.New(srv.URL(), tsapi.WithBasicAuth("ionadmin", "ionadmin"))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	// A Torrent Server refuses to create a job with POST (500): its jobs
	// come from launching a plugin (PluginService.Launch). It answered, so
	// the outcome is known.
	w := &tsapi.PluginResultJobWrite{State: tsapi.StatePending, RunLevel: tsapi.RunLevelDefault}
	_, _, err = client.PluginResultJobs.Create(ctx, w)
	fmt.Println(errors.Is(err, tsapi.ErrServer), errors.Is(err, tsapi.ErrOutcomeUnknown))

	// A fake server made WithJobCreate creates it, to test code that must.
	fake := tsapitest.NewServer(tsapitest.WithJobCreate())
	defer fake.Close()
	fakeClient, err := fake.AdminClient()
	if err != nil {
		log.Fatal(err)
	}
	id, resp, err := fakeClient.PluginResultJobs.Create(ctx, w)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(resp.StatusCode, id)
	// Output:
	// true false
	// 201 1
}

func ExamplePluginResultJobService_CreateAndGet() {
	srv := tsapitest.NewServer(tsapitest.WithJobCreate()) // a Torrent Server answers 500
	defer srv.Close()
	client, err := tsapi.New(srv.URL(), tsapi.WithBasicAuth("ionadmin", "ionadmin"))
	if err != nil {
		log.Fatal(err)
	}

	cfg, err := tsapi.NewJobConfig(map[string]any{"threads": 8})
	if err != nil {
		log.Fatal(err)
	}
	job, id, _, err := client.PluginResultJobs.CreateAndGet(context.Background(), &tsapi.PluginResultJobWrite{
		State: tsapi.StateQueued, RunLevel: tsapi.RunLevelPost, Config: cfg,
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(id, job.State, job.RunLevel, job.StartTime == nil, string(job.Config.Raw()))
	// Output:
	// 1 Queued post true {"threads": 8}
}

func ExamplePluginResultJobService_Update() {
	srv := exampleServer()
	defer srv.Close()
	client, err := tsapi.New(srv.URL(), tsapi.WithBasicAuth("ionadmin", "ionadmin"))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	// Read, modify, write back: queue failed job 18 again at another run
	// level. ToWrite carries every other field as it is (a PUT clears what
	// it leaves out).
	job, _, err := client.PluginResultJobs.Get(ctx, 18)
	if err != nil {
		log.Fatal(err)
	}
	w := job.ToWrite()
	w.State = tsapi.StateQueued
	w.RunLevel = tsapi.RunLevelPost
	w.GridEngineJobID = nil
	_, resp, err := client.PluginResultJobs.Update(ctx, 18, w)
	if err != nil {
		log.Fatal(err)
	}
	if job, _, err = client.PluginResultJobs.Get(ctx, 18); err != nil {
		log.Fatal(err)
	}
	ref, _ := job.Config.GetString("reference")
	fmt.Println(resp.StatusCode, job.State, job.RunLevel, job.GridEngineJobID == nil, job.StartTime, ref)
	// Output:
	// 204 Queued post true 2026-11-02T09:00:00+00:00 hg19
}

func ExamplePluginResultJobService_SetState() {
	srv := exampleServer()
	defer srv.Close()
	client, err := tsapi.New(srv.URL(), tsapi.WithBasicAuth("ionadmin", "ionadmin"))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	// Cancel queued job 20: the server stamps its end time itself.
	if _, err := client.PluginResultJobs.SetState(ctx, 20, tsapi.StateCancelled); err != nil {
		log.Fatal(err)
	}
	job, _, err := client.PluginResultJobs.Get(ctx, 20)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(job.State, job.State.IsTerminal(), job.EndTime != nil)

	_, err = client.PluginResultJobs.SetState(ctx, 999, tsapi.StateCancelled)
	fmt.Println(errors.Is(err, tsapi.ErrNotFound))
	// Output:
	// Cancelled true true
	// true
}

func ExamplePluginResultJobService_Watch() {
	srv := exampleServer()
	defer srv.Close()
	client, err := tsapi.New(srv.URL(), tsapi.WithBasicAuth("ionadmin", "ionadmin"))
	if err != nil {
		log.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	// Report the jobs running now, then stop and keep the cursor (a
	// program saves it as JSON).
	var saved []byte
	opts := &tsapi.WatchOptions{Interval: 10 * time.Millisecond, Existing: true}
	for ev, err := range client.PluginResultJobs.Watch(ctx, opts) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(ev.Type, ev.ID, ev.Job.State)
		if saved, err = json.Marshal(ev.Cursor); err != nil {
			log.Fatal(err)
		}
		if ev.ID == 20 {
			break
		}
	}

	// While no watch runs, job 19 completes. A watch resumed from the
	// cursor still sees it.
	srv.UpdateJob(19, func(j *tsapitest.Job) { j.State = "Completed" })
	var cursor tsapi.WatchCursor
	if err := json.Unmarshal(saved, &cursor); err != nil {
		log.Fatal(err)
	}
	fmt.Println(cursor.MaxID, cursor.Running)
	opts = &tsapi.WatchOptions{Interval: 10 * time.Millisecond, Cursor: &cursor}
	for ev, err := range client.PluginResultJobs.Watch(ctx, opts) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(ev.Type, ev.ID, ev.Previous, ev.Job.State)
		if ev.ID == 19 {
			break
		}
	}
	// Output:
	// appeared 19 Started
	// appeared 20 Queued
	// 21 map[19:Started 20:Queued]
	// changed 19 Started Completed
}

func ExamplePluginResultJobService_WaitTerminal() {
	srv := exampleServer()
	defer srv.Close()
	client, err := tsapi.New(srv.URL(), tsapi.WithBasicAuth("ionadmin", "ionadmin"))
	if err != nil {
		log.Fatal(err)
	}

	// Queued job 20 does not end in time: bound the wait with ctx, and
	// get the job as last read.
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	job, err := client.PluginResultJobs.WaitTerminal(ctx, 20, 20*time.Millisecond)
	fmt.Println(job.State, errors.Is(err, context.DeadlineExceeded))

	// A job that has ended returns at once.
	job, err = client.PluginResultJobs.WaitTerminal(context.Background(), 18, time.Minute)
	fmt.Println(job.State, err)
	// Output:
	// Queued true
	// Error <nil>
}

func ExamplePluginResultJobService_Wait() {
	srv := exampleServer()
	defer srv.Close()
	client, err := tsapi.New(srv.URL(), tsapi.WithBasicAuth("ionadmin", "ionadmin"))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	// Progress hears of every read of job 20. Here it also plays the
	// plugin, which starts the job and then completes it.
	next := map[tsapi.JobState]tsapi.JobState{tsapi.StateQueued: tsapi.StateStarted, tsapi.StateStarted: tsapi.StateCompleted}
	job, err := client.PluginResultJobs.Wait(ctx, 20, &tsapi.WaitOptions{
		Interval: 10 * time.Millisecond,
		Progress: func(j *tsapi.PluginResultJob) {
			fmt.Println("job", j.ID, "is", j.State)
			if to, ok := next[j.State]; ok {
				if _, err := client.PluginResultJobs.SetState(ctx, j.ID, to); err != nil {
					log.Fatal(err)
				}
			}
		},
	})
	fmt.Println(job.State, err)
	// Output:
	// job 20 is Queued
	// job 20 is Started
	// job 20 is Completed
	// Completed <nil>
}

func ExamplePluginResultJobService_Delete() {
	srv := exampleServer()
	defer srv.Close()
	client, err := tsapi.New(srv.URL(), tsapi.WithBasicAuth("ionadmin", "ionadmin"))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	resp, err := client.PluginResultJobs.Delete(ctx, 17)
	if err != nil {
		log.Fatal(err)
	}
	_, _, err = client.PluginResultJobs.Get(ctx, 17)
	fmt.Println(resp.StatusCode, errors.Is(err, tsapi.ErrNotFound))

	_, err = client.PluginResultJobs.Delete(ctx, 17)
	fmt.Println(errors.Is(err, tsapi.ErrNotFound))
	// Output:
	// 204 true
	// true
}

func ExamplePluginResultJobService_DeleteAllMatching() {
	srv := exampleServer()
	defer srv.Close()
	client, err := tsapi.New(srv.URL(), tsapi.WithBasicAuth("ionadmin", "ionadmin"))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	// Without a filter the server would delete every job: refused before
	// anything is sent.
	_, err = client.PluginResultJobs.DeleteAllMatching(ctx, &tsapi.PluginResultJobListOptions{})
	fmt.Println(errors.Is(err, tsapi.ErrInvalidOption))

	// Clear out the completed jobs that started before 11:00.
	before := time.Date(2026, 11, 2, 11, 0, 0, 0, time.UTC)
	_, err = client.PluginResultJobs.DeleteAllMatching(ctx, &tsapi.PluginResultJobListOptions{
		State: tsapi.StateCompleted, StartTimeLte: &before,
	})
	if err != nil {
		log.Fatal(err)
	}
	left, err := client.PluginResultJobs.Collect(ctx, nil, 100)
	if err != nil {
		log.Fatal(err)
	}
	for _, j := range left {
		fmt.Println(j.ID, j.State)
	}
	// Output:
	// true
	// 21 Completed
	// 20 Queued
	// 19 Started
	// 18 Error
}

func ExamplePluginResultJobService_BulkPatch() {
	srv := exampleServer()
	defer srv.Close()
	client, err := tsapi.New(srv.URL(), tsapi.WithBasicAuth("ionadmin", "ionadmin"))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	// In one atomic request: cancel the running jobs 19 and 20 and delete
	// job 18.
	cancelled := &tsapi.PluginResultJobPatch{State: tsapi.StateCancelled}
	resp, err := client.PluginResultJobs.BulkPatch(ctx, []tsapi.BulkUpdate[tsapi.PluginResultJobPatch]{
		{ID: 19, Patch: cancelled},
		{ID: 20, Patch: cancelled},
	}, []int64{18})
	if err != nil {
		log.Fatal(err)
	}
	jobs, notFound, _, err := client.PluginResultJobs.GetSet(ctx, 18, 19, 20)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(resp.StatusCode, "not found:", notFound)
	for _, j := range jobs {
		fmt.Println(j.ID, j.State, j.EndTime != nil)
	}
	// Output:
	// 202 not found: [18]
	// 19 Cancelled true
	// 20 Cancelled true
}

func ExamplePluginResultJobService_Schema() {
	srv := exampleServer()
	defer srv.Close()
	client, err := tsapi.New(srv.URL(), tsapi.WithBasicAuth("ionadmin", "ionadmin"))
	if err != nil {
		log.Fatal(err)
	}

	// From now on the client checks filters and order_by against the
	// server's schema: this resource orders by no field.
	schema, _, err := client.PluginResultJobs.Schema(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(slices.Sorted(maps.Keys(schema.Fields)))
	fmt.Println(schema.AllowedListHTTPMethods, schema.DefaultLimit, schema.Fields["state"].Type)
	fmt.Println(schema.Filtering["state"].Allows("in"), len(schema.Ordering))
	// Output:
	// [config endtime grid_engine_jobid id resource_uri run_level starttime state]
	// [get post put delete patch] 20 string
	// true 0
}

func ExamplePluginResultService_List() {
	srv := exampleServerWithResults()
	defer srv.Close()
	client, err := tsapi.New(srv.URL(), tsapi.WithBasicAuth("ionadmin", "ionadmin"))
	if err != nil {
		log.Fatal(err)
	}

	// The plugin results of report 101, newest first, with their jobs.
	// Plugin result 5 shows the state of its queued job: a job not started
	// yet counts as the latest.
	prs, resp, err := client.PluginResults.List(context.Background(), &tsapi.PluginResultListOptions{Result: tsapi.Ptr[int64](101)})
	if err != nil {
		log.Fatal(err)
	}
	for _, pr := range prs {
		fmt.Println(pr.ID, pr.PluginName, pr.PluginVersion, pr.State, len(pr.Jobs))
	}
	fmt.Println("total:", resp.Meta.TotalCount)
	// Output:
	// 6 coverageAnalysis 5.18.0.3 Completed 1
	// 5 variantCaller 5.18.0.1 Queued 5
	// total: 2
}

func ExamplePluginResultService_All() {
	srv := exampleServerWithResults()
	defer srv.Close()
	client, err := tsapi.New(srv.URL(), tsapi.WithBasicAuth("ionadmin", "ionadmin"))
	if err != nil {
		log.Fatal(err)
	}

	// The plugin results with a finished job: each once, however many of
	// its jobs match (plugin result 5 has three).
	opts := &tsapi.PluginResultListOptions{JobStateIn: []tsapi.JobState{tsapi.StateError, tsapi.StateCompleted}}
	for pr, err := range client.PluginResults.All(context.Background(), opts) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(pr.ID, pr.PluginName, pr.ResultName)
	}
	// Output:
	// 7 variantCaller Auto_user_S5-0102
	// 6 coverageAnalysis Auto_user_S5-0101
	// 5 variantCaller Auto_user_S5-0101
}

func ExamplePluginResultService_Pages() {
	srv := exampleServerWithResults()
	defer srv.Close()
	client, err := tsapi.New(srv.URL(), tsapi.WithBasicAuth("ionadmin", "ionadmin"))
	if err != nil {
		log.Fatal(err)
	}

	opts := &tsapi.PluginResultListOptions{ListOptions: tsapi.ListOptions{Limit: 2}}
	for page, err := range client.PluginResults.Pages(context.Background(), opts) {
		if err != nil {
			log.Fatal(err)
		}
		var ids []int64
		for _, pr := range page.Objects {
			ids = append(ids, pr.ID)
		}
		fmt.Println(page.Meta.Offset, page.Meta.TotalCount, ids)
	}
	// Output:
	// 0 3 [7 6]
	// 2 3 [5]
}

func ExamplePluginResultService_Collect() {
	srv := exampleServerWithResults()
	defer srv.Close()
	client, err := tsapi.New(srv.URL(), tsapi.WithBasicAuth("ionadmin", "ionadmin"))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	prs, err := client.PluginResults.Collect(ctx, &tsapi.PluginResultListOptions{PluginName: "variantCaller"}, 50)
	if err != nil {
		log.Fatal(err)
	}
	for _, pr := range prs {
		fmt.Println(pr.ID, pr.ResultName)
	}

	prs, err = client.PluginResults.Collect(ctx, nil, 2)
	fmt.Println(len(prs), errors.Is(err, tsapi.ErrTooMany))
	// Output:
	// 7 Auto_user_S5-0102
	// 5 Auto_user_S5-0101
	// 2 true
}

func ExamplePluginResultService_Count() {
	srv := exampleServerWithResults()
	defer srv.Close()
	client, err := tsapi.New(srv.URL(), tsapi.WithBasicAuth("ionadmin", "ionadmin"))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	n, _, err := client.PluginResults.Count(ctx, &tsapi.PluginResultListOptions{OwnerUsername: "ionuser"})
	fmt.Println(n, err)

	// A filter on the jobs counts a plugin result once per matching job,
	// as the server does: plugin result 5 has two completed jobs.
	completed := &tsapi.PluginResultListOptions{JobState: tsapi.StateCompleted}
	n, _, err = client.PluginResults.Count(ctx, completed)
	if err != nil {
		log.Fatal(err)
	}
	prs, err := client.PluginResults.Collect(ctx, completed, 50)
	fmt.Println(n, len(prs), err)
	// Output:
	// 1 <nil>
	// 3 2 <nil>
}

func ExamplePluginResultService_Get() {
	srv := exampleServerWithResults()
	defer srv.Close()
	client, err := tsapi.New(srv.URL(), tsapi.WithBasicAuth("ionadmin", "ionadmin"))
	if err != nil {
		log.Fatal(err)
	}

	pr, _, err := client.PluginResults.Get(context.Background(), 5)
	if err != nil {
		log.Fatal(err)
	}
	resultID, err := pr.ResultID()
	if err != nil {
		log.Fatal(err)
	}
	pluginID, err := pr.PluginID()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(pr) // never the plugin's key
	fmt.Println(resultID, pluginID, pr.Owner)
	// The job grid-engine job 4002 runs as.
	if job := pr.JobByGridEngineID(4002); job != nil {
		fmt.Println(job.ID, job.State)
	}
	// Output:
	// PluginResult 5 (variantCaller 5.18.0.1 on "Auto_user_S5-0101": Queued, 5 jobs)
	// 101 1 /rundb/api/v1/user/1/
	// 19 Started
}

func ExamplePluginResultService_GetSet() {
	srv := exampleServerWithResults()
	defer srv.Close()
	client, err := tsapi.New(srv.URL(), tsapi.WithBasicAuth("ionadmin", "ionadmin"))
	if err != nil {
		log.Fatal(err)
	}

	prs, notFound, _, err := client.PluginResults.GetSet(context.Background(), 7, 5, 99)
	if err != nil {
		log.Fatal(err)
	}
	for _, pr := range prs {
		fmt.Println(pr.ID, pr.PluginName, pr.State)
	}
	fmt.Println("not found:", notFound)
	// Output:
	// 7 variantCaller Error
	// 5 variantCaller Queued
	// not found: [99]
}

func ExamplePluginResultService_Patch() {
	srv := exampleServerWithResults()
	defer srv.Close()
	client, err := tsapi.New(srv.URL(), tsapi.WithBasicAuth("ionadmin", "ionadmin"))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	// Read, modify, write back: ToPatch holds every writable field (never
	// the plugin's key, which the patch leaves as it is).
	pr, _, err := client.PluginResults.Get(ctx, 6)
	if err != nil {
		log.Fatal(err)
	}
	p := pr.ToPatch()
	*p.Size, *p.Inodes = 4096, 20
	if _, _, err := client.PluginResults.Patch(ctx, 6, p); err != nil {
		log.Fatal(err)
	}
	if pr, _, err = client.PluginResults.Get(ctx, 6); err != nil {
		log.Fatal(err)
	}
	fmt.Println(pr.Size, pr.Inodes, string(pr.Store.Raw()))

	// A patch must change something.
	_, _, err = client.PluginResults.Patch(ctx, 6, &tsapi.PluginResultPatch{})
	fmt.Println(errors.Is(err, tsapi.ErrInvalidOption))
	// Output:
	// 4096 20 {"mean_depth": 512}
	// true
}

func ExamplePluginResultService_SetStore() {
	srv := exampleServerWithResults()
	defer srv.Close()
	client, err := tsapi.New(srv.URL(), tsapi.WithBasicAuth("ionadmin", "ionadmin"))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	// The store is replaced whole, not merged.
	type variants struct {
		Count int    `json:"count"`
		VCF   string `json:"vcf"`
	}
	if _, err := client.PluginResults.SetStore(ctx, 6, variants{Count: 42, VCF: "TSVC_variants.vcf"}); err != nil {
		log.Fatal(err)
	}
	pr, _, err := client.PluginResults.Get(ctx, 6)
	if err != nil {
		log.Fatal(err)
	}
	var got variants
	if err := pr.Store.Decode(&got); err != nil {
		log.Fatal(err)
	}
	_, hasDepth := pr.Store.Get("mean_depth")
	fmt.Println(got.Count, got.VCF, hasDepth)

	// A store is a JSON object.
	_, err = client.PluginResults.SetStore(ctx, 6, []int{1, 2})
	fmt.Println(errors.Is(err, tsapi.ErrInvalidOption))
	// Output:
	// 42 TSVC_variants.vcf false
	// true
}

func ExamplePluginResultService_Delete() {
	srv := exampleServerWithResults()
	defer srv.Close()
	client, err := tsapi.New(srv.URL(), tsapi.WithBasicAuth("ionadmin", "ionadmin"))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	// The server deletes the plugin result's jobs (and its output) too.
	if _, err := client.PluginResults.Delete(ctx, 7); err != nil {
		log.Fatal(err)
	}
	_, _, err = client.PluginResults.Get(ctx, 7)
	fmt.Println(errors.Is(err, tsapi.ErrNotFound))
	_, _, err = client.PluginResultJobs.Get(ctx, 23)
	fmt.Println(errors.Is(err, tsapi.ErrNotFound))
	// Output:
	// true
	// true
}

func ExamplePluginResultService_Schema() {
	srv := exampleServerWithResults()
	defer srv.Close()
	client, err := tsapi.New(srv.URL(), tsapi.WithBasicAuth("ionadmin", "ionadmin"))
	if err != nil {
		log.Fatal(err)
	}

	schema, _, err := client.PluginResults.Schema(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	jobs := schema.Fields["plugin_result_jobs"]
	fmt.Println(jobs.Type, jobs.RelatedType, schema.Fields["apikey"].Nullable)
	fmt.Println(schema.Filtering["plugin"].WithRelations, slices.Contains(schema.Ordering, "size"))
	// Output:
	// related to_many true
	// true true
}

func ExamplePluginResultService_CheckSchema() {
	srv := exampleServerWithResults()
	defer srv.Close()
	client, err := tsapi.New(srv.URL(), tsapi.WithBasicAuth("ionadmin", "ionadmin"))
	if err != nil {
		log.Fatal(err)
	}

	// Run at start-up: a server whose fields differ from the library's
	// model (another Torrent Suite version) is worth a warning.
	drift, _, err := client.PluginResults.CheckSchema(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	if !drift.Empty() {
		log.Printf("pluginresult schema: %s", drift)
	}
	fmt.Println(drift)
	// Output:
	// no drift
}

func ExamplePluginService_List() {
	srv := exampleServerWithResults()
	defer srv.Close()
	client, err := tsapi.New(srv.URL(), tsapi.WithBasicAuth("ionadmin", "ionadmin"))
	if err != nil {
		log.Fatal(err)
	}

	// The installed plugins that are enabled (uninstalled ones are never
	// listed).
	plugins, resp, err := client.Plugins.List(context.Background(), &tsapi.PluginListOptions{Selected: tsapi.Ptr(true)})
	if err != nil {
		log.Fatal(err)
	}
	for _, p := range plugins {
		fmt.Println(p.ID, p.VersionedName)
	}
	fmt.Println("total:", resp.Meta.TotalCount)
	// Output:
	// 2 coverageAnalysis--v5.18.0.3
	// 1 variantCaller--v5.18.0.1
	// total: 2
}

func ExamplePluginService_All() {
	srv := exampleServerWithResults()
	defer srv.Close()
	client, err := tsapi.New(srv.URL(), tsapi.WithBasicAuth("ionadmin", "ionadmin"))
	if err != nil {
		log.Fatal(err)
	}

	// Every installed plugin whose name holds "variant", in any case.
	for p, err := range client.Plugins.All(context.Background(), &tsapi.PluginListOptions{NameIContains: "VARIANT"}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(p, p.Selected)
	}
	// Output:
	// Plugin 1 (variantCaller 5.18.0.1) true
}

func ExamplePluginService_Pages() {
	srv := exampleServerWithResults()
	defer srv.Close()
	client, err := tsapi.New(srv.URL(), tsapi.WithBasicAuth("ionadmin", "ionadmin"))
	if err != nil {
		log.Fatal(err)
	}

	opts := &tsapi.PluginListOptions{ListOptions: tsapi.ListOptions{Limit: 2}}
	for page, err := range client.Plugins.Pages(context.Background(), opts) {
		if err != nil {
			log.Fatal(err)
		}
		var names []string
		for _, p := range page.Objects {
			names = append(names, p.Name)
		}
		fmt.Println(page.Meta.Offset, page.Meta.TotalCount, names)
	}
	// Output:
	// 0 3 [FilterDuplicates coverageAnalysis]
	// 2 3 [variantCaller]
}

func ExamplePluginService_Collect() {
	srv := exampleServerWithResults()
	defer srv.Close()
	client, err := tsapi.New(srv.URL(), tsapi.WithBasicAuth("ionadmin", "ionadmin"))
	if err != nil {
		log.Fatal(err)
	}

	plugins, err := client.Plugins.Collect(context.Background(), nil, 500)
	if err != nil {
		log.Fatal(err)
	}
	for _, p := range plugins {
		fmt.Println(p.Name, p.Version, p.Selected)
	}
	// Output:
	// FilterDuplicates 5.18.0.0 false
	// coverageAnalysis 5.18.0.3 true
	// variantCaller 5.18.0.1 true
}

func ExamplePluginService_Count() {
	srv := exampleServerWithResults()
	defer srv.Close()
	client, err := tsapi.New(srv.URL(), tsapi.WithBasicAuth("ionadmin", "ionadmin"))
	if err != nil {
		log.Fatal(err)
	}

	disabled, _, err := client.Plugins.Count(context.Background(), &tsapi.PluginListOptions{Selected: tsapi.Ptr(false)})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(disabled, "installed plugin(s) disabled")
	// Output:
	// 1 installed plugin(s) disabled
}

func ExamplePluginService_Get() {
	srv := exampleServerWithResults()
	defer srv.Close()
	client, err := tsapi.New(srv.URL(), tsapi.WithBasicAuth("ionadmin", "ionadmin"))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	p, _, err := client.Plugins.Get(ctx, 2)
	if err != nil {
		log.Fatal(err)
	}
	depth, _ := p.Config.Get("min_depth")
	fmt.Println(p, p.VersionedName, p.Selected, string(depth))

	// An uninstalled plugin is not found.
	_, _, err = client.Plugins.Get(ctx, 4)
	fmt.Println(errors.Is(err, tsapi.ErrNotFound))
	// Output:
	// Plugin 2 (coverageAnalysis 5.18.0.3) coverageAnalysis--v5.18.0.3 true 10
	// true
}

func ExamplePluginService_GetSet() {
	srv := exampleServerWithResults()
	defer srv.Close()
	client, err := tsapi.New(srv.URL(), tsapi.WithBasicAuth("ionadmin", "ionadmin"))
	if err != nil {
		log.Fatal(err)
	}

	plugins, notFound, _, err := client.Plugins.GetSet(context.Background(), 1, 2, 4)
	if err != nil {
		log.Fatal(err)
	}
	for _, p := range plugins {
		fmt.Println(p)
	}
	fmt.Println("not found:", notFound)
	// Output:
	// Plugin 1 (variantCaller 5.18.0.1)
	// Plugin 2 (coverageAnalysis 5.18.0.3)
	// not found: [4]
}

func ExamplePluginService_Launch() {
	srv := exampleServerWithResults()
	defer srv.Close()
	client, err := tsapi.New(srv.URL(), tsapi.WithBasicAuth("ionadmin", "ionadmin"))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	// Run coverageAnalysis again on report 101 with its own configuration.
	resp, err := client.Plugins.Launch(ctx, 101, &tsapi.LaunchRequest{
		Plugin: "coverageAnalysis",
		Config: map[string]any{"min_depth": 20},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(resp.StatusCode)

	// The answer names no plugin result: the newest of that plugin on that
	// report is the new one.
	prs, _, err := client.PluginResults.List(ctx, &tsapi.PluginResultListOptions{
		Result: tsapi.Ptr[int64](101), PluginName: "coverageAnalysis", ListOptions: tsapi.ListOptions{Limit: 1},
	})
	if err != nil || len(prs) == 0 {
		log.Fatal("no new plugin result: ", err)
	}
	pr := prs[0]
	depth, _ := pr.Jobs[0].Config.Get("min_depth")
	fmt.Println(pr.ID, pr.State, len(pr.Jobs), pr.Jobs[0].RunLevel, string(depth), pr.APIKey.IsZero())

	// A disabled plugin cannot run.
	_, err = client.Plugins.Launch(ctx, 101, &tsapi.LaunchRequest{Plugin: "FilterDuplicates"})
	fmt.Println(errors.Is(err, tsapi.ErrGone))
	// Output:
	// 202
	// 8 Queued 1 default 20 false
	// true
}

func ExamplePluginService_Schema() {
	srv := exampleServerWithResults()
	defer srv.Close()
	client, err := tsapi.New(srv.URL(), tsapi.WithBasicAuth("ionadmin", "ionadmin"))
	if err != nil {
		log.Fatal(err)
	}

	schema, _, err := client.Plugins.Schema(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(schema.Fields["versionedName"].ReadOnly, schema.Fields["availableVersions"].Type)

	// order_by is checked against the schema's ordering.
	fmt.Println(slices.Contains(schema.Ordering, "version"))
	plugins, _, err := client.Plugins.List(context.Background(), &tsapi.PluginListOptions{
		ListOptions: tsapi.ListOptions{OrderBy: []string{"version"}},
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, p := range plugins {
		fmt.Println(p.Version, p.Name)
	}
	// Output:
	// true list
	// true
	// 5.18.0.0 FilterDuplicates
	// 5.18.0.1 variantCaller
	// 5.18.0.3 coverageAnalysis
}

func ExamplePluginService_CheckSchema() {
	srv := exampleServerWithResults()
	defer srv.Close()
	client, err := tsapi.New(srv.URL(), tsapi.WithBasicAuth("ionadmin", "ionadmin"))
	if err != nil {
		log.Fatal(err)
	}

	drift, _, err := client.Plugins.CheckSchema(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(drift.Empty(), drift.Added, drift.Missing)
	// Output:
	// true [] []
}
