package cli

import (
	"fmt"

	"github.com/spf13/cobra"
)

const configHelp = `The config file (--config, $TSAPI_CONFIG, else ~/.config/tsapi/config.yaml)
names servers as profiles. It holds no secret: each profile says where its
password or key is, in an environment variable or in a file that only its
owner may read (the tool refuses a file others can read).

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

--profile NAME uses one profile, --profile all every one at once; without
--server or --profile the tool uses $TSAPI_PROFILE, then $TSAPI_SERVER, then
the file's default.`

func newConfigCmd(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "config <command>",
		Short:   "Show the config file's profiles",
		Long:    configHelp,
		Example: "  tsapi config path\n  tsapi config list",
	}
	cmd.AddCommand(&cobra.Command{
		Use:     "path",
		Short:   "Print where the config file is read from",
		Example: "  tsapi config path",
		Args:    exactArgs(0, "no argument"),
		RunE: run(func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintln(f.IO.Out, configPath(f.Globals.Config, f.Getenv))
			return err
		}),
	}, &cobra.Command{
		Use:     "list",
		Short:   "List the profiles, with how each authenticates (never a secret)",
		Example: "  tsapi config list\n  tsapi config list -o json",
		Args:    exactArgs(0, "no argument"),
		RunE: run(func(cmd *cobra.Command, _ []string) error {
			cfg, err := loadConfig(configPath(f.Globals.Config, f.Getenv), true)
			if err != nil {
				return err
			}
			p, err := f.printer([]string{"profile", "server", "auth", "default"})
			if err != nil {
				return err
			}
			for _, n := range cfg.names() {
				pr := cfg.Profiles[n]
				if err := p.add(newRecord().set("profile", n).set("server", pr.Server).set("auth", pr.authKind()).
					set("default", n == cfg.Default).set("ca_file", pr.CAFile)); err != nil {
					return err
				}
			}
			return p.flush(false)
		}),
	})
	return cmd
}
