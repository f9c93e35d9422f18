package tsapi

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/url"
	"strconv"
)

// ErrNoLink is matched (errors.Is) by the error of a link helper when the
// object links to nothing there: a result without an experiment, a run
// without a plan, a job no plugin result holds.
var ErrNoLink = errors.New("tsapi: no linked object")

func noLink(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrNoLink, fmt.Sprintf(format, args...))
}

// linkID reads the id of a nullable resource URI.
func linkID(uri *string, what string, id int64, link string) (int64, error) {
	if uri == nil || *uri == "" {
		return 0, noLink("%s %d has no %s", what, id, link)
	}
	return IDFromURI(*uri)
}

// linkIDs reads the ids of a list of resource URIs.
func linkIDs(uris []string) ([]int64, error) {
	out := make([]int64, 0, len(uris))
	for _, u := range uris {
		id, err := IDFromURI(u)
		if err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, nil
}

// ExperimentID returns the id of the run (experiment) the result analysed.
// It returns an error matching ErrNoLink when Experiment is null, and a
// *InvalidArgumentError when it is not a resource URI.
func (x *Result) ExperimentID() (int64, error) {
	return linkID(x.Experiment, "result", x.ID, "experiment")
}

// PluginResultIDs returns the ids of the result's plugin results, read
// from PluginResults.
func (x *Result) PluginResultIDs() ([]int64, error) { return linkIDs(x.PluginResults) }

// PluginStates returns the state of each plugin's latest run on the
// result, by plugin name, read from PluginState (which the server sends
// in detail answers: get the result with Get). It returns nil for a
// result without the field, and an error when the field is not an object
// of strings.
func (x *Result) PluginStates() (map[string]JobState, error) {
	if x.PluginState.Raw() == nil {
		return nil, x.PluginState.Err()
	}
	var m map[string]JobState
	if err := x.PluginState.Decode(&m); err != nil {
		return nil, fmt.Errorf("tsapi: result %d pluginState: %w", x.ID, err)
	}
	return m, nil
}

// PlanID returns the id of the plan the run was started from. It returns
// an error matching ErrNoLink when Plan is null.
func (x *Experiment) PlanID() (int64, error) { return linkID(x.Plan, "experiment", x.ID, "plan") }

// ResultIDs returns the ids of the run's analysis results, read from
// Results.
func (x *Experiment) ResultIDs() ([]int64, error) { return linkIDs(x.Results) }

// ExperimentID returns the id of the run started from the plan. It returns
// an error matching ErrNoLink when Experiment is null (a plan not run yet,
// a template).
func (x *PlannedExperiment) ExperimentID() (int64, error) {
	return linkID(x.Experiment, "plan", x.ID, "experiment")
}

// JobRun is a plugin job with the objects it belongs to, as RunOfJob finds
// them: the job's plugin result, the analysis result the plugin ran on,
// and the run (experiment) that result analysed.
type JobRun struct {
	Job          *PluginResultJob
	PluginResult *PluginResult
	Result       *Result
	Experiment   *Experiment
}

// PluginResultOfJob returns the plugin result that holds job jobID, with
// the job among its embedded jobs. The server does not show a job's plugin
// result on the job: it asks pluginresult/?plugin_result_jobs=<jobID>. It
// returns an error matching ErrNoLink when no plugin result holds the job.
func (c *Client) PluginResultOfJob(ctx context.Context, jobID int64) (*PluginResult, *Response, error) {
	if err := checkID(jobID); err != nil {
		return nil, nil, err
	}
	opts := &PluginResultListOptions{ListOptions: ListOptions{Limit: 2,
		Filters: url.Values{"plugin_result_jobs": {strconv.FormatInt(jobID, 10)}}}}
	prs, resp, err := c.PluginResults.List(ctx, opts)
	if err != nil {
		return nil, resp, err
	}
	if len(prs) == 0 {
		return nil, resp, noLink("no plugin result holds job %d", jobID)
	}
	return prs[0], resp, nil
}

// ResultOf fetches the analysis result a plugin result belongs to.
func (c *Client) ResultOf(ctx context.Context, pr *PluginResult) (*Result, *Response, error) {
	if pr == nil {
		return nil, nil, &InvalidArgumentError{Msg: "ResultOf: nil plugin result"}
	}
	id, err := pr.ResultID()
	if err != nil {
		return nil, nil, err
	}
	return c.Results.Get(ctx, id)
}

// ExperimentOf fetches the run (experiment) a result analysed. It returns
// an error matching ErrNoLink when the result has none.
func (c *Client) ExperimentOf(ctx context.Context, r *Result) (*Experiment, *Response, error) {
	if r == nil {
		return nil, nil, &InvalidArgumentError{Msg: "ExperimentOf: nil result"}
	}
	id, err := r.ExperimentID()
	if err != nil {
		return nil, nil, err
	}
	return c.Experiments.Get(ctx, id)
}

// PlanOf fetches the plan a run was started from. It returns an error
// matching ErrNoLink when the run has none.
func (c *Client) PlanOf(ctx context.Context, e *Experiment) (*PlannedExperiment, *Response, error) {
	if e == nil {
		return nil, nil, &InvalidArgumentError{Msg: "PlanOf: nil experiment"}
	}
	id, err := e.PlanID()
	if err != nil {
		return nil, nil, err
	}
	return c.PlannedExperiments.Get(ctx, id)
}

// PluginResultsOf iterates over the plugin results of a result (newest
// first), their jobs embedded.
func (c *Client) PluginResultsOf(ctx context.Context, r *Result) iter.Seq2[*PluginResult, error] {
	if r == nil {
		return func(yield func(*PluginResult, error) bool) {
			yield(nil, &InvalidArgumentError{Msg: "PluginResultsOf: nil result"})
		}
	}
	return c.PluginResults.All(ctx, &PluginResultListOptions{Result: Ptr(r.ID)})
}

// ResultsOf iterates over the analysis results of a run (newest first).
func (c *Client) ResultsOf(ctx context.Context, e *Experiment) iter.Seq2[*Result, error] {
	if e == nil {
		return func(yield func(*Result, error) bool) {
			yield(nil, &InvalidArgumentError{Msg: "ResultsOf: nil experiment"})
		}
	}
	return c.Results.All(ctx, &ResultListOptions{Experiment: Ptr(e.ID)})
}

// RunOfJob follows job jobID to the objects it belongs to: its plugin
// result, the analysis result and the run. It stops at the first link that
// fails and returns what it found with the error (an error matching
// ErrNoLink when a result has no experiment).
func (c *Client) RunOfJob(ctx context.Context, jobID int64) (*JobRun, error) {
	run := &JobRun{}
	pr, _, err := c.PluginResultOfJob(ctx, jobID)
	if err != nil {
		return run, err
	}
	run.PluginResult = pr
	for i := range pr.Jobs {
		if pr.Jobs[i].ID == jobID {
			run.Job = &pr.Jobs[i]
		}
	}
	if run.Job == nil {
		// The list filtered on the job, so the server embedded it; a
		// server that did not is asked for the job itself.
		if run.Job, _, err = c.PluginResultJobs.Get(ctx, jobID); err != nil {
			return run, err
		}
	}
	if run.Result, _, err = c.ResultOf(ctx, pr); err != nil {
		return run, err
	}
	run.Experiment, _, err = c.ExperimentOf(ctx, run.Result)
	return run, err
}
