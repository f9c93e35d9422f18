package tsapi

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Secrets: no password, API key or plugin key appears in an error, a log
// line or a printed Client or option, whatever goes wrong and whatever the
// server echoes back.

const (
	secUser   = "ionadmin"
	secSecret = "Zq7-hunter2-SECRET-quokka"
)

// secForms are the forms the secret could leak in.
func secForms() []string {
	b64 := base64.StdEncoding.EncodeToString([]byte(secUser + ":" + secSecret))
	return []string{secSecret, b64, strings.TrimRight(b64, "="), url.QueryEscape(secSecret)}
}

func secAuthOptions() map[string]func() Option {
	return map[string]func() Option{
		"Basic":     func() Option { return WithBasicAuth(secUser, secSecret) },
		"ApiKey":    func() Option { return WithAPIKey(secUser, secSecret) },
		"PluginKey": func() Option { return WithPluginKey(42, secSecret) },
	}
}

// secAssertClean fails when text holds the secret in any form.
func secAssertClean(t *testing.T, text, where string) {
	t.Helper()
	for _, f := range secForms() {
		if strings.Contains(text, f) {
			t.Errorf("%s leaks the secret (as %q):\n%s", where, f, text)
		}
	}
}

// secAssertErrClean checks every rendering of err and of each error in its
// chain.
func secAssertErrClean(t *testing.T, err error, where string) {
	t.Helper()
	require.Error(t, err, where)
	for e := err; e != nil; e = errors.Unwrap(e) {
		secAssertClean(t, e.Error(), where+": Error()")
		secAssertClean(t, fmt.Sprintf("%v|%+v|%#v|%s", e, e, e, e), where+": fmt")
	}
	var ae *APIError
	if errors.As(err, &ae) {
		secAssertClean(t, fmt.Sprintf("%#v", *ae), where+": APIError fields")
	}
	var de *DecodeError
	if errors.As(err, &de) {
		secAssertClean(t, fmt.Sprintf("%#v", *de), where+": DecodeError fields")
	}
}

// secLogBuffer is a concurrency-safe buffer for the slog handler.
type secLogBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *secLogBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *secLogBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// secServer answers each job id with one kind of failure. Several of them
// echo the request's Authorization header and URL back, as a Django debug
// page or a careless proxy would.
func secServer(t *testing.T, release <-chan struct{}) *httptest.Server {
	t.Helper()
	return faultServer(t, func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		auth := r.Header.Get("Authorization")
		id := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/rundb/api/v1/PluginResultJob/"), "/")
		switch id {
		case "401":
			w.Header().Set("WWW-Authenticate", `Basic realm="django-tastypie"`)
			w.WriteHeader(http.StatusUnauthorized)
		case "404":
			w.WriteHeader(http.StatusNotFound)
		case "500":
			faultJSON(500, `{"error_message": "Sorry, this request could not be processed. Please try again later."}`)(w, r)
		case "503":
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusServiceUnavailable)
			io.WriteString(w, "<html><head><title>Upgrade in progress</title></head></html>")
		case "1500": // Django's debug page shows the request's headers
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusInternalServerError)
			fmt.Fprintf(w, "<html><head><title>KeyError at %s: %s</title></head><body><pre>HTTP_AUTHORIZATION = %q\nQUERY = %s</pre></body></html>",
				r.URL.Path, auth, auth, r.URL.RawQuery)
		case "1400":
			faultJSON(400, fmt.Sprintf(`{"error": {"state": ["bad credentials %s"], %q: ["x"]}, "traceback": %q}`, auth, auth, auth))(w, r)
		case "1401":
			faultJSON(400, fmt.Sprintf(`{"PluginResultJob": {"config": ["%s is not allowed"]}}`, auth))(w, r)
		case "1301":
			w.Header().Set("Location", "/login/?next="+url.QueryEscape(auth)+"&api_key="+url.QueryEscape(auth))
			w.WriteHeader(http.StatusMovedPermanently)
		case "1200":
			w.Header().Set("Content-Type", "text/plain; "+auth)
			io.WriteString(w, "not JSON: "+auth)
		case "1201":
			faultJSON(200, fmt.Sprintf(`{"id": 5, "starttime": %q}`, auth))(w, r)
		case "1202":
			faultJSON(200, fmt.Sprintf(`{"id": %q}`, auth))(w, r)
		case "1413":
			faultJSON(200, `{"state": "`+strings.Repeat(auth+" ", 400)+`"}`)(w, r)
		case "1408":
			w.Header().Set("Content-Length", "100")
			w.WriteHeader(http.StatusOK)
			io.WriteString(w, `{"state": "`+auth)
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
			case <-release:
			}
		default:
			faultJSON(200, faultJobJSON)(w, r)
		}
	})
}

