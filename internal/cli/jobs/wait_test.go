package jobs

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tsapi-go/tsapi"
	"github.com/tsapi-go/tsapi/internal/cli/clitest"
	"github.com/tsapi-go/tsapi/internal/cli/cmdutil"
	"github.com/tsapi-go/tsapi/tsapitest"
)

func TestNewCmdWait(t *testing.T) {
	for _, tt := range []struct {
		args     []string
		id       int64
		interval time.Duration
		timeout  time.Duration
		wantErr  string
	}{
		{args: []string{"5"}, id: 5, interval: 5 * time.Second},
		{args: []string{"5", "--interval", "30s", "--timeout", "2h"}, id: 5, interval: 30 * time.Second, timeout: 2 * time.Hour},
		{args: []string{"5", "--interval", "0s"}, wantErr: "--interval must be positive"},
		{args: []string{"5", "--timeout", "-1s"}, wantErr: "must not be negative"},
		{args: []string{}, wantErr: "a job id"},
	} {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			f, _ := clitest.Factory(t)
			got, err := clitest.Parse(t, f, NewCmdWait, tt.args...)
			if tt.wantErr != "" {
				clitest.Usage(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, []any{tt.id, tt.interval, tt.timeout}, []any{got.ID, got.Interval, got.Timeout})
		})
	}
}

func waitOpts(t *testing.T, a *tsapitest.Server, id int64) (*WaitOptions, clitest.Streams) {
	_, st := clitest.Factory(t)
	return &WaitOptions{IO: st.IO, Servers: clitest.Admins(t, a), Ctx: context.Background(), ID: id, Interval: 20 * time.Millisecond}, st
}

func TestWaitRun(t *testing.T) {
	for state, code := range map[tsapi.JobState]int{tsapi.StateCompleted: 0, tsapi.StateError: 10, tsapi.StateCancelled: 11,
		tsapi.StateTimedOut: 12, tsapi.StateDeclined: 13, tsapi.StateArchived: 14} {
		t.Run(string(state), func(t *testing.T) {
			a := tsapitest.New(t)
			id := a.AddJob(tsapitest.Job{State: "Queued"})
			opts, st := waitOpts(t, a, id)
			st.IO.SetStderrTTY(true)
			go func() {
				for a.CountRequests("GET", "PluginResultJob/") < 2 {
					time.Sleep(5 * time.Millisecond)
				}
				a.UpdateJob(id, func(j *tsapitest.Job) { j.State = "Started" })
				for a.CountRequests("GET", "PluginResultJob/") < 4 {
					time.Sleep(5 * time.Millisecond)
				}
				a.UpdateJob(id, func(j *tsapitest.Job) { j.State = string(state) })
			}()
			err := waitRun(opts)
			assert.Equal(t, code, cmdutil.ExitCode(err), "%v", err)
			assert.Contains(t, st.Out.String(), string(state))
			progress := st.ErrOut.String()
			assert.Contains(t, progress, "job 1: Queued (waiting ", "progress shows each state seen")
			assert.Contains(t, progress, "job 1: Started (waiting ")
			assert.True(t, strings.HasSuffix(progress, "\r\033[K"), "the progress line is cleared")
		})
	}
	t.Run("a timeout names the state last seen", func(t *testing.T) {
		a := tsapitest.New(t)
		id := a.AddJob(tsapitest.Job{State: "Started"})
		opts, st := waitOpts(t, a, id)
		opts.Timeout = 200 * time.Millisecond
		err := waitRun(opts)
		assert.Equal(t, cmdutil.ExitError, cmdutil.ExitCode(err))
		assert.Equal(t, "job 1 is still Started after 200ms", err.Error())
		assert.Empty(t, st.ErrOut.String(), "no progress off a terminal")
	})
	t.Run("an interrupt", func(t *testing.T) {
		a := tsapitest.New(t)
		id := a.AddJob(tsapitest.Job{State: "Started"})
		opts, _ := waitOpts(t, a, id)
		ctx, cancel := context.WithCancel(context.Background())
		opts.Ctx = ctx
		time.AfterFunc(100*time.Millisecond, cancel)
		err := waitRun(opts)
		assert.Equal(t, cmdutil.ExitInterrupted, cmdutil.ExitCode(err))
		assert.Equal(t, "interrupted", err.Error())
	})
	t.Run("no such job", func(t *testing.T) {
		opts, _ := waitOpts(t, tsapitest.New(t), 999999)
		err := waitRun(opts)
		assert.Equal(t, cmdutil.ExitNotFound, cmdutil.ExitCode(err))
		assert.Equal(t, "no job 999999", err.Error())
	})
	t.Run("one server only", func(t *testing.T) {
		opts, _ := waitOpts(t, tsapitest.New(t), 1)
		opts.Servers = clitest.Admins(t, tsapitest.New(t), tsapitest.New(t))
		clitest.Usage(t, waitRun(opts), "one server")
	})
}
