package tsapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Sentinel errors. An *APIError matches (errors.Is) the sentinel of its
// status; other errors of this package match the sentinel named in their
// documentation.
var (
	// ErrBadRequest: 400, the server refused the request (bad filter value,
	// malformed body, validation failure).
	ErrBadRequest = errors.New("tsapi: bad request")
	// ErrUnauthorized: 401 with a WWW-Authenticate header: no or wrong
	// credentials.
	ErrUnauthorized = errors.New("tsapi: unauthorized")
	// ErrForbidden: 403, or a 401 without WWW-Authenticate, which is how
	// tastypie says the credentials are right but lack the permission.
	ErrForbidden = errors.New("tsapi: permission denied")
	// ErrNotFound: 404.
	ErrNotFound = errors.New("tsapi: not found")
	// ErrMethodNotAllowed: 405 (the resource does not allow the method).
	ErrMethodNotAllowed = errors.New("tsapi: method not allowed")
	// ErrConflict: 409.
	ErrConflict = errors.New("tsapi: conflict")
	// ErrGone: 410 (for example launching an unknown plugin).
	ErrGone = errors.New("tsapi: gone")
	// ErrRateLimited: 429.
	ErrRateLimited = errors.New("tsapi: too many requests")
	// ErrServer: any 5xx answer.
	ErrServer = errors.New("tsapi: server error")
	// ErrNotImplemented: 501 (tastypie's answer to POST on a detail URL).
	ErrNotImplemented = errors.New("tsapi: not implemented")
	// ErrUnavailable: 502, 503 or 504 (a server restarting, upgrading or
	// behind a failing proxy); these are also ErrServer.
	ErrUnavailable = errors.New("tsapi: server unavailable")
	// ErrRedirect: a 3xx answer the Client did not follow (any redirect of a
	// write, or one to another host).
	ErrRedirect = errors.New("tsapi: redirect not followed")
	// ErrDecode: a 2xx answer whose body is not the JSON expected.
	ErrDecode = errors.New("tsapi: cannot decode response")
	// ErrResponseTooLarge: a body longer than WithMaxResponseBytes allows.
	ErrResponseTooLarge = errors.New("tsapi: response body too large")
	// ErrInvalidOption: a bad argument or option (a *ConfigError), found
	// before any request was sent.
	ErrInvalidOption = errors.New("tsapi: invalid option")
)

// maxSnippet is how much of a response body an error keeps.
const maxSnippet = 512

// maxMessage and maxTraceback bound the server's texts an APIError keeps,
// and maxFieldsShown the field errors (and messages of a field) Error()
// lists, so that a hostile error body cannot make Error() arbitrarily long.
const (
	maxMessage     = 512
	maxTraceback   = 8 << 10
	maxFieldsShown = 10
)

// truncateText cuts s to at most n bytes on a rune boundary, marking the
// cut with "…".
func truncateText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// APIError is a non-2xx answer from the server. The texts taken from the
// answer (Message, FieldErrors, Traceback, Body, Location and the headers)
// never hold the Client's credentials, nor the value of a credential
// parameter of the request's query: a server that echoes them (as Django's
// debug pages do) has them replaced by REDACTED.
type APIError struct {
	// StatusCode is the HTTP status (e.g. 404).
	StatusCode int
	// Method and URL are the request's; URL has credentials redacted.
	Method string
	URL    string
	// Message is the server's explanation: tastypie's "error" or
	// "error_message", the title of an HTML page, or the status text.
	Message string
	// FieldErrors holds per-field validation messages
	// ({"<resource>": {"field": ["msg"]}} or {"error": {"field": ...}}).
	FieldErrors map[string][]string
	// Traceback is the server's Python traceback, sent only in debug mode.
	Traceback string
	// Body is the start of the response body (at most 512 bytes).
	Body string
	// ContentType is the response's Content-Type.
	ContentType string
	// Location is where a 3xx answer pointed (redacted), or "".
	Location string
	// Authenticate is true when a 401 carried WWW-Authenticate.
	Authenticate bool
	// RetryAfter is the raw Retry-After header, if any.
	RetryAfter string
	// Attempts is how many times the request was sent.
	Attempts int
}

