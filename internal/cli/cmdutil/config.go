package cmdutil

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/tsapi-go/tsapi"
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

// profileKeys are the keys a profile may have.
var profileKeys = []string{"server", "user", "password_env", "password_file", "api_key_env", "api_key_file",
	"plugin_result", "plugin_key_env", "plugin_key_file", "ca_file"}

// secretKeys are keys that would hold a secret in the file, and the keys
// to use instead.
var secretKeys = map[string][2]string{
	"password": {"password_env", "password_file"}, "passwd": {"password_env", "password_file"},
	"api_key": {"api_key_env", "api_key_file"}, "apikey": {"api_key_env", "api_key_file"},
	"plugin_key": {"plugin_key_env", "plugin_key_file"}, "key": {"api_key_env", "api_key_file"},
	"token": {"api_key_env", "api_key_file"},
}

// Config is the config file: named profiles and the default one.
type Config struct {
	Default  string             `yaml:"default,omitempty"`
	Profiles map[string]Profile `yaml:"profiles"`

	// Path is the file read ("" for none).
	Path string `yaml:"-"`
}

// ConfigPath is where the config file is: flag (--config), $TSAPI_CONFIG,
// else $XDG_CONFIG_HOME/tsapi/config.yaml (~/.config/tsapi/config.yaml).
func ConfigPath(flag string, getenv func(string) string) string {
	if flag != "" {
		return flag
	}
	if p := getenv("TSAPI_CONFIG"); p != "" {
		return p
	}
	dir := getenv("XDG_CONFIG_HOME")
	if dir == "" {
		home := getenv("HOME")
		if home == "" {
			var err error
			if home, err = os.UserHomeDir(); err != nil {
				return ""
			}
		}
		dir = filepath.Join(home, ".config")
	}
	return filepath.Join(dir, "tsapi", "config.yaml")
}

