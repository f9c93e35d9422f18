package gen

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// kind is how a field is represented in Go.
type kind int

const (
	kString kind = iota
	kInt
	kFloat
	kBool
	kTime
	kObject  // a JSON object kept as received (JSONObject)
	kObjects // a list of nested objects
	kURI     // a resource URI
	kURIs    // a list of resource URIs
	kNames   // a list of strings
	kList    // a JSON list
	kRaw     // any JSON, kept as received
)

// member is one field of the read model.
type member struct {
	json     string
	goName   string
	kind     kind
	nullable bool
	readonly bool
	computed bool
	related  string // "", "to_one" or "to_many"
	inSchema bool
	optional bool // not in every object: omitted when absent
	help     string
	facts    Facts
	extra    Extra
	filter   *FilterRule // nil: not a filter
}

// goType is the member's type in the read model.
func (m *member) goType(q string) string {
	base := map[kind]string{kString: "string", kInt: "int64", kFloat: "float64", kBool: "bool", kTime: q + "Time",
		kURI: "string"}[m.kind]
	switch m.kind {
	case kObject:
		return q + "JSONObject"
	case kObjects:
		return "[]" + q + "JSONObject"
	case kURIs, kNames:
		return "[]string"
	case kList:
		return "[]json.RawMessage"
	case kRaw:
		return "json.RawMessage"
	}
	if m.nullable || m.optional {
		return "*" + base
	}
	return base
}

// tag is the member's struct tag in the read model.
func (m *member) tag() string {
	opt := ""
	switch {
	case m.kind == kObject:
		opt = ",omitzero" // absent (a detail-only field in a list) stays absent
	case m.kind == kRaw || m.optional:
		opt = ",omitempty"
	}
	return fmt.Sprintf("`json:%q`", m.json+opt)
}

// writable reports whether the member goes in the patch type.
func (m *member) writable() bool {
	if !m.inSchema || m.readonly || m.computed || m.facts.NoWrite != "" || m.json == "id" || m.json == "resource_uri" {
		return false
	}
	switch m.kind {
	case kObjects, kURIs, kNames:
		return false // to-many: tastypie replaces the whole set
	case kObject:
		return m.related == "" // a nested related object would be written too
	}
	return true
}

// patchType is the member's type in the patch type.
func (m *member) patchType(q string) string {
	base := map[kind]string{kString: "string", kInt: "int64", kFloat: "float64", kBool: "bool", kTime: q + "Time",
		kURI: "string"}[m.kind]
	switch m.kind {
	case kObject:
		return "*" + q + "JSONObject"
	case kList:
		return "*[]json.RawMessage"
	case kRaw:
		return "json.RawMessage"
	}
	if m.nullable {
		return q + "Nullable[" + base + "]"
	}
	return "*" + base
}

func (m *member) patchTag() string {
	if m.nullable && m.kind != kObject && m.kind != kList && m.kind != kRaw {
		return fmt.Sprintf("`json:%q`", m.json+",omitzero")
	}
	return fmt.Sprintf("`json:%q`", m.json+",omitempty")
}

// flex reports whether the member is a number decoded from a number or a
// string holding one.
func (m *member) flex() bool { return m.kind == kInt || m.kind == kFloat }

// kindOf decides a schema field's Go kind.
func kindOf(f Field, facts Facts) (kind, error) {
	switch facts.Wire {
	case "object":
		return kObject, nil
	case "objects":
		return kObjects, nil
	case "uri":
		return kURI, nil
	case "uris":
		return kURIs, nil
	case "names":
		return kNames, nil
	case "list":
		return kList, nil
	case "raw":
		return kRaw, nil
	case "":
	default:
		return 0, fmt.Errorf("unknown wire %q", facts.Wire)
	}
	switch f.Type {
	case "string":
		if jsonField(f) {
			return kObject, nil
		}
		return kString, nil
	case "time", "file":
		return kString, nil
	case "integer":
		return kInt, nil
	case "float", "decimal":
		return kFloat, nil
	case "boolean":
		return kBool, nil
	case "datetime", "date":
		return kTime, nil
	case "dict":
		return kObject, nil
	case "list":
		return kList, nil
	case "related":
		if f.RelatedType == "to_many" {
			return kURIs, nil
		}
		return kURI, nil
	}
	return kRaw, nil
}

