package jobs

import (
	"context"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tsapi-go/tsapi"
	"github.com/tsapi-go/tsapi/internal/cli/cmdutil"
)

// SetStateOptions are what jobs set-state needs.
type SetStateOptions struct {
	IO      *cmdutil.IOStreams
	Servers func() ([]*cmdutil.Server, error)
	Output  cmdutil.Output
	Ctx     context.Context

	ID         int64
	State      tsapi.JobState
	DryRun     bool
	AllServers bool
}

// NewCmdSetState returns jobs set-state; runF, when not nil, runs instead
// of setStateRun.
func NewCmdSetState(f *cmdutil.Factory, runF func(*SetStateOptions) error) *cobra.Command {
	opts := &SetStateOptions{IO: f.IOStreams, Servers: f.Servers}
	var w writeFlags
	cmd := &cobra.Command{
		Use:   "set-state ID STATE",
		Short: "Change a job's state",
		Long: `Change a job's state (PATCH {"state": ...}); the server stamps the job's start
time for Started and its end time for an end state. The state must be one the
server stores: ` + strings.Join(cmdutil.StateNames(), ", ") + `. When the answer
is lost the job is read again: if another client changed it meanwhile, the
tool exits 8 and changes nothing more. On a terminal it prints the change
(job 357: Queued → Cancelled).`,
		Example: `  tsapi jobs set-state 1498 Cancelled
  tsapi jobs set-state 1498 "Timed Out" --dry-run`,
		Args: cmdutil.ExactArgs(2, "a job id and a state"),
		ValidArgsFunction: func(_ *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
			if len(args) == 1 {
				return cmdutil.CompleteOne(cmdutil.StateNames())(nil, nil, toComplete)
			}
			return nil, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if opts.ID, err = cmdutil.ParseID(args[0]); err != nil {
				return err
			}
			if opts.State, err = cmdutil.ParseState(args[1]); err != nil {
				return err
			}
			opts.DryRun, opts.AllServers = w.dryRun, w.allServers
			opts.Output, opts.Ctx = f.Output(), cmd.Context()
			if runF != nil {
				return runF(opts)
			}
			return setStateRun(opts)
		},
	}
	w.register(cmd.Flags(), "change the job with this id")
	cmdutil.SetFields(cmd, Fields)
	return cmd
}

func setStateRun(opts *SetStateOptions) error {
	ss, undo, err := servers(opts.Servers, opts.IO, true, writeFlags{opts.DryRun, opts.AllServers}, "jobs set-state")
	if err != nil {
		return err
	}
	defer undo()
	p, err := cmdutil.NewPrinter(opts.IO, opts.Output, oneFields)
	if err != nil {
		return err
	}
	p.SetOne(len(ss) == 1)
	each := &cmdutil.Each{IO: opts.IO, Servers: ss, Printer: p, Action: "change jobs"}
	return each.Run(opts.Ctx, func(ctx context.Context, s *cmdutil.Server) (cmdutil.Rows, error) {
		before, _, err := s.Client.PluginResultJobs.Get(ctx, opts.ID)
		if err != nil {
			return cmdutil.Rows{}, cmdutil.About(err, "job %d", opts.ID)
		}
		if _, err := s.Client.PluginResultJobs.SetState(ctx, opts.ID, opts.State); err != nil {
			return cmdutil.Rows{}, cmdutil.About(err, "job %d", opts.ID)
		}
		if opts.DryRun {
			return cmdutil.Rows{}, nil
		}
		after, _, err := s.Client.PluginResultJobs.Get(ctx, opts.ID)
		if err != nil {
			return cmdutil.Rows{}, cmdutil.Context(err, "job %d changed, but reading it back failed", opts.ID)
		}
		r := Record(after)
		r.Summary = change(before, after)
		return cmdutil.Rows{Records: []*cmdutil.Record{r}}, newLinks(s, opts.Output.Fields).add(ctx, jobsOf(after), []*cmdutil.Record{r})
	})
}

func jobsOf(j ...*tsapi.PluginResultJob) []*tsapi.PluginResultJob { return j }
