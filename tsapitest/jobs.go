package tsapitest

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// runningStates and the rest: Torrent Suite's RUNNING_STATES and
// COMPLETED_STATES.
var completedStates = map[string]bool{
	"Completed": true, "Error": true, "Declined": true, "Unknown": true, "Resource": true,
	"Timed Out": true, "Cancelled": true, "Archived": true,
}

var runningStates = map[string]bool{"Pending": true, "Queued": true, "Started": true}

func init() { resources["PluginResultJob"] = jobResource() }

func jobResource() *resdef {
	res := &resdef{
		name: "PluginResultJob",
		fields: map[string]*fieldDef{
			"id":                {kind: kInt, typ: typeInt, blank: true, unique: true, help: helpInt, def: ""},
			"grid_engine_jobid": {kind: kInt, typ: typeInt, nullable: true, help: helpInt, def: noDefault},
			"state":             {kind: kStr, typ: typeStr, help: helpStr, def: noDefault},
			"starttime":         {kind: kTime, typ: typeTime, nullable: true, help: helpTime, def: noDefault},
			"endtime":           {kind: kTime, typ: typeTime, nullable: true, help: helpTime, def: noDefault},
			"config":            {kind: kText, typ: typeStr, blank: true, help: helpStr, def: ""},
			"run_level":         {kind: kStr, typ: typeStr, help: helpStr, def: noDefault},
			"resource_uri":      {kind: kStr, typ: typeStr, readonly: true, help: helpStr, def: noDefault, noAttr: true},
		},
		// Torrent Suite: field_dict(PluginResultJob._meta.get_all_field_names()),
		// which names the parent too; it is not a resource field, so
		// ?plugin_result= is silently ignored.
		filteringList: []string{"config", "endtime", "grid_engine_jobid", "id", "plugin_result", "run_level", "starttime", "state"},
		deleteAllowed: true,
	}
	res.filtering = setOf(res.filteringList)
	res.ids = func(s *Server) []int64 { return sortedIDs(s.jobs) }
	res.value = func(s *Server, id int64, field string) fval {
		j := s.jobs[id]
		if j == nil {
			return fval{null: true}
		}
		return j.value(field)
	}
	res.rows = simpleRows(res)
	res.dehydrate = func(s *Server, id int64) map[string]any { return s.jobs[id].dehydrate() }
	res.remove = func(s *Server, id int64) { delete(s.jobs, id) }
	res.postList = (*call).postJob
	res.putList = (*call).putJobList
	res.patchList = (*call).patchJobList
	res.putDetail = (*call).putJob
	res.patchDetail = (*call).patchJob
	return res
}

func setOf(names []string) map[string]bool {
	m := map[string]bool{}
	for _, n := range names {
		m[n] = true
	}
	return m
}

func (j *jobRec) value(field string) fval {
	switch field {
	case "id":
		return intVal(j.id)
	case "grid_engine_jobid":
		return intPtrVal(j.grid)
	case "state":
		return strVal(j.state)
	case "starttime":
		return timePtrVal(j.start)
	case "endtime":
		return timePtrVal(j.end)
	case "config":
		return strVal(j.config)
	case "run_level":
		return strVal(j.runLevel)
	}
	return fval{null: true}
}

// dehydrate is the job's JSON, as PluginResultJobResource writes it.
func (j *jobRec) dehydrate() map[string]any {
	return map[string]any{
		"id":                j.id,
		"grid_engine_jobid": j.grid,
		"state":             j.state,
		"starttime":         j.start,
		"endtime":           j.end,
		"config":            fromStored(loadStored(j.config)),
		"run_level":         j.runLevel,
		"resource_uri":      resources["PluginResultJob"].uri(j.id),
	}
}

// deserialize is tastypie's deserialize with the Torrent Server's
// formats: a body that is not JSON is a 500, malformed JSON 400
// {"error": ""}.
func (c *call) deserialize() (any, error) {
	format := "application/json"
	if ct, ok := c.r.Header["Content-Type"]; ok && len(ct) > 0 {
		format = ct[0]
	}
	format, _, _ = strings.Cut(format, ";")
	if format != "application/json" {
		return nil, canned500() // UnsupportedFormat
	}
	if !utf8.Valid(c.body) {
		return nil, canned500()
	}
	v, err := parseJSON(c.body)
	if err != nil {
		return nil, badRequest("")
	}
	return v, nil
}

