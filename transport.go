package tsapi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"sync/atomic"
	"time"

	retryablehttp "github.com/hashicorp/go-retryablehttp"
)

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
		return nil, nil, &InvalidArgumentError{Msg: "nil context"}
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
		return nil, nil, &InvalidArgumentError{Msg: fmt.Sprintf("building request: %v", err)}
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

// beforeAttempt runs before every attempt: it counts it, waits out the
// Client's throttle, and sets the credentials (authorize, auth.go).
func (c *Client) beforeAttempt(_ retryablehttp.Logger, req *http.Request, i int) {
	st := stateOf(req.Context())
	if st == nil {
		return
	}
	st.attempts = st.base + i + 1
	st.wrote.Store(false)
	c.throttle.wait(req.Context())
	st.cookieOnly = c.authorize(req, st.forceAuth)
}

// readCapped reads r to its end, failing once more than limit bytes
// arrive; it then returns the first limit bytes with the error. size, when
// known (a Content-Length), sizes the buffer at once.
func readCapped(r io.Reader, limit, size int64) ([]byte, error) {
	r = io.LimitReader(r, limit+1)
	var b []byte
	var err error
	if size > 0 && size <= limit {
		b = make([]byte, size, size+1)
		if _, err = io.ReadFull(r, b); err == nil {
			// The end should follow; more than announced is read too.
			var n int
			n, err = r.Read(b[size : size+1])
			if n > 0 {
				var rest []byte
				rest, err = io.ReadAll(r)
				b = append(b[:size+1], rest...)
			}
			if errors.Is(err, io.EOF) {
				err = nil
			}
		}
	} else {
		b, err = io.ReadAll(r)
	}
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
