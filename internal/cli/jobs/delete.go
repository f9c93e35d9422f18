package jobs

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tsapi-go/tsapi/internal/cli/cmdutil"
)

// DeleteOptions are what jobs delete needs.
type DeleteOptions struct {
	IO      *cmdutil.IOStreams
	Servers func() ([]*cmdutil.Server, error)
	Output  cmdutil.Output
	Ctx     context.Context

	// IDs, or else Filter, name the jobs.
	IDs    []int64
	Filter Filter

	Yes        bool
	DryRun     bool
	AllServers bool
}

// deleteFields are the fields of what a delete reports.
var deleteFields = []string{"deleted", "matched", "what"}

// NewCmdDelete returns jobs delete; runF, when not nil, runs instead of
// deleteRun.
func NewCmdDelete(f *cmdutil.Factory, runF func(*DeleteOptions) error) *cobra.Command {
	opts := &DeleteOptions{IO: f.IOStreams, Servers: f.Servers}
	var ff filterFlags
	var w writeFlags
	cmd := &cobra.Command{
		Use:   "delete [ID...] [flags]",
		Short: "Delete jobs, by id or by filter",
		Long: `Delete the jobs named by id, or every job matching the filter flags (one
DELETE on the list, which the server applies to every match). It asks first
on a terminal, saying how many jobs match, and needs --yes otherwise. A
filter the server does not know is refused before anything is sent: the
server would ignore it and delete every job. After a delete by filter the
jobs are counted again: a Torrent Server answers an account that may not
delete as if it had deleted, so a delete that deleted nothing exits 4.`,
		Example: `  tsapi jobs delete 1498
  tsapi jobs delete --state Error --until 30d --yes
  tsapi jobs delete --state Declined --dry-run`,
		ValidArgsFunction: cmdutil.NoFiles,
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if opts.IDs, opts.Filter, err = selection(args, &ff, f.Now(), "delete"); err != nil {
				return err
			}
			opts.DryRun, opts.AllServers = w.dryRun, w.allServers
			opts.Output, opts.Ctx = f.Output(), cmd.Context()
			if runF != nil {
				return runF(opts)
			}
			return deleteRun(opts)
		},
	}
	ff.register(cmd)
	cmd.Flags().BoolVarP(&opts.Yes, "yes", "y", false, "delete without asking")
	w.register(cmd.Flags(), "delete the jobs with these ids")
	cmdutil.SetFields(cmd, deleteFields)
	return cmd
}

func deleteRun(opts *DeleteOptions) error {
	ss, undo, err := servers(opts.Servers, opts.IO, len(opts.IDs) > 0, writeFlags{opts.DryRun, opts.AllServers}, "jobs delete")
	if err != nil {
		return err
	}
	defer undo()
	p, err := cmdutil.NewPrinter(opts.IO, opts.Output, deleteFields)
	if err != nil {
		return err
	}
	if !opts.DryRun {
		what := fmt.Sprintf("%s on %s", jobList(opts.IDs), cmdutil.Names(cmdutil.Usable(ss)))
		if len(opts.IDs) == 0 {
			if what, err = matching(opts.Ctx, ss, opts.Filter); err != nil {
				return err
			}
		}
		if err := confirm(opts.IO, opts.Yes, "Delete "+what); err != nil {
			return err
		}
	}
	each := &cmdutil.Each{IO: opts.IO, Servers: ss, Printer: p, Action: "delete jobs"}
	return each.Run(opts.Ctx, func(ctx context.Context, s *cmdutil.Server) (cmdutil.Rows, error) {
		if len(opts.IDs) == 0 {
			return deleteMatching(ctx, s, opts)
		}
		var rows cmdutil.Rows
		for _, id := range opts.IDs {
			if _, err := s.Client.PluginResultJobs.Delete(ctx, id); err != nil {
				return rows, cmdutil.About(err, "job %d", id)
			}
			if !opts.DryRun {
				r := cmdutil.NewRecord().Set("deleted", 1).Set("matched", 1).Set("what", fmt.Sprintf("job %d", id))
				r.Summary = fmt.Sprintf("deleted job %d", id)
				rows.Records = append(rows.Records, r)
			}
		}
		return rows, nil
	})
}

func jobList(ids []int64) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = fmt.Sprint(id)
	}
	if len(ids) == 1 {
		return "job " + s[0]
	}
	return "jobs " + strings.Join(s, ", ")
}

// deleteMatching deletes the jobs matching the filter on one server, then
// reads them again and reports how many went: a Torrent Server answers 204
// to a delete by filter from an account that may not delete, and deletes
// nothing.
func deleteMatching(ctx context.Context, s *cmdutil.Server, opts *DeleteOptions) (cmdutil.Rows, error) {
	jobs, err := collect(ctx, s, opts.Filter)
	if err != nil {
		return cmdutil.Rows{}, err
	}
	if _, err := s.Client.PluginResultJobs.DeleteAllMatching(ctx, opts.Filter.ListOptions()); err != nil {
		return cmdutil.Rows{}, err
	}
	if opts.DryRun {
		return cmdutil.Rows{}, nil
	}
	ids := make([]int64, len(jobs))
	for i, j := range jobs {
		ids[i] = j.ID
	}
	left := 0
	if len(ids) > 0 {
		still, _, _, err := s.Client.PluginResultJobs.GetSet(ctx, ids...)
		if err != nil {
			return cmdutil.Rows{}, cmdutil.Context(err, "the delete was sent, but counting what is left failed")
		}
		left = len(still)
	}
	deleted := len(ids) - left
	what := opts.Filter.Describe()
	r := cmdutil.NewRecord().Set("deleted", deleted).Set("matched", len(ids)).Set("what", what)
	r.Summary = fmt.Sprintf("deleted %s matching %s", cmdutil.Plural(deleted, "job"), what)
	switch {
	case deleted == 0 && len(ids) > 0:
		return cmdutil.Rows{}, &cmdutil.CodeError{Code: cmdutil.ExitAuth, Err: fmt.Errorf(
			"the server answered the delete, but deleted none of the %d matching jobs: %s may not delete jobs "+
				"(a Torrent Server ignores a delete by filter the account may not make)", len(ids), who(s))}
	case left > 0:
		return cmdutil.Rows{Records: []*cmdutil.Record{r}}, cmdutil.Exitf(cmdutil.ExitError,
			"deleted %d of the %d matching jobs; %d are still there", deleted, len(ids), left)
	}
	return cmdutil.Rows{Records: []*cmdutil.Record{r}}, nil
}

// who names the account of a server.
func who(s *cmdutil.Server) string {
	switch {
	case s.Auth == cmdutil.AuthPluginKey:
		return fmt.Sprintf("the plugin key of plugin result %d", s.PluginResult)
	case s.User != "":
		return "user " + s.User
	}
	return "this account"
}
