// Package root is the tsapi tool's root command: the global flags, the
// nouns, version and demo, and Main, which maps what happened to an exit
// code.
package root

import (
	"context"
	"errors"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/tsapi-go/tsapi"
	"github.com/tsapi-go/tsapi/internal/cli/cmdutil"
	"github.com/tsapi-go/tsapi/internal/cli/config"
	"github.com/tsapi-go/tsapi/internal/cli/experiments"
	"github.com/tsapi-go/tsapi/internal/cli/jobs"
	"github.com/tsapi-go/tsapi/internal/cli/plans"
	"github.com/tsapi-go/tsapi/internal/cli/pluginresults"
	"github.com/tsapi-go/tsapi/internal/cli/plugins"
	"github.com/tsapi-go/tsapi/internal/cli/runs"
	"github.com/tsapi-go/tsapi/internal/cli/schema"
)

// Main runs the tool with args (without the program name) and returns its
// exit code.
func Main(args []string, ios *cmdutil.IOStreams, getenv func(string) string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	f := cmdutil.New(ios, getenv)
	defer f.Close()
	return Run(ctx, f, args)
}

// Run runs the tool's root command on f with args and returns the exit
// code, after telling the failure on stderr.
func Run(ctx context.Context, f *cmdutil.Factory, args []string) int {
	// The verbs carry ctx in their options (Ctx, from cmd.Context()), which
	// contextcheck does not follow.
	cmd := NewCmdRoot(f) //nolint:contextcheck // ctx reaches every verb through ExecuteContext
	cmd.SetArgs(args)
	cmd.SetIn(f.IOStreams.In)
	cmd.SetOut(f.IOStreams.Out)
	cmd.SetErr(f.IOStreams.ErrOut)
	err := cmd.ExecuteContext(ctx)
	if err == nil {
		return cmdutil.ExitOK
	}
	var ce *cmdutil.CodeError
	var ue *cmdutil.UsageError
	if !isRunError(err) {
		err = &cmdutil.UsageError{Msg: err.Error()}
	}
	err = cmdutil.Explain(err, nil, "")
	code := cmdutil.ExitCode(err)
	if !errors.As(err, &ce) || ce.Err != nil {
		if msg := err.Error(); msg != "" {
			f.IOStreams.Printf("tsapi: %s\n", strings.TrimPrefix(msg, "tsapi: "))
		}
	}
	if errors.As(err, &ue) && strings.Contains(ue.Msg, "flag") {
		f.IOStreams.Printf("Run 'tsapi %s --help' for usage.\n", strings.Join(commandPath(args), " "))
	}
	return code
}

// isRunError tells an error of a command's run from cobra's own (an unknown
// flag or command), which are usage errors.
func isRunError(err error) bool {
	var ue *cmdutil.UsageError
	var ce *cmdutil.CodeError
	if errors.As(err, &ue) || errors.As(err, &ce) {
		return true
	}
	msg := err.Error()
	for _, p := range []string{"unknown flag", "unknown shorthand flag", "flag needs an argument", "invalid argument", "unknown command",
		"bad flag syntax", "required flag"} {
		if strings.HasPrefix(msg, p) {
			return false
		}
	}
	return true
}

// commandPath is the nouns and verbs of args, for the usage hint.
func commandPath(args []string) []string {
	var out []string
	for _, a := range args {
		if strings.HasPrefix(a, "-") {
			break
		}
		out = append(out, a)
	}
	if len(out) > 2 {
		out = out[:2]
	}
	return out
}