// deserializeObject deserializes a body that must be a JSON object.
func (c *call) deserializeObject() (*jobj, error) {
	v, err := c.deserialize()
	if err != nil {
		return nil, err
	}
	o, ok := v.(*jobj)
	if !ok {
		return nil, canned500()
	}
	return o, nil
}

// jobWrite is a write of one job between tastypie's hydration and the
// model's save.
type jobWrite struct {
	obj    *jobRec // the object with the written fields applied
	target int64   // the row the save writes (0: a new row)
	idErr  bool    // an "id" Django cannot read
	errs   bool    // a value the database refuses (500)
}

// hydrateJob applies data to a copy of base (nil for a new object) as
// tastypie's full_hydrate does: a field absent from data keeps its value, a
// null for a non-nullable field is ignored. A datetime that does not parse
// is a 400 here; every other bad value fails later, in save (500).
func (s *Server) hydrateJob(base *jobRec, data *jobj) (*jobWrite, error) {
	obj := &jobRec{}
	if base != nil {
		obj = base.clone()
	}
	w := &jobWrite{obj: obj, target: obj.id}
	for _, f := range []string{"starttime", "endtime"} {
		v, ok := data.get(f)
		if !ok {
			continue
		}
		t, err := hydrateTime(f, v)
		if err != nil {
			return nil, err
		}
		switch {
		case t != nil:
			tt := t.UTC().Truncate(time.Microsecond)
			if f == "starttime" {
				obj.start = &tt
			} else {
				obj.end = &tt
			}
		case v == nil:
			if f == "starttime" {
				obj.start = nil
			} else {
				obj.end = nil
			}
		default:
			w.errs = true // a falsy non-string: the database refuses it
		}
	}
	if v, ok := data.get("grid_engine_jobid"); ok {
		if v == nil {
			obj.grid = nil
		} else if n, ok := pyIntValue(v); ok && n >= math.MinInt32 && n <= math.MaxInt32 {
			obj.grid = ptr(n)
		} else {
			w.errs = true
		}
	}
	for _, f := range []string{"state", "run_level"} {
		v, ok := data.get(f)
		if !ok || v == nil {
			continue
		}
		str := pyStr(v)
		if utf8.RuneCountInString(str) > 20 {
			w.errs = true // varchar(20)
		}
		if f == "state" {
			obj.state = str
		} else {
			obj.runLevel = str
		}
	}
	if v, ok := data.get("config"); ok && v != nil {
		text, ok := storedJSONField(v)
		if !ok {
			w.errs = true
		}
		obj.config = text
	} else if base != nil {
		// The object's config is saved again: its Decimals become strings.
		obj.config = resaveStored(obj.config)
	}
	if v, ok := data.get("id"); ok && v != nil {
		n, ok := pyIntValue(v)
		switch {
		case !ok:
			w.idErr = true
		case n != 0:
			w.target = n
			obj.id = n
		}
	}
	return w, nil
}

// storedJSONField is what Torrent Suite's JSONField stores for a value
// assigned to it: a dict is dumped, a string is parsed first (not JSON:
// {}), anything empty is "". ok is false when the save would fail.
func storedJSONField(v any) (string, bool) {
	switch x := v.(type) {
	case *jobj:
		if len(x.keys) == 0 {
			return "", true
		}
		return dumpStored(x, false), true
	case string:
		if x == "" {
			return "", true
		}
		p, err := parseJSON([]byte(x))
		if err != nil {
			return "", true
		}
		o, isObj := p.(*jobj)
		if !isObj {
			return "", false // AssertionError
		}
		if len(o.keys) == 0 {
			return "", true
		}
		return dumpStored(o, true), true
	case []any:
		return "", len(x) == 0
	case bool:
		return "", !x
	case jnum:
		f, err := strconv.ParseFloat(string(x), 64)
		return "", err == nil && f == 0
	}
	return "", false
}

