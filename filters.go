package tsapi

import (
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/google/go-querystring/query"
)

// queryTerms are Django's lookups, which tastypie's ALL accepts.
var queryTerms = []string{
	"exact", "iexact", "contains", "icontains", "in", "gt", "gte", "lt", "lte",
	"startswith", "istartswith", "endswith", "iendswith", "range", "year", "month", "day",
	"week_day", "hour", "minute", "second", "isnull", "search", "regex", "iregex",
}

// reservedParams are query parameters that are not filters.
var reservedParams = map[string]bool{"limit": true, "offset": true, "format": true}

// queryChecker is what Client.Do asks of a registered resource.
type queryChecker interface {
	Name() string
	CheckQuery(q url.Values) error
}

// Query encodes opts (nil: no filter) and checks every filter name against
// the resource. It returns the query it would send, or a *InvalidArgumentError
// (ErrInvalidOption) naming the first filter the resource does not know.
func (r *ReadResource[T, O]) Query(opts *O) (url.Values, error) {
	q, _, err := r.query(opts)
	return q, err
}

// query encodes opts and returns the query with opts' ListOptions.
func (r *ReadResource[T, O]) query(opts *O) (url.Values, ListOptions, error) {
	q := url.Values{}
	var lo ListOptions
	if opts != nil {
		var enc any = opts
		if qp, ok := any(opts).(queryPreparer); ok {
			p, err := qp.prepareQuery()
			if err != nil {
				return nil, lo, &InvalidArgumentError{Msg: err.Error()}
			}
			enc = p
		}
		v, err := query.Values(enc)
		if err != nil {
			return nil, lo, &InvalidArgumentError{Msg: fmt.Sprintf("encoding options: %v", err)}
		}
		q = v
		lo = (*opts).listOptions()
		for k, vs := range lo.Filters {
			if _, dup := q[k]; dup {
				return nil, lo, &InvalidArgumentError{Msg: fmt.Sprintf("filter %q given twice (as a field and in Filters)", k)}
			}
			q[k] = slices.Clone(vs)
		}
	}
	if err := r.CheckQuery(q); err != nil {
		return nil, lo, err
	}
	return q, lo, nil
}

// CheckQuery returns a *InvalidArgumentError (ErrInvalidOption) for the first
// parameter in q that the resource does not accept as a filter. The Torrent
// Server silently ignores unknown filter names and then lists (or deletes)
// everything, so the library refuses them. Names are checked against the
// schema's filtering once Schema has been fetched, and against the
// library's own list before. order_by is checked against the schema's
// ordering once fetched, and against the fields the library knows the
// server orders by before.
func (r *ReadResource[T, O]) CheckQuery(q url.Values) error {
	s := r.fetchedSchema()
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if reservedParams[k] {
			continue
		}
		if k == "order_by" {
			for _, v := range q[k] {
				if err := r.checkOrdering(strings.TrimPrefix(v, "-"), s); err != nil {
					return err
				}
			}
			continue
		}
		if err := r.checkFilter(k, s); err != nil {
			return err
		}
	}
	return nil
}

// checkOrdering says what is known of ordering by field.
func (r *ReadResource[T, O]) checkOrdering(field string, s *Schema) error {
	name := r.spec.Name
	switch {
	case s != nil && slices.Contains(s.Ordering, field):
		return nil
	case s != nil && len(s.Ordering) == 0:
		return &InvalidArgumentError{Msg: fmt.Sprintf("%s cannot be ordered by %q: its schema allows no ordering (the server answers 400 to order_by)", name, field)}
	case s != nil:
		return &InvalidArgumentError{Msg: fmt.Sprintf("%s cannot be ordered by %q: its schema allows ordering by %s", name, field, strings.Join(s.Ordering, ", "))}
	case slices.Contains(r.spec.Ordering, field):
		return nil
	case len(r.spec.Ordering) == 0:
		return &InvalidArgumentError{Msg: fmt.Sprintf("%s: order_by %q is not known to be allowed: the library knows no ordering of %s, and its schema has not been fetched (call Schema to check against the server)", name, field, name)}
	default:
		return &InvalidArgumentError{Msg: fmt.Sprintf("%s: order_by %q is not known to be allowed: the library knows ordering by %s; call Schema to check against the server", name, field, strings.Join(r.spec.Ordering, ", "))}
	}
}

func (r *ReadResource[T, O]) checkFilter(name string, s *Schema) error {
	parts := strings.Split(name, "__")
	field := parts[0]
	rest := parts[1:]
	lookup := "exact"
	if len(rest) > 0 && slices.Contains(queryTerms, rest[len(rest)-1]) {
		lookup = rest[len(rest)-1]
		rest = rest[:len(rest)-1]
	}
	var allowed []string // nil: any lookup
	var relations, known bool
	if s != nil {
		// A name in filtering that is not a field of the resource (the
		// Torrent Server lists plugin_result on PluginResultJob) is
		// ignored by the server: refuse it like an unknown name.
		rule, ok := s.Filtering[field]
		_, isField := s.Fields[field]
		known = ok && isField
		relations = rule.WithRelations
		if !rule.All && !rule.WithRelations {
			allowed = rule.Lookups
		}
	} else {
		var ok bool
		allowed, ok = r.spec.Filters[field]
		known = ok
		relations = slices.Contains(r.spec.Relations, field)
	}
	if !known {
		return &InvalidArgumentError{Msg: fmt.Sprintf("%s has no filter %q (the server would ignore it and match everything)", r.spec.Name, name)}
	}
	if len(rest) > 0 && !relations {
		return &InvalidArgumentError{Msg: fmt.Sprintf("%s filter %q: %q is not a lookup, and %s is not a relation", r.spec.Name, name, rest[0], field)}
	}
	if len(rest) == 0 && allowed != nil && !slices.Contains(allowed, lookup) {
		return &InvalidArgumentError{Msg: fmt.Sprintf("%s filter %q: lookup %q is not allowed on %s", r.spec.Name, name, lookup, field)}
	}
	return nil
}

// queryPreparer is list options that are checked before they are encoded,
// and may need a copy of themselves encoded instead (ReadResource.query).
type queryPreparer interface {
	prepareQuery() (any, error)
}

// prepareQuery checks the state filters, and writes a time bound whose
// zone offset has seconds in UTC (as Time does): the layout's offset has
// minutes only.
func (o PluginResultJobListOptions) prepareQuery() (any, error) {
	if err := checkStateFilters("PluginResultJobListOptions.State", o.State, o.StateIn); err != nil {
		return nil, err
	}
	for _, p := range []**time.Time{&o.StartTimeGte, &o.StartTimeLte, &o.EndTimeGte, &o.EndTimeLte} {
		if *p == nil {
			continue
		}
		if _, off := (*p).Zone(); off%60 != 0 {
			*p = Ptr((*p).UTC()) // a copy: the caller's time is not changed
		}
	}
	return &o, nil
}

func (o PluginResultListOptions) prepareQuery() (any, error) {
	if err := checkStateFilters("PluginResultListOptions.JobState", o.JobState, o.JobStateIn); err != nil {
		return nil, err
	}
	return &o, nil
}

// checkStateFilters checks a state filter (empty: not set) and its __in
// list, whose every member must be a state.
func checkStateFilters(name string, one JobState, in []JobState) error {
	if one != "" {
		if err := checkState(name, one); err != nil {
			return err
		}
	}
	for i, s := range in {
		if err := checkState(fmt.Sprintf("%sIn[%d]", name, i), s); err != nil {
			return err
		}
	}
	return nil
}
