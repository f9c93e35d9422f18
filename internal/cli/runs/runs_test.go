package runs

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

// fake is a server with two runs: S5-0042 analysed twice (101 Completed,
// 102 Error) and S5-0043 once (103 Started), and an analysis result
// without a run (104).
func fake(t *testing.T) *tsapitest.Server {
	s := tsapitest.New(t)
	e1 := s.AddExperiment(map[string]any{"id": 52, "expName": "R_2026_11_30_S5-0042", "chipType": "540", "pgmName": "S5XL0042",
		"status": "run", "date": day})
	e2 := s.AddExperiment(map[string]any{"id": 53, "expName": "R_2026_11_30_S5-0043", "chipType": "530", "pgmName": "S5XL0043",
		"status": "planned", "date": day.Add(time.Hour)})
	for _, r := range []struct {
		id     int64
		name   string
		status string
		exp    int64
	}{{101, "Auto_S5-0042_101", "Completed", e1}, {102, "Auto_S5-0042_102", "Error", e1}, {103, "Auto_S5-0043_103", "Started", e2},
		{104, "Auto_orphan_104", "Completed", 0}} {
		s.AddResult(tsapitest.Result{ID: r.id, Name: r.name, Status: r.status, TimeStamp: day.Add(time.Duration(r.id-100) * time.Hour)})
		if r.exp != 0 {
			require.True(t, s.SetResultFields(r.id, map[string]any{"experiment": r.exp, "reference": "hg19"}))
		}
	}
	return s
}

