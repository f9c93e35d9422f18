package tsapitest

import (
	"net/url"
	"strconv"
	"strings"
)

// qdict is Django's QueryDict as the Torrent Server (Python 2.7, Django
// 1.6) builds it: a multi-valued dict whose key order is the order of a
// CPython 2.7 dict, which is what shows in the next/previous links
// tastypie writes.
type qdict struct {
	d    *pydict
	vals map[string][]string
}

// parseQuery parses a raw query as Python 2's parse_qsl(keep_blank_values)
// does: pairs split on '&' and ';', '+' is a space, bad %-escapes are kept.
func parseQuery(raw string) *qdict {
	q := &qdict{d: newPydict(), vals: map[string][]string{}}
	for _, a := range strings.Split(raw, "&") {
		for _, pair := range strings.Split(a, ";") {
			if pair == "" {
				continue
			}
			k, v, _ := strings.Cut(pair, "=")
			q.appendValue(pyUnquote(k), pyUnquote(v))
		}
	}
	return q
}

func (q *qdict) appendValue(k, v string) {
	if _, ok := q.vals[k]; !ok {
		q.d.insert(k)
	}
	q.vals[k] = append(q.vals[k], v)
}

// keys returns the keys in dict order.
func (q *qdict) keys() []string { return q.d.keys() }

// get returns the last value of k, as QueryDict.get does.
func (q *qdict) get(k string) (string, bool) {
	vs := q.vals[k]
	if len(vs) == 0 {
		return "", false
	}
	return vs[len(vs)-1], true
}

func (q *qdict) has(k string) bool { _, ok := q.vals[k]; return ok }

func (q *qdict) getlist(k string) []string { return q.vals[k] }

// copy is QueryDict.copy(): a deep copy, filled in the original's order.
func (q *qdict) copy() *qdict {
	c := &qdict{d: newPydict(), vals: map[string][]string{}}
	for _, k := range q.keys() {
		c.d.insert(k)
		c.vals[k] = append([]string(nil), q.vals[k]...)
	}
	return c
}

func (q *qdict) del(k string) {
	if _, ok := q.vals[k]; ok {
		q.d.remove(k)
		delete(q.vals, k)
	}
}

// pageLink is tastypie's Paginator._generate_uri: the request's query
// without limit and offset, then limit and offset added (in the order of
// the dict literal {'limit': ..., 'offset': ...}), url-encoded by
// QueryDict.urlencode.
func (q *qdict) pageLink(path string, limit, offset int) string {
	c := q.copy()
	c.del("limit")
	c.del("offset")
	lit := newPydict()
	lit.insert("limit")
	lit.insert("offset")
	for _, k := range lit.keys() {
		if k == "limit" {
			c.appendValue("limit", strconv.Itoa(limit))
		} else {
			c.appendValue("offset", strconv.Itoa(offset))
		}
	}
	return path + "?" + c.urlencode()
}

// urlencode is QueryDict.urlencode() under Python 2: quote_plus of each
// key and value (only letters, digits and "_.-" are left as they are).
func (q *qdict) urlencode() string {
	var parts []string
	for _, k := range q.keys() {
		for _, v := range q.vals[k] {
			parts = append(parts, pyQuotePlus(k)+"="+pyQuotePlus(v))
		}
	}
	return strings.Join(parts, "&")
}

func pyQuotePlus(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "~", "%7E")
}

// pyUnquote is Python's unquote_plus, decoding the bytes as UTF-8 with
// replacement as Django does.
func pyUnquote(s string) string {
	s = strings.ReplaceAll(s, "+", " ")
	if !strings.Contains(s, "%") {
		return strings.ToValidUTF8(s, "\uFFFD")
	}
	var b []byte
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+3], 16, 8); err == nil {
				b = append(b, byte(n))
				i += 2
				continue
			}
		}
		b = append(b, s[i])
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

// pydict reproduces the slot order of a CPython 2.7 dict with string keys
// (hash randomisation off, as by default): open addressing with
// perturbation, dummies left by deletions, resized to 4*used when two
// thirds full.
type pydict struct {
	slots []pyslot
	used  int
	fill  int
}

type pyslot struct {
	state int // 0 empty, 1 active, 2 dummy
	key   string
	hash  int64
}

func newPydict() *pydict { return &pydict{slots: make([]pyslot, 8)} }

// pyHash is CPython 2.7's string hash (unicode objects hash their code
// points the same way).
func pyHash(s string) int64 {
	rs := []rune(s)
	if len(rs) == 0 {
		return 0
	}
	x := int64(rs[0]) << 7
	for _, r := range rs {
		x = (1000003 * x) ^ int64(r)
	}
	x ^= int64(len(rs))
	if x == -1 {
		x = -2
	}
	return x
}

// lookup returns the slot of key, or the slot where it would go.
func (d *pydict) lookup(key string, h int64) int {
	mask := uint64(len(d.slots) - 1)
	i := uint64(h) & mask
	free := -1
	s := &d.slots[i]
	switch {
	case s.state == 0:
		return int(i)
	case s.state == 1 && s.hash == h && s.key == key:
		return int(i)
	case s.state == 2:
		free = int(i)
	}
	for perturb := uint64(h); ; perturb >>= 5 {
		i = (i << 2) + i + perturb + 1
		s = &d.slots[i&mask]
		switch {
		case s.state == 0:
			if free >= 0 {
				return free
			}
			return int(i & mask)
		case s.state == 1 && s.hash == h && s.key == key:
			return int(i & mask)
		case s.state == 2 && free < 0:
			free = int(i & mask)
		}
	}
}

func (d *pydict) insert(key string) {
	h := pyHash(key)
	i := d.lookup(key, h)
	s := &d.slots[i]
	if s.state == 1 {
		return
	}
	if s.state == 0 {
		d.fill++
	}
	*s = pyslot{state: 1, key: key, hash: h}
	d.used++
	if d.fill*3 >= len(d.slots)*2 {
		d.resize(4 * d.used)
	}
}

func (d *pydict) remove(key string) {
	i := d.lookup(key, pyHash(key))
	if d.slots[i].state != 1 {
		return
	}
	d.slots[i] = pyslot{state: 2}
	d.used--
}

func (d *pydict) resize(minUsed int) {
	size := 8
	for size <= minUsed {
		size <<= 1
	}
	old := d.slots
	d.slots = make([]pyslot, size)
	d.used, d.fill = 0, 0
	mask := uint64(size - 1)
	for _, s := range old {
		if s.state != 1 {
			continue
		}
		i := uint64(s.hash) & mask
		for perturb := uint64(s.hash); d.slots[i&mask].state != 0; perturb >>= 5 {
			i = (i << 2) + i + perturb + 1
		}
		d.slots[i&mask] = s
		d.used++
		d.fill++
	}
}

func (d *pydict) keys() []string {
	out := make([]string, 0, d.used)
	for _, s := range d.slots {
		if s.state == 1 {
			out = append(out, s.key)
		}
	}
	return out
}
