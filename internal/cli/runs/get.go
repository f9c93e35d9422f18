package runs

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/tsapi-go/tsapi"
	"github.com/tsapi-go/tsapi/internal/cli/cmdutil"
)

// GetOptions are what runs get needs.
type GetOptions = cmdutil.GetOptions

var getVerb = &cmdutil.GetVerb{
	Short: "Show analysis results by id, with their runs",
	Long: `Show analysis results by id (ids as arguments, or comma-separated), each with
its run's name, status, chip and instrument. Several ids are read in one
request, and their runs in another.`,
	Example: `  tsapi runs get 101
  tsapi runs get 101 102 -o json
  tsapi runs get 101,102 --fields id,name,experiment_name,chip,report_link`,
	Noun:    "analysis result",
	Action:  "read analysis results",
	Fields:  Fields,
	Default: oneFields,
}

// NewCmdGet returns runs get; runF, when not nil, runs instead of getRun.
func NewCmdGet(f *cmdutil.Factory, runF func(*GetOptions) error) *cobra.Command {
	return cmdutil.NewCmdGet(f, getVerb, runF, getRun)
}

func getRun(opts *GetOptions) error {
	return cmdutil.RunGet(opts, getVerb, cmdutil.Getter[tsapi.Result]{
		Service: func(s *cmdutil.Server) cmdutil.ByID[tsapi.Result] { return s.Client.Results },
		Records: func(ctx context.Context, s *cmdutil.Server, fields []string, rs []*tsapi.Result) ([]*cmdutil.Record, error) {
			return newExperiments(s, fields).records(ctx, rs)
		},
	})
}
