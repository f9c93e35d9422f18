package config

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tsapi-go/tsapi/internal/cli/clitest"
	"github.com/tsapi-go/tsapi/internal/cli/cmdutil"
)

func TestNewCmdPath(t *testing.T) {
	f, _ := clitest.Factory(t)
	f.Flags.Config = "/etc/tsapi.yaml"
	got, err := clitest.Parse(t, f, NewCmdPath)
	require.NoError(t, err)
	assert.Equal(t, "/etc/tsapi.yaml", got.Path)
	f.Flags.Config = ""
	f.Getenv = func(k string) string { return map[string]string{"HOME": "/home/me"}[k] }
	got, err = clitest.Parse(t, f, NewCmdPath)
	require.NoError(t, err)
	assert.Equal(t, "/home/me/.config/tsapi/config.yaml", got.Path)
}

func TestPathRun(t *testing.T) {
	_, st := clitest.Factory(t)
	require.NoError(t, pathRun(&PathOptions{IO: st.IO, Path: "/x.yaml"}))
	assert.Equal(t, "/x.yaml\n", st.Out.String())
}

func TestNewCmdList(t *testing.T) {
	f, _ := clitest.Factory(t)
	f.Flags.Output = "json"
	got, err := clitest.Parse(t, f, NewCmdList)
	require.NoError(t, err)
	assert.Equal(t, "json", got.Output.Format)
}

func TestListRun(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.yaml")
	require.NoError(t, os.WriteFile(path, []byte("default: lab\nprofiles:\n  lab:\n    server: https://ts\n    user: ionadmin\n    password_env: PW\n"+
		"  plugin:\n    server: http://localhost\n    plugin_result: 26\n    plugin_key_file: /k\n"), 0o600))
	_, st := clitest.Factory(t)
	opts := &ListOptions{IO: st.IO, Config: func(bool) (*cmdutil.Config, error) { return cmdutil.LoadConfig(path, true) }}
	require.NoError(t, listRun(opts))
	assert.Equal(t, "lab\thttps://ts\tbasic ionadmin\ttrue\nplugin\thttp://localhost\tplugin key 26\tfalse\n", st.Out.String())
	opts.Config = func(bool) (*cmdutil.Config, error) { return cmdutil.LoadConfig(path+".missing", true) }
	assert.Equal(t, cmdutil.ExitUsage, cmdutil.ExitCode(listRun(opts)))
}
