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
	"net/http/cookiejar"
	"net/url"
	"strconv"
	"strings"
	"time"

	retryablehttp "github.com/hashicorp/go-retryablehttp"
)

// Version is the version of this library, sent in the default User-Agent.
const Version = "0.1.0"

// DefaultAPIPath is the path of the tastypie API root on a Torrent Server.
const DefaultAPIPath = "/rundb/api/v1/"

// Defaults used by New.
const (
	DefaultUserAgent        = "tsapi-go/" + Version
	DefaultMaxRetries       = 3
	DefaultRetryWaitMin     = 500 * time.Millisecond
	DefaultRetryWaitMax     = 10 * time.Second
	DefaultMaxRetryAfter    = 60 * time.Second
	DefaultMaxResponseBytes = 64 << 20
	DefaultTimeout          = 60 * time.Second // per attempt; see WithTimeout
	maxRedirects            = 5
)

// Client talks to one Torrent Server. It is safe for concurrent use by
// multiple goroutines. Create it with New.
type Client struct {
	baseURL   *url.URL
	userAgent string
	auth      *credentials
	logger    *slog.Logger
	maxBody   int64
	timeout   time.Duration

	inner *http.Client
	retry *retryablehttp.Client

	// PluginResultJobs is the PluginResultJob resource
	// (/rundb/api/v1/PluginResultJob/).
	PluginResultJobs *PluginResultJobService
	// PluginResults is the pluginresult resource (/rundb/api/v1/pluginresult/).
	PluginResults *PluginResultService
	// Plugins is the plugin resource (/rundb/api/v1/plugin/) and plugin launches.
	Plugins *PluginService
}

// New returns a Client for the Torrent Server at baseURL. baseURL may name
// the server (https://ts.example.org), or the API root
// (https://ts.example.org/rundb/api/v1/ or .../rundb/api as a plugin's
// startplugin.json gives it); a server behind a path prefix is also accepted
// (https://host/prefix). New does no I/O.
//
// It returns an error when baseURL has no http or https scheme or no host,
// carries credentials, a query or a fragment, or when an option is invalid
// (for example an unreadable CA file).
func New(baseURL string, opts ...Option) (*Client, error) {
	u, err := parseBaseURL(baseURL)
	if err != nil {
		return nil, err
	}
	cfg := &config{
		userAgent:     DefaultUserAgent,
		maxRetries:    DefaultMaxRetries,
		waitMin:       DefaultRetryWaitMin,
		waitMax:       DefaultRetryWaitMax,
		maxRetryAfter: DefaultMaxRetryAfter,
		maxBody:       DefaultMaxResponseBytes,
		cookies:       true,
	}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(cfg); err != nil {
			return nil, err
		}
	}
	inner, err := cfg.buildHTTPClient()
	if err != nil {
		return nil, err
	}
	c := &Client{
		baseURL:   u,
		userAgent: cfg.userAgent,
		auth:      cfg.auth,
		logger:    cfg.logger,
		maxBody:   cfg.maxBody,
		timeout:   cfg.timeout,
		inner:     inner,
	}
	if cfg.insecure && c.logger != nil {
		c.logger.Warn("tsapi: TLS certificate verification is disabled", "host", u.Host)
	}
	c.retry = &retryablehttp.Client{
		HTTPClient:     inner,
		RetryWaitMin:   cfg.waitMin,
		RetryWaitMax:   cfg.waitMax,
		RetryMax:       cfg.maxRetries,
		CheckRetry:     c.checkRetry,
		Backoff:        backoff(cfg.maxRetryAfter),
		ErrorHandler:   giveUp,
		RequestLogHook: countAttempt,
	}
	if c.logger != nil {
		c.retry.Logger = slogAdapter{c.logger, c.auth}
	}
	c.PluginResultJobs = &PluginResultJobService{r: newPluginResultJobResource(c)}
	c.PluginResults = &PluginResultService{r: newPluginResultResource(c)}
	c.Plugins = &PluginService{r: newPluginResource(c)}
	return c, nil
}

