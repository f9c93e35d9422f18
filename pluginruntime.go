package tsapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
)

// ErrJobNotFound is matched by the error of a PluginRuntime that cannot
// tell which job of its plugin result it is running as.
var ErrJobNotFound = errors.New("tsapi: plugin job not found")

// PluginRuntime is what a running plugin needs: a Client authenticated
// with its plugin key, its plugin result and its own job. Create it with
// NewPluginRuntime. It is safe for concurrent use.
type PluginRuntime struct {
	client *Client
	start  *StartPlugin

	mu      sync.Mutex
	gridJob int64 // grid-engine job id; 0 when unknown
	jobID   int64 // PluginResultJob id once found
}

// NewPluginRuntime reads a plugin's startplugin.json (path as for
// ReadStartPlugin: "" is the working directory's) and returns the
// runtime for it. The grid-engine job id comes from $JOB_ID when set (see
// SetGridEngineJobID). opts configure the Client as for New.
func NewPluginRuntime(path string, opts ...Option) (*PluginRuntime, error) {
	sp, err := ReadStartPlugin(path)
	if err != nil {
		return nil, err
	}
	return sp.NewRuntime(opts...)
}

// NewRuntime returns the PluginRuntime for this startplugin.json (see
// NewPluginRuntime).
func (sp *StartPlugin) NewRuntime(opts ...Option) (*PluginRuntime, error) {
	var grid int64
	if v := strings.TrimSpace(os.Getenv(JobIDEnv)); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return nil, &InvalidArgumentError{Msg: fmt.Sprintf("$%s is %q, not a grid-engine job id", JobIDEnv, v)}
		}
		grid = n
	}
	c, err := sp.NewClient(opts...)
	if err != nil {
		return nil, err
	}
	return &PluginRuntime{client: c, start: sp, gridJob: grid}, nil
}

// Client returns the runtime's Client (authenticated with the plugin key).
func (p *PluginRuntime) Client() *Client { return p.client }

// StartPlugin returns the startplugin.json the runtime was made from. Do
// not modify it.
func (p *PluginRuntime) StartPlugin() *StartPlugin { return p.start }

// PluginResultID returns the id of the run's plugin result.
func (p *PluginRuntime) PluginResultID() int64 { return p.start.RunInfo.PluginResult }

// GridEngineJobID returns the grid-engine job id the runtime looks its job
// up by (0 when unknown).
func (p *PluginRuntime) GridEngineJobID() int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.gridJob
}

// SetGridEngineJobID names the grid-engine job the plugin runs as,
// instead of $JOB_ID (0: unknown). The job is looked up again on the next
// call.
func (p *PluginRuntime) SetGridEngineJobID(id int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.gridJob = id
	p.jobID = 0
}

// String describes the runtime without its key.
func (p *PluginRuntime) String() string {
	return fmt.Sprintf("PluginRuntime{pluginresult: %d, grid-engine job: %d, server: %s}",
		p.PluginResultID(), p.GridEngineJobID(), p.client.BaseURL())
}

// LogValue logs what String says.
func (p *PluginRuntime) LogValue() slog.Value { return slog.StringValue(p.String()) }

// runtimeError adds what the runtime was doing to an error, and keeps the
// plugin key out of its text.
type runtimeError struct {
	doing string
	err   error
	auth  *credentials
}

// Error says what the runtime was doing, without the plugin key.
func (e *runtimeError) Error() string {
	return scrubSecrets("tsapi: plugin: "+e.doing+": "+strings.TrimPrefix(e.err.Error(), "tsapi: "), e.auth)
}

// Unwrap returns the cause.
func (e *runtimeError) Unwrap() error { return e.err }

func (p *PluginRuntime) wrap(doing string, err error) error {
	if err == nil {
		return nil
	}
	return &runtimeError{doing: doing, err: err, auth: p.client.auth}
}

func (p *PluginRuntime) debug(msg string, args ...any) {
	if l := p.client.logger; l != nil {
		l.Debug(msg, args...)
	}
}

// PluginResult fetches the run's plugin result with its jobs.
func (p *PluginRuntime) PluginResult(ctx context.Context) (*PluginResult, error) {
	pr, _, err := p.client.PluginResults.Get(ctx, p.PluginResultID())
	if err != nil {
		return nil, p.wrap(fmt.Sprintf("fetching pluginresult %d", p.PluginResultID()), err)
	}
	return pr, nil
}

// Job returns the job this plugin runs as, found among the jobs of its
// plugin result: the one with the grid-engine job id ($JOB_ID), or without
// one, the only job at the run's run level, or the plugin result's only
// job. The job is fetched anew on every call; its id is remembered. An
// error matching ErrJobNotFound says no job fits.
func (p *PluginRuntime) Job(ctx context.Context) (*PluginResultJob, error) {
	pr, err := p.PluginResult(ctx)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	j, err := p.pick(pr)
	if err != nil {
		return nil, p.wrap("finding the job", err)
	}
	p.jobID = j.ID
	p.debug("tsapi: plugin job found", "pluginresult", pr.ID, "job", j.ID, "grid_engine_jobid", p.gridJob, "state", string(j.State))
	return j, nil
}

