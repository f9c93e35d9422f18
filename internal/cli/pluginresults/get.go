package pluginresults

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/tsapi-go/tsapi"
	"github.com/tsapi-go/tsapi/internal/cli/cmdutil"
)

// GetOptions are what pluginresults get needs.
type GetOptions struct {
	IO      *cmdutil.IOStreams
	Servers func() ([]*cmdutil.Server, error)
	Output  cmdutil.Output
	Ctx     context.Context

	ID int64
}

// NewCmdGet returns pluginresults get; runF, when not nil, runs instead of
// getRun.
func NewCmdGet(f *cmdutil.Factory, runF func(*GetOptions) error) *cobra.Command {
	opts := &GetOptions{IO: f.IOStreams, Servers: f.Servers}
	cmd := &cobra.Command{
		Use:               "get ID",
		Short:             "Show a plugin result",
		Example:           "  tsapi pluginresults get 26\n  tsapi pluginresults get 26 -o yaml --fields id,plugin,state,jobs,store",
		Args:              cmdutil.ExactArgs(1, "a plugin result id"),
		ValidArgsFunction: cmdutil.NoFiles,
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if opts.ID, err = cmdutil.ParseID(args[0]); err != nil {
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
	p, err := cmdutil.NewPrinter(opts.IO, opts.Output, append(append([]string{}, listFields...), "size", "path"))
	if err != nil {
		return err
	}
	p.SetOne(len(servers) == 1)
	each := &cmdutil.Each{IO: opts.IO, Servers: servers, Printer: p, Action: "read plugin results"}
	return each.Run(opts.Ctx, func(ctx context.Context, s *cmdutil.Server) (cmdutil.Rows, error) {
		pr, _, err := s.Client.PluginResults.Get(ctx, opts.ID)
		if err != nil {
			return cmdutil.Rows{}, cmdutil.About(err, "plugin result %d", opts.ID)
		}
		return cmdutil.Rows{Records: Records([]*tsapi.PluginResult{pr})}, nil
	})
}
