package tsapitest

import (
	"cmp"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// fkind is the Django column type behind a resource field, which decides
// how filter values are converted and compared. Column values are int64,
// string, time.Time, bool, or nil for NULL.
type fkind int

const (
	kInt      fkind = iota // IntegerField, AutoField, a foreign key's id
	kStr                   // CharField, and JSON columns (compared as their text)
	kTime                  // DateTimeField
	kBool                  // BooleanField
	kComputed              // not a column: Django cannot filter or order on it
	kFloat                 // FloatField
)

// compare orders two non-null values of one kind.
func compare(a, b any) int {
	switch x := a.(type) {
	case int64:
		return cmp.Compare(x, b.(int64))
	case time.Time:
		return x.Compare(b.(time.Time))
	case bool:
		return cmp.Compare(boolInt(x), boolInt(b.(bool)))
	case float64:
		return cmp.Compare(x, b.(float64))
	}
	return strings.Compare(a.(string), b.(string))
}

// boolInt is Python's int() of a bool.
func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// text is a value cast to text as PostgreSQL does (x::text).
func text(v any) string {
	if t, ok := v.(time.Time); ok {
		return pgText(t)
	}
	return fmt.Sprint(v)
}

// lookups are Django 1.6's: tastypie takes a last "__part" as a lookup only if it is one.
var lookups = strings.Fields(`exact iexact contains icontains gt gte lt lte in startswith istartswith
	endswith iendswith range year month day week_day hour minute second isnull search regex iregex`)

// comparisons are the results of compare that each comparison lookup accepts.
var comparisons = map[string][]int{"exact": {0}, "gt": {1}, "gte": {0, 1}, "lt": {-1}, "lte": {-1, 0}}

// cond is one compiled filter: path names fields from the resource ("plugin", "name").
type cond struct {
	path    []string
	pred    func(any) bool
	execErr bool // fails when the query runs (500), before pred is used
}

// errMismatch is tastypie's answer to a filter value Django refuses.
var errMismatch = badRequest("Invalid resource lookup data provided (mismatched type).")

// buildFilters is tastypie's build_filters with Django's checks of each value.
func (res *resdef) buildFilters(q map[string][]string) ([]cond, error) {
	var conds []cond
	for _, k := range slices.Sorted(maps.Keys(q)) {
		bits := strings.Split(k, "__")
		if _, known := res.fields[bits[0]]; !known {
			continue // "It's not a field we know about. Move along citizen."
		}
		lookup, rest := "exact", bits[1:]
		if len(rest) > 0 && slices.Contains(lookups, rest[len(rest)-1]) {
			lookup, rest = rest[len(rest)-1], rest[:len(rest)-1]
		}
		kind, err := res.checkFiltering(bits[0], rest)
		if err != nil {
			return nil, err
		}
		c, err := compileLookup(kind, lookup, q[k])
		if err != nil {
			return nil, err
		}
		c.path = append([]string{bits[0]}, rest...)
		conds = append(conds, c)
	}
	return conds, nil
}

// checkFiltering is tastypie's check_filtering; it gives the kind of the field filtered on.
func (res *resdef) checkFiltering(name string, rest []string) (fkind, error) {
	f, ok := res.fields[name]
	switch {
	case !res.filtering[name]:
		return 0, badRequest(fmt.Sprintf("The '%s' field does not allow filtering.", name))
	case !ok:
		return 0, canned500() // in filtering but not a field: KeyError
	case name == "resource_uri" || noAttribute[res.name+"."+name]:
		return 0, badRequest(fmt.Sprintf("The '%s' field has no 'attribute' for searching with.", name))
	case len(rest) == 0:
		return f.kind, nil
	case f.target == "":
		return 0, badRequest(fmt.Sprintf("The '%s' field does not support relations.", name))
	}
	kind, err := resources[f.target].checkFiltering(rest[0], rest[1:])
	if err == nil && len(rest) > 1 {
		return 0, canned500() // after the 400s of the whole path
	}
	return kind, err
}

// pyValues are the query values tastypie's filter_value_to_python converts.
var pyValues = map[string]any{"true": true, "True": true, "false": false, "False": false, "nil": nil, "none": nil, "None": nil}

// queryValue is tastypie's filter_value_to_python for one value.
func queryValue(raw string) any {
	if v, ok := pyValues[raw]; ok {
		return v
	}
	return raw
}

// compileLookup is Django's preparation of one lookup's values (the last
// one counts, except for in and range).
func compileLookup(k fkind, lookup string, raws []string) (cond, error) {
	var c cond
	v := queryValue(raws[len(raws)-1])
	_, isStr := v.(string)
	switch {
	case k == kComputed:
		return c, canned500() // FieldError: cannot resolve keyword
	case (lookup == "in" || lookup == "range") && !isStr:
		return c, canned500() // len() of None or of a bool
	case v == nil && lookup == "exact":
		c.pred = func(x any) bool { return x == nil }
		return c, nil
	case v == nil:
		return c, errMismatch // "Cannot use None as a query value"
	}
	switch lookup {
	case "exact", "gt", "gte", "lt", "lte":
		want, err := prep(k, v)
		if err != nil {
			return c, err
		}
		accept := comparisons[lookup]
		c.pred = func(x any) bool { return x != nil && slices.Contains(accept, compare(x, want)) }
	case "in", "range":
		var vals []any
		for _, raw := range raws {
			if raws[len(raws)-1] == "" {
				break // tastypie splits the values only when the last is not empty
			}
			for _, part := range strings.Split(raw, ",") {
				w, err := prep(k, part)
				if err != nil {
					return c, err
				}
				vals = append(vals, w)
			}
		}
		switch {
		case lookup == "in":
			c.pred = func(x any) bool {
				return x != nil && slices.ContainsFunc(vals, func(w any) bool { return compare(x, w) == 0 })
			}
		case len(vals) != 2:
			c.execErr = true // BETWEEN with the wrong number of values
		default:
			c.pred = func(x any) bool { return x != nil && compare(x, vals[0]) >= 0 && compare(x, vals[1]) <= 0 }
		}
	case "isnull":
		want := v == true || (v != false && v != "")
		c.pred = func(x any) bool { return (x == nil) == want }
	case "year", "month", "day", "week_day", "hour", "minute", "second":
		want, err := prep(kInt, v)
		if err != nil {
			return c, err
		}
		c.execErr = k != kTime // EXTRACT from a column that is not a datetime
		part := dateParts[lookup]
		c.pred = func(x any) bool { return x != nil && int64(part(x.(time.Time).UTC())) == want }
	case "search":
		c.execErr = true // not implemented on PostgreSQL
	default: // the text lookups: LIKE, UPPER(...) LIKE UPPER(...), ~ and ~*
		match := textMatcher(lookup, pyStr(v))
		c.execErr = match == nil // a bad regex fails when the query runs
		c.pred = func(x any) bool { return x != nil && match(text(x)) }
	}
	return c, nil
}

// dateParts are what the date lookups EXTRACT from a time in UTC.
var dateParts = map[string]func(time.Time) int{
	"year": time.Time.Year, "month": func(t time.Time) int { return int(t.Month()) }, "day": time.Time.Day,
	"week_day": func(t time.Time) int { return int(t.Weekday()) + 1 }, "hour": time.Time.Hour,
	"minute": time.Time.Minute, "second": time.Time.Second,
}

// likeOps are the text lookups other than the regexes, without the "i" that folds case.
var likeOps = map[string]func(s, needle string) bool{
	"exact":      func(s, needle string) bool { return s == needle },
	"contains":   strings.Contains,
	"startswith": strings.HasPrefix,
	"endswith":   strings.HasSuffix,
}

// textMatcher tests a column's text for a text lookup; nil for a bad regex.
func textMatcher(lookup, needle string) func(string) bool {
	base, fold := strings.CutPrefix(lookup, "i")
	op, like := likeOps[base]
	switch {
	case like && fold:
		n := strings.ToUpper(needle)
		return func(s string) bool { return op(strings.ToUpper(s), n) }
	case like:
		return func(s string) bool { return op(s, needle) }
	case fold:
		needle = "(?i)" + needle
	}
	re, err := regexp.Compile(needle)
	if err != nil {
		return nil
	}
	return re.MatchString
}

// prep is Django's get_prep_value for one filter value (a string or a bool).
func prep(k fkind, v any) (any, error) {
	s, isStr := v.(string)
	switch k {
	case kInt:
		if !isStr {
			return int64(boolInt(v == true)), nil
		}
		n, err := pyInt(s)
		if err != nil {
			return nil, errMismatch
		}
		return n, nil
	case kFloat:
		if f, err := strconv.ParseFloat(strings.TrimSpace(pyStr(v)), 64); err == nil {
			return f, nil
		}
		return nil, errMismatch
	case kTime:
		if t, ok := parseTime(s); ok { // never for a bool, whose s is ""
			return t, nil
		}
		return nil, canned500() // ValidationError: a 500 on the Torrent Server
	case kBool:
		switch {
		case !isStr:
			return v, nil
		case s == "t" || s == "True" || s == "1":
			return true, nil
		case s == "f" || s == "False" || s == "0":
			return false, nil
		}
		return nil, canned500()
	}
	return pyStr(v), nil
}

// djangoDateTime is Django's datetime_re, the time being optional.
var djangoDateTime = regexp.MustCompile(`^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,6})\d{0,6})?)?(Z|([+-])(\d{2})(?::?(\d{2}))?)?)?$`)

// parseTime is Django 1.6's DateTimeField.to_python for a string:
// parse_datetime, then parse_date (midnight); a naive time is UTC.
func parseTime(s string) (time.Time, bool) {
	m := djangoDateTime.FindStringSubmatch(s)
	if m == nil {
		return time.Time{}, false
	}
	n := make([]int, len(m)) // n[i] is group i's number, 0 when absent (as for m[0])
	for i, group := range m {
		n[i], _ = strconv.Atoi(group)
	}
	us, _ := strconv.Atoi((m[7] + "000000")[:6])
	off := (n[10]*60 + n[11]) * 60
	if m[9] == "-" {
		off = -off
	}
	if n[2] < 1 || n[2] > 12 || n[3] < 1 || n[3] > 31 || n[4] > 23 || n[5] > 59 || n[6] > 59 {
		return time.Time{}, false
	}
	t := time.Date(n[1], time.Month(n[2]), n[3], n[4], n[5], n[6], us*1000, time.FixedZone("", off))
	return t.UTC(), t.Day() == n[3] // not 31 February
}

// pyInt is Python's int() of a string.
func pyInt(s string) (int64, error) {
	return strconv.ParseInt(strings.TrimSpace(s), 10, 64)
}

// pageParam is tastypie's Paginator.get_limit and get_offset.
func pageParam(q map[string][]string, name string, def int) (int, error) {
	vals := q[name]
	if len(vals) == 0 {
		return def, nil
	}
	raw := vals[len(vals)-1]
	n, err := pyInt(raw)
	switch {
	case err != nil && name == "offset":
		return 0, badRequest(fmt.Sprintf("Invalid offset '%s' provided. Please provide an integer.", raw))
	case err != nil:
		return 0, badRequest(fmt.Sprintf("Invalid limit '%s' provided. Please provide a positive integer.", raw))
	case n < 0:
		return 0, badRequest(fmt.Sprintf("Invalid %s '%d' provided. Please provide a positive integer >= 0.", name, n))
	case name == "limit" && (n == 0 || n > 1000):
		return 1000, nil
	}
	return int(min(n, 1<<40)), nil
}

// sorting is tastypie's apply_sorting (order_by, or the deprecated sort_by):
// a function that sorts rows in place.
func (res *resdef) sorting(q map[string][]string) (func(s *Server, rows []int64) error, error) {
	params, has := q["order_by"]
	if !has {
		params = q["sort_by"]
	}
	type key struct {
		path []string
		desc bool
	}
	var keys []key
	computed := false // Django cannot order on one of the fields
	for _, ob := range params {
		bits := strings.Split(ob, "__")
		name, desc := strings.CutPrefix(bits[0], "-")
		f, known := res.fields[name]
		switch {
		case !known:
			return nil, badRequest(fmt.Sprintf("No matching '%s' field for ordering on.", name))
		case !slices.Contains(res.ordering, name):
			return nil, badRequest(fmt.Sprintf("The '%s' field does not allow ordering.", name))
		case name == "resource_uri" || noAttribute[res.name+"."+name]:
			return nil, badRequest(fmt.Sprintf("The '%s' field has no 'attribute' for ordering with.", name))
		}
		sub, ok := f, len(bits) == 1 // the field ordered on: f, or a field of its related resource
		if rel := resources[f.target]; len(bits) == 2 && rel != nil {
			sub, ok = rel.fields[bits[1]]
		}
		computed = computed || f.kind == kComputed || !ok || sub.kind == kComputed
		keys = append(keys, key{path: append([]string{name}, bits[1:]...), desc: desc})
	}
	switch {
	case len(keys) == 0:
		return nil, nil
	case computed:
		return func(*Server, []int64) error { return canned500() }, nil // FieldError when the query runs
	}
	return func(s *Server, rows []int64) error {
		vals := map[int64][]any{}
		for _, id := range rows {
			for _, k := range keys {
				vals[id] = append(vals[id], res.pathValue(s, id, k.path))
			}
		}
		slices.SortStableFunc(rows, func(a, b int64) int {
			for i, k := range keys {
				x, y := vals[a][i], vals[b][i]
				r := compare(x == nil, y == nil) // PostgreSQL: NULLs last ascending
				if r == 0 && x != nil {
					r = compare(x, y)
				}
				if k.desc {
					r = -r
				}
				if r != 0 {
					return r
				}
			}
			return 0
		})
		return nil
	}, nil
}

// pathValue follows a field path ("plugin", "name") from object id.
func (res *resdef) pathValue(s *Server, id int64, path []string) any {
	if len(path) == 1 {
		return res.value(s, id, path[0])
	}
	ids := res.related(s, id, path[0])
	if len(ids) == 0 {
		return nil
	}
	return resources[res.fields[path[0]].target].value(s, ids[0], path[1])
}
