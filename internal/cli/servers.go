package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/tsapi-go/tsapi"
	"github.com/tsapi-go/tsapi/tsapitest"
)

// Profile is one server of the config file, with how to authenticate. The
// file names where secrets are (an environment variable or a file), never
// the secrets themselves.
type Profile struct {
	// Server is the server's URL (https://ts.example.org).
	Server string `yaml:"server"`
	// User is the account, for Basic (with a password) or an API key.
	User string `yaml:"user,omitempty"`
	// PasswordEnv or PasswordFile hold the password.
	PasswordEnv  string `yaml:"password_env,omitempty"`
	PasswordFile string `yaml:"password_file,omitempty"`
	// APIKeyEnv or APIKeyFile hold the user's API key (ApiKey auth).
	APIKeyEnv  string `yaml:"api_key_env,omitempty"`
	APIKeyFile string `yaml:"api_key_file,omitempty"`
	// PluginResult with PluginKeyEnv or PluginKeyFile: a plugin's key.
	PluginResult  int64  `yaml:"plugin_result,omitempty"`
	PluginKeyEnv  string `yaml:"plugin_key_env,omitempty"`
	PluginKeyFile string `yaml:"plugin_key_file,omitempty"`
	// CAFile is the PEM file of a self-signed server's CA.
	CAFile string `yaml:"ca_file,omitempty"`
}

// Config is the config file: named profiles and the default one.
type Config struct {
	Default  string             `yaml:"default,omitempty"`
	Profiles map[string]Profile `yaml:"profiles"`

	path string
}

// configPath is where the config file is: --config, $TSAPI_CONFIG, else
// $XDG_CONFIG_HOME/tsapi/config.yaml (~/.config/tsapi/config.yaml).
func configPath(flag string, getenv func(string) string) string {
	if flag != "" {
		return flag
	}
	if p := getenv("TSAPI_CONFIG"); p != "" {
		return p
	}
	dir := getenv("XDG_CONFIG_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return ""
		}
		dir = filepath.Join(home, ".config")
	}
	return filepath.Join(dir, "tsapi", "config.yaml")
}

