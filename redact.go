package tsapi

import (
	"bytes"
	"cmp"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"reflect"
	"sort"
	"strconv"
	"strings"
)

// textError shows its own text (a clearer or a scrubbed one) and unwraps
// to the original error, if kept, so that errors.As still finds it.
type textError struct {
	msg string
	err error
}

func (e *textError) Error() string { return e.msg }

func (e *textError) Unwrap() error { return e.err }

// scrubErr hides secrets in err's text. When any error in err's chain
// shows a secret, the chain is cut: only the scrubbed text is kept.
func scrubErr(err error, secrets []string) error {
	if err == nil || len(secrets) == 0 {
		return err
	}
	for e := err; e != nil; e = errors.Unwrap(e) {
		msg := e.Error()
		if scrubStrings(msg, secrets) != msg {
			return &textError{msg: scrubStrings(err.Error(), secrets)}
		}
	}
	return err
}

// hideSecrets returns err with the Client's credentials removed from the
// text of a *PaginationError (which quotes the server's links). The other
// errors of this package are built without them.
func (c *Client) hideSecrets(err error) error {
	var pe *PaginationError
	if errors.As(err, &pe) {
		if clean := scrubSecrets(pe.Msg, c.auth); clean != pe.Msg {
			return &PaginationError{Msg: clean}
		}
	}
	return err
}

// sensitiveParams are query parameters that carry credentials on tastypie
// servers; their values are redacted wherever a URL is shown.
var sensitiveParams = map[string]bool{
	"username": true, "api_key": true, "apikey": true, "password": true, "pluginresult": true,
	"key": true, "token": true, "sessionid": true, "csrftoken": true, "secret": true,
	"passwd": true, "pass": true, "access_token": true, "auth_token": true, "auth": true,
	"authorization": true, "plugin_key": true, "pluginkey": true, "csrfmiddlewaretoken": true,
}

// querySecrets returns the values of u's credential parameters that are
// worth hiding in a server's texts ("pluginresult" is an id, not a secret).
func querySecrets(u *url.URL) []string {
	if u == nil || u.RawQuery == "" {
		return nil
	}
	q, _ := url.ParseQuery(u.RawQuery) // what parses, even when some does not
	var out []string
	for k, vs := range q {
		lk := strings.ToLower(k)
		if !sensitiveParams[lk] || lk == "pluginresult" {
			continue
		}
		for _, v := range vs {
			if len(v) >= minSecret {
				out = append(out, v)
				if esc := url.QueryEscape(v); esc != v {
					out = append(out, esc)
				}
			}
		}
	}
	return out
}

// redactURL renders u without user info or fragment, and with the values
// of credential parameters replaced by REDACTED.
func redactURL(u *url.URL) string {
	if u == nil {
		return ""
	}
	c := *u
	c.User = nil
	c.Fragment, c.RawFragment = "", "" // never sent, and may hold anything
	if c.RawQuery != "" {
		q, err := url.ParseQuery(c.RawQuery)
		if err != nil {
			c.RawQuery = "REDACTED"
		} else {
			changed := false
			for k := range q {
				if sensitiveParams[strings.ToLower(k)] {
					q[k] = []string{"REDACTED"}
					changed = true
				}
			}
			if changed {
				c.RawQuery = q.Encode()
			}
		}
	}
	return c.String()
}

func redactRawURL(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		return redactURL(u)
	}
	return "(unparseable URL)"
}

// scrubError rewrites a transport error so that its text carries the
// redacted URL only.
func scrubError(err error, u *url.URL) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return &url.Error{Op: ue.Op, URL: redactURL(u), Err: ue.Err}
	}
	return err
}

// minSecret is the shortest secret that is searched for in texts; shorter
// ones would match ordinary words.
const minSecret = 3

// scrubSecrets removes every secret of a from s.
func scrubSecrets(s string, a *credentials) string {
	return scrubStrings(s, a.secrets())
}

// scrubStrings replaces every occurrence of each secret (of at least
// minSecret bytes) in s with REDACTED. When a secret overlaps the word
// REDACTED itself, so that the replacement could form the secret again, it
// masks with a character that no secret contains instead.
func scrubStrings(s string, secrets []string) string {
	if s == "" || len(secrets) == 0 {
		return s
	}
	long := make([]string, 0, len(secrets))
	for _, sec := range secrets {
		if len(sec) >= minSecret {
			long = append(long, sec)
		}
	}
	// Longest first, so that a secret inside a longer one (a password
	// inside its base64 form cannot be, but a key inside "user:key" can)
	// does not leave the rest of the longer one behind.
	sort.Slice(long, func(i, j int) bool { return len(long[i]) > len(long[j]) })
	replace := func(mask string) string {
		out := s
		for _, sec := range long {
			out = strings.ReplaceAll(out, sec, mask)
		}
		return out
	}
	out := replace("REDACTED")
	for _, sec := range long {
		if strings.Contains(out, sec) {
			return replace(strings.Repeat(string(maskRune(long)), 8))
		}
	}
	return out
}

