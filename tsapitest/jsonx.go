package tsapitest

import (
	"errors"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// This file holds the JSON layer of the fake. Request bodies are parsed
// into an order-keeping tree (Python's json.loads keeps key order, which
// shows in the text Torrent Suite stores for JSON columns), and answers are
// written the way tastypie's serializer writes them: keys sorted,
// Python's ", " and ": " separators, non-ASCII left as is.

// jnum is a JSON number kept as its literal text.
type jnum string

// jobj is a JSON object that keeps its key order (later duplicates replace
// the value but keep the first position, as a Python dict does).
type jobj struct {
	keys []string
	vals map[string]any
}

func newObj() *jobj { return &jobj{vals: map[string]any{}} }

func (o *jobj) set(k string, v any) {
	if _, ok := o.vals[k]; !ok {
		o.keys = append(o.keys, k)
	}
	o.vals[k] = v
}

func (o *jobj) get(k string) (any, bool) {
	v, ok := o.vals[k]
	return v, ok
}

func (o *jobj) del(k string) {
	if _, ok := o.vals[k]; !ok {
		return
	}
	delete(o.vals, k)
	for i, kk := range o.keys {
		if kk == k {
			o.keys = append(o.keys[:i:i], o.keys[i+1:]...)
			break
		}
	}
}

func (o *jobj) clone() *jobj {
	c := &jobj{keys: append([]string(nil), o.keys...), vals: make(map[string]any, len(o.vals))}
	for k, v := range o.vals {
		c.vals[k] = cloneJSON(v)
	}
	return c
}

func cloneJSON(v any) any {
	switch x := v.(type) {
	case *jobj:
		return x.clone()
	case []any:
		c := make([]any, len(x))
		for i, e := range x {
			c[i] = cloneJSON(e)
		}
		return c
	}
	return v
}

// errBadJSON is what the body parser reports for text Python's json.loads
// would refuse.
var errBadJSON = errors.New("invalid JSON")

// parseJSON parses one JSON document (with surrounding whitespace) into
// nil, bool, string, jnum, []any and *jobj values.
func parseJSON(b []byte) (any, error) {
	p := &jparser{s: b}
	p.ws()
	v, err := p.value(0)
	if err != nil {
		return nil, err
	}
	p.ws()
	if p.i != len(p.s) {
		return nil, errBadJSON
	}
	return v, nil
}

type jparser struct {
	s []byte
	i int
}

func (p *jparser) ws() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *jparser) value(depth int) (any, error) {
	if depth > 500 || p.i >= len(p.s) {
		return nil, errBadJSON
	}
	switch c := p.s[p.i]; {
	case c == '{':
		p.i++
		o := newObj()
		p.ws()
		if p.i < len(p.s) && p.s[p.i] == '}' {
			p.i++
			return o, nil
		}
		for {
			p.ws()
			if p.i >= len(p.s) || p.s[p.i] != '"' {
				return nil, errBadJSON
			}
			k, err := p.str()
			if err != nil {
				return nil, err
			}
			p.ws()
			if p.i >= len(p.s) || p.s[p.i] != ':' {
				return nil, errBadJSON
			}
			p.i++
			p.ws()
			v, err := p.value(depth + 1)
			if err != nil {
				return nil, err
			}
			o.set(k, v)
			p.ws()
			if p.i >= len(p.s) {
				return nil, errBadJSON
			}
			if p.s[p.i] == ',' {
				p.i++
				continue
			}
			if p.s[p.i] == '}' {
				p.i++
				return o, nil
			}
			return nil, errBadJSON
		}
	case c == '[':
		p.i++
		a := []any{}
		p.ws()
		if p.i < len(p.s) && p.s[p.i] == ']' {
			p.i++
			return a, nil
		}
		for {
			p.ws()
			v, err := p.value(depth + 1)
			if err != nil {
				return nil, err
			}
			a = append(a, v)
			p.ws()
			if p.i >= len(p.s) {
				return nil, errBadJSON
			}
			if p.s[p.i] == ',' {
				p.i++
				continue
			}
			if p.s[p.i] == ']' {
				p.i++
				return a, nil
			}
			return nil, errBadJSON
		}
	case c == '"':
		return p.str()
	case c == 't':
		return p.lit("true", true)
	case c == 'f':
		return p.lit("false", false)
	case c == 'n':
		return p.lit("null", nil)
	case c == '-' || (c >= '0' && c <= '9'):
		return p.num()
	}
	return nil, errBadJSON
}

func (p *jparser) lit(word string, v any) (any, error) {
	if !strings.HasPrefix(string(p.s[p.i:min(len(p.s), p.i+len(word))]), word) {
		return nil, errBadJSON
	}
	p.i += len(word)
	return v, nil
}