// jsonField reports whether a field the schema types "string" is a Torrent
// Suite JSONField: its default is the text "{}" (the field's own default),
// and the server sends it as a JSON object.
func jsonField(f Field) bool {
	var def string
	return f.Type == "string" && json.Unmarshal(f.Default, &def) == nil && strings.TrimSpace(def) == "{}"
}

// jsonFieldNote says why a JSONField the snapshot says nothing of is a
// JSON object.
const jsonFieldNote = `Its schema says string with the default "{}": a Torrent Suite JSONField, which the server sends as a JSON object.`

// listOptionNames are the names ListOptions already uses.
var listOptionNames = []string{"ListOptions", "Limit", "Offset", "OrderBy", "Filters", "Paging", "Concurrency"}

// members builds the read model's fields, sorted by JSON name.
func (s *Snapshot) members() ([]*member, error) {
	var out []*member
	seen := map[string]string{}
	add := func(m *member) error {
		if n, ok := s.Go.Names[m.json]; ok {
			m.goName = n
		} else {
			m.goName = exported(m.json)
		}
		if !token(m.goName) {
			return fmt.Errorf("gen: %s: %q is not an exported Go name (for %s)", s.Origin, m.goName, m.json)
		}
		if other, dup := seen[m.goName]; dup {
			return fmt.Errorf("gen: %s: fields %s and %s both become %s; name one in _go.names", s.Origin, other, m.json, m.goName)
		}
		seen[m.goName] = m.json
		out = append(out, m)
		return nil
	}
	for _, name := range sortedKeys(s.Schema.Fields) {
		f := s.Schema.Fields[name]
		facts := s.Facts[name]
		k, err := kindOf(f, facts)
		if err != nil {
			return nil, fmt.Errorf("gen: %s: field %s: %w", s.Origin, name, err)
		}
		if facts.Wire == "" && k == kObject && f.Type == "string" {
			facts.Note = joinSentences(facts.Note, jsonFieldNote)
		}
		m := &member{json: name, kind: k, nullable: f.Nullable || facts.Null != "", readonly: f.ReadOnly, computed: facts.Computed,
			inSchema: true, help: f.HelpText, facts: facts}
		if f.Type == "related" {
			m.related = f.RelatedType
			if m.related == "" {
				m.related = "to_one"
			}
		}
		if rule, ok := s.Schema.Filtering[name]; ok {
			m.filter = &rule
		}
		if name == "id" {
			m.nullable = false
		}
		if err := add(m); err != nil {
			return nil, err
		}
	}
	for _, name := range sortedKeys(s.Extra) {
		e := s.Extra[name]
		if _, dup := s.Schema.Fields[name]; dup {
			return nil, fmt.Errorf("gen: %s: extra key %s is also a schema field", s.Origin, name)
		}
		k, err := kindOf(Field{Type: e.Type}, Facts{})
		if e.Type == "raw" {
			k, err = kRaw, nil
		}
		if err != nil {
			return nil, err
		}
		m := &member{json: name, kind: k, nullable: e.Nullable, optional: e.Optional, readonly: true, extra: e}
		if err := add(m); err != nil {
			return nil, err
		}
	}
	if id := slices.IndexFunc(out, func(m *member) bool { return m.json == "id" }); out[id].kind != kInt {
		return nil, fmt.Errorf("gen: %s: the id field is not an integer", s.Origin)
	}
	return out, nil
}

// option is one typed filter of the list options.
type option struct {
	goName, param, goType, layout, doc string
}

var timeLayout = "2006-01-02T15:04:05.999999Z07:00"

