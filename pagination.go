package tsapi

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"net/url"
	"slices"
	"strconv"
)

// Meta is tastypie's page metadata.
type Meta struct {
	// Limit is the page size the server used (it caps requests at its
	// max_limit, 1000 on the Torrent Server; limit=0 also means 1000 there).
	Limit int `json:"limit"`
	// Offset is the index of the page's first object.
	Offset int `json:"offset"`
	// TotalCount is how many objects matched when the page was made; it can
	// change while a caller pages.
	TotalCount int `json:"total_count"`
	// Next and Previous are the server's links (paths on the server that
	// repeat the query), "" at the ends.
	Next     string `json:"next"`
	Previous string `json:"previous"`
}

// PagingMode chooses how iteration moves from page to page.
type PagingMode int

const (
	// PagingAuto is keyset paging on resources the server lists newest
	// first by id, and offset paging on others.
	PagingAuto PagingMode = iota
	// PagingKeyset asks each next page with id__lt the last id seen. Every
	// object that exists for the whole iteration is yielded exactly once,
	// even while the server inserts or deletes objects. If the server's
	// order turns out not to be descending ids on the first page,
	// iteration falls back to offsets.
	PagingKeyset
	// PagingOffset follows meta.next as the server gives it. Inserts and
	// deletes during iteration can then duplicate or skip objects.
	PagingOffset
)

// DefaultPageSize is the page size iteration asks for when the options set
// no Limit: the Torrent Server's max_limit.
const DefaultPageSize = 1000

// DefaultConcurrency is how many pages iteration keeps in flight unless
// WithConcurrency or ListOptions.Concurrency says otherwise. A Torrent
// Server spends most of a page's time building it (about 80 ms for 1000
// jobs under tastypie), so a client reading one page at a time waits on
// one server worker while the others idle. Four in flight read 20 000 jobs
// from the reference server in about half the time, within a few percent
// of the server-bound floor (bench/RESULTS.md), and a 429 or 503 slows all
// four down together; a larger number would mostly add load to a server
// that is also serving its instruments and users.
const DefaultConcurrency = 4

// ListOptions are the options every list takes. Embed it in a resource's
// options struct.
type ListOptions struct {
	// Limit is the page size (the server caps it at 1000; 0 asks the
	// server's default for List, and DefaultPageSize for iteration).
	Limit int `url:"limit,omitempty"`
	// Offset skips that many objects. Iteration with an Offset uses offset
	// paging.
	Offset int `url:"offset,omitempty"`
	// OrderBy is sent as order_by. It is refused before any request unless
	// the resource's fetched schema lists the field under ordering.
	OrderBy []string `url:"order_by,omitempty"`
	// Filters holds further filters ("plugin__name": {"x"}), checked like
	// the typed ones.
	Filters url.Values `url:"-"`
	// Paging chooses how iteration moves between pages.
	Paging PagingMode `url:"-"`
	// Concurrency is how many pages keyset iteration keeps in flight (0:
	// the Client's, see WithConcurrency; 1: one after another).
	Concurrency int `url:"-"`
}

func (o ListOptions) listOptions() ListOptions { return o }

// Page is one page of a list.
type Page[T any] struct {
	// Objects are the page's objects. The caller may sort, trim or change
	// them: iteration has read what it needs before the page is yielded.
	Objects []*T
	// Meta is the page's metadata. Under keyset paging each request asks
	// only for ids below the last one seen, so the server's own counts
	// shrink page by page; Meta then says what offset paging would:
	// TotalCount is the total of the first page (the objects that matched
	// when iteration began) and Offset how many objects came before this
	// page. Response.Meta keeps the server's figures.
	Meta Meta
	// Response is the page's HTTP answer.
	Response *Response
}

// LogValue logs the page's size and metadata, never its objects.
func (p *Page[T]) LogValue() slog.Value {
	if p == nil {
		return slog.StringValue("nil page")
	}
	return slog.GroupValue(slog.Int("objects", len(p.Objects)), slog.Int("offset", p.Meta.Offset),
		slog.Int("total_count", p.Meta.TotalCount), slog.Any("response", p.Response))
}

