package tsapi_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/url"
	"strings"
	"time"

	"github.com/tsapi-go/tsapi"
	"github.com/tsapi-go/tsapi/tsapitest"
)

// exampleServer starts a fake Torrent Server holding a few jobs, standing in
// for https://ts.example.org in these examples.
func exampleServer() *tsapitest.Server {
	srv := tsapitest.NewServer()
	srv.AddPlugin(tsapitest.Plugin{ID: 1, Name: "variantCaller", Version: "5.18.0.1", Active: true, Selected: true})
	srv.AddResult(tsapitest.Result{ID: 101, Name: "Auto_user_S5-0101"})
	srv.AddPluginResult(tsapitest.PluginResult{ID: 5, Result: 101, Plugin: 1})
	t0 := time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)
	states := []string{"Completed", "Error", "Started", "Queued", "Completed"}
	for i, st := range states {
		j := tsapitest.Job{ID: int64(17 + i), PluginResult: 5, State: st, RunLevel: "default",
			Config: map[string]any{"threads": 4, "reference": "hg19"}}
		if st != "Queued" {
			start := t0.Add(time.Duration(i) * time.Hour)
			j.StartTime = &start
			j.GridEngineJobID = tsapi.Ptr(int64(4000 + i))
		}
		srv.AddJob(j)
	}
	return srv
}

func ExampleNew() {
	srv := exampleServer()
	defer srv.Close()

	// For a real server: tsapi.New("https://ts.example.org", ...), with
	// WithCAFile for a self-signed certificate.
	client, err := tsapi.New(srv.URL(),
		tsapi.WithBasicAuth("ionadmin", "ionadmin"),
		tsapi.WithTimeout(30*time.Second),
		tsapi.WithRetry(3, 500*time.Millisecond, 10*time.Second))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(client.BaseURL().Path)

	_, err = tsapi.New("ts.example.org")
	fmt.Println(errors.Is(err, tsapi.ErrInvalidOption))
	// Output:
	// /rundb/api/v1/
	// true
}

func ExamplePluginResultJobService_List() {
	srv := exampleServer()
	defer srv.Close()
	client, _ := tsapi.New(srv.URL(), tsapi.WithBasicAuth("ionadmin", "ionadmin"))

	jobs, resp, err := client.PluginResultJobs.List(context.Background(), &tsapi.PluginResultJobListOptions{
		ListOptions: tsapi.ListOptions{Limit: 2},
		StateIn:     []tsapi.JobState{tsapi.StateCompleted, tsapi.StateError},
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, j := range jobs {
		fmt.Println(j.ID, j.State)
	}
	fmt.Println("total:", resp.Meta.TotalCount, "next:", resp.Meta.Next)
	// Output:
	// 21 Completed
	// 18 Error
	// total: 3 next: /rundb/api/v1/PluginResultJob/?limit=2&offset=2&state__in=Completed%2CError
}

func ExamplePluginResultJobService_All() {
	srv := exampleServer()
	defer srv.Close()
	client, _ := tsapi.New(srv.URL(), tsapi.WithBasicAuth("ionadmin", "ionadmin"))

	// Every running job, across as many pages as the server needs.
	running := []tsapi.JobState{tsapi.StatePending, tsapi.StateQueued, tsapi.StateStarted}
	for job, err := range client.PluginResultJobs.All(context.Background(), &tsapi.PluginResultJobListOptions{StateIn: running}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(job.ID, job.State, job.State.IsRunning())
	}
	// Output:
	// 20 Queued true
	// 19 Started true
}

func ExamplePluginResultJobService_Get() {
	srv := exampleServer()
	defer srv.Close()
	client, _ := tsapi.New(srv.URL(), tsapi.WithBasicAuth("ionadmin", "ionadmin"))
	ctx := context.Background()

	job, _, err := client.PluginResultJobs.Get(ctx, 17)
	if err != nil {
		log.Fatal(err)
	}
	ref, _ := job.Config.GetString("reference")
	var cfg struct {
		Threads int `json:"threads"`
	}
	if err := job.Config.Decode(&cfg); err != nil {
		log.Fatal(err)
	}
	fmt.Println(job.State, job.RunLevel, *job.GridEngineJobID, job.StartTime, ref, cfg.Threads)

	_, _, err = client.PluginResultJobs.Get(ctx, 999)
	var apiErr *tsapi.APIError
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.StatusCode, errors.Is(err, tsapi.ErrNotFound))
	}
	// Output:
	// Completed default 4000 2026-11-02T08:00:00+00:00 hg19 4
	// 404 true
}