// resaveStored is a JSON column read and saved again.
func resaveStored(text string) string {
	o := loadStored(text)
	if len(o.keys) == 0 {
		return ""
	}
	return dumpStored(o, true)
}

// pyIntValue is int(value) for a decoded JSON value, as Django's
// IntegerField does when saving.
func pyIntValue(v any) (int64, bool) {
	switch x := v.(type) {
	case bool:
		if x {
			return 1, true
		}
		return 0, true
	case jnum:
		if isIntLiteral(x) {
			n, err := strconv.ParseInt(normInt(x), 10, 64)
			return n, err == nil
		}
		f, err := strconv.ParseFloat(string(x), 64)
		if err != nil || math.IsInf(f, 0) || math.Abs(f) > 1<<62 {
			return 0, false
		}
		return int64(f), true
	case string:
		n, err := pyInt(x)
		return n, err == nil
	}
	return 0, false
}

// hydrateTime is tastypie's DateTimeField.hydrate for a client's value.
func hydrateTime(field string, v any) (*time.Time, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case time.Time:
		return &x, nil
	case string:
		if x == "" {
			return nil, nil
		}
		t, ok := parseFilterTime(x)
		if !ok {
			if t2, err := time.Parse(time.RFC3339Nano, x); err == nil {
				t, ok = t2, true
			}
		}
		if !ok {
			return nil, badRequest(fmt.Sprintf("Datetime provided to '%s' field doesn't appear to be a valid datetime string: '%s'", field, x))
		}
		return &t, nil
	}
	if !pyTruth2(v) {
		return nil, nil
	}
	return nil, badRequest(fmt.Sprintf("Datetime provided to '%s' field must be a string: %s", field, pyStr(v)))
}

// pyTruth2 is Python's truth of a decoded JSON value.
func pyTruth2(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	case string:
		return x != ""
	case jnum:
		f, _ := strconv.ParseFloat(string(x), 64)
		return f != 0
	case []any:
		return len(x) > 0
	case *jobj:
		return len(x.keys) > 0
	}
	return true
}

// saveJob is the model's save() after tastypie's authorization check:
// Torrent Suite's PluginResultJob.save stamps starttime when the state
// becomes Started and endtime when it becomes a terminal state (and then
// recounts the plugin result's disk usage: 0 bytes in 0 files here). It
// reads the row first, so saving to an id that does not exist is a 404.
// create allows a new row (WithJobCreate).
// isNew says the object was built from the body alone (obj_create): the
// real server cannot save it without a parent.
func (s *Server) saveJob(w *jobWrite, create, isNew bool) (int64, bool, error) {
	if w.idErr || w.errs || w.target < 0 {
		return 0, false, canned500()
	}
	obj := w.obj
	created := false
	if w.target != 0 {
		old := s.jobs[w.target]
		if old == nil && !create {
			return 0, false, canned404() // DoesNotExist in save()
		}
		if old != nil && old.state != obj.state {
			s.stampJob(obj)
		}
		if isNew && !create {
			return 0, false, canned500() // IntegrityError: no plugin_result
		}
		created = old == nil
	} else {
		if !create {
			return 0, false, canned500() // IntegrityError: no plugin_result
		}
		created = true
	}
	if created {
		obj.id = s.allocID("job", w.target, false)
	} else {
		obj.id = w.target
	}
	s.jobs[obj.id] = obj
	return obj.id, created, nil
}

func (s *Server) stampJob(obj *jobRec) {
	now := s.now()
	switch {
	case obj.state == "Started":
		obj.start = &now
	case completedStates[obj.state]:
		obj.end = ptr(now)
		if pr := s.prs[obj.pr]; pr != nil {
			pr.size, pr.inodes = 0, 0
		}
	}
}

// jobByPK finds the job of a detail URL: a pk that is not an integer is
// tastypie's NotFound (404 with the canned body).
func (c *call) jobByPK(pk string) (*jobRec, error) {
	id, err := pyInt(pk)
	if err != nil {
		return nil, canned404()
	}
	return c.s.jobs[id], nil
}

