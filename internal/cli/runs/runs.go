// Package runs is the tsapi runs command: list and get analysis results
// (the server's results resource), each with the name and status of the
// sequencing run (experiment) it analysed.
package runs

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/tsapi-go/tsapi"
	"github.com/tsapi-go/tsapi/internal/cli/cmdutil"
)

// NewCmdRuns returns the runs command and its verbs.
func NewCmdRuns(f *cmdutil.Factory) *cobra.Command {
	cmd := cmdutil.NounCommand(&cobra.Command{
		Use:   "runs <command>",
		Short: "List analysis results with their sequencing runs (results)",
		Long: `An analysis result is one analysis of a sequencing run: its report, status
and metrics (Torrent Suite's results; a run analysed twice has two). Each is
shown with the name and status of its run (the experiment, see tsapi
experiments), read with one request for all the runs a page needs, and only
when a field of the run is printed.

Fields (Torrent Suite's names in brackets):
  id, name (resultsName), status, timestamp (timeStamp), report_status
  (reportStatus), analysis_version (analysisVersion), reference, runid,
  time_to_complete (timeToComplete), disk_usage (diskusage),
  representative, plugin_results (how many), report_link (reportLink),
  path (filesystempath); experiment (its id), and from the experiment:
  experiment_name (expName), experiment_status (status), chip (chipType),
  instrument (pgmName).`,
		Example: `  tsapi runs list --since 7d
  tsapi runs list --status Error --experiment R_2026_11_30_S5-0042
  tsapi runs get 101 -o yaml
  tsapi runs get 101,102 --fields id,name,chip,instrument`,
	})
	cmd.AddCommand(NewCmdList(f, nil), NewCmdGet(f, nil))
	return cmd
}

// Fields are the fields of an analysis result's record.
var Fields = []string{"id", "name", "status", "experiment", "experiment_name", "experiment_status", "chip", "instrument",
	"timestamp", "report_status", "analysis_version", "reference", "runid", "time_to_complete", "disk_usage",
	"representative", "plugin_results", "report_link", "path"}

// listFields are the fields a list prints by default.
var listFields = []string{"id", "name", "status", "experiment_name", "experiment_status", "timestamp"}

// oneFields are the fields a get prints by default.
var oneFields = []string{"id", "name", "status", "experiment", "experiment_name", "experiment_status", "chip", "instrument",
	"timestamp", "report_status", "analysis_version", "reference", "plugin_results", "report_link"}

// expFields are the fields read from the experiment.
var expFields = []string{"experiment_name", "experiment_status", "chip", "instrument"}

// Record is an analysis result as the tool prints it, with what it shows
// of the experiment e (nil: none, or not read).
func Record(r *tsapi.Result, e *tsapi.Experiment) *cmdutil.Record {
	rec := cmdutil.NewRecord().Set("id", r.ID).Set("name", r.ResultsName).Set("status", r.Status).
		Set("experiment", cmdutil.LinkID(r.Experiment))
	var name, status, chip, instrument any
	if e != nil {
		name, status, chip, instrument = e.ExpName, e.Status, e.ChipType, e.PGMName
	}
	return rec.Set("experiment_name", name).Set("experiment_status", status).Set("chip", chip).Set("instrument", instrument).
		Set("timestamp", cmdutil.At(r.TimeStamp)).Set("report_status", cmdutil.Str(r.ReportStatus)).
		Set("analysis_version", r.AnalysisVersion).Set("reference", cmdutil.Str(r.Reference)).Set("runid", r.RunID).
		Set("time_to_complete", r.TimeToComplete).Set("disk_usage", cmdutil.Int(r.DiskUsage)).
		Set("representative", r.Representative).Set("plugin_results", len(r.PluginResults)).
		Set("report_link", r.ReportLink).Set("path", r.FilesystemPath)
}

// experiments reads the experiments of one server's analysis results, each
// once: one multi-get (experiment/set/) for those a page needs that were
// not read before.
type experiments struct {
	s *cmdutil.Server
	// skip says no experiment field is printed: none is read.
	skip bool
	byID map[int64]*tsapi.Experiment // nil: the server has none with that id
}

func newExperiments(s *cmdutil.Server, printed []string) *experiments {
	return &experiments{s: s, skip: !cmdutil.Needs(printed, expFields...), byID: map[int64]*tsapi.Experiment{}}
}

// records are the results' records, with their experiments read first.
func (x *experiments) records(ctx context.Context, rs []*tsapi.Result) ([]*cmdutil.Record, error) {
	err := x.read(ctx, rs)
	out := make([]*cmdutil.Record, len(rs))
	for i, r := range rs {
		var e *tsapi.Experiment
		if id, ok := cmdutil.LinkID(r.Experiment).(int64); ok {
			e = x.byID[id]
		}
		out[i] = Record(r, e)
	}
	return out, err
}

func (x *experiments) read(ctx context.Context, rs []*tsapi.Result) error {
	if x.skip {
		return nil
	}
	var ids []int64
	for _, r := range rs {
		id, err := r.ExperimentID()
		if err != nil {
			continue // no experiment (ErrNoLink), or a link that is not a resource URI: nothing to show
		}
		if _, seen := x.byID[id]; !seen {
			ids = append(ids, id)
			x.byID[id] = nil
		}
	}
	if len(ids) == 0 {
		return nil
	}
	es, _, _, err := x.s.Client.Experiments.GetSet(ctx, ids...)
	if err != nil {
		for _, id := range ids {
			delete(x.byID, id) // to be asked again
		}
		return cmdutil.Context(cmdutil.Explain(err, x.s, "read experiments"), "reading the experiments of the analysis results failed")
	}
	for _, e := range es {
		x.byID[e.ID] = e
	}
	return nil
}
