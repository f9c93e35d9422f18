package root

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/tsapi-go/tsapi"
	"github.com/tsapi-go/tsapi/internal/cli/cmdutil"
	"github.com/tsapi-go/tsapi/internal/cli/schema"
)

// DemoOptions are what demo needs.
type DemoOptions struct {
	IO      *cmdutil.IOStreams
	Servers func() ([]*cmdutil.Server, error)
	Ctx     context.Context

	// Fake says the server is the in-process fake (--demo).
	Fake bool
	// Write runs the steps that change data on a real server too.
	Write bool
}

// NewCmdDemo returns demo; runF, when not nil, runs instead of demoRun.
func NewCmdDemo(f *cmdutil.Factory, runF func(*DemoOptions) error) *cobra.Command {
	opts := &DemoOptions{IO: f.IOStreams, Servers: f.Servers}
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Tour the library against a server (with --demo, an in-process fake)",
		Long: `Tour what the library does: pages and meta, counting, iteration over every
job, typed errors, the guard rails, the schema, and (against the fake server,
or with --write) state changes, a deletion and a plugin launch.`,
		Example: "  tsapi --demo demo\n  tsapi --server https://ts.example.org demo",
		Args:    cmdutil.ExactArgs(0, "no argument"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.Fake, opts.Ctx = f.Flags.Demo, cmd.Context()
			if runF != nil {
				return runF(opts)
			}
			return demoRun(opts)
		},
	}
	cmd.Flags().BoolVar(&opts.Write, "write", false, "also run the steps that change data on a real server")
	return cmd
}

func demoRun(opts *DemoOptions) error {
	ss, err := opts.Servers()
	if err != nil {
		return err
	}
	if len(ss) != 1 || ss[0].Err != nil {
		return cmdutil.Usagef("the demo takes one server (got %d)", len(ss))
	}
	err = demo(opts.Ctx, opts.IO.Out, ss[0].Client, opts.Fake, opts.Write || opts.Fake)
	return cmdutil.Explain(err, ss[0], "change jobs")
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
func demo(ctx context.Context, out io.Writer, c *tsapi.Client, fake bool, write bool) error {
	where := c.BaseURL().String()
	if fake {
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

	section(out, "The run a job belongs to: its plugin result, analysis result, experiment and plan")
	if err := runOf(ctx, out, c, j.ID); err != nil {
		return err
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
		fmt.Fprintln(out, "\n(read-only against a real server; add --write to also run the steps that write)")
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
	if fake {
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
	if fake {
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

// runOf follows job id to its run and the run's plan, saying where a link
// is missing.
func runOf(ctx context.Context, out io.Writer, c *tsapi.Client, id int64) error {
	run, err := c.RunOfJob(ctx, id)
	switch {
	case errors.Is(err, tsapi.ErrNoLink) && run.PluginResult == nil:
		fmt.Fprintf(out, "job %d: no plugin result holds it\n", id)
		return nil
	case errors.Is(err, tsapi.ErrNoLink):
		fmt.Fprintf(out, "job %d: %s on %s, which analysed no run\n", id, run.PluginResult.PluginName, run.Result.ResultsName)
		return nil
	case err != nil:
		return err
	}
	fmt.Fprintf(out, "job %d: %s (plugin result %d) on %s (result %d, %s)\n", id, run.PluginResult.PluginName, run.PluginResult.ID,
		run.Result.ResultsName, run.Result.ID, run.Result.Status)
	e := run.Experiment
	fmt.Fprintf(out, "run %s (experiment %d): chip %s on %s, %s\n", e.ExpName, e.ID, e.ChipType, e.PGMName, e.Date.UTC().Format("2006-01-02"))
	plan, _, err := c.PlanOf(ctx, e)
	switch {
	case errors.Is(err, tsapi.ErrNoLink):
		fmt.Fprintln(out, "plan: none (the run was not planned)")
	case err != nil:
		return err
	default:
		fmt.Fprintf(out, "plan %s (%d): %s\n", derefOr(plan.PlanShortID, "-"), plan.ID, derefOr(plan.PlanName, "-"))
	}
	return nil
}

func derefOr(p *string, or string) string {
	if p == nil || *p == "" {
		return or
	}
	return *p
}

func schemas(ctx context.Context, out io.Writer, c *tsapi.Client) error {
	for _, r := range schema.Checks(c) {
		d, _, err := r.Check(ctx)
		if err != nil {
			return cmdutil.About(err, "the %s schema", r.Name)
		}
		fmt.Fprintf(out, "%s: %s\n", r.Name, d)
	}
	return nil
}
