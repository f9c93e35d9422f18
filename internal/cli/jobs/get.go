package jobs

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/tsapi-go/tsapi/internal/cli/cmdutil"
)

// GetOptions are what jobs get needs.
type GetOptions struct {
	IO      *cmdutil.IOStreams
	Servers func() ([]*cmdutil.Server, error)
	Output  cmdutil.Output
	Ctx     context.Context

	IDs []int64
}

// NewCmdGet returns jobs get; runF, when not nil, runs instead of getRun.
func NewCmdGet(f *cmdutil.Factory, runF func(*GetOptions) error) *cobra.Command {
	opts := &GetOptions{IO: f.IOStreams, Servers: f.Servers}
	cmd := &cobra.Command{
		Use:   "get ID [ID...]",
		Short: "Show jobs by id",
		Long: `Show jobs by id (ids as arguments, or comma-separated). --fields also takes
what each job belongs to (plugin_result, plugin, result, result_name,
experiment, experiment_name; see tsapi jobs list --help), read only then.`,
		Example: `  tsapi jobs get 1498
  tsapi jobs get 1498 1499 -o json
  tsapi jobs get 1498,1499 --fields id,state,duration,config
  tsapi jobs get 1498 --fields id,state,plugin,result,experiment_name`,
		Args:              cmdutil.MinimumArgs(1, "one job id or more"),
		ValidArgsFunction: cmdutil.NoFiles,
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if opts.IDs, err = cmdutil.ParseIDs(args); err != nil {
				return err
			}
			opts.Output, opts.Ctx = f.Output(), cmd.Context()
			if runF != nil {
				return runF(opts)
			}
			return getRun(opts)
		},
	}
	cmdutil.SetFields(cmd, Fields)
	return cmd
}

func getRun(opts *GetOptions) error {
	servers, err := opts.Servers()
	if err != nil {
		return err
	}
	p, err := cmdutil.NewPrinter(opts.IO, opts.Output, oneFields)
	if err != nil {
		return err
	}
	p.SetOne(len(opts.IDs) == 1 && len(servers) == 1)
	each := &cmdutil.Each{IO: opts.IO, Servers: servers, Printer: p, Action: "read jobs"}
	return each.Run(opts.Ctx, func(ctx context.Context, s *cmdutil.Server) (cmdutil.Rows, error) {
		lk := newLinks(s, opts.Output.Fields)
		if len(opts.IDs) == 1 {
			j, _, err := s.Client.PluginResultJobs.Get(ctx, opts.IDs[0])
			if err != nil {
				return cmdutil.Rows{}, cmdutil.About(err, "job %d", opts.IDs[0])
			}
			recs := Records(jobsOf(j))
			return cmdutil.Rows{Records: recs}, lk.add(ctx, jobsOf(j), recs)
		}
		jobs, missing, _, err := s.Client.PluginResultJobs.GetSet(ctx, opts.IDs...)
		if err != nil {
			return cmdutil.Rows{}, err
		}
		recs := Records(jobs)
		err = lk.add(ctx, jobs, recs)
		if err == nil && len(missing) > 0 {
			err = &cmdutil.NotFoundError{Noun: "job", IDs: missing}
		}
		return cmdutil.Rows{Records: recs}, err
	})
}
