// Package experiments is the tsapi experiments command: list and get
// sequencing runs (the server's experiment resource).
package experiments

import (
	"github.com/spf13/cobra"

	"github.com/tsapi-go/tsapi"
	"github.com/tsapi-go/tsapi/internal/cli/cmdutil"
)

// NewCmdExperiments returns the experiments command and its verbs.
func NewCmdExperiments(f *cmdutil.Factory) *cobra.Command {
	cmd := cmdutil.NounCommand(&cobra.Command{
		Use:   "experiments <command>",
		Short: "List sequencing runs: chip, instrument, date, status (experiment)",
		Long: `An experiment is one sequencing run on an instrument: its chip, date, status
and raw data. Its analyses are analysis results (tsapi runs list --experiment
ID); the plan it was started from is a plan (tsapi plans).

Fields (Torrent Suite's names in brackets):
  id, name (expName), display_name (displayName), status, chip (chipType),
  instrument (pgmName), date, run_type (runtype), platform, flows,
  run_mode (runMode), sample, chip_barcode (chipBarcode), plan (its id),
  results (how many analysis results), ftp_status (ftpStatus), star,
  result_date (resultDate), raw_data (expDir), notes.`,
		Example: `  tsapi experiments list --since 7d
  tsapi experiments list --instrument S5XL0042 --chip 540
  tsapi experiments get 52 -o yaml`,
	})
	cmd.AddCommand(NewCmdList(f, nil), NewCmdGet(f, nil))
	return cmd
}

// Fields are the fields of an experiment's record.
var Fields = []string{"id", "name", "display_name", "status", "chip", "instrument", "date", "run_type", "platform", "flows",
	"run_mode", "sample", "chip_barcode", "plan", "results", "ftp_status", "star", "result_date", "raw_data", "notes"}

// listFields are the fields a list prints by default.
var listFields = []string{"id", "name", "chip", "instrument", "status", "date"}

// oneFields are the fields a get prints by default.
var oneFields = []string{"id", "name", "display_name", "status", "chip", "instrument", "date", "run_type", "platform", "flows",
	"plan", "results", "ftp_status", "result_date", "raw_data", "notes"}

// Record is an experiment as the tool prints it.
func Record(e *tsapi.Experiment) *cmdutil.Record {
	return cmdutil.NewRecord().Set("id", e.ID).Set("name", e.ExpName).Set("display_name", e.DisplayName).
		Set("status", e.Status).Set("chip", e.ChipType).Set("instrument", e.PGMName).Set("date", cmdutil.At(e.Date)).
		Set("run_type", e.RunType).Set("platform", e.Platform).Set("flows", e.Flows).Set("run_mode", e.RunMode).
		Set("sample", e.Sample).Set("chip_barcode", e.ChipBarcode).Set("plan", cmdutil.LinkID(e.Plan)).
		Set("results", len(e.Results)).Set("ftp_status", e.FTPStatus).Set("star", e.Star).
		Set("result_date", cmdutil.Instant(e.ResultDate)).Set("raw_data", e.ExpDir).Set("notes", cmdutil.Str(e.Notes))
}

// Records are experiments as the tool prints them.
func Records(es []*tsapi.Experiment) []*cmdutil.Record {
	out := make([]*cmdutil.Record, len(es))
	for i, e := range es {
		out[i] = Record(e)
	}
	return out
}
