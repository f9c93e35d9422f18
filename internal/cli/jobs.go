package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/tsapi-go/tsapi"
)

// jobFilter are the flags that select jobs.
type jobFilter struct {
	states   []string
	runLevel string
	since    string
	until    string
	filters  []string
}

func (jf *jobFilter) register(fs *pflag.FlagSet) {
	fs.StringArrayVar(&jf.states, "state", nil, "only jobs in this state (repeat for several): "+stateList())
	fs.StringVar(&jf.runLevel, "run-level", "", "only jobs at this run level: "+runLevelList())
	fs.StringVar(&jf.since, "since", "", "only jobs started at or after this time (2026-11-30, an RFC 3339 time, or a duration ago such as 24h)")
	fs.StringVar(&jf.until, "until", "", "only jobs started at or before this time (as --since)")
	fs.StringArrayVar(&jf.filters, "filter", nil, "a further filter name__lookup=value, checked as the library checks filters (repeatable)")
}

func stateList() string {
	var s []string
	for _, st := range tsapi.JobStates {
		s = append(s, string(st))
	}
	return strings.Join(s, ", ")
}

func runLevelList() string {
	var s []string
	for _, l := range tsapi.RunLevels {
		s = append(s, string(l))
	}
	return strings.Join(s, ", ")
}

// checkState refuses a state the server does not store.
func checkState(s string) (tsapi.JobState, error) {
	st := tsapi.JobState(s)
	if !st.IsKnown() {
		for _, k := range tsapi.JobStates {
			if strings.EqualFold(string(k), s) {
				return "", usagef("unknown state %q: did you mean %q? (states: %s)", s, k, stateList())
			}
		}
		return "", usagef("unknown state %q (states: %s)", s, stateList())
	}
	return st, nil
}

func checkRunLevel(s string) (tsapi.RunLevel, error) {
	l := tsapi.RunLevel(s)
	if !slices.Contains(tsapi.RunLevels, l) {
		return "", usagef("unknown run level %q (run levels: %s)", s, runLevelList())
	}
	return l, nil
}

// parseWhen reads a date, an RFC 3339 time, or a duration before now.
func parseWhen(flag, s string, now time.Time) (*time.Time, error) {
	if s == "" {
		return nil, nil
	}
	if d, err := time.ParseDuration(s); err == nil {
		t := now.Add(-d)
		return &t, nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			return &t, nil
		}
	}
	return nil, usagef("--%s %q is neither a time (2026-11-30, 2026-11-30T08:00:00Z) nor a duration (24h)", flag, s)
}

// parseFilters reads name=value pairs.
func parseFilters(pairs []string) (map[string][]string, error) {
	if len(pairs) == 0 {
		return nil, nil
	}
	out := map[string][]string{}
	for _, p := range pairs {
		k, v, ok := strings.Cut(p, "=")
		if !ok || k == "" {
			return nil, usagef("--filter %q: want name__lookup=value", p)
		}
		out[k] = append(out[k], v)
	}
	return out, nil
}

// options builds the list options; empty reports whether no filter was
// given.
func (jf *jobFilter) options() (*tsapi.PluginResultJobListOptions, bool, error) {
	o := &tsapi.PluginResultJobListOptions{}
	empty := true
	for _, s := range jf.states {
		st, err := checkState(s)
		if err != nil {
			return nil, false, err
		}
		o.StateIn = append(o.StateIn, st)
	}
	if len(o.StateIn) == 1 {
		o.State, o.StateIn = o.StateIn[0], nil
	}
	if len(jf.states) > 0 {
		empty = false
	}
	if jf.runLevel != "" {
		l, err := checkRunLevel(jf.runLevel)
		if err != nil {
			return nil, false, err
		}
		o.RunLevel, empty = l, false
	}
	now := time.Now()
	var err error
	if o.StartTimeGte, err = parseWhen("since", jf.since, now); err != nil {
		return nil, false, err
	}
	if o.StartTimeLte, err = parseWhen("until", jf.until, now); err != nil {
		return nil, false, err
	}
	if o.StartTimeGte != nil || o.StartTimeLte != nil {
		empty = false
	}
	if o.Filters, err = parseFilters(jf.filters); err != nil {
		return nil, false, err
	}
	if o.Filters != nil {
		empty = false
	}
	return o, empty, nil
}

