package jobs

import (
	"context"
	"encoding/json"
	"net/http"
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

func at(d time.Duration) *time.Time { t := clitest.Now.Add(-d); return &t }

func TestNewCmdList(t *testing.T) {
	day := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		args    []string
		want    ListOptions
		wantErr string
	}{
		{args: nil, want: ListOptions{Limit: 20}},
		{args: []string{"--state", "Started,Queued", "--state", "Error"},
			want: ListOptions{Limit: 20, Filter: Filter{States: []tsapi.JobState{"Started", "Queued", "Error"}}}},
		{args: []string{"--state", "Timed Out"}, want: ListOptions{Limit: 20, Filter: Filter{States: []tsapi.JobState{"Timed Out"}}}},
		{args: []string{"--run-level", "block,post"}, want: ListOptions{Limit: 20, Filter: Filter{RunLevels: []tsapi.RunLevel{"block", "post"}}}},
		{args: []string{"--since", "30d", "--until", "2026-11-30"}, want: ListOptions{Limit: 20, Filter: Filter{Since: at(30 * 24 * time.Hour), Until: &day}}},
		{args: []string{"--since", "1d12h"}, want: ListOptions{Limit: 20, Filter: Filter{Since: at(36 * time.Hour)}}},
		{args: []string{"--filter", "grid_engine_jobid__isnull=true", "--filter", "starttime__range=2026-11-01,2026-11-30"},
			want: ListOptions{Limit: 20, Filter: Filter{Filters: map[string][]string{"grid_engine_jobid__isnull": {"true"},
				"starttime__range": {"2026-11-01,2026-11-30"}}}}},
		{args: []string{"--all"}, want: ListOptions{Limit: 20, All: true}},
		{args: []string{"-L", "5"}, want: ListOptions{Limit: 5}},
		{args: []string{"--all", "--limit", "5"}, wantErr: "give one of them"},
		{args: []string{"--limit", "0"}, wantErr: "between 1 and 1000"},
		{args: []string{"--limit", "1001"}, wantErr: "between 1 and 1000"},
		{args: []string{"--state", "cancelled"}, wantErr: `did you mean "Cancelled"`},
		{args: []string{"--state", "Bogus"}, wantErr: `unknown state "Bogus"`},
		{args: []string{"--run-level", "blok"}, wantErr: `did you mean "block"`},
		{args: []string{"--since", "yesterday"}, wantErr: "duration ago (24h, 30d, 2w)"},
		{args: []string{"--filter", "starttime__gte=yesterday"}, wantErr: `"yesterday" is not a time`},
		{args: []string{"--filter", "starttime__range=2026-11-01,soon"}, wantErr: `"soon" is not a time`},
		{args: []string{"--filter", "nothing"}, wantErr: "want name__lookup=value"},
		{args: []string{"extra"}, wantErr: "no argument"},
		{args: []string{"--bogus"}, wantErr: "unknown flag: --bogus"},
	} {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			f, _ := clitest.Factory(t)
			got, err := clitest.Parse(t, f, NewCmdList, tt.args...)
			if tt.wantErr != "" {
				clitest.Usage(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want.Filter, got.Filter)
			assert.Equal(t, tt.want.Limit, got.Limit)
			assert.Equal(t, tt.want.All, got.All)
		})
	}
}

func seed(s *tsapitest.Server, states ...string) {
	for _, st := range states {
		s.AddJob(tsapitest.Job{State: st})
	}
}

func listOpts(t *testing.T, servers func() ([]*cmdutil.Server, error)) (*ListOptions, clitest.Streams) {
	_, st := clitest.Factory(t)
	return &ListOptions{IO: st.IO, Servers: servers, Ctx: context.Background(), Limit: 20}, st
}