func (p *jparser) num() (any, error) {
	start := p.i
	if p.s[p.i] == '-' {
		p.i++
	}
	digits := func() int {
		n := 0
		for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
			p.i++
			n++
		}
		return n
	}
	if p.i >= len(p.s) {
		return nil, errBadJSON
	}
	if p.s[p.i] == '0' {
		p.i++
	} else if digits() == 0 {
		return nil, errBadJSON
	}
	if p.i < len(p.s) && p.s[p.i] == '.' {
		p.i++
		if digits() == 0 {
			return nil, errBadJSON
		}
	}
	if p.i < len(p.s) && (p.s[p.i] == 'e' || p.s[p.i] == 'E') {
		p.i++
		if p.i < len(p.s) && (p.s[p.i] == '+' || p.s[p.i] == '-') {
			p.i++
		}
		if digits() == 0 {
			return nil, errBadJSON
		}
	}
	return jnum(p.s[start:p.i]), nil
}

func (p *jparser) str() (string, error) {
	p.i++ // opening quote
	var b strings.Builder
	for {
		if p.i >= len(p.s) {
			return "", errBadJSON
		}
		c := p.s[p.i]
		switch {
		case c == '"':
			p.i++
			return b.String(), nil
		case c < 0x20:
			return "", errBadJSON // Python's strict mode refuses control characters
		case c == '\\':
			p.i++
			if p.i >= len(p.s) {
				return "", errBadJSON
			}
			e := p.s[p.i]
			p.i++
			switch e {
			case '"', '\\', '/':
				b.WriteByte(e)
			case 'b':
				b.WriteByte('\b')
			case 'f':
				b.WriteByte('\f')
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			case 't':
				b.WriteByte('\t')
			case 'u':
				r, ok := p.hex4()
				if !ok {
					return "", errBadJSON
				}
				if utf16.IsSurrogate(r) && p.i+1 < len(p.s) && p.s[p.i] == '\\' && p.s[p.i+1] == 'u' {
					save := p.i
					p.i += 2
					r2, ok := p.hex4()
					if ok {
						if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
							b.WriteRune(d)
							continue
						}
					}
					p.i = save
				}
				b.WriteRune(r)
			default:
				return "", errBadJSON
			}
		default:
			r, size := utf8.DecodeRune(p.s[p.i:])
			b.WriteRune(r)
			p.i += size
		}
	}
}

func (p *jparser) hex4() (rune, bool) {
	if p.i+4 > len(p.s) {
		return 0, false
	}
	n, err := strconv.ParseUint(string(p.s[p.i:p.i+4]), 16, 32)
	if err != nil {
		return 0, false
	}
	p.i += 4
	return rune(n), true
}

// isIntLiteral reports whether a JSON number literal is an integer
// (Python's json.loads gives an int, not a float, for it).
func isIntLiteral(n jnum) bool {
	return !strings.ContainsAny(string(n), ".eE")
}

// normInt writes an integer literal as Python prints the int ("-0" is 0).
func normInt(n jnum) string {
	s := string(n)
	if strings.TrimLeft(strings.TrimPrefix(s, "-"), "0") == "" {
		return "0"
	}
	return s
}

// decimalString is str(Decimal(literal)) in Python: how tastypie prints a
// non-integer number read back from a Torrent Suite JSON column.
func decimalString(lit string) string {
	sign := ""
	if strings.HasPrefix(lit, "-") {
		sign = "-"
		lit = lit[1:]
	}
	mant, exp := lit, 0
	if i := strings.IndexAny(lit, "eE"); i >= 0 {
		mant = lit[:i]
		e, err := strconv.Atoi(strings.TrimPrefix(lit[i+1:], "+"))
		if err != nil {
			return sign + lit
		}
		exp = e
	}
	if i := strings.IndexByte(mant, '.'); i >= 0 {
		exp -= len(mant) - i - 1
		mant = mant[:i] + mant[i+1:]
	}
	digits := strings.TrimLeft(mant, "0")
	if digits == "" {
		digits = "0"
	}
	left := exp + len(digits)
	dot := 1
	if exp <= 0 && left > -6 {
		dot = left
	}
	var intPart, frac string
	switch {
	case dot <= 0:
		intPart, frac = "0", "."+strings.Repeat("0", -dot)+digits
	case dot >= len(digits):
		intPart = digits + strings.Repeat("0", dot-len(digits))
	default:
		intPart, frac = digits[:dot], "."+digits[dot:]
	}
	e := ""
	if left != dot {
		e = "E" + strconv.FormatInt(int64(left-dot), 10)
		if left-dot >= 0 {
			e = "E+" + strconv.Itoa(left-dot)
		}
	}
	return sign + intPart + frac + e
}

