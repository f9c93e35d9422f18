package plans

import (
	"context"
	"time"

	"github.com/spf13/cobra"

	"github.com/tsapi-go/tsapi"
	"github.com/tsapi-go/tsapi/internal/cli/cmdutil"
)

// ListOptions are what plans list needs.
type ListOptions struct {
	IO      *cmdutil.IOStreams
	Servers func() ([]*cmdutil.Server, error)
	Output  cmdutil.Output
	Ctx     context.Context

	// Statuses are the plan statuses to match (any of them).
	Statuses []string
	// Name is text the plan's name contains (ignoring case).
	Name string
	// Template and System, when not nil, match templates (isReusable) and
	// system plans (isSystem), or the others.
	Template, System *bool
	Since, Until     *time.Time
	Filters          map[string][]string
	// Limit is how many plans to list (one page, at most 1000).
	Limit int
	// All lists every matching plan, page after page.
	All bool
}

// NewCmdList returns plans list; runF, when not nil, runs instead of
// listRun (tests).
func NewCmdList(f *cmdutil.Factory, runF func(*ListOptions) error) *cobra.Command {
	opts := &ListOptions{IO: f.IOStreams, Servers: f.Servers}
	var statuses []string
	var rf cmdutil.RangeFlags
	var template, system bool
	cmd := &cobra.Command{
		Use:   "list [flags]",
		Short: "List plans and templates, newest first",
		Long: `List the plans and plan templates matching the filters, newest first: the
newest --limit (20 by default, at most 1000), or every one with --all (not
with --limit). --template lists templates only and --template=false plans
only; --system=false leaves out the templates Torrent Suite ships. --since
and --until compare the plan's date.`,
		Example: `  tsapi plans list
  tsapi plans list --template=false --status planned
  tsapi plans list --template --system=false --fields id,name,run_type,application
  tsapi plans list --name Oncomine --all -o jsonl`,
		Args: cmdutil.ExactArgs(0, "no argument (filters are flags)"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			var err error
			opts.Statuses = cmdutil.ParseList(statuses)
			if cmd.Flags().Changed("template") {
				opts.Template = &template
			}
			if cmd.Flags().Changed("system") {
				opts.System = &system
			}
			if opts.Since, opts.Until, opts.Filters, err = rf.Parse(cmd, f.Now(), "plan"); err != nil {
				return err
			}
			opts.Limit, opts.All = rf.Limit, rf.All
			opts.Output, opts.Ctx = f.Output(), cmd.Context()
			if runF != nil {
				return runF(opts)
			}
			return listRun(opts)
		},
	}
	fs := cmd.Flags()
	fs.StringSliceVar(&statuses, "status", nil, "only plans with these statuses (comma-separated or repeated): planned, pending, run, ...")
	fs.StringVar(&opts.Name, "name", "", "only plans whose name contains this text (ignoring case)")
	fs.BoolVar(&template, "template", false, "only templates (isReusable); --template=false: only plans")
	fs.BoolVar(&system, "system", false, "only the templates Torrent Suite ships (isSystem); --system=false: none of them")
	rf.Register(cmd, "plans", "dated", "plannedexperiment")
	cmdutil.MustComplete(cmd, "filter", cmdutil.CompleteList([]string{"planName=", "planName__icontains=", "planShortID=",
		"planStatus=", "planStatus__in=", "isReusable=", "isSystem=", "isFavorite=", "planExecuted=", "runType=", "username=",
		"experiment=", "date__gte=", "date__lte="}))
	cmdutil.SetFields(cmd, Fields)
	return cmd
}

// query is the library's list options for the filter flags.
func (opts *ListOptions) query() *tsapi.PlannedExperimentListOptions {
	o := &tsapi.PlannedExperimentListOptions{PlanNameIContains: opts.Name, IsReusable: opts.Template, IsSystem: opts.System,
		DateGte: opts.Since, DateLte: opts.Until}
	o.PlanStatus, o.PlanStatusIn = cmdutil.OneOrIn(opts.Statuses)
	o.Filters = cmdutil.CopyFilters(opts.Filters)
	return o
}

var listVerb = &cmdutil.ListVerb{Noun: "plan", Action: "read plans", Default: listFields}

func listRun(opts *ListOptions) error {
	common := cmdutil.ListOptions{IO: opts.IO, Servers: opts.Servers, Output: opts.Output, Ctx: opts.Ctx, Limit: opts.Limit, All: opts.All}
	return cmdutil.RunList(common, listVerb, func(s *cmdutil.Server, _ []string) cmdutil.Lister[tsapi.PlannedExperiment] {
		query := func(limit int) *tsapi.PlannedExperimentListOptions {
			o := opts.query()
			o.Limit = limit
			return o
		}
		return cmdutil.ListerOf(s.Client.PlannedExperiments, query, cmdutil.RecordsOf(Records))
	})
}
