package cli

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/tsapi-go/tsapi"
)

func newPluginsCmd(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "plugins <command>",
		Short: "List installed plugins and launch them on analysis results",
		Example: `  tsapi plugins list
  tsapi plugins launch 101 variantCaller --config config.json`,
	}
	cmd.AddCommand(newPluginsListCmd(f), newPluginsGetCmd(f), newPluginsLaunchCmd(f))
	return cmd
}

func newPluginsListCmd(f *Factory) *cobra.Command {
	var name string
	var selected bool
	cmd := &cobra.Command{
		Use:     "list [flags]",
		Short:   "List installed plugins",
		Example: "  tsapi plugins list\n  tsapi plugins list --name variantCaller -o json",
		Args:    exactArgs(0, "no argument"),
		RunE: run(func(cmd *cobra.Command, _ []string) error {
			opts := &tsapi.PluginListOptions{Name: name}
			if selected {
				opts.Selected = tsapi.Ptr(true)
			}
			return f.each(cmd.Context(), pluginFields, func(ctx context.Context, c *tsapi.Client) ([]*record, error) {
				var recs []*record
				for p, err := range c.Plugins.All(ctx, opts) {
					if err != nil {
						return recs, err
					}
					recs = append(recs, pluginRecord(p))
				}
				return recs, nil
			})
		}),
	}
	cmd.Flags().StringVar(&name, "name", "", "only plugins with this name")
	cmd.Flags().BoolVar(&selected, "enabled", false, "only enabled plugins (those that can be launched)")
	return cmd
}

func newPluginsGetCmd(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:     "get ID",
		Short:   "Show an installed plugin",
		Example: "  tsapi plugins get 1",
		Args:    exactArgs(1, "a plugin id"),
		RunE: run(func(cmd *cobra.Command, args []string) error {
			id, err := parseID(args[0])
			if err != nil {
				return err
			}
			return f.each(single(cmd.Context()), append(pluginFields, "path"), func(ctx context.Context, c *tsapi.Client) ([]*record, error) {
				p, _, err := c.Plugins.Get(ctx, id)
				if err != nil {
					return nil, aboutf(err, "plugin %d", id)
				}
				return []*record{pluginRecord(p)}, nil
			})
		}),
	}
}

func newPluginsLaunchCmd(f *Factory) *cobra.Command {
	var version, configFile string
	var dry, allServers bool
	cmd := &cobra.Command{
		Use:   "launch RESULT PLUGIN",
		Short: "Run a plugin on an analysis result",
		Long: `Run the plugin named PLUGIN (its newest enabled version, or --version) on the
analysis result RESULT. The launch is sent once: if its answer is lost the
tool exits 8, and the plugin may be running; look before launching again.`,
		Example: `  tsapi plugins launch 101 variantCaller
  tsapi plugins launch 101 sampleID --version 5.18.0.0 --config config.json --dry-run`,
		Args: exactArgs(2, "an analysis result id and a plugin name"),
		RunE: run(func(cmd *cobra.Command, args []string) error {
			result, err := parseID(args[0])
			if err != nil {
				return err
			}
			req := &tsapi.LaunchRequest{Plugin: args[1], Version: version}
			if configFile != "" {
				b, err := readInput(configFile, f.IO.In)
				if err != nil {
					return err
				}
				cfg, err := tsapi.JobConfigFromJSON(b)
				if err != nil {
					return usagef("--config %s: %v", configFile, err)
				}
				req.Config = cfg
			}
			if _, err := f.writeTargets(true, allServers, dry, "plugins launch"); err != nil {
				return err
			}
			return f.each(cmd.Context(), []string{"launched", "result"}, func(ctx context.Context, c *tsapi.Client) ([]*record, error) {
				if _, err := c.Plugins.Launch(ctx, result, req); err != nil {
					return nil, err
				}
				if dry {
					return nil, nil
				}
				return []*record{newRecord().set("launched", args[1]).set("result", result)}, nil
			})
		}),
	}
	cmd.Flags().StringVar(&version, "version", "", "the plugin version to run (default the newest enabled)")
	cmd.Flags().StringVar(&configFile, "config", "", "a file holding the run's configuration, a JSON object (- for stdin)")
	cmd.Flags().BoolVar(&dry, "dry-run", false, "print the request instead of sending it")
	cmd.Flags().BoolVar(&allServers, "all-servers", false, "with several servers, launch on the result with this id on every one")
	return cmd
}
