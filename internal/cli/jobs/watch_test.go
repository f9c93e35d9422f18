package jobs

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
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

func TestNewCmdWatch(t *testing.T) {
	for _, tt := range []struct {
		args    []string
		levels  []tsapi.RunLevel
		filters map[string][]string
		wantErr string
	}{
		{args: nil},
		{args: []string{"--run-level", "block,post", "--existing"}, levels: []tsapi.RunLevel{"block", "post"}},
		{args: []string{"--filter", "grid_engine_jobid__isnull=false"}, filters: map[string][]string{"grid_engine_jobid__isnull": {"false"}}},
		{args: []string{"--filter", "state=Error"}, wantErr: "a watch follows every state and id itself"},
		{args: []string{"--interval", "0s"}, wantErr: "--interval must be positive"},
	} {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			f, _ := clitest.Factory(t)
			got, err := clitest.Parse(t, f, NewCmdWatch, tt.args...)
			if tt.wantErr != "" {
				clitest.Usage(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.levels, got.RunLevels)
			assert.Equal(t, tt.filters, got.Filters)
		})
	}
	f, _ := clitest.Factory(t)
	f.Flags.Output = cmdutil.FormatJSON
	_, err := clitest.Parse(t, f, NewCmdWatch)
	clitest.Usage(t, err, "use -o table, tsv or jsonl")
}

// pipe is an IOStreams whose stdout a test reads line by line.
func pipe(t *testing.T) (*cmdutil.IOStreams, *bufio.Scanner) {
	ios, _, _, _ := cmdutil.Test()
	r, w := io.Pipe()
	t.Cleanup(func() { w.Close() })
	ios.Out = w
	return ios, bufio.NewScanner(r)
}

func TestWatchRun(t *testing.T) {
	t.Run("two servers stream their events, labelled", func(t *testing.T) {
		a, b := tsapitest.New(t), tsapitest.New(t)
		ja := a.AddJob(tsapitest.Job{State: "Queued"})
		jb := b.AddJob(tsapitest.Job{State: "Queued"})
		ios, lines := pipe(t)
		ctx, cancel := context.WithCancel(context.Background())
		opts := &WatchOptions{IO: ios, Servers: clitest.Admins(t, a, b), Ctx: ctx, Interval: 20 * time.Millisecond,
			Output: cmdutil.Output{Format: cmdutil.FormatJSONL}}
		done := make(chan error, 1)
		go func() { done <- watchRun(opts) }()
		for a.CountRequests("GET", "")+b.CountRequests("GET", "") < 6 {
			time.Sleep(5 * time.Millisecond)
		}
		a.UpdateJob(ja, func(j *tsapitest.Job) { j.State = "Started" })
		b.UpdateJob(jb, func(j *tsapitest.Job) { j.State = "Error" })
		got := map[string]string{}
		for len(got) < 2 && lines.Scan() {
			var ev map[string]any
			require.NoError(t, json.Unmarshal(lines.Bytes(), &ev))
			assert.Equal(t, "changed", ev["event"])
			got[ev["server"].(string)] = ev["previous"].(string) + " → " + ev["state"].(string)
		}
		assert.Equal(t, map[string]string{"a": "Queued → Started", "b": "Queued → Error"}, got)
		cancel()
		assert.NoError(t, <-done, "an interrupt ends a watch: exit 0")
	})
	t.Run("refused credentials exit 4", func(t *testing.T) {
		a := tsapitest.New(t)
		c, err := a.Client(tsapi.WithBasicAuth("ionadmin", "wrong"))
		require.NoError(t, err)
		s := cmdutil.NewServer("lab", c)
		s.User, s.Auth = "ionadmin", cmdutil.AuthPassword
		_, st := clitest.Factory(t)
		opts := &WatchOptions{IO: st.IO, Servers: func() ([]*cmdutil.Server, error) { return []*cmdutil.Server{s}, nil },
			Ctx: context.Background(), Interval: 20 * time.Millisecond}
		err = watchRun(opts)
		assert.Equal(t, cmdutil.ExitAuth, cmdutil.ExitCode(err))
		assert.Contains(t, err.Error(), "the server refused the password of user ionadmin")
	})
}
