package jobs

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/tsapi-go/tsapi"
	"github.com/tsapi-go/tsapi/internal/cli/cmdutil"
)

// Fields are the fields a job's record has; the config, which can hold a
// plugin's passwords, and the LinkFields, which take extra requests, only
// when --fields names them.
var Fields = append([]string{"id", "state", "run_level", "grid_engine_jobid", "starttime", "endtime", "duration", "config"}, LinkFields...)

// listFields are the fields a list prints by default.
var listFields = []string{"id", "state", "run_level", "grid_engine_jobid", "starttime", "endtime"}

// oneFields are the fields a command on one job prints by default.
var oneFields = append(append([]string{}, listFields...), "duration")

// Record is a job as the tool prints it.
func Record(j *tsapi.PluginResultJob) *cmdutil.Record {
	r := cmdutil.NewRecord().Set("id", j.ID).Set("state", string(j.State)).Set("run_level", string(j.RunLevel)).
		Set("grid_engine_jobid", intPtr(j.GridEngineJobID)).Set("starttime", cmdutil.Instant(j.StartTime)).
		Set("endtime", cmdutil.Instant(j.EndTime))
	var d any
	if j.StartTime != nil && j.EndTime != nil {
		d = j.EndTime.Sub(j.StartTime.Time).Round(time.Millisecond).String()
	}
	r.Set("duration", d).SetHidden("config", cmdutil.RawJSON(j.Config))
	for _, f := range LinkFields {
		r.SetHidden(f, nil) // set by links when asked for
	}
	return r
}

// Records are jobs as the tool prints them.
func Records(jobs []*tsapi.PluginResultJob) []*cmdutil.Record {
	out := make([]*cmdutil.Record, len(jobs))
	for i, j := range jobs {
		out[i] = Record(j)
	}
	return out
}

