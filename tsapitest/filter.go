package tsapitest

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// fkind is the Django column type behind a resource field, which decides
// how filter values are converted and compared.
type fkind int

const (
	kInt      fkind = iota // IntegerField, BigIntegerField, AutoField, a foreign key's id
	kStr                   // CharField
	kText                  // a JSON column (TEXT): compared as its stored text
	kTime                  // DateTimeField
	kBool                  // BooleanField
	kComputed              // not a column: Django cannot filter or order on it
)

// fval is one column value.
type fval struct {
	null bool
	i    int64
	s    string
	t    time.Time
	b    bool
}

func intVal(i int64) fval      { return fval{i: i} }
func strVal(s string) fval     { return fval{s: s} }
func boolVal(b bool) fval      { return fval{b: b} }
func timeVal(t time.Time) fval { return fval{t: t} }

func intPtrVal(p *int64) fval {
	if p == nil {
		return fval{null: true}
	}
	return fval{i: *p}
}

func timePtrVal(p *time.Time) fval {
	if p == nil {
		return fval{null: true}
	}
	return fval{t: *p}
}

func strPtrVal(p *string) fval {
	if p == nil {
		return fval{null: true}
	}
	return fval{s: *p}
}

// text is the value cast to text as PostgreSQL does (x::text).
func (v fval) text(k fkind) string {
	switch k {
	case kInt:
		return strconv.FormatInt(v.i, 10)
	case kTime:
		return pgTimeText(v.t)
	case kBool:
		if v.b {
			return "true"
		}
		return "false"
	}
	return v.s
}

// cmp orders two non-null values of kind k.
func (v fval) cmp(k fkind, w fval) int {
	switch k {
	case kInt:
		switch {
		case v.i < w.i:
			return -1
		case v.i > w.i:
			return 1
		}
		return 0
	case kTime:
		return v.t.Compare(w.t)
	case kBool:
		switch {
		case v.b == w.b:
			return 0
		case !v.b:
			return -1
		}
		return 1
	}
	return strings.Compare(v.s, w.s)
}

// queryTerms are Django 1.6's lookups: only a last "__part" in this set is
// taken as a lookup by tastypie.
var queryTerms = map[string]bool{
	"exact": true, "iexact": true, "contains": true, "icontains": true, "gt": true, "gte": true,
	"lt": true, "lte": true, "in": true, "startswith": true, "istartswith": true, "endswith": true,
	"iendswith": true, "range": true, "year": true, "month": true, "day": true, "week_day": true,
	"hour": true, "minute": true, "second": true, "isnull": true, "search": true, "regex": true,
	"iregex": true,
}

// cond is one compiled filter.
type cond struct {
	path    []string // field names from the resource ("plugin", "name")
	kind    fkind    // kind of the last field
	lookup  string
	pred    func(fval) bool
	execErr bool // fails when the query runs (500)
}

// filterInput is one filter as tastypie's build_filters hands it to
// Django: the value after filter_value_to_python.
type filterInput struct {
	path   []string
	kind   fkind
	lookup string
	value  any      // string, bool or nil
	list   []string // for in and range
	isList bool
}

// buildFilters is tastypie's build_filters followed by Django's checks of
// each value. Unknown parameters are skipped; a field the resource does
// not let filter on gives 400.
func (res *resdef) buildFilters(q *qdict) ([]cond, error) {
	var order []string
	byKey := map[string]filterInput{}
	for _, k := range q.copy().keys() {
		bits := strings.Split(k, "__")
		name, rest := bits[0], bits[1:]
		if res.fields[name] == nil {
			continue // "It's not a field we know about. Move along citizen."
		}
		lookup := "exact"
		if len(rest) > 0 && queryTerms[rest[len(rest)-1]] {
			lookup = rest[len(rest)-1]
			rest = rest[:len(rest)-1]
		}
		path, kind, err := res.checkFiltering(name, rest)
		if err != nil {
			return nil, err
		}
		raw, _ := q.get(k)
		in := filterInput{path: path, kind: kind, lookup: lookup}
		switch raw {
		case "true", "True":
			in.value = true
		case "false", "False":
			in.value = false
		case "nil", "none", "None":
			in.value = nil
		default:
			in.value = raw
		}
		if lookup == "in" || lookup == "range" {
			if _, isStr := in.value.(string); !isStr {
				return nil, canned500() // len() of a bool or None: TypeError
			}
			in.isList = true
			in.list = []string{}
			if raw != "" {
				for _, part := range q.getlist(k) {
					in.list = append(in.list, strings.Split(part, ",")...)
				}
			}
		}
		key := strings.Join(path, "__") + "__" + lookup
		if _, seen := byKey[key]; !seen {
			order = append(order, key)
		}
		byKey[key] = in
	}
	conds := make([]cond, 0, len(order))
	for _, key := range order {
		c, err := compileLookup(byKey[key])
		if err != nil {
			return nil, err
		}
		conds = append(conds, c)
	}
	return conds, nil
}

