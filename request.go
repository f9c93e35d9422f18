package tsapi

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
)

// Response wraps the HTTP response of a call. Its String, Format and
// LogValue forms name the status, the method, the redacted URL and the
// attempts, never the body or a header.
type Response struct {
	*http.Response

	// Meta is the tastypie page metadata of a list call; nil otherwise.
	Meta *Meta

	// Attempts is how many times the request was sent (1 when it was not
	// retried).
	Attempts int

	// Location is the Location header of a 201 Created answer (resolved
	// against the server), or "".
	Location string

	// Verified is true when the answer to a write was lost and a re-read
	// of the object found every field as the write sent it: the Response is
	// then the re-read's.
	Verified bool

	body []byte
	auth *credentials // secrets that errors built from this answer must hide
}

// String describes the answer without its body or headers, as
// "tsapi.Response{202 Accepted, PATCH https://ts/rundb/api/v1/PluginResultJob/3/, 1 attempt}".
func (r *Response) String() string {
	if r == nil {
		return "tsapi.Response(nil)"
	}
	var b strings.Builder
	b.WriteString("tsapi.Response{")
	if r.Response != nil {
		b.WriteString(strconv.Itoa(r.StatusCode))
		if t := http.StatusText(r.StatusCode); t != "" {
			b.WriteString(" " + t)
		}
		if r.Request != nil && r.Request.URL != nil {
			b.WriteString(", " + r.Request.Method + " " + redactURL(r.Request.URL))
		}
	}
	fmt.Fprintf(&b, ", %d attempt", r.Attempts)
	if r.Attempts != 1 {
		b.WriteString("s")
	}
	if r.Verified {
		b.WriteString(", verified by a re-read")
	}
	b.WriteString("}")
	return b.String()
}

// Format makes every fmt verb (%v, %+v, %#v, %s) print String.
func (r *Response) Format(f fmt.State, _ rune) { io.WriteString(f, r.String()) }

// LogValue logs the status, the method, the redacted URL and the attempts.
func (r *Response) LogValue() slog.Value {
	if r == nil || r.Response == nil {
		return slog.StringValue(r.String())
	}
	attrs := []slog.Attr{slog.Int("status", r.StatusCode), slog.Int("attempts", r.Attempts)}
	if r.Request != nil && r.Request.URL != nil {
		attrs = append(attrs, slog.String("method", r.Request.Method), slog.String("url", redactURL(r.Request.URL)))
	}
	return slog.GroupValue(attrs...)
}

// Request describes one call for Client.Do, the escape hatch for what the
// typed services do not cover.
type Request struct {
	// Method is the HTTP method.
	Method string
	// Path is relative to the API root ("PluginResultJob/19/") or absolute
	// on the server ("/rundb/api/v1/PluginResultJob/?offset=20"). It must end
	// with a slash before any query.
	Path string
	// Query is added to the query already in Path.
	Query url.Values
	// Body, when not nil, is sent as JSON (a []byte or json.RawMessage is
	// sent as is).
	Body any
	// Idempotent says that sending the request twice does no harm, so
	// that a write is resent like a GET (see "Writes and lost answers" in
	// the package documentation).
	Idempotent bool
}

// Do sends req and decodes a JSON answer into v (when v is not nil and the
// server sent a body). The method is sent in upper case (the server reads
// it so) and must be GET, HEAD, OPTIONS, POST, PUT, PATCH or DELETE. The
// query of a list URL of a resource the Client knows (its services', and
// those made with NewResource) is checked as the typed calls check it, and
// a DELETE or PUT on any list URL needs a filter with a value, as
// DeleteAllMatching does. A path reaches a list URL however it is spelled:
// the checks compare it decoded, with repeated slashes merged, dot
// segments resolved and case ignored, as servers and proxies in front of
// them may read it. GET, HEAD and OPTIONS are resent as reads, a DELETE of
// one object as Delete, other writes as a create unless req.Idempotent
// (see "Writes and lost answers" in the package documentation). req itself
// is not changed.
//
// It returns a *InvalidArgumentError (ErrInvalidOption) before sending anything for
// an unknown method, a bad path or query, or a body holding a SecretString,
// an *APIError for a non-2xx answer, a *DecodeError when a 2xx body does
// not decode into v, a *RequestError for transport failures, an
// *OutcomeUnknownError when the answer to a write was lost, and ctx.Err()
// when ctx ends first.
func (c *Client) Do(ctx context.Context, req *Request, v any) (*Response, error) {
	if req == nil {
		return nil, &InvalidArgumentError{Msg: "nil request"}
	}
	method, err := normalMethod(req.Method)
	if err != nil {
		return nil, err
	}
	u, err := c.resolve(req.Path, req.Query)
	if err != nil {
		return nil, err
	}
	list, err := c.guardList(method, u, true)
	if err != nil {
		return nil, err
	}
	sent := *req
	sent.Method = method
	return c.call(ctx, &sent, kindOf(method, list, req.Idempotent), v)
}

