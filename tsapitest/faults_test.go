package tsapitest_test

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tsapi-go/tsapi"
	"github.com/tsapi-go/tsapi/tsapitest"
)

func TestFaults(t *testing.T) {
	srv, c := setup(t, tsapitest.WithJobCreate())
	seedJobs(t, srv, 3)
	ctx := context.Background()

	// Two maintenance pages, then the answer: the client's retries get it.
	srv.FailNext(2, http.StatusServiceUnavailable)
	_, resp, err := c.PluginResultJobs.Get(ctx, 1)
	require.NoError(t, err)
	assert.Equal(t, 3, resp.Attempts)
	var statuses []int
	for _, r := range srv.Requests() {
		statuses = append(statuses, r.Status)
	}
	assert.Equal(t, []int{503, 503, 200}, statuses)

	// More than the retries: the maintenance page ends up in the error.
	srv.FailNext(10, http.StatusServiceUnavailable)
	_, _, err = c.PluginResultJobs.Get(ctx, 1)
	var ae *tsapi.APIError
	require.ErrorAs(t, err, &ae)
	assert.ErrorIs(t, err, tsapi.ErrUnavailable)
	assert.Equal(t, "Torrent Server - Maintenance", ae.Message)
	assert.Equal(t, 4, ae.Attempts)
	srv.ClearFaults()

	// tastypie's canned 500 is not retried.
	srv.FailNext(1, http.StatusInternalServerError)
	_, _, err = c.PluginResultJobs.Get(ctx, 1)
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, "Sorry, this request could not be processed. Please try again later.", ae.Message)
	assert.Equal(t, 1, ae.Attempts)

	// 429 with Retry-After, only on PATCH.
	srv.AddFault(tsapitest.Fault{Method: "PATCH", Status: http.StatusTooManyRequests, RetryAfter: "0"})
	a := do(t, srv, "GET", "PluginResultJob/1/", "")
	assert.Equal(t, 200, a.status)
	a = do(t, srv, "PATCH", "PluginResultJob/1/", `{"state": "Error"}`)
	assert.Equal(t, 429, a.status)
	assert.Equal(t, "0", a.header.Get("Retry-After"))
	srv.AddFault(tsapitest.Fault{Method: "PATCH", Path: "PluginResultJob/", Status: http.StatusTooManyRequests})
	resp, err = c.PluginResultJobs.SetState(ctx, 1, tsapi.StateError)
	require.NoError(t, err)
	assert.Equal(t, 2, resp.Attempts)

	// Latency: a client with a timeout gives up.
	srv.SetLatency(200 * time.Millisecond)
	impatient, err := srv.AdminClient(tsapi.WithTimeout(20*time.Millisecond), tsapi.WithRetry(0, 0, 0))
	require.NoError(t, err)
	_, _, err = impatient.PluginResultJobs.Get(ctx, 1)
	var re *tsapi.RequestError
	require.ErrorAs(t, err, &re)
	assert.True(t, re.Timeout())
	srv.SetLatency(0)
	time.Sleep(250 * time.Millisecond) // past the latency: the server saw the client leave
	gaveUp := srv.Requests()
	assert.Equal(t, 0, gaveUp[len(gaveUp)-1].Status, "a request the client gave up on is never answered")

	// A delay on one path only, for the next request.
	srv.AddFault(tsapitest.Fault{Path: "PluginResultJob/2/", Delay: 30 * time.Millisecond})
	start := time.Now()
	_, _, err = c.PluginResultJobs.Get(ctx, 2)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, time.Since(start), 30*time.Millisecond)

	// A dropped connection: a GET is retried...
	srv.ClearRequests()
	srv.AddFault(tsapitest.Fault{Method: "GET", Drop: true})
	_, resp, err = c.PluginResultJobs.Get(ctx, 1)
	require.NoError(t, err)
	assert.Equal(t, 2, resp.Attempts)
	// ...a POST is not resent: its 201 arrived before the body broke off,
	// so the library reports the created job, once.
	srv.AddFault(tsapitest.Fault{Method: "POST", Drop: true})
	id, resp, err := c.PluginResultJobs.Create(ctx, &tsapi.PluginResultJobWrite{State: tsapi.StateQueued})
	require.NoError(t, err)
	assert.Equal(t, 1, resp.Attempts)
	assert.Positive(t, id)
	assert.Len(t, srv.Jobs(), 4, "the write took effect, once")
	dropped := srv.Requests()
	assert.Equal(t, http.StatusCreated, dropped[len(dropped)-1].Status, "the status the answer began with")
	// A success status that arrived before the body broke off is a
	// success: the server had done the write.
	srv.AddFault(tsapitest.Fault{Method: "PATCH", Drop: true, Times: 10})
	impatient, err = srv.AdminClient(tsapi.WithRetry(0, 0, 0))
	require.NoError(t, err)
	_, err = impatient.PluginResultJobs.SetState(ctx, 2, tsapi.StateArchived)
	require.NoError(t, err)
	j, _ := srv.Job(2)
	assert.Equal(t, "Archived", j.State)
	srv.ClearFaults()

	// The request log.
	srv.ClearRequests()
	_, _, err = c.PluginResultJobs.List(ctx, &tsapi.PluginResultJobListOptions{State: tsapi.StateQueued})
	require.NoError(t, err)
	reqs := srv.Requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, "GET", reqs[0].Method)
	assert.Equal(t, "/rundb/api/v1/PluginResultJob/", reqs[0].Path)
	assert.Equal(t, "Queued", reqs[0].Query.Get("state"))
	assert.Equal(t, "state=Queued", reqs[0].RawQuery)
	// The client holds a session by now: the cookie goes alone.
	assert.Empty(t, reqs[0].Header.Get("Authorization"))
	assert.Contains(t, reqs[0].Header.Get("Cookie"), "sessionid=")
	assert.Equal(t, 200, reqs[0].Status)
	_, err = c.PluginResultJobs.SetState(ctx, 1, tsapi.StateCompleted)
	require.NoError(t, err)
	last := srv.Requests()[1]
	assert.JSONEq(t, `{"state": "Completed"}`, string(last.Body))
	assert.Equal(t, 1, srv.CountRequests("PATCH", "PluginResultJob/1/"))
}

// TestConcurrentUse runs requests, seeding, faults and reads at once (for
// the race detector).
func TestConcurrentUse(t *testing.T) {
	srv, c := setup(t)
	seedJobs(t, srv, 50)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 20 {
				id := int64(1 + (w*20+i)%50)
				var err error
				switch i % 4 {
				case 0:
					_, _, err = c.PluginResultJobs.Get(ctx, id)
				case 1:
					_, err = c.PluginResultJobs.SetState(ctx, id, tsapi.StateStarted)
				case 2:
					_, _, err = c.PluginResultJobs.List(ctx, &tsapi.PluginResultJobListOptions{StateIn: []tsapi.JobState{tsapi.StateStarted}})
				case 3:
					srv.AddJob(tsapitest.Job{State: "Pending"})
					srv.FailNext(1, http.StatusBadGateway)
					_ = srv.Jobs()
					_ = srv.Requests()
				}
				// A 502 on a PATCH leaves its outcome unknown (the fake
				// answers it without doing the write).
				if err != nil && !errors.Is(err, tsapi.ErrUnavailable) && !errors.Is(err, tsapi.ErrOutcomeUnknown) {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	assert.Len(t, srv.Jobs(), 90)
}
