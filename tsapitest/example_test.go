package tsapitest_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/tsapi-go/tsapi"
	"github.com/tsapi-go/tsapi/tsapitest"
)

// A test starts a fake Torrent Server, seeds a job, and lets the code under
// test (here: the client) change it; the server's side effects can then be
// checked. In a test, prefer tsapitest.New(t), which closes the server when
// the test ends.
func ExampleNewServer() {
	clock := func() time.Time { return time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC) }
	srv := tsapitest.NewServer(tsapitest.WithClock(clock))
	defer srv.Close()

	plugin := srv.AddPlugin(tsapitest.Plugin{Name: "coverageAnalysis", Version: "5.18.0.3", Active: true, Selected: true})
	result := srv.AddResult(tsapitest.Result{Name: "Auto_user_run_7"})
	pr := srv.AddPluginResult(tsapitest.PluginResult{Result: result, Plugin: plugin, APIKey: "secret-key"})
	id := srv.AddJob(tsapitest.Job{PluginResult: pr, State: "Queued"})

	// A running plugin authenticates with its plugin result's key.
	client, err := srv.Client(tsapi.WithPluginKey(pr, "secret-key"))
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	if _, err := client.PluginResultJobs.SetState(ctx, id, tsapi.StateStarted); err != nil {
		panic(err)
	}

	job, _ := srv.Job(id)
	fmt.Println(job.State, job.StartTime.Format(time.RFC3339))
	got, _, _ := client.PluginResultJobs.Get(ctx, id)
	fmt.Println(got.State, got.StartTime)
	// Output:
	// Started 2024-05-06T07:08:09Z
	// Started 2024-05-06T07:08:09+00:00
}

// Faults make the next requests fail the way a Torrent Server does while
// it is being upgraded; the client retries them.
func ExampleServer_FailNext() {
	srv := tsapitest.NewServer()
	defer srv.Close()
	srv.AddJob(tsapitest.Job{State: "Completed"})
	client, _ := srv.AdminClient()

	srv.FailNext(2, http.StatusServiceUnavailable)
	job, resp, err := client.PluginResultJobs.Get(context.Background(), 1)
	fmt.Println(job.State, resp.Attempts, err)
	for _, r := range srv.Requests() {
		fmt.Println(r.Method, r.Path, r.Status)
	}
	// Output:
	// Completed 3 <nil>
	// GET /rundb/api/v1/PluginResultJob/1/ 503
	// GET /rundb/api/v1/PluginResultJob/1/ 503
	// GET /rundb/api/v1/PluginResultJob/1/ 200
}

// A fault can also hold an answer back or cut it off, for one method or
// path.
func ExampleServer_AddFault() {
	srv := tsapitest.NewServer()
	defer srv.Close()
	srv.AddJob(tsapitest.Job{State: "Queued"})
	client, _ := srv.AdminClient(tsapi.WithRetry(0, 0, 0))

	// The server applies the PATCH, then drops the connection mid-answer:
	// the status line arrived, so the library reports the success.
	srv.AddFault(tsapitest.Fault{Method: http.MethodPatch, Path: "PluginResultJob/", Drop: true})
	_, err := client.PluginResultJobs.SetState(context.Background(), 1, tsapi.StateError)
	fmt.Println(err)
	// A 504 from a proxy: the fake does not apply the PATCH, and the
	// library, which cannot know that, reports the outcome unknown.
	srv.AddFault(tsapitest.Fault{Method: http.MethodPatch, Status: http.StatusGatewayTimeout})
	_, err = client.PluginResultJobs.SetState(context.Background(), 1, tsapi.StateCompleted)
	fmt.Println(errors.Is(err, tsapi.ErrOutcomeUnknown))
	job, _ := srv.Job(1)
	fmt.Println(job.State)
	// Output:
	// <nil>
	// true
	// Error
}

// The Torrent Server cannot create a job with POST; WithJobCreate lets a
// test exercise code that does.
func ExampleWithJobCreate() {
	srv := tsapitest.NewServer(tsapitest.WithJobCreate())
	defer srv.Close()
	client, _ := srv.AdminClient()

	id, resp, err := client.PluginResultJobs.Create(context.Background(), &tsapi.PluginResultJobWrite{
		State: tsapi.StatePending, RunLevel: tsapi.RunLevelDefault,
	})
	fmt.Println(resp.StatusCode, id, err)
	// Output:
	// 201 1 <nil>
}

// The repository's seed file holds the data the reference server runs
// with.
func ExampleServer_LoadSeedFile() {
	srv := tsapitest.NewServer()
	defer srv.Close()
	if err := srv.LoadSeedFile("../testdata/seed.json"); err != nil {
		panic(err)
	}
	client, _ := srv.Client(tsapi.WithAPIKey("ionuser", "tsapi-seed-ionuser-f7f7f026182003a762539e9f"))
	n, _, err := client.PluginResultJobs.Count(context.Background(), &tsapi.PluginResultJobListOptions{State: tsapi.StateQueued})
	fmt.Println(n, err)
	// Output:
	// 63 <nil>
}
