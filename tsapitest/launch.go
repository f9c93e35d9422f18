package tsapitest

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"slices"
)

// launchEndpoint is results/<id>/plugin/: Torrent Suite's
// ResultsResource.get_plugin, put_plugin and post_plugin.
func (c *call) launchEndpoint() error {
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	id, err := pyInt(c.pk)
	if err != nil {
		return canned404()
	}
	result := s.results[id]
	if result == nil {
		return canned404() // DoesNotExist, not caught there
	}
	switch c.method {
	case http.MethodGet:
		states := map[string]any{}
		prs := sortedIDs(s.prs)
		for _, pid := range prs {
			p := s.prs[pid]
			if p.result != id {
				continue
			}
			if pl := s.plugins[p.plugin]; pl != nil {
				states[pl.Name] = s.dehydratePR(pid)["state"]
			}
		}
		return c.respond(http.StatusOK, map[string]any{"pluginState": states, "pluginFiles": map[string]any{}})
	case http.MethodPut:
		if _, err := c.deserialize(); err != nil {
			return err
		}
		return emptyStatus(http.StatusBadRequest) // deprecated on the Torrent Server
	}
	v, err := c.deserialize()
	if err != nil {
		return err
	}
	data, ok := v.(*jobj)
	if !ok {
		return canned500()
	}
	user := c.user
	if user.Superuser {
		name, has := data.get("owner")
		if !has {
			name, has = data.get("username")
		}
		if n, isStr := name.(string); has && isStr {
			if u := s.userByName(n); u != nil {
				user = u
			}
		}
	}
	plugin, err := c.findLaunchPlugin(data)
	if err != nil {
		return err
	}
	s.launch(result, plugin, user, data)
	return emptyStatus(http.StatusAccepted)
}

// findLaunchPlugin reads "plugin": a name (the highest version of the
// active, enabled plugins of that name), a list (its first name), an id,
// or an object of plugin fields. A plugin that cannot run is 410.
func (c *call) findLaunchPlugin(data *jobj) (*pluginRec, error) {
	s := c.s
	pv, ok := data.get("plugin")
	if !ok || pv == nil {
		return nil, emptyStatus(http.StatusGone)
	}
	if n, isNum := pv.(jnum); isNum && isIntLiteral(n) {
		o := newObj()
		o.set("id", n)
		pv = o
	}
	if b, isBool := pv.(bool); isBool { // a Python bool is an int
		o := newObj()
		o.set("id", jnum(map[bool]string{true: "1", false: "0"}[b]))
		pv = o
	}
	if o, isObj := pv.(*jobj); isObj {
		var found *pluginRec
		for _, id := range sortedIDs(s.plugins) {
			p := s.plugins[id]
			if !p.Active || !p.Selected {
				continue
			}
			match := true
			for _, k := range o.keys {
				f := resources["plugin"].fields[k]
				if f == nil || f.kind == kComputed {
					return nil, emptyStatus(http.StatusGone) // FieldError, caught there
				}
				want, err := prepScalar(f.kind, jsonToFilterValue(o.vals[k]))
				if err != nil {
					return nil, emptyStatus(http.StatusGone)
				}
				got := resources["plugin"].value(s, id, k)
				if got.null || got.cmp(f.kind, want) != 0 {
					match = false
					break
				}
			}
			if match {
				if found != nil {
					return nil, emptyStatus(http.StatusGone) // MultipleObjectsReturned
				}
				found = p
			}
		}
		if found == nil {
			return nil, emptyStatus(http.StatusGone)
		}
		return found, nil
	}
	if list, isList := pv.([]any); isList {
		if len(list) == 0 {
			return nil, canned500() // IndexError
		}
		pv = list[0]
	}
	name, isStr := pv.(string)
	var best *pluginRec
	for _, id := range sortedIDs(s.plugins) {
		p := s.plugins[id]
		if !isStr || p.Name != name || !p.Active || !p.Selected {
			continue
		}
		if best == nil || versionGreater(p.Version, best.Version) {
			best = p
		}
	}
	if best == nil {
		return nil, emptyStatus(http.StatusGone)
	}
	return best, nil
}

// jsonToFilterValue turns a decoded JSON value into what prepScalar takes.
func jsonToFilterValue(v any) any {
	switch x := v.(type) {
	case jnum:
		return normInt(x)
	case nil, bool, string:
		return x
	}
	return pyStr(v)
}

// launch does what Torrent Suite's plugin daemon does for a launch: a new
// plugin result (or the one named by "pluginresult", when it belongs to
// the result) gets a fresh API key, and one Queued job per run level of
// the plugin (block jobs are only made for Proton composite reports).
func (s *Server) launch(result *resultRec, plugin *pluginRec, user *userRec, data *jobj) {
	var pr *prRec
	if v, ok := data.get("pluginresult"); ok {
		if n, ok := pyIntValue(v); ok {
			if p := s.prs[n]; p != nil && p.result == result.ID {
				pr = p
			}
		}
	}
	if pr == nil {
		pr = &prRec{id: s.allocID("pluginresult", 0, false), result: result.ID, plugin: plugin.ID, owner: user.ID, size: -1, inodes: -1}
		s.prs[pr.id] = pr
	}
	if pr.apikey == nil {
		b := make([]byte, 20)
		rand.Read(b)
		pr.apikey = ptr(hex.EncodeToString(b))
	}
	pr.validation = dumpStored(func() *jobj { o := newObj(); o.set("validation_errors", []any{}); return o }(), false)
	config := ""
	if v, ok := data.get("pluginconfig"); ok && pyTruth2(v) {
		config, _ = storedJSONField(v)
	}
	if config == "" {
		config = resaveStored(plugin.config)
	}
	levels := plugin.runLevels()
	var top int64
	for _, j := range s.jobs {
		if j.grid != nil && *j.grid > top {
			top = *j.grid
		}
	}
	top = max(top, 100000)
	order := []string{"pre", "default", "post", "separator", "last"}
	for _, level := range order {
		if !slices.Contains(levels, level) {
			continue
		}
		top++
		id := s.allocID("job", 0, false)
		s.jobs[id] = &jobRec{id: id, pr: pr.id, grid: ptr(top), state: "Queued", config: config, runLevel: level}
	}
}
