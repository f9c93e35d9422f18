package cmdutil

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tsapi-go/tsapi"
)

// StateNames are the 11 states the server stores, for help and completion.
func StateNames() []string {
	s := make([]string, len(tsapi.JobStates))
	for i, st := range tsapi.JobStates {
		s[i] = string(st)
	}
	return s
}

// RunLevelNames are the 6 run levels.
func RunLevelNames() []string {
	s := make([]string, len(tsapi.RunLevels))
	for i, l := range tsapi.RunLevels {
		s[i] = string(l)
	}
	return s
}

// ParseState refuses a state the server does not store, suggesting the
// one meant.
func ParseState(s string) (tsapi.JobState, error) {
	st := tsapi.JobState(strings.TrimSpace(s))
	if st.IsKnown() {
		return st, nil
	}
	if m := Suggest(string(st), StateNames()); m != "" {
		return "", Usagef("unknown state %q: did you mean %q? (states: %s)", s, m, strings.Join(StateNames(), ", "))
	}
	return "", Usagef("unknown state %q (states: %s)", s, strings.Join(StateNames(), ", "))
}

// ParseStates reads states given as repeated flags, each of which may be
// a comma-separated list (--state Started,Queued).
func ParseStates(values []string) ([]tsapi.JobState, error) {
	var out []tsapi.JobState
	for _, v := range values {
		for _, s := range strings.Split(v, ",") {
			if strings.TrimSpace(s) == "" {
				continue
			}
			st, err := ParseState(s)
			if err != nil {
				return nil, err
			}
			if !slices.Contains(out, st) {
				out = append(out, st)
			}
		}
	}
	return out, nil
}

// ParseRunLevel refuses an unknown run level.
func ParseRunLevel(s string) (tsapi.RunLevel, error) {
	l := tsapi.RunLevel(strings.TrimSpace(s))
	if slices.Contains(tsapi.RunLevels, l) {
		return l, nil
	}
	if m := Suggest(string(l), RunLevelNames()); m != "" {
		return "", Usagef("unknown run level %q: did you mean %q? (run levels: %s)", s, m, strings.Join(RunLevelNames(), ", "))
	}
	return "", Usagef("unknown run level %q (run levels: %s)", s, strings.Join(RunLevelNames(), ", "))
}

// ParseRunLevels reads run levels given as repeated or comma-separated
// flags.
func ParseRunLevels(values []string) ([]tsapi.RunLevel, error) {
	var out []tsapi.RunLevel
	for _, v := range values {
		for _, s := range strings.Split(v, ",") {
			if strings.TrimSpace(s) == "" {
				continue
			}
			l, err := ParseRunLevel(s)
			if err != nil {
				return nil, err
			}
			if !slices.Contains(out, l) {
				out = append(out, l)
			}
		}
	}
	return out, nil
}

var agoRe = regexp.MustCompile(`^(\d+(?:\.\d+)?)(w|d|h|m|s|ms)`)

// ParseAgo reads a duration as people write one: Go's (90m, 1h30m) and
// days and weeks (30d, 2w, 1d12h).
func ParseAgo(s string) (time.Duration, bool) {
	if d, err := time.ParseDuration(s); err == nil {
		return d, true
	}
	rest, total := s, time.Duration(0)
	for rest != "" {
		m := agoRe.FindStringSubmatch(rest)
		if m == nil {
			return 0, false
		}
		n, _ := strconv.ParseFloat(m[1], 64)
		unit := map[string]time.Duration{"w": 7 * 24 * time.Hour, "d": 24 * time.Hour, "h": time.Hour,
			"m": time.Minute, "s": time.Second, "ms": time.Millisecond}[m[2]]
		total += time.Duration(n * float64(unit))
		rest = rest[len(m[0]):]
	}
	return total, s != ""
}

var timeLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02"}

// ParseWhen reads a date, a time, or a duration before now (24h, 30d)
// for flag.
func ParseWhen(flag, s string, now time.Time) (*time.Time, error) {
	if s == "" {
		return nil, nil
	}
	if d, ok := ParseAgo(s); ok {
		t := now.Add(-d)
		return &t, nil
	}
	for _, layout := range timeLayouts {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			return &t, nil
		}
	}
	return nil, Usagef("--%s %q is neither a time (2026-11-30, 2026-11-30T08:00:00Z) nor a duration ago (24h, 30d, 2w)", flag, s)
}

// timeFields are the fields holding a time, whose filter values must be
// times.
var timeFields = map[string]bool{"starttime": true, "endtime": true, "date": true, "timeStamp": true}

// timeLookups are the lookups that compare a time with the value given.
var timeLookups = map[string]bool{"": true, "exact": true, "gt": true, "gte": true, "lt": true, "lte": true, "range": true}

// ParseFilters reads name__lookup=value pairs. A value of a time field
// that is not a time is refused here: the server would answer 400, or
// worse, compare it as text.
func ParseFilters(pairs []string) (map[string][]string, error) {
	if len(pairs) == 0 {
		return nil, nil
	}
	out := map[string][]string{}
	for _, p := range pairs {
		k, v, ok := strings.Cut(p, "=")
		if !ok || k == "" {
			return nil, Usagef("--filter %q: want name__lookup=value", p)
		}
		field, lookup, _ := strings.Cut(k, "__")
		if timeFields[field] && timeLookups[lookup] {
			parts := []string{v}
			if lookup == "range" {
				parts = strings.Split(v, ",")
			}
			for _, part := range parts {
				if !isTime(part) {
					return nil, Usagef("--filter %s: %q is not a time: write 2026-11-30 or 2026-11-30T08:00:00Z (or use --since and --until)", k, part)
				}
			}
		}
		out[k] = append(out[k], v)
	}
	return out, nil
}

func isTime(s string) bool {
	for _, layout := range timeLayouts {
		if _, err := time.Parse(layout, s); err == nil {
			return true
		}
	}
	return false
}

// ParseID reads an object id.
func ParseID(s string) (int64, error) {
	id, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || id <= 0 {
		return 0, Usagef("%q is not an id (a positive number)", s)
	}
	return id, nil
}

// ParseIDs reads ids, each argument an id or a comma-separated list of
// them.
func ParseIDs(args []string) ([]int64, error) {
	var ids []int64
	for _, a := range args {
		for _, s := range strings.Split(a, ",") {
			if s == "" {
				continue
			}
			id, err := ParseID(s)
			if err != nil {
				return nil, err
			}
			if !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		}
	}
	return ids, nil
}

// Plural is "1 job", "3 jobs".
func Plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// OneOrIn is how a flag's values filter: one value as the exact filter,
// several as the __in filter (the other result is the zero value).
func OneOrIn[T any](values []T) (exact T, in []T) {
	switch len(values) {
	case 0:
	case 1:
		exact = values[0]
	default:
		in = values
	}
	return exact, in
}

// CopyFilters is a copy of --filter's parsed values, for a request's
// list options (nil when there are none).
func CopyFilters(filters map[string][]string) map[string][]string {
	if len(filters) == 0 {
		return nil
	}
	out := make(map[string][]string, len(filters))
	for k, v := range filters {
		out[k] = append([]string(nil), v...)
	}
	return out
}