// loadConfig reads the config file; a missing file is an empty config
// unless required.
func loadConfig(path string, required bool) (*Config, error) {
	cfg := &Config{path: path, Profiles: map[string]Profile{}}
	if path == "" {
		return cfg, nil
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) && !required {
		return cfg, nil
	}
	if err != nil {
		return nil, usagef("reading the config file: %v", err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(cfg); err != nil && !errors.Is(err, io.EOF) { // an empty file is an empty config
		return nil, usagef("config file %s: %v", path, err)
	}
	if cfg.Profiles == nil {
		cfg.Profiles = map[string]Profile{}
	}
	cfg.path = path
	if cfg.Default != "" {
		if _, ok := cfg.Profiles[cfg.Default]; !ok {
			return nil, usagef("config file %s: the default profile %q is not among its profiles", path, cfg.Default)
		}
	}
	return cfg, nil
}

func (c *Config) names() []string {
	var out []string
	for n := range c.Profiles {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// secret reads a secret from an environment variable or from a file that
// only its owner may read.
func secret(what, env, file string, getenv func(string) string) (string, error) {
	switch {
	case env != "" && file != "":
		return "", usagef("%s: give an environment variable or a file, not both", what)
	case env != "":
		v := getenv(env)
		if v == "" {
			return "", usagef("%s: $%s is not set", what, env)
		}
		return v, nil
	case file != "":
		fi, err := os.Stat(file)
		if err != nil {
			return "", usagef("%s: %v", what, err)
		}
		if fi.Mode().Perm()&0o077 != 0 {
			return "", usagef("%s: %s is readable by others (mode %04o): run chmod 600 %s", what, file, fi.Mode().Perm(), file)
		}
		b, err := os.ReadFile(file)
		if err != nil {
			return "", usagef("%s: %v", what, err)
		}
		v := strings.TrimRight(string(b), "\r\n")
		if v == "" {
			return "", usagef("%s: %s is empty", what, file)
		}
		return v, nil
	}
	return "", nil
}

// options turns a profile into client options.
func (p Profile) options(name string, getenv func(string) string) ([]tsapi.Option, error) {
	var opts []tsapi.Option
	pw, err := secret(name+": password", p.PasswordEnv, p.PasswordFile, getenv)
	if err != nil {
		return nil, err
	}
	key, err := secret(name+": API key", p.APIKeyEnv, p.APIKeyFile, getenv)
	if err != nil {
		return nil, err
	}
	pkey, err := secret(name+": plugin key", p.PluginKeyEnv, p.PluginKeyFile, getenv)
	if err != nil {
		return nil, err
	}
	n := 0
	for _, s := range []string{pw, key, pkey} {
		if s != "" {
			n++
		}
	}
	if n > 1 {
		return nil, usagef("%s: give one of a password, an API key and a plugin key", name)
	}
	switch {
	case pw != "":
		if p.User == "" {
			return nil, usagef("%s: a password needs a user", name)
		}
		opts = append(opts, tsapi.WithBasicAuth(p.User, pw))
	case key != "":
		if p.User == "" {
			return nil, usagef("%s: an API key needs a user", name)
		}
		opts = append(opts, tsapi.WithAPIKey(p.User, key))
	case pkey != "":
		opts = append(opts, tsapi.WithPluginKey(p.PluginResult, pkey))
	case p.User != "":
		return nil, usagef("%s: user %s has no password, API key or plugin key (password_env, password_file, ...)", name, p.User)
	}
	if p.CAFile != "" {
		opts = append(opts, tsapi.WithCAFile(p.CAFile))
	}
	return opts, nil
}

// authKind names how a profile authenticates, without any secret.
func (p Profile) authKind() string {
	switch {
	case p.PasswordEnv != "" || p.PasswordFile != "":
		return "basic " + p.User
	case p.APIKeyEnv != "" || p.APIKeyFile != "":
		return "api key " + p.User
	case p.PluginKeyEnv != "" || p.PluginKeyFile != "":
		return "plugin key " + strconv.FormatInt(p.PluginResult, 10)
	}
	return "none"
}

// envProfile is the profile the environment variables describe.
func envProfile(getenv func(string) string) Profile {
	p := Profile{Server: getenv("TSAPI_SERVER"), User: getenv("TSAPI_USER"), CAFile: getenv("TSAPI_CA_FILE")}
	switch {
	case getenv("TSAPI_PASSWORD") != "":
		p.PasswordEnv = "TSAPI_PASSWORD"
	case getenv("TSAPI_PASSWORD_FILE") != "":
		p.PasswordFile = getenv("TSAPI_PASSWORD_FILE")
	case getenv("TSAPI_API_KEY") != "":
		p.APIKeyEnv = "TSAPI_API_KEY"
	case getenv("TSAPI_PLUGIN_KEY") != "":
		p.PluginKeyEnv = "TSAPI_PLUGIN_KEY"
		p.PluginResult, _ = strconv.ParseInt(getenv("TSAPI_PLUGIN_RESULT"), 10, 64)
	}
	return p
}

// target is one server a command runs on.
type target struct {
	name   string
	user   string // the account, "" when the profile names none
	client *tsapi.Client
}

const noServerHelp = `no server named. Name one with:
  --server https://ts.example.org      (credentials from $TSAPI_USER and $TSAPI_PASSWORD)
  --profile NAME                       (a profile of %s)
  TSAPI_SERVER=https://ts.example.org  (environment)
or try the tool against an in-process fake server with --demo`

// targets resolves the servers the command runs on.
func (f *Factory) targets() ([]target, error) {
	if f.targetsDone {
		return f.cached, f.cachedErr
	}
	f.targetsDone = true
	f.cached, f.cachedErr = f.resolveTargets()
	return f.cached, f.cachedErr
}

func (f *Factory) resolveTargets() ([]target, error) {
	g := f.Globals
	common := []tsapi.Option{tsapi.WithUserAgent("tsapi-cli/" + tsapi.Version)}
	if g.Debug {
		common = append(common, tsapi.WithLogger(slog.New(slog.NewTextHandler(f.IO.ErrOut, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	}
	if g.Verbose || g.Debug {
		common = append(common, tsapi.WithRequestHook(f.logRequest))
	}
	if g.Timeout > 0 {
		common = append(common, tsapi.WithTimeout(g.Timeout))
	}
	if g.Demo {
		if len(g.Servers) > 0 || g.Profile != "" {
			return nil, usagef("--demo runs against an in-process fake server: do not name a server too")
		}
		fake := tsapitest.NewServer()
		f.closers = append(f.closers, fake.Close)
		SeedDemo(fake)
		c, err := fake.AdminClient(common...)
		if err != nil {
			return nil, err
		}
		fmt.Fprintln(f.IO.ErrOut, "tsapi: --demo: using an in-process fake Torrent Server (nothing real is read or changed)")
		out := []target{{name: "demo", user: tsapitest.AdminUser, client: c}}
		if f.dryRun {
			hc := c.HTTPClient()
			hc.Transport = &dryRunTransport{inner: hc.Transport, mu: &f.IO.mu, w: f.IO.Out}
		}
		return out, nil
	}
	profile := g.Profile
	if profile == "" && len(g.Servers) == 0 {
		profile = f.Getenv("TSAPI_PROFILE")
	}
	var out []target
	add := func(name string, p Profile) error {
		opts, err := p.options(name, f.Getenv)
		if err != nil {
			return err
		}
		c, err := tsapi.New(p.Server, append(append([]tsapi.Option{}, common...), opts...)...)
		if err != nil {
			return usagef("%s: %v", name, strings.TrimPrefix(err.Error(), "tsapi: "))
		}
		for _, t := range out {
			if t.client.BaseURL().String() == c.BaseURL().String() {
				fmt.Fprintf(f.IO.ErrOut, "tsapi: %s and %s name the same server (%s): using it once\n", t.name, name, c.BaseURL())
				return nil
			}
		}
		out = append(out, target{name: name, user: p.User, client: c})
		return nil
	}
	switch {
	case len(g.Servers) > 0:
		if profile != "" {
			return nil, usagef("give --server or --profile, not both")
		}
		env := envProfile(f.Getenv)
		for _, s := range g.Servers {
			p := env
			p.Server = s
			if err := add(s, p); err != nil {
				return nil, err
			}
		}
	case profile != "":
		cfg, err := loadConfig(configPath(g.Config, f.Getenv), true)
		if err != nil {
			return nil, err
		}
		names := []string{profile}
		if profile == "all" {
			names = cfg.names()
			if len(names) == 0 {
				return nil, usagef("config file %s has no profiles", cfg.path)
			}
		}
		for _, n := range names {
			p, ok := cfg.Profiles[n]
			if !ok {
				return nil, usagef("no profile %q in %s (it has: %s)", n, cfg.path, strings.Join(cfg.names(), ", "))
			}
			if err := add(n, p); err != nil {
				return nil, err
			}
		}
	case f.Getenv("TSAPI_SERVER") != "":
		p := envProfile(f.Getenv)
		if err := add(p.Server, p); err != nil {
			return nil, err
		}
	default:
		path := configPath(g.Config, f.Getenv)
		cfg, err := loadConfig(path, false)
		if err != nil {
			return nil, err
		}
		if cfg.Default == "" {
			return nil, usagef(noServerHelp, path)
		}
		if err := add(cfg.Default, cfg.Profiles[cfg.Default]); err != nil {
			return nil, err
		}
	}
	if f.dryRun {
		for _, t := range out {
			hc := t.client.HTTPClient()
			hc.Transport = &dryRunTransport{inner: hc.Transport, mu: &f.IO.mu, w: f.IO.Out}
		}
	}
	return out, nil
}

// logRequest is the -v request hook: one line a request, redacted.
func (f *Factory) logRequest(ri tsapi.RequestInfo) {
	status := strconv.Itoa(ri.Status)
	if ri.Status == 0 {
		status = "no answer"
	}
	line := fmt.Sprintf("tsapi: %s %s -> %s (%d attempt(s), %s, %d bytes)", ri.Method, ri.URL, status, ri.Attempts,
		ri.Duration.Round(1e5), ri.BytesReceived)
	if ri.Err != nil {
		line += ": " + ri.Err.Error()
	}
	f.IO.mu.Lock()
	fmt.Fprintln(f.IO.ErrOut, line)
	f.IO.mu.Unlock()
}
