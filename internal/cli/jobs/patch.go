package jobs

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"reflect"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tsapi-go/tsapi"
	"github.com/tsapi-go/tsapi/internal/cli/cmdutil"
)

// PatchOptions are what jobs patch needs.
type PatchOptions struct {
	IO      *cmdutil.IOStreams
	Servers func() ([]*cmdutil.Server, error)
	Output  cmdutil.Output
	Ctx     context.Context

	// IDs, or else Filter, name the jobs.
	IDs    []int64
	Filter Filter
	Patch  *tsapi.PluginResultJobPatch

	Yes        bool
	DryRun     bool
	AllServers bool
}

// patchFlags are the new values of jobs patch, as given.
type patchFlags struct {
	state, runLevel, gridID, configFile string
}

// parse reads the new values; a config comes from a file or stdin.
func (pf *patchFlags) parse(stdin io.Reader) (*tsapi.PluginResultJobPatch, error) {
	p := &tsapi.PluginResultJobPatch{}
	if pf.state != "" {
		st, err := cmdutil.ParseState(pf.state)
		if err != nil {
			return nil, err
		}
		p.State = st
	}
	if pf.runLevel != "" {
		l, err := cmdutil.ParseRunLevel(pf.runLevel)
		if err != nil {
			return nil, err
		}
		p.RunLevel = l
	}
	switch pf.gridID {
	case "":
	case "null":
		p.GridEngineJobID = tsapi.Null[int64]()
	default:
		n, err := strconv.ParseInt(pf.gridID, 10, 64)
		if err != nil {
			return nil, cmdutil.Usagef("--set-grid-engine-jobid %q: want a number or null", pf.gridID)
		}
		if n < math.MinInt32 || n > math.MaxInt32 {
			// The server's column is a 32-bit integer: it would answer 500.
			return nil, cmdutil.Usagef("--set-grid-engine-jobid %d: the server stores a number from %d to %d", n, math.MinInt32, math.MaxInt32)
		}
		p.GridEngineJobID = tsapi.Value(n)
	}
	if pf.configFile != "" {
		b, err := cmdutil.ReadInput(pf.configFile, stdin)
		if err != nil {
			return nil, err
		}
		cfg, err := tsapi.JobConfigFromJSON(b)
		if err != nil {
			return nil, cmdutil.Usagef("--set-config %s: %s", pf.configFile, strings.TrimPrefix(err.Error(), "tsapi: "))
		}
		p.Config = &cfg
	}
	if *p == (tsapi.PluginResultJobPatch{}) {
		return nil, cmdutil.Usagef("nothing to change: give --set-state, --set-run-level, --set-grid-engine-jobid or --set-config")
	}
	return p, nil
}

// NewCmdPatch returns jobs patch; runF, when not nil, runs instead of
// patchRun.
func NewCmdPatch(f *cmdutil.Factory, runF func(*PatchOptions) error) *cobra.Command {
	opts := &PatchOptions{IO: f.IOStreams, Servers: f.Servers}
	var ff filterFlags
	var pf patchFlags
	var w writeFlags
	cmd := &cobra.Command{
		Use:   "patch [ID...] --set-... [flags]",
		Short: "Change fields of jobs, by id or by filter",
		Long: `Change fields of the jobs named by id, or of every job matching the filter
flags (one atomic bulk PATCH a server). Patching by filter asks first on a
terminal, saying how many jobs match, and needs --yes otherwise. The jobs
are read again afterwards: the tool reports the jobs that hold the new
values, and exits 1 when the server accepted the patch and some do not.`,
		Example: `  tsapi jobs patch 1498 --set-run-level post
  tsapi jobs patch 1498 --set-config config.json
  tsapi jobs patch --state Queued --run-level block --set-state Cancelled --yes`,
		ValidArgsFunction: cmdutil.NoFiles,
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if opts.Patch, err = pf.parse(opts.IO.In); err != nil {
				return err
			}
			if opts.IDs, opts.Filter, err = selection(args, &ff, f.Now(), "patch"); err != nil {
				return err
			}
			opts.DryRun, opts.AllServers = w.dryRun, w.allServers
			opts.Output, opts.Ctx = f.Output(), cmd.Context()
			if runF != nil {
				return runF(opts)
			}
			return patchRun(opts)
		},
	}
	ff.register(cmd)
	fs := cmd.Flags()
	fs.StringVar(&pf.state, "set-state", "", "the new state")
	fs.StringVar(&pf.runLevel, "set-run-level", "", "the new run level")
	fs.StringVar(&pf.gridID, "set-grid-engine-jobid", "", "the new grid-engine job id, or null")
	fs.StringVar(&pf.configFile, "set-config", "", "a file holding the new config, a JSON object (- for stdin)")
	fs.BoolVarP(&opts.Yes, "yes", "y", false, "patch by filter without asking")
	w.register(fs, "patch the jobs with these ids")
	cmdutil.MustComplete(cmd, "set-state", cmdutil.CompleteOne(cmdutil.StateNames()))
	cmdutil.MustComplete(cmd, "set-run-level", cmdutil.CompleteOne(cmdutil.RunLevelNames()))
	cmdutil.SetFields(cmd, Fields)
	return cmd
}

