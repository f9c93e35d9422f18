package tsapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
)

// parseBaseURL checks and normalises the server URL to the API root.
func parseBaseURL(raw string) (*url.URL, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil, &InvalidArgumentError{Msg: "base URL is empty"}
	}
	if !strings.Contains(raw, "://") {
		if shown, ok := showInput(raw); ok {
			return nil, &InvalidArgumentError{Msg: fmt.Sprintf("base URL %q has no http or https scheme: write https://%s (or http:// for a server without TLS)", shown, shown)}
		}
		return nil, &InvalidArgumentError{Msg: "base URL has no http or https scheme (write https://host), and does not parse as host and path either"}
	}
	u, err := url.Parse(raw)
	if err != nil {
		// Neither the input nor the parser's message (which quotes parts
		// of it) is shown: what does not parse may hold a credential.
		return nil, &InvalidArgumentError{Msg: "base URL does not parse as scheme://host[:port][/path] (check its host, port and % escapes)"}
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, &InvalidArgumentError{Msg: fmt.Sprintf("base URL %q has no http or https scheme (write https://%s)", redactURL(u), strings.TrimPrefix(redactURL(u), "//"))}
	}
	if u.Host == "" {
		return nil, &InvalidArgumentError{Msg: fmt.Sprintf("base URL %q has no host", redactURL(u))}
	}
	if u.User != nil {
		return nil, &InvalidArgumentError{Msg: "base URL carries credentials: pass them with WithBasicAuth instead"}
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, &InvalidArgumentError{Msg: fmt.Sprintf("base URL %q must not have a query or fragment", redactURL(u))}
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

// showInput shows a base URL given without a scheme, without the
// credentials it may hold (a user and password, a key in the query); ok is
// false when it does not parse as host and path.
func showInput(raw string) (string, bool) {
	u, err := url.Parse("x://" + raw)
	if err != nil {
		return "", false
	}
	return strings.TrimPrefix(redactURL(u), "x://"), true
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