// selection reads the jobs a write names: ids, or the filter flags (opts
// is then the filter), never both and never neither.
func (jf *jobFilter) selection(args []string, verb string) ([]int64, *tsapi.PluginResultJobListOptions, error) {
	ids, err := parseIDs(args)
	if err != nil {
		return nil, nil, err
	}
	opts, empty, err := jf.options()
	if err != nil {
		return nil, nil, err
	}
	switch {
	case len(ids) > 0 && !empty:
		return nil, nil, usagef("name jobs by id or by filter, not both")
	case len(ids) == 0 && empty:
		return nil, nil, usagef("name the jobs to %s: ids, or filter flags (--state, --run-level, --since, --until, --filter)", verb)
	}
	return ids, opts, nil
}

// describe says what the filter selects, for prompts.
func (jf *jobFilter) describe() string {
	var parts []string
	for _, s := range jf.states {
		parts = append(parts, "state="+s)
	}
	if jf.runLevel != "" {
		parts = append(parts, "run_level="+jf.runLevel)
	}
	if jf.since != "" {
		parts = append(parts, "since "+jf.since)
	}
	if jf.until != "" {
		parts = append(parts, "until "+jf.until)
	}
	parts = append(parts, jf.filters...)
	return strings.Join(parts, ", ")
}

func parseID(s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, usagef("%q is not an id (a positive number)", s)
	}
	return id, nil
}

func parseIDs(args []string) ([]int64, error) {
	ids := make([]int64, 0, len(args))
	for _, a := range args {
		id, err := parseID(a)
		if err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, nil
}

func newJobsCmd(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "jobs <command>",
		Short: "List, watch and change plugin jobs (PluginResultJob)",
		Long: `Plugin jobs are the grid-engine jobs of plugin runs. Their states are
` + stateList() + `; Pending, Queued and Started are running, the others are end states.`,
		Example: `  tsapi jobs list --state Error --since 24h
  tsapi jobs get 1498
  tsapi jobs set-state 1498 Cancelled
  tsapi jobs wait 1498 && echo completed`,
	}
	cmd.AddCommand(newJobsListCmd(f), newJobsGetCmd(f), newJobsSetStateCmd(f), newJobsPatchCmd(f),
		newJobsDeleteCmd(f), newJobsWaitCmd(f), newJobsWatchCmd(f))
	return cmd
}

func newJobsListCmd(f *Factory) *cobra.Command {
	var jf jobFilter
	var limit int
	var all bool
	cmd := &cobra.Command{
		Use:   "list [flags]",
		Short: "List jobs, newest first",
		Long: `List the jobs matching the filters, newest first: one page (--limit, 20 by
default), or every one with --all.`,
		Example: `  tsapi jobs list
  tsapi jobs list --state Started --state Queued
  tsapi jobs list --run-level block --since 2026-11-30 --all -o jsonl
  tsapi jobs list --filter grid_engine_jobid__isnull=true --fields id,state`,
		Args: exactArgs(0, "no argument (filters are flags)"),
		RunE: run(func(cmd *cobra.Command, _ []string) error {
			opts, _, err := jf.options()
			if err != nil {
				return err
			}
			if limit < 0 || limit > 1000 {
				return usagef("--limit must be between 1 and 1000")
			}
			return f.each(cmd.Context(), jobFields, func(ctx context.Context, c *tsapi.Client) ([]*record, error) {
				o := *opts
				if !all {
					o.Limit = cmp(limit, 20)
					jobs, _, err := c.PluginResultJobs.List(ctx, &o)
					return jobRecords(jobs), err
				}
				var recs []*record
				for page, err := range c.PluginResultJobs.Pages(ctx, &o) {
					if err != nil {
						f.IO.ProgressDone()
						return recs, err
					}
					for _, j := range page.Objects {
						recs = append(recs, jobRecord(j))
					}
					f.IO.Progress("%s: %d of %d jobs", c.BaseURL().Host, len(recs), page.Meta.TotalCount)
				}
				f.IO.ProgressDone()
				return recs, nil
			})
		}),
	}
	jf.register(cmd.Flags())
	cmd.Flags().IntVar(&limit, "limit", 0, "page size without --all (default 20, at most 1000)")
	cmd.Flags().BoolVar(&all, "all", false, "every matching job, page after page (progress on stderr)")
	return cmd
}

