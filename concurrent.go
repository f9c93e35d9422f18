package tsapi

import (
	"context"
	"net/url"
	"slices"
	"strconv"
	"sync"
)

// maxRanges bounds how many id ranges a concurrent iteration splits the
// ids below its first page into, per page in flight.
const maxRanges = 64

// maxHeldPages is how many pages, counting those in flight, a concurrent
// iteration with n requests in flight holds ahead of the page the caller
// is reading: n + n/2 (6 at DefaultConcurrency), and one more for the
// range the caller reads. Behind a slow page the other requests stay in
// flight until n/2 pages wait; more would keep them going longer, at the
// cost of memory (each page of 1000 jobs is about a megabyte decoded). Pages
// arrive in whatever order the server answers; a range that has answered
// waits in memory for the one before it, so n requests stay in flight
// behind a slow page until n pages are waiting.
func maxHeldPages(n int) int { return n + n/2 }

// idRange is the ids from lo (included) to hi (excluded); lo 0 is no lower
// bound of the iteration's own (the caller's, if any, still applies).
type idRange struct{ lo, hi int64 }

// rangeState is one range's progress: the next page's upper bound, the
// pages that arrived and wait for the caller, and whether a request for
// it is in flight or it was paged to its end.
type rangeState[T any] struct {
	r      idRange
	hi     int64
	pages  []*Page[T]
	active bool
	done   bool
}

// rangeSched shares the ranges of one concurrent iteration between its
// workers and the caller's goroutine. Its fields are guarded by mu.
type rangeSched[T any] struct {
	mu     sync.Mutex
	wake   *sync.Cond
	ranges []rangeState[T]
	cur    int // the range the caller reads
	// held counts the pages that wait for the caller and the requests in
	// flight. A request is taken only while held < maxHeld, but for the
	// range the caller reads, so held never passes maxHeld+1.
	held    int
	maxHeld int
	err     error
	stopped bool
}

// concurrentKeyset pages with up to n requests in flight. The first page
// is fetched as keyset paging does; the ids below it (and above the
// caller's own id__gte or id__gt, if any) are then split into ranges, each
// paged by keyset within its bounds, and their pages are yielded in the
// server's order (descending ids). Every id belongs to one range, so an
// object that exists for the whole iteration is yielded exactly once
// whatever the server inserts or deletes meanwhile.
//
// n workers take the next request of the earliest range that has none in
// flight, so n requests stay in flight whatever order the server answers
// in; pages that arrive ahead of the caller wait in memory, at most
// maxHeldPages(n)+1 of them counting those in flight (the range the
// caller reads is always fetched). When the first page does not show
// descending ids (one object, or another order), it goes on as sequential
// keyset paging does. Every worker has ended when the iteration returns,
// whether the caller read to the end, broke out, panicked or cancelled.
func (p *pager[T, O]) concurrentKeyset(ctx context.Context, q url.Values, n int) {
	idOf := p.r.spec.ID
	first, ok := p.fetch(p.r.listPath(), q)
	if !ok {
		return
	}
	first.Objects = slices.CompactFunc(first.Objects, func(a, b *T) bool { return idOf(a) == idOf(b) })
	objs := first.Objects
	descending := len(objs) >= 2
	for i := 1; i < len(objs) && descending; i++ {
		descending = idOf(objs[i]) < idOf(objs[i-1])
	}
	floor, bounded := lowerIDBound(q)
	if !descending || !bounded {
		// The order is not shown yet (or is another), or the caller's
		// lower bound is not one the ranges can intersect: go on one page
		// after another, which keeps the caller's id filters as given.
		p.keysetFrom(q, first)
		return
	}
	next, count := first.Meta.Next, len(objs)
	top, bottom := idOf(objs[0]), idOf(objs[count-1])
	total := first.Meta.TotalCount
	first.Meta.Offset = 0
	if !p.yield(first, nil) || next == "" {
		return
	}
	limit, _ := strconv.Atoi(q.Get("limit"))
	ranges := splitIDs(floor, bottom, top, count, limit, n)
	if len(ranges) == 0 {
		return
	}

	ctx, cancel := context.WithCancel(ctx)
	s := &rangeSched[T]{ranges: make([]rangeState[T], len(ranges)), maxHeld: maxHeldPages(n)}
	s.wake = sync.NewCond(&s.mu)
	for i, r := range ranges {
		s.ranges[i] = rangeState[T]{r: r, hi: r.hi}
	}
	var wg sync.WaitGroup
	// On the way out, for whatever reason: stop the workers, cancel their
	// requests, and wait for them. cancel comes before Wait, so that a
	// worker blocked in a request returns at once.
	defer func() {
		s.mu.Lock()
		s.stopped = true
		s.wake.Broadcast()
		s.mu.Unlock()
		cancel()
		wg.Wait()
	}()
	for range min(n, len(ranges)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p.rangeWorker(ctx, q, floor, s)
		}()
	}
	before := count
	for {
		page, end, err := s.nextPage()
		if end {
			return
		}
		if err != nil {
			p.yield(nil, err)
			return
		}
		page.Meta.TotalCount, page.Meta.Offset = total, before
		before += len(page.Objects)
		if !p.yield(page, nil) {
			return
		}
	}
}

