package cmdutil

import (
	"context"
	"iter"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/tsapi-go/tsapi"
)

// Lister is how a list verb reaches one server's objects of type T: one
// page, every page, and the records of a page's objects (which may fetch
// what the objects link to, once a page).
type Lister[T any] struct {
	// Page lists the newest limit objects that match.
	Page func(ctx context.Context, limit int) ([]*T, *tsapi.Response, error)
	// Pages iterates over the pages of every object that matches.
	Pages func(ctx context.Context) iter.Seq2[*tsapi.Page[T], error]
	// Records are the objects as the tool prints them; on an error it
	// returns the records it could make.
	Records func(ctx context.Context, objs []*T) ([]*Record, error)
}

// List lists s's objects: the newest limit, with how many match in all,
// or with all every one, page after page, with progress on a terminal
// naming what is listed (noun, "analysis result").
func (l Lister[T]) List(ctx context.Context, ios *IOStreams, s *Server, noun string, limit int, all bool) (Rows, error) {
	if !all {
		objs, resp, err := l.Page(ctx, limit)
		var rows Rows
		if resp != nil && resp.Meta != nil {
			rows.Total = resp.Meta.TotalCount
		}
		if err != nil {
			return rows, err
		}
		rows.Records, err = l.Records(ctx, objs)
		return rows, err
	}
	var rows Rows
	defer ios.ProgressDone()
	for page, err := range l.Pages(ctx) {
		if err != nil {
			return rows, err
		}
		recs, err := l.Records(ctx, page.Objects)
		rows.Records = append(rows.Records, recs...)
		if err != nil {
			return rows, err
		}
		ios.Progress("%s: %d of %s", s.Name, len(rows.Records), Plural(page.Meta.TotalCount, noun))
	}
	return rows, nil
}

// CheckLimit refuses --limit with --all, and a limit the server would cap
// (noun names what is listed, "plan").
func CheckLimit(limitGiven bool, limit int, all bool, noun string) error {
	if limitGiven && all {
		return Usagef("--all lists every matching %s and --limit the newest few: give one of them", noun)
	}
	if limit < 1 || limit > 1000 {
		return Usagef("--limit must be between 1 and 1000 (--all lists every %s)", noun)
	}
	return nil
}

// ParseList reads values given as repeated flags, each of which may be a
// comma-separated list, without blanks and repeats.
func ParseList(values []string) []string {
	var out []string
	for _, v := range values {
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" && !slices.Contains(out, s) {
				out = append(out, s)
			}
		}
	}
	return out
}

// Needs reports whether the fields printed (nil: every field) include one
// of want, so that a command fetches what only those fields show when
// they are printed.
func Needs(printed []string, want ...string) bool {
	if printed == nil {
		return true
	}
	return slices.ContainsFunc(want, func(f string) bool { return slices.Contains(printed, f) })
}

// Str is a nullable text field's value: nil for none.
func Str(p *string) any {
	if p == nil {
		return nil
	}
	return *p
}

