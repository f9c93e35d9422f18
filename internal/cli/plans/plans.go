// Package plans is the tsapi plans command: list and get plans and plan
// templates (the server's plannedexperiment resource).
package plans

import (
	"github.com/spf13/cobra"

	"github.com/tsapi-go/tsapi"
	"github.com/tsapi-go/tsapi/internal/cli/cmdutil"
)

// NewCmdPlans returns the plans command and its verbs.
func NewCmdPlans(f *cmdutil.Factory) *cobra.Command {
	cmd := cmdutil.NounCommand(&cobra.Command{
		Use:   "plans <command>",
		Short: "List planned runs and plan templates (plannedexperiment)",
		Long: `A plan says how a sequencing run is to be done: its kits, chip, application
and analysis. A template (isReusable) is copied into plans; a plan that was
run links to its experiment (tsapi experiments).

Fields (Torrent Suite's names in brackets):
  id, short_id (planShortID), name (planName), display_name
  (planDisplayedName), status (planStatus), template (isReusable), system
  (isSystem), favorite (isFavorite), executed (planExecuted), experiment (its
  id), experiment_name (expName: the run's name as the plan holds it),
  run_type (runType), application (applicationGroupDisplayedName), chip
  (chipType), instrument (planPGM), sample, username, date, executed_date
  (planExecutedDate), notes.`,
		Example: `  tsapi plans list
  tsapi plans list --template --system=false
  tsapi plans list --status planned,pending --since 7d
  tsapi plans get 61 -o yaml`,
	})
	cmd.AddCommand(NewCmdList(f, nil), NewCmdGet(f, nil))
	return cmd
}

// Fields are the fields of a plan's record.
var Fields = []string{"id", "short_id", "name", "display_name", "status", "template", "system", "favorite", "executed",
	"experiment", "experiment_name", "run_type", "application", "chip", "instrument", "sample", "username", "date",
	"executed_date", "notes"}

// listFields are the fields a list prints by default.
var listFields = []string{"id", "short_id", "name", "status", "template", "run_type", "chip", "date"}

// oneFields are the fields a get prints by default.
var oneFields = []string{"id", "short_id", "name", "display_name", "status", "template", "system", "favorite", "executed",
	"experiment", "experiment_name", "run_type", "application", "chip", "instrument", "sample", "username", "date",
	"executed_date"}

// Record is a plan as the tool prints it.
func Record(p *tsapi.PlannedExperiment) *cmdutil.Record {
	return cmdutil.NewRecord().Set("id", p.ID).Set("short_id", cmdutil.Str(p.PlanShortID)).Set("name", cmdutil.Str(p.PlanName)).
		Set("display_name", cmdutil.Str(p.PlanDisplayedName)).Set("status", p.PlanStatus).Set("template", p.IsReusable).
		Set("system", p.IsSystem).Set("favorite", p.IsFavorite).Set("executed", p.PlanExecuted).
		Set("experiment", cmdutil.LinkID(p.Experiment)).Set("experiment_name", p.ExpName).Set("run_type", p.RunType).
		Set("application", cmdutil.Str(p.ApplicationGroupDisplayedName)).Set("chip", p.ChipType).
		Set("instrument", cmdutil.Str(p.PlanPGM)).Set("sample", cmdutil.Str(p.Sample)).Set("username", cmdutil.Str(p.Username)).
		Set("date", cmdutil.Instant(p.Date)).Set("executed_date", cmdutil.Instant(p.PlanExecutedDate)).
		Set("notes", cmdutil.Str(p.Notes))
}

// Records are plans as the tool prints them.
func Records(ps []*tsapi.PlannedExperiment) []*cmdutil.Record {
	out := make([]*cmdutil.Record, len(ps))
	for i, p := range ps {
		out[i] = Record(p)
	}
	return out
}
