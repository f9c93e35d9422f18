package plugins

import (
	"github.com/spf13/cobra"

	"github.com/tsapi-go/tsapi"
	"github.com/tsapi-go/tsapi/internal/cli/cmdutil"
)

// GetOptions are what plugins get needs.
type GetOptions = cmdutil.GetOptions

var getVerb = &cmdutil.GetVerb{
	Short:   "Show an installed plugin",
	Example: "  tsapi plugins get 1",
	Noun:    "plugin",
	Action:  "read plugins",
	Fields:  Fields,
	Default: append(append([]string{}, listFields...), "path"),
}

// NewCmdGet returns plugins get; runF, when not nil, runs instead of getRun.
func NewCmdGet(f *cmdutil.Factory, runF func(*GetOptions) error) *cobra.Command {
	return cmdutil.NewCmdGet(f, getVerb, runF, getRun)
}

func getRun(opts *GetOptions) error {
	return cmdutil.RunGet(opts, getVerb, cmdutil.Getter[tsapi.Plugin]{
		Service: func(s *cmdutil.Server) cmdutil.ByID[tsapi.Plugin] { return s.Client.Plugins },
		Records: cmdutil.Plain(Records),
	})
}
