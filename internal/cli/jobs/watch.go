package jobs

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tsapi-go/tsapi"
	"github.com/tsapi-go/tsapi/internal/cli/cmdutil"
)

// WatchOptions are what jobs watch needs.
type WatchOptions struct {
	IO      *cmdutil.IOStreams
	Servers func() ([]*cmdutil.Server, error)
	Output  cmdutil.Output
	Ctx     context.Context

	RunLevels []tsapi.RunLevel
	Filters   map[string][]string
	Interval  time.Duration
	Existing  bool
}

// eventFields are the fields of a watch's events.
var eventFields = []string{"time", "event", "id", "previous", "state"}

// NewCmdWatch returns jobs watch; runF, when not nil, runs instead of
// watchRun.
func NewCmdWatch(f *cmdutil.Factory, runF func(*WatchOptions) error) *cobra.Command {
	opts := &WatchOptions{IO: f.IOStreams, Servers: f.Servers}
	var runLevels, filters []string
	cmd := &cobra.Command{
		Use:   "watch [flags]",
		Short: "Stream the state changes of jobs until interrupted",
		Long: `Print an event each time a job appears, changes state while running, or is
deleted while running, on every server named, until interrupted (Ctrl-C,
which exits 0). A server that stops answering is retried with a growing wait
and does not stop the others; one that refuses the credentials ends its
watch (exit 4 when every watch ended so). Output is table, tsv or jsonl (or
--jq, --template): an event a line.`,
		Example: `  tsapi jobs watch
  tsapi --profile all jobs watch --run-level block -o jsonl
  tsapi jobs watch --existing --interval 30s`,
		Args: cmdutil.ExactArgs(0, "no argument"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			var err error
			if opts.RunLevels, err = cmdutil.ParseRunLevels(runLevels); err != nil {
				return err
			}
			if opts.Filters, err = cmdutil.ParseFilters(filters); err != nil {
				return err
			}
			for k := range opts.Filters {
				if field, _, _ := strings.Cut(k, "__"); field == "state" || field == "id" {
					return cmdutil.Usagef("--filter %s: a watch follows every state and id itself; filter on run_level, grid_engine_jobid or the times", k)
				}
			}
			if opts.Interval <= 0 {
				return cmdutil.Usagef("--interval must be positive")
			}
			opts.Output, opts.Ctx = f.Output(), cmd.Context()
			if o := opts.Output.Format; o == cmdutil.FormatJSON || o == cmdutil.FormatYAML {
				return cmdutil.Usagef("jobs watch streams events: use -o table, tsv or jsonl")
			}
			if runF != nil {
				return runF(opts)
			}
			return watchRun(opts)
		},
	}
	cmd.Flags().StringSliceVar(&runLevels, "run-level", nil, "only jobs at these run levels (comma-separated or repeated)")
	cmd.Flags().StringArrayVar(&filters, "filter", nil, "a further filter name__lookup=value (not on state or id)")
	cmd.Flags().DurationVar(&opts.Interval, "interval", tsapi.DefaultWatchInterval, "time between polls of each server")
	cmd.Flags().BoolVar(&opts.Existing, "existing", false, "first report the jobs running now")
	cmdutil.MustComplete(cmd, "run-level", cmdutil.CompleteList(cmdutil.RunLevelNames()))
	cmdutil.SetFields(cmd, append(append([]string{}, eventFields...), Fields...))
	return cmd
}

