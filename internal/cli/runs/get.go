package runs

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/tsapi-go/tsapi"
	"github.com/tsapi-go/tsapi/internal/cli/cmdutil"
)

// GetOptions are what runs get needs.
type GetOptions struct {
	IO      *cmdutil.IOStreams
	Servers func() ([]*cmdutil.Server, error)
	Output  cmdutil.Output
	Ctx     context.Context

	IDs []int64
}

// NewCmdGet returns runs get; runF, when not nil, runs instead of getRun.
func NewCmdGet(f *cmdutil.Factory, runF func(*GetOptions) error) *cobra.Command {
	opts := &GetOptions{IO: f.IOStreams, Servers: f.Servers}
	cmd := &cobra.Command{
		Use:   "get ID [ID...]",
		Short: "Show analysis results by id, with their runs",
		Long: `Show analysis results by id (ids as arguments, or comma-separated), each with
its run's name, status, chip and instrument. Several ids are read in one
request, and their runs in another.`,
		Example: `  tsapi runs get 101
  tsapi runs get 101 102 -o json
  tsapi runs get 101,102 --fields id,name,experiment_name,chip,report_link`,
		Args:              cmdutil.MinimumArgs(1, "one analysis result id or more"),
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
	each := &cmdutil.Each{IO: opts.IO, Servers: servers, Printer: p, Action: "read analysis results"}
	return each.Run(opts.Ctx, func(ctx context.Context, s *cmdutil.Server) (cmdutil.Rows, error) {
		var (
			rs      []*tsapi.Result
			missing []int64
			err     error
		)
		if len(opts.IDs) == 1 {
			r, _, err := s.Client.Results.Get(ctx, opts.IDs[0])
			if err != nil {
				return cmdutil.Rows{}, cmdutil.About(err, "analysis result %d", opts.IDs[0])
			}
			rs = append(rs, r)
		} else if rs, missing, _, err = s.Client.Results.GetSet(ctx, opts.IDs...); err != nil {
			return cmdutil.Rows{}, err
		}
		recs, err := newExperiments(s, p.Fields()).records(ctx, rs)
		if err == nil && len(missing) > 0 {
			err = &cmdutil.NotFoundError{Noun: "analysis result", IDs: missing}
		}
		return cmdutil.Rows{Records: recs}, err
	})
}
