package cli

import (
	"context"
	"slices"

	"github.com/spf13/cobra"

	"github.com/tsapi-go/tsapi"
)

func newResultsCmd(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "results <command>",
		Short: "List plugin results and store what a plugin found (pluginresult)",
		Long: `A plugin result is one run of a plugin on an analysis result, with its jobs.
Its key is never printed.`,
		Example: `  tsapi results list --plugin variantCaller
  tsapi results get 26 --fields id,state,store
  tsapi results store 26 store.json`,
	}
	cmd.AddCommand(newResultsListCmd(f), newResultsGetCmd(f), newResultsStoreCmd(f))
	return cmd
}

func newResultsListCmd(f *Factory) *cobra.Command {
	var plugin string
	var result int64
	var jobStates []string
	var filters []string
	var limit int
	var all bool
	cmd := &cobra.Command{
		Use:   "list [flags]",
		Short: "List plugin results, newest first",
		Example: `  tsapi results list
  tsapi results list --plugin variantCaller --result 101
  tsapi results list --job-state Started --all -o jsonl`,
		Args: exactArgs(0, "no argument (filters are flags)"),
		RunE: run(func(cmd *cobra.Command, _ []string) error {
			opts := &tsapi.PluginResultListOptions{PluginName: plugin}
			if result != 0 {
				opts.Result = &result
			}
			for _, s := range jobStates {
				st, err := checkState(s)
				if err != nil {
					return err
				}
				opts.JobStateIn = append(opts.JobStateIn, st)
			}
			fs, err := parseFilters(filters)
			if err != nil {
				return err
			}
			opts.Filters = fs
			return f.each(cmd.Context(), resultFields, func(ctx context.Context, c *tsapi.Client) ([]*record, error) {
				o := *opts
				if !all {
					o.Limit = cmp(limit, 20)
					prs, _, err := c.PluginResults.List(ctx, &o)
					return resultRecords(prs), err
				}
				var recs []*record
				for pr, err := range c.PluginResults.All(ctx, &o) {
					if err != nil {
						f.IO.ProgressDone()
						return recs, err
					}
					recs = append(recs, resultRecord(pr))
					if len(recs)%100 == 0 {
						f.IO.Progress("%s: %d plugin results", c.BaseURL().Host, len(recs))
					}
				}
				f.IO.ProgressDone()
				return recs, nil
			})
		}),
	}
	cmd.Flags().StringVar(&plugin, "plugin", "", "only results of the plugin with this name")
	cmd.Flags().Int64Var(&result, "result", 0, "only results on this analysis result (id)")
	cmd.Flags().StringArrayVar(&jobStates, "job-state", nil, "only results with a job in this state (repeatable)")
	cmd.Flags().StringArrayVar(&filters, "filter", nil, "a further filter name__lookup=value (repeatable)")
	cmd.Flags().IntVar(&limit, "limit", 0, "page size without --all (default 20, at most 1000)")
	cmd.Flags().BoolVar(&all, "all", false, "every matching plugin result (progress on stderr)")
	return cmd
}

func resultRecords(prs []*tsapi.PluginResult) []*record {
	out := make([]*record, len(prs))
	for i, p := range prs {
		out[i] = resultRecord(p)
	}
	return out
}

func newResultsGetCmd(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:     "get ID",
		Short:   "Show a plugin result",
		Example: "  tsapi results get 26\n  tsapi results get 26 -o yaml --fields id,plugin,state,jobs,store",
		Args:    exactArgs(1, "a plugin result id"),
		RunE: run(func(cmd *cobra.Command, args []string) error {
			id, err := parseID(args[0])
			if err != nil {
				return err
			}
			fields := append(slices.Clone(resultFields), "size", "path")
			return f.each(single(cmd.Context()), fields, func(ctx context.Context, c *tsapi.Client) ([]*record, error) {
				pr, _, err := c.PluginResults.Get(ctx, id)
				if err != nil {
					return nil, aboutf(err, "plugin result %d", id)
				}
				return []*record{resultRecord(pr)}, nil
			})
		}),
	}
}

func newResultsStoreCmd(f *Factory) *cobra.Command {
	var dry, allServers bool
	cmd := &cobra.Command{
		Use:   "store ID FILE",
		Short: "Replace a plugin result's store with a JSON object",
		Long: `Replace the store of a plugin result (where the report shows a plugin's
results) with the JSON object in FILE ("-" for stdin). The server does not
merge: the whole store is replaced.`,
		Example: `  tsapi results store 26 store.json
  echo '{"reads": 1000}' | tsapi results store 26 - --dry-run`,
		Args: exactArgs(2, "a plugin result id and a file"),
		RunE: run(func(cmd *cobra.Command, args []string) error {
			id, err := parseID(args[0])
			if err != nil {
				return err
			}
			b, err := readInput(args[1], f.IO.In)
			if err != nil {
				return err
			}
			store, err := tsapi.JobConfigFromJSON(b)
			if err != nil {
				return usagef("%s: %v", args[1], err)
			}
			if _, err := f.writeTargets(true, allServers, dry, "results store"); err != nil {
				return err
			}
			return f.each(single(cmd.Context()), []string{"id", "plugin", "state", "store"}, func(ctx context.Context, c *tsapi.Client) ([]*record, error) {
				if _, err := c.PluginResults.SetStore(ctx, id, store); err != nil {
					return nil, aboutf(err, "plugin result %d", id)
				}
				if dry {
					return nil, nil
				}
				pr, _, err := c.PluginResults.Get(ctx, id)
				if err != nil {
					return nil, err
				}
				return []*record{resultRecord(pr)}, nil
			})
		}),
	}
	cmd.Flags().BoolVar(&dry, "dry-run", false, "print the request instead of sending it")
	cmd.Flags().BoolVar(&allServers, "all-servers", false, "with several servers, replace the store of the plugin result with this id on every one")
	return cmd
}