func ExamplePluginResultJobService_Patch() {
	srv := exampleServer()
	defer srv.Close()
	client, _ := tsapi.New(srv.URL(), tsapi.WithBasicAuth("ionadmin", "ionadmin"))
	ctx := context.Background()

	// Cancel job 20 and clear its grid-engine id with an explicit null.
	_, resp, err := client.PluginResultJobs.Patch(ctx, 20, &tsapi.PluginResultJobPatch{
		State:           tsapi.StateCancelled,
		GridEngineJobID: tsapi.Null[int64](),
	})
	if err != nil {
		log.Fatal(err)
	}
	job, _, _ := client.PluginResultJobs.Get(ctx, 20)
	fmt.Println(resp.StatusCode, job.State, job.GridEngineJobID == nil, job.EndTime != nil)

	// A read-only account is refused: the server says 401 without
	// WWW-Authenticate, which is ErrForbidden.
	reader, _ := tsapi.New(srv.URL(), tsapi.WithBasicAuth("ionreader", "ionreader"))
	_, err = reader.PluginResultJobs.SetState(ctx, 20, tsapi.StateError)
	fmt.Println(errors.Is(err, tsapi.ErrForbidden))
	// Output:
	// 202 Cancelled true true
	// true
}

func ExamplePluginResultJobListOptions() {
	srv := exampleServer()
	defer srv.Close()
	client, _ := tsapi.New(srv.URL(), tsapi.WithBasicAuth("ionadmin", "ionadmin"))
	ctx := context.Background()

	since := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	n, _, err := client.PluginResultJobs.Count(ctx, &tsapi.PluginResultJobListOptions{
		StartTimeGte: &since,
		ListOptions:  tsapi.ListOptions{Filters: url.Values{"state__iexact": {"completed"}}},
	})
	fmt.Println(n, err)

	// The server ignores filter names it does not know, and would then
	// match every job: the library refuses them before sending anything.
	_, _, err = client.PluginResultJobs.List(ctx, &tsapi.PluginResultJobListOptions{
		ListOptions: tsapi.ListOptions{Filters: url.Values{"plugin_result": {"5"}}},
	})
	fmt.Println(errors.Is(err, tsapi.ErrInvalidOption))
	// Output:
	// 1 <nil>
	// true
}

