package plugins

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tsapi-go/tsapi"
	"github.com/tsapi-go/tsapi/internal/cli/clitest"
	"github.com/tsapi-go/tsapi/internal/cli/cmdutil"
	"github.com/tsapi-go/tsapi/tsapitest"
)

func fake(t *testing.T) *tsapitest.Server {
	s := tsapitest.New(t)
	s.AddPlugin(tsapitest.Plugin{ID: 1, Name: "variantCaller", Version: "5.18.0.1", Active: true, Selected: true})
	s.AddPlugin(tsapitest.Plugin{ID: 2, Name: "old", Version: "1.0", Active: true})
	s.AddResult(tsapitest.Result{ID: 101, Name: "r"})
	return s
}

func TestNewCmdList(t *testing.T) {
	f, _ := clitest.Factory(t)
	got, err := clitest.Parse(t, f, NewCmdList, "--name", "variantCaller", "--enabled")
	require.NoError(t, err)
	assert.Equal(t, []any{"variantCaller", true}, []any{got.Name, got.Enabled})
	_, err = clitest.Parse(t, f, NewCmdList, "x")
	clitest.Usage(t, err, "no argument")
}

func TestListRun(t *testing.T) {
	a := fake(t)
	_, st := clitest.Factory(t)
	opts := &ListOptions{IO: st.IO, Servers: clitest.Admins(t, a), Ctx: context.Background(), Enabled: true,
		Output: cmdutil.Output{Fields: []string{"id", "name"}}}
	require.NoError(t, listRun(opts))
	assert.Equal(t, "1\tvariantCaller\n", st.Out.String())
}

func TestNewCmdGet(t *testing.T) {
	f, _ := clitest.Factory(t)
	got, err := clitest.Parse(t, f, NewCmdGet, "2")
	require.NoError(t, err)
	assert.Equal(t, []int64{2}, got.IDs)
	got, err = clitest.Parse(t, f, NewCmdGet, "2,3", "4")
	require.NoError(t, err)
	assert.Equal(t, []int64{2, 3, 4}, got.IDs)
}

func TestGetRun(t *testing.T) {
	a := fake(t)
	_, st := clitest.Factory(t)
	opts := &GetOptions{IO: st.IO, Servers: clitest.Admins(t, a), Ctx: context.Background(), IDs: []int64{2}, Output: cmdutil.Output{JQ: ".name"}}
	require.NoError(t, getRun(opts))
	assert.Equal(t, "old\n", st.Out.String())
	opts.IDs = []int64{9}
	assert.Equal(t, "no plugin 9", getRun(opts).Error())
	opts.IDs, opts.Output = []int64{2, 9}, cmdutil.Output{}
	err := getRun(opts)
	assert.Equal(t, cmdutil.ExitNotFound, cmdutil.ExitCode(err), "a multi-get names the ids the server lacks")
	assert.Contains(t, err.Error(), "9")
}

func TestNewCmdLaunch(t *testing.T) {
	f, st := clitest.Factory(t)
	st.In.WriteString(`{"threads": 8}`)
	got, err := clitest.Parse(t, f, NewCmdLaunch, "101", "variantCaller", "--version", "5.18.0.1", "--config", "-", "--all-servers")
	require.NoError(t, err)
	assert.Equal(t, []any{int64(101), "variantCaller", "5.18.0.1", true}, []any{got.Result, got.Request.Plugin, got.Request.Version, got.AllServers})
	assert.JSONEq(t, `{"threads": 8}`, string(got.Request.Config.(tsapi.JobConfig).Raw()))
	_, err = clitest.Parse(t, f, NewCmdLaunch, "101")
	clitest.Usage(t, err, "an analysis result id and a plugin name")
}

func TestLaunchRun(t *testing.T) {
	a, b := fake(t), fake(t)
	run := func(servers func() ([]*cmdutil.Server, error), plugin string, dry, all bool) (string, error) {
		_, st := clitest.Factory(t)
		st.IO.SetStdoutTTY(true)
		err := launchRun(&LaunchOptions{IO: st.IO, Servers: servers, Ctx: context.Background(), Result: 101,
			Request: tsapi.LaunchRequest{Plugin: plugin}, DryRun: dry, AllServers: all})
		return st.Out.String(), err
	}
	out, err := run(clitest.Admins(t, a), "variantCaller", true, false)
	require.NoError(t, err)
	assert.Equal(t, "would send: POST "+a.APIURL()+`results/101/plugin/ {"plugin":"variantCaller"}`+"\n", out)
	assert.Empty(t, clitest.Writes(a))
	_, err = run(clitest.Admins(t, a, b), "variantCaller", false, false)
	clitest.Usage(t, err, "--all-servers")
	assert.Empty(t, append(clitest.Writes(a), clitest.Writes(b)...))
	out, err = run(clitest.Admins(t, a), "variantCaller", false, false)
	require.NoError(t, err)
	assert.Equal(t, "launched variantCaller on analysis result 101\n", out)
	assert.Len(t, a.PluginResults(), 1)
	_, err = run(clitest.Admins(t, a), "noSuchPlugin", false, false)
	assert.Equal(t, cmdutil.ExitServer, cmdutil.ExitCode(err))
	assert.True(t, strings.HasPrefix(err.Error(), "the server has no enabled plugin noSuchPlugin to launch"), err.Error())
}
