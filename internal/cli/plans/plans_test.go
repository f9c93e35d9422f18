package plans

import (
	"context"
	"encoding/json"
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

// fake has a system template, a lab's template, a plan that was run (its
// run is experiment 52, whose chip the plan shows) and a plan not run
// yet.
func fake(t *testing.T) *tsapitest.Server {
	s := tsapitest.New(t)
	for _, p := range []map[string]any{
		{"id": 60, "planName": "Ion_AmpliSeq_Exome", "planShortID": "SYS60", "planStatus": "", "isReusable": true, "isSystem": true,
			"runType": "AMPS_EXOME", "date": day},
		{"id": 61, "planName": "Oncomine_Focus_template", "planShortID": "TMPL6", "planStatus": "", "isReusable": true,
			"runType": "AMPS", "date": day.Add(time.Hour)},
		{"id": 62, "planName": "Oncomine_Focus_run_42", "planShortID": "P62AB", "planStatus": "run", "planExecuted": true,
			"runType": "AMPS", "date": day.Add(2 * time.Hour), "username": "ionadmin", "expName": "R_2026_11_30_S5-0042", "planPGM": "S5XL0042"},
		{"id": 63, "planName": "Oncomine_Focus_run_43", "planShortID": "P63CD", "planStatus": "planned", "runType": "AMPS",
			"date": day.Add(3 * time.Hour)},
	} {
		s.AddPlan(p)
	}
	s.AddExperiment(map[string]any{"id": 52, "expName": "R_2026_11_30_S5-0042", "chipType": "540", "pgmName": "S5XL0042",
		"status": "run", "plan": 62, "date": day})
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
			assert.Nil(t, o.Template, "neither templates only nor plans only")
			assert.Nil(t, o.System)
		}},
		{args: []string{"--template"}, check: func(t *testing.T, o *ListOptions) { assert.Equal(t, true, *o.Template) }},
		{args: []string{"--template=false", "--system=false"}, check: func(t *testing.T, o *ListOptions) {
			assert.Equal(t, false, *o.Template)
			assert.Equal(t, false, *o.System)
		}},
		{args: []string{"--status", "planned,pending", "--name", "Oncomine", "--since", "7d"}, check: func(t *testing.T, o *ListOptions) {
			assert.Equal(t, []string{"planned", "pending"}, o.Statuses)
			assert.Equal(t, "Oncomine", o.Name)
			assert.Equal(t, clitest.Now.Add(-7*24*time.Hour), *o.Since)
		}},
		{args: []string{"--template=maybe"}, wantErr: "invalid argument"},
		{args: []string{"--filter", "date__lte=later"}, wantErr: `"later" is not a time`},
		{args: []string{"--all", "--limit", "2"}, wantErr: "--all lists every matching plan"},
		{args: []string{"61"}, wantErr: "no argument"},
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
		no := false
		opts.Template = &no
		opts.Output.Format = cmdutil.FormatJSONL
		opts.Output.Fields = []string{"id", "short_id", "status", "experiment", "experiment_name", "chip"}
		require.NoError(t, listRun(opts))
		var want string
		for _, s := range []string{"a", "b"} {
			want += `{"server":"` + s + `","id":63,"short_id":"P63CD","status":"planned","experiment":null,"experiment_name":"","chip":""}
{"server":"` + s + `","id":62,"short_id":"P62AB","status":"run","experiment":52,"experiment_name":"R_2026_11_30_S5-0042","chip":"540"}
`
		}
		assert.Equal(t, want, st.Out.String())
		assert.Equal(t, "isReusable=false&limit=20", a.Requests()[0].RawQuery)
	})
	t.Run("a terminal: the default columns", func(t *testing.T) {
		opts, st := listOpts(clitest.Admins(t, fake(t)))
		st.IO.SetStdoutTTY(true)
		opts.Limit = 3
		require.NoError(t, listRun(opts))
		assert.Equal(t, `ID  SHORT_ID  NAME                     STATUS   TEMPLATE  RUN_TYPE  CHIP  DATE
63  P63CD     Oncomine_Focus_run_43    planned  false     AMPS      -     2026-11-30T11:00:00.000Z
62  P62AB     Oncomine_Focus_run_42    run      false     AMPS      540   2026-11-30T10:00:00.000Z
61  TMPL6     Oncomine_Focus_template  -        true      AMPS      -     2026-11-30T09:00:00.000Z
`, st.Out.String())
		assert.Equal(t, "3 of 4 plans shown (--limit for more, --all for every one)\n", st.ErrOut.String())
	})
	t.Run("the filters reach the server", func(t *testing.T) {
		a := fake(t)
		opts, st := listOpts(clitest.Admins(t, a))
		yes, no := true, false
		opts.Template, opts.System, opts.Name, opts.Since = &yes, &no, "focus", &day
		opts.Output.Fields = []string{"id", "name"}
		require.NoError(t, listRun(opts))
		assert.Equal(t, "61\tOncomine_Focus_template\n", st.Out.String())
		assert.Equal(t, "date__gte=2026-11-30T08%3A00%3A00Z&isReusable=true&isSystem=false&limit=20&planName__icontains=focus",
			a.Requests()[0].RawQuery)
		opts, st = listOpts(clitest.Admins(t, a))
		opts.Statuses = []string{"run", "planned"}
		opts.Output.JQ = "map(.id)"
		require.NoError(t, listRun(opts))
		assert.Equal(t, "[63,62]\n", st.Out.String())
	})
	t.Run("--all, and none match", func(t *testing.T) {
		a := fake(t)
		opts, st := listOpts(clitest.Admins(t, a))
		opts.All, opts.Output.JQ = true, "length"
		require.NoError(t, listRun(opts))
		assert.Equal(t, "4\n", st.Out.String())
		opts, st = listOpts(clitest.Admins(t, a))
		st.IO.SetStdoutTTY(true)
		opts.Statuses = []string{"voided"}
		require.NoError(t, listRun(opts))
		assert.Equal(t, "no plans match\n", st.ErrOut.String())
	})
}