func TestSecretsNeverLeak(t *testing.T) {
	for scheme, authOpt := range secAuthOptions() {
		t.Run(scheme, func(t *testing.T) {
			ctx := context.Background()
			logs := &secLogBuffer{}
			logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			jsonLogs := &secLogBuffer{}
			jsonLogger := slog.New(slog.NewJSONHandler(jsonLogs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			release := make(chan struct{})
			srv := secServer(t, release)
			t.Cleanup(func() { close(release) })

			c := newTestClient(t, srv.URL, authOpt(), WithLogger(logger), WithRetry(1, 0, 0), WithMaxResponseBytes(4<<10))
			cj := newTestClient(t, srv.URL, authOpt(), WithLogger(jsonLogger), WithRetry(1, 0, 0))

			// The server does see the credentials: they are sent.
			_, _, err := c.PluginResultJobs.Get(ctx, 5)
			require.NoError(t, err)

			var errs []error
			get := func(c *Client, id int64) error { _, _, err := c.PluginResultJobs.Get(ctx, id); return err }
			for _, id := range []int64{401, 404, 500, 503, 1500, 1400, 1401, 1200, 1201, 1202, 1413} {
				err := get(c, id)
				secAssertErrClean(t, err, fmt.Sprintf("GET %d", id))
				errs = append(errs, err)
				if id != 1413 { // cj has the default body cap
					errs = append(errs, get(cj, id))
				}
			}
			_, err = c.PluginResultJobs.SetState(ctx, 1301, StateCompleted) // a redirect on a write
			require.ErrorIs(t, err, ErrRedirect)
			errs = append(errs, err)
			// A URL query with a credential in it (as a next link may carry).
			_, err = c.Do(ctx, &Request{Method: http.MethodGet, Path: "PluginResultJob/1500/",
				Query: url.Values{"api_key": {secSecret}, "username": {secUser}}}, nil)
			errs = append(errs, err)

			// Transport error: nothing listens.
			closed := newTestClient(t, "http://"+faultClosedAddr(t), authOpt(), WithLogger(logger), WithRetry(1, 0, 0))
			errs = append(errs, get(closed, 5))
			// TLS failure: a self-signed certificate.
			tlsSrv := httptest.NewUnstartedServer(http.NotFoundHandler())
			tlsSrv.Config.ErrorLog = tlsQuietLog()
			tlsSrv.StartTLS()
			t.Cleanup(tlsSrv.Close)
			tc := newTestClient(t, tlsSrv.URL, authOpt(), WithLogger(logger))
			errs = append(errs, get(tc, 5))
			// Timeout: the body stalls.
			slow := newTestClient(t, srv.URL, authOpt(), WithLogger(logger), WithRetry(0, 0, 0), WithTimeout(150*time.Millisecond))
			err = get(slow, 1408)
			var re *RequestError
			require.ErrorAs(t, err, &re)
			assert.True(t, re.Timeout())
			errs = append(errs, err)
			// A context deadline while the body stalls.
			dctx, cancel := context.WithTimeout(ctx, 150*time.Millisecond)
			_, _, err = c.PluginResultJobs.Get(dctx, 1408)
			cancel()
			errs = append(errs, err)

			for i, err := range errs {
				secAssertErrClean(t, err, fmt.Sprintf("error %d (%v)", i, err))
			}

			// Config errors, each given the secret somewhere.
			for i, cfg := range [][]any{
				{"http://" + secUser + ":" + secSecret + "@127.0.0.1/"},
				{"ftp://" + secUser + ":" + secSecret + "@127.0.0.1/"},
				{"127.0.0.1/rundb/api/v1/?api_key=" + secSecret},
				{"http://127.0.0.1/?password=" + secSecret},
				{"http://127.0.0.1/#" + secSecret},
				{"http://[::1" + secSecret},
				{"http://127.0.0.1/", authOpt(), authOpt()},
				{"http://127.0.0.1/", WithBasicAuth("ion:admin", secSecret)},
				{"http://127.0.0.1/", WithBasicAuth(secUser, secSecret+"\n")},
				{"http://127.0.0.1/", WithAPIKey(secUser, secSecret+"\x00")},
				{"http://127.0.0.1/", WithAPIKey("", secSecret)},
				{"http://127.0.0.1/", WithPluginKey(0, secSecret)},
				{"http://127.0.0.1/", authOpt(), WithCAFile("/nonexistent/ca.pem")},
			} {
				opts := []Option{WithLogger(logger)}
				for _, o := range cfg[1:] {
					opts = append(opts, o.(Option))
				}
				_, err := New(cfg[0].(string), opts...)
				require.ErrorIs(t, err, ErrInvalidOption, "config %d", i)
				secAssertErrClean(t, err, fmt.Sprintf("config error %d", i))
			}

			// Printing a Client or an option.
			opt := authOpt()
			for _, cl := range []*Client{c, closed, tc} {
				secAssertClean(t, fmt.Sprintf("%v|%+v|%#v|%s|%q", cl, cl, cl, cl, cl), "fmt of *Client")
				secAssertClean(t, fmt.Sprintf("%v|%+v|%#v", *cl, *cl, *cl), "fmt of Client")
				secAssertClean(t, cl.String(), "Client.String")
				assert.Contains(t, cl.String(), scheme)
			}
			secAssertClean(t, fmt.Sprintf("%v|%+v|%#v", opt, opt, opt), "fmt of Option")

			// The logs: there was plenty of them, and none holds the secret.
			out := logs.String() + jsonLogs.String()
			assert.Contains(t, out, "level=DEBUG")
			assert.Contains(t, out, "retrying")
			assert.Contains(t, out, `"level":"DEBUG"`)
			secAssertClean(t, out, "log output")
		})
	}
}

// TestSecretsEchoedBackAreScrubbed pins what a user sees when the server
// echoes the credentials: the rest of the message survives.
func TestSecretsEchoedBackAreScrubbed(t *testing.T) {
	release := make(chan struct{})
	srv := secServer(t, release)
	t.Cleanup(func() { close(release) })
	c := newTestClient(t, srv.URL, WithAPIKey(secUser, secSecret))
	_, _, err := c.PluginResultJobs.Get(context.Background(), 1400)
	var ae *APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, []string{"bad credentials ApiKey ionadmin:REDACTED"}, ae.FieldErrors["state"])
	assert.Contains(t, ae.Traceback, "REDACTED")
	assert.Contains(t, ae.Body, "ApiKey ionadmin:REDACTED")

	_, _, err = c.PluginResultJobs.Get(context.Background(), 1500)
	require.ErrorAs(t, err, &ae)
	assert.Contains(t, ae.Message, "KeyError at /rundb/api/v1/PluginResultJob/1500/")
	assert.Contains(t, ae.Message, "REDACTED")
}