// pick chooses the runtime's job among pr's. p.mu is held.
func (p *PluginRuntime) pick(pr *PluginResult) (*PluginResultJob, error) {
	if p.gridJob > 0 {
		if j := pr.JobByGridEngineID(p.gridJob); j != nil {
			return j, nil
		}
		return nil, fmt.Errorf("%w: pluginresult %d has no job with grid-engine id %d (it has %s)",
			ErrJobNotFound, pr.ID, p.gridJob, describeJobs(pr.Jobs))
	}
	if lvl := p.start.RunPlugin.RunLevel; lvl != "" {
		var at []*PluginResultJob
		for i := range pr.Jobs {
			if pr.Jobs[i].RunLevel == lvl {
				at = append(at, &pr.Jobs[i])
			}
		}
		if len(at) == 1 {
			return at[0], nil
		}
	}
	if len(pr.Jobs) == 1 {
		return &pr.Jobs[0], nil
	}
	return nil, fmt.Errorf("%w: $%s is not set and pluginresult %d has %s: set $%s or call SetGridEngineJobID",
		ErrJobNotFound, JobIDEnv, pr.ID, describeJobs(pr.Jobs), JobIDEnv)
}

// describeJobs lists jobs briefly for an error message.
func describeJobs(jobs []PluginResultJob) string {
	if len(jobs) == 0 {
		return "no job"
	}
	parts := make([]string, len(jobs))
	for i, j := range jobs {
		g := "none"
		if j.GridEngineJobID != nil {
			g = strconv.FormatInt(*j.GridEngineJobID, 10)
		}
		parts[i] = fmt.Sprintf("job %d (grid-engine id %s, %s, %s)", j.ID, g, j.RunLevel, j.State)
	}
	return fmt.Sprintf("%d jobs: %s", len(jobs), strings.Join(parts, "; "))
}

// jobIDFor returns the remembered job id, looking the job up when needed.
func (p *PluginRuntime) jobIDFor(ctx context.Context) (int64, error) {
	p.mu.Lock()
	id := p.jobID
	p.mu.Unlock()
	if id > 0 {
		return id, nil
	}
	j, err := p.Job(ctx)
	if err != nil {
		return 0, err
	}
	return j.ID, nil
}

// maxStateLen is the server's limit on a job state.
const maxStateLen = 20

// ReportState sets the state of this plugin's own job (PATCH
// PluginResultJob/<id>/ {"state": ...}), as Torrent Suite's
// ion-plugin-status does: StateStarted when the work begins, StateCompleted
// or StateError at the end. The job is found once (see Job). A lost answer
// is handled as by Patch: an error matching ErrOutcomeUnknown says that the
// job holds another state now (a user cancelled it meanwhile), which the
// library never turns back. The server sets the job's
// start or end time itself.
//
// Store results (SetStore) before reporting a final state: Torrent Suite
// revokes the plugin key when it completes a run (5.18 does so when it
// cleans up a job, not on the PATCH itself, but a plugin cannot tell which
// server it has). Finish does both in that order.
func (p *PluginRuntime) ReportState(ctx context.Context, state JobState) error {
	if strings.TrimSpace(string(state)) == "" {
		return &InvalidArgumentError{Msg: "ReportState needs a state"}
	}
	if len(state) > maxStateLen {
		return &InvalidArgumentError{Msg: fmt.Sprintf("state %q is longer than the %d characters the server stores", state, maxStateLen)}
	}
	id, err := p.jobIDFor(ctx)
	if err != nil {
		return err
	}
	if _, err := p.client.PluginResultJobs.SetState(ctx, id, state); err != nil {
		return p.wrap(fmt.Sprintf("reporting state %s of job %d", state, id), err)
	}
	p.debug("tsapi: plugin state reported", "pluginresult", p.PluginResultID(), "job", id, "state", string(state))
	return nil
}

// SetStore replaces the store of the run's plugin result with store (any
// value that encodes as a JSON object), where Torrent Suite shows a
// plugin's results: PATCH pluginresult/<id>/ {"store": ...}.
func (p *PluginRuntime) SetStore(ctx context.Context, store any) error {
	if _, err := p.client.PluginResults.SetStore(ctx, p.PluginResultID(), store); err != nil {
		return p.wrap(fmt.Sprintf("storing the results in pluginresult %d", p.PluginResultID()), err)
	}
	p.debug("tsapi: plugin results stored", "pluginresult", p.PluginResultID())
	return nil
}

// Finish ends the run: it stores store (unless nil), then reports
// StateCompleted, or StateError when runErr is not nil or the store could
// not be saved. It returns the errors of the two steps (runErr is the
// caller's and is not returned).
func (p *PluginRuntime) Finish(ctx context.Context, store any, runErr error) error {
	var storeErr error
	if store != nil {
		storeErr = p.SetStore(ctx, store)
	}
	state := StateCompleted
	if runErr != nil || storeErr != nil {
		state = StateError
	}
	return errors.Join(storeErr, p.ReportState(ctx, state))
}
