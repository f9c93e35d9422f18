// Package gen turns a tastypie resource's schema (what /rundb/api/v1/<name>/schema/
// answers) into Go source for package tsapi: the read model, its list options
// with every allowed filter typed, the patch type for the writable fields and
// the service on the library's generic core.
//
// A schema may come straight from a server, or from a snapshot in the
// repository's schemas/ folder, which adds facts the schema cannot state
// (under keys starting with "_": what a field carries on the wire, which
// fields the server computes, keys it sends beyond the schema, the
// generator's settings). See schemas/README.md. A schema read from a
// server gets the facts a sample of its objects shows from
// Snapshot.AddSample.
package gen

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// Snapshot is one resource's schema with the facts and settings the
// generator reads beside it.
type Snapshot struct {
	// Name is the resource's URL name ("results").
	Name string
	// Origin says where the schema was read from, for the generated
	// file's header ("schemas/results.json", a URL).
	Origin string
	// Schema is the schema as the server answers it.
	Schema Schema
	// Facts holds per-field facts (the snapshot's "_fields").
	Facts map[string]Facts
	// Extra lists keys the server sends beyond the schema ("_extra_keys").
	Extra map[string]Extra
	// Go holds the generator's settings ("_go").
	Go Settings
	// Sample is an object as the server sends it ("_sample"), or nil.
	Sample json.RawMessage
}

// Schema is the part of a tastypie schema the generator uses.
type Schema struct {
	Fields        map[string]Field      `json:"fields"`
	AllowedList   []string              `json:"allowed_list_http_methods"`
	AllowedDetail []string              `json:"allowed_detail_http_methods"`
	Filtering     map[string]FilterRule `json:"filtering"`
	Ordering      []string              `json:"ordering"`
}

// Field is one field of a schema.
type Field struct {
	Type        string          `json:"type"`
	Nullable    bool            `json:"nullable"`
	Blank       bool            `json:"blank"`
	ReadOnly    bool            `json:"readonly"`
	Unique      bool            `json:"unique"`
	HelpText    string          `json:"help_text"`
	Default     json.RawMessage `json:"default"`
	RelatedType string          `json:"related_type"`
}

// FilterRule is a filtering entry: 1 (ALL), 2 (ALL_WITH_RELATIONS) or a
// list of lookups.
type FilterRule struct {
	All, WithRelations bool
	Lookups            []string
}

// UnmarshalJSON reads 1, 2 or a list of lookups.
func (f *FilterRule) UnmarshalJSON(b []byte) error {
	var n int
	if json.Unmarshal(b, &n) == nil {
		if n != 1 && n != 2 {
			return fmt.Errorf("filtering value %d is neither 1 nor 2", n)
		}
		*f = FilterRule{All: true, WithRelations: n == 2}
		return nil
	}
	var l []string
	if err := json.Unmarshal(b, &l); err != nil {
		return fmt.Errorf("filtering value %s is not 1, 2 or a list of lookups", b)
	}
	*f = FilterRule{Lookups: l}
	return nil
}

// allows reports whether the rule accepts lookup.
func (f FilterRule) allows(lookup string) bool {
	return f.All || slices.Contains(f.Lookups, lookup)
}

// Facts are what a snapshot knows of a field beyond its schema entry.
type Facts struct {
	// Source says which declarations the field's facts come from.
	Source []string `json:"source"`
	// Wire is what the field carries when its schema type does not say:
	// "object", "objects", "uri", "uris", "names", "list" or "raw".
	Wire string `json:"wire"`
	// Computed marks a field the server computes when it answers: it is
	// never written back.
	Computed bool `json:"computed"`
	// Note is said in the field's doc comment.
	Note string `json:"note"`
	// Null says why the server sends null in a field its schema calls not
	// nullable; such a field is read and patched as nullable.
	Null string `json:"null"`
	// NoWrite says why a field the schema calls writable must not be
	// written back: it is left out of the patch type.
	NoWrite string `json:"nowrite"`
}

// Extra is a key the server sends beyond the schema.
type Extra struct {
	// Type is a schema type ("string", "float") or "raw".
	Type     string `json:"type"`
	Nullable bool   `json:"nullable"`
	// Optional keys are not in every object.
	Optional bool   `json:"optional"`
	Source   string `json:"source"`
}

// Settings are the generator's settings for one resource.
type Settings struct {
	// Type is the read model's Go name ("Result"); ListOptions, Patch,
	// Service and ServiceOp types are named after it. By default it is
	// the resource's name, exported and made singular where it is a plain
	// English plural ("results": Result).
	Type string `json:"type"`
	// Service is the Client field that holds the service ("Results"). By
	// default it is the plural resource name, exported, or the type with
	// an s.
	Service string `json:"service"`
	// Doc completes "<Type> is ..." in the model's doc comment.
	Doc string `json:"doc"`
	// Writes lists the writes the service offers, of "patch" and
	// "delete" (nil: those the schema allows).
	Writes []string `json:"writes"`
	// Names maps JSON field names to Go names where the default rule
	// does not give a good one.
	Names map[string]string `json:"names"`
}

