package tsapitest

import (
	"strings"
)

func init() { resources["plugin"] = pluginResource() }

func pluginResource() *resdef {
	str := func(def any, blank bool) *fieldDef {
		return &fieldDef{kind: kStr, typ: typeStr, help: helpStr, def: def, blank: blank}
	}
	boolean := func(def any) *fieldDef {
		return &fieldDef{kind: kBool, typ: typeBool, help: helpBool, def: def}
	}
	jsonField := func(def any) *fieldDef {
		return &fieldDef{kind: kText, typ: typeStr, nullable: true, help: helpStr, def: def}
	}
	res := &resdef{
		name: "plugin",
		fields: map[string]*fieldDef{
			"id":                     {kind: kInt, typ: typeInt, blank: true, unique: true, help: helpInt, def: ""},
			"name":                   str(noDefault, false),
			"version":                str(noDefault, false),
			"description":            str("", true),
			"path":                   str("", true),
			"script":                 str("", true),
			"url":                    str("", true),
			"packageName":            str("", true),
			"date":                   {kind: kTime, typ: typeTime, blank: true, help: helpTime, def: true},
			"active":                 boolean(true),
			"selected":               boolean(false),
			"majorBlock":             boolean(false),
			"requires_configuration": boolean(false),
			"defaultSelected":        boolean(false),
			"config":                 jsonField(""),
			"status":                 jsonField(""),
			"pluginsettings":         jsonField(""),
			"userinputfields":        jsonField("{}"),
			"isConfig":               roBool(),
			"isPlanConfig":           roBool(),
			"isInstance":             roBool(),
			"hasAbout":               roBool(),
			"isSupported":            roBool(),
			"input":                  roStr(),
			"versionedName":          roStr(),
			"availableVersions":      {kind: kComputed, typ: typeList, readonly: true, help: helpList, def: []any{}},
			"isUpgradable":           {kind: kComputed, typ: typeBool, readonly: true, help: helpBool, def: false},
			"resource_uri":           {kind: kStr, typ: typeStr, readonly: true, help: helpStr, def: noDefault, noAttr: true},
		},
		deleteAllowed: false,
	}
	// Torrent Suite: get_all_field_names() (the plugin's columns and the
	// reverse relation "pluginresult") + ["isConfig"].
	names := []string{"active", "config", "date", "defaultSelected", "description", "id", "majorBlock", "name",
		"packageName", "path", "pluginresult", "pluginsettings", "requires_configuration", "script", "selected",
		"status", "url", "userinputfields", "version"}
	res.ordering = names
	res.filteringList = append(append([]string{}, names...), "isConfig")
	res.filtering = setOf(res.filteringList)
	// The API sees active plugins only.
	res.ids = func(s *Server) []int64 {
		var out []int64
		for _, id := range sortedIDs(s.plugins) {
			if s.plugins[id].Active {
				out = append(out, id)
			}
		}
		return out
	}
	res.value = func(s *Server, id int64, field string) fval {
		p := s.plugins[id]
		if p == nil {
			return fval{null: true}
		}
		switch field {
		case "id":
			return intVal(p.ID)
		case "name":
			return strVal(p.Name)
		case "version":
			return strVal(p.Version)
		case "description":
			return strVal(p.Description)
		case "path":
			return strVal(p.Path)
		case "script":
			return strVal(p.Script)
		case "url":
			return strVal(p.URL)
		case "packageName":
			return strVal(p.PackageName)
		case "date":
			return timeVal(p.Date)
		case "active":
			return boolVal(p.Active)
		case "selected":
			return boolVal(p.Selected)
		case "majorBlock":
			return boolVal(p.MajorBlock)
		case "requires_configuration":
			return boolVal(p.RequiresConfiguration)
		case "defaultSelected":
			return boolVal(p.DefaultSelected)
		case "config":
			return strVal(p.config)
		case "status":
			return strVal(p.status)
		case "pluginsettings":
			return strVal(p.settings)
		case "userinputfields":
			return strVal(p.inputs)
		}
		return fval{null: true}
	}
	res.rows = simpleRows(res)
	res.dehydrate = func(s *Server, id int64) map[string]any { return s.plugins[id].dehydrate() }
	unsupported := func(what string) func(c *call) error {
		return func(c *call) error { return notModelled(what + " on plugin") }
	}
	res.postList = unsupported("POST")
	res.putList = unsupported("PUT")
	res.patchList = unsupported("a bulk PATCH")
	res.putDetail = unsupported("PUT")
	res.patchDetail = unsupported("PATCH")
	return res
}

// dehydrate is the plugin's JSON, as Torrent Suite's PluginResource
// writes it. The computed fields are those of a plugin with no files on
// disk.
func (p *pluginRec) dehydrate() map[string]any {
	return map[string]any{
		"id":                     p.ID,
		"name":                   p.Name,
		"version":                p.Version,
		"description":            p.Description,
		"path":                   p.Path,
		"script":                 p.Script,
		"url":                    p.URL,
		"packageName":            p.PackageName,
		"date":                   p.Date,
		"active":                 p.Active,
		"selected":               p.Selected,
		"majorBlock":             p.MajorBlock,
		"requires_configuration": p.RequiresConfiguration,
		"defaultSelected":        p.DefaultSelected,
		"config":                 fromStored(loadStored(p.config)),
		"status":                 fromStored(loadStored(p.status)),
		"pluginsettings":         fromStored(loadStored(p.settings)),
		"userinputfields":        fromStored(loadStored(p.inputs)),
		"isConfig":               false,
		"isPlanConfig":           false,
		"isInstance":             false,
		"hasAbout":               false,
		"input":                  "False",
		"isSupported":            strings.HasPrefix(p.PackageName, "ion-plugin"),
		"versionedName":          p.Name + "--v" + p.Version,
		"availableVersions":      []any{},
		"isUpgradable":           false,
		"resource_uri":           resources["plugin"].uri(p.ID),
	}
}