func watchRun(opts *WatchOptions) error {
	ss, err := opts.Servers()
	if err != nil {
		return err
	}
	fields := eventFields
	if len(opts.Output.Fields) > 0 {
		fields = opts.Output.Fields
	}
	out := opts.Output
	out.Fields = fields
	p, err := cmdutil.NewPrinter(opts.IO, out, fields)
	if err != nil {
		return err
	}
	multi := len(ss) > 1
	p.SetMulti(multi)
	p.SetStream(true)
	table := p.Format() == cmdutil.FormatTable && out.JQ == "" && out.Template == ""
	if table {
		shown := p.Fields()
		head := make([]string, len(shown))
		for i, k := range shown {
			head[i] = fmt.Sprintf("%-*s", width(k), strings.ToUpper(k))
		}
		if err := opts.IO.WriteOut([]byte(strings.TrimRight(strings.Join(head, "  "), " ") + "\n")); err != nil {
			return err
		}
	}
	filter := &tsapi.PluginResultJobListOptions{}
	filter.Filters = opts.Filters
	filter.RunLevel, filter.RunLevelIn = cmdutil.OneOrIn(opts.RunLevels)
	ctx := opts.Ctx
	events := make(chan *cmdutil.Record)
	done := make(chan error, len(ss))
	running := 0
	var first error
	failed := 0
	for _, s := range ss {
		if s.Err != nil {
			failed++
			first = cmp(first, s.Err)
			opts.IO.Warnf("%s", cmdutil.Named(s.Name, cmdutil.Explain(s.Err, s, "read jobs")))
			continue
		}
		running++
		wo := &tsapi.WatchOptions{Interval: opts.Interval, Existing: opts.Existing, Filter: filter,
			OnError: func(err error) {
				opts.IO.Warnf("%s: not answering, trying again: %s", s.Name, cmdutil.Explain(err, s, "read jobs"))
			}}
		lk := newLinks(s, fields)
		go func() {
			for ev, err := range s.Client.PluginResultJobs.Watch(ctx, wo) {
				if err != nil {
					done <- cmdutil.Explain(err, s, "read jobs")
					return
				}
				r := eventRecord(ev)
				if ev.Job != nil {
					if err := lk.add(ctx, jobsOf(ev.Job), []*cmdutil.Record{r}); err != nil && ctx.Err() == nil {
						opts.IO.Warnf("%s: %s", s.Name, err)
					}
				}
				if multi {
					r = r.Labelled(s.Name)
				}
				select {
				case events <- r:
				case <-ctx.Done():
					done <- nil
					return
				}
			}
			done <- nil
		}()
	}
	for running > 0 {
		select {
		case r := <-events:
			if table {
				if err := streamRow(opts.IO, p, r); err != nil {
					return err
				}
				continue
			}
			if err := p.Add(r); err != nil {
				return err
			}
		case err := <-done:
			running--
			if err != nil {
				failed++
				first = cmp(first, err)
				if multi {
					opts.IO.Warnf("%s", err)
				}
			}
		}
	}
	switch {
	case errors.Is(ctx.Err(), context.Canceled), failed == 0:
		return nil
	case !multi:
		return first
	case failed < len(ss):
		return &cmdutil.CodeError{Code: cmdutil.ExitPartial, Err: fmt.Errorf("%d of %d watches ended with an error", failed, len(ss))}
	}
	return &cmdutil.CodeError{Code: cmdutil.ExitCode(first), Err: errors.New("every watch ended with an error")}
}

func cmp(first, err error) error {
	if first == nil {
		return err
	}
	return first
}

// eventRecord is a watch's event as the tool prints it: the event, then
// the job's fields.
func eventRecord(ev tsapi.JobEvent) *cmdutil.Record {
	state := ""
	if ev.Job != nil {
		state = string(ev.Job.State)
	}
	r := cmdutil.NewRecord().Set("time", time.Now().UTC().Format("2006-01-02T15:04:05.000Z")).
		Set("event", ev.Type.String()).Set("id", ev.ID).Set("previous", string(ev.Previous)).Set("state", state)
	if ev.Job != nil {
		jr := Record(ev.Job)
		for _, k := range jr.Keys() {
			if r.Get(k) == nil && k != "id" && k != "state" {
				if k == "config" || slices.Contains(LinkFields, k) {
					r.SetHidden(k, jr.Get(k))
				} else {
					r.Set(k, jr.Get(k))
				}
			}
		}
	}
	return r
}

// streamRow prints one event as a row of a table whose columns have fixed
// widths, since rows come one at a time.
func streamRow(ios *cmdutil.IOStreams, p *cmdutil.Printer, r *cmdutil.Record) error {
	r, err := r.Pick(p.Fields())
	if err != nil {
		return err
	}
	cells := make([]string, len(r.Keys()))
	for i, k := range r.Keys() {
		cells[i] = fmt.Sprintf("%-*s", width(k), cmdutil.Cell(r.Get(k)))
	}
	return ios.WriteOut([]byte(strings.TrimRight(strings.Join(cells, "  "), " ") + "\n"))
}

// width is the column width of a streamed table.
func width(field string) int {
	switch field {
	case "time", "starttime", "endtime", "server":
		return 24
	case "event", "id", "previous", "state", "run_level", "plugin_result", "result", "experiment":
		return 10
	case "result_name", "experiment_name":
		return 30
	case "plugin":
		return 18
	}
	return 12
}
