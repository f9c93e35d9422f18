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

// idRange is the ids from lo (included) to hi (excluded).
type idRange struct{ lo, hi int64 }

// rangeItem is one page of a range, or the error that ended it.
type rangeItem[T any] struct {
	page *Page[T]
	err  error
}

// concurrentKeyset pages with up to n requests in flight. The first page
// is fetched as keyset paging does; the ids below it are then split into
// ranges, each paged by keyset within its bounds (id__gte, id__lt), at
// most n ranges at a time, and their pages are yielded in the server's
// order (descending ids). Every id belongs to one range, so an object that
// exists for the whole iteration is yielded exactly once whatever the
// server inserts or deletes meanwhile. At most n ranges are started ahead
// of the one being yielded and each holds one page ready, so memory stays
// bounded. When the first page does not show descending ids, it follows
// the server's links instead, as keyset paging does.
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
	next, count := first.Meta.Next, len(objs)
	if !descending {
		// Not shown to be newest first: follow the server's links, as
		// sequential keyset paging does until the order is known.
		if !p.yield(first, nil) || next == "" || count == 0 {
			return
		}
		path, err := p.r.client.sameServer(next)
		if err != nil {
			p.yield(nil, err)
			return
		}
		p.offset(path, nil)
		return
	}
	top, bottom := idOf(objs[0]), idOf(objs[count-1])
	total := first.Meta.TotalCount
	first.Meta.Offset = 0
	if !p.yield(first, nil) || next == "" {
		return
	}
	limit, _ := strconv.Atoi(q.Get("limit"))
	ranges := splitIDs(bottom, top, count, limit, n)

	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	slots := make([]chan rangeItem[T], len(ranges))
	for i := range slots {
		slots[i] = make(chan rangeItem[T], 1)
	}
	// finished[i] is set (before slots[i] closes) when range i was paged
	// to its end; a range that stopped early stopped for ctx.
	finished := make([]bool, len(ranges))
	var wg sync.WaitGroup
	defer wg.Wait()
	start := func(i int) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer close(slots[i])
			finished[i] = p.pageRange(ctx, q, ranges[i], slots[i])
		}()
	}
	started := 0
	for ; started < min(n, len(ranges)); started++ {
		start(started)
	}
	before := count
	for i := range ranges {
		for item := range slots[i] {
			if item.err != nil {
				cancel()
				p.yield(nil, item.err)
				return
			}
			item.page.Meta.TotalCount, item.page.Meta.Offset = total, before
			before += len(item.page.Objects)
			if !p.yield(item.page, nil) {
				return
			}
		}
		if !finished[i] {
			// Only the caller's ctx stops a range without an error
			// (this function cancels only on its way out).
			err := parent.Err()
			if err == nil {
				err = context.Canceled
			}
			p.yield(nil, err)
			return
		}
		if started < len(ranges) {
			start(started)
			started++
		}
	}
}

// pageRange pages the ids of one range by keyset, newest first, into out.
// It tells whether it reached the range's end; when it did not, it has sent
// the error that stopped it, or ctx ended.
func (p *pager[T, O]) pageRange(ctx context.Context, q url.Values, r idRange, out chan<- rangeItem[T]) bool {
	idOf := p.r.spec.ID
	hi := r.hi
	for {
		cur := cloneValues(q)
		cur.Del("offset")
		cur.Set("id__lt", strconv.FormatInt(hi, 10))
		if r.lo > 0 {
			cur.Set("id__gte", strconv.FormatInt(r.lo, 10))
		}
		if ctx.Err() != nil {
			return false // the iteration stopped
		}
		objs, resp, err := p.r.listURL(ctx, p.r.listPath(), cur)
		if err != nil {
			if ctx.Err() == nil {
				select {
				case out <- rangeItem[T]{err: err}:
				case <-ctx.Done():
				}
			}
			return false
		}
		objs = slices.CompactFunc(objs, func(a, b *T) bool { return idOf(a) == idOf(b) })
		for i, o := range objs {
			id := idOf(o)
			if id >= hi || id < r.lo || (i > 0 && id >= idOf(objs[i-1])) {
				select {
				case out <- rangeItem[T]{err: &PaginationError{Msg: p.r.spec.Name + " ids are not descending within a range of ids"}}:
				case <-ctx.Done():
				}
				return false
			}
		}
		page := &Page[T]{Objects: objs, Response: resp}
		if resp.Meta != nil {
			page.Meta = *resp.Meta
		}
		last := int64(0)
		if len(objs) > 0 {
			last = idOf(objs[len(objs)-1])
		}
		more := page.Meta.Next != "" && len(objs) > 0
		if len(objs) > 0 {
			select {
			case out <- rangeItem[T]{page: page}:
			case <-ctx.Done():
				return false
			}
		}
		if !more {
			return true
		}
		hi = last
	}
}

// splitIDs splits the ids below bottom into ranges expected to hold about
// a page each, judging by the first page's density (count objects between
// bottom and top), at most maxRanges per request in flight.
func splitIDs(bottom, top int64, count, limit, n int) []idRange {
	if bottom <= 1 {
		return nil
	}
	if limit <= 0 {
		limit = DefaultPageSize
	}
	span := top - bottom + 1
	width := max(1, span*int64(limit)/int64(max(count, 1)))
	k := (bottom - 1 + width - 1) / width
	if k > int64(maxRanges*n) {
		k = int64(maxRanges * n)
		width = (bottom - 1 + k - 1) / k
	}
	var out []idRange
	for hi := bottom; hi > 1; hi -= width {
		out = append(out, idRange{lo: max(1, hi-width), hi: hi})
	}
	out[len(out)-1].lo = 0 // the last range takes every id below it
	return out
}