// maskRune returns a character that occurs in none of secrets.
func maskRune(secrets []string) rune {
	free := func(r rune) bool {
		for _, sec := range secrets {
			if strings.ContainsRune(sec, r) {
				return false
			}
		}
		return true
	}
	for _, r := range "*#~%@!^-x" {
		if free(r) {
			return r
		}
	}
	for r := rune(0x2588); ; r++ { // past ASCII: some rune is always free
		if free(r) {
			return r
		}
	}
}

// quote is strconv.Quote, kept here so error texts are uniform.
func quote(s string) string { return strconv.Quote(s) }

// SecretString is a string that must not be shown: its String, Format,
// GoString, LogValue and MarshalJSON forms all write "REDACTED" (or nothing
// when it is empty). Reveal returns the value.
type SecretString string

// redacted is what a non-empty SecretString prints.
const redacted = "REDACTED"

// Reveal returns the secret itself. Do not print or log it.
func (s SecretString) Reveal() string { return string(s) }

// IsZero reports whether the secret is empty.
func (s SecretString) IsZero() bool { return s == "" }

// String returns "REDACTED", or "" for an empty secret.
func (s SecretString) String() string {
	if s == "" {
		return ""
	}
	return redacted
}

// Format makes every fmt verb print String (quoted for %q).
func (s SecretString) Format(f fmt.State, verb rune) {
	if verb == 'q' {
		io.WriteString(f, strconv.Quote(s.String()))
		return
	}
	io.WriteString(f, s.String())
}

// GoString keeps %#v from printing the secret.
func (s SecretString) GoString() string { return strconv.Quote(s.String()) }

// LogValue keeps log/slog from logging the secret.
func (s SecretString) LogValue() slog.Value { return slog.StringValue(s.String()) }

// MarshalJSON writes null for an empty secret and "REDACTED" otherwise, so
// that an object encoded for display never carries the secret. A value
// encoded this way does not decode back to the secret.
func (s SecretString) MarshalJSON() ([]byte, error) {
	if s == "" {
		return []byte("null"), nil
	}
	return []byte(`"` + redacted + `"`), nil
}

// UnmarshalJSON accepts a string or null (the empty secret).
func (s *SecretString) UnmarshalJSON(b []byte) error {
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		*s = ""
		return nil
	}
	var v string
	if err := json.Unmarshal(b, &v); err != nil {
		return fmt.Errorf("tsapi: a secret must be a JSON string or null")
	}
	*s = SecretString(v)
	return nil
}

// checkNoSecret returns a *InvalidArgumentError when encoding body as JSON would
// write a SecretString. A SecretString encodes as its display mask
// ("REDACTED", or null when empty), never as the secret, so a request body
// holding one would store the mask as data (a plugin result read from the
// server and sent back as a patch would set its key to "REDACTED", or clear
// it). It looks where encoding/json looks: exported fields (embedded
// structs' too) not tagged "-" nor left out by omitempty or omitzero,
// pointers, interfaces, map values, slices and arrays. A type with its own
// MarshalJSON or MarshalText is trusted with its encoding, except
// Nullable, which encodes what it holds.
func checkNoSecret(body any) error {
	w := secretWalk{seen: map[uintptr]bool{}}
	where, found := w.find(reflect.ValueOf(body), "", true, 0)
	if !found {
		return nil
	}
	what := "the body"
	if where != "" {
		what = "the body's " + where
	}
	return &InvalidArgumentError{Msg: what + " is a SecretString, which encodes as its display mask (\"REDACTED\", or null when empty), not as the secret: a request body never carries one. Send a write type (such as PluginResultPatch, which leaves the key alone), or a secret to set as a plain string (SecretString.Reveal)"}
}

var (
	secretType     = reflect.TypeFor[SecretString]()
	jsonMarshaler  = reflect.TypeFor[json.Marshaler]()
	textMarshaler  = reflect.TypeFor[encoding.TextMarshaler]()
	zeroer         = reflect.TypeFor[interface{ IsZero() bool }]()
	maxSecretDepth = 64
)

