// Package jobs is the tsapi jobs command: list, get, set-state, patch,
// delete, wait and watch plugin jobs, one file a verb.
package jobs

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/tsapi-go/tsapi/internal/cli/cmdutil"
)

// NewCmdJobs returns the jobs command and its verbs.
func NewCmdJobs(f *cmdutil.Factory) *cobra.Command {
	cmd := cmdutil.NounCommand(&cobra.Command{
		Use:   "jobs <command>",
		Short: "List, watch and change plugin jobs (PluginResultJob)",
		Long: `Plugin jobs are the grid-engine jobs of plugin runs. Their states are
` + strings.Join(cmdutil.StateNames(), ", ") + `; Pending, Queued and Started are running, the others are end states. A job's
plugin result, analysis result and run are fields to ask for with --fields
(plugin_result, plugin, result, result_name, experiment, experiment_name).`,
		Example: `  tsapi jobs list --state Error --since 24h
  tsapi jobs get 1498
  tsapi jobs set-state 1498 Cancelled
  tsapi jobs wait 1498 && echo completed`,
	})
	cmd.AddCommand(NewCmdList(f, nil), NewCmdGet(f, nil), NewCmdSetState(f, nil), NewCmdPatch(f, nil),
		NewCmdDelete(f, nil), NewCmdWait(f, nil), NewCmdWatch(f, nil))
	return cmd
}
