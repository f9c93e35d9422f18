// Command tsapi tours and drives a Torrent Server through the tsapi library.
//
// With no server named it starts an in-process fake Torrent Server
// (tsapitest), seeds it, and runs the demo against it:
//
//	go run ./cmd/tsapi
//
// Name a real server with environment variables; the demo is then read-only
// unless TSAPI_DEMO_WRITE=1:
//
//	TSAPI_SERVER      the server (https://ts.example.org)
//	TSAPI_USER        user name (with TSAPI_PASSWORD for Basic, or
//	TSAPI_API_KEY     for "ApiKey user:key")
//	TSAPI_PASSWORD
//	TSAPI_CA_FILE     PEM file of the server's CA (self-signed servers)
//	TSAPI_INSECURE=1  skip certificate verification (prefer TSAPI_CA_FILE)
//
// Commands:
//
//	tsapi [demo]                 the tour
//	tsapi jobs [-state S] [-all] list jobs (one page, or every one)
//	tsapi job ID                 show one job
//	tsapi set-state ID STATE     change a job's state
//	tsapi schema                 compare the server's schemas with the library
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"time"

	"github.com/tsapi-go/tsapi"
	"github.com/tsapi-go/tsapi/tsapitest"
)

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Getenv); err != nil {
		fmt.Fprintln(os.Stderr, "tsapi:", err)
		os.Exit(1)
	}
}

// run executes one command, writing to out; getenv reads the settings.
func run(ctx context.Context, args []string, out io.Writer, getenv func(string) string) error {
	client, fake, err := connect(getenv)
	if err != nil {
		return err
	}
	if fake != nil {
		defer fake.Close()
	}
	cmd := "demo"
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "demo":
		write := fake != nil || getenv("TSAPI_DEMO_WRITE") == "1"
		return demo(ctx, out, client, fake, write)
	case "jobs":
		return listJobs(ctx, out, client, args)
	case "job":
		if len(args) != 1 {
			return errors.New("usage: tsapi job ID")
		}
		id, err := strconv.ParseInt(args[0], 10, 64)
		if err != nil {
			return fmt.Errorf("job id %q is not a number", args[0])
		}
		j, _, err := client.PluginResultJobs.Get(ctx, id)
		if err != nil {
			return err
		}
		printJob(out, j)
		return nil
	case "set-state":
		if len(args) != 2 {
			return errors.New("usage: tsapi set-state ID STATE")
		}
		id, err := strconv.ParseInt(args[0], 10, 64)
		if err != nil {
			return fmt.Errorf("job id %q is not a number", args[0])
		}
		if _, err := client.PluginResultJobs.SetState(ctx, id, tsapi.JobState(args[1])); err != nil {
			return err
		}
		fmt.Fprintf(out, "job %d is now %s\n", id, args[1])
		return nil
	case "schema":
		return schemas(ctx, out, client)
	case "help", "-h", "-help", "--help":
		fmt.Fprintln(out, "usage: tsapi [demo | jobs [-state S] [-all] | job ID | set-state ID STATE | schema]")
		return nil
	}
	return fmt.Errorf("unknown command %q (try: tsapi help)", cmd)
}

// connect returns a client for TSAPI_SERVER, or for a seeded in-process
// fake server when none is named.
func connect(getenv func(string) string) (*tsapi.Client, *tsapitest.Server, error) {
	server := getenv("TSAPI_SERVER")
	if server == "" {
		fake := tsapitest.NewServer()
		seedDemo(fake)
		c, err := fake.AdminClient()
		if err != nil {
			fake.Close()
			return nil, nil, err
		}
		return c, fake, nil
	}
	opts := []tsapi.Option{tsapi.WithUserAgent("tsapi-cli/" + tsapi.Version)}
	user := getenv("TSAPI_USER")
	switch {
	case getenv("TSAPI_API_KEY") != "":
		opts = append(opts, tsapi.WithAPIKey(user, getenv("TSAPI_API_KEY")))
	case user != "":
		opts = append(opts, tsapi.WithBasicAuth(user, getenv("TSAPI_PASSWORD")))
	}
	if f := getenv("TSAPI_CA_FILE"); f != "" {
		opts = append(opts, tsapi.WithCAFile(f))
	}
	if getenv("TSAPI_INSECURE") == "1" {
		opts = append(opts, tsapi.WithInsecureSkipVerify(),
			tsapi.WithLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))))
	}
	c, err := tsapi.New(server, opts...)
	return c, nil, err
}