func cmp(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

func jobRecords(jobs []*tsapi.PluginResultJob) []*record {
	out := make([]*record, len(jobs))
	for i, j := range jobs {
		out[i] = jobRecord(j)
	}
	return out
}

func newJobsGetCmd(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "get ID [ID...]",
		Short: "Show jobs by id",
		Example: `  tsapi jobs get 1498
  tsapi jobs get 1498 1499 -o json
  tsapi jobs get 1498 --fields id,state,duration,config`,
		Args: cobra.MinimumNArgs(1),
		RunE: run(func(cmd *cobra.Command, args []string) error {
			ids, err := parseIDs(args)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			if len(ids) == 1 {
				ctx = single(ctx)
			}
			return f.each(ctx, append(slices.Clone(jobFields), "duration"), func(ctx context.Context, c *tsapi.Client) ([]*record, error) {
				if len(ids) == 1 {
					j, _, err := c.PluginResultJobs.Get(ctx, ids[0])
					if err != nil {
						return nil, aboutf(err, "job %d", ids[0])
					}
					return []*record{jobRecord(j)}, nil
				}
				jobs, missing, _, err := c.PluginResultJobs.GetSet(ctx, ids...)
				if err == nil && len(missing) > 0 {
					err = fmt.Errorf("no job %v: %w", missing, tsapi.ErrNotFound)
				}
				return jobRecords(jobs), err
			})
		}),
	}
}

// confirm asks before a destructive step: on a terminal it asks, otherwise
// it needs --yes.
func (f *Factory) confirm(yes bool, question string) error {
	if yes {
		return nil
	}
	if !f.IO.InTTY || !f.IO.ErrTTY {
		return usagef("%s: not a terminal, so not asked; add --yes to go ahead", question)
	}
	if !f.IO.Confirm(question) {
		return &exitError{code: ExitError, err: errors.New("not confirmed: nothing was changed")}
	}
	return nil
}

func newJobsSetStateCmd(f *Factory) *cobra.Command {
	var dry, allServers bool
	cmd := &cobra.Command{
		Use:   "set-state ID STATE",
		Short: "Change a job's state",
		Long: `Change a job's state (PATCH {"state": ...}); the server stamps the job's start
time for Started and its end time for an end state. The state must be one the
server stores: ` + stateList() + `. When the answer is lost the
job is read again: if another client changed it meanwhile, the tool exits 8
and changes nothing more.`,
		Example: `  tsapi jobs set-state 1498 Cancelled
  tsapi jobs set-state 1498 "Timed Out" --dry-run`,
		Args: exactArgs(2, "a job id and a state"),
		RunE: run(func(cmd *cobra.Command, args []string) error {
			id, err := parseID(args[0])
			if err != nil {
				return err
			}
			st, err := checkState(args[1])
			if err != nil {
				return err
			}
			if _, err := f.writeTargets(true, allServers, dry, "jobs set-state"); err != nil {
				return err
			}
			ctx := single(cmd.Context())
			return f.each(ctx, append(slices.Clone(jobFields), "duration"), func(ctx context.Context, c *tsapi.Client) ([]*record, error) {
				if _, err := c.PluginResultJobs.SetState(ctx, id, st); err != nil {
					return nil, aboutf(err, "job %d", id)
				}
				if dry {
					return nil, nil
				}
				j, _, err := c.PluginResultJobs.Get(ctx, id)
				if err != nil {
					return nil, aboutf(err, "job %d changed, but reading it back failed", id)
				}
				return []*record{jobRecord(j)}, nil
			})
		}),
	}
	cmd.Flags().BoolVar(&dry, "dry-run", false, "print the request instead of sending it")
	cmd.Flags().BoolVar(&allServers, "all-servers", false, "with several servers, change the job with this id on every one")
	return cmd
}