// ErrTooMany is returned by Collect when more objects match than its cap.
var ErrTooMany = errors.New("tsapi: more objects match than the cap allows")

// ErrPagination is matched by errors from iteration when the server's
// pages cannot be trusted: a repeated next link, a next link to another
// host, or pages out of the order keyset paging relies on.
var ErrPagination = errors.New("tsapi: inconsistent pagination")

// PaginationError is an iteration stopped because the server's pages are
// inconsistent. It matches ErrPagination.
type PaginationError struct{ Msg string }

// Error returns the message.
func (e *PaginationError) Error() string { return "tsapi: pagination: " + e.Msg }

// Is matches ErrPagination.
func (e *PaginationError) Is(target error) bool { return target == ErrPagination }

// Pages iterates over the pages of objects matching opts (nil: no filter).
// It never changes opts, checks ctx before each request, and stops with an
// error (yielded once, with a nil page) on the first failure. Breaking out
// of the loop stops further requests.
//
// On a resource the server lists newest first, it pages by keyset (each
// next page asks for ids below the last one seen), so that every object
// that exists for the whole iteration is yielded exactly once while the
// server inserts and deletes; see PagingMode. A first page of one object
// is followed by a request for two objects, to learn the order before
// paging on.
//
// With more than one page in flight (the default, DefaultConcurrency), the
// ids below the first page are split into ranges, each paged by keyset and
// bounded within the caller's own id__gte and id__gt, and pages are
// yielded in the server's order. Pages that arrive early wait in memory:
// at most n+n/2+1 pages with n in flight, counting those in flight (7 at
// DefaultConcurrency). Every request the iteration started has ended when
// the loop does, whether it ran to the end, broke out, panicked or its ctx
// was cancelled.
func (r *ReadResource[T, O]) Pages(ctx context.Context, opts *O) iter.Seq2[*Page[T], error] {
	return func(yield func(*Page[T], error) bool) {
		if ctx == nil {
			yield(nil, &InvalidArgumentError{Msg: "nil context"})
			return
		}
		q, lo, err := r.query(opts)
		if err != nil {
			yield(nil, err)
			return
		}
		mode := PagingOffset
		if r.spec.ID != nil && r.spec.NewestFirst {
			mode = PagingKeyset
		}
		if lo.Paging != PagingAuto {
			mode = lo.Paging
			if mode == PagingKeyset && r.spec.ID == nil {
				mode = PagingOffset
			}
		}
		if q.Get("offset") != "" || q.Get("order_by") != "" {
			mode = PagingOffset
		}
		if q.Get("limit") == "" {
			q.Set("limit", strconv.Itoa(DefaultPageSize))
		}
		// A next link may echo a credential: errors never show one.
		p := pager[T, O]{r: r, ctx: ctx, yield: func(pg *Page[T], err error) bool { return yield(pg, r.client.hideSecrets(err)) }}
		conc := r.client.concurrency
		if lo.Concurrency > 0 {
			conc = lo.Concurrency
		}
		switch {
		case mode == PagingKeyset && conc > 1:
			p.concurrentKeyset(ctx, q, conc)
		case mode == PagingKeyset:
			p.keysetFrom(q, nil)
		default:
			p.offset(r.listPath(), q)
		}
	}
}

type pager[T any, O ListOptionsType] struct {
	r     *ReadResource[T, O]
	ctx   context.Context
	yield func(*Page[T], error) bool
}

// fetch gets one page, yielding an error on failure. ok is false when
// iteration must stop.
func (p *pager[T, O]) fetch(path string, q url.Values) (*Page[T], bool) {
	if err := p.ctx.Err(); err != nil {
		p.yield(nil, err)
		return nil, false
	}
	objs, resp, err := p.r.listURL(p.ctx, path, q)
	if err != nil {
		p.yield(nil, err)
		return nil, false
	}
	page := &Page[T]{Objects: objs, Response: resp}
	if resp.Meta != nil {
		page.Meta = *resp.Meta
	}
	return page, true
}

