package jobs

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tsapi-go/tsapi"
	"github.com/tsapi-go/tsapi/internal/cli/clitest"
	"github.com/tsapi-go/tsapi/internal/cli/cmdutil"
	"github.com/tsapi-go/tsapi/tsapitest"
)

func TestNewCmdSetState(t *testing.T) {
	for _, tt := range []struct {
		args    []string
		want    SetStateOptions
		wantErr string
	}{
		{args: []string{"5", "Cancelled"}, want: SetStateOptions{ID: 5, State: tsapi.StateCancelled}},
		{args: []string{"5", "Timed Out", "--dry-run", "--all-servers"}, want: SetStateOptions{ID: 5, State: tsapi.StateTimedOut, DryRun: true, AllServers: true}},
		{args: []string{"5", "cancelled"}, wantErr: `did you mean "Cancelled"`},
		{args: []string{"5"}, wantErr: "a job id and a state"},
		{args: []string{"x", "Error"}, wantErr: "not an id"},
	} {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			f, _ := clitest.Factory(t)
			got, err := clitest.Parse(t, f, NewCmdSetState, tt.args...)
			if tt.wantErr != "" {
				clitest.Usage(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, []any{tt.want.ID, tt.want.State, tt.want.DryRun, tt.want.AllServers},
				[]any{got.ID, got.State, got.DryRun, got.AllServers})
		})
	}
}

func setStateOpts(t *testing.T, servers func() ([]*cmdutil.Server, error), id int64, st tsapi.JobState) (*SetStateOptions, clitest.Streams) {
	_, s := clitest.Factory(t)
	return &SetStateOptions{IO: s.IO, Servers: servers, Ctx: context.Background(), ID: id, State: st}, s
}

func TestSetStateRun(t *testing.T) {
	t.Run("a terminal shows the change", func(t *testing.T) {
		a := tsapitest.New(t)
		id := a.AddJob(tsapitest.Job{ID: 357, State: "Queued"})
		opts, st := setStateOpts(t, clitest.Admins(t, a), id, tsapi.StateCancelled)
		st.IO.SetStdoutTTY(true)
		require.NoError(t, setStateRun(opts))
		assert.Equal(t, "job 357: Queued → Cancelled\n", st.Out.String())
		j, _ := a.Job(id)
		assert.Equal(t, "Cancelled", j.State)
		assert.NotNil(t, j.EndTime)
	})
	t.Run("a pipe gets the job", func(t *testing.T) {
		a := tsapitest.New(t)
		id := a.AddJob(tsapitest.Job{State: "Queued"})
		opts, st := setStateOpts(t, clitest.Admins(t, a), id, tsapi.StateStarted)
		opts.Output.Fields = []string{"id", "state"}
		require.NoError(t, setStateRun(opts))
		assert.Equal(t, "1\tStarted\n", st.Out.String())
	})
	t.Run("a dry run sends nothing and prints the write", func(t *testing.T) {
		a := tsapitest.New(t)
		id := a.AddJob(tsapitest.Job{State: "Queued"})
		opts, st := setStateOpts(t, clitest.Admins(t, a), id, tsapi.StateCancelled)
		opts.DryRun = true
		require.NoError(t, setStateRun(opts))
		assert.Equal(t, "would send: PATCH "+a.APIURL()+`PluginResultJob/1/ {"state":"Cancelled"}`+"\n", st.Out.String())
		assert.Empty(t, clitest.Writes(a))
	})
	t.Run("several servers need --all-servers", func(t *testing.T) {
		a, b := tsapitest.New(t), tsapitest.New(t)
		seed(a, "Queued")
		seed(b, "Started")
		opts, _ := setStateOpts(t, clitest.Admins(t, a, b), 1, tsapi.StateCancelled)
		clitest.Usage(t, setStateRun(opts), "add --all-servers")
		assert.Empty(t, append(clitest.Writes(a), clitest.Writes(b)...), "nothing sent")
		opts, st := setStateOpts(t, clitest.Admins(t, a, b), 1, tsapi.StateCancelled)
		opts.AllServers = true
		st.IO.SetStdoutTTY(true)
		require.NoError(t, setStateRun(opts))
		assert.Equal(t, "a: job 1: Queued → Cancelled\nb: job 1: Started → Cancelled\n", st.Out.String())
	})
	t.Run("an account that may not write", func(t *testing.T) {
		a := tsapitest.New(t)
		seed(a, "Queued")
		srv := clitest.Server(t, "lab", a, tsapitest.ReaderUser)
		opts, _ := setStateOpts(t, func() ([]*cmdutil.Server, error) { return []*cmdutil.Server{srv}, nil }, 1, tsapi.StateCancelled)
		err := setStateRun(opts)
		assert.Equal(t, cmdutil.ExitAuth, cmdutil.ExitCode(err))
		assert.Equal(t, "user ionreader may not change jobs", err.Error())
	})
	t.Run("no such job", func(t *testing.T) {
		opts, _ := setStateOpts(t, clitest.Admins(t, tsapitest.New(t)), 999999, tsapi.StateCancelled)
		err := setStateRun(opts)
		assert.Equal(t, cmdutil.ExitNotFound, cmdutil.ExitCode(err))
		assert.Equal(t, "no job 999999", err.Error())
	})
	t.Run("a lost answer names the URL once and exits 8", func(t *testing.T) {
		a := tsapitest.New(t)
		seed(a, "Queued")
		opts, _ := setStateOpts(t, clitest.Admins(t, a), 1, tsapi.StateCancelled)
		a.AddFault(tsapitest.Fault{Method: http.MethodPatch, Status: http.StatusGatewayTimeout})
		err := setStateRun(opts)
		assert.Equal(t, cmdutil.ExitOutcomeUnknown, cmdutil.ExitCode(err))
		assert.Equal(t, 1, strings.Count(err.Error(), a.URL()), err.Error())
		assert.Contains(t, err.Error(), "may or may not have been applied")
	})
}
