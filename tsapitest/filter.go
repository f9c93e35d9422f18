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
	}
	return strings.Compare(a.(string), b.(string))
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// text is a value cast to text as PostgreSQL does (x::text).
func text(v any) string {
	switch x := v.(type) {
	case int64:
		return strconv.FormatInt(x, 10)
	case time.Time:
		return pgText(x)
	case bool:
		return strconv.FormatBool(x)
	}
	return v.(string)
}

// lookups are Django 1.6's: only a last "__part" in this set is taken as a
// lookup by tastypie.
var lookups = map[string]bool{
	"exact": true, "iexact": true, "contains": true, "icontains": true, "gt": true, "gte": true,
	"lt": true, "lte": true, "in": true, "startswith": true, "istartswith": true, "endswith": true,
	"iendswith": true, "range": true, "year": true, "month": true, "day": true, "week_day": true,
	"hour": true, "minute": true, "second": true, "isnull": true, "search": true, "regex": true,
	"iregex": true,
}

// cond is one compiled filter: path names fields from the resource
// ("plugin", "name").
type cond struct {
	path    []string
	pred    func(any) bool
	execErr bool // fails when the query runs (500)
}

// errMismatch is tastypie's answer to a filter value Django refuses.
var errMismatch = badRequest("Invalid resource lookup data provided (mismatched type).")

// buildFilters is tastypie's build_filters with Django's checks of each
// value. Unknown parameters are skipped; a field the resource does not let
// filter on gives 400.
func (res *resdef) buildFilters(q map[string][]string) ([]cond, error) {
	var conds []cond
	for _, k := range slices.Sorted(maps.Keys(q)) {
		bits := strings.Split(k, "__")
		if _, known := res.fields[bits[0]]; !known {
			continue // "It's not a field we know about. Move along citizen."
		}
		lookup, rest := "exact", bits[1:]
		if len(rest) > 0 && lookups[rest[len(rest)-1]] {
			lookup, rest = rest[len(rest)-1], rest[:len(rest)-1]
		}
		path, kind, err := res.checkFiltering(bits[0], rest)
		if err != nil {
			return nil, err
		}
		c, err := compileLookup(kind, lookup, q[k])
		if err != nil {
			return nil, err
		}
		c.path = path
		conds = append(conds, c)
	}
	return conds, nil
}

// checkFiltering is tastypie's check_filtering.
func (res *resdef) checkFiltering(name string, rest []string) ([]string, fkind, error) {
	if !res.filtering[name] {
		return nil, 0, badRequest(fmt.Sprintf("The '%s' field does not allow filtering.", name))
	}
	f, ok := res.fields[name]
	if !ok {
		return nil, 0, canned500() // in filtering but not a field: KeyError
	}
	if name == "resource_uri" {
		return nil, 0, badRequest(fmt.Sprintf("The '%s' field has no 'attribute' for searching with.", name))
	}
	if len(rest) == 0 {
		return []string{name}, f.kind, nil
	}
	if f.target == "" {
		return nil, 0, badRequest(fmt.Sprintf("The '%s' field does not support relations.", name))
	}
	sub, kind, err := resources[f.target].checkFiltering(rest[0], rest[1:])
	if err != nil {
		return nil, 0, err
	}
	if len(sub) > 1 {
		return nil, 0, canned500()
	}
	return append([]string{name}, sub...), kind, nil
}

// queryValue is tastypie's filter_value_to_python for one value.
func queryValue(raw string) any {
	switch raw {
	case "true", "True":
		return true
	case "false", "False":
		return false
	case "nil", "none", "None":
		return nil
	}
	return raw
}

