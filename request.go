package tsapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	retryablehttp "github.com/hashicorp/go-retryablehttp"
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
// It returns a *ConfigError (ErrInvalidOption) before sending anything for
// an unknown method, a bad path or query, or a body holding a SecretString,
// an *APIError for a non-2xx answer, a *DecodeError when a 2xx body does
// not decode into v, a *RequestError for transport failures, an
// *OutcomeUnknownError when the answer to a write was lost, and ctx.Err()
// when ctx ends first.
func (c *Client) Do(ctx context.Context, req *Request, v any) (*Response, error) {
	if req == nil {
		return nil, &ConfigError{Msg: "nil request"}
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
// *ConfigError for a method that is not one of httpMethods (spaces
// included): every check is made on the method that is sent.
func normalMethod(method string) (string, error) {
	m := strings.ToUpper(method)
	if !slices.Contains(httpMethods, m) {
		return "", &ConfigError{Msg: fmt.Sprintf("unknown HTTP method %q: want one of %s", method, strings.Join(httpMethods, ", "))}
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
		return true, &ConfigError{Msg: what + ": the query does not parse as name=value pairs joined by '&' (servers read a ';' or a bad escape differently), so what it deletes cannot be checked"}
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

// call sends req as an operation of kind k (see policy.go) and decodes the answer into v.
func (c *Client) call(ctx context.Context, req *Request, kind opKind, v any) (*Response, error) {
	resp, err := c.send(ctx, req, kind)
	if err != nil {
		if nerr := c.noAPI(ctx, err); nerr != nil {
			return resp, nerr
		}
		return resp, err
	}
	if v != nil && len(bytes.TrimSpace(resp.body)) > 0 {
		if err := c.decode(resp, v); err != nil {
			return resp, err
		}
	}
	return resp, nil
}

type ctxKey struct{}

// callState travels in the request context to the resend rule's checks.
type callState struct {
	kind     opKind
	attempts int
	base     int         // attempts made by an earlier round (before a 401 resend)
	wrote    atomic.Bool // the current attempt's request was written
	// lost: an attempt may have reached the server and its answer was lost.
	lost bool
	// cookieOnly: the current attempt relies on the session cookie alone;
	// forceAuth: send the credentials whatever the cookie.
	cookieOnly bool
	forceAuth  bool
}

func stateOf(ctx context.Context) *callState {
	s, _ := ctx.Value(ctxKey{}).(*callState)
	return s
}

// resolve turns a request path into an absolute URL on the server.
func (c *Client) resolve(path string, q url.Values) (*url.URL, error) {
	ref, err := url.Parse(path)
	if err != nil {
		return nil, &ConfigError{Msg: fmt.Sprintf("bad request path %q: %v", path, err)}
	}
	if ref.Scheme != "" || ref.Host != "" {
		return nil, &ConfigError{Msg: fmt.Sprintf("request path %q must be relative to the server", redactURL(ref))}
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

// encodeBody turns a request body into JSON.
func encodeBody(method string, body any) ([]byte, error) {
	switch b := body.(type) {
	case nil:
		return nil, nil
	case []byte:
		return b, nil
	case json.RawMessage:
		return b, nil
	}
	if err := checkNoSecret(body); err != nil {
		return nil, err
	}
	b, err := marshalBody(body)
	if err != nil {
		return nil, &ConfigError{Msg: fmt.Sprintf("encoding %s body: %v", method, err)}
	}
	return b, nil
}

// send performs the request with the resends the rule allows for kind and reads the
// whole body (capped). It returns an *APIError for non-2xx answers and an
// *OutcomeUnknownError for a write whose answer was lost. The request hook,
// if any, hears of every request that was sent.
func (c *Client) send(ctx context.Context, r *Request, kind opKind) (*Response, error) {
	if c.hook == nil {
		resp, _, err := c.sendOnce(ctx, r, kind)
		return resp, err
	}
	start := time.Now()
	resp, info, err := c.sendOnce(ctx, r, kind)
	if info == nil {
		return resp, err // nothing was sent
	}
	info.Duration = time.Since(start)
	info.Err = err
	if resp != nil && resp.Response != nil {
		info.Status = resp.StatusCode
		info.BytesReceived = int64(len(resp.body))
		info.Attempts = resp.Attempts
	}
	c.hook(*info)
	return resp, err
}

// sendOnce is send without the hook; info is nil when nothing was sent.
func (c *Client) sendOnce(ctx context.Context, r *Request, kind opKind) (_ *Response, info *RequestInfo, _ error) {
	if ctx == nil {
		return nil, nil, &ConfigError{Msg: "nil context"}
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	method, err := normalMethod(r.Method)
	if err != nil {
		return nil, nil, err
	}
	u, err := c.resolve(r.Path, r.Query)
	if err != nil {
		return nil, nil, err
	}
	// Every DELETE and PUT is checked on the URL it is sent to, whichever
	// call built it.
	if _, err := c.guardList(method, u, false); err != nil {
		return nil, nil, err
	}
	body, err := encodeBody(method, r.Body)
	if err != nil {
		return nil, nil, err
	}
	st := &callState{kind: kind}
	defer func() {
		if info != nil {
			info.Attempts = max(st.attempts, 1)
		}
	}()
	ctx = context.WithValue(ctx, ctxKey{}, st)
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{WroteHeaders: func() { st.wrote.Store(true) }})
	var rawBody any
	if body != nil {
		rawBody = body
	}
	req, err := retryablehttp.NewRequestWithContext(ctx, method, u.String(), rawBody)
	if err != nil {
		return nil, nil, &ConfigError{Msg: fmt.Sprintf("building request: %v", err)}
	}
	info = &RequestInfo{Method: method, URL: redactURL(u), BytesSent: int64(len(body))}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	var read []byte
	req.SetResponseHandler(func(resp *http.Response) error {
		b, err := readCapped(resp.Body, c.maxBody, resp.ContentLength)
		resp.Body.Close()
		if err != nil && errors.Is(err, ErrResponseTooLarge) && (resp.StatusCode < 200 || resp.StatusCode > 299) {
			err = nil // an error answer is only shown in part: keep its status
		}
		read = b
		if err != nil {
			resp.Body = http.NoBody
			return err
		}
		resp.Body = io.NopCloser(bytes.NewReader(b))
		return nil
	})
	if c.logger != nil {
		c.logger.Debug("tsapi request", "method", method, "url", redactURL(u))
	}
	for {
		read = nil
		httpResp, err := c.retry.Do(req) //nolint:bodyclose // the response handler reads and closes every body
		if err != nil {
			resp, err := c.transportError(ctx, method, u, st, err, read)
			return resp, info, err
		}
		if httpResp.StatusCode == http.StatusUnauthorized && st.cookieOnly && !st.forceAuth &&
			decide(st.kind, outSessionEnded) == resendWithCredentials {
			// The session has ended: the credentials go with the next attempt.
			st.forceAuth, st.base = true, st.attempts
			continue
		}
		resp, err := c.answer(method, u, httpResp, read, st)
		return resp, info, err
	}
}

// answer turns an HTTP answer into the call's result.
func (c *Client) answer(method string, u *url.URL, httpResp *http.Response, read []byte, st *callState) (*Response, error) {
	resp := &Response{Response: httpResp, Attempts: max(st.attempts, 1), body: read, auth: c.auth}
	if loc := httpResp.Header.Get("Location"); loc != "" {
		if lu, err := u.Parse(loc); err == nil {
			resp.Location = lu.String()
		}
	}
	code := httpResp.StatusCode
	switch {
	case code >= 200 && code <= 299:
		return resp, nil
	case code == http.StatusNotFound && st.lost && decide(st.kind, outGoneAfterLoss) == succeeded:
		// An earlier attempt deleted the object; its answer was lost.
		return resp, nil
	}
	apiErr := buildAPIError(method, u, httpResp, read, resp.Attempts, c.auth.secrets())
	if (code == http.StatusBadGateway || code == http.StatusGatewayTimeout) && lostIsReported(st.kind) {
		// A proxy gave up waiting: the server may have done the write.
		return resp, &OutcomeUnknownError{Method: method, URL: redactURL(u), Attempts: resp.Attempts, Cause: apiErr}
	}
	return resp, apiErr
}

// transportError turns a failure of the retry loop into the error we return.
func (c *Client) transportError(ctx context.Context, method string, u *url.URL, st *callState, err error, read []byte) (*Response, error) {
	var gu *gaveUp
	if errors.As(err, &gu) {
		st.attempts = st.base + gu.attempts
		err = gu.err
		if gu.resp != nil && err == nil {
			// Retries exhausted on a retryable status: report that answer
			// (the start of it, when it is larger than allowed).
			b, rerr := readCapped(gu.resp.Body, c.maxBody, gu.resp.ContentLength)
			gu.resp.Body.Close()
			if rerr != nil && !errors.Is(rerr, ErrResponseTooLarge) {
				b = nil
			}
			gu.resp.Body = io.NopCloser(bytes.NewReader(b))
			return c.answer(method, u, gu.resp, b, st)
		}
		if gu.resp != nil && gu.resp.StatusCode >= 200 && gu.resp.StatusCode <= 299 && decide(st.kind, outSuccessCut) == succeeded {
			// A write whose success status arrived before its body broke
			// off: the write was done.
			gu.resp.Body = io.NopCloser(bytes.NewReader(read))
			return c.answer(method, u, gu.resp, read, st)
		}
		if gu.resp != nil && gu.resp.Body != nil {
			gu.resp.Body.Close() // an answer cut short by the context
		}
	}
	attempts := max(st.attempts, 1)
	lost := st.lost && lostIsReported(st.kind)
	if ctxErr := ctx.Err(); ctxErr != nil {
		// Report the context's own error so errors.Is(err, context.Canceled)
		// and context.DeadlineExceeded work whatever layer noticed it.
		if lost {
			return nil, &OutcomeUnknownError{Method: method, URL: redactURL(u), Attempts: attempts, Cause: ctxErr}
		}
		return nil, ctxErr
	}
	if !errors.Is(err, ErrResponseTooLarge) {
		err = scrubError(err, u)
	}
	reqErr := &RequestError{Method: method, URL: redactURL(u), Attempts: attempts, Err: err}
	if lost {
		return nil, &OutcomeUnknownError{Method: method, URL: redactURL(u), Attempts: attempts, Cause: reqErr}
	}
	return nil, reqErr
}

// beforeAttempt runs before every attempt: it counts it and sets the
// credentials. With Basic auth, once the Client holds the server's session
// cookie, the cookie goes alone: the Torrent Server checks the password
// again whenever an Authorization header arrives.
func (c *Client) beforeAttempt(_ retryablehttp.Logger, req *http.Request, i int) {
	st := stateOf(req.Context())
	if st == nil {
		return
	}
	st.attempts = st.base + i + 1
	st.wrote.Store(false)
	c.throttle.wait(req.Context())
	req.Header.Del("Cookie") // the jar adds the cookies anew on each attempt
	st.cookieOnly = false
	if c.auth == nil {
		return
	}
	if c.auth.scheme == "Basic" && !st.forceAuth && c.hasSession(req.URL) {
		req.Header.Del("Authorization")
		st.cookieOnly = true
		return
	}
	req.Header.Set("Authorization", c.auth.header())
}

// SessionCookie is the name of the Torrent Server's (Django's) session
// cookie.
const SessionCookie = "sessionid"

// hasSession reports whether the Client holds a session cookie for u.
func (c *Client) hasSession(u *url.URL) bool {
	if c.inner.Jar == nil {
		return false
	}
	for _, ck := range c.inner.Jar.Cookies(u) {
		if ck.Name == SessionCookie && ck.Value != "" {
			return true
		}
	}
	return false
}

// ErrNoAPI is matched by a *NoAPIError: no Torrent Server API answers
// under the Client's base URL.
var ErrNoAPI = errors.New("tsapi: no Torrent Server API at the base URL")

// NoAPIError says that an HTML 404 came from a base URL under which no
// Torrent Server API answers (its API root is a 404 or not the API's JSON
// either): a configuration mistake, such as a wrong path prefix, rather
// than a missing object. It matches ErrNoAPI, and not ErrNotFound.
type NoAPIError struct {
	// Root is the API root that was tried (redacted), such as
	// https://host/rundb/rundb/api/v1/.
	Root string
	// Status is the HTTP status the API root answered with.
	Status int
	// Answer is the error of the request that found the 404.
	Answer *APIError
}

// Error names the API root tried and what to check.
func (e *NoAPIError) Error() string {
	return fmt.Sprintf("tsapi: no Torrent Server API answers at %s (it answers %d %s): check the base URL; "+
		"name the server (https://host) or its API root (https://host/rundb/api/v1/)", e.Root, e.Status, http.StatusText(e.Status))
}

// Is matches ErrNoAPI.
func (e *NoAPIError) Is(target error) bool { return target == ErrNoAPI }

// noAPI checks, after an HTML 404, whether the API root answers at all
// (once per Client), and returns a *NoAPIError when it does not.
func (c *Client) noAPI(ctx context.Context, err error) error {
	var ae *APIError
	if !errors.As(err, &ae) || ae.StatusCode != http.StatusNotFound || !strings.Contains(ae.ContentType, "html") {
		return nil
	}
	switch c.root.state.Load() {
	case rootOK:
		return nil
	case rootMissing:
		return &NoAPIError{Root: redactURL(c.baseURL), Status: int(c.root.status.Load()), Answer: ae}
	}
	// send reads and closes the answer's body; resp.Body is a copy in memory.
	resp, rerr := c.send(ctx, &Request{Method: http.MethodGet, Path: c.baseURL.Path}, opRead) //nolint:bodyclose // see above
	status := 0
	if resp != nil && resp.Response != nil {
		status = resp.StatusCode
	}
	if rerr == nil {
		var root map[string]struct {
			ListEndpoint string `json:"list_endpoint"`
		}
		if json.Unmarshal(resp.body, &root) == nil {
			for _, r := range root {
				if r.ListEndpoint != "" {
					c.root.state.Store(rootOK)
					return nil
				}
			}
		}
	} else if status == 0 || status >= 500 {
		return nil // the root could not be asked: say nothing
	}
	c.root.status.Store(int32(status))
	c.root.state.Store(rootMissing)
	return &NoAPIError{Root: redactURL(c.baseURL), Status: status, Answer: ae}
}

// rootState is what the API root said: rootUnknown, rootOK or
// rootMissing, and its status.
type rootState struct {
	state, status atomic.Int32
}

// What the API root said.
const (
	rootUnknown int32 = iota
	rootOK
	rootMissing
)
