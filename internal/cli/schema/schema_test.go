package schema

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tsapi-go/tsapi/internal/cli/clitest"
	"github.com/tsapi-go/tsapi/internal/cli/cmdutil"
	"github.com/tsapi-go/tsapi/tsapitest"
)

func TestNewCmdCheck(t *testing.T) {
	f, _ := clitest.Factory(t)
	got, err := clitest.Parse(t, f, NewCmdCheck)
	require.NoError(t, err)
	assert.NotNil(t, got)
	_, err = clitest.Parse(t, f, NewCmdCheck, "x")
	assert.Equal(t, cmdutil.ExitUsage, cmdutil.ExitCode(err))
}

func TestCheckRun(t *testing.T) {
	a, b := tsapitest.New(t), tsapitest.New(t)
	_, st := clitest.Factory(t)
	opts := &CheckOptions{IO: st.IO, Servers: clitest.Admins(t, a, b), Ctx: context.Background(), Output: cmdutil.Output{Fields: []string{"resource", "drift"}}}
	require.NoError(t, checkRun(opts))
	assert.Equal(t, "a\tPluginResultJob\tfalse\na\tpluginresult\tfalse\na\tplugin\tfalse\n"+
		"b\tPluginResultJob\tfalse\nb\tpluginresult\tfalse\nb\tplugin\tfalse\n", st.Out.String())
}
