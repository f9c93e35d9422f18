package pluginresults

import (
	"github.com/spf13/cobra"

	"github.com/tsapi-go/tsapi"
	"github.com/tsapi-go/tsapi/internal/cli/cmdutil"
)

// GetOptions are what pluginresults get needs.
type GetOptions = cmdutil.GetOptions

var getVerb = &cmdutil.GetVerb{
	Short:   "Show a plugin result",
	Example: "  tsapi pluginresults get 26\n  tsapi pluginresults get 26 -o yaml --fields id,plugin,state,jobs,store",
	Noun:    "plugin result",
	Action:  "read plugin results",
	Fields:  Fields,
	Default: append(append([]string{}, listFields...), "size", "path"),
}

// NewCmdGet returns pluginresults get; runF, when not nil, runs instead of getRun.
func NewCmdGet(f *cmdutil.Factory, runF func(*GetOptions) error) *cobra.Command {
	return cmdutil.NewCmdGet(f, getVerb, runF, getRun)
}

func getRun(opts *GetOptions) error {
	return cmdutil.RunGet(opts, getVerb, cmdutil.Getter[tsapi.PluginResult]{
		Service: func(s *cmdutil.Server) cmdutil.ByID[tsapi.PluginResult] { return s.Client.PluginResults },
		Records: cmdutil.Plain(Records),
	})
}