// patchFlags are the new values of jobs patch.
type patchFlags struct {
	state, runLevel, gridID, configFile string
}

func (pf *patchFlags) patch(stdin io.Reader) (*tsapi.PluginResultJobPatch, error) {
	p := &tsapi.PluginResultJobPatch{}
	if pf.state != "" {
		st, err := checkState(pf.state)
		if err != nil {
			return nil, err
		}
		p.State = st
	}
	if pf.runLevel != "" {
		l, err := checkRunLevel(pf.runLevel)
		if err != nil {
			return nil, err
		}
		p.RunLevel = l
	}
	switch pf.gridID {
	case "":
	case "null":
		p.GridEngineJobID = tsapi.Null[int64]()
	default:
		n, err := strconv.ParseInt(pf.gridID, 10, 64)
		if err != nil {
			return nil, usagef("--set-grid-engine-jobid %q: want a number or null", pf.gridID)
		}
		p.GridEngineJobID = tsapi.Value(n)
	}
	if pf.configFile != "" {
		b, err := readInput(pf.configFile, stdin)
		if err != nil {
			return nil, err
		}
		cfg, err := tsapi.JobConfigFromJSON(b)
		if err != nil {
			return nil, usagef("--set-config %s: %v", pf.configFile, err)
		}
		p.Config = &cfg
	}
	if *p == (tsapi.PluginResultJobPatch{}) {
		return nil, usagef("nothing to change: give --set-state, --set-run-level, --set-grid-engine-jobid or --set-config")
	}
	return p, nil
}

// readInput reads a file, or stdin for "-".
func readInput(name string, stdin io.Reader) ([]byte, error) {
	if name == "-" {
		return io.ReadAll(stdin)
	}
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, usagef("%v", err)
	}
	return b, nil
}

func newJobsPatchCmd(f *Factory) *cobra.Command {
	var jf jobFilter
	var pf patchFlags
	var dry, yes, allServers bool
	cmd := &cobra.Command{
		Use:   "patch [ID...] --set-... [flags]",
		Short: "Change fields of jobs, by id or by filter",
		Long: `Change fields of the jobs named by id, or of every job matching the filter
flags (one atomic bulk PATCH a server). Patching by filter asks for
confirmation on a terminal and needs --yes otherwise.`,
		Example: `  tsapi jobs patch 1498 --set-run-level post
  tsapi jobs patch 1498 --set-config config.json
  tsapi jobs patch --state Queued --run-level block --set-state Cancelled --yes`,
		RunE: run(func(cmd *cobra.Command, args []string) error {
			patch, err := pf.patch(f.IO.In)
			if err != nil {
				return err
			}
			ids, opts, err := jf.selection(args, "patch")
			if err != nil {
				return err
			}
			ts, err := f.writeTargets(len(ids) > 0, allServers, dry, "jobs patch")
			if err != nil {
				return err
			}
			if len(ids) == 0 && !dry {
				if err := f.confirm(yes, fmt.Sprintf("Patch every job matching %s on %s", jf.describe(), names(ts))); err != nil {
					return err
				}
			}
			return f.each(cmd.Context(), jobFields, func(ctx context.Context, c *tsapi.Client) ([]*record, error) {
				if len(ids) > 0 {
					for _, id := range ids {
						if _, _, err := c.PluginResultJobs.Patch(ctx, id, patch); err != nil {
							return nil, aboutf(err, "job %d", id)
						}
					}
					if dry {
						return nil, nil
					}
					jobs, _, _, err := c.PluginResultJobs.GetSet(ctx, ids...)
					return jobRecords(jobs), err
				}
				return patchMatching(ctx, c, opts, patch, dry)
			})
		}),
	}
	jf.register(cmd.Flags())
	cmd.Flags().StringVar(&pf.state, "set-state", "", "the new state")
	cmd.Flags().StringVar(&pf.runLevel, "set-run-level", "", "the new run level")
	cmd.Flags().StringVar(&pf.gridID, "set-grid-engine-jobid", "", "the new grid-engine job id, or null")
	cmd.Flags().StringVar(&pf.configFile, "set-config", "", "a file holding the new config, a JSON object (- for stdin)")
	cmd.Flags().BoolVar(&dry, "dry-run", false, "print the requests instead of sending them")
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "patch by filter without asking")
	cmd.Flags().BoolVar(&allServers, "all-servers", false, "with several servers, patch the jobs with these ids on every one")
	return cmd
}

