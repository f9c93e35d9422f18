package tsapitest

import (
	"cmp"
	"encoding/json"
	"maps"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
)

// resdef is a resource as the fake serves it. The caller of its functions
// holds s.mu.
type resdef struct {
	name   string
	served bool // false: known for relations only (results, user)
	// fields holds every schema field: its column kind (kComputed when it
	// has none) and, for a relation, the related resource.
	fields    map[string]field
	filtering map[string]bool
	ordering  []string

	ids       func(s *Server) []int64                         // the queryset, ascending
	value     func(s *Server, id int64, field string) any     // a column's value
	related   func(s *Server, id int64, field string) []int64 // the ids a relation points to
	dehydrate func(s *Server, id int64) map[string]any        // the object's JSON
	rows      func(s *Server, ids []int64, conds []cond) []int64
	remove    func(s *Server, id int64) // nil: DELETE is not modelled
	// shape, when set, adjusts an object to the request (its query, list
	// or detail) before it is sent.
	shape  func(c *call, obj map[string]any, detail bool)
	writes map[string]func(c *call) error // by "list PATCH", "detail PUT", ...
}

type field struct {
	kind   fkind
	target string
}

// resources are the resources by URL name.
var resources = map[string]*resdef{}

// define registers a resource: the columns are given, the other fields,
// filtering and ordering come from its embedded schema.
func define(res *resdef, cols map[string]field) {
	res.fields, res.filtering = cols, map[string]bool{}
	filtering := maps.Keys(cols) // a relation's target: every column
	if res.served {
		var sc struct {
			Fields    map[string]json.RawMessage
			Filtering map[string]int
			Ordering  []string
		}
		b, _ := schemas.ReadFile("schema/" + res.name + ".json")
		if err := json.Unmarshal(b, &sc); err != nil {
			panic("tsapitest: schema of " + res.name)
		}
		for name := range sc.Fields {
			if _, ok := cols[name]; !ok {
				cols[name] = field{kind: kComputed}
			}
		}
		res.ordering, filtering = sc.Ordering, maps.Keys(sc.Filtering)
	}
	for name := range filtering {
		res.filtering[name] = true
	}
	if res.rows == nil {
		res.rows = simpleRows(res)
	}
	resources[res.name] = res
}

func uri(name string, id int64) string { return APIPath + name + "/" + strconv.FormatInt(id, 10) + "/" }