// Error describes the failure, e.g.
// "tsapi: GET https://ts/rundb/api/v1/PluginResultJob/9/: 404 Not Found".
func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "tsapi: %s %s: %d %s", e.Method, e.URL, e.StatusCode, http.StatusText(e.StatusCode))
	if e.Message != "" && e.Message != http.StatusText(e.StatusCode) {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if len(e.FieldErrors) > 0 {
		keys := make([]string, 0, len(e.FieldErrors))
		for k := range e.FieldErrors {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b.WriteString(" (")
		for i, k := range keys {
			if i == maxFieldsShown {
				fmt.Fprintf(&b, "; and %d more fields", len(keys)-i)
				break
			}
			if i > 0 {
				b.WriteString("; ")
			}
			msgs := e.FieldErrors[k]
			if len(msgs) > maxFieldsShown {
				msgs = append(msgs[:maxFieldsShown:maxFieldsShown], fmt.Sprintf("and %d more", len(msgs)-maxFieldsShown))
			}
			fmt.Fprintf(&b, "%s: %s", truncateText(k, maxMessage), strings.Join(msgs, ", "))
		}
		b.WriteString(")")
	}
	if e.Location != "" {
		fmt.Fprintf(&b, " (redirected to %s; not followed)", e.Location)
	}
	if e.Attempts > 1 {
		fmt.Fprintf(&b, " (after %d attempts)", e.Attempts)
	}
	return b.String()
}

// Is reports whether target is the sentinel for e's status.
func (e *APIError) Is(target error) bool {
	s := e.StatusCode
	switch target {
	case ErrBadRequest:
		return s == http.StatusBadRequest
	case ErrUnauthorized:
		return s == http.StatusUnauthorized && e.Authenticate
	case ErrForbidden:
		return s == http.StatusForbidden || (s == http.StatusUnauthorized && !e.Authenticate)
	case ErrNotFound:
		return s == http.StatusNotFound
	case ErrMethodNotAllowed:
		return s == http.StatusMethodNotAllowed
	case ErrConflict:
		return s == http.StatusConflict
	case ErrGone:
		return s == http.StatusGone
	case ErrRateLimited:
		return s == http.StatusTooManyRequests
	case ErrServer:
		return s >= 500
	case ErrNotImplemented:
		return s == http.StatusNotImplemented
	case ErrUnavailable:
		return s == http.StatusBadGateway || s == http.StatusServiceUnavailable || s == http.StatusGatewayTimeout
	case ErrRedirect:
		return s >= 300 && s < 400
	}
	return false
}

// Temporary reports whether the same request may succeed later (429, 502,
// 503, 504).
func (e *APIError) Temporary() bool {
	return e.StatusCode == http.StatusTooManyRequests || e.Is(ErrUnavailable)
}

var titleRe = regexp.MustCompile(`(?is)<title[^>]*>(.*?)</title>|<h1[^>]*>(.*?)</h1>`)
var tagRe = regexp.MustCompile(`<[^>]*>`)

func newAPIError(method string, u *url.URL, resp *http.Response, body []byte, attempts int) *APIError {
	return buildAPIError(method, u, resp, body, attempts, nil)
}

// buildAPIError is newAPIError that also hides secrets (the Client's
// credentials) wherever the server's answer might echo them: the body is
// scrubbed before anything is taken from it, so that no cut can leave part
// of a secret behind.
func buildAPIError(method string, u *url.URL, resp *http.Response, body []byte, attempts int, secrets []string) *APIError {
	secrets = append(querySecrets(u), secrets...)
	if len(secrets) > 0 && len(body) > 0 {
		body = []byte(scrubStrings(string(body), secrets))
	}
	e := &APIError{
		StatusCode:   resp.StatusCode,
		Method:       method,
		URL:          redactURL(u),
		ContentType:  resp.Header.Get("Content-Type"),
		Authenticate: resp.Header.Get("WWW-Authenticate") != "",
		RetryAfter:   resp.Header.Get("Retry-After"),
		Attempts:     attempts,
		Body:         snippet(body),
	}
	if loc := resp.Header.Get("Location"); loc != "" && resp.StatusCode >= 300 && resp.StatusCode < 400 {
		if lu, err := u.Parse(loc); err == nil {
			e.Location = redactURL(lu)
		} else {
			e.Location = "(unparseable)"
		}
	}
	parseErrorBody(e, body)
	if e.Message == "" {
		e.Message = http.StatusText(resp.StatusCode)
	}
	e.scrub(secrets)
	return e
}

// scrub replaces every secret in the texts the error shows.
func (e *APIError) scrub(secrets []string) {
	if len(secrets) == 0 {
		return
	}
	e.Message = scrubStrings(e.Message, secrets)
	e.ContentType = scrubStrings(e.ContentType, secrets)
	e.RetryAfter = scrubStrings(e.RetryAfter, secrets)
	e.Body = scrubStrings(e.Body, secrets)
	e.Traceback = scrubStrings(e.Traceback, secrets)
	e.Location = scrubStrings(e.Location, secrets)
	if e.FieldErrors == nil {
		return
	}
	fields := make(map[string][]string, len(e.FieldErrors))
	for k, msgs := range e.FieldErrors {
		clean := scrubStrings(k, secrets)
		for _, m := range msgs {
			fields[clean] = append(fields[clean], scrubStrings(m, secrets))
		}
	}
	e.FieldErrors = fields
}

// parseErrorBody fills Message and FieldErrors from tastypie's error bodies
// or an HTML error page. It never fails: whatever does not parse stays in
// Body.
func parseErrorBody(e *APIError, body []byte) {
	trimmed := strings.TrimSpace(string(body))
	if trimmed == "" {
		return
	}
	if trimmed[0] == '{' {
		var m map[string]json.RawMessage
		if json.Unmarshal([]byte(trimmed), &m) != nil {
			return
		}
		if raw, ok := m["error_message"]; ok {
			e.Message = jsonText(raw)
		}
		if raw, ok := m["traceback"]; ok {
			e.Traceback = jsonText(raw)
		}
		if raw, ok := m["error"]; ok {
			var fields map[string]json.RawMessage
			if json.Unmarshal(raw, &fields) == nil {
				e.FieldErrors = fieldErrors(fields, "")
				if e.Message == "" {
					e.Message = "validation failed"
				}
			} else if e.Message == "" {
				e.Message = jsonText(raw)
			}
		}
		if _, hasErr := m["error"]; !hasErr && e.Message == "" {
			// {"<resource>": {"field": ["msg"]}}: tastypie's form validation.
			names := make([]string, 0, len(m))
			for name := range m {
				names = append(names, name)
			}
			sort.Strings(names) // the same body always gives the same Message
			for _, name := range names {
				raw := m[name]
				var fields map[string]json.RawMessage
				if json.Unmarshal(raw, &fields) == nil {
					if e.FieldErrors == nil {
						e.FieldErrors = map[string][]string{}
					}
					addFieldErrors(e.FieldErrors, fields, "", 0)
					if e.Message == "" {
						e.Message = "validation failed for " + name
					}
				}
			}
		}
		e.Message = truncateText(e.Message, maxMessage)
		e.Traceback = truncateText(e.Traceback, maxTraceback)
		return
	}
	if trimmed[0] == '<' {
		if m := titleRe.FindStringSubmatch(trimmed); m != nil {
			t := m[1]
			if t == "" {
				t = m[2]
			}
			t = strings.Join(strings.Fields(html.UnescapeString(tagRe.ReplaceAllString(t, ""))), " ")
			e.Message = truncateText(t, 200)
		}
		return
	}
	if len(trimmed) <= 200 && utf8.ValidString(trimmed) && !strings.ContainsAny(trimmed, "\n\r") {
		e.Message = trimmed
	}
}

// fieldErrors flattens {"field": ["msg", ...]} or {"field": "msg"} (nested
// objects get dotted names).
func fieldErrors(fields map[string]json.RawMessage, prefix string) map[string][]string {
	out := map[string][]string{}
	addFieldErrors(out, fields, prefix, 0)
	return out
}

// maxFieldDepth bounds how deep nested field errors are followed; deeper
// values are kept as their JSON text.
const maxFieldDepth = 8

// addFieldErrors adds the messages of fields to out, in key order so that
// names that collide ("a": {"b": ...} and "a.b") merge the same way every
// time.
func addFieldErrors(out map[string][]string, fields map[string]json.RawMessage, prefix string, depth int) {
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		raw := fields[k]
		name := prefix + k
		var list []json.RawMessage
		var nested map[string]json.RawMessage
		switch {
		case json.Unmarshal(raw, &list) == nil:
			for _, item := range list {
				out[name] = append(out[name], truncateText(jsonText(item), maxMessage))
			}
		case depth < maxFieldDepth && json.Unmarshal(raw, &nested) == nil:
			addFieldErrors(out, nested, name+".", depth+1)
		default:
			out[name] = append(out[name], truncateText(jsonText(raw), maxMessage))
		}
	}
}

