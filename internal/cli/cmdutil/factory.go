// Package cmdutil is what every command of the tsapi tool shares: the
// Factory that resolves servers and settings once, when first asked; the
// IOStreams that know whether they are terminals; the printer of tables,
// TSV, JSON, JSONL and YAML (with --jq and --template); the exit codes;
// and the errors told in words that say what to do.
package cmdutil

import (
	"sync"
	"time"
)

// GlobalFlags are the flags every command takes.
type GlobalFlags struct {
	Servers  []string
	Profile  string
	Config   string
	Demo     bool
	Output   string
	Fields   []string
	JQ       string
	Template string
	Verbose  bool
	Debug    bool
	Timeout  time.Duration
}

// Factory is what a command needs, each part made when first asked for:
// the streams, the environment, the global flags, the config file and the
// servers.
type Factory struct {
	IOStreams *IOStreams
	Getenv    func(string) string
	Flags     *GlobalFlags
	// Now is the clock (--since 24h counts back from it).
	Now func() time.Time
	// Config returns the config file (required: a missing one is an
	// error), read once.
	Config func(required bool) (*Config, error)
	// Servers returns the servers the command runs on, resolved once.
	Servers func() ([]*Server, error)

	mu      sync.Mutex
	closers []func()
}

// New returns the tool's Factory: its Config and Servers are read from
// the flags, the environment and the config file when first called.
func New(ios *IOStreams, getenv func(string) string) *Factory {
	f := &Factory{IOStreams: ios, Getenv: getenv, Flags: &GlobalFlags{}, Now: time.Now}
	var cfgOnce sync.Once
	var cfg *Config
	var cfgErr error
	f.Config = func(required bool) (*Config, error) {
		cfgOnce.Do(func() {
			path := ConfigPath(f.Flags.Config, getenv)
			named := f.Flags.Config != "" || getenv("TSAPI_CONFIG") != ""
			cfg, cfgErr = LoadConfig(path, named || required)
		})
		if cfgErr == nil && required && cfg.Path != "" && len(cfg.Profiles) == 0 {
			if _, err := LoadConfig(cfg.Path, true); err != nil {
				return nil, err
			}
		}
		return cfg, cfgErr
	}
	var srvOnce sync.Once
	var servers []*Server
	var srvErr error
	f.Servers = func() ([]*Server, error) {
		srvOnce.Do(func() {
			r := &Resolver{IO: ios, Getenv: getenv, Flags: f.Flags, Config: f.Config, Closers: &f.closers}
			servers, srvErr = r.Resolve()
		})
		return servers, srvErr
	}
	return f
}

// Output returns the output the global flags ask for.
func (f *Factory) Output() Output {
	return Output{Format: f.Flags.Output, Fields: f.Flags.Fields, JQ: f.Flags.JQ, Template: f.Flags.Template}
}

// Close releases what the servers hold (the demo's fake server).
func (f *Factory) Close() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.closers {
		c()
	}
	f.closers = nil
}
