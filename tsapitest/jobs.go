package tsapitest

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"path"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// jobWrite is a write of one job between tastypie's hydration and the
// model's save.
type jobWrite struct {
	obj    *jobRec // the object with the written fields applied
	target int64   // the row the save writes (0: a new row)
	bad    bool    // a value the database refuses, or an id it cannot read (500)
}

// hydrateJob applies data to a copy of base (nil for a new object) as
// tastypie's full_hydrate does: a field absent from data keeps its value, a
// null for a non-nullable field is ignored. A datetime that does not parse
// is a 400 here; every other bad value fails later, in save (500).
func hydrateJob(base *jobRec, data map[string]json.RawMessage) (*jobWrite, error) {
	obj := &jobRec{}
	if base != nil {
		obj = base.clone()
	}
	w := &jobWrite{obj: obj, target: obj.ID}
	for i, dst := range []**time.Time{&obj.StartTime, &obj.EndTime} {
		f := []string{"starttime", "endtime"}[i]
		raw, ok := data[f]
		if !ok {
			continue
		}
		switch v := anyOf(raw).(type) {
		case string:
			t, ok := parseTime(v)
			if !ok {
				if t2, err := time.Parse(time.RFC3339Nano, v); err == nil {
					t, ok = t2.UTC(), true
				}
			}
			switch {
			case v == "":
				*dst = nil
			case !ok:
				return nil, badRequest(fmt.Sprintf("Datetime provided to '%s' field doesn't appear to be a valid datetime string: '%s'", f, v))
			default:
				*dst = ptr(t.Truncate(time.Microsecond))
			}
		case nil:
			*dst = nil
		default:
			if truthy(v) {
				return nil, badRequest(fmt.Sprintf("Datetime provided to '%s' field must be a string: %s", f, pyStr(v)))
			}
			w.bad = true // a falsy non-string: the database refuses it
		}
	}
	if raw, ok := data["grid_engine_jobid"]; ok {
		v := anyOf(raw)
		n, ok := intValue(v)
		switch {
		case v == nil:
			obj.GridEngineJobID = nil
		case ok && n >= math.MinInt32 && n <= math.MaxInt32:
			obj.GridEngineJobID = ptr(n)
		default:
			w.bad = true
		}
	}
	for f, dst := range map[string]*string{"state": &obj.State, "run_level": &obj.RunLevel} {
		if v := anyOf(data[f]); v != nil {
			*dst = pyStr(v)
			w.bad = w.bad || utf8.RuneCountInString(*dst) > 20 // varchar(20)
		}
	}
	if raw, ok := data["config"]; ok && anyOf(raw) != nil {
		text, ok := stored(raw)
		obj.config, w.bad = text, w.bad || !ok
	} else {
		obj.config = decimals(obj.config) // saved again: its decimals become strings
	}
	if v := anyOf(data["id"]); v != nil {
		n, ok := intValue(v)
		w.bad = w.bad || !ok
		if ok && n != 0 {
			w.target, obj.ID = n, n
		}
	}
	return w, nil
}

// intValue is int(value) for a decoded JSON value, as Django's
// IntegerField does when saving.
func intValue(v any) (int64, bool) {
	switch x := v.(type) {
	case bool:
		return int64(boolInt(x)), true
	case json.Number:
		if n, err := x.Int64(); err == nil {
			return n, true
		}
		f, err := x.Float64()
		return int64(f), err == nil && !isInt(x) && math.Abs(f) < 1<<62
	case string:
		n, err := pyInt(x)
		return n, err == nil
	}
	return 0, false
}