// compileLookup is Django's preparation of one lookup's values (the last
// one counts, except for in and range).
func compileLookup(k fkind, lookup string, raws []string) (cond, error) {
	var c cond
	v := queryValue(raws[len(raws)-1])
	if k == kComputed {
		return c, canned500() // FieldError: cannot resolve keyword
	}
	if v == nil && lookup != "exact" {
		if lookup == "in" || lookup == "range" {
			return c, canned500() // len(None)
		}
		return c, errMismatch // "Cannot use None as a query value"
	}
	switch lookup {
	case "exact", "gt", "gte", "lt", "lte":
		if v == nil {
			c.pred = func(x any) bool { return x == nil }
			return c, nil
		}
		want, err := prep(k, v)
		if err != nil {
			return c, err
		}
		ok := map[string]func(int) bool{
			"exact": func(r int) bool { return r == 0 }, "gt": func(r int) bool { return r > 0 },
			"gte": func(r int) bool { return r >= 0 }, "lt": func(r int) bool { return r < 0 },
			"lte": func(r int) bool { return r <= 0 },
		}[lookup]
		c.pred = func(x any) bool { return x != nil && ok(compare(x, want)) }
	case "in", "range":
		if _, isStr := v.(string); !isStr {
			return c, canned500() // len() of a bool
		}
		var vals []any
		for _, raw := range raws {
			for _, part := range strings.Split(raw, ",") {
				if raw == "" {
					break
				}
				w, err := prep(k, part)
				if err != nil {
					return c, err
				}
				vals = append(vals, w)
			}
		}
		if lookup == "in" {
			c.pred = func(x any) bool {
				return x != nil && slices.ContainsFunc(vals, func(w any) bool { return compare(x, w) == 0 })
			}
			return c, nil
		}
		if len(vals) != 2 {
			c.execErr = true // BETWEEN with the wrong number of values
			return c, nil
		}
		c.pred = func(x any) bool { return x != nil && compare(x, vals[0]) >= 0 && compare(x, vals[1]) <= 0 }
	case "isnull":
		want := v == true || (v != false && v != "")
		c.pred = func(x any) bool { return (x == nil) == want }
	case "year", "month", "day", "week_day", "hour", "minute", "second":
		n := int64(boolInt(v == true))
		if s, isStr := v.(string); isStr {
			var err error
			if n, err = pyInt(s); err != nil {
				return c, errMismatch
			}
		}
		if k != kTime {
			c.execErr = true
			return c, nil
		}
		c.pred = func(x any) bool {
			if x == nil {
				return false
			}
			t := x.(time.Time).UTC()
			part := map[string]int{"year": t.Year(), "month": int(t.Month()), "day": t.Day(),
				"week_day": int(t.Weekday()) + 1, "hour": t.Hour(), "minute": t.Minute(), "second": t.Second()}
			return int64(part[lookup]) == n
		}
	case "search":
		c.execErr = true // not implemented on PostgreSQL
	default: // the text lookups: LIKE, UPPER(...) LIKE UPPER(...), ~ and ~*
		match, err := textMatcher(lookup, pyStr(v))
		if err != nil {
			c.execErr = true // a bad regex fails when the query runs
			return c, nil    //nolint:nilerr // answered then
		}
		c.pred = func(x any) bool { return x != nil && match(text(x)) }
	}
	return c, nil
}

func textMatcher(lookup, needle string) (func(string) bool, error) {
	fold := strings.HasPrefix(lookup, "i")
	base := strings.TrimPrefix(lookup, "i")
	up := func(s string) string {
		if fold {
			return strings.ToUpper(s)
		}
		return s
	}
	n := up(needle)
	switch base {
	case "exact":
		return func(s string) bool { return up(s) == n }, nil
	case "contains":
		return func(s string) bool { return strings.Contains(up(s), n) }, nil
	case "startswith":
		return func(s string) bool { return strings.HasPrefix(up(s), n) }, nil
	case "endswith":
		return func(s string) bool { return strings.HasSuffix(up(s), n) }, nil
	}
	if fold {
		needle = "(?i)" + needle
	}
	re, err := regexp.Compile(needle)
	if err != nil {
		return nil, err
	}
	return re.MatchString, nil
}

// prep is Django's get_prep_value for one filter value (a string or a
// bool).
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
	case kTime:
		t, ok := parseTime(s)
		if !isStr || !ok {
			return nil, canned500() // ValidationError: a 500 on the Torrent Server
		}
		return t, nil
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

var (
	djangoDateTime = regexp.MustCompile(`^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,6})\d{0,6})?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$`)
)

