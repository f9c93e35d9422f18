// Package cli is the tsapi command-line tool: noun-verb commands on cobra,
// one server or several at once, output for people and for pipes, and exit
// codes that say what happened.
package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/tsapi-go/tsapi"
)

// Globals are the flags every command takes.
type Globals struct {
	Servers []string
	Profile string
	Config  string
	Demo    bool
	Output  string
	Fields  []string
	Verbose bool
	Debug   bool
	Timeout time.Duration
}

// Factory is what a command needs: the streams, the settings and the
// servers, resolved once.
type Factory struct {
	IO      *IOStreams
	Getenv  func(string) string
	Globals Globals

	multi       bool
	dryRun      bool // writes are printed, not sent (set before targets)
	targetsDone bool
	cached      []target
	cachedErr   error
	closers     []func()
}

// runError marks an error from a command's run, as opposed to cobra's own
// (unknown command, bad flag), which are usage errors.
type runError struct{ err error }

func (e *runError) Error() string { return e.err.Error() }
func (e *runError) Unwrap() error { return e.err }

// run wraps a command's function so that its errors are told apart from
// cobra's.
func run(fn func(cmd *cobra.Command, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		if err := fn(cmd, args); err != nil {
			return &runError{err}
		}
		return nil
	}
}

// Main runs the tool with args (without the program name) and returns its
// exit code.
func Main(args []string, ios *IOStreams, getenv func(string) string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	f := &Factory{IO: ios, Getenv: getenv}
	defer func() {
		for _, c := range f.closers {
			c()
		}
	}()
	root := newRootCmd(f)
	root.SetArgs(args)
	root.SetIn(ios.In)
	root.SetOut(ios.Out)
	root.SetErr(ios.ErrOut)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	var re *runError
	if !errors.As(err, &re) {
		err = &usageError{err.Error()}
	}
	code := exitCode(err)
	if msg := err.Error(); msg != "" {
		fmt.Fprintln(ios.ErrOut, "tsapi: "+strings.TrimPrefix(msg, "tsapi: "))
	}
	var ue *usageError
	if errors.As(err, &ue) && !errors.As(err, &re) {
		fmt.Fprintln(ios.ErrOut, "Run 'tsapi --help' for usage.")
	}
	return code
}

func newRootCmd(f *Factory) *cobra.Command {
	root := &cobra.Command{
		Use:   "tsapi <command> <subcommand> [flags]",
		Short: "Drive Torrent Servers' plugin jobs from the shell",
		Long: `tsapi lists, watches and changes the plugin jobs, plugin results and plugins
of one or several Torrent Servers (Ion Torrent Torrent Suite).

Name the server with --server URL, --profile NAME (from the config file, see
'tsapi config --help'), or $TSAPI_SERVER; --demo uses an in-process fake
server instead. Credentials come from the profile, or from $TSAPI_USER with
$TSAPI_PASSWORD (or $TSAPI_PASSWORD_FILE, or $TSAPI_API_KEY). Repeat --server,
or use --profile all, to run a command on several servers at once.

` + exitCodesHelp,
		Example: `  tsapi --demo jobs list
  tsapi --server https://ts.example.org jobs list --state Error --since 24h
  tsapi --profile lab jobs get 1498 -o json
  tsapi --profile all jobs list --state Started -o jsonl | jq .id`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       tsapi.Version,
	}
	root.SetVersionTemplate("tsapi {{.Version}}\n")
	pf := root.PersistentFlags()
	pf.StringArrayVar(&f.Globals.Servers, "server", nil, "server URL (repeat for several servers)")
	pf.StringVar(&f.Globals.Profile, "profile", "", `profile of the config file ("all" for every one)`)
	pf.StringVar(&f.Globals.Config, "config", "", "config file (default $TSAPI_CONFIG or ~/.config/tsapi/config.yaml)")
	pf.BoolVar(&f.Globals.Demo, "demo", false, "use an in-process fake Torrent Server")
	pf.StringVarP(&f.Globals.Output, "output", "o", "", "output format: table, tsv, json, jsonl, yaml (default table on a terminal, tsv otherwise)")
	pf.StringSliceVar(&f.Globals.Fields, "fields", nil, "fields to print, in order (comma-separated)")
	pf.BoolVarP(&f.Globals.Verbose, "verbose", "v", false, "log each request to stderr (redacted)")
	pf.BoolVar(&f.Globals.Debug, "debug", false, "log the library's debug messages and each request to stderr (redacted)")
	pf.DurationVar(&f.Globals.Timeout, "timeout", 0, "bound each attempt of a request (default 60s)")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &usageError{err.Error()} })
	root.AddCommand(newJobsCmd(f), newResultsCmd(f), newPluginsCmd(f), newSchemaCmd(f), newConfigCmd(f),
		newVersionCmd(), newDemoCmd(f))
	return root
}

