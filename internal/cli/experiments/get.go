package experiments

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/tsapi-go/tsapi/internal/cli/cmdutil"
)

// GetOptions are what experiments get needs.
type GetOptions struct {
	IO      *cmdutil.IOStreams
	Servers func() ([]*cmdutil.Server, error)
	Output  cmdutil.Output
	Ctx     context.Context

	IDs []int64
}

// NewCmdGet returns experiments get; runF, when not nil, runs instead of
// getRun.
func NewCmdGet(f *cmdutil.Factory, runF func(*GetOptions) error) *cobra.Command {
	opts := &GetOptions{IO: f.IOStreams, Servers: f.Servers}
	cmd := &cobra.Command{
		Use:   "get ID [ID...]",
		Short: "Show sequencing runs by id",
		Example: `  tsapi experiments get 52
  tsapi experiments get 52,53 -o json
  tsapi experiments get 52 --fields id,name,chip,instrument,plan`,
		Args:              cmdutil.MinimumArgs(1, "one experiment id or more"),
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
	each := &cmdutil.Each{IO: opts.IO, Servers: servers, Printer: p, Action: "read experiments"}
	return each.Run(opts.Ctx, func(ctx context.Context, s *cmdutil.Server) (cmdutil.Rows, error) {
		if len(opts.IDs) == 1 {
			e, _, err := s.Client.Experiments.Get(ctx, opts.IDs[0])
			if err != nil {
				return cmdutil.Rows{}, cmdutil.About(err, "experiment %d", opts.IDs[0])
			}
			return cmdutil.Rows{Records: []*cmdutil.Record{Record(e)}}, nil
		}
		es, missing, _, err := s.Client.Experiments.GetSet(ctx, opts.IDs...)
		if err == nil && len(missing) > 0 {
			err = &cmdutil.NotFoundError{Noun: "experiment", IDs: missing}
		}
		return cmdutil.Rows{Records: Records(es)}, err
	})
}
