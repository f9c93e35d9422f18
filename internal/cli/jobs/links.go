package jobs

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/tsapi-go/tsapi"
	"github.com/tsapi-go/tsapi/internal/cli/cmdutil"
)

// LinkFields are the fields of a job's record that come from the objects
// the job belongs to: its plugin result (plugin_result, plugin), the
// analysis result the plugin ran on (result, result_name) and the run
// that result analysed (experiment, experiment_name). They are read, with
// extra requests, only when --fields names them.
var LinkFields = []string{"plugin_result", "plugin", "result", "result_name", "experiment", "experiment_name"}

// Link levels: how far from the job the fields asked for reach.
const (
	toPluginResult = 1 + iota // plugin_result, plugin, result, result_name
	toResult                  // experiment (the result holds its id)
	toExperiment              // experiment_name
)

// jobsPerQuery is how many job ids one pluginresult/?plugin_result_jobs__in=
// query names, well within a request line's limit.
const jobsPerQuery = 100

// links reads, for one server, the objects jobs belong to, each once:
// one query for the plugin results of a page of jobs, one multi-get for
// their results, one for the results' experiments. What was read is kept
// for the next page (or the next event of a watch).
type links struct {
	s      *cmdutil.Server
	fields []string // the link fields asked for
	level  int

	prOf    map[int64]*tsapi.PluginResult // by job id; nil: no plugin result holds the job
	results map[int64]*tsapi.Result       // nil: the server has no such result
	exps    map[int64]*tsapi.Experiment
}

// newLinks returns the links of the link fields in fields, or nil when
// fields names none (nothing is read).
func newLinks(s *cmdutil.Server, fields []string) *links {
	l := &links{s: s, prOf: map[int64]*tsapi.PluginResult{}, results: map[int64]*tsapi.Result{}, exps: map[int64]*tsapi.Experiment{}}
	for _, f := range fields {
		var level int
		switch f {
		case "plugin_result", "plugin", "result", "result_name":
			level = toPluginResult
		case "experiment":
			level = toResult
		case "experiment_name":
			level = toExperiment
		default:
			continue
		}
		l.fields = append(l.fields, f)
		l.level = max(l.level, level)
	}
	if l.level == 0 {
		return nil
	}
	return l
}

// add sets the link fields asked for on the records of jobs (recs[i] is
// jobs[i]'s): a missing link (a job no plugin result holds, a result
// without a run) leaves a field empty. On an error every record still has
// the fields, empty where nothing was read.
func (l *links) add(ctx context.Context, jobs []*tsapi.PluginResultJob, recs []*cmdutil.Record) error {
	if l == nil {
		return nil
	}
	err := l.read(ctx, jobs)
	for i, j := range jobs {
		values := map[string]any{}
		if pr := l.prOf[j.ID]; pr != nil {
			values["plugin_result"], values["plugin"], values["result_name"] = pr.ID, pr.PluginName, pr.ResultName
			if rid, rerr := pr.ResultID(); rerr == nil {
				values["result"] = rid
				if r := l.results[rid]; r != nil {
					values["experiment"] = cmdutil.LinkID(r.Experiment)
					if eid, ok := values["experiment"].(int64); ok && l.exps[eid] != nil {
						values["experiment_name"] = l.exps[eid].ExpName
					}
				}
			}
		}
		for _, f := range l.fields {
			recs[i].Set(f, values[f])
		}
	}
	if err != nil {
		return cmdutil.Context(err, "reading what the jobs belong to failed")
	}
	return nil
}

func (l *links) read(ctx context.Context, jobs []*tsapi.PluginResultJob) error {
	// A plugin result holds all its jobs: those of a page that it holds
	// are known once it is read, and not asked for again.
	for {
		var ids []int64
		for _, j := range jobs {
			if _, seen := l.prOf[j.ID]; !seen && !slices.Contains(ids, j.ID) {
				ids = append(ids, j.ID)
			}
			if len(ids) == jobsPerQuery {
				break
			}
		}
		if len(ids) == 0 {
			break
		}
		if err := l.readPluginResults(ctx, ids); err != nil {
			return err
		}
	}
	if l.level < toResult {
		return nil
	}
	var rids []int64
	for _, j := range jobs {
		if pr := l.prOf[j.ID]; pr != nil {
			if rid, err := pr.ResultID(); err == nil {
				if _, seen := l.results[rid]; !seen && !slices.Contains(rids, rid) {
					rids = append(rids, rid)
				}
			}
		}
	}
	if len(rids) > 0 {
		rs, _, _, err := l.s.Client.Results.GetSet(ctx, rids...)
		if err != nil {
			return cmdutil.Explain(err, l.s, "read analysis results")
		}
		for _, id := range rids {
			l.results[id] = nil
		}
		for _, r := range rs {
			l.results[r.ID] = r
		}
	}
	if l.level < toExperiment {
		return nil
	}
	var eids []int64
	for _, j := range jobs {
		if pr := l.prOf[j.ID]; pr != nil {
			rid, _ := pr.ResultID()
			if r := l.results[rid]; r != nil {
				if eid, err := r.ExperimentID(); err == nil { // ErrNoLink: a result without a run
					if _, seen := l.exps[eid]; !seen && !slices.Contains(eids, eid) {
						eids = append(eids, eid)
					}
				}
			}
		}
	}
	if len(eids) == 0 {
		return nil
	}
	es, _, _, err := l.s.Client.Experiments.GetSet(ctx, eids...)
	if err != nil {
		return cmdutil.Explain(err, l.s, "read experiments")
	}
	for _, id := range eids {
		l.exps[id] = nil
	}
	for _, e := range es {
		l.exps[e.ID] = e
	}
	return nil
}

// readPluginResults reads the plugin results that hold the jobs ids, in
// one query (a plugin result comes once however many of its jobs match),
// and keeps which plugin result holds each of their jobs.
func (l *links) readPluginResults(ctx context.Context, ids []int64) error {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.FormatInt(id, 10)
	}
	o := &tsapi.PluginResultListOptions{ListOptions: tsapi.ListOptions{Limit: len(ids),
		Filters: map[string][]string{"plugin_result_jobs__in": {strings.Join(s, ",")}}}}
	for pr, err := range l.s.Client.PluginResults.All(ctx, o) {
		if err != nil {
			return cmdutil.Explain(err, l.s, "read plugin results")
		}
		for _, j := range pr.Jobs {
			l.prOf[j.ID] = pr
		}
	}
	for _, id := range ids {
		if _, found := l.prOf[id]; !found {
			l.prOf[id] = nil // no plugin result holds the job
		}
	}
	return nil
}