func intPtr(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

// Filter is the selection of jobs the filter flags make.
type Filter struct {
	States    []tsapi.JobState
	RunLevels []tsapi.RunLevel
	Since     *time.Time
	Until     *time.Time
	Filters   map[string][]string
}

// filterFlags are the filter flags as given.
type filterFlags struct {
	states, runLevels []string
	since, until      string
	filters           []string
}

func (ff *filterFlags) register(cmd *cobra.Command) {
	fs := cmd.Flags()
	fs.StringSliceVar(&ff.states, "state", nil, "only jobs in these states (comma-separated or repeated): "+strings.Join(cmdutil.StateNames(), ", "))
	fs.StringSliceVar(&ff.runLevels, "run-level", nil, "only jobs at these run levels (comma-separated or repeated): "+strings.Join(cmdutil.RunLevelNames(), ", "))
	fs.StringVar(&ff.since, "since", "", "only jobs started at or after this time: 2026-11-30, an RFC 3339 time, or a duration ago (24h, 30d, 2w)")
	fs.StringVar(&ff.until, "until", "", "only jobs started at or before this time (as --since)")
	fs.StringArrayVar(&ff.filters, "filter", nil, "a further filter name__lookup=value, checked as the library checks filters (repeatable)")
	cmdutil.MustComplete(cmd, "state", cmdutil.CompleteList(cmdutil.StateNames()))
	cmdutil.MustComplete(cmd, "run-level", cmdutil.CompleteList(cmdutil.RunLevelNames()))
	cmdutil.MustComplete(cmd, "filter", cmdutil.CompleteList(filterNames()))
}

func filterNames() []string {
	var out []string
	for _, f := range []string{"id", "state", "run_level", "grid_engine_jobid", "starttime", "endtime"} {
		out = append(out, f+"=", f+"__in=", f+"__gte=", f+"__lte=")
	}
	return append(out, "grid_engine_jobid__isnull=", "starttime__isnull=", "endtime__isnull=")
}

// parse reads the flags into a Filter, refusing bad values.
func (ff *filterFlags) parse(now time.Time) (Filter, error) {
	var f Filter
	var err error
	if f.States, err = cmdutil.ParseStates(ff.states); err != nil {
		return f, err
	}
	if f.RunLevels, err = cmdutil.ParseRunLevels(ff.runLevels); err != nil {
		return f, err
	}
	if f.Since, err = cmdutil.ParseWhen("since", ff.since, now); err != nil {
		return f, err
	}
	if f.Until, err = cmdutil.ParseWhen("until", ff.until, now); err != nil {
		return f, err
	}
	if f.Filters, err = cmdutil.ParseFilters(ff.filters); err != nil {
		return f, err
	}
	return f, nil
}

// Empty reports whether the filter selects every job.
func (f Filter) Empty() bool {
	return len(f.States) == 0 && len(f.RunLevels) == 0 && f.Since == nil && f.Until == nil && len(f.Filters) == 0
}

// ListOptions are the library's list options for the filter.
func (f Filter) ListOptions() *tsapi.PluginResultJobListOptions {
	o := &tsapi.PluginResultJobListOptions{StartTimeGte: f.Since, StartTimeLte: f.Until}
	switch len(f.States) {
	case 0:
	case 1:
		o.State = f.States[0]
	default:
		o.StateIn = append(o.StateIn, f.States...)
	}
	switch len(f.RunLevels) {
	case 0:
	case 1:
		o.RunLevel = f.RunLevels[0]
	default:
		o.RunLevelIn = append(o.RunLevelIn, f.RunLevels...)
	}
	o.Filters = cmdutil.CopyFilters(f.Filters)
	return o
}

// Describe says what the filter selects, for prompts and reports.
func (f Filter) Describe() string {
	var parts []string
	if len(f.States) > 0 {
		s := make([]string, len(f.States))
		for i, st := range f.States {
			s[i] = string(st)
		}
		parts = append(parts, "state "+strings.Join(s, " or "))
	}
	if len(f.RunLevels) > 0 {
		s := make([]string, len(f.RunLevels))
		for i, l := range f.RunLevels {
			s[i] = string(l)
		}
		parts = append(parts, "run level "+strings.Join(s, " or "))
	}
	if f.Since != nil {
		parts = append(parts, "started since "+f.Since.UTC().Format("2006-01-02 15:04 UTC"))
	}
	if f.Until != nil {
		parts = append(parts, "started until "+f.Until.UTC().Format("2006-01-02 15:04 UTC"))
	}
	for _, k := range slices.Sorted(maps.Keys(f.Filters)) {
		for _, v := range f.Filters[k] {
			parts = append(parts, k+"="+v)
		}
	}
	return strings.Join(parts, ", ")
}

// selection reads the jobs a write names: ids, or the filter, never both
// and never neither.
func selection(args []string, ff *filterFlags, now time.Time, verb string) ([]int64, Filter, error) {
	ids, err := cmdutil.ParseIDs(args)
	if err != nil {
		return nil, Filter{}, err
	}
	f, err := ff.parse(now)
	if err != nil {
		return nil, f, err
	}
	switch {
	case len(ids) > 0 && !f.Empty():
		return nil, f, cmdutil.Usagef("name jobs by id or by filter, not both")
	case len(ids) == 0 && f.Empty():
		return nil, f, cmdutil.Usagef("name the jobs to %s: ids, or filter flags (--state, --run-level, --since, --until, --filter)", verb)
	}
	return ids, f, nil
}

// change is a job's change from before to after, as a person reads it:
// "job 357: Queued → Cancelled", "job 357: run_level default → post".
func change(before, after *tsapi.PluginResultJob) string {
	if before == nil {
		return fmt.Sprintf("job %d: %s", after.ID, after.State)
	}
	var parts []string
	if before.State != after.State {
		parts = append(parts, fmt.Sprintf("%s → %s", before.State, after.State))
	}
	if before.RunLevel != after.RunLevel {
		parts = append(parts, fmt.Sprintf("run_level %s → %s", before.RunLevel, after.RunLevel))
	}
	if cmdutil.Cell(intPtr(before.GridEngineJobID)) != cmdutil.Cell(intPtr(after.GridEngineJobID)) {
		parts = append(parts, fmt.Sprintf("grid_engine_jobid %s → %s", cmdutil.Cell(intPtr(before.GridEngineJobID)), cmdutil.Cell(intPtr(after.GridEngineJobID))))
	}
	if string(before.Config.Raw()) != string(after.Config.Raw()) {
		parts = append(parts, "config changed")
	}
	if len(parts) == 0 {
		return fmt.Sprintf("job %d: %s, unchanged", after.ID, after.State)
	}
	return fmt.Sprintf("job %d: %s", after.ID, strings.Join(parts, ", "))
}

// writeFlags are the flags every write takes.
type writeFlags struct {
	dryRun, allServers bool
}

func (w *writeFlags) register(fs *pflag.FlagSet, what string) {
	fs.BoolVar(&w.dryRun, "dry-run", false, "print the requests that would change anything instead of sending them")
	fs.BoolVar(&w.allServers, "all-servers", false, "with several servers, "+what+" on every one (ids differ from server to server)")
}

// servers are the servers a jobs write goes to (cmdutil.WriteServers).
func servers(get func() ([]*cmdutil.Server, error), ios *cmdutil.IOStreams, byID bool, w writeFlags, what string) ([]*cmdutil.Server, func(), error) {
	return cmdutil.WriteServers(get, ios, byID, w.dryRun, w.allServers, what)
}

// confirm asks before a destructive step: on a terminal it asks, else it
// needs --yes.
func confirm(ios *cmdutil.IOStreams, yes bool, question string) error {
	if yes {
		return nil
	}
	if !ios.CanPrompt() {
		return cmdutil.Usagef("%s: not a terminal, so not asked; add --yes to go ahead", question)
	}
	if !ios.Confirm(question) {
		return cmdutil.Exitf(cmdutil.ExitError, "not confirmed: nothing was changed")
	}
	return nil
}