// parseTime is Django 1.6's DateTimeField.to_python for a string:
// parse_datetime, then parse_date (midnight); a naive time is UTC.
func parseTime(s string) (time.Time, bool) {
	m := djangoDateTime.FindStringSubmatch(s)
	if m == nil {
		return time.Time{}, false
	}
	n := make([]int, 7)
	for i := range n {
		n[i], _ = strconv.Atoi(m[i+1])
	}
	us, _ := strconv.Atoi((m[7] + "000000")[:6])
	loc := time.UTC
	if tz := m[8]; tz != "" && tz != "Z" {
		digits := strings.ReplaceAll(tz[1:], ":", "") + "00"
		h, _ := strconv.Atoi(digits[:2])
		mi, _ := strconv.Atoi(digits[2:4])
		off := (h*60 + mi) * 60
		if tz[0] == '-' {
			off = -off
		}
		loc = time.FixedZone("", off)
	}
	if n[1] < 1 || n[1] > 12 || n[2] < 1 || n[2] > 31 || n[3] > 23 || n[4] > 59 || n[5] > 59 {
		return time.Time{}, false
	}
	t := time.Date(n[0], time.Month(n[1]), n[2], n[3], n[4], n[5], us*1000, loc)
	return t.UTC(), t.Day() == n[2] // not 31 February
}

// pyInt is Python's int() of a string.
func pyInt(s string) (int64, error) {
	t := strings.TrimSpace(s)
	if rest, ok := strings.CutPrefix(t, "+"); ok {
		if strings.HasPrefix(rest, "-") || strings.HasPrefix(rest, "+") {
			return 0, strconv.ErrSyntax
		}
		t = rest
	}
	return strconv.ParseInt(t, 10, 64)
}

// pageParam is tastypie's Paginator.get_limit and get_offset.
func pageParam(q map[string][]string, name string, def int) (int, error) {
	vals := q[name]
	if len(vals) == 0 {
		return def, nil
	}
	raw := vals[len(vals)-1]
	what := "a positive integer"
	if name == "offset" {
		what = "an integer"
	}
	n, err := pyInt(raw)
	if err != nil {
		return 0, badRequest(fmt.Sprintf("Invalid %s '%s' provided. Please provide %s.", name, raw, what))
	}
	if n < 0 {
		return 0, badRequest(fmt.Sprintf("Invalid %s '%d' provided. Please provide a positive integer >= 0.", name, n))
	}
	if name == "limit" && (n == 0 || n > 1000) {
		return 1000, nil
	}
	return int(min(n, 1<<40)), nil
}

// sorting is tastypie's apply_sorting (order_by, or the deprecated
// sort_by): it sorts rows in place.
func (res *resdef) sorting(q map[string][]string) (func(s *Server, rows []int64) error, error) {
	params := q["order_by"]
	if _, has := q["order_by"]; !has {
		params = q["sort_by"]
	}
	type key struct {
		path []string
		desc bool
	}
	var keys []key
	computed := false
	for _, ob := range params {
		bits := strings.Split(ob, "__")
		name, desc := strings.CutPrefix(bits[0], "-")
		f, known := res.fields[name]
		switch {
		case !known:
			return nil, badRequest(fmt.Sprintf("No matching '%s' field for ordering on.", name))
		case !slices.Contains(res.ordering, name):
			return nil, badRequest(fmt.Sprintf("The '%s' field does not allow ordering.", name))
		case name == "resource_uri":
			return nil, badRequest(fmt.Sprintf("The '%s' field has no 'attribute' for ordering with.", name))
		}
		if len(bits) > 1 {
			rel := resources[f.target]
			if rel == nil || len(bits) > 2 {
				computed = true
			} else if sub, ok := rel.fields[bits[1]]; !ok || sub.kind == kComputed {
				computed = true
			}
		}
		computed = computed || f.kind == kComputed
		keys = append(keys, key{path: append([]string{name}, bits[1:]...), desc: desc})
	}
	if len(keys) == 0 {
		return nil, nil
	}
	return func(s *Server, rows []int64) error {
		if computed {
			return canned500() // FieldError when the query runs
		}
		vals := map[int64][]any{}
		for _, id := range rows {
			for _, k := range keys {
				vals[id] = append(vals[id], res.pathValue(s, id, k.path))
			}
		}
		slices.SortStableFunc(rows, func(a, b int64) int {
			for i, k := range keys {
				x, y := vals[a][i], vals[b][i]
				r := 0
				switch {
				case x == nil && y == nil:
				case x == nil || y == nil: // PostgreSQL: NULLs last ascending
					r = map[bool]int{true: 1, false: -1}[x == nil]
				default:
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