// seedDemo fills the fake server with a plugin, a report, plugin results
// and 2,500 jobs: more than one page of the server's 1000-object cap.
func seedDemo(s *tsapitest.Server) {
	start := time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)
	s.AddPlugin(tsapitest.Plugin{ID: 1, Name: "variantCaller", Version: "5.18.0.1", Active: true, Selected: true,
		PluginSettings: map[string]any{"runlevels": []any{"default"}}})
	s.AddPlugin(tsapitest.Plugin{ID: 2, Name: "coverageAnalysis", Version: "5.18.0.3", Active: true, Selected: true})
	s.AddResult(tsapitest.Result{ID: 101, Name: "Auto_user_S5-0101-demo"})
	states := tsapi.JobStates
	for pr := int64(1); pr <= 25; pr++ {
		s.AddPluginResult(tsapitest.PluginResult{ID: pr, Result: 101, Plugin: 1 + pr%2, APIKey: fmt.Sprintf("demo-plugin-key-%d", pr)})
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

func section(out io.Writer, title string) { fmt.Fprintf(out, "\n== %s\n", title) }

func printJob(out io.Writer, j *tsapi.PluginResultJob) {
	ge := "null"
	if j.GridEngineJobID != nil {
		ge = strconv.FormatInt(*j.GridEngineJobID, 10)
	}
	fmt.Fprintf(out, "job %d  %-10s run_level=%-9s grid_engine_jobid=%s starttime=%s endtime=%s\n",
		j.ID, j.State, j.RunLevel, ge, timeText(j.StartTime), timeText(j.EndTime))
}

func timeText(t *tsapi.Time) string {
	if t == nil {
		return "null"
	}
	return t.String()
}

// demo tours the library. write allows the steps that change data.
func demo(ctx context.Context, out io.Writer, c *tsapi.Client, fake *tsapitest.Server, write bool) error {
	where := c.BaseURL().String()
	if fake != nil {
		where += " (in-process fake Torrent Server)"
	}
	fmt.Fprintf(out, "tsapi %s demo against %s\n", tsapi.Version, where)

	section(out, "One page of jobs, newest first, with tastypie's meta")
	jobs, resp, err := c.PluginResultJobs.List(ctx, &tsapi.PluginResultJobListOptions{ListOptions: tsapi.ListOptions{Limit: 3}})
	if err != nil {
		return err
	}
	for _, j := range jobs {
		printJob(out, j)
	}
	fmt.Fprintf(out, "meta: limit=%d offset=%d total_count=%d next=%s\n", resp.Meta.Limit, resp.Meta.Offset, resp.Meta.TotalCount, resp.Meta.Next)

	section(out, "Counting and filtering")
	running, _, err := c.PluginResultJobs.Count(ctx, &tsapi.PluginResultJobListOptions{
		StateIn: []tsapi.JobState{tsapi.StatePending, tsapi.StateQueued, tsapi.StateStarted}})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "running jobs (Pending, Queued, Started): %d\n", running)

	section(out, "Iterating over every job (the server sends at most 1000 a page)")
	n, byState := 0, map[tsapi.JobState]int{}
	pages := 0
	for page, err := range c.PluginResultJobs.Pages(ctx, nil) {
		if err != nil {
			return err
		}
		pages++
		for _, j := range page.Objects {
			n++
			byState[j.State]++
		}
	}
	fmt.Fprintf(out, "%d jobs in %d pages; Completed=%d Error=%d Started=%d\n", n, pages,
		byState[tsapi.StateCompleted], byState[tsapi.StateError], byState[tsapi.StateStarted])

	section(out, "One job and its config")
	if len(jobs) == 0 {
		fmt.Fprintln(out, "the server has no job")
		return nil
	}
	j, _, err := c.PluginResultJobs.Get(ctx, jobs[0].ID)
	if err != nil {
		return err
	}
	printJob(out, j)
	keys, err := j.Config.Map()
	if err != nil {
		fmt.Fprintf(out, "config is not an object: %v\n", err)
	} else {
		fmt.Fprintf(out, "config has %d keys\n", len(keys))
	}

	section(out, "Guard rails: refused before anything is sent")
	_, _, err = c.PluginResultJobs.List(ctx, &tsapi.PluginResultJobListOptions{ListOptions: tsapi.ListOptions{
		Filters: map[string][]string{"plugin_result": {"5"}}}})
	fmt.Fprintf(out, "unknown filter plugin_result: %v (ErrInvalidOption: %t)\n", err, errors.Is(err, tsapi.ErrInvalidOption))
	_, err = c.PluginResultJobs.DeleteAllMatching(ctx, nil)
	fmt.Fprintf(out, "delete without a filter: %v\n", err)

	section(out, "Schema against the library")
	if err := schemas(ctx, out, c); err != nil {
		return err
	}

	if !write {
		fmt.Fprintln(out, "\n(read-only against a real server; set TSAPI_DEMO_WRITE=1 to also run the steps that write)")
		return nil
	}

	section(out, "Changing a job's state: the server sets its times")
	var target *tsapi.PluginResultJob
	for job, err := range c.PluginResultJobs.All(ctx, &tsapi.PluginResultJobListOptions{State: tsapi.StateQueued}) {
		if err != nil {
			return err
		}
		target = job
		break
	}
	if target == nil {
		fmt.Fprintln(out, "no Queued job to move")
	} else {
		for _, st := range []tsapi.JobState{tsapi.StateStarted, tsapi.StateCompleted} {
			if _, err := c.PluginResultJobs.SetState(ctx, target.ID, st); err != nil {
				return err
			}
			got, _, err := c.PluginResultJobs.Get(ctx, target.ID)
			if err != nil {
				return err
			}
			printJob(out, got)
		}
	}

	section(out, "Deleting a job, and the typed error that follows")
	if fake != nil {
		victim := jobs[len(jobs)-1].ID
		if _, err := c.PluginResultJobs.Delete(ctx, victim); err != nil {
			return err
		}
		_, _, err = c.PluginResultJobs.Get(ctx, victim)
		var apiErr *tsapi.APIError
		fmt.Fprintf(out, "deleted job %d; get again: ErrNotFound=%t status=%d\n", victim, errors.Is(err, tsapi.ErrNotFound),
			func() int {
				if errors.As(err, &apiErr) {
					return apiErr.StatusCode
				}
				return 0
			}())
	} else {
		fmt.Fprintln(out, "(skipped against a real server)")
	}

	section(out, "Launching a plugin")
	if fake != nil {
		if _, err := c.Plugins.Launch(ctx, 101, &tsapi.LaunchRequest{Plugin: "variantCaller", Config: map[string]any{"threads": 8}}); err != nil {
			return err
		}
		prs, _, err := c.PluginResults.List(ctx, &tsapi.PluginResultListOptions{ListOptions: tsapi.ListOptions{Limit: 1}})
		if err != nil {
			return err
		}
		pr := prs[0]
		fmt.Fprintf(out, "plugin result %d of %s: state %s, %d job(s), key %v\n", pr.ID, pr.PluginName, pr.State, len(pr.Jobs), pr.APIKey)
		_, err = c.Plugins.Launch(ctx, 101, &tsapi.LaunchRequest{Plugin: "noSuchPlugin"})
		fmt.Fprintf(out, "unknown plugin: ErrGone=%t\n", errors.Is(err, tsapi.ErrGone))
	} else {
		fmt.Fprintln(out, "(skipped against a real server)")
	}
	fmt.Fprintln(out, "\ndemo done")
	return nil
}

