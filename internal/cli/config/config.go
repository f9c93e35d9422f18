// Package config is the tsapi config command: where the config file is,
// and its profiles.
package config

import (
	"github.com/spf13/cobra"

	"github.com/tsapi-go/tsapi/internal/cli/cmdutil"
)

// Help is what the config file holds, for tsapi config --help.
const Help = `The config file (--config, $TSAPI_CONFIG, else ~/.config/tsapi/config.yaml)
names servers as profiles. It holds no secret: each profile says where its
password or key is, in an environment variable or in a file that only its
owner may read (the tool refuses a file others can read, and a password
written in the file itself).

  default: lab
  profiles:
    lab:
      server: https://ts.example.org
      user: ionadmin
      password_env: TSAPI_LAB_PASSWORD      # or password_file: ~/.config/tsapi/lab.password
      ca_file: /etc/ssl/certs/lab-ts.pem    # a self-signed server
    backup:
      server: https://ts2.example.org
      user: ionuser
      api_key_file: /home/me/.config/tsapi/backup.key
    plugin:
      server: http://localhost
      plugin_result: 26
      plugin_key_env: PLUGIN_KEY

--profile NAME uses one profile (NAME,NAME several), --profile all every
one at once: a profile that cannot be used is reported and the others run
(exit 7). Without --server or --profile the tool uses $TSAPI_PROFILE, then
$TSAPI_SERVER, then the file's default.`

// NewCmdConfig returns the config command and its verbs.
func NewCmdConfig(f *cmdutil.Factory) *cobra.Command {
	cmd := cmdutil.NounCommand(&cobra.Command{
		Use:     "config <command>",
		Short:   "Show the config file's profiles",
		Long:    Help,
		Example: "  tsapi config path\n  tsapi config list",
	})
	cmd.AddCommand(NewCmdPath(f, nil), NewCmdList(f, nil))
	return cmd
}

// PathOptions are what config path needs.
type PathOptions struct {
	IO   *cmdutil.IOStreams
	Path string
}

// NewCmdPath returns config path; runF, when not nil, runs instead of
// pathRun.
func NewCmdPath(f *cmdutil.Factory, runF func(*PathOptions) error) *cobra.Command {
	opts := &PathOptions{IO: f.IOStreams}
	return &cobra.Command{
		Use:     "path",
		Short:   "Print where the config file is read from",
		Example: "  tsapi config path",
		Args:    cmdutil.ExactArgs(0, "no argument"),
		RunE: func(*cobra.Command, []string) error {
			opts.Path = cmdutil.ConfigPath(f.Flags.Config, f.Getenv)
			if runF != nil {
				return runF(opts)
			}
			return pathRun(opts)
		},
	}
}

func pathRun(opts *PathOptions) error { return opts.IO.WriteOut([]byte(opts.Path + "\n")) }

// ListOptions are what config list needs.
type ListOptions struct {
	IO     *cmdutil.IOStreams
	Config func(required bool) (*cmdutil.Config, error)
	Output cmdutil.Output
}

var listFields = []string{"profile", "server", "auth", "default"}

// NewCmdList returns config list; runF, when not nil, runs instead of
// listRun.
func NewCmdList(f *cmdutil.Factory, runF func(*ListOptions) error) *cobra.Command {
	opts := &ListOptions{IO: f.IOStreams, Config: f.Config}
	cmd := &cobra.Command{
		Use:     "list",
		Short:   "List the profiles, with how each authenticates (never a secret)",
		Example: "  tsapi config list\n  tsapi config list -o json",
		Args:    cmdutil.ExactArgs(0, "no argument"),
		RunE: func(*cobra.Command, []string) error {
			opts.Output = f.Output()
			if runF != nil {
				return runF(opts)
			}
			return listRun(opts)
		},
	}
	cmdutil.SetFields(cmd, append(append([]string{}, listFields...), "ca_file"))
	return cmd
}

func listRun(opts *ListOptions) error {
	cfg, err := opts.Config(true)
	if err != nil {
		return err
	}
	p, err := cmdutil.NewPrinter(opts.IO, opts.Output, listFields)
	if err != nil {
		return err
	}
	for _, n := range cfg.Names() {
		pr := cfg.Profiles[n]
		if err := p.Add(cmdutil.NewRecord().Set("profile", n).Set("server", pr.Server).Set("auth", pr.AuthKind()).
			Set("default", n == cfg.Default).Set("ca_file", pr.CAFile)); err != nil {
			return err
		}
	}
	return p.Flush()
}