// Int is a nullable number field's value: nil for none.
func Int(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

// At prints a time a model holds by value as Instant does; nil for the
// zero time (the field was absent or null).
func At(t tsapi.Time) any {
	if t.IsZero() {
		return nil
	}
	return Instant(&t)
}

// LinkID is the id of a nullable link (a resource URI), nil for none or
// for a value that is not a resource URI.
func LinkID(uri *string) any {
	if uri == nil || *uri == "" {
		return nil
	}
	id, err := tsapi.IDFromURI(*uri)
	if err != nil {
		return nil
	}
	return id
}

// Lists is what a list verb needs of a service whose list options are O.
type Lists[T, O any] interface {
	List(ctx context.Context, opts *O) ([]*T, *tsapi.Response, error)
	Pages(ctx context.Context, opts *O) iter.Seq2[*tsapi.Page[T], error]
}

// ListerOf is the Lister of svc for the options query makes (limit is 0
// when every page is read, the page's size otherwise), printing each
// page's objects with records.
func ListerOf[T, O any](svc Lists[T, O], query func(limit int) *O, records func(ctx context.Context, objs []*T) ([]*Record, error)) Lister[T] {
	return Lister[T]{
		Page: func(ctx context.Context, limit int) ([]*T, *tsapi.Response, error) {
			return svc.List(ctx, query(limit))
		},
		Pages:   func(ctx context.Context) iter.Seq2[*tsapi.Page[T], error] { return svc.Pages(ctx, query(0)) },
		Records: records,
	}
}

// ListVerb describes what a list verb prints.
type ListVerb struct {
	// Noun names one object ("analysis result"); Action says what the
	// verb does to the servers ("read analysis results").
	Noun, Action string
	// Default are the fields printed without --fields.
	Default []string
}

// ListOptions are what every list verb shares: the servers, the output,
// and how many objects to list.
type ListOptions struct {
	IO      *IOStreams
	Servers func() ([]*Server, error)
	Output  Output
	Ctx     context.Context
	// Limit is how many objects to list (one page, at most 1000).
	Limit int
	// All lists every matching object, page after page.
	All bool
}

// RunList lists on every server, newest first: the newest o.Limit with how
// many match, or with o.All every one; lister makes a server's Lister for
// the fields the printer shows.
func RunList[T any](o ListOptions, v *ListVerb, lister func(s *Server, fields []string) Lister[T]) error {
	servers, err := o.Servers()
	if err != nil {
		return err
	}
	p, err := NewPrinter(o.IO, o.Output, v.Default)
	if err != nil {
		return err
	}
	each := &Each{IO: o.IO, Servers: servers, Printer: p, Action: v.Action, Noun: v.Noun,
		More: " (--limit for more, --all for every one)"}
	return each.Run(o.Ctx, func(ctx context.Context, s *Server) (Rows, error) {
		return lister(s, p.Fields()).List(ctx, o.IO, s, v.Noun, o.Limit, o.All)
	})
}

// RecordsOf makes a Lister's Records from a function that needs nothing
// but the objects.
func RecordsOf[T any](records func([]*T) []*Record) func(context.Context, []*T) ([]*Record, error) {
	return func(_ context.Context, objs []*T) ([]*Record, error) { return records(objs), nil }
}

// RangeFlags are the flags the list verbs of the runs share: --since,
// --until, --filter, --limit and --all.
type RangeFlags struct {
	since, until string
	filters      []string
	// Limit and All are --limit and --all.
	Limit int
	All   bool
}

// Register adds the flags to cmd, their help naming the objects (plural,
// "plans"), what their time says ("dated", "analysed") and the resource
// --filter reaches.
func (r *RangeFlags) Register(cmd *cobra.Command, plural, dated, resource string) {
	fs := cmd.Flags()
	fs.StringVar(&r.since, "since", "", "only "+plural+" "+dated+" at or after this time: 2026-11-30, an RFC 3339 time, or a duration ago (24h, 30d, 2w)")
	fs.StringVar(&r.until, "until", "", "only "+plural+" "+dated+" at or before this time (as --since)")
	fs.StringArrayVar(&r.filters, "filter", nil, "a further filter name__lookup=value of the "+resource+" resource (repeatable)")
	fs.IntVarP(&r.Limit, "limit", "L", 20, "how many "+plural+" to list, newest first (at most 1000)")
	fs.BoolVar(&r.All, "all", false, "every matching "+strings.TrimSuffix(plural, "s")+", page after page (progress on stderr)")
}

// Parse reads the flags as given to cmd, times relative to now; a bad
// value is a usage error naming noun.
func (r *RangeFlags) Parse(cmd *cobra.Command, now time.Time, noun string) (since, until *time.Time, filters map[string][]string, err error) {
	if since, err = ParseWhen("since", r.since, now); err != nil {
		return nil, nil, nil, err
	}
	if until, err = ParseWhen("until", r.until, now); err != nil {
		return nil, nil, nil, err
	}
	if filters, err = ParseFilters(r.filters); err != nil {
		return nil, nil, nil, err
	}
	if err := CheckLimit(cmd.Flags().Changed("limit"), r.Limit, r.All, noun); err != nil {
		return nil, nil, nil, err
	}
	return since, until, filters, nil
}