// args checks the number of positional arguments.
func exactArgs(n int, names string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return usagef("%s needs %s (got %d argument(s))", cmd.CommandPath(), names, len(args))
		}
		return nil
	}
}

// serverResult is what one server gave a command.
type serverResult struct {
	records []*record
	err     error
}

// each runs fn on every server at once and prints their records in the
// servers' order, each labelled with its server when there are several.
// A server that fails is reported on stderr; the others' results are
// printed all the same, and the exit code says that some failed.
func (f *Factory) each(ctx context.Context, defaults []string, fn func(ctx context.Context, c *tsapi.Client) ([]*record, error)) error {
	ts, err := f.targets()
	if err != nil {
		return err
	}
	f.multi = len(ts) > 1
	p, err := f.printer(defaults)
	if err != nil {
		return err
	}
	results := make([]serverResult, len(ts))
	var wg sync.WaitGroup
	for i, t := range ts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			recs, err := fn(ctx, t.client)
			results[i] = serverResult{recs, err}
		}()
	}
	wg.Wait()
	var firstErr error
	failed := 0
	for i, res := range results {
		for _, r := range res.records {
			if f.multi {
				r = labelled(ts[i].name, r)
			}
			if err := p.add(r); err != nil {
				return err
			}
		}
		if res.err != nil {
			failed++
			if firstErr == nil {
				firstErr = res.err
			}
			if f.multi {
				fmt.Fprintf(f.IO.ErrOut, "tsapi: %s: %s\n", ts[i].name, strings.TrimPrefix(res.err.Error(), "tsapi: "))
			}
		}
	}
	if err := p.flush(!f.multi && len(results) == 1 && singleObject(ctx)); err != nil {
		return err
	}
	switch {
	case failed == 0:
		return nil
	case !f.multi:
		return firstErr
	case failed < len(ts):
		return &exitError{code: ExitPartial, err: fmt.Errorf("%d of %d servers failed", failed, len(ts))}
	}
	return &exitError{code: exitCode(firstErr), err: fmt.Errorf("all %d servers failed", len(ts))}
}

// writeTargets resolves the servers of a write. A write that names
// objects by id is refused on several servers unless all says so: ids
// differ from server to server, so the same id names unrelated objects.
func (f *Factory) writeTargets(byID, all, dry bool, what string) ([]target, error) {
	f.dryRun = dry
	ts, err := f.targets()
	if err != nil {
		return nil, err
	}
	if byID && len(ts) > 1 && !all {
		return nil, usagef("%s names objects by id, and an id names unrelated objects on different servers: "+
			"this would change them on each of the %d servers (%s). Name one server, or add --all-servers to change them on every one",
			what, len(ts), names(ts))
	}
	return ts, nil
}

// target returns the server that c talks to.
func (f *Factory) target(c *tsapi.Client) target {
	for _, t := range f.cached {
		if t.client == c {
			return t
		}
	}
	return target{client: c}
}

func labelled(server string, r *record) *record {
	out := newRecord().set("server", server)
	for _, k := range r.keys {
		out.set(k, r.values[k])
	}
	return out
}

type oneKey struct{}

// single marks ctx as a command that prints one object (get), so that
// JSON and YAML print it rather than a list of one.
func single(ctx context.Context) context.Context { return context.WithValue(ctx, oneKey{}, true) }

func singleObject(ctx context.Context) bool { v, _ := ctx.Value(oneKey{}).(bool); return v }

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "version",
		Short:   "Print the tool's version",
		Args:    exactArgs(0, "no argument"),
		Example: "  tsapi version",
		RunE: run(func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintf(cmd.OutOrStdout(), "tsapi %s (library %s)\n", tsapi.Version, tsapi.Version)
			return nil
		}),
	}
}
