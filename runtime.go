package tsapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
)

// StartPluginFile is the file Torrent Suite writes into a plugin's working
// directory before running it.
const StartPluginFile = "startplugin.json"

// JobIDEnv is the environment variable holding a running plugin's
// grid-engine job id.
const JobIDEnv = "JOB_ID"

// StartPlugin is a plugin's startplugin.json: where it runs, how to reach
// the server, and its configuration. Read it with ReadStartPlugin or
// ParseStartPlugin, which accept the ids as numbers or strings.
type StartPlugin struct {
	// RunInfo says where the plugin runs and how to reach the server.
	RunInfo RunInfo `json:"runinfo"`
	// RunPlugin says how the plugin was launched.
	RunPlugin RunPlugin `json:"runplugin"`
	// PluginConfig is the run's configuration (the launch's config, else
	// the plugin's default). It can hold secrets: do not log it.
	PluginConfig JobConfig `json:"pluginconfig"`
	// GlobalConfig holds server-wide settings ({"debug": 0, "MEM_MAX": ...}).
	GlobalConfig JobConfig `json:"globalconfig"`
	// ExpMeta, Plan, SampleInfo, ChefSummary, DataManagement and Depends
	// are the other sections, as sent.
	ExpMeta        json.RawMessage `json:"expmeta,omitempty"`
	Plan           json.RawMessage `json:"plan,omitempty"`
	SampleInfo     json.RawMessage `json:"sampleinfo,omitempty"`
	ChefSummary    json.RawMessage `json:"chefSummary,omitempty"`
	DataManagement json.RawMessage `json:"datamanagement,omitempty"`
	Depends        json.RawMessage `json:"depends,omitempty"`

	path string
}

// RunInfo is the runinfo section of startplugin.json.
type RunInfo struct {
	// APIURL is the server's API root, such as http://host/rundb/api.
	APIURL string `json:"api_url"`
	// NetLocation is the server, such as http://host; used when APIURL is
	// missing.
	NetLocation string `json:"net_location"`
	// URLRoot is the web path of the analysis result's report.
	URLRoot string `json:"url_root"`
	// APIKey is the run's plugin key (never printed).
	APIKey SecretString `json:"api_key"`
	// PluginResult is the id of the run's plugin result (runinfo.pluginresult,
	// or runinfo.plugin.pluginresult when that is missing).
	PluginResult int64 `json:"pluginresult"`
	// PK is the id of the analysis result.
	PK int64 `json:"pk"`
	// Plugin describes the plugin being run.
	Plugin RunInfoPlugin `json:"plugin"`
	// PluginName and PluginDir repeat Plugin.Name and Plugin.Path.
	PluginName string `json:"plugin_name"`
	PluginDir  string `json:"plugin_dir"`
	// ResultsDir is where the plugin writes its output.
	ResultsDir string `json:"results_dir"`
	// AnalysisDir, ReportRootDir, RawDataDir, SigprocDir, BasecallerDir
	// and AlignmentDir are the analysis result's folders.
	AnalysisDir   string `json:"analysis_dir"`
	ReportRootDir string `json:"report_root_dir"`
	RawDataDir    string `json:"raw_data_dir"`
	SigprocDir    string `json:"sigproc_dir"`
	BasecallerDir string `json:"basecaller_dir"`
	AlignmentDir  string `json:"alignment_dir"`
	// Library is the reference genome's name.
	Library string `json:"library"`
	// LibraryKey and TestfragKey are the key sequences of the library and
	// test fragment reads ("TCAG", "ATCG").
	LibraryKey  string `json:"library_key"`
	TestfragKey string `json:"testfrag_key"`
	// ChipType is the chip ("530"), BarcodeID the barcode kit, Platform
	// and SystemType the instrument, TmapVersion the aligner's version.
	ChipType    string `json:"chipType"`
	BarcodeID   string `json:"barcodeId"`
	Platform    string `json:"platform"`
	SystemType  string `json:"systemType"`
	TmapVersion string `json:"tmap_version"`
	// Username is the user the plugin runs for.
	Username string `json:"username"`
}

