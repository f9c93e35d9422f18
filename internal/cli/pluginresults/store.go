package pluginresults

import (
	"context"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tsapi-go/tsapi"
	"github.com/tsapi-go/tsapi/internal/cli/cmdutil"
)

// StoreOptions are what pluginresults store needs.
type StoreOptions struct {
	IO      *cmdutil.IOStreams
	Servers func() ([]*cmdutil.Server, error)
	Output  cmdutil.Output
	Ctx     context.Context

	ID         int64
	Store      tsapi.JobConfig
	DryRun     bool
	AllServers bool
}

// NewCmdStore returns pluginresults store; runF, when not nil, runs instead of
// storeRun.
func NewCmdStore(f *cmdutil.Factory, runF func(*StoreOptions) error) *cobra.Command {
	opts := &StoreOptions{IO: f.IOStreams, Servers: f.Servers}
	cmd := &cobra.Command{
		Use:   "store ID FILE",
		Short: "Replace a plugin result's store with a JSON object",
		Long: `Replace the store of a plugin result (where the report shows a plugin's
results) with the JSON object in FILE ("-" for stdin). The server does not
merge: the whole store is replaced.`,
		Example: `  tsapi pluginresults store 26 store.json
  echo '{"reads": 1000}' | tsapi pluginresults store 26 - --dry-run`,
		Args: cmdutil.ExactArgs(2, "a plugin result id and a file"),
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if opts.ID, err = cmdutil.ParseID(args[0]); err != nil {
				return err
			}
			b, err := cmdutil.ReadInput(args[1], opts.IO.In)
			if err != nil {
				return err
			}
			if opts.Store, err = tsapi.JobConfigFromJSON(b); err != nil {
				return cmdutil.Usagef("%s: the store must be a JSON object (%s)", args[1],
					strings.TrimPrefix(strings.TrimPrefix(err.Error(), "tsapi: "), "config "))
			}
			opts.Output, opts.Ctx = f.Output(), cmd.Context()
			if runF != nil {
				return runF(opts)
			}
			return storeRun(opts)
		},
	}
	cmd.Flags().BoolVar(&opts.DryRun, "dry-run", false, "print the request instead of sending it")
	cmd.Flags().BoolVar(&opts.AllServers, "all-servers", false, "with several servers, replace the store of the plugin result with this id on every one")
	cmdutil.SetFields(cmd, Fields)
	return cmd
}

func storeRun(opts *StoreOptions) error {
	ss, undo, err := cmdutil.WriteServers(opts.Servers, opts.IO, true, opts.DryRun, opts.AllServers, "pluginresults store")
	if err != nil {
		return err
	}
	defer undo()
	p, err := cmdutil.NewPrinter(opts.IO, opts.Output, []string{"id", "plugin", "state", "store"})
	if err != nil {
		return err
	}
	p.SetOne(len(ss) == 1)
	each := &cmdutil.Each{IO: opts.IO, Servers: ss, Printer: p, Action: "change plugin results"}
	return each.Run(opts.Ctx, func(ctx context.Context, s *cmdutil.Server) (cmdutil.Rows, error) {
		if _, err := s.Client.PluginResults.SetStore(ctx, opts.ID, opts.Store); err != nil {
			return cmdutil.Rows{}, cmdutil.About(err, "plugin result %d", opts.ID)
		}
		if opts.DryRun {
			return cmdutil.Rows{}, nil
		}
		pr, _, err := s.Client.PluginResults.Get(ctx, opts.ID)
		if err != nil {
			return cmdutil.Rows{}, cmdutil.Context(err, "plugin result %d's store was replaced, but reading it back failed", opts.ID)
		}
		return cmdutil.Rows{Records: Records([]*tsapi.PluginResult{pr})}, nil
	})
}
