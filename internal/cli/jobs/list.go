package jobs

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/tsapi-go/tsapi"
	"github.com/tsapi-go/tsapi/internal/cli/cmdutil"
)

// ListOptions are what jobs list needs.
type ListOptions struct {
	IO      *cmdutil.IOStreams
	Servers func() ([]*cmdutil.Server, error)
	Output  cmdutil.Output
	Ctx     context.Context

	Filter Filter
	// Limit is how many jobs to list (one page, at most 1000).
	Limit int
	// All lists every matching job, page after page.
	All bool
}

// NewCmdList returns jobs list; runF, when not nil, runs instead of
// listRun (tests).
func NewCmdList(f *cmdutil.Factory, runF func(*ListOptions) error) *cobra.Command {
	opts := &ListOptions{IO: f.IOStreams, Servers: f.Servers}
	var ff filterFlags
	cmd := &cobra.Command{
		Use:   "list [flags]",
		Short: "List jobs, newest first",
		Long: `List the jobs matching the filters, newest first: the newest --limit (20 by
default, at most 1000), or every one with --all (not with --limit). On a
terminal it says how many match in all when it shows fewer.

--fields also takes what each job belongs to: plugin_result and plugin (its
plugin result), result and result_name (the analysis result the plugin ran
on), experiment and experiment_name (the run that result analysed). They
take a request a page for each kind of object, each object read once, and
are empty where a job has no such link.`,
		Example: `  tsapi jobs list
  tsapi jobs list --state Started,Queued
  tsapi jobs list --run-level block --since 30d --all -o jsonl
  tsapi jobs list --filter grid_engine_jobid__isnull=true --fields id,state
  tsapi jobs list --state Error --fields id,plugin,result_name,experiment_name
  tsapi jobs list --state Error --jq '.[].id'`,
		Args: cmdutil.ExactArgs(0, "no argument (filters are flags)"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			var err error
			if opts.Filter, err = ff.parse(f.Now()); err != nil {
				return err
			}
			if cmd.Flags().Changed("limit") && opts.All {
				return cmdutil.Usagef("--all lists every matching job and --limit the newest few: give one of them")
			}
			if opts.Limit < 1 || opts.Limit > 1000 {
				return cmdutil.Usagef("--limit must be between 1 and 1000 (--all lists every job)")
			}
			opts.Output, opts.Ctx = f.Output(), cmd.Context()
			if runF != nil {
				return runF(opts)
			}
			return listRun(opts)
		},
	}
	ff.register(cmd)
	cmd.Flags().IntVarP(&opts.Limit, "limit", "L", 20, "how many jobs to list, newest first (at most 1000)")
	cmd.Flags().BoolVar(&opts.All, "all", false, "every matching job, page after page (progress on stderr)")
	cmdutil.SetFields(cmd, Fields)
	return cmd
}

func listRun(opts *ListOptions) error {
	servers, err := opts.Servers()
	if err != nil {
		return err
	}
	p, err := cmdutil.NewPrinter(opts.IO, opts.Output, listFields)
	if err != nil {
		return err
	}
	more := " (--limit for more, --all for every one)"
	each := &cmdutil.Each{IO: opts.IO, Servers: servers, Printer: p, Action: "read jobs", Noun: "job", More: more}
	return each.Run(opts.Ctx, func(ctx context.Context, s *cmdutil.Server) (cmdutil.Rows, error) {
		o := opts.Filter.ListOptions()
		lk := newLinks(s, opts.Output.Fields)
		if !opts.All {
			o.Limit = opts.Limit
			jobs, resp, err := s.Client.PluginResultJobs.List(ctx, o)
			rows := cmdutil.Rows{Records: Records(jobs)}
			if resp != nil && resp.Meta != nil {
				rows.Total = resp.Meta.TotalCount
			}
			if err == nil {
				err = lk.add(ctx, jobs, rows.Records)
			}
			return rows, err
		}
		return listAll(ctx, opts.IO, s, o, lk)
	})
}

// listAll lists every matching job, with progress on a terminal, and what
// each belongs to when asked (lk, a page at a time).
func listAll(ctx context.Context, ios *cmdutil.IOStreams, s *cmdutil.Server, o *tsapi.PluginResultJobListOptions, lk *links) (cmdutil.Rows, error) {
	var rows cmdutil.Rows
	defer ios.ProgressDone()
	for page, err := range s.Client.PluginResultJobs.Pages(ctx, o) {
		if err != nil {
			return rows, err
		}
		recs := Records(page.Objects)
		err := lk.add(ctx, page.Objects, recs)
		rows.Records = append(rows.Records, recs...)
		if err != nil {
			return rows, err
		}
		ios.Progress("%s: %d of %d jobs", s.Name, len(rows.Records), page.Meta.TotalCount)
	}
	return rows, nil
}