// parseBaseURL checks and normalises the server URL to the API root.
func parseBaseURL(raw string) (*url.URL, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil, &ConfigError{Msg: "base URL is empty"}
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, &ConfigError{Msg: "base URL does not parse: " + redactRawURL(raw)}
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, &ConfigError{Msg: fmt.Sprintf("base URL %q has no http or https scheme (write https://%s)", redactURL(u), strings.TrimPrefix(redactURL(u), "//"))}
	}
	if u.Host == "" {
		return nil, &ConfigError{Msg: fmt.Sprintf("base URL %q has no host", redactURL(u))}
	}
	if u.User != nil {
		return nil, &ConfigError{Msg: "base URL carries credentials: pass them with WithBasicAuth instead"}
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, &ConfigError{Msg: fmt.Sprintf("base URL %q must not have a query or fragment", redactURL(u))}
	}
	p := strings.TrimRight(u.Path, "/")
	switch {
	case strings.HasSuffix(p, "/rundb/api/v1"):
	case strings.HasSuffix(p, "/rundb/api"):
		p += "/v1"
	default:
		p += "/rundb/api/v1"
	}
	return &url.URL{Scheme: u.Scheme, Host: u.Host, Path: p + "/"}, nil
}

// BaseURL returns the API root the Client sends requests to, such as
// https://ts.example.org/rundb/api/v1/.
func (c *Client) BaseURL() *url.URL {
	u := *c.baseURL
	return &u
}

// HTTPClient returns the *http.Client the Client sends each attempt through.
// Tests may wrap its Transport (for example with gock.InterceptClient); it
// must not be changed while requests are in flight.
func (c *Client) HTTPClient() *http.Client { return c.inner }

// String describes the Client without any credential.
func (c *Client) String() string {
	return fmt.Sprintf("tsapi.Client{base: %s, auth: %s}", c.baseURL, c.auth.String())
}

// Format makes every fmt verb (%v, %+v, %#v, %s) print String, so that no
// credential is ever printed.
func (c *Client) Format(f fmt.State, _ rune) { io.WriteString(f, c.String()) }

// Response wraps the HTTP response of a call.
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

	body []byte
	auth *credentials // secrets that errors built from this answer must hide
}

// Request describes one call for Client.Do.
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
	// Idempotent marks a POST or bulk PATCH as safe to send again, so that
	// it is retried like a GET.
	Idempotent bool
	// Once sends the request a single time even when its method is usually
	// safe to repeat (a PUT on a list URL deletes what it created before).
	Once bool
}