func TestListRun(t *testing.T) {
	t.Run("two servers at once, each row labelled", func(t *testing.T) {
		a, b := tsapitest.New(t), tsapitest.New(t)
		seed(a, "Error", "Started", "Error")
		seed(b, "Error")
		opts, st := listOpts(t, clitest.Admins(t, a, b))
		opts.Filter.States = []tsapi.JobState{tsapi.StateError}
		opts.Output.Format = cmdutil.FormatJSONL
		require.NoError(t, listRun(opts))
		assert.Equal(t, `{"server":"a","id":3,"state":"Error","run_level":"default","grid_engine_jobid":null,"starttime":null,"endtime":null}
{"server":"a","id":1,"state":"Error","run_level":"default","grid_engine_jobid":null,"starttime":null,"endtime":null}
{"server":"b","id":1,"state":"Error","run_level":"default","grid_engine_jobid":null,"starttime":null,"endtime":null}
`, st.Out.String())
		assert.Equal(t, "limit=20&state=Error", a.Requests()[0].RawQuery)
	})
	t.Run("a terminal: a table, and how many match in all", func(t *testing.T) {
		a := tsapitest.New(t)
		seed(a, "Error", "Error", "Error")
		opts, st := listOpts(t, clitest.Admins(t, a))
		st.IO.SetStdoutTTY(true)
		opts.Limit = 2
		require.NoError(t, listRun(opts))
		assert.Equal(t, "ID  STATE  RUN_LEVEL  GRID_ENGINE_JOBID  STARTTIME  ENDTIME\n3   Error  default    -                  -          -\n"+
			"2   Error  default    -                  -          -\n", st.Out.String())
		assert.Equal(t, "2 of 3 jobs shown (--limit for more, --all for every one)\n", st.ErrOut.String())
	})
	t.Run("a terminal: no jobs match", func(t *testing.T) {
		opts, st := listOpts(t, clitest.Admins(t, tsapitest.New(t)))
		st.IO.SetStdoutTTY(true)
		require.NoError(t, listRun(opts))
		assert.Empty(t, st.Out.String())
		assert.Equal(t, "no jobs match\n", st.ErrOut.String())
	})
	t.Run("a pipe: rows only", func(t *testing.T) {
		a := tsapitest.New(t)
		seed(a, "Error", "Error", "Error")
		opts, st := listOpts(t, clitest.Admins(t, a))
		opts.Limit = 2
		require.NoError(t, listRun(opts))
		assert.Equal(t, "3\tError\tdefault\t-\t-\t-\n2\tError\tdefault\t-\t-\t-\n", st.Out.String())
		assert.Empty(t, st.ErrOut.String())
	})
	t.Run("--all pages through every job", func(t *testing.T) {
		a := tsapitest.New(t)
		for range 1205 {
			a.AddJob(tsapitest.Job{State: "Completed"})
		}
		opts, st := listOpts(t, clitest.Admins(t, a))
		opts.All = true
		opts.Output.JQ = "length"
		require.NoError(t, listRun(opts))
		assert.Equal(t, "1205\n", st.Out.String())
	})
	t.Run("--jq and --template", func(t *testing.T) {
		a := tsapitest.New(t)
		seed(a, "Error", "Started")
		opts, st := listOpts(t, clitest.Admins(t, a))
		opts.Output.JQ = `.[] | select(.state == "Started") | .id`
		require.NoError(t, listRun(opts))
		assert.Equal(t, "2\n", st.Out.String())
		opts, st = listOpts(t, clitest.Admins(t, a))
		opts.Output.Template = `{{range .}}{{.id}} is {{.state}}{{"\n"}}{{end}}`
		require.NoError(t, listRun(opts))
		assert.Equal(t, "2 is Started\n1 is Error\n", st.Out.String())
		opts, _ = listOpts(t, clitest.Admins(t, a))
		opts.Output.JQ = ".[] |"
		clitest.Usage(t, listRun(opts), "--jq")
	})
	t.Run("one server fails: the other's rows, and exit 7", func(t *testing.T) {
		a, b := tsapitest.New(t), tsapitest.New(t)
		seed(a, "Error")
		seed(b, "Error")
		b.AddFault(tsapitest.Fault{Method: http.MethodGet, Status: http.StatusInternalServerError, Times: -1})
		opts, st := listOpts(t, clitest.Admins(t, a, b))
		err := listRun(opts)
		assert.Equal(t, cmdutil.ExitPartial, cmdutil.ExitCode(err), err)
		assert.Equal(t, "a\t1\tError\tdefault\t-\t-\t-\n", st.Out.String())
		assert.Contains(t, st.ErrOut.String(), "tsapi: b: the server failed on GET "+b.URL())
		assert.Equal(t, 1, strings.Count(st.ErrOut.String(), "Internal Server Error"), "said once: %s", st.ErrOut)
	})
	t.Run("a refused password says whose", func(t *testing.T) {
		a := tsapitest.New(t)
		c, err := a.Client(tsapi.WithBasicAuth("ionadmin", "wrong"))
		require.NoError(t, err)
		s := cmdutil.NewServer("lab", c)
		s.User, s.Auth, s.CredentialFrom = "ionadmin", cmdutil.AuthPassword, "$TSAPI_PASSWORD"
		opts, _ := listOpts(t, func() ([]*cmdutil.Server, error) { return []*cmdutil.Server{s}, nil })
		err = listRun(opts)
		assert.Equal(t, cmdutil.ExitAuth, cmdutil.ExitCode(err))
		assert.Equal(t, "the server refused the password of user ionadmin (from $TSAPI_PASSWORD): check it, or the user name", err.Error())
	})
	t.Run("no credentials says how to give them", func(t *testing.T) {
		a := tsapitest.New(t)
		c, err := a.Client()
		require.NoError(t, err)
		opts, _ := listOpts(t, func() ([]*cmdutil.Server, error) { return []*cmdutil.Server{cmdutil.NewServer(a.URL(), c)}, nil })
		err = listRun(opts)
		assert.Equal(t, cmdutil.ExitAuth, cmdutil.ExitCode(err))
		for _, want := range []string{"none are configured", "$TSAPI_USER", "$TSAPI_PASSWORD", "$TSAPI_API_KEY", "--profile"} {
			assert.Contains(t, err.Error(), want)
		}
	})
}

// decode reads JSON output.
func decode(t *testing.T, s string) any {
	t.Helper()
	var v any
	require.NoError(t, json.Unmarshal([]byte(s), &v), s)
	return v
}
