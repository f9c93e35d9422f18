package experiments

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tsapi-go/tsapi/internal/cli/clitest"
	"github.com/tsapi-go/tsapi/internal/cli/cmdutil"
	"github.com/tsapi-go/tsapi/tsapitest"
)

var day = time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)

// fake has three runs on two instruments, and one analysis of the first.
func fake(t *testing.T) *tsapitest.Server {
	s := tsapitest.New(t)
	for i, e := range []struct{ name, chip, pgm, status string }{
		{"R_2026_11_30_S5-0042", "540", "S5XL0042", "run"},
		{"R_2026_11_30_S5-0043", "530", "S5XL0043", "run"},
		{"R_2026_12_01_S5-0042", "540", "S5XL0042", "planned"},
	} {
		s.AddExperiment(map[string]any{"id": 52 + i, "expName": e.name, "displayName": e.name, "chipType": e.chip, "pgmName": e.pgm,
			"status": e.status, "date": day.Add(time.Duration(i) * 24 * time.Hour), "expDir": "/rawdata/" + e.pgm + "/" + e.name,
			"log": map[string]any{"runtype": "AMPS"}})
	}
	s.AddResult(tsapitest.Result{ID: 101, Name: "Auto_S5-0042_101"})
	require.True(t, s.SetResultFields(101, map[string]any{"experiment": 52}))
	return s
}

func TestNewCmdList(t *testing.T) {
	for _, tt := range []struct {
		args    []string
		check   func(*testing.T, *ListOptions)
		wantErr string
	}{
		{args: nil, check: func(t *testing.T, o *ListOptions) { assert.Equal(t, 20, o.Limit) }},
		{args: []string{"--chip", "540,530", "--instrument", "S5XL0042", "--status", "run"}, check: func(t *testing.T, o *ListOptions) {
			assert.Equal(t, []string{"540", "530"}, o.Chips)
			assert.Equal(t, []string{"S5XL0042"}, o.Instruments)
			assert.Equal(t, []string{"run"}, o.Statuses)
		}},
		{args: []string{"--name", "S5-0042", "--since", "2w", "--all"}, check: func(t *testing.T, o *ListOptions) {
			assert.Equal(t, "S5-0042", o.Name)
			assert.Equal(t, clitest.Now.Add(-14*24*time.Hour), *o.Since)
			assert.True(t, o.All)
		}},
		{args: []string{"--filter", "date__gte=soon"}, wantErr: `"soon" is not a time`},
		{args: []string{"--until", "tomorrow"}, wantErr: "--until"},
		{args: []string{"--all", "-L", "3"}, wantErr: "--all lists every matching experiment"},
		{args: []string{"--limit", "0"}, wantErr: "between 1 and 1000"},
		{args: []string{"x"}, wantErr: "no argument"},
	} {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			f, _ := clitest.Factory(t)
			got, err := clitest.Parse(t, f, NewCmdList, tt.args...)
			if tt.wantErr != "" {
				clitest.Usage(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			tt.check(t, got)
		})
	}
}

