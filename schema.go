package tsapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sort"
)

// NoDefault is the text tastypie puts in a field's default when it has none.
const NoDefault = "No default provided."

// Schema is a resource's schema (GET <resource>/schema/).
type Schema struct {
	Fields                   map[string]SchemaField `json:"fields"`
	DefaultFormat            string                 `json:"default_format"`
	DefaultLimit             int                    `json:"default_limit"`
	AllowedListHTTPMethods   []string               `json:"allowed_list_http_methods"`
	AllowedDetailHTTPMethods []string               `json:"allowed_detail_http_methods"`
	// Filtering maps each filterable field to what it allows; nil when the
	// resource filters on nothing.
	Filtering map[string]FilterRule `json:"filtering,omitempty"`
	// Ordering lists the fields order_by accepts.
	Ordering []string `json:"ordering,omitempty"`
}

// SchemaField describes one field. The Torrent Server's types are not
// always true to what it sends (config is "string" but arrives as an
// object).
type SchemaField struct {
	Type     string `json:"type"`
	Nullable bool   `json:"nullable"`
	Blank    bool   `json:"blank"`
	ReadOnly bool   `json:"readonly"`
	Unique   bool   `json:"unique"`
	HelpText string `json:"help_text"`
	// Default is the default's JSON; see HasDefault.
	Default json.RawMessage `json:"default"`
	// RelatedType is "to_one" or "to_many" for relations.
	RelatedType string `json:"related_type,omitempty"`
}

// HasDefault reports whether the field has a default (tastypie writes
// "No default provided." when it has not).
func (f SchemaField) HasDefault() bool {
	var s string
	if json.Unmarshal(f.Default, &s) == nil && s == NoDefault {
		return false
	}
	return len(bytes.TrimSpace(f.Default)) > 0
}

// FilterRule is what a field allows as filters: tastypie's ALL (1), ALL
// WITH RELATIONS (2), or a list of lookups.
type FilterRule struct {
	All           bool
	WithRelations bool
	Lookups       []string
}

// UnmarshalJSON accepts 1, 2 or a list of lookup names.
func (f *FilterRule) UnmarshalJSON(b []byte) error {
	var n int
	if json.Unmarshal(b, &n) == nil {
		switch n {
		case 1:
			*f = FilterRule{All: true}
		case 2:
			*f = FilterRule{All: true, WithRelations: true}
		default:
			return fmt.Errorf("tsapi: unknown filtering value %d", n)
		}
		return nil
	}
	var l []string
	if err := json.Unmarshal(b, &l); err != nil {
		return fmt.Errorf("tsapi: filtering must be 1, 2 or a list of lookups, got %s", snippet(b))
	}
	*f = FilterRule{Lookups: l}
	return nil
}

// MarshalJSON writes 1, 2 or the list, as tastypie does.
func (f FilterRule) MarshalJSON() ([]byte, error) {
	switch {
	case f.WithRelations:
		return []byte("2"), nil
	case f.All:
		return []byte("1"), nil
	}
	return json.Marshal(f.Lookups)
}

// Allows reports whether the rule accepts lookup ("exact" for a bare
// field name).
func (f FilterRule) Allows(lookup string) bool {
	return f.All || f.WithRelations || slices.Contains(f.Lookups, lookup)
}

// Schema fetches the resource's schema. The Resource keeps it, and from then
// on checks filter names and order_by against its filtering and ordering.
func (r *ReadResource[T, O]) Schema(ctx context.Context) (*Schema, *Response, error) {
	var s Schema
	resp, err := r.client.call(ctx, &Request{Method: http.MethodGet, Path: r.spec.Name + "/schema/"}, opRead, &s)
	if err != nil {
		return nil, resp, err
	}
	if s.Fields == nil {
		return nil, resp, newDecodeError(resp, fmt.Errorf("schema has no fields"))
	}
	r.setSchema(&s)
	return &s, resp, nil
}

// SchemaDrift is how a server's schema differs from the fields the library
// knows.
type SchemaDrift struct {
	// Added are fields the server has and the library does not know.
	Added []string
	// Missing are fields the library knows and the server lacks.
	Missing []string
	// Retyped are fields whose schema type differs.
	Retyped []FieldTypeChange
}

// FieldTypeChange is a field whose type differs between library and server.
type FieldTypeChange struct {
	Field   string
	Library string
	Server  string
}

// Empty reports whether the schema matches the library.
func (d *SchemaDrift) Empty() bool {
	return len(d.Added) == 0 && len(d.Missing) == 0 && len(d.Retyped) == 0
}

// String lists the differences, or "no drift".
func (d *SchemaDrift) String() string {
	if d.Empty() {
		return "no drift"
	}
	s := ""
	if len(d.Added) > 0 {
		s += fmt.Sprintf("added %v; ", d.Added)
	}
	if len(d.Missing) > 0 {
		s += fmt.Sprintf("missing %v; ", d.Missing)
	}
	for _, c := range d.Retyped {
		s += fmt.Sprintf("%s is %s on the server, %s in the library; ", c.Field, c.Server, c.Library)
	}
	return s[:len(s)-2]
}

// Drift compares s with the fields the library knows for resource r.
func (r *ReadResource[T, O]) Drift(s *Schema) *SchemaDrift {
	d := &SchemaDrift{}
	for name, f := range s.Fields {
		lib, ok := r.spec.Fields[name]
		switch {
		case !ok:
			d.Added = append(d.Added, name)
		case lib != f.Type:
			d.Retyped = append(d.Retyped, FieldTypeChange{Field: name, Library: lib, Server: f.Type})
		}
	}
	for name := range r.spec.Fields {
		if _, ok := s.Fields[name]; !ok {
			d.Missing = append(d.Missing, name)
		}
	}
	sort.Strings(d.Added)
	sort.Strings(d.Missing)
	sort.Slice(d.Retyped, func(i, j int) bool { return d.Retyped[i].Field < d.Retyped[j].Field })
	return d
}

// CheckSchema fetches the server's schema and compares it with the fields
// the library knows (see Drift).
func (r *ReadResource[T, O]) CheckSchema(ctx context.Context) (*SchemaDrift, *Response, error) {
	s, resp, err := r.Schema(ctx)
	if err != nil {
		return nil, resp, err
	}
	return r.Drift(s), resp, nil
}
