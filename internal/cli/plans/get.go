package plans

import (
	"github.com/spf13/cobra"

	"github.com/tsapi-go/tsapi"
	"github.com/tsapi-go/tsapi/internal/cli/cmdutil"
)

// GetOptions are what plans get needs.
type GetOptions = cmdutil.GetOptions

var getVerb = &cmdutil.GetVerb{
	Short: "Show plans and templates by id",
	Example: `  tsapi plans get 61
  tsapi plans get 60,61 -o json
  tsapi plans get 61 --fields id,short_id,name,status,experiment,experiment_name`,
	Noun:    "plan",
	Action:  "read plans",
	Fields:  Fields,
	Default: oneFields,
}

// NewCmdGet returns plans get; runF, when not nil, runs instead of getRun.
func NewCmdGet(f *cmdutil.Factory, runF func(*GetOptions) error) *cobra.Command {
	return cmdutil.NewCmdGet(f, getVerb, runF, getRun)
}

func getRun(opts *GetOptions) error {
	return cmdutil.RunGet(opts, getVerb, cmdutil.Getter[tsapi.PlannedExperiment]{
		Service: func(s *cmdutil.Server) cmdutil.ByID[tsapi.PlannedExperiment] { return s.Client.PlannedExperiments },
		Records: cmdutil.Plain(Records),
	})
}