func names(ts []target) string {
	var n []string
	for _, t := range ts {
		n = append(n, t.name)
	}
	return strings.Join(n, ", ")
}

func newJobsDeleteCmd(f *Factory) *cobra.Command {
	var jf jobFilter
	var dry, yes, allServers bool
	cmd := &cobra.Command{
		Use:   "delete [ID...] [flags]",
		Short: "Delete jobs, by id or by filter",
		Long: `Delete the jobs named by id, or every job matching the filter flags (one
DELETE on the list, which the server applies to every match). It asks for
confirmation on a terminal and needs --yes otherwise. A filter the server
does not know is refused before anything is sent: the server would ignore
it and delete every job.`,
		Example: `  tsapi jobs delete 1498
  tsapi jobs delete --state Error --until 720h --yes
  tsapi jobs delete --state Declined --dry-run`,
		RunE: run(func(cmd *cobra.Command, args []string) error {
			ids, opts, err := jf.selection(args, "delete")
			if err != nil {
				return err
			}
			ts, err := f.writeTargets(len(ids) > 0, allServers, dry, "jobs delete")
			if err != nil {
				return err
			}
			if !dry {
				what := fmt.Sprintf("job(s) %s", strings.Join(args, ", "))
				if len(ids) == 0 {
					var counts []string
					for _, t := range ts {
						n, _, err := t.client.PluginResultJobs.Count(cmd.Context(), opts)
						if err != nil {
							return aboutf(err, "%s", t.name)
						}
						counts = append(counts, strconv.Itoa(n))
					}
					what = fmt.Sprintf("every job matching %s (%s)", jf.describe(), strings.Join(counts, " + "))
				}
				if err := f.confirm(yes, fmt.Sprintf("Delete %s on %s", what, names(ts))); err != nil {
					return err
				}
			}
			return f.each(cmd.Context(), []string{"deleted", "matched", "what"}, func(ctx context.Context, c *tsapi.Client) ([]*record, error) {
				if len(ids) == 0 {
					return deleteMatching(ctx, c, f.target(c).user, opts, jf.describe(), dry)
				}
				var recs []*record
				for _, id := range ids {
					if _, err := c.PluginResultJobs.Delete(ctx, id); err != nil {
						return recs, aboutf(err, "job %d", id)
					}
					if !dry {
						recs = append(recs, newRecord().set("deleted", 1).set("matched", 1).set("what", fmt.Sprintf("job %d", id)))
					}
				}
				return recs, nil
			})
		}),
	}
	jf.register(cmd.Flags())
	cmd.Flags().BoolVar(&dry, "dry-run", false, "print the requests instead of sending them")
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "delete without asking")
	cmd.Flags().BoolVar(&allServers, "all-servers", false, "with several servers, delete the jobs with these ids on every one")
	return cmd
}