// NewCmdRoot returns the root command, with every noun.
func NewCmdRoot(f *cmdutil.Factory) *cobra.Command {
	cmd := cmdutil.NounCommand(&cobra.Command{
		Use:   "tsapi <command> <subcommand> [flags]",
		Short: "Drive Torrent Servers' plugin jobs from the shell",
		Long: `tsapi lists, watches and changes the plugin jobs, plugin results and plugins
of one or several Torrent Servers (Ion Torrent Torrent Suite), and lists the
runs around them: analysis results (runs), sequencing runs (experiments) and
plans.

Name the server with --server URL, --profile NAME (from the config file, see
'tsapi config --help'), or $TSAPI_SERVER; --demo uses an in-process fake
server instead. Credentials come from the profile, or from $TSAPI_USER with
$TSAPI_PASSWORD (or $TSAPI_PASSWORD_FILE, or $TSAPI_API_KEY). Repeat --server,
or use --profile all, to run a command on several servers at once: each acts
on its own objects, and a write by id needs --all-servers.

` + cmdutil.ExitCodesHelp,
		Example: `  tsapi --demo jobs list
  tsapi --server https://ts.example.org jobs list --state Error --since 24h
  tsapi --profile lab jobs get 1498 -o json
  tsapi --profile all jobs list --state Started -o jsonl | jq .id
  tsapi --profile lab jobs list --state Error --jq '.[].id'`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       tsapi.Version,
	})
	cmd.SetVersionTemplate("tsapi {{.Version}}\n")
	g := f.Flags
	pf := cmd.PersistentFlags()
	pf.StringArrayVar(&g.Servers, "server", nil, "server URL (repeat, or separate with commas, for several servers)")
	pf.StringVar(&g.Profile, "profile", "", `profile of the config file (NAME,NAME for several, "all" for every one)`)
	pf.StringVar(&g.Config, "config", "", "config file (default $TSAPI_CONFIG or ~/.config/tsapi/config.yaml)")
	pf.BoolVar(&g.Demo, "demo", false, "use an in-process fake Torrent Server")
	pf.StringVarP(&g.Output, "output", "o", "", "output format: table, tsv, json, jsonl, yaml (default table on a terminal, tsv otherwise)")
	pf.StringSliceVar(&g.Fields, "fields", nil, "fields to print, in order (comma-separated)")
	pf.StringVarP(&g.JQ, "jq", "q", "", "filter the JSON output with a jq expression (strings print raw)")
	pf.StringVarP(&g.Template, "template", "t", "", "format the JSON output with a Go template")
	pf.BoolVarP(&g.Verbose, "verbose", "v", false, "log each request to stderr (redacted)")
	pf.BoolVar(&g.Debug, "debug", false, "log the library's debug messages and each request to stderr (redacted)")
	pf.DurationVar(&g.Timeout, "timeout", 0, "bound each attempt of a request (default 60s)")
	cmdutil.MustComplete(cmd, "output", cmdutil.CompleteOne(cmdutil.Formats))
	cmdutil.MustComplete(cmd, "profile", func(_ *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		cfg, err := f.Config(false)
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return cmdutil.CompleteList(append(cfg.Names(), "all"))(nil, nil, toComplete)
	})
	cmdutil.MustComplete(cmd, "fields", func(c *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		fields := strings.Split(c.Annotations[cmdutil.FieldsAnnotation], ",")
		if c.Annotations[cmdutil.FieldsAnnotation] == "" {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		if len(g.Servers) > 1 || g.Profile == "all" || strings.Contains(g.Profile, ",") {
			fields = append([]string{"server"}, fields...)
		}
		return cmdutil.CompleteList(slices.Compact(fields))(c, args, toComplete)
	})
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &cmdutil.UsageError{Msg: err.Error()} })
	cmd.AddCommand(jobs.NewCmdJobs(f), pluginresults.NewCmdPluginResults(f), pluginresults.NewCmdDeprecatedResults(f),
		plugins.NewCmdPlugins(f), runs.NewCmdRuns(f),
		experiments.NewCmdExperiments(f), plans.NewCmdPlans(f), schema.NewCmdSchema(f),
		config.NewCmdConfig(f), NewCmdVersion(f, nil), NewCmdDemo(f, nil))
	return cmd
}