// patchJob is PATCH on a job's URL: tastypie's patch_detail (202, no
// body).
func (c *call) patchJob() error {
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	job, err := c.jobByPK(c.pk)
	if err != nil {
		return err
	}
	if job == nil {
		return emptyStatus(http.StatusNotFound)
	}
	data, err := c.deserializeObject()
	if err != nil {
		return err
	}
	if err := c.updateJobInPlace(job, data); err != nil {
		return err
	}
	return emptyStatus(http.StatusAccepted)
}

// updateJobInPlace is tastypie's update_in_place: the object's current
// data updated with the client's, hydrated, authorized, saved. (Hydrating
// a field with its own current value changes nothing, so only the
// client's fields are applied.)
func (c *call) updateJobInPlace(job *jobRec, data *jobj) error {
	s := c.s
	w, err := s.hydrateJob(job, data)
	if err != nil {
		return err
	}
	if !c.user.canWrite() {
		return emptyStatus(http.StatusUnauthorized)
	}
	_, _, err = s.saveJob(w, false, false)
	return err
}

// putJob is PUT on a job's URL: tastypie's put_detail. An existing job is
// updated (204); a missing one would be created (201 + Location) but the
// Torrent Server's save() refuses (404), unless WithJobCreate.
func (c *call) putJob() error {
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	data, err := c.deserializeObject()
	if err != nil {
		return err
	}
	job, lookupErr := c.jobByPK(c.pk)
	if lookupErr == nil && job != nil {
		w, err := s.hydrateJob(job, data)
		if err != nil {
			return err
		}
		if !c.user.canWrite() {
			return emptyStatus(http.StatusUnauthorized)
		}
		if _, _, err := s.saveJob(w, false, false); err != nil {
			return err
		}
		return emptyStatus(http.StatusNoContent)
	}
	// obj_create with the URL's pk.
	w, err := s.hydrateJob(nil, data)
	if err != nil {
		return err
	}
	if !c.user.canWrite() {
		return emptyStatus(http.StatusUnauthorized)
	}
	if lookupErr != nil {
		return canned500() // the model cannot read the pk
	}
	if _, hasID := data.get("id"); !hasID {
		id, _ := pyInt(c.pk)
		w.target, w.obj.id = id, id
	}
	w.obj.pr = c.parentFromBody(data)
	id, created, err := s.saveJob(w, s.cfg.jobCreate, true)
	if err != nil {
		return err
	}
	if created {
		c.w.header.Set("Location", c.absolute(resources["PluginResultJob"].uri(id)))
		return emptyStatus(http.StatusCreated)
	}
	return emptyStatus(http.StatusNoContent)
}

// parentFromBody reads "plugin_result" (an id or a URI) for WithJobCreate.
func (c *call) parentFromBody(data *jobj) int64 {
	if !c.s.cfg.jobCreate {
		return 0
	}
	v, ok := data.get("plugin_result")
	if !ok {
		return 0
	}
	if s, isStr := v.(string); isStr && strings.Contains(s, "/") {
		parts := strings.Split(strings.Trim(s, "/"), "/")
		v = parts[len(parts)-1]
	}
	n, ok := pyIntValue(v)
	if !ok || c.s.prs[n] == nil {
		return 0
	}
	return n
}

// postJob is POST on the list URL: tastypie's post_list. The Torrent
// Server cannot set the job's parent and answers 500; WithJobCreate
// creates the job (201 + Location).
func (c *call) postJob() error {
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	data, err := c.deserializeObject()
	if err != nil {
		return err
	}
	id, err := c.createJob(data)
	if err != nil {
		return err
	}
	c.w.header.Set("Location", c.absolute(resources["PluginResultJob"].uri(id)))
	return emptyStatus(http.StatusCreated)
}

// createJob is obj_create for one job.
func (c *call) createJob(data *jobj) (int64, error) {
	s := c.s
	w, err := s.hydrateJob(nil, data)
	if err != nil {
		return 0, err
	}
	if !c.user.canWrite() {
		return 0, emptyStatus(http.StatusUnauthorized)
	}
	w.obj.pr = c.parentFromBody(data)
	id, _, err := s.saveJob(w, s.cfg.jobCreate, true)
	return id, err
}

// snapshot and restore make a request atomic.
type snapshot struct {
	jobs map[int64]*jobRec
	prs  map[int64]*prRec
	next int64
}

