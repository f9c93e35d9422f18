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

func TestNewCmdDelete(t *testing.T) {
	for _, tt := range []struct {
		args    []string
		ids     []int64
		filter  Filter
		yes     bool
		dry     bool
		wantErr string
	}{
		{args: []string{"5", "6"}, ids: []int64{5, 6}},
		{args: []string{"--state", "Error", "--until", "30d", "--yes"}, yes: true,
			filter: Filter{States: []tsapi.JobState{"Error"}, Until: at(30 * 24 * time.Hour)}},
		{args: []string{"--state", "Declined", "--dry-run"}, dry: true, filter: Filter{States: []tsapi.JobState{"Declined"}}},
		{args: nil, wantErr: "name the jobs to delete"},
		{args: []string{"5", "--state", "Error"}, wantErr: "not both"},
		{args: []string{"--filter", "plugin_result"}, wantErr: "want name__lookup=value"},
	} {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			f, _ := clitest.Factory(t)
			got, err := clitest.Parse(t, f, NewCmdDelete, tt.args...)
			if tt.wantErr != "" {
				clitest.Usage(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, []any{tt.ids, tt.filter, tt.yes, tt.dry}, []any{got.IDs, got.Filter, got.Yes, got.DryRun})
		})
	}
}

func deleteOpts(t *testing.T, servers func() ([]*cmdutil.Server, error)) (*DeleteOptions, clitest.Streams) {
	_, st := clitest.Factory(t)
	return &DeleteOptions{IO: st.IO, Servers: servers, Ctx: context.Background(), Yes: true}, st
}

// As an account that may not delete, a Torrent Server answers a delete by
// filter with 204 and deletes nothing: the tool counts again and says so.
func TestDeleteRunByFilterThatDeletedNothingSaysWhy(t *testing.T) {
	a := tsapitest.New(t)
	seed(a, "Error", "Error", "Error", "Queued")
	srv := clitest.Server(t, "lab", a, tsapitest.ReaderUser)
	opts, st := deleteOpts(t, func() ([]*cmdutil.Server, error) { return []*cmdutil.Server{srv}, nil })
	opts.Filter.States = []tsapi.JobState{"Error"}
	err := deleteRun(opts)
	assert.Equal(t, cmdutil.ExitAuth, cmdutil.ExitCode(err))
	assert.Contains(t, err.Error(), "deleted none of the 3 matching jobs: user ionreader may not delete jobs")
	assert.Empty(t, st.Out.String())
	assert.Len(t, a.Jobs(), 4)
	assert.Equal(t, 1, a.CountRequests("DELETE", ""), "sent once")
}

func TestDeleteRun(t *testing.T) {
	t.Run("by filter: what went", func(t *testing.T) {
		a := tsapitest.New(t)
		seed(a, "Error", "Error", "Error", "Queued")
		opts, st := deleteOpts(t, clitest.Admins(t, a))
		opts.Filter.States = []tsapi.JobState{"Error"}
		opts.Output.Format = cmdutil.FormatJSONL
		require.NoError(t, deleteRun(opts))
		assert.Equal(t, `{"deleted":3,"matched":3,"what":"state Error"}`+"\n", st.Out.String())
		assert.Len(t, a.Jobs(), 1)
	})
	t.Run("by filter on a terminal, asked and said", func(t *testing.T) {
		a := tsapitest.New(t)
		seed(a, "Error", "Error")
		opts, st := deleteOpts(t, clitest.Admins(t, a))
		opts.Filter.States, opts.Yes = []tsapi.JobState{"Error"}, false
		st.IO.SetStdinTTY(true)
		st.IO.SetStderrTTY(true)
		st.IO.SetStdoutTTY(true)
		st.In.WriteString("y\n")
		require.NoError(t, deleteRun(opts))
		assert.Equal(t, "Delete 2 jobs matching state Error on a? [y/N] ", st.ErrOut.String())
		assert.Equal(t, "deleted 2 jobs matching state Error\n", st.Out.String())
	})
	t.Run("by id", func(t *testing.T) {
		a := tsapitest.New(t)
		seed(a, "Error", "Error")
		opts, st := deleteOpts(t, clitest.Admins(t, a))
		opts.IDs = []int64{2}
		require.NoError(t, deleteRun(opts))
		assert.Equal(t, "1\t1\tjob 2\n", st.Out.String())
		assert.Len(t, a.Jobs(), 1)
	})
	t.Run("by id on several servers needs --all-servers", func(t *testing.T) {
		a, b := tsapitest.New(t), tsapitest.New(t)
		seed(a, "Error")
		seed(b, "Error")
		opts, _ := deleteOpts(t, clitest.Admins(t, a, b))
		opts.IDs = []int64{1}
		clitest.Usage(t, deleteRun(opts), "--all-servers")
		assert.Len(t, a.Jobs(), 1)
		assert.Len(t, b.Jobs(), 1)
	})
	t.Run("a dry run prints the writes a real run sends", func(t *testing.T) {
		for _, set := range []func(*DeleteOptions){
			func(o *DeleteOptions) { o.Filter.States = []tsapi.JobState{"Error"} },
			func(o *DeleteOptions) { o.IDs = []int64{1, 2} },
		} {
			a := tsapitest.New(t)
			seed(a, "Error", "Error", "Queued")
			dry, st := deleteOpts(t, clitest.Admins(t, a))
			set(dry)
			dry.DryRun = true
			require.NoError(t, deleteRun(dry))
			assert.Empty(t, clitest.Writes(a))
			real, _ := deleteOpts(t, clitest.Admins(t, a))
			set(real)
			require.NoError(t, deleteRun(real))
			assert.Equal(t, clitest.Writes(a), strings.Split(strings.TrimSpace(st.Out.String()), "\n"))
		}
	})
}

// substituted is a PluginResultJobService of the caller's own, as the
// library allows: the tool must use the interface only.
type substituted struct{ tsapi.PluginResultJobService }

func TestDeleteRunThroughASubstitutedService(t *testing.T) {
	a := tsapitest.New(t)
	seed(a, "Error", "Error", "Queued")
	srv := clitest.Server(t, "lab", a, tsapitest.AdminUser)
	srv.Client.PluginResultJobs = substituted{srv.Client.PluginResultJobs}
	opts, st := deleteOpts(t, func() ([]*cmdutil.Server, error) { return []*cmdutil.Server{srv}, nil })
	opts.Filter.States = []tsapi.JobState{"Error"}
	opts.DryRun = true
	require.NoError(t, deleteRun(opts), "no type assertion to *PluginResultJobServiceOp")
	assert.Equal(t, "would send: DELETE "+a.APIURL()+"PluginResultJob/?state=Error\n", st.Out.String())
	opts.DryRun = false
	require.NoError(t, deleteRun(opts))
	assert.Len(t, a.Jobs(), 1)
}
