package tsapitest

import (
	"net/http"
	"path"
	"sort"
	"strconv"
	"unicode/utf8"
)

func init() {
	resources["pluginresult"] = pluginResultResource()
	auxResources["results"] = resultsResource()
	auxResources["user"] = userResource()
}

// auxResources are resources the fake does not serve but that filters
// may go through ("result__resultsName", "owner__username").
var auxResources = map[string]*resdef{}

// lookupRes finds a served or auxiliary resource.
func lookupRes(name string) *resdef {
	if r := resources[name]; r != nil {
		return r
	}
	return auxResources[name]
}

func roStr() *fieldDef {
	return &fieldDef{kind: kComputed, typ: typeStr, readonly: true, help: helpStr, def: noDefault}
}

func roBool() *fieldDef {
	return &fieldDef{kind: kComputed, typ: typeBool, readonly: true, help: helpBool, def: noDefault}
}

func pluginResultResource() *resdef {
	res := &resdef{
		name: "pluginresult",
		fields: map[string]*fieldDef{
			"id":                {kind: kInt, typ: typeInt, blank: true, unique: true, help: helpInt, def: ""},
			"apikey":            {kind: kStr, typ: typeStr, nullable: true, help: helpStr, def: noDefault},
			"size":              {kind: kInt, typ: typeStr, help: helpStr, def: -1},
			"inodes":            {kind: kInt, typ: typeStr, help: helpStr, def: -1},
			"store":             {kind: kText, typ: typeStr, blank: true, help: helpStr, def: "{}"},
			"validation_errors": {kind: kText, typ: typeStr, blank: true, help: helpStr, def: "{}"},
			"result":            {kind: kInt, typ: typeRelated, related: "to_one", help: helpToOne, def: noDefault, target: "results"},
			"plugin":            {kind: kInt, typ: typeRelated, related: "to_one", help: helpToOne, def: noDefault, target: "plugin"},
			"owner":             {kind: kInt, typ: typeRelated, related: "to_one", help: helpToOne, def: noDefault, target: "user"},
			"plugin_result_jobs": {kind: kInt, typ: typeRelated, related: "to_many", help: helpToMany, def: noDefault,
				target: "PluginResultJob"},
			"major":         roBool(),
			"path":          roStr(),
			"can_terminate": roBool(),
			"files":         {kind: kComputed, typ: typeList, readonly: true, help: helpList, def: noDefault},
			"URL":           roStr(),
			"state":         roStr(),
			"starttime":     {kind: kComputed, typ: typeTime, readonly: true, help: helpTime, def: noDefault},
			"endtime":       {kind: kComputed, typ: typeTime, readonly: true, help: helpTime, def: noDefault},
			"resultName":    roStr(),
			"reportLink":    roStr(),
			"pluginName":    roStr(),
			"pluginVersion": roStr(),
			"resource_uri":  {kind: kStr, typ: typeStr, readonly: true, help: helpStr, def: noDefault, noAttr: true},
		},
		// Torrent Suite: get_all_field_names() + ["result", "plugin", "path", "id"].
		filteringList: []string{"apikey", "id", "inodes", "owner", "path", "plugin", "plugin_result_jobs", "result", "size", "store", "validation_errors"},
		ordering: []string{"apikey", "id", "inodes", "owner", "plugin", "plugin_result_jobs", "result", "size", "store",
			"validation_errors", "result", "plugin", "path", "id"},
		deleteAllowed: true,
	}
	res.filtering = setOf(res.filteringList)
	res.ids = func(s *Server) []int64 { return sortedIDs(s.prs) }
	res.value = func(s *Server, id int64, field string) fval {
		p := s.prs[id]
		if p == nil {
			return fval{null: true}
		}
		switch field {
		case "id":
			return intVal(p.id)
		case "apikey":
			return strPtrVal(p.apikey)
		case "size":
			return intVal(p.size)
		case "inodes":
			return intVal(p.inodes)
		case "store":
			return strVal(p.store)
		case "validation_errors":
			return strVal(p.validation)
		case "result":
			return intVal(p.result)
		case "plugin":
			return intVal(p.plugin)
		case "owner":
			return intVal(p.owner)
		}
		return fval{null: true}
	}
	res.related = func(s *Server, id int64, field string) []int64 {
		p := s.prs[id]
		if p == nil {
			return nil
		}
		switch field {
		case "result":
			return []int64{p.result}
		case "plugin":
			return []int64{p.plugin}
		case "owner":
			return []int64{p.owner}
		case "plugin_result_jobs":
			return s.jobsOf(id)
		}
		return nil
	}
	res.rows = func(s *Server, ids []int64, conds []cond) []int64 {
		var out []int64
		for _, id := range ids {
			n := s.prRowCount(res, id, conds)
			for range n {
				out = append(out, id)
			}
		}
		return out
	}
	res.dehydrate = (*Server).dehydratePR
	res.remove = func(s *Server, id int64) {
		for _, j := range s.jobsOf(id) {
			delete(s.jobs, j)
		}
		delete(s.prs, id)
	}
	unsupported := func(what string) func(c *call) error {
		return func(c *call) error { return notModelled(what + " on pluginresult") }
	}
	res.postList = unsupported("POST")
	res.putList = unsupported("PUT")
	res.patchList = unsupported("a bulk PATCH")
	res.putDetail = unsupported("PUT")
	res.patchDetail = (*call).patchPR
	return res
}