// saveJob is the model's save() after tastypie's authorization check:
// Torrent Suite's PluginResultJob.save stamps starttime when the state
// becomes Started and endtime when it becomes a terminal state (and then
// recounts the plugin result's disk usage: 0 bytes in 0 files here). It
// reads the row first, so saving to an id that does not exist is a 404.
// isNew says the object was built from the body alone (obj_create): the
// real server cannot save it without a parent, unless WithJobCreate.
func (s *Server) saveJob(w *jobWrite, isNew bool) (id int64, created bool, err error) {
	create := s.cfg.jobCreate
	if w.bad || w.target < 0 {
		return 0, false, canned500()
	}
	obj := w.obj
	old := s.jobs[w.target]
	switch {
	case w.target != 0 && old == nil && !create:
		return 0, false, canned(http.StatusNotFound) // DoesNotExist in save()
	case isNew && !create:
		return 0, false, canned500() // IntegrityError: no plugin_result
	case old != nil && old.State != obj.State:
		now := s.now()
		if obj.State == "Started" {
			obj.StartTime = &now
		} else if slices.Contains(completedStates, obj.State) {
			obj.EndTime = &now
			if pr := s.prs[obj.PluginResult]; pr != nil {
				pr.size, pr.inodes = 0, 0
			}
		}
	}
	obj.ID = w.target
	if old == nil {
		obj.ID = s.allocID("job", w.target, false)
	}
	s.jobs[obj.ID] = obj
	return obj.ID, old == nil, nil
}

// jobByPK finds the job of a detail URL (nil when there is none): a pk
// that is not an integer is tastypie's NotFound.
func (c *call) jobByPK(pk string) (*jobRec, error) {
	id, err := pyInt(pk)
	if err != nil {
		return nil, canned(http.StatusNotFound)
	}
	return c.s.jobs[id], nil
}

// patchJob is tastypie's patch_detail (202, no body).
func (c *call) patchJob() error {
	job, err := c.jobByPK(c.pk)
	if err != nil {
		return err
	}
	if job == nil {
		return emptyStatus(http.StatusNotFound)
	}
	data, err := c.object()
	if err != nil {
		return err
	}
	if err := c.updateJob(job, data); err != nil {
		return err
	}
	return emptyStatus(http.StatusAccepted)
}

// updateJob is tastypie's update_in_place: hydrated, authorized, saved.
func (c *call) updateJob(job *jobRec, data map[string]json.RawMessage) error {
	w, err := hydrateJob(job, data)
	if err != nil {
		return err
	}
	if !canWrite(c.user) {
		return emptyStatus(http.StatusUnauthorized)
	}
	_, _, err = c.s.saveJob(w, false)
	return err
}

// createJob is obj_create for one job; the parent may be named in
// "plugin_result" (an id or a URI) with WithJobCreate.
func (c *call) createJob(data map[string]json.RawMessage, pk string) (int64, bool, error) {
	w, err := hydrateJob(nil, data)
	if err != nil {
		return 0, false, err
	}
	if !canWrite(c.user) {
		return 0, false, emptyStatus(http.StatusUnauthorized)
	}
	if pk != "" {
		id, err := pyInt(pk)
		if err != nil {
			return 0, false, canned500() // the model cannot read the pk
		}
		if _, hasID := data["id"]; !hasID {
			w.target, w.obj.ID = id, id
		}
	}
	parent := anyOf(data["plugin_result"])
	if v, ok := parent.(string); ok {
		parent = path.Base(strings.TrimSuffix(v, "/")) // "/rundb/api/v1/pluginresult/3/" or "3"
	}
	if n, ok := intValue(parent); ok && c.s.prs[n] != nil && c.s.cfg.jobCreate {
		w.obj.PluginResult = n
	}
	return c.s.saveJob(w, true)
}

// putJob is tastypie's put_detail: an existing job is updated (204); a
// missing one would be created (201 + Location), which the Torrent
// Server's save() refuses (404), unless WithJobCreate.
func (c *call) putJob() error {
	data, err := c.object()
	if err != nil {
		return err
	}
	job, lookupErr := c.jobByPK(c.pk)
	if lookupErr == nil && job != nil {
		if err := c.updateJob(job, data); err != nil {
			return err
		}
		return emptyStatus(http.StatusNoContent)
	}
	id, created, err := c.createJob(data, c.pk)
	if err != nil {
		return err
	}
	if !created {
		return emptyStatus(http.StatusNoContent)
	}
	c.w.header.Set("Location", c.absolute(uri("PluginResultJob", id)))
	return emptyStatus(http.StatusCreated)
}