// options builds the typed filters of the list options.
func (s *Snapshot) options(members []*member) ([]option, error) {
	var out []option
	seen := map[string]bool{}
	for _, n := range listOptionNames {
		seen[n] = true
	}
	for _, m := range members {
		if m.filter == nil || !m.inSchema {
			continue
		}
		type lk struct{ lookup, suffix, goType, doc string }
		var lks []lk
		scalar := map[kind]string{kString: "string", kInt: "*int64", kFloat: "*float64", kBool: "*bool", kURI: "*int64", kURIs: "*int64", kNames: "*int64"}[m.kind]
		switch m.kind {
		case kString:
			lks = []lk{{"exact", "", "string", "the value"}, {"in", "In", "[]string", "one of the values"},
				{"iexact", "IExact", "string", "the value, ignoring case"}, {"contains", "Contains", "string", "a text containing the value"},
				{"icontains", "IContains", "string", "a text containing the value, ignoring case"}, {"startswith", "StartsWith", "string", "a text starting with the value"}}
		case kObject:
			if m.related != "" {
				lks = []lk{{"exact", "", "*int64", "the object with that id"}, {"in", "In", "[]int64", "one of the objects with those ids"}}
				break
			}
			// A JSONField (or a dict kept in a text column) is filtered on
			// the JSON text the server stores: tastypie hands the lookup
			// to the column as text. contains finds a key or a value in
			// it. exact, in and startswith compare with the whole stored
			// text, whose key order and spacing are the server's
			// serializer's (and "" stands for {}): a value built here
			// would rarely match, so they are not typed (ListOptions.Filters
			// still sends them).
			lks = []lk{{"contains", "Contains", "string", "a JSON text containing the value"}}
		case kInt:
			lks = []lk{{"exact", "", scalar, "the value"}, {"in", "In", "[]int64", "one of the values"},
				{"gt", "Gt", scalar, "greater than the value"}, {"gte", "Gte", scalar, "at least the value"},
				{"lt", "Lt", scalar, "less than the value"}, {"lte", "Lte", scalar, "at most the value"}}
		case kFloat:
			lks = []lk{{"gt", "Gt", scalar, "greater than the value"}, {"gte", "Gte", scalar, "at least the value"},
				{"lt", "Lt", scalar, "less than the value"}, {"lte", "Lte", scalar, "at most the value"}}
		case kBool:
			lks = []lk{{"exact", "", scalar, "the value"}}
		case kTime:
			lks = []lk{{"gt", "Gt", "*time.Time", "after the time"}, {"gte", "Gte", "*time.Time", "at or after the time"},
				{"lt", "Lt", "*time.Time", "before the time"}, {"lte", "Lte", "*time.Time", "at or before the time"}}
		case kURI:
			lks = []lk{{"exact", "", "*int64", "the object with that id"}, {"in", "In", "[]int64", "one of the objects with those ids"}}
		case kURIs, kNames, kObjects:
			if m.related == "" {
				// A list in a field the schema calls text: what the
				// server filters it on is not known, so no lookup is typed.
				continue
			}
			lks = []lk{{"exact", "", "*int64", "a set holding the object with that id"}, {"in", "In", "[]int64", "a set holding one of the objects with those ids"}}
		}
		if m.nullable || m.kind == kURIs || m.kind == kObjects || m.kind == kNames {
			lks = append(lks, lk{"isnull", "IsNull", "*bool", "null (true) or not (false)"})
		}
		for _, l := range lks {
			if !m.filter.allows(l.lookup) {
				continue
			}
			param := m.json
			if l.lookup != "exact" {
				param += "__" + l.lookup
			}
			o := option{goName: m.goName + l.suffix, param: param, goType: l.goType}
			if l.goType == "*time.Time" {
				o.layout = timeLayout
			}
			o.doc = optionDoc(o.goName, m, l.lookup, l.doc)
			if seen[o.goName] {
				return nil, fmt.Errorf("gen: %s: list option %s is named twice (from %s); rename the field in _go.names", s.Origin, o.goName, m.json)
			}
			seen[o.goName] = true
			out = append(out, o)
		}
	}
	return out, nil
}

func optionDoc(goName string, m *member, lookup, what string) string {
	return fmt.Sprintf("%s (%s) matches objects whose %s is %s.", goName, paramOf(m.json, lookup), m.json, what)
}

func paramOf(name, lookup string) string {
	if lookup == "exact" {
		return name
	}
	return name + "__" + lookup
}
