// Command tsapi drives the plugin jobs, plugin results and plugins of one
// or several Torrent Servers from the shell. Run `tsapi --help` for its
// commands, and `tsapi --demo jobs list` to try it against an in-process
// fake server.
package main

import (
	"os"

	"github.com/tsapi-go/tsapi/internal/cli/cmdutil"
	"github.com/tsapi-go/tsapi/internal/cli/root"
)

func main() {
	os.Exit(root.Main(os.Args[1:], cmdutil.System(), os.Getenv))
}
