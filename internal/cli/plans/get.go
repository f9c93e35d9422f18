package plans

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/tsapi-go/tsapi/internal/cli/cmdutil"
)

// GetOptions are what plans get needs.
type GetOptions struct {
	IO      *cmdutil.IOStreams
	Servers func() ([]*cmdutil.Server, error)
	Output  cmdutil.Output
	Ctx     context.Context

	IDs []int64
}

// NewCmdGet returns plans get; runF, when not nil, runs instead of
// getRun.
func NewCmdGet(f *cmdutil.Factory, runF func(*GetOptions) error) *cobra.Command {
	opts := &GetOptions{IO: f.IOStreams, Servers: f.Servers}
	cmd := &cobra.Command{
		Use:   "get ID [ID...]",
		Short: "Show plans and templates by id",
		Example: `  tsapi plans get 61
  tsapi plans get 60,61 -o json
  tsapi plans get 61 --fields id,short_id,name,status,experiment,experiment_name`,
		Args:              cmdutil.MinimumArgs(1, "one plan id or more"),
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
	each := &cmdutil.Each{IO: opts.IO, Servers: servers, Printer: p, Action: "read plans"}
	return each.Run(opts.Ctx, func(ctx context.Context, s *cmdutil.Server) (cmdutil.Rows, error) {
		if len(opts.IDs) == 1 {
			plan, _, err := s.Client.PlannedExperiments.Get(ctx, opts.IDs[0])
			if err != nil {
				return cmdutil.Rows{}, cmdutil.About(err, "plan %d", opts.IDs[0])
			}
			return cmdutil.Rows{Records: []*cmdutil.Record{Record(plan)}}, nil
		}
		plans, missing, _, err := s.Client.PlannedExperiments.GetSet(ctx, opts.IDs...)
		if err == nil && len(missing) > 0 {
			err = &cmdutil.NotFoundError{Noun: "plan", IDs: missing}
		}
		return cmdutil.Rows{Records: Records(plans)}, err
	})
}