func newJobsWaitCmd(f *Factory) *cobra.Command {
	var interval, timeout time.Duration
	cmd := &cobra.Command{
		Use:   "wait ID",
		Short: "Wait until a job ends; the exit code says how",
		Long: `Poll a job until it is in an end state, print it, and exit with a code that
says which: 0 Completed, 10 Error, 11 Cancelled, 12 Timed Out, 13 Declined,
14 another end state (Unknown, Resource, Archived). 3 when the job does not
exist or is deleted while waited for.`,
		Example: `  tsapi jobs wait 1498
  tsapi jobs wait 1498 --interval 30s --timeout 2h || echo "job 1498 failed: $?"`,
		Args: exactArgs(1, "a job id"),
		RunE: run(func(cmd *cobra.Command, args []string) error {
			id, err := parseID(args[0])
			if err != nil {
				return err
			}
			ts, err := f.targets()
			if err != nil {
				return err
			}
			if len(ts) != 1 {
				return usagef("jobs wait takes one server")
			}
			if interval <= 0 {
				return usagef("--interval must be positive")
			}
			ctx := cmd.Context()
			if timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, timeout)
				defer cancel()
			}
			start := time.Now()
			var job, last *tsapi.PluginResultJob
			for {
				j, _, err := ts[0].client.PluginResultJobs.Get(ctx, id)
				if err != nil {
					f.IO.ProgressDone()
					switch {
					case errors.Is(err, context.DeadlineExceeded) && last != nil:
						return &exitError{code: ExitError, err: fmt.Errorf("job %d is still %s after %s", id, last.State, timeout)}
					case errors.Is(err, context.DeadlineExceeded):
						return &exitError{code: ExitError, err: fmt.Errorf("job %d has not ended after %s", id, timeout)}
					}
					return aboutf(err, "job %d", id)
				}
				if j.State.IsTerminal() {
					job = j
					break
				}
				last = j
				f.IO.Progress("job %d: %s (waiting %s)", id, j.State, time.Since(start).Round(time.Second))
				select {
				case <-ctx.Done():
					f.IO.ProgressDone()
					if errors.Is(ctx.Err(), context.DeadlineExceeded) {
						return &exitError{code: ExitError, err: fmt.Errorf("job %d is still %s after %s", id, j.State, timeout)}
					}
					return ctx.Err()
				case <-time.After(interval):
				}
			}
			f.IO.ProgressDone()
			p, err := f.printer(append(slices.Clone(jobFields), "duration"))
			if err != nil {
				return err
			}
			if err := p.add(jobRecord(job)); err != nil {
				return err
			}
			if err := p.flush(true); err != nil {
				return err
			}
			if code := waitExitCode(job.State); code != ExitOK {
				return &exitError{code: code}
			}
			return nil
		}),
	}
	cmd.Flags().DurationVar(&interval, "interval", 5*time.Second, "time between polls")
	cmd.Flags().DurationVar(&timeout, "timeout", 0, "give up after this long (exit 1)")
	return cmd
}

