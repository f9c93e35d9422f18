package tsapitest

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
)

// decodeJSON decodes b into v with numbers as json.Number, refusing trailing data.
func decodeJSON(b []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if err := d.Decode(v); err != nil {
		return err
	}
	if _, err := d.Token(); err != io.EOF {
		return io.ErrUnexpectedEOF
	}
	return nil
}

// anyOf decodes one raw JSON value (nil for null).
func anyOf(raw json.RawMessage) any {
	var v any
	_ = decodeJSON(raw, &v)
	return v
}

// isInt tells whether a number literal has no fraction or exponent.
func isInt(n json.Number) bool { return !strings.ContainsAny(string(n), ".eE") }

// decimals rewrites a JSON column's text as Torrent Suite's JSONField reads
// it back: non-integer numbers (Decimals) become strings; keys keep their order.
func decimals(text string) string {
	d := json.NewDecoder(strings.NewReader(text))
	d.UseNumber()
	var b strings.Builder
	if copyValue(d, &b) != nil {
		return text
	}
	return b.String()
}

// copyValue copies the next value of d to b, quoting non-integer numbers.
func copyValue(d *json.Decoder, b *strings.Builder) error {
	tok, err := d.Token()
	if err != nil {
		return err
	}
	if n, ok := tok.(json.Number); ok && !isInt(n) {
		tok = string(n)
	}
	delim, ok := tok.(json.Delim)
	if !ok {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf) // not json.Marshal, which escapes <, > and &
		enc.SetEscapeHTML(false)
		_ = enc.Encode(tok)
		b.Write(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
		return nil
	}
	b.WriteByte(byte(delim))
	for i := 0; d.More(); i++ {
		switch {
		case delim == '{' && i%2 == 1: // an object's tokens alternate keys and values
			b.WriteByte(':')
		case i > 0:
			b.WriteByte(',')
		}
		if err := copyValue(d, b); err != nil {
			return err
		}
	}
	end, err := d.Token()
	if err != nil {
		return err
	}
	b.WriteByte(byte(end.(json.Delim)))
	return nil
}

// stored is what Torrent Suite's JSONField keeps for a value a client
// assigns: an object as its JSON, a string holding an object parsed (its
// numbers then read as decimals), anything empty as "". ok is false when
// the save would fail.
func stored(raw json.RawMessage) (text string, ok bool) {
	v := anyOf(raw)
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 0 {
			return "", true
		}
		var b bytes.Buffer
		_ = json.Compact(&b, raw)
		return b.String(), true
	case string:
		var inner any
		if decodeJSON([]byte(x), &inner) != nil {
			return "", true // not JSON: read as {}
		}
		if m, isObj := inner.(map[string]any); len(m) == 0 { // not an object fails; {} is empty
			return "", isObj
		}
		return decimals(x), true
	}
	return "", v != nil && !truthy(v) // null fails; [], false and 0 are empty
}

// served is a JSON column as the API sends it: {} when empty, else decimals.
func served(text string) json.RawMessage { return json.RawMessage(decimals(cmp.Or(text, "{}"))) }

// pyStr is what a Django CharField stores for a decoded JSON value: Python's
// str() for scalars, the JSON text otherwise.
func pyStr(v any) string {
	switch x := v.(type) {
	case nil:
		return "None"
	case bool:
		return map[bool]string{true: "True", false: "False"}[x]
	case string:
		return x
	case json.Number:
		return string(x)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// truthy is Python's truth of a decoded JSON value.
func truthy(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	case string:
		return x != ""
	case json.Number:
		f, _ := x.Float64()
		return f != 0
	case []any:
		return len(x) > 0
	case map[string]any:
		return len(x) > 0
	}
	return true
}

// apiTime is a datetime as the Torrent Server's serializer writes it:
// UTC with "+00:00", and the whole milliseconds written into the
// microsecond digits (.549123 s is ".000549"); no fraction when that is 0.
type apiTime time.Time

// MarshalJSON writes t in the serializer's format.
func (t apiTime) MarshalJSON() ([]byte, error) {
	u := time.Time(t).UTC()
	s := u.Format("2006-01-02T15:04:05")
	if ms := u.Nanosecond() / 1e6; ms != 0 {
		s += fmt.Sprintf(".%06d", ms)
	}
	return []byte(`"` + s + `+00:00"`), nil
}

// pgText is a timestamptz as PostgreSQL prints it in a UTC session, what
// text lookups on a datetime column compare with.
func pgText(t time.Time) string {
	return t.UTC().Format("2006-01-02 15:04:05.999999") + "+00"
}