// jsonText returns a JSON string's value, or the compact JSON of anything else.
func jsonText(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return strings.TrimSpace(string(raw))
}

func snippet(b []byte) string {
	if len(b) > maxSnippet {
		b = b[:maxSnippet]
		for len(b) > 0 && !utf8.Valid(b) {
			b = b[:len(b)-1]
		}
		return string(b) + "…"
	}
	return string(b)
}

// DecodeError is a 2xx answer whose body is not the JSON expected: an HTML
// page, truncated JSON, or a value of the wrong type. It matches ErrDecode.
type DecodeError struct {
	Method      string
	URL         string // redacted
	StatusCode  int
	ContentType string
	// Field is the JSON path of a value of the wrong type, when known.
	Field string
	// Body is the start of the body (at most 512 bytes).
	Body string
	Err  error
}

// Error says what could not be decoded and why.
func (e *DecodeError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "tsapi: %s %s: cannot decode %d response", e.Method, e.URL, e.StatusCode)
	if e.ContentType != "" && !strings.Contains(e.ContentType, "json") {
		fmt.Fprintf(&b, " (Content-Type %s, not JSON)", e.ContentType)
	}
	if e.Field != "" {
		fmt.Fprintf(&b, ": field %s", e.Field)
	}
	fmt.Fprintf(&b, ": %v", e.Err)
	return b.String()
}