func TestNewCmdList(t *testing.T) {
	for _, tt := range []struct {
		args    []string
		check   func(*testing.T, *ListOptions)
		wantErr string
	}{
		{args: nil, check: func(t *testing.T, o *ListOptions) {
			assert.Equal(t, 20, o.Limit)
			assert.False(t, o.All)
			assert.Nil(t, o.Statuses)
		}},
		{args: []string{"--status", "Error,Completed", "--status", "Error"}, check: func(t *testing.T, o *ListOptions) {
			assert.Equal(t, []string{"Error", "Completed"}, o.Statuses)
		}},
		{args: []string{"--experiment", "52"}, check: func(t *testing.T, o *ListOptions) {
			assert.Equal(t, int64(52), o.ExperimentID)
			assert.Empty(t, o.ExperimentName)
		}},
		{args: []string{"--experiment", "R_2026_11_30_S5-0042"}, check: func(t *testing.T, o *ListOptions) {
			assert.Equal(t, "R_2026_11_30_S5-0042", o.ExperimentName)
			assert.Zero(t, o.ExperimentID)
		}},
		{args: []string{"--name", "S5-0042", "--since", "30d", "--until", "2026-11-30"}, check: func(t *testing.T, o *ListOptions) {
			assert.Equal(t, "S5-0042", o.Name)
			assert.Equal(t, clitest.Now.Add(-30*24*time.Hour), *o.Since)
			assert.Equal(t, time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC), *o.Until)
		}},
		{args: []string{"--filter", "reportStatus=Nothing", "--all"}, check: func(t *testing.T, o *ListOptions) {
			assert.Equal(t, map[string][]string{"reportStatus": {"Nothing"}}, o.Filters)
			assert.True(t, o.All)
		}},
		{args: []string{"-L", "5"}, check: func(t *testing.T, o *ListOptions) { assert.Equal(t, 5, o.Limit) }},
		{args: []string{"--experiment=0"}, wantErr: "not an id (a positive number) or a run's name"},
		{args: []string{"--since", "yesterday"}, wantErr: "duration ago"},
		{args: []string{"--filter", "timeStamp__gte=yesterday"}, wantErr: `"yesterday" is not a time`},
		{args: []string{"--all", "--limit", "5"}, wantErr: "give one of them"},
		{args: []string{"--limit", "1001"}, wantErr: "between 1 and 1000"},
		{args: []string{"101"}, wantErr: "no argument"},
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

func listOpts(t *testing.T, servers func() ([]*cmdutil.Server, error)) (*ListOptions, clitest.Streams) {
	_, st := clitest.Factory(t)
	return &ListOptions{IO: st.IO, Servers: servers, Ctx: context.Background(), Limit: 20}, st
}

func TestListRun(t *testing.T) {
	t.Run("two servers at once: each row labelled, with its run, the runs read in one request", func(t *testing.T) {
		a, b := fake(t), fake(t)
		opts, st := listOpts(t, clitest.Admins(t, a, b))
		opts.Statuses = []string{"Completed", "Error"}
		opts.Output.Format = cmdutil.FormatJSONL
		require.NoError(t, listRun(opts))
		var want string
		for _, s := range []string{"a", "b"} {
			want += `{"server":"` + s + `","id":104,"name":"Auto_orphan_104","status":"Completed","experiment_name":null,"experiment_status":null,"timestamp":"2026-11-30T12:00:00.000Z"}
{"server":"` + s + `","id":102,"name":"Auto_S5-0042_102","status":"Error","experiment_name":"R_2026_11_30_S5-0042","experiment_status":"run","timestamp":"2026-11-30T10:00:00.000Z"}
{"server":"` + s + `","id":101,"name":"Auto_S5-0042_101","status":"Completed","experiment_name":"R_2026_11_30_S5-0042","experiment_status":"run","timestamp":"2026-11-30T09:00:00.000Z"}
`
		}
		assert.Equal(t, want, st.Out.String())
		for _, s := range []*tsapitest.Server{a, b} {
			assert.Equal(t, 1, s.CountRequests(http.MethodGet, "experiment/"), "one request for the runs of a page")
			assert.Equal(t, 1, s.CountRequests(http.MethodGet, "experiment/set/52/"))
			assert.Equal(t, "limit=20&status__in=Completed%2CError", s.Requests()[0].RawQuery)
		}
	})
	t.Run("a terminal: a table, and how many match in all", func(t *testing.T) {
		opts, st := listOpts(t, clitest.Admins(t, fake(t)))
		st.IO.SetStdoutTTY(true)
		opts.Limit = 2
		require.NoError(t, listRun(opts))
		assert.Equal(t, `ID   NAME              STATUS     EXPERIMENT_NAME       EXPERIMENT_STATUS  TIMESTAMP
104  Auto_orphan_104   Completed  -                     -                  2026-11-30T12:00:00.000Z
103  Auto_S5-0043_103  Started    R_2026_11_30_S5-0043  planned            2026-11-30T11:00:00.000Z
`, st.Out.String())
		assert.Equal(t, "2 of 4 analysis results shown (--limit for more, --all for every one)\n", st.ErrOut.String())
	})
	t.Run("the filters reach the server", func(t *testing.T) {
		a := fake(t)
		opts, st := listOpts(t, clitest.Admins(t, a))
		opts.ExperimentName, opts.Name, opts.Since = "R_2026_11_30_S5-0042", "auto", &day
		opts.Output.Fields = []string{"id", "chip", "instrument"}
		require.NoError(t, listRun(opts))
		assert.Equal(t, "102\t540\tS5XL0042\n101\t540\tS5XL0042\n", st.Out.String())
		assert.Equal(t, "experiment__expName=R_2026_11_30_S5-0042&limit=20&resultsName__icontains=auto&timeStamp__gte=2026-11-30T08%3A00%3A00Z",
			a.Requests()[0].RawQuery)

		opts, st = listOpts(t, clitest.Admins(t, a))
		opts.ExperimentID, opts.Statuses = 53, []string{"Started"}
		opts.Output.Fields = []string{"id", "experiment"}
		a.ClearRequests()
		require.NoError(t, listRun(opts))
		assert.Equal(t, "103\t53\n", st.Out.String())
		assert.Equal(t, 1, a.CountRequests("", ""), "no field of the run printed: the runs are not read")
	})
	t.Run("--all reads each run once, however many pages", func(t *testing.T) {
		a := fake(t)
		for range 1100 {
			id := a.AddResult(tsapitest.Result{Name: "Auto_many"})
			a.SetResultFields(id, map[string]any{"experiment": 53})
		}
		opts, st := listOpts(t, clitest.Admins(t, a))
		opts.All = true
		opts.Output.JQ = `[length, (map(select(.experiment_name == "R_2026_11_30_S5-0043")) | length)]`
		require.NoError(t, listRun(opts))
		assert.Equal(t, "[1104,1101]\n", st.Out.String())
		assert.Equal(t, 2, a.CountRequests(http.MethodGet, "experiment/set/"), "53 and 52 on the first page; none left on the second")
	})
	t.Run("a terminal: none match", func(t *testing.T) {
		opts, st := listOpts(t, clitest.Admins(t, fake(t)))
		st.IO.SetStdoutTTY(true)
		opts.Statuses = []string{"Checksum Error"}
		require.NoError(t, listRun(opts))
		assert.Empty(t, st.Out.String())
		assert.Equal(t, "no analysis results match\n", st.ErrOut.String())
	})
	t.Run("the runs cannot be read: the results all the same, and the error", func(t *testing.T) {
		a := fake(t)
		a.AddFault(tsapitest.Fault{Method: http.MethodGet, Path: "experiment/", Status: http.StatusForbidden, Times: -1})
		opts, st := listOpts(t, clitest.Admins(t, a))
		opts.Output.Fields = []string{"id", "experiment_name"}
		err := listRun(opts)
		assert.Equal(t, cmdutil.ExitAuth, cmdutil.ExitCode(err), err)
		assert.Equal(t, "reading the experiments of the analysis results failed: user ionadmin may not read experiments", err.Error())
		assert.Equal(t, "104\t-\n103\t-\n102\t-\n101\t-\n", st.Out.String())
	})
	t.Run("an unknown filter is refused before anything is sent", func(t *testing.T) {
		a := fake(t)
		opts, _ := listOpts(t, clitest.Admins(t, a))
		opts.Filters = map[string][]string{"nosuch": {"1"}}
		err := listRun(opts)
		assert.Equal(t, cmdutil.ExitUsage, cmdutil.ExitCode(err), err)
		assert.Zero(t, a.CountRequests("", "results/"))
	})
}

func TestNewCmdGet(t *testing.T) {
	for _, tt := range []struct {
		args    []string
		want    []int64
		wantErr string
	}{
		{args: []string{"101"}, want: []int64{101}},
		{args: []string{"101,102", "103", "101"}, want: []int64{101, 102, 103}},
		{args: nil, wantErr: "one analysis result id or more"},
		{args: []string{"R_2026"}, wantErr: `"R_2026" is not an id`},
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
	a, b := fake(t), fake(t)
	run := func(servers func() ([]*cmdutil.Server, error), out cmdutil.Output, ids ...int64) (string, error) {
		_, st := clitest.Factory(t)
		err := getRun(&GetOptions{IO: st.IO, Servers: servers, Output: out, Ctx: context.Background(), IDs: ids})
		return st.Out.String(), err
	}
	out, err := run(clitest.Admins(t, a), cmdutil.Output{Format: cmdutil.FormatJSON}, 101)
	require.NoError(t, err)
	var got map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &got), "one result is one object")
	assert.Equal(t, map[string]any{"id": 101.0, "name": "Auto_S5-0042_101", "status": "Completed", "experiment": 52.0,
		"experiment_name": "R_2026_11_30_S5-0042", "experiment_status": "run", "chip": "540", "instrument": "S5XL0042",
		"timestamp": "2026-11-30T09:00:00.000Z", "report_status": "Nothing", "analysis_version": "", "reference": "hg19",
		"plugin_results": 0.0, "report_link": "/output/Home/Auto_S5-0042_101_101/"}, got)

	out, err = run(clitest.Admins(t, a, b), cmdutil.Output{Fields: []string{"id", "experiment_name", "chip"}}, 103, 104)
	require.NoError(t, err)
	assert.Equal(t, "a\t103\tR_2026_11_30_S5-0043\t530\na\t104\t-\t-\nb\t103\tR_2026_11_30_S5-0043\t530\nb\t104\t-\t-\n", out)

	_, err = run(clitest.Admins(t, a), cmdutil.Output{}, 999)
	assert.Equal(t, cmdutil.ExitNotFound, cmdutil.ExitCode(err))
	assert.Equal(t, "no analysis result 999", err.Error())
	out, err = run(clitest.Admins(t, a), cmdutil.Output{Fields: []string{"id", "name"}}, 101, 998, 999)
	assert.Equal(t, cmdutil.ExitNotFound, cmdutil.ExitCode(err))
	assert.Equal(t, "no analysis results 998, 999", err.Error())
	assert.Equal(t, "101\tAuto_S5-0042_101\n", out, "the results found are printed")

	_, err = run(clitest.Admins(t, a), cmdutil.Output{Fields: []string{"id", "experiment_nam"}}, 101)
	clitest.Usage(t, err, `no field "experiment_nam": did you mean "experiment_name"?`)
}
