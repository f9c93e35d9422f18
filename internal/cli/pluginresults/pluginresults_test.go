package pluginresults

import (
	"context"
	"fmt"
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
	s.AddResult(tsapitest.Result{ID: 101, Name: "r"})
	s.AddPluginResult(tsapitest.PluginResult{ID: 26, Result: 101, Plugin: 1, APIKey: "secret-key-26"})
	s.AddJob(tsapitest.Job{PluginResult: 26, State: "Started"})
	return s
}

func TestNewCmdList(t *testing.T) {
	for _, tt := range []struct {
		args    []string
		check   func(*ListOptions)
		wantErr string
	}{
		{args: []string{"--plugin", "variantCaller", "--result", "101"}, check: func(o *ListOptions) {
			assert.Equal(t, []any{"variantCaller", int64(101), 20}, []any{o.Plugin, o.Result, o.Limit})
		}},
		{args: []string{"--job-state", "Started,Queued", "--all"}, check: func(o *ListOptions) {
			assert.Equal(t, []tsapi.JobState{"Started", "Queued"}, o.JobStates)
			assert.True(t, o.All)
		}},
		{args: []string{"--all", "--limit", "3"}, wantErr: "give one of them"},
		{args: []string{"--job-state", "Startd"}, wantErr: "unknown state"},
	} {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			f, _ := clitest.Factory(t)
			got, err := clitest.Parse(t, f, NewCmdList, tt.args...)
			if tt.wantErr != "" {
				clitest.Usage(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			tt.check(got)
		})
	}
}

func TestListRun(t *testing.T) {
	a := fake(t)
	_, st := clitest.Factory(t)
	opts := &ListOptions{IO: st.IO, Servers: clitest.Admins(t, a), Ctx: context.Background(), Limit: 20,
		Output: cmdutil.Output{Format: cmdutil.FormatJSONL}, JobStates: []tsapi.JobState{"Started"}}
	require.NoError(t, listRun(opts))
	assert.Contains(t, st.Out.String(), `"id":26,"plugin":"variantCaller"`)
	assert.NotContains(t, st.Out.String(), "secret-key-26", "a key is never printed")
	_, st = clitest.Factory(t)
	opts.IO, opts.JobStates, opts.Output = st.IO, []tsapi.JobState{"Error"}, cmdutil.Output{}
	st.IO.SetStdoutTTY(true)
	require.NoError(t, listRun(opts))
	assert.Equal(t, "no plugin results match\n", st.ErrOut.String())
}

func TestNewCmdGet(t *testing.T) {
	f, _ := clitest.Factory(t)
	got, err := clitest.Parse(t, f, NewCmdGet, "26")
	require.NoError(t, err)
	assert.Equal(t, []int64{26}, got.IDs)
	_, err = clitest.Parse(t, f, NewCmdGet)
	clitest.Usage(t, err, "one plugin result id or more")
}

func TestGetRun(t *testing.T) {
	a := fake(t)
	_, st := clitest.Factory(t)
	opts := &GetOptions{IO: st.IO, Servers: clitest.Admins(t, a), Ctx: context.Background(), IDs: []int64{26}, Output: cmdutil.Output{JQ: ".jobs"}}
	require.NoError(t, getRun(opts))
	assert.Equal(t, "1\n", st.Out.String())
	opts.IDs = []int64{99}
	err := getRun(opts)
	assert.Equal(t, cmdutil.ExitNotFound, cmdutil.ExitCode(err))
	assert.Equal(t, "no plugin result 99", err.Error())
}

func TestNewCmdStore(t *testing.T) {
	f, st := clitest.Factory(t)
	st.In.WriteString(`{"reads": 1000}`)
	got, err := clitest.Parse(t, f, NewCmdStore, "26", "-", "--dry-run")
	require.NoError(t, err)
	assert.Equal(t, int64(26), got.ID)
	assert.JSONEq(t, `{"reads": 1000}`, string(got.Store.Raw()))
	assert.True(t, got.DryRun)
	f, st = clitest.Factory(t)
	st.In.WriteString(`[1]`)
	_, err = clitest.Parse(t, f, NewCmdStore, "26", "-")
	clitest.Usage(t, err, "-: the store must be a JSON object")
	assert.NotContains(t, err.Error(), "tsapi: ", "no doubled prefix")
}

func TestStoreRun(t *testing.T) {
	a, b := fake(t), fake(t)
	store, err := tsapi.JobConfigFromJSON([]byte(`{"reads":1000}`))
	require.NoError(t, err)
	_, st := clitest.Factory(t)
	opts := &StoreOptions{IO: st.IO, Servers: clitest.Admins(t, a), Ctx: context.Background(), ID: 26, Store: store, DryRun: true}
	require.NoError(t, storeRun(opts))
	assert.Equal(t, "would send: PATCH "+a.APIURL()+`pluginresult/26/ {"store":{"reads":1000}}`+"\n", st.Out.String())
	assert.Empty(t, clitest.Writes(a))
	opts.DryRun = false
	opts.Servers = clitest.Admins(t, a, b)
	clitest.Usage(t, storeRun(opts), "--all-servers")
	assert.Empty(t, append(clitest.Writes(a), clitest.Writes(b)...))
	opts.Servers = clitest.Admins(t, a)
	require.NoError(t, storeRun(opts))
	pr, _ := a.PluginResult(26)
	assert.Equal(t, "1000", fmt.Sprint(pr.Store["reads"]))
}
