package tsapi

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// stateServer accepts every request (202, or an empty list) and counts
// them.
func stateServer(t *testing.T) (*Client, *atomic.Int32) {
	t.Helper()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.Method == http.MethodGet {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"meta": {"limit": 20, "offset": 0, "total_count": 0, "next": null}, "objects": []}`))
			return
		}
		if r.Method == http.MethodPost {
			w.Header().Set("Location", "/rundb/api/v1/PluginResultJob/9/")
			w.WriteHeader(http.StatusCreated)
			return
		}
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(srv.Close)
	return newTestClient(t, srv.URL), &hits
}

func TestUnknownJobStatesAreRefusedBeforeAnyRequest(t *testing.T) {
	c, hits := stateServer(t)
	ctx := context.Background()
	jobs := c.PluginResultJobs
	for name, call := range map[string]func() error{
		"SetState": func() error { _, err := jobs.SetState(ctx, 4, "Canceled"); return err },
		"Patch": func() error {
			_, _, err := jobs.Patch(ctx, 4, &PluginResultJobPatch{State: "Startd"})
			return err
		},
		"Update": func() error {
			_, _, err := jobs.Update(ctx, 4, &PluginResultJobWrite{State: "completed", RunLevel: RunLevelDefault})
			return err
		},
		"Update without a state": func() error {
			_, _, err := jobs.Update(ctx, 4, &PluginResultJobWrite{RunLevel: RunLevelDefault})
			return err
		},
		"Create": func() error { _, _, err := jobs.Create(ctx, &PluginResultJobWrite{State: "Timed out"}); return err },
		"BulkPatch": func() error {
			_, err := jobs.BulkPatch(ctx, []BulkUpdate[PluginResultJobPatch]{
				{ID: 1, Patch: &PluginResultJobPatch{State: StateError}}, {ID: 2, Patch: &PluginResultJobPatch{State: "Eror"}}}, nil)
			return err
		},
		"List State": func() error { _, _, err := jobs.List(ctx, &PluginResultJobListOptions{State: "Startd"}); return err },
		"List StateIn": func() error {
			_, _, err := jobs.List(ctx, &PluginResultJobListOptions{StateIn: []JobState{StateQueued, "Started "}})
			return err
		},
		"Count": func() error { _, _, err := jobs.Count(ctx, &PluginResultJobListOptions{State: "queued"}); return err },
		"Collect": func() error {
			_, err := jobs.Collect(ctx, &PluginResultJobListOptions{StateIn: []JobState{""}}, 10)
			return err
		},
		"DeleteAllMatching": func() error {
			_, err := jobs.DeleteAllMatching(ctx, &PluginResultJobListOptions{State: "Cancelled!"})
			return err
		},
		"pluginresult JobState": func() error {
			_, _, err := c.PluginResults.List(ctx, &PluginResultListOptions{JobState: "Startd"})
			return err
		},
		"pluginresult JobStateIn": func() error {
			_, _, err := c.PluginResults.List(ctx, &PluginResultListOptions{JobStateIn: []JobState{StateStarted, StateFailedValidation}})
			return err
		},
	} {
		err := call()
		var ce *InvalidArgumentError
		assert.ErrorAs(t, err, &ce, name)
		assert.ErrorIs(t, err, ErrInvalidOption, name)
	}
	assert.Zero(t, hits.Load(), "nothing was sent")
}

func TestUnknownJobStateErrorsSayWhatWasMeant(t *testing.T) {
	c, _ := stateServer(t)
	ctx := context.Background()
	_, err := c.PluginResultJobs.SetState(ctx, 4, "Canceled")
	require.Error(t, err)
	assert.Contains(t, err.Error(), `SetState: unknown job state "Canceled" (did you mean "Cancelled"?)`)
	assert.Contains(t, err.Error(), "Timed Out")
	assert.Contains(t, err.Error(), "CustomState")

	_, _, err = c.PluginResultJobs.List(ctx, &PluginResultJobListOptions{StateIn: []JobState{StateQueued, "timed out"}})
	assert.ErrorContains(t, err, `PluginResultJobListOptions.StateIn[1]: unknown job state "timed out" (did you mean "Timed Out"?)`)

	_, err = c.PluginResultJobs.BulkPatch(ctx, []BulkUpdate[PluginResultJobPatch]{{ID: 2, Patch: &PluginResultJobPatch{State: "Eror"}}}, nil)
	assert.ErrorContains(t, err, `PluginResultJobPatch.State: unknown job state "Eror" (did you mean "Error"?)`)

	_, _, err = c.PluginResults.List(ctx, &PluginResultListOptions{JobState: StateFailedValidation})
	assert.ErrorContains(t, err, "computes for a plugin result")

	_, _, err = c.PluginResultJobs.Update(ctx, 4, &PluginResultJobWrite{RunLevel: RunLevelDefault})
	assert.ErrorContains(t, err, "PluginResultJobWrite.State: empty job state")

	_, err = c.PluginResultJobs.SetState(ctx, 4, "Something else entirely")
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "did you mean")
}

func TestKnownAndDeclaredJobStatesAreSent(t *testing.T) {
	c, hits := stateServer(t)
	ctx := context.Background()
	jobs := c.PluginResultJobs
	verified := CustomState("tsapi-test Verified")
	assert.True(t, verified.Valid())
	assert.False(t, verified.IsKnown())
	assert.False(t, verified.IsRunning() || verified.IsTerminal())
	assert.False(t, JobState("tsapi-test Undeclared").Valid())
	assert.False(t, CustomState("").Valid(), "an empty name declares nothing")
	for _, s := range JobStates {
		assert.True(t, s.Valid(), s)
	}

	_, err := jobs.SetState(ctx, 4, verified)
	require.NoError(t, err)
	_, err = jobs.SetState(ctx, 4, StateTimedOut)
	require.NoError(t, err)
	_, _, err = jobs.Patch(ctx, 4, &PluginResultJobPatch{RunLevel: RunLevelLast})
	require.NoError(t, err, "an empty state in a patch is not set")
	_, _, err = jobs.Update(ctx, 4, &PluginResultJobWrite{State: verified})
	require.NoError(t, err)
	_, err = jobs.BulkPatch(ctx, []BulkUpdate[PluginResultJobPatch]{{ID: 1, Patch: &PluginResultJobPatch{State: verified}},
		{ID: 2, Patch: &PluginResultJobPatch{RunLevel: RunLevelPost}}}, nil)
	require.NoError(t, err)
	_, _, err = jobs.List(ctx, &PluginResultJobListOptions{State: verified, StateIn: []JobState{StateQueued, verified}})
	require.NoError(t, err)
	_, _, err = c.PluginResults.List(ctx, &PluginResultListOptions{JobStateIn: []JobState{verified, StateStarted}})
	require.NoError(t, err)
	assert.Equal(t, int32(7), hits.Load())

	// Filters and Do are the escape: sent as given.
	_, _, err = jobs.List(ctx, &PluginResultJobListOptions{ListOptions: ListOptions{Filters: map[string][]string{"state": {"Weird"}}}})
	require.NoError(t, err)
	_, err = c.Do(ctx, &Request{Method: http.MethodPatch, Path: "PluginResultJob/4/", Body: map[string]string{"state": "Weird"}}, nil)
	require.NoError(t, err)
	assert.Equal(t, int32(9), hits.Load())
}

func TestJobStates(t *testing.T) {
	running := 0
	terminal := 0
	for _, s := range JobStates {
		assert.True(t, s.IsKnown())
		assert.NotEqual(t, s.IsRunning(), s.IsTerminal(), s)
		if s.IsRunning() {
			running++
		} else {
			terminal++
		}
	}
	assert.Equal(t, 3, running)
	assert.Equal(t, 8, terminal)
	assert.Equal(t, JobState("Timed Out"), StateTimedOut)
	odd := JobState("Weird")
	assert.False(t, odd.IsRunning())
	assert.False(t, odd.IsTerminal())
	assert.Len(t, RunLevels, 6)
}
