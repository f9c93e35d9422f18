// Package results is the tsapi results command: list and get plugin
// results, and replace a plugin result's store.
package results

import (
	"github.com/spf13/cobra"

	"github.com/tsapi-go/tsapi"
	"github.com/tsapi-go/tsapi/internal/cli/cmdutil"
)

// NewCmdResults returns the results command and its verbs.
func NewCmdResults(f *cmdutil.Factory) *cobra.Command {
	cmd := cmdutil.NounCommand(&cobra.Command{
		Use:   "results <command>",
		Short: "List plugin results and store what a plugin found (pluginresult)",
		Long: `A plugin result is one run of a plugin on an analysis result, with its jobs.
Its key is never printed.`,
		Example: `  tsapi results list --plugin variantCaller
  tsapi results get 26 --fields id,state,store
  tsapi results store 26 store.json`,
	})
	cmd.AddCommand(NewCmdList(f, nil), NewCmdGet(f, nil), NewCmdStore(f, nil))
	return cmd
}

// Fields are the fields of a plugin result's record.
var Fields = []string{"id", "plugin", "version", "result", "result_name", "state", "jobs", "starttime", "endtime",
	"size", "inodes", "path", "store"}

var listFields = []string{"id", "plugin", "version", "result", "state", "jobs", "starttime", "endtime"}

// Record is a plugin result as the tool prints it: never its key.
func Record(p *tsapi.PluginResult) *cmdutil.Record {
	resultID, _ := p.ResultID()
	return cmdutil.NewRecord().Set("id", p.ID).Set("plugin", p.PluginName).Set("version", p.PluginVersion).
		Set("result", resultID).Set("result_name", p.ResultName).Set("state", string(p.State)).Set("jobs", len(p.Jobs)).
		Set("starttime", cmdutil.Instant(p.StartTime)).Set("endtime", cmdutil.Instant(p.EndTime)).Set("size", p.Size).
		Set("inodes", p.Inodes).Set("path", p.Path).Set("store", cmdutil.RawJSON(p.Store))
}

// Records are plugin results as the tool prints them.
func Records(prs []*tsapi.PluginResult) []*cmdutil.Record {
	out := make([]*cmdutil.Record, len(prs))
	for i, p := range prs {
		out[i] = Record(p)
	}
	return out
}