func newJobsWatchCmd(f *Factory) *cobra.Command {
	var runLevel string
	var filters []string
	var interval time.Duration
	var existing bool
	cmd := &cobra.Command{
		Use:   "watch [flags]",
		Short: "Stream the state changes of jobs until interrupted",
		Long: `Print an event each time a job appears, changes state while running, or is
deleted while running, on every server named, until interrupted (Ctrl-C,
which exits 0). A server that stops answering is retried with a growing wait
and does not stop the others. Output is table, tsv or jsonl: an event a line.`,
		Example: `  tsapi jobs watch
  tsapi --profile all jobs watch --run-level block -o jsonl
  tsapi jobs watch --existing --interval 30s`,
		Args: exactArgs(0, "no argument"),
		RunE: run(func(cmd *cobra.Command, _ []string) error {
			format := f.Globals.Output
			if format == formatJSON || format == formatYAML {
				return usagef("jobs watch streams events: use -o table, tsv or jsonl")
			}
			opts := &tsapi.WatchOptions{Interval: interval, Existing: existing, Filter: &tsapi.PluginResultJobListOptions{}}
			if runLevel != "" {
				l, err := checkRunLevel(runLevel)
				if err != nil {
					return err
				}
				opts.Filter.RunLevel = l
			}
			fs, err := parseFilters(filters)
			if err != nil {
				return err
			}
			opts.Filter.Filters = fs
			ts, err := f.targets()
			if err != nil {
				return err
			}
			multi := len(ts) > 1
			fields := []string{"time", "event", "id", "previous", "state"}
			if len(f.Globals.Fields) > 0 {
				fields = f.Globals.Fields
			}
			if multi {
				fields = append([]string{"server"}, fields...)
			}
			tableOut := format == formatTable || (format == "" && f.IO.OutTTY)
			events := make(chan *record)
			errs := make(chan error, len(ts))
			ctx := cmd.Context()
			for _, t := range ts {
				go func() {
				loop:
					for ev, err := range t.client.PluginResultJobs.Watch(ctx, withOnError(opts, f, t.name)) {
						if err != nil {
							errs <- aboutf(err, "%s", t.name)
							return
						}
						r := newRecord().set("server", t.name).set("time", time.Now().UTC().Format("2006-01-02T15:04:05.000Z")).
							set("event", ev.Type.String()).set("id", ev.ID).set("previous", string(ev.Previous)).set("state", string(stateOfEvent(ev)))
						if ev.Job != nil {
							for _, k := range jobRecord(ev.Job).keys {
								if _, taken := r.values[k]; !taken {
									r.set(k, jobRecord(ev.Job).values[k])
								}
							}
						}
						select {
						case events <- r:
						case <-ctx.Done():
							break loop
						}
					}
					errs <- nil
				}()
			}
			if tableOut {
				var head []string
				for _, k := range fields {
					head = append(head, fmt.Sprintf("%-*s", width(k), strings.ToUpper(k)))
				}
				fmt.Fprintln(f.IO.Out, strings.TrimRight(strings.Join(head, "  "), " "))
			}
			p := &printer{w: f.IO.Out, format: formatTSV}
			if format == formatJSONL {
				p.format = formatJSONL
			}
			running, failed := len(ts), 0
			for running > 0 {
				select {
				case r := <-events:
					r, err := r.pick(fields)
					if err != nil {
						return err
					}
					if tableOut {
						var cells []string
						for _, k := range r.keys {
							cells = append(cells, fmt.Sprintf("%-*s", width(k), cell(r.values[k])))
						}
						fmt.Fprintln(f.IO.Out, strings.TrimRight(strings.Join(cells, "  "), " "))
						continue
					}
					if err := p.add(r); err != nil {
						return err
					}
				case err := <-errs:
					running--
					if err != nil {
						failed++
						fmt.Fprintln(f.IO.ErrOut, "tsapi: "+err.Error())
					}
				}
			}
			switch {
			case failed == 0 || errors.Is(ctx.Err(), context.Canceled):
				return nil
			case failed < len(ts):
				return &exitError{code: ExitPartial, err: fmt.Errorf("%d of %d watches ended with an error", failed, len(ts))}
			}
			return &exitError{code: ExitError, err: errors.New("every watch ended with an error")}
		}),
	}
	cmd.Flags().StringVar(&runLevel, "run-level", "", "only jobs at this run level")
	cmd.Flags().StringArrayVar(&filters, "filter", nil, "a further filter name__lookup=value (not on state or id)")
	cmd.Flags().DurationVar(&interval, "interval", tsapi.DefaultWatchInterval, "time between polls of each server")
	cmd.Flags().BoolVar(&existing, "existing", false, "first report the jobs running now")
	return cmd
}

func withOnError(opts *tsapi.WatchOptions, f *Factory, name string) *tsapi.WatchOptions {
	o := *opts
	o.OnError = func(err error) {
		fmt.Fprintf(f.IO.ErrOut, "tsapi: %s: not answering, trying again: %s\n", name, strings.TrimPrefix(err.Error(), "tsapi: "))
	}
	return &o
}

func stateOfEvent(ev tsapi.JobEvent) tsapi.JobState {
	if ev.Job == nil {
		return ""
	}
	return ev.Job.State
}

// width is the column width of a streamed table.
func width(field string) int {
	switch field {
	case "time", "starttime", "endtime":
		return 24
	case "server":
		return 24
	case "event", "id", "previous", "state", "run_level":
		return 10
	}
	return 12
}

// matchingIDs lists the ids of the jobs matching opts on one server.
func matchingIDs(ctx context.Context, c *tsapi.Client, opts *tsapi.PluginResultJobListOptions) ([]int64, error) {
	var ids []int64
	for j, err := range c.PluginResultJobs.All(ctx, opts) {
		if err != nil {
			return nil, err
		}
		ids = append(ids, j.ID)
	}
	return ids, nil
}