// pyFloatRepr is Python's repr() of a float.
func pyFloatRepr(f float64) string {
	switch {
	case math.IsNaN(f):
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	s := strconv.FormatFloat(f, 'e', -1, 64) // d.ddddde±XX
	mant, expS, _ := strings.Cut(s, "e")
	exp, _ := strconv.Atoi(expS)
	neg := strings.HasPrefix(mant, "-")
	mant = strings.TrimPrefix(mant, "-")
	digits := strings.Replace(mant, ".", "", 1)
	sign := ""
	if neg {
		sign = "-"
	}
	if exp >= -4 && exp < 16 {
		var out string
		if exp >= 0 {
			if len(digits) <= exp+1 {
				out = digits + strings.Repeat("0", exp+1-len(digits)) + ".0"
			} else {
				out = digits[:exp+1] + "." + digits[exp+1:]
			}
		} else {
			out = "0." + strings.Repeat("0", -exp-1) + digits
		}
		return sign + out
	}
	m := digits[:1]
	if len(digits) > 1 {
		m += "." + digits[1:]
	}
	es := strconv.Itoa(abs(exp))
	if len(es) < 2 {
		es = "0" + es
	}
	if exp < 0 {
		return sign + m + "e-" + es
	}
	return sign + m + "e+" + es
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// pyStr is Python's str() of a decoded JSON value, which is what a Django
// CharField stores when a client sends a non-string.
func pyStr(v any) string {
	switch x := v.(type) {
	case nil:
		return "None"
	case bool:
		if x {
			return "True"
		}
		return "False"
	case string:
		return x
	case jnum:
		if isIntLiteral(x) {
			return normInt(x)
		}
		f, err := strconv.ParseFloat(string(x), 64)
		if err != nil {
			return string(x)
		}
		return pyFloatRepr(f)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = pyRepr(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case *jobj:
		parts := make([]string, len(x.keys))
		for i, k := range x.keys {
			parts[i] = pyRepr(k) + ": " + pyRepr(x.vals[k])
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return ""
}

func pyRepr(v any) string {
	if s, ok := v.(string); ok {
		q := "'"
		if strings.Contains(s, "'") && !strings.Contains(s, `"`) {
			q = `"`
		}
		r := strings.NewReplacer(`\`, `\\`, "\n", `\n`, "\r", `\r`, "\t", `\t`)
		s = r.Replace(s)
		if q == "'" {
			s = strings.ReplaceAll(s, "'", `\'`)
		}
		return q + s + q
	}
	return pyStr(v)
}

// dumpStored is json.dumps(value, separators=(",", ":")) as Torrent
// Suite's JSONField writes a column: key order kept, non-ASCII escaped.
// decimals says whether non-integer numbers are Decimals read back from the
// database (written as JSON strings) or floats sent by a client (numbers).
func dumpStored(v any, decimals bool) string {
	var b strings.Builder
	writeStored(&b, v, decimals)
	return b.String()
}

func writeStored(b *strings.Builder, v any, decimals bool) {
	switch x := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		if x {
			b.WriteString("true")
		} else {
			b.WriteString("false")
		}
	case string:
		writeJSONString(b, x, true)
	case jnum:
		switch {
		case isIntLiteral(x):
			b.WriteString(normInt(x))
		case decimals:
			writeJSONString(b, decimalString(string(x)), true)
		default:
			// A client's float, written with Python's repr.
			f, err := strconv.ParseFloat(string(x), 64)
			if err != nil || math.IsInf(f, 0) {
				b.WriteString(string(x))
			} else {
				b.WriteString(pyFloatRepr(f))
			}
		}
	case []any:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			writeStored(b, e, decimals)
		}
		b.WriteByte(']')
	case *jobj:
		b.WriteByte('{')
		for i, k := range x.keys {
			if i > 0 {
				b.WriteByte(',')
			}
			writeJSONString(b, k, true)
			b.WriteByte(':')
			writeStored(b, x.vals[k], decimals)
		}
		b.WriteByte('}')
	}
}

// writeJSONString writes s as a Python json string: ensureASCII escapes
// everything outside space..~ (as json.dumps does by default); otherwise only
// quotes, backslashes and control characters are escaped.
func writeJSONString(b *strings.Builder, s string, ensureASCII bool) {
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		default:
			switch {
			case r < 0x20:
				b.WriteString(`\u00`)
				b.WriteString(hex2(int(r)))
			case ensureASCII && r > '~':
				if r > 0xFFFF {
					r1, r2 := utf16.EncodeRune(r)
					b.WriteString(`\u` + hex4(int(r1)) + `\u` + hex4(int(r2)))
				} else {
					b.WriteString(`\u` + hex4(int(r)))
				}
			default:
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
}

func hex2(n int) string {
	s := strconv.FormatInt(int64(n), 16)
	return strings.Repeat("0", 2-len(s)) + s
}

func hex4(n int) string {
	s := strconv.FormatInt(int64(n), 16)
	return strings.Repeat("0", 4-len(s)) + s
}

// loadStored reads a JSON column as Torrent Suite's JSONField does: empty or
// unparsable text, or JSON that is not an object, reads as {}.
func loadStored(text string) *jobj {
	if text == "" {
		return newObj()
	}
	v, err := parseJSON([]byte(text))
	if err != nil {
		return newObj()
	}
	o, ok := v.(*jobj)
	if !ok {
		return newObj()
	}
	return o
}

// fromStored turns a column's object into the value tastypie serialises:
// non-integer numbers (Python Decimals) become strings.
func fromStored(v any) any {
	switch x := v.(type) {
	case jnum:
		if isIntLiteral(x) {
			return jnum(normInt(x))
		}
		return decimalString(string(x))
	case []any:
		c := make([]any, len(x))
		for i, e := range x {
			c[i] = fromStored(e)
		}
		return c
	case *jobj:
		c := newObj()
		for _, k := range x.keys {
			c.set(k, fromStored(x.vals[k]))
		}
		return c
	}
	return v
}

// pyEncode writes v as tastypie's JSON serializer does
// (json.dumps(sort_keys=True, ensure_ascii=False)). Values: nil, bool,
// string, jnum, int, int64, float64, time.Time, []any, []string,
// map[string]any, *jobj.
func pyEncode(v any) []byte {
	var b strings.Builder
	writePy(&b, v)
	return []byte(b.String())
}

func writePy(b *strings.Builder, v any) {
	switch x := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		if x {
			b.WriteString("true")
		} else {
			b.WriteString("false")
		}
	case string:
		writeJSONString(b, x, false)
	case jnum:
		b.WriteString(string(x))
	case int:
		b.WriteString(strconv.Itoa(x))
	case int64:
		b.WriteString(strconv.FormatInt(x, 10))
	case *int64:
		if x == nil {
			b.WriteString("null")
		} else {
			b.WriteString(strconv.FormatInt(*x, 10))
		}
	case float64:
		b.WriteString(pyFloatRepr(x))
	case time.Time:
		writeJSONString(b, formatTime(x), false)
	case *time.Time:
		if x == nil {
			b.WriteString("null")
		} else {
			writeJSONString(b, formatTime(*x), false)
		}
	case []string:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteString(", ")
			}
			writeJSONString(b, e, false)
		}
		b.WriteByte(']')
	case []any:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteString(", ")
			}
			writePy(b, e)
		}
		b.WriteByte(']')
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteString(", ")
			}
			writeJSONString(b, k, false)
			b.WriteString(": ")
			writePy(b, x[k])
		}
		b.WriteByte('}')
	case *jobj:
		keys := append([]string(nil), x.keys...)
		sort.Strings(keys)
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteString(", ")
			}
			writeJSONString(b, k, false)
			b.WriteString(": ")
			writePy(b, x.vals[k])
		}
		b.WriteByte('}')
	default:
		b.WriteString("null")
	}
}

