// Package plugins is the tsapi plugins command: list and get installed
// plugins, and launch one on an analysis result.
package plugins

import (
	"github.com/spf13/cobra"

	"github.com/tsapi-go/tsapi"
	"github.com/tsapi-go/tsapi/internal/cli/cmdutil"
)

// NewCmdPlugins returns the plugins command and its verbs.
func NewCmdPlugins(f *cmdutil.Factory) *cobra.Command {
	cmd := cmdutil.NounCommand(&cobra.Command{
		Use:   "plugins <command>",
		Short: "List installed plugins and launch them on analysis results",
		Example: `  tsapi plugins list
  tsapi plugins launch 101 variantCaller --config config.json`,
	})
	cmd.AddCommand(NewCmdList(f, nil), NewCmdGet(f, nil), NewCmdLaunch(f, nil))
	return cmd
}

// Fields are the fields of a plugin's record.
var Fields = []string{"id", "name", "version", "selected", "active", "date", "description", "requires_configuration", "path", "config"}

var listFields = []string{"id", "name", "version", "selected", "date", "description"}

// Record is a plugin as the tool prints it.
func Record(p *tsapi.Plugin) *cmdutil.Record {
	return cmdutil.NewRecord().Set("id", p.ID).Set("name", p.Name).Set("version", p.Version).Set("selected", p.Selected).
		Set("active", p.Active).Set("date", cmdutil.Instant(p.Date)).Set("description", p.Description).
		Set("requires_configuration", p.RequiresConfiguration).Set("path", p.Path).Set("config", cmdutil.RawJSON(p.Config))
}

// Records are plugins as the tool prints them.
func Records(ps []*tsapi.Plugin) []*cmdutil.Record {
	out := make([]*cmdutil.Record, len(ps))
	for i, p := range ps {
		out[i] = Record(p)
	}
	return out
}