// postJob is tastypie's post_list: a 500 on the Torrent Server, which
// cannot set the job's parent; WithJobCreate creates the job (201 +
// Location).
func (c *call) postJob() error {
	data, err := c.object()
	if err != nil {
		return err
	}
	id, _, err := c.createJob(data, "")
	if err != nil {
		return err
	}
	c.w.header.Set("Location", c.absolute(uri("PluginResultJob", id)))
	return emptyStatus(http.StatusCreated)
}

// patchJobList is tastypie's patch_list, atomic (202, no body): objects
// with a resource_uri update that job (or create one when it does not
// exist); others create; deleted_objects are deleted.
func (c *call) patchJobList() error {
	body, err := c.decode()
	if err != nil {
		return err
	}
	if _, ok := body["objects"]; !ok {
		return badRequest("Invalid data sent: missing 'objects'")
	}
	var objs []map[string]json.RawMessage
	var dels []any
	if json.Unmarshal(body["objects"], &objs) != nil || json.Unmarshal(body["deleted_objects"], &dels) != nil && body["deleted_objects"] != nil {
		return canned500()
	}
	jobs, prs, next := c.s.snapshot()
	if err := c.bulkJobs(objs, dels); err != nil {
		c.s.jobs, c.s.prs, c.s.nextID["job"] = jobs, prs, next
		return err
	}
	return emptyStatus(http.StatusAccepted)
}

func (c *call) bulkJobs(objs []map[string]json.RawMessage, dels []any) error {
	for _, data := range objs {
		if raw, has := data["resource_uri"]; has {
			delete(data, "resource_uri")
			job, err := c.jobByURI(anyOf(raw))
			if err != nil {
				return err
			}
			if job != nil {
				if err := c.updateJob(job, data); err != nil {
					return err
				}
				continue
			}
		}
		if _, _, err := c.createJob(data, ""); err != nil {
			return err
		}
	}
	for _, u := range dels {
		job, err := c.jobByURI(u)
		switch {
		case err != nil:
			return err
		case job == nil:
			return canned(http.StatusNotFound) // DoesNotExist: not caught there
		case !canWrite(c.user):
			return emptyStatus(http.StatusUnauthorized)
		}
		delete(c.s.jobs, job.ID)
	}
	return nil
}

// snapshot copies the jobs and plugin results, to make a request atomic.
func (s *Server) snapshot() (map[int64]*jobRec, map[int64]*prRec, int64) {
	jobs, prs := map[int64]*jobRec{}, map[int64]*prRec{}
	for id, j := range s.jobs {
		jobs[id] = j.clone()
	}
	for id, p := range s.prs {
		prs[id] = p.clone()
	}
	return jobs, prs, s.nextID["job"]
}

// jobByURI is tastypie's get_via_uri: nil (and no error) when the URI
// names a job that does not exist.
func (c *call) jobByURI(v any) (*jobRec, error) {
	u, ok := v.(string)
	if !ok {
		return nil, canned500()
	}
	i := strings.Index(u, "PluginResultJob/")
	if i < 0 || !strings.HasSuffix(u, "/") {
		return nil, canned(http.StatusNotFound)
	}
	return c.jobByPK(strings.TrimSuffix(u[i+len("PluginResultJob/"):], "/"))
}

// putJobList is tastypie's put_list: it deletes EVERY job matching the
// query (unknown filters ignored), then creates the objects; not atomic. A
// user without the permission deletes nothing.
func (c *call) putJobList() error {
	body, err := c.decode()
	if err != nil {
		return err
	}
	var objs []map[string]json.RawMessage
	if _, ok := body["objects"]; !ok {
		return badRequest("Invalid data sent.")
	}
	if json.Unmarshal(body["objects"], &objs) != nil {
		return canned500()
	}
	rows, _, _, err := c.query(false)
	if err != nil {
		return err
	}
	if canWrite(c.user) {
		for _, id := range rows {
			delete(c.s.jobs, id)
		}
	}
	var created []int64
	var ae *apiError
	for _, data := range objs {
		id, _, err := c.createJob(data, "")
		if errors.As(err, &ae) && ae.status == http.StatusUnauthorized {
			for _, id := range created { // rollback on ImmediateHttpResponse
				delete(c.s.jobs, id)
			}
		}
		if err != nil {
			return err
		}
		created = append(created, id)
	}
	return emptyStatus(http.StatusNoContent)
}
