package experiments

import (
	"github.com/spf13/cobra"

	"github.com/tsapi-go/tsapi"
	"github.com/tsapi-go/tsapi/internal/cli/cmdutil"
)

// GetOptions are what experiments get needs.
type GetOptions = cmdutil.GetOptions

var getVerb = &cmdutil.GetVerb{
	Short: "Show sequencing runs by id",
	Example: `  tsapi experiments get 52
  tsapi experiments get 52,53 -o json
  tsapi experiments get 52 --fields id,name,chip,instrument,plan`,
	Noun:    "experiment",
	Action:  "read experiments",
	Fields:  Fields,
	Default: oneFields,
}

// NewCmdGet returns experiments get; runF, when not nil, runs instead of getRun.
func NewCmdGet(f *cmdutil.Factory, runF func(*GetOptions) error) *cobra.Command {
	return cmdutil.NewCmdGet(f, getVerb, runF, getRun)
}

func getRun(opts *GetOptions) error {
	return cmdutil.RunGet(opts, getVerb, cmdutil.Getter[tsapi.Experiment]{
		Service: func(s *cmdutil.Server) cmdutil.ByID[tsapi.Experiment] { return s.Client.Experiments },
		Records: cmdutil.Plain(Records),
	})
}
