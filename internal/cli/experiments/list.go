package experiments

import (
	"context"
	"time"

	"github.com/spf13/cobra"

	"github.com/tsapi-go/tsapi"
	"github.com/tsapi-go/tsapi/internal/cli/cmdutil"
)

// ListOptions are what experiments list needs.
type ListOptions struct {
	IO      *cmdutil.IOStreams
	Servers func() ([]*cmdutil.Server, error)
	Output  cmdutil.Output
	Ctx     context.Context

	// Statuses, Chips and Instruments match any of their values.
	Statuses    []string
	Chips       []string
	Instruments []string
	// Name is text the run's name contains (ignoring case).
	Name         string
	Since, Until *time.Time
	Filters      map[string][]string
	// Limit is how many runs to list (one page, at most 1000).
	Limit int
	// All lists every matching run, page after page.
	All bool
}

// NewCmdList returns experiments list; runF, when not nil, runs instead
// of listRun (tests).
func NewCmdList(f *cmdutil.Factory, runF func(*ListOptions) error) *cobra.Command {
	opts := &ListOptions{IO: f.IOStreams, Servers: f.Servers}
	var statuses, chips, instruments []string
	var rf cmdutil.RangeFlags
	cmd := &cobra.Command{
		Use:   "list [flags]",
		Short: "List sequencing runs, newest first",
		Long: `List the sequencing runs (experiments) matching the filters, newest first: the
newest --limit (20 by default, at most 1000), or every one with --all (not
with --limit). --since and --until compare the run's date.`,
		Example: `  tsapi experiments list
  tsapi experiments list --since 30d --instrument S5XL0042,S5XL0043
  tsapi experiments list --chip 540 --status run --fields id,name,date,results
  tsapi experiments list --name S5-0042 --all -o jsonl`,
		Args: cmdutil.ExactArgs(0, "no argument (filters are flags)"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			var err error
			opts.Statuses, opts.Chips, opts.Instruments = cmdutil.ParseList(statuses), cmdutil.ParseList(chips), cmdutil.ParseList(instruments)
			if opts.Since, opts.Until, opts.Filters, err = rf.Parse(cmd, f.Now(), "experiment"); err != nil {
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
	fs.StringSliceVar(&statuses, "status", nil, "only runs with these statuses (comma-separated or repeated): run, planned, ...")
	fs.StringSliceVar(&chips, "chip", nil, "only runs on these chip types (comma-separated or repeated): 530, 540, ...")
	fs.StringSliceVar(&instruments, "instrument", nil, "only runs on these instruments (pgmName; comma-separated or repeated)")
	fs.StringVar(&opts.Name, "name", "", "only runs whose name (expName) contains this text (ignoring case)")
	rf.Register(cmd, "runs", "dated", "experiment")
	cmdutil.MustComplete(cmd, "filter", cmdutil.CompleteList([]string{"expName=", "expName__icontains=", "status=", "status__in=",
		"chipType=", "chipType__in=", "pgmName=", "pgmName__in=", "date__gte=", "date__lte=", "platform=", "runMode=", "star=", "plan="}))
	cmdutil.SetFields(cmd, Fields)
	return cmd
}

// query is the library's list options for the filter flags.
func (opts *ListOptions) query() *tsapi.ExperimentListOptions {
	o := &tsapi.ExperimentListOptions{ExpNameIContains: opts.Name, DateGte: opts.Since, DateLte: opts.Until}
	o.Status, o.StatusIn = cmdutil.OneOrIn(opts.Statuses)
	o.ChipType, o.ChipTypeIn = cmdutil.OneOrIn(opts.Chips)
	o.PGMName, o.PGMNameIn = cmdutil.OneOrIn(opts.Instruments)
	o.Filters = cmdutil.CopyFilters(opts.Filters)
	return o
}

var listVerb = &cmdutil.ListVerb{Noun: "experiment", Action: "read experiments", Default: listFields}

func listRun(opts *ListOptions) error {
	common := cmdutil.ListOptions{IO: opts.IO, Servers: opts.Servers, Output: opts.Output, Ctx: opts.Ctx, Limit: opts.Limit, All: opts.All}
	return cmdutil.RunList(common, listVerb, func(s *cmdutil.Server, _ []string) cmdutil.Lister[tsapi.Experiment] {
		query := func(limit int) *tsapi.ExperimentListOptions {
			o := opts.query()
			o.Limit = limit
			return o
		}
		return cmdutil.ListerOf(s.Client.Experiments, query, cmdutil.RecordsOf(Records))
	})
}