// RunInfoPlugin is runinfo.plugin: the plugin being run.
type RunInfoPlugin struct {
	// Name and Version identify the plugin; ID is its plugin id.
	Name    string `json:"name"`
	Version string `json:"version"`
	ID      int64  `json:"id"`
	// Path is the plugin's folder.
	Path string `json:"path"`
	// PluginResult is the run's plugin result id (older servers put it
	// only here).
	PluginResult int64 `json:"pluginresult"`
}

// RunPlugin is the runplugin section of startplugin.json.
type RunPlugin struct {
	// RunType is the report type ("wholechip", "thumbnail", "composite").
	RunType string `json:"run_type"`
	// RunLevel is the stage the job runs at.
	RunLevel RunLevel `json:"runlevel"`
	// BlockID names the chip block of a block run level ("X0_Y0"), else "".
	BlockID string `json:"blockId"`
	// BlockDirs and NumBlocks list the analysed blocks' folders.
	BlockDirs []string `json:"block_dirs"`
	NumBlocks int      `json:"numBlocks"`
	// RunMode is "manual" for a launch from the web page or the API,
	// "pipeline" for one by the analysis pipeline.
	RunMode string `json:"run_mode"`
}

// Path returns the file the StartPlugin was read from ("" when it was
// parsed from bytes).
func (sp *StartPlugin) Path() string { return sp.path }

// String describes the run without its key or configuration.
func (sp *StartPlugin) String() string {
	if sp == nil {
		return "StartPlugin(nil)"
	}
	return fmt.Sprintf("StartPlugin{plugin: %s %s, pluginresult: %d, result: %d, server: %s}",
		sp.RunInfo.Plugin.Name, sp.RunInfo.Plugin.Version, sp.RunInfo.PluginResult, sp.RunInfo.PK, sp.serverURL())
}

// LogValue logs what String says: never the key or the configuration.
func (sp *StartPlugin) LogValue() slog.Value { return slog.StringValue(sp.String()) }

func (sp *StartPlugin) serverURL() string {
	if u := strings.TrimSpace(sp.RunInfo.APIURL); u != "" {
		return u
	}
	return strings.TrimSpace(sp.RunInfo.NetLocation)
}

// StartPluginError is a startplugin.json that cannot be used: missing,
// unreadable, malformed, or without a value the caller needs. Its message
// names the file and the missing or bad key, never the key's value. It
// matches ErrInvalidOption, and unwraps to the cause (fs.ErrNotExist for a
// missing file).
type StartPluginError struct {
	// Path is the file ("" when parsed from bytes).
	Path string
	// Key is the missing or bad key, such as "runinfo.api_key", or "".
	Key string
	// Msg says what is wrong.
	Msg string
	// Err is the cause, if any.
	Err error
}

// Error names the file, the key and the problem.
func (e *StartPluginError) Error() string {
	var b strings.Builder
	b.WriteString("tsapi: ")
	if e.Path != "" {
		b.WriteString(e.Path)
	} else {
		b.WriteString(StartPluginFile)
	}
	if e.Key != "" {
		b.WriteString(": ")
		b.WriteString(e.Key)
	}
	if e.Msg != "" {
		b.WriteString(": ")
		b.WriteString(e.Msg)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(strings.TrimPrefix(e.Err.Error(), "tsapi: "))
	}
	return b.String()
}

// Unwrap returns the cause.
func (e *StartPluginError) Unwrap() error { return e.Err }

// Is matches ErrInvalidOption.
func (e *StartPluginError) Is(target error) bool { return target == ErrInvalidOption }

// startPluginPath resolves "" to the working directory's file and a
// directory to the file in it.
func startPluginPath(path string) string {
	if path == "" {
		return StartPluginFile
	}
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return filepath.Join(path, StartPluginFile)
	}
	return path
}

