package jobs

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/tsapi-go/tsapi"
	"github.com/tsapi-go/tsapi/internal/cli/cmdutil"
)

// GetOptions are what jobs get needs.
type GetOptions = cmdutil.GetOptions

var getVerb = &cmdutil.GetVerb{
	Short: "Show jobs by id",
	Long: `Show jobs by id (ids as arguments, or comma-separated). --fields also takes
what each job belongs to (plugin_result, plugin, result, result_name,
experiment, experiment_name; see tsapi jobs list --help), read only then.`,
	Example: `  tsapi jobs get 1498
  tsapi jobs get 1498 1499 -o json
  tsapi jobs get 1498,1499 --fields id,state,duration,config
  tsapi jobs get 1498 --fields id,state,plugin,result,experiment_name`,
	Noun:    "job",
	Action:  "read jobs",
	Fields:  Fields,
	Default: oneFields,
}

// NewCmdGet returns jobs get; runF, when not nil, runs instead of getRun.
func NewCmdGet(f *cmdutil.Factory, runF func(*GetOptions) error) *cobra.Command {
	return cmdutil.NewCmdGet(f, getVerb, runF, getRun)
}

func getRun(opts *GetOptions) error {
	return cmdutil.RunGet(opts, getVerb, cmdutil.Getter[tsapi.PluginResultJob]{
		Service: func(s *cmdutil.Server) cmdutil.ByID[tsapi.PluginResultJob] { return s.Client.PluginResultJobs },
		Records: func(ctx context.Context, s *cmdutil.Server, fields []string, jobs []*tsapi.PluginResultJob) ([]*cmdutil.Record, error) {
			recs := Records(jobs)
			return recs, newLinks(s, fields).add(ctx, jobs, recs)
		},
	})
}
