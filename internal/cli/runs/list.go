package runs

import (
	"context"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/tsapi-go/tsapi"
	"github.com/tsapi-go/tsapi/internal/cli/cmdutil"
)

// ListOptions are what runs list needs.
type ListOptions struct {
	IO      *cmdutil.IOStreams
	Servers func() ([]*cmdutil.Server, error)
	Output  cmdutil.Output
	Ctx     context.Context

	// Statuses are the analysis statuses to match (any of them).
	Statuses []string
	// ExperimentID or ExperimentName names the run analysed.
	ExperimentID   int64
	ExperimentName string
	// Name is text the result's name contains (ignoring case).
	Name         string
	Since, Until *time.Time
	Filters      map[string][]string
	// Limit is how many results to list (one page, at most 1000).
	Limit int
	// All lists every matching result, page after page.
	All bool
}

// NewCmdList returns runs list; runF, when not nil, runs instead of
// listRun (tests).
func NewCmdList(f *cmdutil.Factory, runF func(*ListOptions) error) *cobra.Command {
	opts := &ListOptions{IO: f.IOStreams, Servers: f.Servers}
	var statuses []string
	var experiment string
	var rf cmdutil.RangeFlags
	cmd := &cobra.Command{
		Use:   "list [flags]",
		Short: "List analysis results, newest first, with their runs",
		Long: `List the analysis results matching the filters, newest first, each with the
name and status of the run it analysed: the newest --limit (20 by default, at
most 1000), or every one with --all (not with --limit). --since and --until
compare the time of the analysis (timeStamp). The runs are read with one
request a page, and not at all when no field of theirs is printed.`,
		Example: `  tsapi runs list
  tsapi runs list --status Error --since 7d
  tsapi runs list --experiment R_2026_11_30_S5-0042
  tsapi runs list --experiment 52 --fields id,name,status,report_link
  tsapi runs list --name S5-0042 --all -o jsonl`,
		Args: cmdutil.ExactArgs(0, "no argument (filters are flags)"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			var err error
			opts.Statuses = cmdutil.ParseList(statuses)
			if experiment != "" {
				if id, err := strconv.ParseInt(experiment, 10, 64); err == nil {
					if id <= 0 {
						return cmdutil.Usagef("--experiment %s is not an id (a positive number) or a run's name", experiment)
					}
					opts.ExperimentID = id
				} else {
					opts.ExperimentName = experiment
				}
			}
			if opts.Since, opts.Until, opts.Filters, err = rf.Parse(cmd, f.Now(), "analysis result"); err != nil {
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
	fs.StringSliceVar(&statuses, "status", nil, "only results with these statuses (comma-separated or repeated): Completed, Error, Started, ...")
	fs.StringVar(&experiment, "experiment", "", "only results of this run: its id, or its name (expName) exactly")
	fs.StringVar(&opts.Name, "name", "", "only results whose name contains this text (ignoring case)")
	rf.Register(cmd, "results", "analysed", "results")
	cmdutil.MustComplete(cmd, "status", cmdutil.CompleteList([]string{"Completed", "Error", "Started", "Pending", "TF Processing"}))
	cmdutil.MustComplete(cmd, "filter", cmdutil.CompleteList([]string{"status=", "status__in=", "resultsName=", "resultsName__icontains=",
		"reportStatus=", "timeStamp__gte=", "timeStamp__lte=", "experiment=", "experiment__in=", "experiment__expName=",
		"experiment__chipType=", "experiment__pgmName=", "representative=", "reference=", "runid="}))
	cmdutil.SetFields(cmd, Fields)
	return cmd
}

// query is the library's list options for the filter flags.
func (opts *ListOptions) query() *tsapi.ResultListOptions {
	o := &tsapi.ResultListOptions{ResultsNameIContains: opts.Name, TimeStampGte: opts.Since, TimeStampLte: opts.Until}
	o.Status, o.StatusIn = cmdutil.OneOrIn(opts.Statuses)
	if opts.ExperimentID != 0 {
		o.Experiment = &opts.ExperimentID
	}
	o.Filters = cmdutil.CopyFilters(opts.Filters)
	if opts.ExperimentName != "" {
		if o.Filters == nil {
			o.Filters = map[string][]string{}
		}
		o.Filters["experiment__expName"] = append(o.Filters["experiment__expName"], opts.ExperimentName)
	}
	return o
}

var listVerb = &cmdutil.ListVerb{Noun: "analysis result", Action: "read analysis results", Default: listFields}

func listRun(opts *ListOptions) error {
	common := cmdutil.ListOptions{IO: opts.IO, Servers: opts.Servers, Output: opts.Output, Ctx: opts.Ctx, Limit: opts.Limit, All: opts.All}
	return cmdutil.RunList(common, listVerb, func(s *cmdutil.Server, fields []string) cmdutil.Lister[tsapi.Result] {
		query := func(limit int) *tsapi.ResultListOptions {
			o := opts.query()
			o.Limit = limit
			return o
		}
		return cmdutil.ListerOf(s.Client.Results, query, newExperiments(s, fields).records)
	})
}