// nextPage waits for the next page in the server's order. end is true
// when every range was paged to its end.
func (s *rangeSched[T]) nextPage() (page *Page[T], end bool, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for {
		if s.cur == len(s.ranges) {
			return nil, true, nil
		}
		r := &s.ranges[s.cur]
		switch {
		case len(r.pages) > 0:
			// The slot is cleared, so that the slice's array does not
			// keep the page alive after the caller is done with it.
			page, r.pages[0], r.pages = r.pages[0], nil, r.pages[1:]
			s.held--
			s.wake.Broadcast()
			return page, false, nil
		case s.err != nil:
			return nil, false, s.err
		case r.done:
			r.pages = nil
			s.cur++
			s.wake.Broadcast()
			continue
		}
		s.wake.Wait()
	}
}

// take picks the next request for a worker: the earliest range from the
// caller's on that has none in flight and is not paged to its end, while
// the held pages leave room (the caller's own range is always taken). It
// returns -1 when the worker must stop.
func (s *rangeSched[T]) take() int {
	for {
		if s.stopped || s.err != nil {
			return -1
		}
		all := true
		for i := s.cur; i < len(s.ranges); i++ {
			r := &s.ranges[i]
			if r.done {
				continue
			}
			all = false
			if r.active || (i != s.cur && s.held >= s.maxHeld) {
				continue
			}
			r.active = true
			s.held++
			return i
		}
		if all {
			return -1
		}
		s.wake.Wait()
	}
}

// rangeWorker fetches pages of ranges, one request at a time, until every
// range is paged to its end, an error stops the iteration, or the caller
// has gone.
func (p *pager[T, O]) rangeWorker(ctx context.Context, q url.Values, floor int64, s *rangeSched[T]) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for {
		i := s.take()
		if i < 0 {
			return
		}
		r, hi := s.ranges[i].r, s.ranges[i].hi
		s.mu.Unlock()
		page, last, more, err := p.rangePage(ctx, q, floor, r, hi)
		s.mu.Lock()
		st := &s.ranges[i]
		st.active = false
		switch {
		case s.stopped:
		case err != nil:
			if s.err == nil {
				s.err = err
			}
		default:
			if page != nil {
				st.pages = append(st.pages, page)
			}
			st.hi, st.done = last, !more
		}
		if page == nil || s.stopped || err != nil {
			s.held-- // the request's place, with no page to hold
		}
		s.wake.Broadcast()
	}
}

// rangePage fetches the page of range r below hi. It returns the page (nil
// when it holds no object), the last id it holds, and whether the range
// has more.
func (p *pager[T, O]) rangePage(ctx context.Context, q url.Values, floor int64, r idRange, hi int64) (*Page[T], int64, bool, error) {
	idOf := p.r.spec.ID
	if err := ctx.Err(); err != nil {
		return nil, 0, false, err
	}
	cur := cloneValues(q)
	cur.Del("offset")
	cur.Set("id__lt", strconv.FormatInt(hi, 10))
	// The range's own lower bound, intersected with the caller's: the
	// caller's id__gt and id__gte become the one id__gte they mean.
	if lo := max(r.lo, floor); lo > 0 {
		cur.Del("id__gt")
		cur.Set("id__gte", strconv.FormatInt(lo, 10))
	}
	objs, resp, err := p.r.listURL(ctx, p.r.listPath(), cur)
	if err != nil {
		return nil, 0, false, err
	}
	objs = slices.CompactFunc(objs, func(a, b *T) bool { return idOf(a) == idOf(b) })
	for i, o := range objs {
		id := idOf(o)
		if id >= hi || id < r.lo || (i > 0 && id >= idOf(objs[i-1])) {
			return nil, 0, false, &PaginationError{Msg: p.r.spec.Name + " ids are not descending within a range of ids"}
		}
	}
	page := &Page[T]{Objects: objs, Response: resp}
	if resp.Meta != nil {
		page.Meta = *resp.Meta
	}
	if len(objs) == 0 {
		return nil, hi, false, nil
	}
	return page, idOf(objs[len(objs)-1]), page.Meta.Next != "", nil
}

// lowerIDBound reads the caller's lower bound on ids from q: the least id
// that id__gte and id__gt allow (0 when neither is given). ok is false
// when a bound is not one whole number, which the ranges could not
// intersect without changing what the caller asked.
func lowerIDBound(q url.Values) (floor int64, ok bool) {
	for _, k := range []string{"id__gte", "id__gt"} {
		vs, given := q[k]
		if !given {
			continue
		}
		if len(vs) != 1 {
			return 0, false
		}
		v, err := strconv.ParseInt(vs[0], 10, 64)
		if err != nil || v == 1<<63-1 {
			return 0, false
		}
		if k == "id__gt" {
			v++
		}
		floor = max(floor, v)
	}
	return floor, true
}

// splitIDs splits the ids from floor up to bottom (excluded) into ranges
// expected to hold about a page each, judging by the first page's density
// (count objects between bottom and top), at most maxRanges per request
// in flight, highest first.
func splitIDs(floor, bottom, top int64, count, limit, n int) []idRange {
	floor = max(floor, 1)
	if bottom <= floor {
		return nil
	}
	if limit <= 0 {
		limit = DefaultPageSize
	}
	span := top - bottom + 1
	width := max(1, span*int64(limit)/int64(max(count, 1)))
	below := bottom - floor
	k := (below + width - 1) / width
	if k > int64(maxRanges*n) {
		k = int64(maxRanges * n)
		width = (below + k - 1) / k
	}
	var out []idRange
	for hi := bottom; hi > floor; hi -= width {
		out = append(out, idRange{lo: max(floor, hi-width), hi: hi})
	}
	out[len(out)-1].lo = 0 // the last range takes every id below it
	return out
}
