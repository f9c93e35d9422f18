package tsapi_test

import (
	"errors"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tsapi-go/tsapi"
	"github.com/tsapi-go/tsapi/internal/faultproxy"
)

// lose arms the proxy to lose the next method on job id: before the server
// (DropRequest) or after it applied the write (DropAnswer).
func (tg *writeTarget) lose(method string, id int64, action faultproxy.Action) {
	tg.proxy.Arm(faultproxy.Fault{Method: method, Path: "/rundb/api/v1/PluginResultJob/" + strconv.FormatInt(id, 10) + "/", Action: action})
}

// TestLostWriteOfATimeIsNotVerifiedWhenTheServerStampsNothing: a write
// that sends state together with a time the server stamps, but does not
// change the state, stamps nothing: if the write never reached the server
// the time it holds is the old one, and the re-read must say so.
func TestLostWriteOfATimeIsNotVerifiedWhenTheServerStampsNothing(t *testing.T) {
	forEachTarget(t, func(t *testing.T, tg *writeTarget) {
		// Job 1 is Completed with an endtime, job 3 Started with a
		// starttime (testdata/seed.json).
		completed, started := tg.job(t, 1), tg.job(t, 3)
		require.Equal(t, tsapi.StateCompleted, completed.State)
		require.NotNil(t, completed.EndTime)
		require.Equal(t, tsapi.StateStarted, started.State)
		require.NotNil(t, started.StartTime)
		later := func(tm *tsapi.Time) tsapi.Time { return tsapi.NewTime(tm.Add(time.Hour).Truncate(time.Second)) }

		check := func(t *testing.T, err error, field string) {
			t.Helper()
			require.ErrorIs(t, err, tsapi.ErrOutcomeUnknown, "the write never reached the server")
			var ou *tsapi.OutcomeUnknownError
			require.True(t, errors.As(err, &ou))
			assert.True(t, ou.Checked)
			assert.Equal(t, []string{field}, ou.Differs)
			// The re-read shows the state sent: a stamp would explain the
			// difference had the state changed, which only the caller knows.
			assert.Equal(t, []string{field}, ou.Stamped)
		}
		t.Run("Update of endtime", func(t *testing.T) {
			w := completed.ToWrite()
			w.EndTime = tsapi.Ptr(later(completed.EndTime))
			tg.lose(http.MethodPut, 1, faultproxy.DropRequest)
			got, resp, err := tg.c.PluginResultJobs.Update(tg.ctx, 1, w)
			check(t, err, "endtime")
			assert.Nil(t, got)
			assert.False(t, resp != nil && resp.Verified)
			assert.True(t, tg.job(t, 1).EndTime.Equal(completed.EndTime.Time), "the server holds the old endtime")
		})
		t.Run("Patch of endtime", func(t *testing.T) {
			tg.lose(http.MethodPatch, 1, faultproxy.DropRequest)
			_, _, err := tg.c.PluginResultJobs.Patch(tg.ctx, 1, &tsapi.PluginResultJobPatch{
				State: tsapi.StateCompleted, EndTime: tsapi.Value(later(completed.EndTime)),
			})
			check(t, err, "endtime")
		})
		t.Run("Patch of starttime", func(t *testing.T) {
			tg.lose(http.MethodPatch, 3, faultproxy.DropRequest)
			_, _, err := tg.c.PluginResultJobs.Patch(tg.ctx, 3, &tsapi.PluginResultJobPatch{
				State: tsapi.StateStarted, StartTime: tsapi.Value(later(started.StartTime)),
			})
			check(t, err, "starttime")
			assert.True(t, tg.job(t, 3).StartTime.Equal(started.StartTime.Time))
		})
		assert.Zero(t, tg.proxy.Count(http.MethodPut, ""), "no write reached the server")
		assert.Zero(t, tg.proxy.Count(http.MethodPatch, ""), "no write reached the server")
	})
}

// TestLostWriteThatMovesTheStateNamesTheStamp: an Update that moves a job
// into a terminal state and sends the endtime as read (null) is applied,
// and the server stamps endtime. The library does not know the state
// before the write, so it cannot tell the stamp from a write that was not
// applied: it says the outcome is unknown and names the field the server
// may have stamped. A state change that sends no time (SetState) is
// verified.
func TestLostWriteThatMovesTheStateNamesTheStamp(t *testing.T) {
	forEachTarget(t, func(t *testing.T, tg *writeTarget) {
		running := tg.job(t, 3)
		require.Nil(t, running.EndTime)
		w := running.ToWrite()
		w.State = tsapi.StateCompleted
		tg.lose(http.MethodPut, 3, faultproxy.DropAnswer)
		_, _, err := tg.c.PluginResultJobs.Update(tg.ctx, 3, w)
		var ou *tsapi.OutcomeUnknownError
		require.True(t, errors.As(err, &ou), "%v", err)
		assert.Equal(t, []string{"endtime"}, ou.Differs)
		assert.Equal(t, []string{"endtime"}, ou.Stamped)
		assert.Contains(t, err.Error(), "endtime")
		after := tg.job(t, 3)
		assert.Equal(t, tsapi.StateCompleted, after.State, "applied once")
		assert.NotNil(t, after.EndTime, "stamped")

		tg.lose(http.MethodPatch, 14, faultproxy.DropAnswer)
		resp, err := tg.c.PluginResultJobs.SetState(tg.ctx, 14, tsapi.StateCancelled)
		require.NoError(t, err)
		assert.True(t, resp.Verified)
		assert.Equal(t, tsapi.StateCancelled, tg.job(t, 14).State)
		assert.Equal(t, 1, tg.proxy.Count(http.MethodPut, ""), "each write sent once")
		assert.Equal(t, 1, tg.proxy.Count(http.MethodPatch, ""))
	})
}