func (s *Server) snapshot() snapshot {
	sn := snapshot{jobs: make(map[int64]*jobRec, len(s.jobs)), prs: make(map[int64]*prRec, len(s.prs)), next: s.nextID["job"]}
	for id, j := range s.jobs {
		sn.jobs[id] = j.clone()
	}
	for id, p := range s.prs {
		sn.prs[id] = p.clone()
	}
	return sn
}

func (s *Server) restore(sn snapshot) {
	s.jobs, s.prs = sn.jobs, sn.prs
	s.nextID["job"] = sn.next
}

// patchJobList is a bulk PATCH on the list URL: tastypie's patch_list,
// atomic (202, no body). Objects with a resource_uri update that job (or
// create one when it does not exist); others create; deleted_objects are
// deleted.
func (c *call) patchJobList() error {
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	v, err := c.deserialize()
	if err != nil {
		return err
	}
	body, ok := v.(*jobj)
	if !ok {
		return badRequest("Invalid data sent: missing 'objects'")
	}
	objsV, ok := body.get("objects")
	if !ok {
		return badRequest("Invalid data sent: missing 'objects'")
	}
	objs, _ := objsV.([]any)
	sn := s.snapshot()
	if err := c.bulkJobs(objs, body); err != nil {
		s.restore(sn)
		return err
	}
	return emptyStatus(http.StatusAccepted)
}

func (c *call) bulkJobs(objs []any, body *jobj) error {
	s := c.s
	for _, ov := range objs {
		data, ok := ov.(*jobj)
		if !ok {
			return canned500()
		}
		data = data.clone()
		if uriV, has := data.get("resource_uri"); has {
			data.del("resource_uri")
			job, err := c.jobByURI(uriV)
			if err != nil {
				return err
			}
			if job != nil {
				if err := c.updateJobInPlace(job, data); err != nil {
					return err
				}
				continue
			}
		}
		if _, err := c.createJob(data); err != nil {
			return err
		}
	}
	delV, _ := body.get("deleted_objects")
	dels, _ := delV.([]any)
	for _, uv := range dels {
		job, err := c.jobByURI(uv)
		if err != nil {
			return err
		}
		if job == nil {
			return canned404() // DoesNotExist: not caught there
		}
		if !c.user.canWrite() {
			return emptyStatus(http.StatusUnauthorized)
		}
		delete(s.jobs, job.id)
	}
	return nil
}

// jobByURI is tastypie's get_via_uri: nil (and no error) when the URI
// names a job that does not exist.
func (c *call) jobByURI(v any) (*jobRec, error) {
	uri, ok := v.(string)
	if !ok {
		return nil, canned500()
	}
	i := strings.Index(uri, "PluginResultJob")
	if i < 0 {
		return nil, canned404()
	}
	rt, ok := route(APIPath + uri[i:])
	if !ok || rt.kind != routeDetail {
		return nil, canned404()
	}
	return c.jobByPK(rt.pk)
}

// putJobList is PUT on the list URL: tastypie's put_list. It deletes EVERY
// job matching the query (unknown filters ignored), then creates the
// objects; not atomic. A user without the change permission deletes
// nothing.
func (c *call) putJobList() error {
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	v, err := c.deserialize()
	if err != nil {
		return err
	}
	body, ok := v.(*jobj)
	var objsV any
	if ok {
		objsV, ok = body.get("objects")
	}
	if !ok {
		return badRequest("Invalid data sent.")
	}
	rows, err := c.matching()
	if err != nil {
		return err
	}
	if c.user.canWrite() {
		for _, id := range rows {
			delete(s.jobs, id)
		}
	}
	objs, _ := objsV.([]any)
	var created []int64
	for _, ov := range objs {
		data, ok := ov.(*jobj)
		if !ok {
			return canned500()
		}
		id, err := c.createJob(data)
		if err != nil {
			var ae *apiError
			if errors.As(err, &ae) && ae.status == http.StatusUnauthorized {
				for _, id := range created { // rollback on ImmediateHttpResponse
					delete(s.jobs, id)
				}
			}
			return err
		}
		created = append(created, id)
	}
	return emptyStatus(http.StatusNoContent)
}
