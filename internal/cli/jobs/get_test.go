package jobs

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tsapi-go/tsapi/internal/cli/clitest"
	"github.com/tsapi-go/tsapi/internal/cli/cmdutil"
	"github.com/tsapi-go/tsapi/tsapitest"
)

func TestNewCmdGet(t *testing.T) {
	for _, tt := range []struct {
		args    []string
		want    []int64
		wantErr string
	}{
		{args: []string{"5"}, want: []int64{5}},
		{args: []string{"5", "6,7", "5"}, want: []int64{5, 6, 7}},
		{args: nil, wantErr: "one job id or more"},
		{args: []string{"x"}, wantErr: `"x" is not an id`},
		{args: []string{"-3"}, wantErr: "unknown shorthand flag"},
		{args: []string{"0"}, wantErr: `"0" is not an id`},
	} {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			f, _ := clitest.Factory(t)
			got, err := clitest.Parse(t, f, NewCmdGet, tt.args...)
			if tt.wantErr != "" {
				clitest.Usage(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got.IDs)
		})
	}
}

func TestGetRun(t *testing.T) {
	a := tsapitest.New(t)
	seed(a, "Queued", "Error")
	run := func(out cmdutil.Output, ids ...int64) (string, string, error) {
		_, st := clitest.Factory(t)
		err := getRun(&GetOptions{IO: st.IO, Servers: clitest.Admins(t, a), Output: out, Ctx: context.Background(), IDs: ids})
		return st.Out.String(), st.ErrOut.String(), err
	}
	out, _, err := run(cmdutil.Output{Format: cmdutil.FormatJSON}, 1)
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"id": 1.0, "state": "Queued", "run_level": "default", "grid_engine_jobid": nil,
		"starttime": nil, "endtime": nil, "duration": nil}, decode(t, out), "one job is one object")

	out, _, err = run(cmdutil.Output{Format: cmdutil.FormatJSON, Fields: []string{"id", "config"}}, 1, 2)
	require.NoError(t, err)
	assert.Equal(t, []any{map[string]any{"id": 1.0, "config": map[string]any{}}, map[string]any{"id": 2.0, "config": map[string]any{}}}, decode(t, out))

	_, _, err = run(cmdutil.Output{}, 999999)
	assert.Equal(t, cmdutil.ExitNotFound, cmdutil.ExitCode(err))
	assert.Equal(t, "no job 999999", err.Error(), "said once")

	out, _, err = run(cmdutil.Output{}, 1, 999999, 999998)
	assert.Equal(t, cmdutil.ExitNotFound, cmdutil.ExitCode(err))
	assert.Equal(t, "no jobs 999999, 999998", err.Error())
	assert.Equal(t, "1\tQueued\tdefault\t-\t-\t-\t-\n", out, "the jobs found are printed")

	_, _, err = run(cmdutil.Output{Fields: []string{"id", "stat"}}, 1)
	assert.Equal(t, cmdutil.ExitUsage, cmdutil.ExitCode(err))
	assert.Contains(t, err.Error(), `no field "stat": did you mean "state"?`)
}
