// Package pluginresults is the tsapi pluginresults command: list and get
// plugin results, and replace a plugin result's store. It is also the
// deprecated results command, the name it had before results came to mean
// the server's analysis results (tsapi runs).
package pluginresults

import (
	"github.com/spf13/cobra"

	"github.com/tsapi-go/tsapi"
	"github.com/tsapi-go/tsapi/internal/cli/cmdutil"
)

// DeprecatedNotice is what the deprecated results command prints on
// stderr before it runs.
const DeprecatedNotice = "'tsapi results' is deprecated: use 'tsapi pluginresults'; it will be removed in the next release"

// NewCmdPluginResults returns the pluginresults command and its verbs.
func NewCmdPluginResults(f *cmdutil.Factory) *cobra.Command {
	cmd := cmdutil.NounCommand(&cobra.Command{
		Use:     "pluginresults <command>",
		Aliases: []string{"pr"},
		Short:   "List plugin results and store what a plugin found (pluginresult)",
		Long: `A plugin result is one run of a plugin on an analysis result (see tsapi runs),
with its jobs. Its key is never printed. pr is short for pluginresults.`,
		Example: `  tsapi pluginresults list --plugin variantCaller
  tsapi pluginresults list --result 101 --job-state Error
  tsapi pluginresults get 26 --fields id,state,store
  tsapi pr store 26 store.json`,
	})
	cmd.AddCommand(NewCmdList(f, nil), NewCmdGet(f, nil), NewCmdStore(f, nil))
	return cmd
}

// NewCmdDeprecatedResults returns results, the pluginresults command under
// its old name for one more release: the same verbs, flags and output,
// hidden from the root's help, and a notice on stderr.
func NewCmdDeprecatedResults(f *cmdutil.Factory) *cobra.Command {
	cmd := NewCmdPluginResults(f)
	cmd.Use = "results <command>"
	cmd.Aliases = nil
	cmd.Hidden = true
	cmd.Short = "Deprecated: use pluginresults"
	cmd.Long = DeprecatedNotice + ".\n\n" + cmd.Long
	cmd.PersistentPreRun = func(*cobra.Command, []string) { f.IOStreams.Warnf("%s", DeprecatedNotice) }
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
