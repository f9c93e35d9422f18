package plugins

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/tsapi-go/tsapi"
	"github.com/tsapi-go/tsapi/internal/cli/cmdutil"
)

// ListOptions are what plugins list needs.
type ListOptions struct {
	IO      *cmdutil.IOStreams
	Servers func() ([]*cmdutil.Server, error)
	Output  cmdutil.Output
	Ctx     context.Context

	Name    string
	Enabled bool
}

// NewCmdList returns plugins list; runF, when not nil, runs instead of
// listRun.
func NewCmdList(f *cmdutil.Factory, runF func(*ListOptions) error) *cobra.Command {
	opts := &ListOptions{IO: f.IOStreams, Servers: f.Servers}
	cmd := &cobra.Command{
		Use:     "list [flags]",
		Short:   "List installed plugins",
		Example: "  tsapi plugins list\n  tsapi plugins list --name variantCaller -o json",
		Args:    cmdutil.ExactArgs(0, "no argument"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.Output, opts.Ctx = f.Output(), cmd.Context()
			if runF != nil {
				return runF(opts)
			}
			return listRun(opts)
		},
	}
	cmd.Flags().StringVar(&opts.Name, "name", "", "only plugins with this name")
	cmd.Flags().BoolVar(&opts.Enabled, "enabled", false, "only enabled plugins (those that can be launched)")
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
	each := &cmdutil.Each{IO: opts.IO, Servers: servers, Printer: p, Action: "read plugins", Noun: "plugin"}
	return each.Run(opts.Ctx, func(ctx context.Context, s *cmdutil.Server) (cmdutil.Rows, error) {
		o := &tsapi.PluginListOptions{Name: opts.Name}
		if opts.Enabled {
			o.Selected = tsapi.Ptr(true)
		}
		var rows cmdutil.Rows
		for pl, err := range s.Client.Plugins.All(ctx, o) {
			if err != nil {
				return rows, err
			}
			rows.Records = append(rows.Records, Record(pl))
		}
		return rows, nil
	})
}