// offset follows meta.next exactly as the server gives it.
func (p *pager[T, O]) offset(path string, q url.Values) {
	seen := map[string]bool{}
	for {
		page, ok := p.fetch(path, q)
		if !ok {
			return
		}
		next, empty := page.Meta.Next, len(page.Objects) == 0
		if !p.yield(page, nil) {
			return
		}
		if next == "" || empty {
			return
		}
		nextPath, err := p.r.client.sameServer(next)
		if err != nil {
			p.yield(nil, err)
			return
		}
		if seen[nextPath] {
			p.yield(nil, &PaginationError{Msg: fmt.Sprintf("the server repeated the next link %s", redactRawURL(next))})
			return
		}
		seen[nextPath] = true
		path, q = nextPath, nil
	}
}

// keysetFrom asks each next page for ids below the last one seen,
// starting with page when it is not nil (the first page, already fetched
// with q) and with a request for q otherwise. Until two ids have confirmed
// that the server lists by descending id, it follows the server's next
// links; if they show another order, it goes on by offsets. A first page
// of one object is followed by a request for two (probeOrder), so that
// the order is known before any offset link is followed.
func (p *pager[T, O]) keysetFrom(q url.Values, page *Page[T]) {
	idOf := p.r.spec.ID
	var last int64
	seen, total, before := 0, 0, 0
	path, cur := p.r.listPath(), q
	for first := true; ; first = false {
		if page == nil {
			var ok bool
			if page, ok = p.fetch(path, cur); !ok {
				return
			}
		}
		// Filtering through a to-many relation repeats an object once per
		// matching related row, next to each other: yield it once.
		page.Objects = slices.CompactFunc(page.Objects, func(a, b *T) bool { return idOf(a) == idOf(b) })
		confirmed := seen >= 2
		descending, bad := true, int64(0)
		for _, o := range page.Objects {
			id := idOf(o)
			if seen > 0 && id >= last {
				descending, bad = false, id
				break
			}
			last = id
			seen++
		}
		if !descending && confirmed {
			p.yield(nil, &PaginationError{Msg: fmt.Sprintf("%s ids are not descending across pages (id %d after %d)", p.r.spec.Name, bad, last)})
			return
		}
		if first {
			total = page.Meta.TotalCount
		}
		// Everything iteration needs is read before the caller gets the
		// page, which it may change.
		next, n := page.Meta.Next, len(page.Objects)
		page.Meta.TotalCount, page.Meta.Offset = total, before
		before += n
		if !p.yield(page, nil) {
			return
		}
		page = nil
		if next == "" || n == 0 {
			return
		}
		if first && seen == 1 {
			// One object shows no order, and the next link is an offset,
			// which skips or repeats objects while the server changes: ask
			// two objects to see the order instead.
			order, rest, ok := p.probeOrder(q)
			switch {
			case !ok:
				return
			case order > 0:
				seen = 2
			case order < 0:
				descending = false
			default:
				// Fewer than two objects match now: they are all that is
				// left of the objects that existed at the first page. The
				// ones below it are yielded; one above it came since.
				rest.Objects = slices.DeleteFunc(rest.Objects, func(o *T) bool { return idOf(o) >= last })
				if len(rest.Objects) > 0 {
					rest.Meta.TotalCount, rest.Meta.Offset, rest.Meta.Next = total, before, ""
					p.yield(rest, nil)
				}
				return
			}
		}
		if !descending || seen < 2 {
			// Another order, or not yet known: the server's links.
			nextPath, err := p.r.client.sameServer(next)
			if err != nil {
				p.yield(nil, err)
				return
			}
			if !descending {
				p.offset(nextPath, nil)
				return
			}
			path, cur = nextPath, nil
			continue
		}
		path, cur = p.r.listPath(), cloneValues(q)
		cur.Set("id__lt", strconv.FormatInt(last, 10))
		cur.Del("offset")
	}
}