func TestNewCmdGet(t *testing.T) {
	f, _ := clitest.Factory(t)
	got, err := clitest.Parse(t, f, NewCmdGet, "61", "62,63")
	require.NoError(t, err)
	assert.Equal(t, []int64{61, 62, 63}, got.IDs)
	_, err = clitest.Parse(t, f, NewCmdGet)
	clitest.Usage(t, err, "one plan id or more")
	_, err = clitest.Parse(t, f, NewCmdGet, "P62AB")
	clitest.Usage(t, err, `"P62AB" is not an id`)
}

func TestGetRun(t *testing.T) {
	a, b := fake(t), fake(t)
	run := func(servers func() ([]*cmdutil.Server, error), out cmdutil.Output, ids ...int64) (string, error) {
		_, st := clitest.Factory(t)
		err := getRun(&GetOptions{IO: st.IO, Servers: servers, Output: out, Ctx: context.Background(), IDs: ids})
		return st.Out.String(), err
	}
	out, err := run(clitest.Admins(t, a), cmdutil.Output{Format: cmdutil.FormatJSON}, 62)
	require.NoError(t, err)
	var got map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &got), "one plan is one object")
	assert.Equal(t, "P62AB", got["short_id"])
	assert.Equal(t, 52.0, got["experiment"])
	assert.Equal(t, "R_2026_11_30_S5-0042", got["experiment_name"])
	assert.Equal(t, "S5XL0042", got["instrument"], "the instrument the plan names")
	assert.Equal(t, true, got["executed"])
	assert.Equal(t, "ionadmin", got["username"])
	assert.NotContains(t, got, "notes", "notes only with --fields")

	out, err = run(clitest.Admins(t, a, b), cmdutil.Output{Fields: []string{"id", "template", "system"}}, 60, 61)
	require.NoError(t, err)
	assert.Equal(t, "a\t60\ttrue\ttrue\na\t61\ttrue\tfalse\nb\t60\ttrue\ttrue\nb\t61\ttrue\tfalse\n", out)

	_, err = run(clitest.Admins(t, a), cmdutil.Output{}, 9)
	assert.Equal(t, cmdutil.ExitNotFound, cmdutil.ExitCode(err))
	assert.Equal(t, "no plan 9", err.Error())
	_, err = run(clitest.Admins(t, a), cmdutil.Output{}, 61, 9)
	assert.Equal(t, "no plan 9", err.Error())
}
