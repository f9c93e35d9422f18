package plugins

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tsapi-go/tsapi"
	"github.com/tsapi-go/tsapi/internal/cli/cmdutil"
)

// LaunchOptions are what plugins launch needs.
type LaunchOptions struct {
	IO      *cmdutil.IOStreams
	Servers func() ([]*cmdutil.Server, error)
	Output  cmdutil.Output
	Ctx     context.Context

	Result     int64
	Request    tsapi.LaunchRequest
	DryRun     bool
	AllServers bool
}

// NewCmdLaunch returns plugins launch; runF, when not nil, runs instead of
// launchRun.
func NewCmdLaunch(f *cmdutil.Factory, runF func(*LaunchOptions) error) *cobra.Command {
	opts := &LaunchOptions{IO: f.IOStreams, Servers: f.Servers}
	var configFile string
	cmd := &cobra.Command{
		Use:   "launch RESULT PLUGIN",
		Short: "Run a plugin on an analysis result",
		Long: `Run the plugin named PLUGIN (its newest enabled version, or --version) on the
analysis result RESULT. The launch is sent once: if its answer is lost the
tool exits 8, and the plugin may be running; look before launching again.`,
		Example: `  tsapi plugins launch 101 variantCaller
  tsapi plugins launch 101 sampleID --version 5.18.0.0 --config config.json --dry-run`,
		Args: cmdutil.ExactArgs(2, "an analysis result id and a plugin name"),
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if opts.Result, err = cmdutil.ParseID(args[0]); err != nil {
				return err
			}
			opts.Request.Plugin = args[1]
			if configFile != "" {
				b, err := cmdutil.ReadInput(configFile, opts.IO.In)
				if err != nil {
					return err
				}
				cfg, err := tsapi.JobConfigFromJSON(b)
				if err != nil {
					return cmdutil.Usagef("--config %s: %s", configFile, strings.TrimPrefix(err.Error(), "tsapi: "))
				}
				opts.Request.Config = cfg
			}
			opts.Output, opts.Ctx = f.Output(), cmd.Context()
			if runF != nil {
				return runF(opts)
			}
			return launchRun(opts)
		},
	}
	cmd.Flags().StringVar(&opts.Request.Version, "version", "", "the plugin version to run (default the newest enabled)")
	cmd.Flags().StringVar(&configFile, "config", "", "a file holding the run's configuration, a JSON object (- for stdin)")
	cmd.Flags().BoolVar(&opts.DryRun, "dry-run", false, "print the request instead of sending it")
	cmd.Flags().BoolVar(&opts.AllServers, "all-servers", false, "with several servers, launch on the result with this id on every one")
	cmdutil.SetFields(cmd, []string{"launched", "result"})
	return cmd
}

func launchRun(opts *LaunchOptions) error {
	ss, undo, err := cmdutil.WriteServers(opts.Servers, opts.IO, true, opts.DryRun, opts.AllServers, "plugins launch")
	if err != nil {
		return err
	}
	defer undo()
	p, err := cmdutil.NewPrinter(opts.IO, opts.Output, []string{"launched", "result"})
	if err != nil {
		return err
	}
	each := &cmdutil.Each{IO: opts.IO, Servers: ss, Printer: p, Action: "launch plugins"}
	return each.Run(opts.Ctx, func(ctx context.Context, s *cmdutil.Server) (cmdutil.Rows, error) {
		req := opts.Request
		if _, err := s.Client.Plugins.Launch(ctx, opts.Result, &req); err != nil {
			switch {
			case errors.Is(err, tsapi.ErrGone):
				err = cmdutil.Context(err, "the server has no enabled plugin %s%s to launch (tsapi plugins list --enabled)", req.Plugin, version(req.Version))
			case errors.Is(err, tsapi.ErrNotFound):
				err = cmdutil.About(err, "analysis result %d", opts.Result)
			}
			return cmdutil.Rows{}, err
		}
		if opts.DryRun {
			return cmdutil.Rows{}, nil
		}
		r := cmdutil.NewRecord().Set("launched", req.Plugin).Set("result", opts.Result)
		r.Summary = fmt.Sprintf("launched %s%s on analysis result %d", req.Plugin, version(req.Version), opts.Result)
		return cmdutil.Rows{Records: []*cmdutil.Record{r}}, nil
	})
}

func version(v string) string {
	if v == "" {
		return ""
	}
	return " " + v
}