// probeOrder asks the first two objects matching q to learn the server's
// order: 1 when their ids descend, -1 when they do not, 0 when fewer than
// two distinct objects came; page is the answer, its objects compacted.
// ok is false when the request failed (the error is yielded).
func (p *pager[T, O]) probeOrder(q url.Values) (order int, page *Page[T], ok bool) {
	idOf := p.r.spec.ID
	cur := cloneValues(q)
	cur.Set("limit", "2")
	cur.Del("offset")
	page, ok = p.fetch(p.r.listPath(), cur)
	if !ok {
		return 0, nil, false
	}
	page.Objects = slices.CompactFunc(page.Objects, func(a, b *T) bool { return idOf(a) == idOf(b) })
	switch objs := page.Objects; {
	case len(objs) < 2:
		return 0, page, true
	case idOf(objs[1]) < idOf(objs[0]):
		return 1, page, true
	default:
		return -1, page, true
	}
}

func cloneValues(q url.Values) url.Values {
	c := make(url.Values, len(q))
	for k, v := range q {
		c[k] = append([]string(nil), v...)
	}
	return c
}

// sameServer checks that a next link stays on the Client's server and
// returns it as an absolute path with its query.
func (c *Client) sameServer(link string) (string, error) {
	u, err := url.Parse(link)
	if err != nil {
		return "", &PaginationError{Msg: "the server's next link does not parse"}
	}
	if u.Host != "" && (u.Host != c.baseURL.Host || (u.Scheme != "" && u.Scheme != c.baseURL.Scheme)) {
		return "", &PaginationError{Msg: fmt.Sprintf("the server's next link %s points to another server; not followed", redactURL(u))}
	}
	if u.Host == "" && u.Path != "" && u.Path[0] != '/' {
		u = c.baseURL.ResolveReference(u)
	}
	return (&url.URL{Path: u.Path, RawQuery: u.RawQuery}).String(), nil
}

// All iterates over every object matching opts, page after page (see
// Pages for the rules). An object the server repeats next to itself (a
// filter through a to-many relation lists it once per matching related
// row, across a page boundary too) is yielded once. An error is yielded
// once, with a nil object, and ends the iteration.
func (r *ReadResource[T, O]) All(ctx context.Context, opts *O) iter.Seq2[*T, error] {
	return func(yield func(*T, error) bool) {
		var last int64
		started := false
		for page, err := range r.Pages(ctx, opts) {
			if err != nil {
				yield(nil, err)
				return
			}
			for _, o := range page.Objects {
				if r.spec.ID != nil {
					id := r.spec.ID(o)
					if started && id == last {
						continue
					}
					last, started = id, true
				}
				if !yield(o, nil) {
					return
				}
			}
		}
	}
}

// Collect returns every object matching opts, up to maxObjects. When more
// match it returns the first maxObjects with an error matching ErrTooMany,
// never a silently truncated list.
func (r *ReadResource[T, O]) Collect(ctx context.Context, opts *O, maxObjects int) ([]*T, error) {
	if maxObjects <= 0 {
		return nil, &InvalidArgumentError{Msg: "Collect needs a positive cap"}
	}
	var out []*T
	for o, err := range r.All(ctx, opts) {
		if err != nil {
			return out, err
		}
		if len(out) == maxObjects {
			return out, fmt.Errorf("%w (%d)", ErrTooMany, maxObjects)
		}
		out = append(out, o)
	}
	return out, nil
}

// Count returns how many objects match opts (meta.total_count of a
// one-object page).
func (r *ReadResource[T, O]) Count(ctx context.Context, opts *O) (int, *Response, error) {
	q, _, err := r.query(opts)
	if err != nil {
		return 0, nil, err
	}
	q.Set("limit", "1")
	q.Del("offset")
	_, resp, err := r.listURL(ctx, r.listPath(), q)
	if err != nil {
		return 0, resp, err
	}
	if resp.Meta == nil {
		return 0, resp, newDecodeError(resp, fmt.Errorf("list answer has no meta"))
	}
	return resp.Meta.TotalCount, resp, nil
}
