// Package schema is the tsapi schema command: compare the server's
// schemas with the library's models, and generate a typed service from a
// resource's schema.
package schema

import (
	"context"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tsapi-go/tsapi"
	"github.com/tsapi-go/tsapi/internal/cli/cmdutil"
)

// NewCmdSchema returns the schema command and its verbs.
func NewCmdSchema(f *cmdutil.Factory) *cobra.Command {
	cmd := cmdutil.NounCommand(&cobra.Command{
		Use:   "schema <command>",
		Short: "Compare the server's schemas with what the tool knows, or generate Go from one",
		Example: `  tsapi schema check
  tsapi schema generate referencegenome --type ReferenceGenome --package myts -o referencegenome_gen.go`,
	})
	cmd.AddCommand(NewCmdCheck(f, nil), NewCmdGenerate(f, nil))
	return cmd
}

// CheckOptions are what schema check needs.
type CheckOptions struct {
	IO      *cmdutil.IOStreams
	Servers func() ([]*cmdutil.Server, error)
	Output  cmdutil.Output
	Ctx     context.Context
}

var fields = []string{"resource", "drift", "added", "missing", "retyped"}

// NewCmdCheck returns schema check; runF, when not nil, runs instead of
// checkRun.
func NewCmdCheck(f *cmdutil.Factory, runF func(*CheckOptions) error) *cobra.Command {
	opts := &CheckOptions{IO: f.IOStreams, Servers: f.Servers}
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Report fields the server added, lacks or retyped",
		Long: `Fetch the schemas of PluginResultJob, pluginresult, plugin, results,
experiment and plannedexperiment and report how they differ from the
library's models: a server upgrade that changed the API shows here first.
Exits 0 whatever the drift; the drift column says it.`,
		Example: "  tsapi schema check\n  tsapi --profile all schema check -o json",
		Args:    cmdutil.ExactArgs(0, "no argument"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.Output, opts.Ctx = f.Output(), cmd.Context()
			if runF != nil {
				return runF(opts)
			}
			return checkRun(opts)
		},
	}
	cmdutil.SetFields(cmd, fields)
	return cmd
}

func checkRun(opts *CheckOptions) error {
	servers, err := opts.Servers()
	if err != nil {
		return err
	}
	p, err := cmdutil.NewPrinter(opts.IO, opts.Output, fields)
	if err != nil {
		return err
	}
	each := &cmdutil.Each{IO: opts.IO, Servers: servers, Printer: p, Action: "read schemas"}
	return each.Run(opts.Ctx, func(ctx context.Context, s *cmdutil.Server) (cmdutil.Rows, error) {
		var rows cmdutil.Rows
		for _, c := range Checks(s.Client) {
			d, _, err := c.Check(ctx)
			if err != nil {
				return rows, cmdutil.About(err, "the %s schema", c.Name)
			}
			rows.Records = append(rows.Records, record(c.Name, d))
		}
		return rows, nil
	})
}

func record(name string, d *tsapi.SchemaDrift) *cmdutil.Record {
	var retyped []string
	for _, t := range d.Retyped {
		retyped = append(retyped, t.Field+": "+t.Library+" -> "+t.Server)
	}
	return cmdutil.NewRecord().Set("resource", name).Set("drift", !d.Empty()).
		Set("added", strings.Join(d.Added, ",")).Set("missing", strings.Join(d.Missing, ",")).
		Set("retyped", strings.Join(retyped, ","))
}

// Check is one resource's schema check.
type Check struct {
	Name  string
	Check func(context.Context) (*tsapi.SchemaDrift, *tsapi.Response, error)
}

// Checks are the schema checks of the resources the tool knows, through
// the service interfaces.
func Checks(c *tsapi.Client) []Check {
	return []Check{
		{"PluginResultJob", c.PluginResultJobs.CheckSchema},
		{"pluginresult", c.PluginResults.CheckSchema},
		{"plugin", c.Plugins.CheckSchema},
		{"results", c.Results.CheckSchema},
		{"experiment", c.Experiments.CheckSchema},
		{"plannedexperiment", c.PlannedExperiments.CheckSchema},
	}
}