// formatTime writes a datetime as the Torrent Server's serializer does:
// UTC with "+00:00", and the whole milliseconds written into the
// microsecond digits (.549123 s is ".000549"); no fraction when that is 0.
func formatTime(t time.Time) string {
	t = t.UTC()
	ms := t.Nanosecond() / 1e6
	s := t.Format("2006-01-02T15:04:05")
	if ms != 0 {
		s += "." + strings.Repeat("0", 6-len(strconv.Itoa(ms))) + strconv.Itoa(ms)
	}
	return s + "+00:00"
}

// pgTimeText is how PostgreSQL prints a timestamptz as text in a UTC
// session ("2017-08-09 20:26:03.549123+00"), what text lookups
// (contains, startswith, regex...) on a datetime column compare with.
func pgTimeText(t time.Time) string {
	t = t.UTC()
	s := t.Format("2006-01-02 15:04:05")
	if us := t.Nanosecond() / 1000; us != 0 {
		f := strconv.Itoa(us)
		f = strings.Repeat("0", 6-len(f)) + f
		s += "." + strings.TrimRight(f, "0")
	}
	return s + "+00"
}

// toGo converts a parsed JSON value into plain Go values for the exported
// snapshot types: maps, slices, strings, bools, nil, and json.Number-like
// strings for numbers (see Job.Config).
func toGo(v any) any {
	switch x := v.(type) {
	case jnum:
		return jsonNumber(x)
	case []any:
		c := make([]any, len(x))
		for i, e := range x {
			c[i] = toGo(e)
		}
		return c
	case *jobj:
		m := make(map[string]any, len(x.keys))
		for _, k := range x.keys {
			m[k] = toGo(x.vals[k])
		}
		return m
	}
	return v
}
