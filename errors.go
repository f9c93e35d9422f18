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

// APIError is a non-2xx answer from the server.
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
			if i > 0 {
				b.WriteString("; ")
			}
			fmt.Fprintf(&b, "%s: %s", k, strings.Join(e.FieldErrors[k], ", "))
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
	return e
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
			for name, raw := range m {
				var fields map[string]json.RawMessage
				if json.Unmarshal(raw, &fields) == nil {
					if e.FieldErrors == nil {
						e.FieldErrors = map[string][]string{}
					}
					for k, v := range fieldErrors(fields, "") {
						e.FieldErrors[k] = v
					}
					e.Message = "validation failed for " + name
				}
			}
		}
		return
	}
	if trimmed[0] == '<' {
		if m := titleRe.FindStringSubmatch(trimmed); m != nil {
			t := m[1]
			if t == "" {
				t = m[2]
			}
			t = strings.Join(strings.Fields(html.UnescapeString(tagRe.ReplaceAllString(t, ""))), " ")
			if len(t) > 200 {
				t = t[:200]
			}
			e.Message = t
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
	for k, raw := range fields {
		name := prefix + k
		var list []json.RawMessage
		var nested map[string]json.RawMessage
		switch {
		case json.Unmarshal(raw, &list) == nil:
			for _, item := range list {
				out[name] = append(out[name], jsonText(item))
			}
		case json.Unmarshal(raw, &nested) == nil:
			for nk, nv := range fieldErrors(nested, name+".") {
				out[nk] = nv
			}
		default:
			out[name] = append(out[name], jsonText(raw))
		}
	}
	return out
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
	de := &DecodeError{Body: snippet(resp.body), Err: err}
	if resp.Response != nil {
		de.StatusCode = resp.StatusCode
		de.ContentType = resp.Header.Get("Content-Type")
		if resp.Request != nil {
			de.Method = resp.Request.Method
			de.URL = redactURL(resp.Request.URL)
		}
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		de.Field = te.Field
		de.Err = fmt.Errorf("got JSON %s, want %s", te.Value, te.Type)
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		de.Err = fmt.Errorf("invalid JSON at byte %d: %v", se.Offset, se)
	}
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
	s := fmt.Sprintf("tsapi: %s %s: %v", e.Method, e.URL, e.Err)
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

// ConfigError is a bad argument or option, found before anything was sent.
// It matches ErrInvalidOption.
type ConfigError struct{ Msg string }

// Error returns the message.
func (e *ConfigError) Error() string { return "tsapi: " + e.Msg }

// Is matches ErrInvalidOption.
func (e *ConfigError) Is(target error) bool { return target == ErrInvalidOption }

// sensitiveParams are query parameters that carry credentials on tastypie
// servers; their values are redacted wherever a URL is shown.
var sensitiveParams = map[string]bool{
	"username": true, "api_key": true, "apikey": true, "password": true, "pluginresult": true,
	"key": true, "token": true, "sessionid": true, "csrftoken": true, "secret": true,
}

// redactURL renders u without user info and with the values of credential
// parameters replaced by REDACTED.
func redactURL(u *url.URL) string {
	if u == nil {
		return ""
	}
	c := *u
	c.User = nil
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

// scrubSecrets removes every secret of a from s.
func scrubSecrets(s string, a *credentials) string {
	for _, sec := range a.secrets() {
		if len(sec) >= 3 {
			s = strings.ReplaceAll(s, sec, "REDACTED")
		}
	}
	return s
}

// quote is strconv.Quote, kept here so error texts are uniform.
func quote(s string) string { return strconv.Quote(s) }
