package cmdutil

import (
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tsapi-go/tsapi"
	"github.com/tsapi-go/tsapi/tsapitest"
)

// AuthKind is how a server's requests authenticate.
type AuthKind int

// How a server's requests authenticate.
const (
	AuthNone AuthKind = iota
	AuthPassword
	AuthAPIKey
	AuthPluginKey
)

// Server is one server a command runs on: its name (the profile, or the
// URL given), the account, and the client; or, for a profile that could
// not be used, why (Err, and no Client).
type Server struct {
	Name string
	// User is the account ("" with a plugin key or no credentials).
	User string
	Auth AuthKind
	// CredentialFrom says where the secret came from ("$TSAPI_PASSWORD"),
	// for messages; never the secret.
	CredentialFrom string
	// PluginResult is the plugin result of a plugin key.
	PluginResult int64
	// Timeout bounds each attempt (0: the library's default).
	Timeout time.Duration
	Client  *tsapi.Client
	// Err is why the server cannot be used (a broken profile).
	Err error

	mu      sync.Mutex
	observe []func(tsapi.RequestInfo)
}

// hook is the request hook of the server's client: it hands each request
// to the observers.
func (s *Server) hook(ri tsapi.RequestInfo) {
	s.mu.Lock()
	obs := append([]func(tsapi.RequestInfo){}, s.observe...)
	s.mu.Unlock()
	for _, o := range obs {
		o(ri)
	}
}

// Observe calls fn after each request the server's client sends.
func (s *Server) Observe(fn func(tsapi.RequestInfo)) {
	s.mu.Lock()
	s.observe = append(s.observe, fn)
	s.mu.Unlock()
}

// Usable returns the servers that have a client.
func Usable(servers []*Server) []*Server {
	var out []*Server
	for _, s := range servers {
		if s.Err == nil {
			out = append(out, s)
		}
	}
	return out
}

// Names joins the servers' names.
func Names(servers []*Server) string {
	n := make([]string, len(servers))
	for i, s := range servers {
		n[i] = s.Name
	}
	return strings.Join(n, ", ")
}

// NewServer returns a Server on client c, for tests and programs that
// build their own clients; the client's own request hook, if any, is not
// replaced, so Observe hears nothing.
func NewServer(name string, c *tsapi.Client) *Server { return &Server{Name: name, Client: c} }

// Resolver resolves the servers a command runs on from the global flags,
// the environment and the config file.
type Resolver struct {
	IO     *IOStreams
	Getenv func(string) string
	Flags  *GlobalFlags
	// Config loads the config file; required says the command needs it.
	Config func(required bool) (*Config, error)
	// Closers are run when the command ends (the demo's fake server).
	Closers *[]func()
}

const noServerHelp = `no server named. Name one with:
  --server https://ts.example.org      (credentials from $TSAPI_USER and $TSAPI_PASSWORD)
  --profile NAME                       (a profile of %s)
  TSAPI_SERVER=https://ts.example.org  (environment)
or try the tool against an in-process fake server with --demo`

