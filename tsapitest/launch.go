package tsapitest

import (
	"cmp"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"slices"
	"unicode/utf8"
)

// patchPR is PATCH on a plugin result: store, apikey, size, inodes and
// validation_errors can change (202, no body). Its jobs are saved again
// with it, as Django's related manager does.
func (c *call) patchPR() error {
	s := c.s
	id, data, err := c.detailWrite()
	if err != nil {
		return err
	}
	next, bad := s.prs[id].clone(), false
	for f, dst := range map[string]*string{"store": &next.store, "validation_errors": &next.validation} {
		if raw := data[f]; anyOf(raw) != nil {
			text, ok := stored(raw)
			*dst, bad = text, bad || !ok
		} else {
			*dst = decimals(*dst)
		}
	}
	if raw, ok := data["apikey"]; ok {
		next.apikey = nil
		if v := anyOf(raw); v != nil {
			next.apikey = ptr(pyStr(v))
			bad = bad || utf8.RuneCountInString(*next.apikey) > 256
		}
	}
	for f, dst := range map[string]*int64{"size": &next.size, "inodes": &next.inodes} {
		if v := anyOf(data[f]); v != nil {
			n, ok := intValue(v)
			*dst, bad = n, bad || !ok
		}
	}
	if !canWrite(c.user) {
		return emptyStatus(http.StatusUnauthorized)
	}
	if bad {
		return canned500()
	}
	s.prs[id] = next
	for _, jid := range s.jobsOf(id) {
		s.jobs[jid].config = decimals(s.jobs[jid].config)
	}
	return emptyStatus(http.StatusAccepted)
}

// launch is Torrent Suite's results/<id>/plugin/: GET gives the states of
// the result's plugins; POST launches one (202), 410 when no active,
// enabled plugin matches; PUT is deprecated (400).
func (c *call) launch() error {
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	id, err := pyInt(c.pk)
	if err != nil || s.results[id] == nil {
		return canned(http.StatusNotFound) // DoesNotExist, not caught there
	}
	switch c.r.Method {
	case http.MethodGet:
		states := map[string]any{}
		for _, pid := range sortedIDs(s.prs) {
			if p := s.prs[pid]; p.result == id && s.plugins[p.plugin] != nil {
				states[s.plugins[p.plugin].Name] = s.dehydratePR(pid)["state"]
			}
		}
		return c.respond(http.StatusOK, map[string]any{"pluginState": states, "pluginFiles": map[string]any{}})
	case http.MethodPut:
		if _, err := c.decode(); err != nil {
			return err
		}
		return emptyStatus(http.StatusBadRequest)
	}
	data, err := c.object()
	if err != nil {
		return err
	}
	user := c.user
	name, has := data["owner"]
	if !has {
		name = data["username"]
	}
	if n, ok := anyOf(name).(string); user.Superuser && ok {
		user = cmp.Or(s.userByName(n), user)
	}
	plugin, err := s.findPlugin(anyOf(data["plugin"]))
	if err != nil {
		return err
	}
	s.start(id, plugin, user, data)
	return emptyStatus(http.StatusAccepted)
}

// findPlugin is the launch's plugin lookup: by name (the highest version),
// by id, or by an object of field values.
func (s *Server) findPlugin(v any) (*pluginRec, error) {
	gone := emptyStatus(http.StatusGone)
	if list, ok := v.([]any); ok {
		if len(list) == 0 {
			return nil, canned500() // IndexError
		}
		v = list[0]
	}
	if n, ok := v.(json.Number); ok && isInt(n) {
		v = map[string]any{"id": string(n)}
	}
	if b, ok := v.(bool); ok { // a Python bool is an int
		v = map[string]any{"id": map[bool]string{true: "1", false: "0"}[b]}
	}
	var found *pluginRec
	for _, id := range sortedIDs(s.plugins) {
		p := s.plugins[id]
		if !p.Active || !p.Selected {
			continue
		}
		switch x := v.(type) {
		case string:
			if p.Name == x && (found == nil || versionGreater(p.Version, found.Version)) {
				found = p
			}
		case map[string]any:
			match := true
			for k, want := range x {
				f, ok := resources["plugin"].fields[k]
				if !ok || f.kind == kComputed {
					return nil, gone // FieldError, caught there
				}
				w, err := prep(f.kind, queryValue(pyStr(want)))
				if err != nil {
					return nil, gone
				}
				got := p.columns()[k]
				match = match && got != nil && w != nil && compare(got, w) == 0
			}
			if match && found != nil {
				return nil, gone // MultipleObjectsReturned
			}
			if match {
				found = p
			}
		}
	}
	if found == nil {
		return nil, gone
	}
	return found, nil
}

// start makes the plugin result (or reuses the one named in
// "pluginresult"), gives it an API key, and adds one Queued job per run
// level of the plugin, with grid-engine ids above the highest.
func (s *Server) start(result int64, plugin *pluginRec, user *Account, data map[string]json.RawMessage) {
	n, ok := intValue(anyOf(data["pluginresult"]))
	pr := s.prs[n]
	if !ok || pr == nil || pr.result != result {
		pr = &prRec{id: s.allocID("pluginresult", 0, false), result: result, plugin: plugin.ID, owner: user.ID, size: -1, inodes: -1}
		s.prs[pr.id] = pr
	}
	if pr.apikey == nil {
		b := make([]byte, 20)
		_, _ = rand.Read(b)
		pr.apikey = ptr(hex.EncodeToString(b))
	}
	pr.validation = `{"validation_errors":[]}`
	config := ""
	if raw := data["pluginconfig"]; truthy(anyOf(raw)) {
		config, _ = stored(raw)
	}
	if config == "" {
		config = decimals(plugin.config)
	}
	top := int64(100000)
	for _, j := range s.jobs {
		if j.GridEngineJobID != nil {
			top = max(top, *j.GridEngineJobID)
		}
	}
	for _, level := range []string{"pre", "default", "post", "separator", "last"} {
		if slices.Contains(plugin.runLevels(), level) {
			top++
			id := s.allocID("job", 0, false)
			s.jobs[id] = &jobRec{Job: Job{ID: id, PluginResult: pr.id, GridEngineJobID: ptr(top), State: "Queued", RunLevel: level}, config: config}
		}
	}
}