// secretWalk is checkNoSecret's search; seen holds the pointers followed,
// so that a cycle ends it.
type secretWalk struct{ seen map[uintptr]bool }

// find reports where in v (a JSON path) encoding v would write a
// SecretString. strict: v is encoded by encoding/json itself, and an empty
// SecretString (written as null) counts; inside a Nullable only a
// non-empty one does (Null sends a null of its own).
func (w *secretWalk) find(v reflect.Value, at string, strict bool, depth int) (string, bool) {
	if !v.IsValid() || depth > maxSecretDepth {
		return "", false
	}
	t := v.Type()
	if t == secretType {
		return at, strict || v.String() != ""
	}
	switch t.Kind() {
	case reflect.Pointer:
		if v.IsNil() || w.seen[v.Pointer()] {
			return "", false
		}
		w.seen[v.Pointer()] = true
		return w.find(v.Elem(), at, strict, depth+1)
	case reflect.Interface:
		if v.IsNil() {
			return "", false
		}
		return w.find(v.Elem(), at, strict, depth+1)
	}
	if ownEncoding(t) {
		if !isNullable(t) {
			return "", false
		}
		for i := range t.NumField() {
			if where, ok := w.find(v.Field(i), at, false, depth+1); ok {
				return where, true
			}
		}
		return "", false
	}
	switch t.Kind() {
	case reflect.Struct:
		for i := range t.NumField() {
			f := t.Field(i)
			tag := f.Tag.Get("json")
			if tag == "-" {
				continue
			}
			name, opts, _ := strings.Cut(tag, ",")
			promoted := f.Anonymous && name == "" && indirect(f.Type).Kind() == reflect.Struct
			if !f.IsExported() && !promoted {
				continue
			}
			fv := v.Field(i)
			if omitted(fv, opts) {
				continue
			}
			next := at
			if !promoted {
				next = joinPath(at, cmp.Or(name, f.Name))
			}
			if where, ok := w.find(fv, next, strict, depth+1); ok {
				return where, true
			}
		}
	case reflect.Map:
		it := v.MapRange()
		for it.Next() {
			key := "?"
			if it.Key().CanInterface() {
				key = fmt.Sprint(it.Key().Interface())
			}
			if where, ok := w.find(it.Value(), joinPath(at, key), strict, depth+1); ok {
				return where, true
			}
		}
	case reflect.Slice, reflect.Array:
		if t.Kind() == reflect.Slice && v.IsNil() {
			return "", false
		}
		for i := range v.Len() {
			if where, ok := w.find(v.Index(i), fmt.Sprintf("%s[%d]", at, i), strict, depth+1); ok {
				return where, true
			}
		}
	}
	return "", false
}

// isNullable reports whether t is a Nullable, whose MarshalJSON encodes
// the value it holds with encoding/json.
func isNullable(t reflect.Type) bool {
	return t.Kind() == reflect.Struct && t.PkgPath() == secretType.PkgPath() && strings.HasPrefix(t.Name(), "Nullable[")
}

// ownEncoding reports whether encoding/json leaves values of t to their own
// MarshalJSON or MarshalText.
func ownEncoding(t reflect.Type) bool {
	pt := reflect.PointerTo(t)
	return t.Implements(jsonMarshaler) || t.Implements(textMarshaler) || pt.Implements(jsonMarshaler) || pt.Implements(textMarshaler)
}

func indirect(t reflect.Type) reflect.Type {
	if t.Kind() == reflect.Pointer {
		return t.Elem()
	}
	return t
}

func joinPath(at, name string) string {
	if at == "" {
		return name
	}
	return at + "." + name
}

// omitted reports whether encoding/json leaves the field v out under the
// tag options opts (omitempty, omitzero).
func omitted(v reflect.Value, opts string) bool {
	for _, o := range strings.Split(opts, ",") {
		switch o {
		case "omitempty":
			switch v.Kind() {
			case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
				if v.Len() == 0 {
					return true
				}
			case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
				reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
				reflect.Float32, reflect.Float64, reflect.Interface, reflect.Pointer:
				if v.IsZero() {
					return true
				}
			}
		case "omitzero":
			if (v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface) && v.IsNil() {
				return true
			}
			if v.Type().Implements(zeroer) && v.CanInterface() {
				if v.Interface().(interface{ IsZero() bool }).IsZero() {
					return true
				}
			} else if v.IsZero() {
				return true
			}
		}
	}
	return false
}