// jobsOf returns the ids of a plugin result's jobs, ascending.
func (s *Server) jobsOf(pr int64) []int64 {
	var out []int64
	for id, j := range s.jobs {
		if j.pr == pr {
			out = append(out, id)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// prRowCount is how many times plugin result id comes out of Django's
// query: once, or once per job matching every condition on
// plugin_result_jobs (the join is not made distinct).
func (s *Server) prRowCount(res *resdef, id int64, conds []cond) int {
	var jobConds []cond
	for _, c := range conds {
		if c.path[0] == "plugin_result_jobs" {
			jobConds = append(jobConds, c)
			continue
		}
		var v fval
		if len(c.path) == 1 {
			v = res.value(s, id, c.path[0])
		} else {
			rel := res.related(s, id, c.path[0])
			if len(rel) == 0 {
				v = fval{null: true}
			} else {
				v = lookupRes(res.fields[c.path[0]].target).value(s, rel[0], c.path[1])
			}
		}
		if !c.pred(v) {
			return 0
		}
	}
	if len(jobConds) == 0 {
		return 1
	}
	jobs := s.jobsOf(id)
	if len(jobs) == 0 {
		jobs = []int64{0} // LEFT OUTER JOIN: one row of NULLs
	}
	n := 0
next:
	for _, jid := range jobs {
		for _, c := range jobConds {
			var v fval
			switch {
			case jid == 0:
				v = fval{null: true}
			case len(c.path) == 1:
				v = intVal(jid)
			default:
				v = s.jobs[jid].value(c.path[1])
			}
			if !c.pred(v) {
				continue next
			}
		}
		n++
	}
	return n
}

// dehydratePR is a plugin result's JSON, as Torrent Suite's
// PluginResultResource writes it (jobs embedded in full).
func (s *Server) dehydratePR(id int64) map[string]any {
	p := s.prs[id]
	plugin := s.plugins[p.plugin]
	result := s.results[p.result]
	jobs := s.jobsOf(id)
	embedded := make([]any, len(jobs))
	var start, end *fval
	state := "Unknown"
	canTerminate := false
	var latest *jobRec
	endNull := false
	for i, jid := range jobs {
		j := s.jobs[jid]
		embedded[i] = j.dehydrate()
		if runningStates[j.state] {
			canTerminate = true
		}
		if j.start != nil && (start == nil || j.start.Before(start.t)) {
			start = &fval{t: *j.start}
		}
		if j.end == nil {
			endNull = true
		} else if end == nil || j.end.After(end.t) {
			end = &fval{t: *j.end}
		}
		// The latest job: by starttime descending, NULLs first, then id.
		switch {
		case latest == nil:
			latest = j
		case latest.start == nil:
			if j.start == nil {
				latest = j
			}
		case j.start == nil || !j.start.Before(*latest.start):
			latest = j
		}
	}
	if latest != nil {
		state = latest.state
	}
	if ve, ok := loadStored(p.validation).get("validation_errors"); ok && pyTruth2(ve) {
		state = "Failed Validation"
	}
	out := map[string]any{
		"id":                 p.id,
		"apikey":             nil,
		"size":               strconv.FormatInt(p.size, 10),
		"inodes":             strconv.FormatInt(p.inodes, 10),
		"store":              fromStored(loadStored(p.store)),
		"validation_errors":  fromStored(loadStored(p.validation)),
		"result":             APIPath + "results/" + strconv.FormatInt(p.result, 10) + "/",
		"plugin":             APIPath + "plugin/" + strconv.FormatInt(p.plugin, 10) + "/",
		"owner":              APIPath + "user/" + strconv.FormatInt(p.owner, 10) + "/",
		"plugin_result_jobs": embedded,
		"can_terminate":      canTerminate,
		"files":              []any{},
		"state":              state,
		"starttime":          nil,
		"endtime":            nil,
		"resource_uri":       resources["pluginresult"].uri(p.id),
	}
	if p.apikey != nil {
		out["apikey"] = *p.apikey
	}
	if start != nil {
		out["starttime"] = start.t
	}
	if end != nil && !endNull {
		out["endtime"] = end.t
	}
	name, version, major := "", "", false
	if plugin != nil {
		name, version, major = plugin.Name, plugin.Version, plugin.MajorBlock
	}
	out["pluginName"], out["pluginVersion"], out["major"] = name, version, major
	folder := name + "_out." + strconv.FormatInt(p.id, 10)
	if result != nil {
		out["resultName"] = result.Name
		out["reportLink"] = result.ReportLink
		out["path"] = path.Join(result.reportDir(), "plugin_out", folder)
		out["URL"] = path.Join(result.ReportLink, "plugin_out", folder) + "/"
	} else {
		out["resultName"], out["reportLink"], out["path"], out["URL"] = "", "", "", ""
	}
	return out
}

// patchPR is PATCH on a plugin result's URL: store, apikey, size, inodes
// and validation_errors can change (202, no body). The plugin result's
// jobs are saved again with it, as Django's related manager does.
func (c *call) patchPR() error {
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	id, err := pyInt(c.pk)
	if err != nil {
		return canned404()
	}
	p := s.prs[id]
	if p == nil {
		return emptyStatus(http.StatusNotFound)
	}
	data, err := c.deserializeObject()
	if err != nil {
		return err
	}
	next := p.clone()
	bad := false
	for _, f := range []string{"store", "validation_errors"} {
		v, ok := data.get(f)
		target := &next.store
		if f == "validation_errors" {
			target = &next.validation
		}
		if !ok || v == nil {
			*target = resaveStored(*target)
			continue
		}
		text, ok := storedJSONField(v)
		if !ok {
			bad = true
		}
		*target = text
	}
	if v, ok := data.get("apikey"); ok {
		if v == nil {
			next.apikey = nil
		} else {
			k := pyStr(v)
			if utf8.RuneCountInString(k) > 256 {
				bad = true
			}
			next.apikey = &k
		}
	}
	for _, f := range []string{"size", "inodes"} {
		v, ok := data.get(f)
		if !ok || v == nil {
			continue
		}
		n, ok := pyIntValue(v)
		if !ok {
			bad = true
		}
		if f == "size" {
			next.size = n
		} else {
			next.inodes = n
		}
	}
	if !c.user.canWrite() {
		return emptyStatus(http.StatusUnauthorized)
	}
	if bad {
		return canned500()
	}
	s.prs[id] = next
	for _, jid := range s.jobsOf(id) {
		j := s.jobs[jid]
		j.config = resaveStored(j.config)
	}
	return emptyStatus(http.StatusAccepted)
}

func resultsResource() *resdef {
	res := &resdef{
		name: "results",
		fields: map[string]*fieldDef{
			"id":          {kind: kInt},
			"resultsName": {kind: kStr},
			"reportLink":  {kind: kStr},
			"status":      {kind: kStr},
			"timeStamp":   {kind: kTime},
		},
		filtering: setOf([]string{"id", "resultsName", "reportLink", "status", "timeStamp"}),
	}
	res.value = func(s *Server, id int64, field string) fval {
		r := s.results[id]
		if r == nil {
			return fval{null: true}
		}
		switch field {
		case "id":
			return intVal(r.ID)
		case "resultsName":
			return strVal(r.Name)
		case "reportLink":
			return strVal(r.ReportLink)
		case "status":
			return strVal(r.Status)
		case "timeStamp":
			return timeVal(r.TimeStamp)
		}
		return fval{null: true}
	}
	return res
}

func userResource() *resdef {
	res := &resdef{
		name:      "user",
		fields:    map[string]*fieldDef{"id": {kind: kInt}, "username": {kind: kStr}},
		filtering: setOf([]string{"id", "username"}),
	}
	res.value = func(s *Server, id int64, field string) fval {
		u := s.users[id]
		if u == nil {
			return fval{null: true}
		}
		if field == "id" {
			return intVal(u.ID)
		}
		return strVal(u.Username)
	}
	return res
}