// Resolve returns the servers: --demo, --server (repeatable), --profile
// (all for every one), $TSAPI_PROFILE, $TSAPI_SERVER, then the config
// file's default. A server named twice is used once. With --profile all,
// a profile that cannot be used is a Server with Err, so that the others
// still run.
func (r *Resolver) Resolve() ([]*Server, error) {
	g := r.Flags
	if g.Demo {
		if len(g.Servers) > 0 || g.Profile != "" {
			return nil, Usagef("--demo runs against an in-process fake server: do not name a server too")
		}
		return r.demo()
	}
	profile := g.Profile
	if profile == "" && len(g.Servers) == 0 {
		profile = r.Getenv("TSAPI_PROFILE")
	}
	var out []*Server
	add := func(name string, p Profile) error {
		s, err := r.build(name, p)
		if err != nil {
			return err
		}
		for _, t := range out {
			if t.Client != nil && t.Client.BaseURL().String() == s.Client.BaseURL().String() {
				r.IO.Warnf("%s and %s name the same server (%s): using it once", t.Name, name, rootOf(s.Client.BaseURL().String()))
				return nil
			}
		}
		out = append(out, s)
		return nil
	}
	switch {
	case len(g.Servers) > 0:
		if profile != "" {
			return nil, Usagef("give --server or --profile, not both")
		}
		env := EnvProfile(r.Getenv)
		for _, raw := range g.Servers {
			for _, u := range strings.Split(raw, ",") {
				p := env
				p.Server = strings.TrimSpace(u)
				if err := add(p.Server, p); err != nil {
					return nil, err
				}
			}
		}
	case profile != "":
		cfg, err := r.Config(true)
		if err != nil {
			return nil, err
		}
		names := strings.Split(profile, ",")
		all := profile == "all"
		if all {
			names = cfg.Names()
			if len(names) == 0 {
				return nil, Usagef("config file %s has no profiles", cfg.Path)
			}
		}
		for _, n := range names {
			p, ok := cfg.Profiles[n]
			if !ok {
				msg := fmt.Sprintf("no profile %q in %s (it has: %s)", n, cfg.Path, strings.Join(cfg.Names(), ", "))
				if s := Suggest(n, cfg.Names()); s != "" {
					msg = fmt.Sprintf("no profile %q in %s: did you mean %q? (it has: %s)", n, cfg.Path, s, strings.Join(cfg.Names(), ", "))
				}
				return nil, Usagef("%s", msg)
			}
			if err := add(n, p); err != nil {
				if !all {
					return nil, err
				}
				out = append(out, &Server{Name: n, Err: err})
			}
		}
		if len(Usable(out)) == 0 {
			return nil, out[0].Err
		}
	case r.Getenv("TSAPI_SERVER") != "":
		p := EnvProfile(r.Getenv)
		if err := add(p.Server, p); err != nil {
			return nil, err
		}
	default:
		cfg, err := r.Config(false)
		if err != nil {
			return nil, err
		}
		if cfg.Default == "" {
			return nil, Usagef(noServerHelp, cfg.Path)
		}
		if err := add(cfg.Default, cfg.Profiles[cfg.Default]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// common are the options every server's client gets.
func (r *Resolver) common(s *Server) []tsapi.Option {
	g := r.Flags
	opts := []tsapi.Option{tsapi.WithUserAgent("tsapi-cli/" + tsapi.Version), tsapi.WithRequestHook(s.hook)}
	if g.Debug {
		opts = append(opts, tsapi.WithLogger(slog.New(slog.NewTextHandler(lockedWriter{r.IO}, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	}
	if g.Verbose || g.Debug {
		s.Observe(func(ri tsapi.RequestInfo) { logRequest(r.IO, ri) })
	}
	if g.Timeout > 0 {
		opts = append(opts, tsapi.WithTimeout(g.Timeout))
		s.Timeout = g.Timeout
	} else {
		s.Timeout = tsapi.DefaultTimeout
	}
	return opts
}

// build makes the server of a profile.
func (r *Resolver) build(name string, p Profile) (*Server, error) {
	if err := CheckServerURL(name, p.Server); err != nil {
		return nil, err
	}
	s := &Server{Name: name}
	creds, err := p.credentials(name, r.Getenv, s)
	if err != nil {
		return nil, err
	}
	c, err := tsapi.New(p.Server, append(r.common(s), creds...)...)
	if err != nil {
		return nil, Usagef("%s: %s", name, trim(err.Error()))
	}
	s.Client = c
	if c.BaseURL().Scheme == "https" {
		hc := c.HTTPClient()
		hc.Transport = &plainHTTPProbe{inner: hc.Transport, timeout: 3 * time.Second}
	}
	return s, nil
}

// CheckServerURL refuses a server URL the tool cannot use, saying what to
// write instead: a scheme other than http and https, or an API path (the
// tool adds /rundb/api/v1/ itself).
func CheckServerURL(name, raw string) error {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return Usagef("%s: no server URL", name)
	}
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return nil // the library says to write https://
	}
	if s := strings.ToLower(scheme); s != "http" && s != "https" {
		host, _, _ := strings.Cut(rest, "/")
		if at := strings.LastIndex(host, "@"); at >= 0 {
			host = host[at+1:]
		}
		return Usagef("server URL %s://%s...: the tool speaks http and https only: write https://%s (or http://%s)", scheme, host, host, host)
	}
	// A URL that does not parse gets no hint here: the library says what
	// does not parse, without echoing it.
	if u, err := url.Parse(raw); err == nil {
		p := strings.TrimRight(u.Path, "/")
		if i := strings.Index(p, "/rundb"); i >= 0 && !strings.HasSuffix(p, "/rundb/api/v1") && !strings.HasSuffix(p, "/rundb/api") {
			root := u.Scheme + "://" + u.Host + p[:i]
			return Usagef("server URL %s://%s%s is a path of the API: use the server's root URL (%s); the tool adds /rundb/api/v1/ itself",
				u.Scheme, u.Host, u.Path, root)
		}
	}
	return nil
}

// demo starts the in-process fake server, seeded.
func (r *Resolver) demo() ([]*Server, error) {
	fake := tsapitest.NewServer()
	*r.Closers = append(*r.Closers, fake.Close)
	SeedDemo(fake)
	s := &Server{Name: "demo", User: tsapitest.AdminUser, Auth: AuthPassword, CredentialFrom: "the demo"}
	c, err := fake.AdminClient(r.common(s)...)
	if err != nil {
		return nil, err
	}
	s.Client = c
	r.IO.Warnf("--demo: using an in-process fake Torrent Server (nothing real is read or changed)")
	return []*Server{s}, nil
}

// lockedWriter writes to stderr through the streams' lock.
type lockedWriter struct{ io *IOStreams }

func (w lockedWriter) Write(b []byte) (int, error) {
	w.io.Printf("%s", b)
	return len(b), nil
}

// logRequest is the -v request hook: one line a request, redacted.
func logRequest(ios *IOStreams, ri tsapi.RequestInfo) {
	status := strconv.Itoa(ri.Status)
	if ri.Status == 0 {
		status = "no answer"
	}
	line := fmt.Sprintf("%s %s -> %s (%d attempt(s), %s, %d bytes)", ri.Method, ri.URL, status, ri.Attempts,
		ri.Duration.Round(100*time.Microsecond), ri.BytesReceived)
	if ri.Err != nil {
		line += ": " + trim(ri.Err.Error())
	}
	ios.Warnf("%s", line)
}