// httpMethods are the methods a request may have; tastypie serves no other.
var httpMethods = []string{
	http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodPost,
	http.MethodPut, http.MethodPatch, http.MethodDelete,
}

// normalMethod returns method in upper case, as the server reads it, or a
// *InvalidArgumentError for a method that is not one of httpMethods (spaces
// included): every check is made on the method that is sent.
func normalMethod(method string) (string, error) {
	m := strings.ToUpper(method)
	if !slices.Contains(httpMethods, m) {
		return "", &InvalidArgumentError{Msg: fmt.Sprintf("unknown HTTP method %q: want one of %s", method, strings.Join(httpMethods, ", "))}
	}
	return m, nil
}

// guardList checks a request for a list URL before it is sent: the query
// of a resource the Client knows must name only filters it has (for every
// method when allMethods, else for DELETE and PUT only), and a DELETE or
// PUT on any list URL must be bounded by a filter with a value
// (checkDestructive) and have no ';' in its query (servers split queries on
// it differently). method is normalised; u is the URL as sent. It reports
// whether u is a list URL.
func (c *Client) guardList(method string, u *url.URL, allMethods bool) (bool, error) {
	name, r, list := c.listURLOf(u)
	if !list {
		return false, nil
	}
	destructive := method == http.MethodDelete || method == http.MethodPut
	if !destructive {
		if allMethods && r != nil {
			return true, r.CheckQuery(u.Query())
		}
		return true, nil
	}
	what := method + " on the list URL of " + name
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil || strings.Contains(u.RawQuery, ";") {
		return true, &InvalidArgumentError{Msg: what + ": the query does not parse as name=value pairs joined by '&' (servers read a ';' or a bad escape differently), so what it deletes cannot be checked"}
	}
	if r != nil {
		if err := r.CheckQuery(q); err != nil {
			return true, err
		}
	}
	return true, checkDestructive(q, what, name)
}

// listURLOf tells whether u is the list URL of a resource, which, and the
// resource when the Client knows it. The path is read as a server behind
// a proxy may read it: decoded, repeated slashes merged, dot segments
// resolved, and case ignored (also in the API root).
func (c *Client) listURLOf(u *url.URL) (string, queryChecker, bool) {
	p := path.Clean("/" + u.Path)
	root := path.Clean("/"+c.baseURL.Path) + "/"
	if len(p) <= len(root) || !strings.EqualFold(p[:len(root)], root) {
		return "", nil, false
	}
	name := p[len(root):]
	if strings.Contains(name, "/") {
		return "", nil, false
	}
	if r, ok := c.resources.Load(name); ok {
		return name, r.(queryChecker), true
	}
	var found queryChecker
	c.resources.Range(func(k, r any) bool {
		if strings.EqualFold(k.(string), name) {
			found = r.(queryChecker)
			return false
		}
		return true
	})
	if found != nil {
		name = found.Name()
	}
	return name, found, true
}

// register makes Do check the filters of r's list URL.
func (c *Client) register(r queryChecker) { c.resources.Store(r.Name(), r) }

// resolve turns a request path into an absolute URL on the server.
func (c *Client) resolve(path string, q url.Values) (*url.URL, error) {
	ref, err := url.Parse(path)
	if err != nil {
		return nil, &InvalidArgumentError{Msg: fmt.Sprintf("bad request path %q: %v", path, err)}
	}
	if ref.Scheme != "" || ref.Host != "" {
		return nil, &InvalidArgumentError{Msg: fmt.Sprintf("request path %q must be relative to the server", redactURL(ref))}
	}
	u := c.baseURL.ResolveReference(ref)
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	if len(q) > 0 {
		merged := u.Query()
		for k, vs := range q {
			for _, v := range vs {
				merged.Add(k, v)
			}
		}
		u.RawQuery = merged.Encode()
	}
	return u, nil
}
