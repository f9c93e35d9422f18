package pluginresults

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/tsapi-go/tsapi"
	"github.com/tsapi-go/tsapi/internal/cli/cmdutil"
)

// ListOptions are what pluginresults list needs.
type ListOptions struct {
	IO      *cmdutil.IOStreams
	Servers func() ([]*cmdutil.Server, error)
	Output  cmdutil.Output
	Ctx     context.Context

	Plugin    string
	Result    int64
	JobStates []tsapi.JobState
	Filters   map[string][]string
	Limit     int
	All       bool
}

// NewCmdList returns pluginresults list; runF, when not nil, runs instead of
// listRun.
func NewCmdList(f *cmdutil.Factory, runF func(*ListOptions) error) *cobra.Command {
	opts := &ListOptions{IO: f.IOStreams, Servers: f.Servers}
	var jobStates, filters []string
	cmd := &cobra.Command{
		Use:   "list [flags]",
		Short: "List plugin results, newest first",
		Example: `  tsapi pluginresults list
  tsapi pluginresults list --plugin variantCaller --result 101
  tsapi pluginresults list --job-state Started,Queued --all -o jsonl`,
		Args: cmdutil.ExactArgs(0, "no argument (filters are flags)"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			var err error
			if opts.JobStates, err = cmdutil.ParseStates(jobStates); err != nil {
				return err
			}
			if opts.Filters, err = cmdutil.ParseFilters(filters); err != nil {
				return err
			}
			if cmd.Flags().Changed("limit") && opts.All {
				return cmdutil.Usagef("--all lists every matching plugin result and --limit the newest few: give one of them")
			}
			if opts.Limit < 1 || opts.Limit > 1000 {
				return cmdutil.Usagef("--limit must be between 1 and 1000 (--all lists every plugin result)")
			}
			if opts.Result < 0 {
				return cmdutil.Usagef("--result %d is not an id", opts.Result)
			}
			opts.Output, opts.Ctx = f.Output(), cmd.Context()
			if runF != nil {
				return runF(opts)
			}
			return listRun(opts)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&opts.Plugin, "plugin", "", "only plugin results of the plugin with this name")
	fs.Int64Var(&opts.Result, "result", 0, "only plugin results on this analysis result (id; see tsapi runs list)")
	fs.StringSliceVar(&jobStates, "job-state", nil, "only plugin results with a job in these states (comma-separated or repeated)")
	fs.StringArrayVar(&filters, "filter", nil, "a further filter name__lookup=value (repeatable)")
	fs.IntVarP(&opts.Limit, "limit", "L", 20, "how many plugin results to list, newest first (at most 1000)")
	fs.BoolVar(&opts.All, "all", false, "every matching plugin result (progress on stderr)")
	cmdutil.MustComplete(cmd, "job-state", cmdutil.CompleteList(cmdutil.StateNames()))
	cmdutil.SetFields(cmd, Fields)
	return cmd
}

var listVerb = &cmdutil.ListVerb{Noun: "plugin result", Action: "read plugin results", Default: listFields}

func listRun(opts *ListOptions) error {
	common := cmdutil.ListOptions{IO: opts.IO, Servers: opts.Servers, Output: opts.Output, Ctx: opts.Ctx, Limit: opts.Limit, All: opts.All}
	return cmdutil.RunList(common, listVerb, func(s *cmdutil.Server, _ []string) cmdutil.Lister[tsapi.PluginResult] {
		query := func(limit int) *tsapi.PluginResultListOptions {
			o := &tsapi.PluginResultListOptions{PluginName: opts.Plugin, JobStateIn: opts.JobStates}
			o.Filters = opts.Filters
			if opts.Result != 0 {
				o.Result = &opts.Result
			}
			o.Limit = limit
			return o
		}
		return cmdutil.ListerOf(s.Client.PluginResults, query, cmdutil.RecordsOf(Records))
	})
}