// checkFiltering is tastypie's check_filtering.
func (res *resdef) checkFiltering(name string, rest []string) ([]string, fkind, error) {
	if !res.filtering[name] {
		return nil, 0, badRequest(fmt.Sprintf("The '%s' field does not allow filtering.", name))
	}
	f := res.fields[name]
	if f == nil {
		return nil, 0, canned500() // in filtering but not a field: KeyError
	}
	if f.noAttr {
		return nil, 0, badRequest(fmt.Sprintf("The '%s' field has no 'attribute' for searching with.", name))
	}
	if len(rest) > 0 {
		if f.target == "" {
			return nil, 0, badRequest(fmt.Sprintf("The '%s' field does not support relations.", name))
		}
		sub, kind, err := lookupRes(f.target).checkFiltering(rest[0], rest[1:])
		if err != nil {
			return nil, 0, err
		}
		if len(sub) > 1 {
			return nil, 0, canned500()
		}
		return append([]string{name}, sub...), kind, nil
	}
	return []string{name}, f.kind, nil
}

// compileLookup is Django's preparation of one lookup value.
func compileLookup(in filterInput) (cond, error) {
	c := cond{path: in.path, kind: in.kind, lookup: in.lookup}
	k := in.kind
	if k == kComputed {
		return c, canned500() // FieldError: cannot resolve keyword
	}
	if in.value == nil && in.lookup != "exact" {
		return c, errMismatch // "Cannot use None as a query value"
	}
	switch in.lookup {
	case "exact":
		if in.value == nil {
			c.pred = func(v fval) bool { return v.null }
			return c, nil
		}
		t, err := prepScalar(k, in.value)
		if err != nil {
			return c, err
		}
		c.pred = func(v fval) bool { return !v.null && v.cmp(k, t) == 0 }
	case "gt", "gte", "lt", "lte":
		t, err := prepScalar(k, in.value)
		if err != nil {
			return c, err
		}
		op := in.lookup
		c.pred = func(v fval) bool {
			if v.null {
				return false
			}
			r := v.cmp(k, t)
			switch op {
			case "gt":
				return r > 0
			case "gte":
				return r >= 0
			case "lt":
				return r < 0
			}
			return r <= 0
		}
	case "in", "range":
		vals := make([]fval, 0, len(in.list))
		for _, s := range in.list {
			t, err := prepScalar(k, s)
			if err != nil {
				return c, err
			}
			vals = append(vals, t)
		}
		if in.lookup == "in" {
			c.pred = func(v fval) bool {
				if v.null {
					return false
				}
				for _, t := range vals {
					if v.cmp(k, t) == 0 {
						return true
					}
				}
				return false
			}
			return c, nil
		}
		if len(vals) != 2 {
			c.execErr = true // BETWEEN %s AND %s with the wrong number of values
			return c, nil
		}
		c.pred = func(v fval) bool { return !v.null && v.cmp(k, vals[0]) >= 0 && v.cmp(k, vals[1]) <= 0 }
	case "isnull":
		want := pyTruth(in.value)
		c.pred = func(v fval) bool { return v.null == want }
	case "iexact", "contains", "icontains", "startswith", "istartswith", "endswith", "iendswith", "regex", "iregex":
		needle := pyStr(in.value)
		match, err := textMatcher(in.lookup, needle)
		if err != nil {
			// The server fails at execution, as Django does for a bad
			// regex: recorded in execErr and answered then.
			c.execErr = true
			return c, nil //nolint:nilerr // see above
		}
		c.pred = func(v fval) bool { return !v.null && match(v.text(k)) }
	case "year", "month", "day", "week_day", "hour", "minute", "second":
		var n int64
		switch x := in.value.(type) {
		case bool:
			if x {
				n = 1
			}
		case string:
			var err error
			if n, err = pyInt(x); err != nil {
				return c, errMismatch
			}
		}
		if k != kTime {
			c.execErr = true
			return c, nil
		}
		part := in.lookup
		c.pred = func(v fval) bool {
			if v.null {
				return false
			}
			t := v.t.UTC()
			var got int
			switch part {
			case "year":
				got = t.Year()
			case "month":
				got = int(t.Month())
			case "day":
				got = t.Day()
			case "week_day":
				got = int(t.Weekday()) + 1 // Sunday is 1
			case "hour":
				got = t.Hour()
			case "minute":
				got = t.Minute()
			case "second":
				got = t.Second()
			}
			return int64(got) == n
		}
	default: // search: not implemented on PostgreSQL
		c.execErr = true
	}
	return c, nil
}