var resourceName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*$`)

// Parse reads a schema or a snapshot. name is the resource's URL name;
// origin is said in the generated file's header. settings, when not nil,
// replace what the snapshot's "_go" says field by field (the ones set).
func Parse(name, origin string, b []byte, settings *Settings) (*Snapshot, error) {
	if !resourceName.MatchString(name) {
		return nil, fmt.Errorf("gen: %q is not a resource name", name)
	}
	var raw struct {
		Schema
		Facts  map[string]Facts `json:"_fields"`
		Extra  map[string]Extra `json:"_extra_keys"`
		Go     Settings         `json:"_go"`
		Sample json.RawMessage  `json:"_sample"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("gen: %s: %w", origin, err)
	}
	if len(raw.Fields) == 0 {
		return nil, fmt.Errorf("gen: %s: the schema has no fields", origin)
	}
	if _, ok := raw.Fields["id"]; !ok {
		return nil, fmt.Errorf("gen: %s: the schema has no id field", origin)
	}
	s := &Snapshot{Name: name, Origin: origin, Schema: raw.Schema, Facts: raw.Facts, Extra: raw.Extra, Go: raw.Go, Sample: raw.Sample}
	if settings != nil {
		if settings.Type != "" {
			s.Go.Type = settings.Type
		}
		if settings.Service != "" {
			s.Go.Service = settings.Service
		}
		if settings.Doc != "" {
			s.Go.Doc = settings.Doc
		}
		if settings.Writes != nil {
			s.Go.Writes = settings.Writes
		}
		for k, v := range settings.Names {
			if s.Go.Names == nil {
				s.Go.Names = map[string]string{}
			}
			s.Go.Names[k] = v
		}
	}
	plural := ""
	if s.Go.Type == "" {
		s.Go.Type = exported(singular(name))
		if singular(name) != name {
			plural = exported(name) // "results": Result, and the service Results
		}
	}
	if s.Go.Service == "" {
		s.Go.Service = cmp.Or(plural, s.Go.Type+"s")
	}
	if s.Go.Doc == "" {
		s.Go.Doc = "an object of the " + name + " resource"
	}
	for _, n := range []string{s.Go.Type, s.Go.Service} {
		if !token(n) {
			return nil, fmt.Errorf("gen: %s: %q is not an exported Go name", origin, n)
		}
	}
	for _, w := range s.Go.Writes {
		if w != "patch" && w != "delete" {
			return nil, fmt.Errorf("gen: %s: the generator writes only patch and delete, not %q", origin, w)
		}
	}
	return s, nil
}

var goIdent = regexp.MustCompile(`^[A-Z][A-Za-z0-9]*$`)

func token(s string) bool { return goIdent.MatchString(s) }

// Served returns the schema as the server answers it: the snapshot without
// its "_" keys, indented by one space with sorted keys (as the fake
// server's embedded schemas are).
func Served(b []byte) ([]byte, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("gen: %w", err)
	}
	for k := range m {
		if strings.HasPrefix(k, "_") {
			delete(m, k)
		}
	}
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", " ")
	if err := enc.Encode(m); err != nil {
		return nil, fmt.Errorf("gen: %w", err)
	}
	return out.Bytes(), nil
}

// keptPlurals end names that are not plain plurals, or whose plural is
// the thing itself: they keep their last s.
var keptPlurals = []string{"ss", "us", "is", "metrics", "settings", "args", "series", "species", "news"}

// singular is the singular of a resource name that is a plain English
// plural ("results": "result", "libraries": "library", "boxes": "box"),
// else the name as it is ("status", "analysis", "qualitymetrics", the
// many names already singular). The default type of a resource is named
// after one object of it.
func singular(name string) string {
	low := strings.ToLower(name)
	for _, k := range keptPlurals {
		if strings.HasSuffix(low, k) {
			return name
		}
	}
	switch {
	case !strings.HasSuffix(low, "s") || len(name) < 3:
		return name
	case strings.HasSuffix(low, "ies") && len(name) > 4:
		return name[:len(name)-3] + "y"
	case strings.HasSuffix(low, "sses"), strings.HasSuffix(low, "ches"), strings.HasSuffix(low, "shes"), strings.HasSuffix(low, "xes"):
		return name[:len(name)-2]
	}
	return name[:len(name)-1]
}

// initialisms are the words Go spells in capitals.
var initialisms = map[string]string{
	"id": "ID", "uri": "URI", "url": "URL", "guid": "GUID", "api": "API", "json": "JSON",
	"html": "HTML", "http": "HTTP", "ip": "IP", "uuid": "UUID", "qc": "QC", "ftp": "FTP",
}

// exported turns a JSON name into an exported Go name: parts between
// underscores and lower-to-upper case changes are capitalised, and
// initialisms are written in capitals ("resource_uri": "ResourceURI",
// "barcodeId": "BarcodeID").
func exported(name string) string {
	var b strings.Builder
	for _, part := range strings.FieldsFunc(name, func(r rune) bool { return r == '_' || r == '-' || r == '.' }) {
		for _, word := range camelWords(part) {
			if up, ok := initialisms[strings.ToLower(word)]; ok && (word == strings.ToLower(word) || word[0] >= 'A' && word[0] <= 'Z') {
				b.WriteString(up)
				continue
			}
			b.WriteString(strings.ToUpper(word[:1]) + word[1:])
		}
	}
	out := b.String()
	if out == "" || out[0] < 'A' || out[0] > 'Z' {
		out = "X" + out
	}
	return out
}

// camelWords splits "planShortID" into "plan", "Short", "ID".
func camelWords(s string) []string {
	var out []string
	start := 0
	for i := 1; i < len(s); i++ {
		lowerToUpper := isLower(s[i-1]) && isUpper(s[i])
		digitEdge := isDigit(s[i-1]) != isDigit(s[i])
		if lowerToUpper || digitEdge {
			out = append(out, s[start:i])
			start = i
		}
	}
	return append(out, s[start:])
}

func isLower(c byte) bool { return c >= 'a' && c <= 'z' }
func isUpper(c byte) bool { return c >= 'A' && c <= 'Z' }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// sortedKeys returns m's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