// ReadStartPlugin reads and parses a startplugin.json. path may name the
// file or the directory holding it; "" means startplugin.json in the
// working directory. It fails with a *StartPluginError when the file is
// missing, unreadable or malformed; it does not require any key (see
// StartPlugin.NewClient).
func ReadStartPlugin(path string) (*StartPlugin, error) {
	path = startPluginPath(path)
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &StartPluginError{Path: path, Msg: "cannot read the file", Err: err}
	}
	sp, err := parseStartPlugin(data, path)
	if err != nil {
		return nil, err
	}
	return sp, nil
}

// ParseStartPlugin parses the text of a startplugin.json (see
// ReadStartPlugin).
func ParseStartPlugin(data []byte) (*StartPlugin, error) { return parseStartPlugin(data, "") }

// runInfoWire reads runinfo with the ids as numbers or strings.
type runInfoWire struct {
	RunInfo
	APIKey       json.RawMessage `json:"api_key"`
	PluginResult json.RawMessage `json:"pluginresult"`
	PK           json.RawMessage `json:"pk"`
	Plugin       json.RawMessage `json:"plugin"`
}

type runInfoPluginWire struct {
	RunInfoPlugin
	ID           json.RawMessage `json:"id"`
	PluginResult json.RawMessage `json:"pluginresult"`
}

func parseStartPlugin(data []byte, path string) (*StartPlugin, error) {
	var secret string // the key, once known, is kept out of messages
	bad := func(key, msg string, err error) error {
		if err != nil {
			msg = strings.TrimPrefix(msg+": "+err.Error(), ": ")
		}
		return &StartPluginError{Path: path, Key: key, Msg: scrubKey(msg, secret)}
	}
	var wire struct {
		StartPlugin
		RunInfo json.RawMessage `json:"runinfo"`
	}
	if err := json.Unmarshal(data, &wire); err != nil {
		return nil, jsonProblem("", path, err)
	}
	sp := wire.StartPlugin
	sp.path = path
	if len(wire.RunInfo) == 0 || string(wire.RunInfo) == "null" {
		return nil, bad("runinfo", "missing", nil)
	}
	var ri runInfoWire
	if err := json.Unmarshal(wire.RunInfo, &ri); err != nil {
		return nil, jsonProblem("runinfo", path, err)
	}
	sp.RunInfo = ri.RunInfo
	if k := bytes.TrimSpace(ri.APIKey); len(k) > 0 && string(k) != "null" {
		var key string
		if k[0] != '"' || json.Unmarshal(k, &key) != nil {
			return nil, bad("runinfo.api_key", "want a JSON string", nil)
		}
		sp.RunInfo.APIKey = SecretString(key)
		secret = key
	}
	var err error
	if sp.RunInfo.PluginResult, err = parseFlexInt(ri.PluginResult, 0); err != nil {
		return nil, bad("runinfo.pluginresult", "", err)
	}
	if sp.RunInfo.PK, err = parseFlexInt(ri.PK, 0); err != nil {
		return nil, bad("runinfo.pk", "", err)
	}
	if len(ri.Plugin) > 0 && string(ri.Plugin) != "null" {
		var pw runInfoPluginWire
		if err := json.Unmarshal(ri.Plugin, &pw); err != nil {
			return nil, jsonProblem("runinfo.plugin", path, err)
		}
		sp.RunInfo.Plugin = pw.RunInfoPlugin
		if sp.RunInfo.Plugin.ID, err = parseFlexInt(pw.ID, 0); err != nil {
			return nil, bad("runinfo.plugin.id", "", err)
		}
		if sp.RunInfo.Plugin.PluginResult, err = parseFlexInt(pw.PluginResult, 0); err != nil {
			return nil, bad("runinfo.plugin.pluginresult", "", err)
		}
	}
	if sp.RunInfo.PluginResult == 0 {
		sp.RunInfo.PluginResult = sp.RunInfo.Plugin.PluginResult
	}
	return &sp, nil
}