func patchRun(opts *PatchOptions) error {
	ss, undo, err := servers(opts.Servers, opts.IO, len(opts.IDs) > 0, writeFlags{opts.DryRun, opts.AllServers}, "jobs patch")
	if err != nil {
		return err
	}
	defer undo()
	p, err := cmdutil.NewPrinter(opts.IO, opts.Output, listFields)
	if err != nil {
		return err
	}
	if len(opts.IDs) == 0 && !opts.DryRun {
		what, err := matching(opts.Ctx, ss, opts.Filter)
		if err != nil {
			return err
		}
		if err := confirm(opts.IO, opts.Yes, "Patch "+what); err != nil {
			return err
		}
	}
	each := &cmdutil.Each{IO: opts.IO, Servers: ss, Printer: p, Action: "change jobs"}
	return each.Run(opts.Ctx, func(ctx context.Context, s *cmdutil.Server) (cmdutil.Rows, error) {
		if len(opts.IDs) > 0 {
			return patchIDs(ctx, s, opts)
		}
		return patchMatching(ctx, s, opts)
	})
}

// matching says how many jobs the filter matches on each server, for a
// prompt: "12 jobs matching state Error on lab (8) and backup (4)".
func matching(ctx context.Context, ss []*cmdutil.Server, f Filter) (string, error) {
	usable := cmdutil.Usable(ss)
	total, per := 0, make([]string, 0, len(usable))
	for _, s := range usable {
		n, _, err := s.Client.PluginResultJobs.Count(ctx, f.ListOptions())
		if err != nil {
			return "", cmdutil.Context(cmdutil.Explain(err, s, "read jobs"), "%s", s.Name)
		}
		total += n
		per = append(per, fmt.Sprintf("%s (%d)", s.Name, n))
	}
	where := usable[0].Name
	if len(usable) > 1 {
		where = strings.Join(per[:len(per)-1], ", ") + " and " + per[len(per)-1]
	}
	return fmt.Sprintf("%s matching %s on %s", cmdutil.Plural(total, "job"), f.Describe(), where), nil
}

// patchIDs patches jobs by id on one server, and reports each change.
func patchIDs(ctx context.Context, s *cmdutil.Server, opts *PatchOptions) (cmdutil.Rows, error) {
	before, missing, _, err := s.Client.PluginResultJobs.GetSet(ctx, opts.IDs...)
	if err == nil && len(missing) > 0 {
		err = &cmdutil.NotFoundError{Noun: "job", IDs: missing}
	}
	if err != nil {
		return cmdutil.Rows{}, err
	}
	for _, id := range opts.IDs {
		if _, _, err := s.Client.PluginResultJobs.Patch(ctx, id, opts.Patch); err != nil {
			return cmdutil.Rows{}, cmdutil.About(err, "job %d", id)
		}
	}
	if opts.DryRun {
		return cmdutil.Rows{}, nil
	}
	after, _, _, err := s.Client.PluginResultJobs.GetSet(ctx, opts.IDs...)
	if err != nil {
		return cmdutil.Rows{}, cmdutil.Context(err, "the jobs were patched, but reading them back failed")
	}
	recs := changes(before, after)
	return cmdutil.Rows{Records: recs}, newLinks(s, opts.Output.Fields).add(ctx, after, recs)
}

