package tsapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
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
		var ce *InvalidArgumentError
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