// scrubKey removes secret from s.
func scrubKey(s, secret string) string {
	return scrubSecrets(s, &credentials{scheme: "PluginKey", secret: secret})
}

// jsonProblem turns a decoding error into a *StartPluginError naming the
// key, without quoting the file's content.
func jsonProblem(prefix, path string, err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field == "" {
		return &StartPluginError{Path: path, Key: prefix, Msg: fmt.Sprintf("want a JSON object, got JSON %s", te.Value)}
	}
	if errors.As(err, &te) {
		var parts []string
		for _, p := range strings.Split(te.Field, ".") {
			switch p {
			case "StartPlugin", "RunInfo", "RunInfoPlugin": // the wire structs' embedded fields
			default:
				parts = append(parts, p)
			}
		}
		key := strings.Join(parts, ".")
		if prefix != "" {
			key = prefix + "." + key
		}
		return &StartPluginError{Path: path, Key: key, Msg: fmt.Sprintf("want %s, got JSON %s", te.Type, te.Value)}
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return &StartPluginError{Path: path, Key: prefix, Msg: fmt.Sprintf("not valid JSON (at byte %d)", se.Offset)}
	}
	return &StartPluginError{Path: path, Key: prefix, Msg: "not a JSON object as expected"}
}

// check reports the first key a client needs that is missing.
func (sp *StartPlugin) check() error {
	switch {
	case sp.serverURL() == "":
		return &StartPluginError{Path: sp.path, Key: "runinfo.api_url", Msg: "missing (and no runinfo.net_location)"}
	case sp.RunInfo.PluginResult <= 0:
		return &StartPluginError{Path: sp.path, Key: "runinfo.pluginresult", Msg: "missing"}
	case strings.TrimSpace(sp.RunInfo.APIKey.Reveal()) == "":
		return &StartPluginError{Path: sp.path, Key: "runinfo.api_key", Msg: "missing"}
	}
	return nil
}

// NewClient returns a Client for the server the file names
// (runinfo.api_url, else runinfo.net_location), authenticated with the
// run's plugin key (Authorization: PluginKey <pluginresult>:<api_key>).
// opts add to that (TLS, timeouts, logging); they must not set another
// authentication. It fails with a *StartPluginError naming the missing key.
func (sp *StartPlugin) NewClient(opts ...Option) (*Client, error) {
	if err := sp.check(); err != nil {
		return nil, err
	}
	all := append([]Option{WithPluginKey(sp.RunInfo.PluginResult, sp.RunInfo.APIKey.Reveal())}, opts...)
	c, err := New(sp.serverURL(), all...)
	if err != nil {
		// The message is rebuilt without the cause, whose text may quote
		// the file's values.
		e := &StartPluginError{Path: sp.path, Msg: scrubKey(strings.TrimPrefix(err.Error(), "tsapi: "), sp.RunInfo.APIKey.Reveal())}
		var ce *ConfigError
		if errors.As(err, &ce) && strings.Contains(ce.Msg, "base URL") {
			e.Key = "runinfo.api_url"
			if strings.TrimSpace(sp.RunInfo.APIURL) == "" {
				e.Key = "runinfo.net_location"
			}
		}
		return nil, e
	}
	return c, nil
}

// NewPluginClient reads a plugin's startplugin.json (path as for
// ReadStartPlugin: "" is the working directory's) and returns a Client for
// the server it names, authenticated with the run's plugin key.
func NewPluginClient(path string, opts ...Option) (*Client, error) {
	sp, err := ReadStartPlugin(path)
	if err != nil {
		return nil, err
	}
	return sp.NewClient(opts...)
}

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
			return nil, &ConfigError{Msg: fmt.Sprintf("$%s is %q, not a grid-engine job id", JobIDEnv, v)}
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
		return &ConfigError{Msg: "ReportState needs a state"}
	}
	if len(state) > maxStateLen {
		return &ConfigError{Msg: fmt.Sprintf("state %q is longer than the %d characters the server stores", state, maxStateLen)}
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