func pyTruth(v any) bool {
	switch x := v.(type) {
	case bool:
		return x
	case string:
		return x != ""
	}
	return false
}

// textMatcher compares a column's text with needle as PostgreSQL's LIKE,
// UPPER(...) LIKE UPPER(...) and ~ / ~* do.
func textMatcher(lookup, needle string) (func(string) bool, error) {
	up := strings.ToUpper
	switch lookup {
	case "iexact":
		n := up(needle)
		return func(s string) bool { return up(s) == n }, nil
	case "contains":
		return func(s string) bool { return strings.Contains(s, needle) }, nil
	case "icontains":
		n := up(needle)
		return func(s string) bool { return strings.Contains(up(s), n) }, nil
	case "startswith":
		return func(s string) bool { return strings.HasPrefix(s, needle) }, nil
	case "istartswith":
		n := up(needle)
		return func(s string) bool { return strings.HasPrefix(up(s), n) }, nil
	case "endswith":
		return func(s string) bool { return strings.HasSuffix(s, needle) }, nil
	case "iendswith":
		n := up(needle)
		return func(s string) bool { return strings.HasSuffix(up(s), n) }, nil
	}
	expr := needle
	if lookup == "iregex" {
		expr = "(?i)" + expr
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		return nil, err
	}
	return re.MatchString, nil
}

// prepScalar is Django's get_prep_value for one filter value.
func prepScalar(k fkind, v any) (fval, error) {
	switch k {
	case kInt:
		switch x := v.(type) {
		case bool:
			if x {
				return intVal(1), nil
			}
			return intVal(0), nil
		case string:
			n, err := pyInt(x)
			if err != nil {
				return fval{}, errMismatch
			}
			return intVal(n), nil
		}
	case kStr, kText:
		return strVal(pyStr(v)), nil
	case kTime:
		s, ok := v.(string)
		if !ok {
			return fval{}, canned500() // TypeError in the date parser
		}
		t, ok := parseFilterTime(s)
		if !ok {
			return fval{}, canned500() // ValidationError: a 500 on the Torrent Server
		}
		return timeVal(t), nil
	case kBool:
		switch x := v.(type) {
		case bool:
			return boolVal(x), nil
		case string:
			switch x {
			case "t", "True", "1":
				return boolVal(true), nil
			case "f", "False", "0":
				return boolVal(false), nil
			}
			return fval{}, canned500() // ValidationError
		}
	}
	return fval{}, canned500()
}

var (
	djangoDateTime = regexp.MustCompile(`^(\d{4})-(\d{1,2})-(\d{1,2})[T ](\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,6})\d{0,6})?)?(Z|[+-]\d{2}(?::?\d{2})?)?$`)
	djangoDate     = regexp.MustCompile(`^(\d{4})-(\d{1,2})-(\d{1,2})$`)
)

// parseFilterTime is Django 1.6's DateTimeField.to_python for a string:
// parse_datetime, then parse_date (midnight); a naive time is UTC.
func parseFilterTime(s string) (time.Time, bool) {
	if m := djangoDateTime.FindStringSubmatch(s); m != nil {
		return buildTime(m[1], m[2], m[3], m[4], m[5], m[6], m[7], m[8])
	}
	if m := djangoDate.FindStringSubmatch(s); m != nil {
		return buildTime(m[1], m[2], m[3], "0", "0", "", "", "")
	}
	return time.Time{}, false
}

func buildTime(y, mo, d, h, mi, sec, frac, tz string) (time.Time, bool) {
	atoi := func(s string) int { n, _ := strconv.Atoi(s); return n }
	us := 0
	if frac != "" {
		us = atoi((frac + "000000")[:6])
	}
	loc := time.UTC
	if tz != "" && tz != "Z" {
		sign := 1
		if tz[0] == '-' {
			sign = -1
		}
		digits := strings.ReplaceAll(tz[1:], ":", "")
		off := atoi(digits[:2]) * 60
		if len(digits) > 2 {
			off += atoi(digits[2:])
		}
		loc = time.FixedZone("", sign*off*60)
	}
	Y, M, D, H, Mi, S := atoi(y), atoi(mo), atoi(d), atoi(h), atoi(mi), atoi(sec)
	if M < 1 || M > 12 || D < 1 || D > 31 || H > 23 || Mi > 59 || S > 59 {
		return time.Time{}, false
	}
	t := time.Date(Y, time.Month(M), D, H, Mi, S, us*1000, loc)
	if t.Day() != D { // 31 February
		return time.Time{}, false
	}
	return t.UTC(), true
}