// Do sends req and decodes a JSON answer into v (when v is not nil and the
// server sent a body). It returns an *APIError for a non-2xx answer, a
// *DecodeError when a 2xx body does not decode into v, a *RequestError for
// transport failures, and ctx.Err() when ctx ends first.
func (c *Client) Do(ctx context.Context, req *Request, v any) (*Response, error) {
	resp, err := c.send(ctx, req)
	if err != nil {
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

// callState travels in the request context to the retry policy.
type callState struct {
	retryable bool
	attempts  int
}

func stateOf(ctx context.Context) *callState {
	s, _ := ctx.Value(ctxKey{}).(*callState)
	return s
}

// isIdempotent tells whether sending method twice cannot write twice.
func isIdempotent(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodPut, http.MethodDelete:
		return true
	}
	return false
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

// send performs the request with retries and reads the whole body (capped).
// It returns an *APIError for non-2xx answers.
func (c *Client) send(ctx context.Context, r *Request) (*Response, error) {
	if ctx == nil {
		return nil, &ConfigError{Msg: "nil context"}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	u, err := c.resolve(r.Path, r.Query)
	if err != nil {
		return nil, err
	}
	var body []byte
	if r.Body != nil {
		switch b := r.Body.(type) {
		case []byte:
			body = b
		case json.RawMessage:
			body = b
		default:
			body, err = marshalBody(b)
			if err != nil {
				return nil, &ConfigError{Msg: fmt.Sprintf("encoding %s body: %v", r.Method, err)}
			}
		}
	}
	st := &callState{retryable: !r.Once && (r.Idempotent || isIdempotent(r.Method))}
	ctx = context.WithValue(ctx, ctxKey{}, st)
	var rawBody any
	if body != nil {
		rawBody = body
	}
	req, err := retryablehttp.NewRequestWithContext(ctx, r.Method, u.String(), rawBody)
	if err != nil {
		return nil, &ConfigError{Msg: fmt.Sprintf("building request: %v", err)}
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.auth != nil {
		req.Header.Set("Authorization", c.auth.header())
	}
	var read []byte
	req.SetResponseHandler(func(resp *http.Response) error {
		b, err := readCapped(resp.Body, c.maxBody)
		resp.Body.Close()
		if err != nil && errors.Is(err, ErrResponseTooLarge) && (resp.StatusCode < 200 || resp.StatusCode > 299) {
			err = nil // an error answer is only shown in part: keep its status
		}
		if err != nil {
			resp.Body = http.NoBody
			return err
		}
		read = b
		resp.Body = io.NopCloser(bytes.NewReader(b))
		return nil
	})
	if c.logger != nil {
		c.logger.Debug("tsapi request", "method", r.Method, "url", redactURL(u))
	}
	httpResp, err := c.retry.Do(req)
	if err != nil {
		return c.transportError(ctx, r.Method, u, httpResp, st, err)
	}
	resp := &Response{Response: httpResp, Attempts: max(st.attempts, 1), body: read, auth: c.auth}
	if loc := httpResp.Header.Get("Location"); loc != "" {
		if lu, err := u.Parse(loc); err == nil {
			resp.Location = lu.String()
		}
	}
	if httpResp.StatusCode < 200 || httpResp.StatusCode > 299 {
		return resp, buildAPIError(r.Method, u, httpResp, read, resp.Attempts, c.auth.secrets())
	}
	return resp, nil
}

// transportError turns a failure of the retry loop into the error we return.
func (c *Client) transportError(ctx context.Context, method string, u *url.URL, httpResp *http.Response, st *callState, err error) (*Response, error) {
	var gu *gaveUp
	if errors.As(err, &gu) {
		st.attempts = gu.attempts
		err = gu.err
		if err == nil && gu.resp != nil {
			// Retries exhausted on a retryable status: report that answer
			// (the start of it, when it is larger than allowed).
			b, rerr := readCapped(gu.resp.Body, c.maxBody)
			gu.resp.Body.Close()
			if rerr != nil && !errors.Is(rerr, ErrResponseTooLarge) {
				b = nil
			}
			gu.resp.Body = io.NopCloser(bytes.NewReader(b))
			resp := &Response{Response: gu.resp, Attempts: gu.attempts, body: b, auth: c.auth}
			return resp, buildAPIError(method, u, gu.resp, b, gu.attempts, c.auth.secrets())
		}
		if gu.resp != nil && gu.resp.Body != nil {
			gu.resp.Body.Close() // an answer cut short by the context
		}
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		// Report the context's own error so errors.Is(err, context.Canceled)
		// and context.DeadlineExceeded work whatever layer noticed it.
		return nil, ctxErr
	}
	if errors.Is(err, ErrResponseTooLarge) {
		return nil, &RequestError{Method: method, URL: redactURL(u), Attempts: max(st.attempts, 1), Err: err}
	}
	return nil, &RequestError{Method: method, URL: redactURL(u), Attempts: max(st.attempts, 1), Err: scrubError(err, u)}
}

// decode unmarshals the response body into v, with a typed error.
func (c *Client) decode(resp *Response, v any) error {
	if err := json.Unmarshal(resp.body, v); err != nil {
		return newDecodeError(resp, err)
	}
	return nil
}

// readCapped reads r to its end, failing once more than limit bytes
// arrive; it then returns the first limit bytes with the error.
func readCapped(r io.Reader, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, &bodyReadError{err: err}
	}
	if int64(len(b)) > limit {
		return b[:limit], fmt.Errorf("%w: more than %d bytes", ErrResponseTooLarge, limit)
	}
	return b, nil
}

// bodyReadError marks a failure while reading a response body, which is
// worth a retry for idempotent requests.
type bodyReadError struct{ err error }

func (e *bodyReadError) Error() string { return "reading response body: " + e.err.Error() }
func (e *bodyReadError) Unwrap() error { return e.err }

// gaveUp carries the attempt count out of the retry loop.
type gaveUp struct {
	resp     *http.Response
	err      error
	attempts int
}

func (g *gaveUp) Error() string {
	if g.err != nil {
		return g.err.Error()
	}
	return "giving up after " + strconv.Itoa(g.attempts) + " attempts"
}
func (g *gaveUp) Unwrap() error { return g.err }

func giveUp(resp *http.Response, err error, n int) (*http.Response, error) {
	return nil, &gaveUp{resp: resp, err: err, attempts: n}
}

func countAttempt(_ retryablehttp.Logger, req *http.Request, i int) {
	if st := stateOf(req.Context()); st != nil {
		st.attempts = i + 1
	}
}

// cookieJar returns a jar for the server's session cookie.
func cookieJar() http.CookieJar {
	j, _ := cookiejar.New(nil) // never fails with nil options
	return j
}

// marshalBody encodes a request body as JSON without escaping <, > and &
// (encoding/json's default for HTML), so that strings reach the server as
// the caller wrote them.
func marshalBody(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