func TestListRun(t *testing.T) {
	listOpts := func(servers func() ([]*cmdutil.Server, error)) (*ListOptions, clitest.Streams) {
		_, st := clitest.Factory(t)
		return &ListOptions{IO: st.IO, Servers: servers, Ctx: context.Background(), Limit: 20}, st
	}
	t.Run("two servers at once, each row labelled", func(t *testing.T) {
		a, b := fake(t), fake(t)
		opts, st := listOpts(clitest.Admins(t, a, b))
		opts.Instruments = []string{"S5XL0042"}
		require.NoError(t, listRun(opts))
		assert.Equal(t, "a\t54\tR_2026_12_01_S5-0042\t540\tS5XL0042\tplanned\t2026-12-02T08:00:00.000Z\n"+
			"a\t52\tR_2026_11_30_S5-0042\t540\tS5XL0042\trun\t2026-11-30T08:00:00.000Z\n"+
			"b\t54\tR_2026_12_01_S5-0042\t540\tS5XL0042\tplanned\t2026-12-02T08:00:00.000Z\n"+
			"b\t52\tR_2026_11_30_S5-0042\t540\tS5XL0042\trun\t2026-11-30T08:00:00.000Z\n", st.Out.String())
		assert.Equal(t, "limit=20&pgmName=S5XL0042", a.Requests()[0].RawQuery)
	})
	t.Run("a terminal: a table, and how many match", func(t *testing.T) {
		opts, st := listOpts(clitest.Admins(t, fake(t)))
		st.IO.SetStdoutTTY(true)
		opts.Limit = 1
		require.NoError(t, listRun(opts))
		assert.Equal(t, "ID  NAME                  CHIP  INSTRUMENT  STATUS   DATE\n"+
			"54  R_2026_12_01_S5-0042  540   S5XL0042    planned  2026-12-02T08:00:00.000Z\n", st.Out.String())
		assert.Equal(t, "1 of 3 experiments shown (--limit for more, --all for every one)\n", st.ErrOut.String())
	})
	t.Run("the filters reach the server", func(t *testing.T) {
		a := fake(t)
		opts, st := listOpts(clitest.Admins(t, a))
		opts.Chips, opts.Statuses, opts.Name, opts.Until = []string{"540", "530"}, []string{"run"}, "s5-00", &day
		opts.Output.Fields = []string{"id", "run_type", "results", "raw_data"}
		require.NoError(t, listRun(opts))
		assert.Equal(t, "52\tAMPS\t1\t/rawdata/S5XL0042/R_2026_11_30_S5-0042\n", st.Out.String())
		assert.Equal(t, "chipType__in=540%2C530&date__lte=2026-11-30T08%3A00%3A00Z&expName__icontains=s5-00&limit=20&status=run",
			a.Requests()[0].RawQuery)
	})
	t.Run("--all, and none match", func(t *testing.T) {
		a := fake(t)
		for range 1001 {
			a.AddExperiment(map[string]any{"expName": "R_bulk", "status": "run"})
		}
		opts, st := listOpts(clitest.Admins(t, a))
		opts.All, opts.Output.JQ = true, "length"
		require.NoError(t, listRun(opts))
		assert.Equal(t, "1004\n", st.Out.String())
		opts, st = listOpts(clitest.Admins(t, a))
		st.IO.SetStdoutTTY(true)
		opts.Chips = []string{"314"}
		require.NoError(t, listRun(opts))
		assert.Equal(t, "no experiments match\n", st.ErrOut.String())
	})
	t.Run("one server fails: the other's rows, and exit 7", func(t *testing.T) {
		a, b := fake(t), fake(t)
		b.AddFault(tsapitest.Fault{Method: http.MethodGet, Status: http.StatusForbidden, Times: -1})
		opts, st := listOpts(clitest.Admins(t, a, b))
		opts.Output.Fields = []string{"id"}
		err := listRun(opts)
		assert.Equal(t, cmdutil.ExitPartial, cmdutil.ExitCode(err), err)
		assert.Equal(t, "a\t54\na\t53\na\t52\n", st.Out.String())
		assert.Contains(t, st.ErrOut.String(), "tsapi: b: user ionadmin may not read experiments")
	})
}

func TestNewCmdGet(t *testing.T) {
	f, _ := clitest.Factory(t)
	got, err := clitest.Parse(t, f, NewCmdGet, "52,53", "52")
	require.NoError(t, err)
	assert.Equal(t, []int64{52, 53}, got.IDs)
	_, err = clitest.Parse(t, f, NewCmdGet)
	clitest.Usage(t, err, "one experiment id or more")
	_, err = clitest.Parse(t, f, NewCmdGet, "R_2026")
	clitest.Usage(t, err, `"R_2026" is not an id`)
}

func TestGetRun(t *testing.T) {
	a, b := fake(t), fake(t)
	run := func(servers func() ([]*cmdutil.Server, error), out cmdutil.Output, ids ...int64) (string, error) {
		_, st := clitest.Factory(t)
		err := getRun(&GetOptions{IO: st.IO, Servers: servers, Output: out, Ctx: context.Background(), IDs: ids})
		return st.Out.String(), err
	}
	out, err := run(clitest.Admins(t, a), cmdutil.Output{Format: cmdutil.FormatJSON, Fields: []string{"id", "name", "chip", "results", "plan"}}, 52)
	require.NoError(t, err)
	var got map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &got))
	assert.Equal(t, map[string]any{"id": 52.0, "name": "R_2026_11_30_S5-0042", "chip": "540", "results": 1.0, "plan": nil}, got)

	out, err = run(clitest.Admins(t, a, b), cmdutil.Output{Fields: []string{"id", "instrument"}}, 52, 53)
	require.NoError(t, err)
	assert.Equal(t, "a\t52\tS5XL0042\na\t53\tS5XL0043\nb\t52\tS5XL0042\nb\t53\tS5XL0043\n", out)

	_, err = run(clitest.Admins(t, a), cmdutil.Output{}, 9)
	assert.Equal(t, cmdutil.ExitNotFound, cmdutil.ExitCode(err))
	assert.Equal(t, "no experiment 9", err.Error())
	out, err = run(clitest.Admins(t, a), cmdutil.Output{Fields: []string{"id"}}, 52, 8, 9)
	assert.Equal(t, "no experiments 8, 9", err.Error())
	assert.Equal(t, "52\n", out)
}
