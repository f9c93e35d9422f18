package jobs

import (
	"context"
	"errors"
	"time"

	"github.com/spf13/cobra"

	"github.com/tsapi-go/tsapi"
	"github.com/tsapi-go/tsapi/internal/cli/cmdutil"
)

// WaitOptions are what jobs wait needs.
type WaitOptions struct {
	IO      *cmdutil.IOStreams
	Servers func() ([]*cmdutil.Server, error)
	Output  cmdutil.Output
	Ctx     context.Context

	ID       int64
	Interval time.Duration
	// Timeout gives up after this long (0: never).
	Timeout time.Duration
}

// NewCmdWait returns jobs wait; runF, when not nil, runs instead of
// waitRun.
func NewCmdWait(f *cmdutil.Factory, runF func(*WaitOptions) error) *cobra.Command {
	opts := &WaitOptions{IO: f.IOStreams, Servers: f.Servers}
	cmd := &cobra.Command{
		Use:   "wait ID",
		Short: "Wait until a job ends; the exit code says how",
		Long: `Poll a job until it is in an end state, print it, and exit with a code that
says which: 0 Completed, 10 Error, 11 Cancelled, 12 Timed Out, 13 Declined,
14 another end state (Unknown, Resource, Archived); 3 when the job does not
exist or is deleted while waited for; 1 when --timeout runs out first. On a
terminal a line of progress shows the state and how long it has waited.`,
		Example: `  tsapi jobs wait 1498
  tsapi jobs wait 1498 --interval 30s --timeout 2h || echo "job 1498 failed: $?"`,
		Args:              cmdutil.ExactArgs(1, "a job id"),
		ValidArgsFunction: cmdutil.NoFiles,
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if opts.ID, err = cmdutil.ParseID(args[0]); err != nil {
				return err
			}
			if opts.Interval <= 0 {
				return cmdutil.Usagef("--interval must be positive")
			}
			if opts.Timeout < 0 {
				return cmdutil.Usagef("--timeout must not be negative")
			}
			opts.Output, opts.Ctx = f.Output(), cmd.Context()
			if runF != nil {
				return runF(opts)
			}
			return waitRun(opts)
		},
	}
	cmd.Flags().DurationVar(&opts.Interval, "interval", 5*time.Second, "time between polls")
	cmd.Flags().DurationVar(&opts.Timeout, "timeout", 0, "give up after this long (exit 1)")
	cmdutil.SetFields(cmd, Fields)
	return cmd
}

func waitRun(opts *WaitOptions) error {
	ss, err := opts.Servers()
	if err != nil {
		return err
	}
	if len(ss) != 1 || ss[0].Err != nil {
		return cmdutil.Usagef("jobs wait takes one server (got %d: %s)", len(ss), cmdutil.Names(ss))
	}
	s := ss[0]
	p, err := cmdutil.NewPrinter(opts.IO, opts.Output, oneFields)
	if err != nil {
		return err
	}
	p.SetOne(true)
	ctx := opts.Ctx
	if opts.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, opts.Timeout)
		defer cancel()
	}
	start := time.Now()
	var state tsapi.JobState
	job, err := s.Client.PluginResultJobs.Wait(ctx, opts.ID, &tsapi.WaitOptions{Interval: opts.Interval,
		Progress: func(j *tsapi.PluginResultJob) {
			state = j.State
			opts.IO.Progress("job %d: %s (waiting %s)", opts.ID, j.State, cmdutil.HumanDuration(time.Since(start).Round(time.Second)))
		}})
	opts.IO.ProgressDone()
	if err != nil {
		if job != nil {
			state = job.State
		}
		switch {
		case errors.Is(err, context.DeadlineExceeded) && opts.Ctx.Err() == nil && state != "":
			return cmdutil.Exitf(cmdutil.ExitError, "job %d is still %s after %s", opts.ID, state, opts.Timeout)
		case errors.Is(err, context.DeadlineExceeded) && opts.Ctx.Err() == nil:
			return cmdutil.Exitf(cmdutil.ExitError, "job %d has not ended after %s", opts.ID, opts.Timeout)
		}
		return cmdutil.Explain(cmdutil.About(err, "job %d", opts.ID), s, "read jobs")
	}
	r := Record(job)
	if err := newLinks(s, opts.Output.Fields).add(opts.Ctx, jobsOf(job), []*cmdutil.Record{r}); err != nil {
		// The job ended all the same: say so, then what could not be read.
		opts.IO.Warnf("%s", cmdutil.Explain(err, s, "read jobs"))
	}
	if err := p.Add(r); err != nil {
		return err
	}
	if err := p.Flush(); err != nil {
		return err
	}
	if code := cmdutil.WaitExitCode(job.State); code != cmdutil.ExitOK {
		return &cmdutil.CodeError{Code: code}
	}
	return nil
}