// Unwrap returns the underlying decoding error.
func (e *DecodeError) Unwrap() error { return e.Err }

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

// Is matches ErrDecode.
func (e *DecodeError) Is(target error) bool { return target == ErrDecode }

func newDecodeError(resp *Response, err error) *DecodeError {
	// The body and the decoder's message may echo a credential (of the
	// Client, or of the URL's query): hide them before anything is kept.
	secrets := resp.auth.secrets()
	if resp.Response != nil && resp.Request != nil {
		secrets = append(secrets, querySecrets(resp.Request.URL)...)
	}
	body := resp.body
	if len(secrets) > 0 && len(body) > 0 {
		body = []byte(scrubStrings(string(body), secrets))
	}
	de := &DecodeError{Body: snippet(body), Err: err}
	if resp.Response != nil {
		de.StatusCode = resp.StatusCode
		de.ContentType = scrubStrings(resp.Header.Get("Content-Type"), secrets)
		if resp.Request != nil {
			de.Method = resp.Request.Method
			de.URL = redactURL(resp.Request.URL)
		}
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		de.Field = te.Field
		de.Err = &textError{msg: fmt.Sprintf("got JSON %s, want %s", te.Value, te.Type), err: err}
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		de.Err = &textError{msg: fmt.Sprintf("invalid JSON at byte %d: %v", se.Offset, se), err: err}
	}
	if msg := de.Err.Error(); len(msg) > maxMessage {
		// A decoder's message can quote the value (a bad datetime): keep
		// Error() short whatever the server sent.
		de.Err = &textError{msg: truncateText(msg, maxMessage), err: de.Err}
	}
	de.Err = scrubErr(de.Err, secrets)
	return de
}

// RequestError is a request that got no usable answer: a connection
// refused or dropped, a TLS failure, a timeout, a body cut off or too
// large. Err tells which; Attempts how many times it was tried.
type RequestError struct {
	Method   string
	URL      string // redacted
	Attempts int
	Err      error
}

// Error describes the failure without any credential.
func (e *RequestError) Error() string {
	var cause any = e.Err
	var ue *url.Error
	if errors.As(e.Err, &ue) && ue.Err != nil {
		cause = ue.Err // its method and URL are already said
	}
	s := fmt.Sprintf("tsapi: %s %s: %v", e.Method, e.URL, cause)
	if e.Attempts > 1 {
		s += fmt.Sprintf(" (after %d attempts)", e.Attempts)
	}
	return s
}

// Unwrap returns the transport error (e.g. a *url.Error, a
// *tls.CertificateVerificationError, or ErrResponseTooLarge).
func (e *RequestError) Unwrap() error { return e.Err }

// Timeout reports whether the request failed because a time limit ran out.
func (e *RequestError) Timeout() bool {
	var t interface{ Timeout() bool }
	return errors.As(e.Err, &t) && t.Timeout()
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

// ConfigError is a bad argument or option, found before anything was sent.
// It matches ErrInvalidOption.
type ConfigError struct {
	Msg string
	// Err is the underlying error, when there is one (for example the
	// *fs.PathError of an unreadable CA file).
	Err error
}

// Error returns the message.
func (e *ConfigError) Error() string { return "tsapi: " + e.Msg }

// Unwrap returns Err.
func (e *ConfigError) Unwrap() error { return e.Err }

// Is matches ErrInvalidOption.
func (e *ConfigError) Is(target error) bool { return target == ErrInvalidOption }

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