// orNil gives nil for a nil pointer, else what it points to.
func orNil[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

// completedStates and runningStates are Torrent Suite's.
var (
	completedStates = []string{"Completed", "Error", "Declined", "Unknown", "Resource", "Timed Out", "Cancelled", "Archived"}
	runningStates   = []string{"Pending", "Queued", "Started"}
)

func init() {
	define(&resdef{
		name: "PluginResultJob", served: true,
		ids:       func(s *Server) []int64 { return sortedIDs(s.jobs) },
		value:     func(s *Server, id int64, f string) any { return s.jobs[id].column(f) },
		dehydrate: func(s *Server, id int64) map[string]any { return s.jobs[id].dehydrate() },
		remove:    func(s *Server, id int64) { delete(s.jobs, id) },
		writes: map[string]func(*call) error{"detail PATCH": (*call).patchJob, "detail PUT": (*call).putJob,
			"list POST": (*call).postJob, "list PATCH": (*call).patchJobList, "list PUT": (*call).putJobList},
	}, map[string]field{"id": {}, "grid_engine_jobid": {}, "state": {kind: kStr}, "starttime": {kind: kTime},
		"endtime": {kind: kTime}, "config": {kind: kStr}, "run_level": {kind: kStr}, "resource_uri": {kind: kStr}})

	define(&resdef{
		name: "pluginresult", served: true,
		ids: func(s *Server) []int64 { return sortedIDs(s.prs) },
		value: func(s *Server, id int64, f string) any {
			p := s.prs[id]
			return map[string]any{"id": p.id, "apikey": orNil(p.apikey), "size": p.size, "inodes": p.inodes, "store": p.store,
				"validation_errors": p.validation, "result": p.result, "plugin": p.plugin, "owner": p.owner}[f]
		},
		related: func(s *Server, id int64, f string) []int64 {
			p := s.prs[id]
			if f == "plugin_result_jobs" {
				return s.jobsOf(id)
			}
			return []int64{map[string]int64{"result": p.result, "plugin": p.plugin, "owner": p.owner}[f]}
		},
		rows:      (*Server).prRows,
		dehydrate: (*Server).dehydratePR,
		remove: func(s *Server, id int64) {
			for _, j := range s.jobsOf(id) {
				delete(s.jobs, j)
			}
			delete(s.prs, id)
		},
		writes: map[string]func(*call) error{"detail PATCH": (*call).patchPR},
	}, map[string]field{"id": {}, "apikey": {kind: kStr}, "size": {}, "inodes": {}, "store": {kind: kStr},
		"validation_errors": {kind: kStr}, "result": {target: "results"}, "plugin": {target: "plugin"},
		"owner": {target: "user"}, "plugin_result_jobs": {target: "PluginResultJob"}, "resource_uri": {kind: kStr}})

	define(&resdef{
		name: "plugin", served: true,
		ids: func(s *Server) []int64 {
			return slices.DeleteFunc(sortedIDs(s.plugins), func(id int64) bool { return !s.plugins[id].Active })
		},
		value:     func(s *Server, id int64, f string) any { return s.plugins[id].columns()[f] },
		dehydrate: func(s *Server, id int64) map[string]any { return s.plugins[id].dehydrate() },
	}, map[string]field{"id": {}, "name": {kind: kStr}, "version": {kind: kStr}, "description": {kind: kStr},
		"path": {kind: kStr}, "script": {kind: kStr}, "url": {kind: kStr}, "packageName": {kind: kStr},
		"date": {kind: kTime}, "active": {kind: kBool}, "selected": {kind: kBool}, "majorBlock": {kind: kBool},
		"requires_configuration": {kind: kBool}, "defaultSelected": {kind: kBool}, "config": {kind: kStr},
		"status": {kind: kStr}, "pluginsettings": {kind: kStr}, "userinputfields": {kind: kStr}, "resource_uri": {kind: kStr}})

	define(&resdef{name: "user", value: func(s *Server, id int64, f string) any {
		return map[string]any{"id": s.users[id].ID, "username": s.users[id].Username}[f]
	}}, map[string]field{"id": {}, "username": {kind: kStr}})
}

// jobColumns are PluginResultJob's columns.
var jobColumns = []string{"id", "grid_engine_jobid", "state", "starttime", "endtime", "config", "run_level"}

// column is one column's value, without the map columns makes: filters
// read it for every job.
func (j *jobRec) column(f string) any {
	switch f {
	case "id":
		return j.ID
	case "grid_engine_jobid":
		return orNil(j.GridEngineJobID)
	case "state":
		return j.State
	case "starttime":
		return orNil(j.StartTime)
	case "endtime":
		return orNil(j.EndTime)
	case "config":
		return j.config
	case "run_level":
		return j.RunLevel
	}
	return nil
}

func (j *jobRec) columns() map[string]any {
	m := make(map[string]any, len(jobColumns)+1)
	for _, f := range jobColumns {
		m[f] = j.column(f)
	}
	return m
}

// dehydrate is the job's JSON, as PluginResultJobResource writes it.
func (j *jobRec) dehydrate() map[string]any {
	return dehydrated("PluginResultJob", j.ID, j.columns(), "config")
}

// dehydrated is an object's columns as tastypie writes them: datetimes in
// the server's format, JSON columns as objects, and the resource_uri.
func dehydrated(res string, id int64, cols map[string]any, jsonCols ...string) map[string]any {
	for k, v := range cols {
		if t, ok := v.(time.Time); ok {
			cols[k] = apiTime(t)
		}
	}
	for _, f := range jsonCols {
		cols[f] = served(cols[f].(string))
	}
	cols["resource_uri"] = uri(res, id)
	return cols
}

func (p *pluginRec) columns() map[string]any {
	return map[string]any{"id": p.ID, "name": p.Name, "version": p.Version, "description": p.Description,
		"path": p.Path, "script": p.Script, "url": p.URL, "packageName": p.PackageName, "date": p.Date,
		"active": p.Active, "selected": p.Selected, "majorBlock": p.MajorBlock,
		"requires_configuration": p.RequiresConfiguration, "defaultSelected": p.DefaultSelected,
		"config": p.config, "status": p.status, "pluginsettings": p.settings, "userinputfields": p.inputs}
}

// dehydrate is the plugin's JSON, as Torrent Suite's PluginResource
// writes it, for a plugin with no files on disk.
func (p *pluginRec) dehydrate() map[string]any {
	out := dehydrated("plugin", p.ID, p.columns(), "config", "status", "pluginsettings", "userinputfields")
	for _, f := range []string{"isConfig", "isPlanConfig", "isInstance", "hasAbout", "isUpgradable"} {
		out[f] = false
	}
	out["input"], out["availableVersions"] = "False", []any{}
	out["isSupported"] = strings.HasPrefix(p.PackageName, "ion-plugin")
	out["versionedName"] = p.Name + "--v" + p.Version
	return out
}

func (s *Server) jobsOf(pr int64) []int64 {
	return slices.DeleteFunc(sortedIDs(s.jobs), func(id int64) bool { return s.jobs[id].PluginResult != pr })
}

// prRows filters plugin results as Django's JOIN does: a plugin result
// comes once per job matching the conditions on plugin_result_jobs.
func (s *Server) prRows(ids []int64, conds []cond) []int64 {
	res, jobRes := resources["pluginresult"], resources["PluginResultJob"]
	onJobs := slices.ContainsFunc(conds, func(c cond) bool { return c.path[0] == "plugin_result_jobs" })
	var out []int64
	for _, id := range ids {
		jobs := []int64{-1} // no condition on the jobs: the plugin result once
		if onJobs {
			if jobs = s.jobsOf(id); len(jobs) == 0 {
				jobs = []int64{0} // LEFT OUTER JOIN: one row of NULLs
			}
		}
		for _, jid := range jobs {
			if !slices.ContainsFunc(conds, func(c cond) bool {
				var v any
				switch {
				case c.path[0] != "plugin_result_jobs":
					v = res.pathValue(s, id, c.path)
				case jid != 0 && len(c.path) == 1:
					v = jid
				case jid != 0:
					v = jobRes.value(s, jid, c.path[1])
				}
				return !c.pred(v)
			}) {
				out = append(out, id)
			}
		}
	}
	return out
}

// dehydratePR is the plugin result's JSON with its jobs embedded and the
// fields Torrent Suite computes from them.
func (s *Server) dehydratePR(id int64) map[string]any {
	p := s.prs[id]
	out := map[string]any{"id": p.id, "apikey": orNil(p.apikey), "size": strconv.FormatInt(p.size, 10),
		"inodes": strconv.FormatInt(p.inodes, 10), "store": served(p.store), "validation_errors": served(p.validation),
		"result": uri("results", p.result), "plugin": uri("plugin", p.plugin), "owner": uri("user", p.owner),
		"files": []any{}, "state": "Unknown", "starttime": nil, "endtime": nil, "can_terminate": false,
		"resource_uri": uri("pluginresult", p.id)}
	jobs := []any{}
	var start, end, latest *jobRec
	endNull := false
	for _, jid := range s.jobsOf(id) {
		j := s.jobs[jid]
		jobs = append(jobs, j.dehydrate())
		out["can_terminate"] = out["can_terminate"] == true || slices.Contains(runningStates, j.State)
		if j.StartTime != nil && (start == nil || j.StartTime.Before(*start.StartTime)) {
			start = j
		}
		if j.EndTime != nil && (end == nil || j.EndTime.After(*end.EndTime)) {
			end = j
		}
		endNull = endNull || j.EndTime == nil
		// The state is the latest job's by start time; one never started is
		// the latest, and of equals the last.
		if latest == nil || latest.StartTime != nil && (j.StartTime == nil || !j.StartTime.Before(*latest.StartTime)) ||
			latest.StartTime == nil && j.StartTime == nil {
			latest = j
		}
	}
	out["plugin_result_jobs"] = jobs
	if latest != nil {
		out["state"] = latest.State
	}
	if truthy(goMap(p.validation)["validation_errors"]) {
		out["state"] = "Failed Validation"
	}
	if start != nil {
		out["starttime"] = apiTime(*start.StartTime)
	}
	if end != nil && !endNull {
		out["endtime"] = apiTime(*end.EndTime)
	}
	pl := cmp.Or(s.plugins[p.plugin], &pluginRec{})
	out["pluginName"], out["pluginVersion"], out["major"] = pl.Name, pl.Version, pl.MajorBlock
	out["resultName"], out["reportLink"], out["path"], out["URL"] = "", "", "", ""
	if r := s.results[p.result]; r != nil {
		folder := pl.Name + "_out." + strconv.FormatInt(p.id, 10)
		out["resultName"], out["reportLink"] = r.Name, r.ReportLink
		out["path"] = path.Join("/results/analysis", strings.Trim(r.ReportLink, "/"), "plugin_out", folder)
		out["URL"] = path.Join(r.ReportLink, "plugin_out", folder) + "/"
	}
	return out
}
