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

// hydrateJob applies data to a copy of base (nil for a new object) as
// tastypie's full_hydrate does: a field absent from data keeps its value, a
// null for a non-nullable field is ignored. A datetime that does not parse
// is a 400 here; every other bad value (a value the database refuses, an id
// it cannot read) sets bad, and fails later, in the save (500).
func hydrateJob(base *jobRec, data map[string]json.RawMessage) (*jobRec, bool, error) {
	obj, bad := &jobRec{}, false
	if base != nil {
		obj = base.clone()
	}
	for i, dst := range []**time.Time{&obj.StartTime, &obj.EndTime} {
		f := []string{"starttime", "endtime"}[i]
		raw, ok := data[f]
		if !ok {
			continue
		}
		v := anyOf(raw)
		str, isStr := v.(string)
		t, err := time.Parse(time.RFC3339Nano, str)
		if dt, ok := parseTime(str); ok { // Django's format first
			t, err = dt, nil
		}
		switch {
		case v == nil || isStr && str == "":
			*dst = nil
		case !isStr && truthy(v):
			return nil, false, badRequest(fmt.Sprintf("Datetime provided to '%s' field must be a string: %s", f, pyStr(v)))
		case !isStr:
			bad = true // a falsy non-string: the database refuses it
		case err != nil:
			return nil, false, badRequest(fmt.Sprintf("Datetime provided to '%s' field doesn't appear to be a valid datetime string: '%s'", f, str))
		default:
			*dst = ptr(t.UTC().Truncate(time.Microsecond))
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
			bad = true
		}
	}
	for f, dst := range map[string]*string{"state": &obj.State, "run_level": &obj.RunLevel} {
		if v := anyOf(data[f]); v != nil {
			*dst = pyStr(v)
			bad = bad || utf8.RuneCountInString(*dst) > 20 // varchar(20)
		}
	}
	if raw := data["config"]; anyOf(raw) != nil {
		text, ok := stored(raw)
		obj.config, bad = text, bad || !ok
	} else {
		obj.config = decimals(obj.config) // saved again: its decimals become strings
	}
	if v := anyOf(data["id"]); v != nil {
		n, ok := intValue(v)
		bad = bad || !ok
		if ok && n != 0 {
			obj.ID = n
		}
	}
	return obj, bad, nil
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

// writeJob is tastypie's update_in_place of job, or obj_create when job is
// nil (pk: the id in a PUT's URL, used when the body has none), then the
// model's save(); it returns the row's id and whether obj_create made it.
// Torrent Suite's PluginResultJob.save stamps starttime when the state
// becomes Started and endtime when it becomes a terminal state (and then
// recounts the plugin result's disk usage: 0 bytes in 0 files here). It
// reads the row first, so saving to an id that does not exist is a 404.
// The real server cannot save a new job, which has no parent; with
// WithJobCreate, "plugin_result" (an id or a URI) names it.
func (c *call) writeJob(job *jobRec, data map[string]json.RawMessage, pk string) (int64, bool, error) {
	s := c.s
	obj, bad, err := hydrateJob(job, data)
	if err != nil {
		return 0, false, err
	}
	if !canWrite(c.user) {
		return 0, false, emptyStatus(http.StatusUnauthorized)
	}
	if job == nil {
		if pk != "" {
			n, err := pyInt(pk)
			bad = bad || err != nil // the model cannot read the pk
			if _, hasID := data["id"]; !hasID {
				obj.ID = n
			}
		}
		parent := anyOf(data["plugin_result"])
		if v, ok := parent.(string); ok {
			parent = path.Base(strings.TrimSuffix(v, "/")) // "/rundb/api/v1/pluginresult/3/" or "3"
		}
		if n, ok := intValue(parent); ok && s.prs[n] != nil {
			obj.PluginResult = n
		}
	}
	old := s.jobs[obj.ID]
	switch {
	case bad || obj.ID < 0:
		return 0, false, canned500()
	case obj.ID != 0 && old == nil && !s.cfg.jobCreate:
		return 0, false, canned(http.StatusNotFound) // DoesNotExist in save()
	case job == nil && !s.cfg.jobCreate:
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
	if old == nil {
		obj.ID = s.allocID("job", obj.ID, false)
	}
	s.jobs[obj.ID] = obj
	return obj.ID, job == nil && old == nil, nil
}

// patchJob is tastypie's patch_detail (202, no body).
func (c *call) patchJob() error {
	id, data, err := c.detailWrite()
	if err != nil {
		return err
	}
	if _, _, err := c.writeJob(c.s.jobs[id], data, ""); err != nil {
		return err
	}
	return emptyStatus(http.StatusAccepted)
}

// putJob is tastypie's put_detail: an existing job is updated (204); a
// missing one would be created (201 + Location), which the Torrent
// Server's save() refuses (404), unless WithJobCreate.
func (c *call) putJob() error { return c.putOrPostJob(true) }

// postJob is tastypie's post_list: a 500 on the Torrent Server, which
// cannot set the job's parent; WithJobCreate creates the job (201 +
// Location).
func (c *call) postJob() error { return c.putOrPostJob(false) }

// putOrPostJob writes the body of a PUT or a POST; a PUT answers 204
// unless it makes a new row.
func (c *call) putOrPostJob(put bool) error {
	data, err := c.object()
	if err != nil {
		return err
	}
	var job *jobRec
	if id, err := c.lookup(c.pk); err == nil { // a list URL has no pk
		job = c.s.jobs[id]
	}
	id, created, err := c.writeJob(job, data, c.pk)
	switch {
	case err != nil:
		return err
	case put && !created:
		return emptyStatus(http.StatusNoContent)
	}
	c.w.header.Set("Location", c.absolute(uri("PluginResultJob", id)))
	return emptyStatus(http.StatusCreated)
}

// patchJobList is tastypie's patch_list, atomic (202, no body): objects
// with a resource_uri update that job (or create one when it does not
// exist); others create; deleted_objects are deleted.
func (c *call) patchJobList() error {
	objs, dels, err := c.patchListBody()
	if err != nil {
		return err
	}
	restore := c.s.snapshot()
	if err := c.bulkJobs(objs, dels); err != nil {
		restore()
		return err
	}
	return emptyStatus(http.StatusAccepted)
}

// bulkJobs writes patch_list's objects, then deletes its deleted_objects.
func (c *call) bulkJobs(objs []map[string]json.RawMessage, dels []json.RawMessage) error {
	for _, data := range objs {
		job, err := c.jobByURI(data["resource_uri"])
		if err != nil {
			return err
		}
		if _, _, err := c.writeJob(job, data, ""); err != nil {
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

// snapshot copies the jobs and plugin results, to make a request atomic:
// restore puts the copy back.
func (s *Server) snapshot() (restore func()) {
	jobs, prs, next := map[int64]*jobRec{}, map[int64]*prRec{}, s.nextID["job"]
	for id, j := range s.jobs {
		jobs[id] = j.clone()
	}
	for id, p := range s.prs {
		prs[id] = p.clone()
	}
	return func() { s.jobs, s.prs, s.nextID["job"] = jobs, prs, next }
}

// jobByURI is tastypie's get_via_uri: nil (and no error) when the URI is
// absent (raw is nil) or names a job that does not exist.
func (c *call) jobByURI(raw json.RawMessage) (*jobRec, error) {
	u, ok := anyOf(raw).(string)
	_, pk, found := strings.Cut(u, "PluginResultJob/")
	id, err := pyInt(strings.TrimSuffix(pk, "/"))
	switch {
	case raw == nil:
		return nil, nil
	case !ok:
		return nil, canned500()
	case !found || !strings.HasSuffix(u, "/") || err != nil:
		return nil, canned(http.StatusNotFound) // a pk that is not an integer too
	}
	return c.s.jobs[id], nil
}

// putJobList is tastypie's put_list: it deletes EVERY job matching the
// query as delete_list does, then creates the objects; not atomic.
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
	var ae *apiError
	if err := c.delete(true); !errors.As(err, &ae) || ae.status != http.StatusNoContent {
		return err // delete_list answers 204 once it has deleted
	}
	// tastypie rolls the objects created back on a 401, which can only
	// come with the first object: there is nothing to undo.
	for _, data := range objs {
		if _, _, err := c.writeJob(nil, data, ""); err != nil {
			return err
		}
	}
	return emptyStatus(http.StatusNoContent)
}
