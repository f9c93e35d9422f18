// Command quickstart is the README's quick start: it lists the running
// jobs of a Torrent Server, goes through every failed one, and cancels a
// queued job.
//
//	TSAPI_SERVER=https://ts.example.org TSAPI_USER=ionadmin TSAPI_PASSWORD=... go run ./examples/quickstart
//	go run ./examples/quickstart -demo   # against an in-process fake server
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"

	"github.com/tsapi-go/tsapi"
	"github.com/tsapi-go/tsapi/tsapitest"
)

func main() {
	demo := flag.Bool("demo", false, "run against an in-process fake Torrent Server")
	flag.Parse()
	server := os.Getenv("TSAPI_SERVER")
	opts := []tsapi.Option{tsapi.WithBasicAuth(os.Getenv("TSAPI_USER"), os.Getenv("TSAPI_PASSWORD"))}
	if ca := os.Getenv("TSAPI_CA_FILE"); ca != "" {
		opts = append(opts, tsapi.WithCAFile(ca)) // a server with a self-signed certificate
	}
	if *demo {
		fake := tsapitest.NewServer()
		defer fake.Close()
		for _, state := range []string{"Queued", "Started", "Error", "Completed", "Error"} {
			fake.AddJob(tsapitest.Job{State: state})
		}
		server = fake.URL()
		opts = []tsapi.Option{tsapi.WithBasicAuth(tsapitest.AdminUser, tsapitest.AdminPassword)}
	}
	if server == "" {
		log.Fatal("set TSAPI_SERVER (with TSAPI_USER and TSAPI_PASSWORD), or run with -demo")
	}
	client, err := tsapi.New(server, opts...)
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	// One page, with tastypie's meta.
	running, resp, err := client.PluginResultJobs.List(ctx, &tsapi.PluginResultJobListOptions{
		StateIn: []tsapi.JobState{tsapi.StatePending, tsapi.StateQueued, tsapi.StateStarted},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(running), "of", resp.Meta.TotalCount, "jobs are running")

	// Every failed job, across pages.
	for job, err := range client.PluginResultJobs.All(ctx, &tsapi.PluginResultJobListOptions{State: tsapi.StateError}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println("failed:", job.ID, job.RunLevel)
	}

	// Cancel a queued job; the server stamps its end time.
	for _, job := range running {
		if job.State != tsapi.StateQueued {
			continue
		}
		_, err := client.PluginResultJobs.SetState(ctx, job.ID, tsapi.StateCancelled)
		switch {
		case errors.Is(err, tsapi.ErrForbidden):
			fmt.Println("this account may not change jobs")
		case errors.Is(err, tsapi.ErrOutcomeUnknown):
			fmt.Println("the answer was lost, and the job holds another state now: look again")
		case err != nil:
			log.Fatal(err)
		default:
			fmt.Println("cancelled:", job.ID)
		}
		break
	}
}