func ExamplePluginResultJobService_CheckSchema() {
	srv := exampleServer()
	defer srv.Close()
	client, _ := tsapi.New(srv.URL(), tsapi.WithBasicAuth("ionadmin", "ionadmin"))

	drift, _, err := client.PluginResultJobs.CheckSchema(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(drift)
	schema, _, _ := client.PluginResultJobs.Schema(context.Background())
	f := schema.Fields["grid_engine_jobid"]
	fmt.Println(f.Type, f.Nullable, f.HasDefault(), len(schema.Ordering))
	// Output:
	// no drift
	// integer true false 0
}

func ExampleOutcomeUnknownError() {
	srv := exampleServer()
	defer srv.Close()
	client, _ := tsapi.New(srv.URL(), tsapi.WithBasicAuth("ionadmin", "ionadmin"),
		tsapi.WithRetry(2, time.Millisecond, time.Millisecond))
	ctx := context.Background()

	// A proxy answers 504 to the PATCH: the server may or may not have
	// applied it. The library does not resend it; it re-reads the job.
	srv.AddFault(tsapitest.Fault{Method: "PATCH", Status: 504})
	_, err := client.PluginResultJobs.SetState(ctx, 19, tsapi.StateCancelled)
	var unknown *tsapi.OutcomeUnknownError
	if errors.As(err, &unknown) {
		fmt.Println(errors.Is(err, tsapi.ErrOutcomeUnknown), unknown.Attempts, unknown.Checked, unknown.Differs)
	}
	// Output:
	// true 1 true [state]
}

func ExamplePluginResultJobServiceOp_WaitTerminal() {
	srv := exampleServer()
	defer srv.Close()
	client, _ := tsapi.New(srv.URL(), tsapi.WithBasicAuth("ionadmin", "ionadmin"))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	// Somebody else finishes job 19 a little later.
	go func() {
		time.Sleep(30 * time.Millisecond)
		srv.UpdateJob(19, func(j *tsapitest.Job) { j.State = "Completed" })
	}()
	job, err := client.PluginResultJobs.WaitTerminal(ctx, 19, 10*time.Millisecond)
	fmt.Println(job.ID, job.State, err)
	// Output:
	// 19 Completed <nil>
}

func ExamplePluginResultJobServiceOp_Watch() {
	srv := exampleServer()
	defer srv.Close()
	client, _ := tsapi.New(srv.URL(), tsapi.WithBasicAuth("ionadmin", "ionadmin"))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	// Another client starts job 20 (Queued) ...
	go func() {
		time.Sleep(50 * time.Millisecond)
		srv.UpdateJob(20, func(j *tsapitest.Job) { j.State = "Started" })
	}()
	seen := 0
	for ev, err := range client.PluginResultJobs.Watch(ctx, &tsapi.WatchOptions{Interval: 20 * time.Millisecond}) {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(ev.Type, ev.ID, ev.Previous, ev.Job.State)
		// ev.Cursor, saved, resumes a later watch right after this event.
		if seen++; seen == 2 {
			break
		}
		// ... and, once that is seen, adds a job.
		srv.AddJob(tsapitest.Job{ID: 30, State: "Queued"})
	}
	// Output:
	// changed 20 Queued Started
	// appeared 30  Queued
}

func ExampleWithRequestHook() {
	srv := exampleServer()
	defer srv.Close()
	srv.FailNext(1, 503)
	hook := func(ri tsapi.RequestInfo) {
		// Feed a metrics or tracing system; the URL is redacted.
		fmt.Println(ri.Method, ri.Status, ri.Attempts, ri.Err)
	}
	client, _ := tsapi.New(srv.URL(), tsapi.WithBasicAuth("ionadmin", "ionadmin"),
		tsapi.WithRetry(2, time.Millisecond, time.Millisecond), tsapi.WithRequestHook(hook))
	_, _, _ = client.PluginResultJobs.Get(context.Background(), 19)
	// Output:
	// GET 200 2 <nil>
}

func ExampleClient_Clone() {
	srv := exampleServer()
	defer srv.Close()
	admin, _ := tsapi.New(srv.URL(), tsapi.WithBasicAuth("ionadmin", "ionadmin"),
		tsapi.WithTimeout(20*time.Second), tsapi.WithRetry(5, time.Second, 30*time.Second))

	// The same server and options for another account, on the same
	// connections; never the administrator's session or password.
	reader, err := admin.Clone(tsapi.WithBasicAuth("ionuser", "ionuser"))
	if err != nil {
		log.Fatal(err)
	}
	job, _, err := reader.PluginResultJobs.Get(context.Background(), 19)
	fmt.Println(job.ID, err, strings.Contains(reader.String(), "Basic ionuser:REDACTED"))
	// Output:
	// 19 <nil> true
}
