package tsapi

import (
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strconv"
	"strings"
)

// credentials is one authentication scheme. Its String and Format never
// show the secret.
type credentials struct {
	scheme string // "Basic", "ApiKey" or "PluginKey"
	user   string // user name, or the pluginresult id for PluginKey
	secret string
}

func (a *credentials) header() string {
	switch a.scheme {
	case "Basic":
		return "Basic " + base64.StdEncoding.EncodeToString([]byte(a.user+":"+a.secret))
	default:
		return a.scheme + " " + a.user + ":" + a.secret
	}
}

// String names the scheme and user, never the secret.
func (a *credentials) String() string {
	if a == nil {
		return "none"
	}
	return a.scheme + " " + a.user + ":REDACTED"
}

// Format makes every fmt verb print String.
func (a *credentials) Format(f fmt.State, _ rune) { io.WriteString(f, a.String()) }

// secrets lists the strings that must never be shown.
func (a *credentials) secrets() []string {
	if a == nil {
		return nil
	}
	out := []string{a.secret}
	if esc := url.QueryEscape(a.secret); esc != a.secret {
		out = append(out, esc) // as it would show in an echoed URL or form
	}
	if a.scheme == "Basic" {
		b64 := base64.StdEncoding.EncodeToString([]byte(a.user + ":" + a.secret))
		out = append(out, b64, strings.TrimRight(b64, "="))
	}
	return out
}

func setAuth(c *settings, a *credentials) error {
	if c.auth != nil {
		return &InvalidArgumentError{Msg: "only one authentication option may be given"}
	}
	if a.secret == "" {
		return &InvalidArgumentError{Msg: a.scheme + " authentication needs a non-empty secret"}
	}
	if strings.ContainsFunc(a.user+a.secret, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		// Line breaks would split the header; other control characters make
		// every request fail with an invalid header value.
		return &InvalidArgumentError{Msg: a.scheme + " credentials must not contain line breaks or other control characters"}
	}
	c.auth = a
	return nil
}

// WithBasicAuth authenticates with HTTP Basic (for example the factory
// account ionadmin). The server answers with a session cookie; from then on
// the Client sends the cookie alone, without the Authorization header (the
// Torrent Server checks the password again whenever that header arrives,
// which is slow). When the session has ended (a 401 answer to a request
// that carried the cookie alone) the request is sent once more with the
// credentials. WithoutCookies sends the credentials on every request.
func WithBasicAuth(user, password string) Option {
	return func(c *settings) error {
		if user == "" || strings.Contains(user, ":") {
			return &InvalidArgumentError{Msg: "Basic authentication needs a user name without ':'"}
		}
		return setAuth(c, &credentials{scheme: "Basic", user: user, secret: password})
	}
}

// WithAPIKey authenticates with a user's API key, sent as
// "Authorization: ApiKey user:key".
func WithAPIKey(user, key string) Option {
	return func(c *settings) error {
		if user == "" {
			return &InvalidArgumentError{Msg: "ApiKey authentication needs a user name"}
		}
		return setAuth(c, &credentials{scheme: "ApiKey", user: user, secret: key})
	}
}

// WithPluginKey authenticates as a running plugin, sent as
// "Authorization: PluginKey <pluginResultID>:<key>" (the pluginresult and
// api_key of a plugin's startplugin.json).
func WithPluginKey(pluginResultID int64, key string) Option {
	return func(c *settings) error {
		if pluginResultID <= 0 {
			return &InvalidArgumentError{Msg: "PluginKey authentication needs a positive pluginresult id"}
		}
		return setAuth(c, &credentials{scheme: "PluginKey", user: strconv.FormatInt(pluginResultID, 10), secret: key})
	}
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

// cookieJar returns a jar for the server's session cookie.
func cookieJar() http.CookieJar {
	j, _ := cookiejar.New(nil) // never fails with nil options
	return j
}

// authorize sets the credentials of one attempt of req: with Basic auth,
// once the Client holds the server's session cookie, the cookie goes alone
// (the Torrent Server checks the password again whenever an Authorization
// header arrives), unless force says the credentials must go. It reports
// whether the attempt relies on the cookie alone, so that a 401 to it is
// resent with the credentials (see outSessionEnded in policy.go).
func (c *Client) authorize(req *http.Request, force bool) (cookieOnly bool) {
	req.Header.Del("Cookie") // the jar adds the cookies anew on each attempt
	if c.auth == nil {
		return false
	}
	if c.auth.scheme == "Basic" && !force && c.hasSession(req.URL) {
		req.Header.Del("Authorization")
		return true
	}
	req.Header.Set("Authorization", c.auth.header())
	return false
}
