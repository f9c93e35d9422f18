package cmdutil

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// factory returns a Factory on buffers with env as its environment.
func factory(env map[string]string) (*Factory, *IOStreams) {
	ios, _, _, _ := Test()
	f := New(ios, func(k string) string { return env[k] })
	return f, ios
}

func writeConfig(t *testing.T, text string) string {
	path := filepath.Join(t.TempDir(), "config.yaml")
	require.NoError(t, os.WriteFile(path, []byte(text), 0o600))
	return path
}

func TestResolveDropsDuplicateServers(t *testing.T) {
	env := map[string]string{"TSAPI_USER": "u", "TSAPI_PASSWORD": "p"}
	f, ios := factory(env)
	f.Flags.Servers = []string{"http://ts.example.org", "http://ts.example.org/", "http://ts.example.org/rundb/api/v1/,http://ts2.example.org"}
	ss, err := f.Servers()
	require.NoError(t, err)
	assert.Equal(t, "http://ts.example.org, http://ts2.example.org", Names(ss))
	assert.Contains(t, ios.ErrOut.(interface{ String() string }).String(),
		"http://ts.example.org and http://ts.example.org/ name the same server (http://ts.example.org): using it once")

	cfg := writeConfig(t, "profiles:\n  one:\n    server: http://ts.example.org\n  two:\n    server: http://ts.example.org/rundb/api/v1\n")
	f, ios = factory(map[string]string{"TSAPI_CONFIG": cfg})
	f.Flags.Profile = "all"
	ss, err = f.Servers()
	require.NoError(t, err)
	assert.Equal(t, "one", Names(ss))
	assert.Contains(t, ios.ErrOut.(interface{ String() string }).String(), "one and two name the same server")
}

func TestResolveProfileAllKeepsTheOthersWhenOneIsBroken(t *testing.T) {
	cfg := writeConfig(t, "profiles:\n  good:\n    server: http://ts.example.org\n    user: u\n    password_env: PW\n"+
		"  broken:\n    server: http://ts2.example.org\n    user: u\n    password_env: UNSET\n")
	f, _ := factory(map[string]string{"TSAPI_CONFIG": cfg, "PW": "p"})
	f.Flags.Profile = "all"
	ss, err := f.Servers()
	require.NoError(t, err)
	require.Len(t, ss, 2)
	assert.Equal(t, "broken", ss[0].Name)
	assert.EqualError(t, ss[0].Err, "broken: password: $UNSET is not set")
	assert.Equal(t, "good", Usable(ss)[0].Name)

	f, _ = factory(map[string]string{"TSAPI_CONFIG": cfg, "PW": "p"})
	f.Flags.Profile = "broken"
	_, err = f.Servers()
	assert.EqualError(t, err, "broken: password: $UNSET is not set", "one profile named: its error")

	f, _ = factory(map[string]string{"TSAPI_CONFIG": cfg})
	f.Flags.Profile = "god"
	_, err = f.Servers()
	assert.ErrorContains(t, err, `no profile "god" in `+cfg+`: did you mean "good"?`)
}

func TestCheckServerURL(t *testing.T) {
	for raw, want := range map[string]string{
		"https://ts.example.org":                               "",
		"https://ts.example.org/rundb/api/v1/":                 "",
		"http://ts.example.org/prefix/rundb/api":               "",
		"ftp://ts.example.org/x":                               "server URL ftp://ts.example.org...: the tool speaks http and https only: write https://ts.example.org (or http://ts.example.org)",
		"https://ts.example.org/rundb/api/v1/PluginResultJob/": "server URL https://ts.example.org/rundb/api/v1/PluginResultJob/ is a path of the API: use the server's root URL (https://ts.example.org); the tool adds /rundb/api/v1/ itself",
		"https://ts.example.org/rundb/":                        "use the server's root URL (https://ts.example.org)",
		"ftp://user:secret@ts.example.org":                     "write https://ts.example.org",
	} {
		err := CheckServerURL("x", raw)
		if want == "" {
			assert.NoError(t, err, raw)
			continue
		}
		if assert.Error(t, err, raw) {
			assert.Contains(t, err.Error(), want, raw)
			assert.NotContains(t, err.Error(), "secret")
			assert.NotContains(t, err.Error(), "https://ftp://")
		}
	}
}

func TestLoadConfig(t *testing.T) {
	_, err := LoadConfig(filepath.Join(t.TempDir(), "none.yaml"), true)
	assert.ErrorContains(t, err, "does not exist")
	cfg, err := LoadConfig(filepath.Join(t.TempDir(), "none.yaml"), false)
	require.NoError(t, err)
	assert.Empty(t, cfg.Profiles)

	for text, want := range map[string]string{
		"profiles:\n  lab:\n    server: http://x\n    passwrd_env: PW\n":   `line 4: profile lab: unknown key "passwrd_env": did you mean "password_env"?`,
		"profiles:\n  lab:\n    server: http://x\n    password: hunter2\n": "line 4: profile lab: the file holds no secret, so password is not read: put it in an environment variable named by password_env, or in a file only you may read named by password_file",
		"profile:\n  lab: {}\n":                                   `line 1: unknown key "profile": did you mean "profiles"?`,
		"default: lba\nprofiles:\n  lab:\n    server: http://x\n": `the default profile "lba" is not among its profiles (lab)`,
		"profiles: [a]\n":                                         "profiles holds named profiles",
	} {
		_, err := LoadConfig(writeConfig(t, text), true)
		if assert.Error(t, err, text) {
			assert.Contains(t, err.Error(), want)
			assert.NotContains(t, err.Error(), "hunter2")
			assert.Equal(t, ExitUsage, ExitCode(err))
		}
	}

	f, _ := factory(map[string]string{})
	f.Flags.Config = filepath.Join(t.TempDir(), "missing.yaml")
	_, err = f.Config(false)
	assert.ErrorContains(t, err, "does not exist", "--config naming a missing file")
}
