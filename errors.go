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
	// ErrInvalidOption: a bad argument or option (a *InvalidArgumentError), found
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

// InvalidArgumentError is a bad argument or option, found before anything
// was sent. It matches ErrInvalidOption.
type InvalidArgumentError struct {
	Msg string
	// Err is the underlying error, when there is one (for example the
	// *fs.PathError of an unreadable CA file).
	Err error
}

// Error returns the message.
func (e *InvalidArgumentError) Error() string { return "tsapi: " + e.Msg }

// Unwrap returns Err.
func (e *InvalidArgumentError) Unwrap() error { return e.Err }

// Is matches ErrInvalidOption.
func (e *InvalidArgumentError) Is(target error) bool { return target == ErrInvalidOption }

// ConfigError is the former name of InvalidArgumentError, kept for one
// release.
//
// Deprecated: use InvalidArgumentError; ConfigError will be removed in the
// next release. (It named a bad argument, not the Client's settings or a
// job's JobConfig.)
type ConfigError = InvalidArgumentError

// ErrOutcomeUnknown is matched by an *OutcomeUnknownError: a write whose
// answer was lost, so that the library cannot tell whether the server
// applied it.
var ErrOutcomeUnknown = errors.New("tsapi: outcome of the write is unknown")

// OutcomeUnknownError is a write whose answer was lost after it may have
// reached the server: the connection dropped or timed out once the request
// was written, a proxy answered 502 or 504, or ctx ended while the answer
// was awaited. The library never resends such a write (a resend could
// create twice, or undo a change another client made in between).
//
// For an update (PUT) or a patch of one object, the library re-reads the
// object first: when every field holds what was sent, the write is reported
// as a success instead (Response.Verified). Otherwise Checked is true and
// Differs names the fields that hold something else now: the write was not
// applied, another client changed them since, or (for the fields in
// Stamped) the server set them itself. Re-read the object and decide.
//
// Every field sent is compared, also one the server stamps (a job's
// starttime and endtime, set when a write changes its state to Started or
// to a terminal state). The server stamps only when the write changes the
// state, and the library does not read the object before writing, so it
// cannot tell a stamp from a time that was never written: a job that was
// already Completed, sent Completed with a new endtime, holds its old
// endtime whether or not the write arrived. Such a field is reported in
// Differs, and also in Stamped when the re-read shows the state the write
// sent: a caller who knows the write changed the state knows the server's
// stamp explains it.
//
// It matches ErrOutcomeUnknown. It deliberately does not unwrap to its
// cause (a timeout, a 504, ctx's error), so that code that retries on those
// does not resend the write by accident; Cause holds it.
type OutcomeUnknownError struct {
	// Method and URL are the write's; URL has credentials redacted.
	Method string
	URL    string
	// Attempts is how many times the write was sent.
	Attempts int
	// Cause is why the answer was lost.
	Cause error
	// Checked is true when the object was re-read after the loss.
	Checked bool
	// Differs lists the fields that the re-read found holding something
	// other than what was sent.
	Differs []string
	// Stamped lists the fields of Differs that the server sets itself when
	// their trigger changes (ResourceSpec.Stamped), where the write sent
	// the trigger and the re-read shows it as sent: if the write changed
	// the trigger, the server's stamp explains the difference; if it did
	// not, the write was not applied (or was changed since).
	Stamped []string
	// CheckErr is why the re-read failed, when it did.
	CheckErr error
}

// Error says what was lost and what the re-read found.
func (e *OutcomeUnknownError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "tsapi: %s %s: the answer was lost after %d attempt(s), so the write may or may not have been applied", e.Method, e.URL, e.Attempts)
	if e.Cause != nil {
		fmt.Fprintf(&b, " (%s)", strings.TrimPrefix(e.Cause.Error(), "tsapi: "))
	}
	switch {
	case len(e.Differs) > 0:
		fmt.Fprintf(&b, "; re-read: %s now differ from what was sent (not applied, or changed since by another client", strings.Join(e.Differs, ", "))
		if len(e.Stamped) > 0 {
			fmt.Fprintf(&b, "; %s the server sets itself when the write changes state, which the library cannot tell", strings.Join(e.Stamped, ", "))
		}
		b.WriteString("); not resent")
	case e.CheckErr != nil:
		fmt.Fprintf(&b, "; re-read failed: %s", strings.TrimPrefix(e.CheckErr.Error(), "tsapi: "))
	}
	return b.String()
}

// Is matches ErrOutcomeUnknown.
func (e *OutcomeUnknownError) Is(target error) bool { return target == ErrOutcomeUnknown }