// LoadConfig reads the config file at path. A missing file is an empty
// config unless required (a file named by --config or $TSAPI_CONFIG, or a
// command that needs profiles). Unknown keys are refused with the key
// meant, and a key that would hold a secret with where to keep it instead.
func LoadConfig(path string, required bool) (*Config, error) {
	cfg := &Config{Path: path, Profiles: map[string]Profile{}}
	if path == "" {
		return cfg, nil
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) && !required {
		return cfg, nil
	}
	if errors.Is(err, fs.ErrNotExist) {
		return nil, Usagef("config file %s does not exist (see tsapi config --help for what it holds)", path)
	}
	if err != nil {
		return nil, Usagef("reading the config file: %v", err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, Usagef("config file %s: %s", path, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	if err := checkKeys(path, &doc); err != nil {
		return nil, err
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(cfg); err != nil && !errors.Is(err, io.EOF) { // an empty file is an empty config
		return nil, Usagef("config file %s: %s", path, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	if cfg.Profiles == nil {
		cfg.Profiles = map[string]Profile{}
	}
	cfg.Path = path
	if cfg.Default != "" {
		if _, ok := cfg.Profiles[cfg.Default]; !ok {
			return nil, Usagef("config file %s: the default profile %q is not among its profiles (%s)", path, cfg.Default,
				strings.Join(cfg.Names(), ", "))
		}
	}
	return cfg, nil
}

// checkKeys refuses keys the file may not have, naming the line.
func checkKeys(path string, doc *yaml.Node) error {
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil
	}
	top := doc.Content[0]
	if top.Kind != yaml.MappingNode {
		return Usagef("config file %s: line %d: want keys default and profiles", path, top.Line)
	}
	for i := 0; i+1 < len(top.Content); i += 2 {
		k, v := top.Content[i], top.Content[i+1]
		switch k.Value {
		case "default":
		case "profiles":
			if v.Kind != yaml.MappingNode {
				return Usagef("config file %s: line %d: profiles holds named profiles (lab: {server: ...})", path, v.Line)
			}
			for j := 0; j+1 < len(v.Content); j += 2 {
				name, p := v.Content[j].Value, v.Content[j+1]
				if p.Kind != yaml.MappingNode {
					return Usagef("config file %s: line %d: profile %s holds keys (server, user, ...)", path, p.Line, name)
				}
				for k := 0; k+1 < len(p.Content); k += 2 {
					if err := checkProfileKey(path, name, p.Content[k]); err != nil {
						return err
					}
				}
			}
		default:
			return unknownKey(path, k, "", []string{"default", "profiles"})
		}
	}
	return nil
}

func checkProfileKey(path, profile string, k *yaml.Node) error {
	for _, known := range profileKeys {
		if k.Value == known {
			return nil
		}
	}
	if alt, ok := secretKeys[strings.ToLower(k.Value)]; ok {
		return Usagef("config file %s: line %d: profile %s: the file holds no secret, so %s is not read: "+
			"put it in an environment variable named by %s, or in a file only you may read named by %s (chmod 600)",
			path, k.Line, profile, k.Value, alt[0], alt[1])
	}
	return unknownKey(path, k, "profile "+profile+": ", profileKeys)
}

func unknownKey(path string, k *yaml.Node, where string, known []string) error {
	msg := fmt.Sprintf("config file %s: line %d: %sunknown key %q", path, k.Line, where, k.Value)
	if s := Suggest(k.Value, known); s != "" {
		msg += fmt.Sprintf(": did you mean %q?", s)
	}
	return Usagef("%s (keys: %s)", msg, strings.Join(known, ", "))
}

// Suggest returns the word of known closest to w, when it is close enough
// to be a typo, else "".
func Suggest(w string, known []string) string {
	best, bestD := "", len(w)/2+2
	for _, k := range known {
		if strings.EqualFold(k, w) {
			return k
		}
		if d := distance(strings.ToLower(w), strings.ToLower(k)); d < bestD {
			best, bestD = k, d
		}
	}
	return best
}

// distance is the Levenshtein distance between a and b.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

// Names returns the profiles' names, sorted.
func (c *Config) Names() []string {
	out := make([]string, 0, len(c.Profiles))
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
		return "", Usagef("%s: give an environment variable or a file, not both", what)
	case env != "":
		v := getenv(env)
		if v == "" {
			return "", Usagef("%s: $%s is not set", what, env)
		}
		return v, nil
	case file != "":
		fi, err := os.Stat(file)
		if err != nil {
			return "", Usagef("%s: %v", what, err)
		}
		if fi.Mode().Perm()&0o077 != 0 {
			return "", Usagef("%s: %s is readable by others (mode %04o): run chmod 600 %s", what, file, fi.Mode().Perm(), file)
		}
		b, err := os.ReadFile(file)
		if err != nil {
			return "", Usagef("%s: %v", what, err)
		}
		v := strings.TrimRight(string(b), "\r\n")
		if v == "" {
			return "", Usagef("%s: %s is empty", what, file)
		}
		return v, nil
	}
	return "", nil
}

// from says where a secret came from, for messages.
func from(name, env, file string) string {
	if env != "" {
		return "$" + env
	}
	if name == "" {
		return file
	}
	return file + " of profile " + name
}

// credentials turns a profile into client options, and fills how s
// authenticates.
func (p Profile) credentials(name string, getenv func(string) string, s *Server) ([]tsapi.Option, error) {
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
	for _, v := range []string{pw, key, pkey} {
		if v != "" {
			n++
		}
	}
	if n > 1 {
		return nil, Usagef("%s: give one of a password, an API key and a plugin key", name)
	}
	s.User = p.User
	var opts []tsapi.Option
	switch {
	case pw != "":
		if p.User == "" {
			return nil, Usagef("%s: a password needs a user", name)
		}
		s.Auth, s.CredentialFrom = AuthPassword, from(name, p.PasswordEnv, p.PasswordFile)
		opts = append(opts, tsapi.WithBasicAuth(p.User, pw))
	case key != "":
		if p.User == "" {
			return nil, Usagef("%s: an API key needs a user", name)
		}
		s.Auth, s.CredentialFrom = AuthAPIKey, from(name, p.APIKeyEnv, p.APIKeyFile)
		opts = append(opts, tsapi.WithAPIKey(p.User, key))
	case pkey != "":
		s.Auth, s.CredentialFrom, s.PluginResult = AuthPluginKey, from(name, p.PluginKeyEnv, p.PluginKeyFile), p.PluginResult
		opts = append(opts, tsapi.WithPluginKey(p.PluginResult, pkey))
	case p.User != "":
		return nil, Usagef("%s: user %s has no password, API key or plugin key: set password_env or password_file "+
			"(api_key_env, api_key_file) in the profile, or $TSAPI_PASSWORD", name, p.User)
	}
	if p.CAFile != "" {
		opts = append(opts, tsapi.WithCAFile(p.CAFile))
	}
	return opts, nil
}

// AuthKind names how a profile authenticates, without any secret.
func (p Profile) AuthKind() string {
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

// EnvProfile is the profile the environment variables describe.
func EnvProfile(getenv func(string) string) Profile {
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