func listJobs(ctx context.Context, out io.Writer, c *tsapi.Client, args []string) error {
	fs := flag.NewFlagSet("jobs", flag.ContinueOnError)
	fs.SetOutput(out)
	state := fs.String("state", "", "only jobs in this state")
	all := fs.Bool("all", false, "every job, not one page")
	limit := fs.Int("limit", 20, "page size")
	if err := fs.Parse(args); err != nil {
		return err
	}
	opts := &tsapi.PluginResultJobListOptions{State: tsapi.JobState(*state), ListOptions: tsapi.ListOptions{Limit: *limit}}
	if !*all {
		jobs, resp, err := c.PluginResultJobs.List(ctx, opts)
		if err != nil {
			return err
		}
		for _, j := range jobs {
			printJob(out, j)
		}
		fmt.Fprintf(out, "%d of %d\n", len(jobs), resp.Meta.TotalCount)
		return nil
	}
	n := 0
	for j, err := range c.PluginResultJobs.All(ctx, opts) {
		if err != nil {
			return err
		}
		printJob(out, j)
		n++
	}
	fmt.Fprintf(out, "%d jobs\n", n)
	return nil
}

func schemas(ctx context.Context, out io.Writer, c *tsapi.Client) error {
	for _, r := range []struct {
		name  string
		check func(context.Context) (*tsapi.SchemaDrift, *tsapi.Response, error)
	}{
		{"PluginResultJob", c.PluginResultJobs.CheckSchema},
		{"pluginresult", c.PluginResults.CheckSchema},
		{"plugin", c.Plugins.CheckSchema},
	} {
		d, _, err := r.check(ctx)
		if err != nil {
			return fmt.Errorf("%s schema: %w", r.name, err)
		}
		fmt.Fprintf(out, "%s: %s\n", r.name, d)
	}
	return nil
}
