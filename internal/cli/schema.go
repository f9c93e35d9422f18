package cli

import (
	"context"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tsapi-go/tsapi"
)

func newSchemaCmd(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "schema <command>",
		Short:   "Compare the server's schemas with what the tool knows",
		Example: "  tsapi schema check",
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "check",
		Short: "Report fields the server added, lacks or retyped",
		Long: `Fetch the schemas of PluginResultJob, pluginresult and plugin and report how
they differ from the library's models: a server upgrade that changed the API
shows here first. Exits 0 whatever the drift; the drift column says it.`,
		Example: "  tsapi schema check\n  tsapi --profile all schema check -o json",
		Args:    exactArgs(0, "no argument"),
		RunE: run(func(cmd *cobra.Command, _ []string) error {
			return f.each(cmd.Context(), []string{"resource", "drift", "added", "missing", "retyped"}, func(ctx context.Context, c *tsapi.Client) ([]*record, error) {
				var recs []*record
				for _, r := range schemaChecks(c) {
					d, _, err := r.check(ctx)
					if err != nil {
						return recs, err
					}
					var retyped []string
					for _, t := range d.Retyped {
						retyped = append(retyped, t.Field+": "+t.Library+" -> "+t.Server)
					}
					recs = append(recs, newRecord().set("resource", r.name).set("drift", !d.Empty()).
						set("added", strings.Join(d.Added, ",")).set("missing", strings.Join(d.Missing, ",")).
						set("retyped", strings.Join(retyped, ",")))
				}
				return recs, nil
			})
		}),
	})
	return cmd
}

// schemaCheck is one resource's schema check.
type schemaCheck struct {
	name  string
	check func(context.Context) (*tsapi.SchemaDrift, *tsapi.Response, error)
}

// schemaChecks are the schema checks of the resources the tool knows.
func schemaChecks(c *tsapi.Client) []schemaCheck {
	return []schemaCheck{
		{"PluginResultJob", c.PluginResultJobs.CheckSchema},
		{"pluginresult", c.PluginResults.CheckSchema},
		{"plugin", c.Plugins.CheckSchema},
	}
}
