package jobs

import (
	"flag"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
	"pgregory.net/rapid"

	"github.com/tsapi-go/tsapi"
	"github.com/tsapi-go/tsapi/internal/cli/clitest"
	"github.com/tsapi-go/tsapi/internal/cli/cmdutil"
	"github.com/tsapi-go/tsapi/tsapitest"
)

// A patch by filter on two servers at once, with its dry run first,
// against an oracle: on each server exactly the jobs whose state and run
// level match get the new value, whatever the other server holds, and the
// dry run printed exactly the writes the real run sent.
func TestPatchByFilterOnTwoServersProperty(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreTopFunction("net/http.(*persistConn).writeLoop"),
		goleak.IgnoreTopFunction("net/http.(*persistConn).readLoop"), goleak.IgnoreTopFunction("internal/poll.runtime_pollWait"))
	states := []string{"Pending", "Queued", "Started", "Error", "Completed"}
	levels := []string{"default", "block", "post"}
	cases := 0
	rapid.Check(t, func(rt *rapid.T) {
		cases++
		fakes := []*tsapitest.Server{tsapitest.New(t), tsapitest.New(t)}
		for _, s := range fakes {
			n := rapid.IntRange(0, 12).Draw(rt, "jobs")
			for range n {
				s.AddJob(tsapitest.Job{State: rapid.SampledFrom(states).Draw(rt, "state"), RunLevel: rapid.SampledFrom(levels).Draw(rt, "level")})
			}
		}
		want := rapid.SliceOfNDistinct(rapid.SampledFrom(states), 1, 3, rapid.ID[string]).Draw(rt, "filter states")
		var level string
		if rapid.Bool().Draw(rt, "by level") {
			level = rapid.SampledFrom(levels).Draw(rt, "filter level")
		}
		grid := rapid.Int64Range(-1, math.MaxInt32).Draw(rt, "grid id")
		f := Filter{}
		for _, s := range want {
			f.States = append(f.States, tsapi.JobState(s))
		}
		if level != "" {
			f.RunLevels = []tsapi.RunLevel{tsapi.RunLevel(level)}
		}
		matches := func(j tsapitest.Job) bool {
			return slices.Contains(want, j.State) && (level == "" || j.RunLevel == level)
		}
		before := [][]tsapitest.Job{fakes[0].Jobs(), fakes[1].Jobs()}

		patch := &tsapi.PluginResultJobPatch{GridEngineJobID: tsapi.Value(grid)}
		dry, st := patchOpts(t, clitest.Admins(t, fakes...), patch)
		dry.Filter, dry.DryRun = f, true
		require.NoError(rt, patchRun(dry), st.ErrOut.String())
		real, rst := patchOpts(t, clitest.Admins(t, fakes...), patch)
		real.Filter = f
		real.Output.Format = cmdutil.FormatJSONL
		require.NoError(rt, patchRun(real), rst.ErrOut.String())

		var sent []string
		for i, s := range fakes {
			sent = append(sent, clitest.Writes(s)...)
			for _, old := range before[i] {
				now, _ := s.Job(old.ID)
				if matches(old) {
					require.Equal(rt, &grid, now.GridEngineJobID, "server %d job %d (%s %s) matches", i, old.ID, old.State, old.RunLevel)
				} else {
					require.Equal(rt, old.GridEngineJobID, now.GridEngineJobID, "server %d job %d (%s %s) does not match", i, old.ID, old.State, old.RunLevel)
				}
			}
			s.Close()
		}
		gotLines := strings.Split(strings.TrimSpace(st.Out.String()), "\n")
		if len(sent) == 0 {
			require.Empty(rt, strings.TrimSpace(st.Out.String()))
		} else {
			slices.Sort(gotLines)
			slices.Sort(sent)
			require.Equal(rt, sent, gotLines, "the dry run printed the writes the real run sent")
		}
	})
	seed := "random, printed by rapid on a failure"
	if fl := flag.Lookup("rapid.seed"); fl != nil && fl.Value.String() != "0" {
		seed = fl.Value.String()
	}
	t.Logf("%d cases, seed %s (rerun a failure with go test -run TestPatchByFilterOnTwoServersProperty -rapid.seed=N)", cases, seed)
}