// patchMatching patches the jobs matching opts on one server in one bulk
// PATCH, then reads them again and reports the jobs that hold the new
// values: a server may accept a write and apply none of it.
func patchMatching(ctx context.Context, c *tsapi.Client, opts *tsapi.PluginResultJobListOptions, patch *tsapi.PluginResultJobPatch, dry bool) ([]*record, error) {
	ids, err := matchingIDs(ctx, c, opts)
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	ups := make([]tsapi.BulkUpdate[tsapi.PluginResultJobPatch], len(ids))
	for i, id := range ids {
		ups[i] = tsapi.BulkUpdate[tsapi.PluginResultJobPatch]{ID: id, Patch: patch}
	}
	if _, err := c.PluginResultJobs.BulkPatch(ctx, ups, nil); err != nil {
		return nil, err
	}
	if dry {
		return nil, nil
	}
	jobs, _, _, err := c.PluginResultJobs.GetSet(ctx, ids...)
	if err != nil {
		return nil, aboutf(err, "the jobs were patched, but reading them back failed")
	}
	var held []*tsapi.PluginResultJob
	for _, j := range jobs {
		if holds(j, patch) {
			held = append(held, j)
		}
	}
	if len(held) < len(ids) {
		return jobRecords(held), &exitError{code: ExitError, err: fmt.Errorf(
			"the server accepted the patch, but %d of %d jobs hold the new values", len(held), len(ids))}
	}
	return jobRecords(held), nil
}

// holds reports whether job j holds every value that patch sets.
func holds(j *tsapi.PluginResultJob, p *tsapi.PluginResultJobPatch) bool {
	if p.State != "" && j.State != p.State {
		return false
	}
	if p.RunLevel != "" && j.RunLevel != p.RunLevel {
		return false
	}
	if !p.GridEngineJobID.IsZero() {
		want, ok := p.GridEngineJobID.Get()
		if ok != (j.GridEngineJobID != nil) || (ok && *j.GridEngineJobID != want) {
			return false
		}
	}
	if p.Config != nil && !sameJSON(j.Config.Raw(), p.Config.Raw()) {
		return false
	}
	return true
}

// sameJSON reports whether two JSON texts hold the same value.
func sameJSON(a, b []byte) bool {
	var va, vb any
	if json.Unmarshal(a, &va) != nil || json.Unmarshal(b, &vb) != nil {
		return bytes.Equal(a, b)
	}
	return reflect.DeepEqual(va, vb)
}

// deleteMatching deletes the jobs matching opts on one server, then
// reads them again and reports how many went: a Torrent Server answers
// 204 to a delete by filter from an account that may not delete, and
// deletes nothing.
func deleteMatching(ctx context.Context, c *tsapi.Client, user string, opts *tsapi.PluginResultJobListOptions, what string, dry bool) ([]*record, error) {
	ids, err := matchingIDs(ctx, c, opts)
	if err != nil {
		return nil, err
	}
	if _, err := c.PluginResultJobs.DeleteAllMatching(ctx, opts); err != nil {
		return nil, err
	}
	if dry {
		return nil, nil
	}
	left, _, _, err := c.PluginResultJobs.GetSet(ctx, ids...)
	if len(ids) == 0 {
		left, err = nil, nil
	}
	if err != nil {
		return nil, aboutf(err, "the delete was sent, but counting what is left failed")
	}
	deleted := len(ids) - len(left)
	rec := newRecord().set("deleted", deleted).set("matched", len(ids)).set("what", what)
	switch {
	case deleted == 0 && len(ids) > 0:
		who := "this account"
		if user != "" {
			who = "user " + user
		}
		return nil, &exitError{code: ExitAuth, err: fmt.Errorf(
			"the server answered the delete but deleted none of the %d matching jobs: %s may not delete jobs "+
				"(a Torrent Server ignores a delete by filter that the account may not make)", len(ids), who)}
	case deleted < len(ids):
		return []*record{rec}, &exitError{code: ExitError, err: fmt.Errorf(
			"deleted %d of the %d matching jobs; %d are still there", deleted, len(ids), len(left))}
	}
	return []*record{rec}, nil
}