// changes are the records of jobs after a write, each with its change.
func changes(before, after []*tsapi.PluginResultJob) []*cmdutil.Record {
	old := map[int64]*tsapi.PluginResultJob{}
	for _, j := range before {
		old[j.ID] = j
	}
	out := make([]*cmdutil.Record, len(after))
	for i, j := range after {
		out[i] = Record(j)
		out[i].Summary = change(old[j.ID], j)
	}
	return out
}

// patchMatching patches the jobs matching the filter on one server in one
// bulk PATCH, then reads them again and reports the jobs that hold the new
// values: a server may accept a write and apply none of it.
func patchMatching(ctx context.Context, s *cmdutil.Server, opts *PatchOptions) (cmdutil.Rows, error) {
	before, err := collect(ctx, s, opts.Filter)
	if err != nil || len(before) == 0 {
		return cmdutil.Rows{}, err
	}
	ids := make([]int64, len(before))
	ups := make([]tsapi.BulkUpdate[tsapi.PluginResultJobPatch], len(before))
	for i, j := range before {
		ids[i] = j.ID
		ups[i] = tsapi.BulkUpdate[tsapi.PluginResultJobPatch]{ID: j.ID, Patch: opts.Patch}
	}
	if _, err := s.Client.PluginResultJobs.BulkPatch(ctx, ups, nil); err != nil {
		return cmdutil.Rows{}, err
	}
	if opts.DryRun {
		return cmdutil.Rows{}, nil
	}
	after, _, _, err := s.Client.PluginResultJobs.GetSet(ctx, ids...)
	if err != nil {
		return cmdutil.Rows{}, cmdutil.Context(err, "the jobs were patched, but reading them back failed")
	}
	var held []*tsapi.PluginResultJob
	for _, j := range after {
		if holds(j, opts.Patch) {
			held = append(held, j)
		}
	}
	rows := cmdutil.Rows{Records: changes(before, held)}
	if err := newLinks(s, opts.Output.Fields).add(ctx, held, rows.Records); err != nil {
		return rows, err
	}
	if len(held) < len(ids) {
		return rows, cmdutil.Exitf(cmdutil.ExitError,
			"the server accepted the patch, but %d of %s hold the new values", len(held), cmdutil.Plural(len(ids), "job"))
	}
	return rows, nil
}

// collect lists the jobs matching the filter on one server.
func collect(ctx context.Context, s *cmdutil.Server, f Filter) ([]*tsapi.PluginResultJob, error) {
	var jobs []*tsapi.PluginResultJob
	for j, err := range s.Client.PluginResultJobs.All(ctx, f.ListOptions()) {
		if err != nil {
			return nil, err
		}
		jobs = append(jobs, j)
	}
	return jobs, nil
}

// holds reports whether job j holds every value that patch sets.
func holds(j *tsapi.PluginResultJob, p *tsapi.PluginResultJobPatch) bool {
	if p.State != "" && j.State != p.State {
		return false
	}
	if p.RunLevel != "" && j.RunLevel != p.RunLevel {
		return false
	}
	if !p.GridEngineJobID.IsZero() {
		want, ok := p.GridEngineJobID.Get()
		if ok != (j.GridEngineJobID != nil) || (ok && *j.GridEngineJobID != want) {
			return false
		}
	}
	if p.Config != nil && !sameJSON(j.Config.Raw(), p.Config.Raw()) {
		return false
	}
	return true
}

// sameJSON reports whether two JSON texts hold the same value.
func sameJSON(a, b []byte) bool {
	var va, vb any
	if json.Unmarshal(a, &va) != nil || json.Unmarshal(b, &vb) != nil {
		return bytes.Equal(a, b)
	}
	return reflect.DeepEqual(va, vb)
}
