package root

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/tsapi-go/tsapi"
	"github.com/tsapi-go/tsapi/internal/cli/cmdutil"
)

// VersionOptions are what version needs.
type VersionOptions struct {
	IO *cmdutil.IOStreams
	// Build is the binary's build information (nil when not known).
	Build *debug.BuildInfo
}

// NewCmdVersion returns version; runF, when not nil, runs instead of
// versionRun.
func NewCmdVersion(f *cmdutil.Factory, runF func(*VersionOptions) error) *cobra.Command {
	opts := &VersionOptions{IO: f.IOStreams}
	return &cobra.Command{
		Use:     "version",
		Short:   "Print the tool's version, commit, build date and Go version",
		Args:    cmdutil.ExactArgs(0, "no argument"),
		Example: "  tsapi version",
		RunE: func(*cobra.Command, []string) error {
			opts.Build, _ = debug.ReadBuildInfo()
			if runF != nil {
				return runF(opts)
			}
			return versionRun(opts)
		},
	}
}

func versionRun(opts *VersionOptions) error {
	text := fmt.Sprintf("tsapi %s (library %s)\n", tsapi.Version, tsapi.Version)
	commit, date, modified, goVersion := "unknown", "", false, runtime.Version()
	if b := opts.Build; b != nil {
		goVersion = b.GoVersion
		for _, s := range b.Settings {
			switch s.Key {
			case "vcs.revision":
				commit = s.Value
			case "vcs.time":
				date = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
	}
	if len(commit) > 12 {
		commit = commit[:12]
	}
	text += "commit " + commit
	if modified {
		text += " (modified)"
	}
	if date != "" {
		text += ", " + date
	}
	text += fmt.Sprintf("\n%s %s/%s\n", goVersion, runtime.GOOS, runtime.GOARCH)
	return opts.IO.WriteOut([]byte(text))
}
