package tsapitest

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// The accounts every Server starts with (LoadSeedFile replaces them with
// the seed's users), with their passwords and API keys (Authorization:
// ApiKey <user>:<key>).
const (
	// AdminUser is the superuser (Torrent Suite's ionadmin).
	AdminUser     = "ionadmin"
	AdminPassword = "ionadmin"
	AdminAPIKey   = "tsapitest-ionadmin-key"

	// IonUser is Torrent Suite's ionuser, a member of the "ionusers" group,
	// which may add, change and delete results, plugins, plugin results
	// and jobs. Requests made with a plugin key act as this user.
	IonUser         = "ionuser"
	IonUserPassword = "ionuser"
	IonUserAPIKey   = "tsapitest-ionuser-key"

	// ReaderUser may only read: a write it attempts on one object is
	// refused with 401 without WWW-Authenticate.
	ReaderUser     = "ionreader"
	ReaderPassword = "ionreader"
	ReaderAPIKey   = "tsapitest-ionreader-key"
)

// Job is a PluginResultJob as the fake stores it.
type Job struct {
	// ID is the job's id; AddJob assigns the next free id when it is 0.
	ID int64 `json:"id"`
	// PluginResult is the id of the plugin result the job belongs to (the
	// real server does not expose it on the job); 0 for none.
	PluginResult int64 `json:"plugin_result"`
	// GridEngineJobID is nil or the grid-engine job id.
	GridEngineJobID *int64 `json:"grid_engine_jobid"`
	// State is any string of up to 20 characters (AddJob: "Queued" when
	// empty).
	State string `json:"state"`
	// StartTime and EndTime are nil or a time (kept to the microsecond).
	StartTime *time.Time `json:"starttime"`
	EndTime   *time.Time `json:"endtime"`
	// Config is the plugin's run configuration, a JSON object; numbers
	// read back are json.Number values. A float64 1.0 is stored as the
	// integer 1 (a Torrent Server would make it the string "1.0").
	Config map[string]any `json:"config"`
	// RunLevel is the run level (AddJob: "default" when empty).
	RunLevel string `json:"run_level"`
}

// PluginResult is one run of a plugin on an analysis result.
type PluginResult struct {
	// ID is the plugin result's id; AddPluginResult assigns one when 0.
	ID int64 `json:"id"`
	// Result and Plugin are the ids of the analysis result and the plugin.
	Result int64 `json:"result"`
	Plugin int64 `json:"plugin"`
	// Owner is the owning user's name (AddPluginResult: ionadmin when
	// empty).
	Owner string `json:"owner"`
	// APIKey is the key a running plugin authenticates with
	// (Authorization: PluginKey <ID>:<APIKey>); "" means none (null).
	APIKey string `json:"apikey"`
	// Store is the plugin's results store, a JSON object.
	Store map[string]any `json:"store"`
	// Size and Inodes are the disk usage of the plugin's output (-1 when
	// unknown). The server sends them as JSON strings.
	Size   int64 `json:"size,string"`
	Inodes int64 `json:"inodes,string"`
	// ValidationErrors is a JSON object; a non-empty
	// "validation_errors" list makes the state "Failed Validation".
	ValidationErrors map[string]any `json:"validation_errors"`
}

// Plugin is an installed plugin.
type Plugin struct {
	// ID is the plugin's id; AddPlugin assigns one when 0.
	ID      int64  `json:"id"`
	Name    string `json:"name"`
	Version string `json:"version"`
	// Active plugins are visible to the API; a plugin must be active and
	// Selected (enabled) to be launched.
	Active   bool `json:"active"`
	Selected bool `json:"selected"`
	// Description, Path, Script, URL and PackageName are free text.
	Description string `json:"description"`
	Path        string `json:"path"`
	Script      string `json:"script"`
	URL         string `json:"url"`
	PackageName string `json:"packageName"`
	// Date is the install date (AddPlugin: the server's clock when zero).
	Date time.Time `json:"date"`
	// MajorBlock shows the plugin's output on the main report page.
	MajorBlock            bool `json:"majorBlock"`
	RequiresConfiguration bool `json:"requires_configuration"`
	DefaultSelected       bool `json:"defaultSelected"`
	// Config is the plugin's default run configuration; a launch without
	// a configuration uses it.
	Config map[string]any `json:"config"`
	// PluginSettings holds "runlevels": the run levels a launch creates a
	// job for (["default"] when absent).
	PluginSettings  map[string]any `json:"pluginsettings"`
	Status          map[string]any `json:"status"`
	UserInputFields map[string]any `json:"userinputfields"`
}

// Result is an analysis result (a report) plugins run on.
type Result struct {
	// ID is the result's id; AddResult assigns one when 0.
	ID int64 `json:"id"`
	// Name is the result's resultsName.
	Name string `json:"resultsName"`
	// ReportLink is the report's web path (AddResult:
	// "/output/Home/<Name>_<ID>/" when empty).
	ReportLink string `json:"reportLink"`
	// Status is the analysis status (AddResult: "Completed" when empty).
	Status string `json:"status"`
	// TimeStamp is when the analysis ran (AddResult: the server's clock
	// when zero).
	TimeStamp time.Time `json:"timeStamp"`
}

// Account is a user account of the fake server.
type Account struct {
	// ID is the user's id; AddAccount assigns one when 0.
	ID       int64  `json:"id"`
	Username string `json:"username"`
	Password string `json:"password"`
	// APIKey is the user's API key ("" for none).
	APIKey string `json:"api_key"`
	// Superuser may do anything.
	Superuser bool `json:"superuser"`
	// ReadOnly may only read. A user that is neither may write results,
	// plugins, plugin results and jobs (Torrent Suite's ionusers group).
	ReadOnly bool `json:"readonly"`
}

// The stored records. JSON columns hold the text Torrent Suite's JSONField
// writes ("" for an empty object), so filters on them compare with that
// text, and the client's key order and number literals are kept.
type jobRec struct {
	Job           // Config unused
	config string // the JSON column
}

type prRec struct {
	id, result, plugin, owner int64
	apikey                    *string
	store, validation         string
	size, inodes              int64
}

type pluginRec struct {
	Plugin                           // the maps unused
	config, settings, status, inputs string
}

func ptr[T any](v T) *T { return &v }

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	return ptr(*p)
}

func (j *jobRec) clone() *jobRec {
	c := *j
	c.GridEngineJobID, c.StartTime, c.EndTime = clonePtr(j.GridEngineJobID), clonePtr(j.StartTime), clonePtr(j.EndTime)
	return &c
}

func (p *prRec) clone() *prRec {
	c := *p
	c.apikey = clonePtr(p.apikey)
	return &c
}

// newJobRec stores an exported job.
func newJobRec(j Job) *jobRec {
	rec := &jobRec{Job: j, config: mustStored(j.Config)}
	rec.Config = nil
	rec.GridEngineJobID = clonePtr(j.GridEngineJobID)
	for _, t := range []**time.Time{&rec.StartTime, &rec.EndTime} {
		if *t != nil {
			*t = ptr((*t).UTC().Truncate(time.Microsecond))
		}
	}
	return rec
}

func (j *jobRec) export() Job {
	out := j.clone().Job
	out.Config = goMap(j.config)
	return out
}

func (s *Server) exportPR(p *prRec) PluginResult {
	out := PluginResult{ID: p.id, Result: p.result, Plugin: p.plugin, Size: p.size, Inodes: p.inodes,
		Store: goMap(p.store), ValidationErrors: goMap(p.validation)}
	if u := s.users[p.owner]; u != nil {
		out.Owner = u.Username
	}
	if p.apikey != nil {
		out.APIKey = *p.apikey
	}
	return out
}

func (p *pluginRec) export() Plugin {
	out := p.Plugin
	out.Config, out.PluginSettings, out.Status, out.UserInputFields = goMap(p.config), goMap(p.settings), goMap(p.status), goMap(p.inputs)
	return out
}

// mustStored is the column text of a caller's map.
func mustStored(m map[string]any) string {
	if len(m) == 0 {
		return ""
	}
	b, err := json.Marshal(m)
	if err != nil {
		panic(fmt.Sprintf("tsapitest: encoding a JSON object: %v", err))
	}
	return string(b)
}

// goMap decodes a column's text for the exported types (numbers as
// json.Number).
func goMap(text string) map[string]any {
	var m map[string]any
	if text != "" {
		_ = decodeJSON([]byte(text), &m)
	}
	return m
}

// runLevels is the plugin's pluginsettings.runlevels (["default"] when
// absent).
func (p *pluginRec) runLevels() []string {
	var out []string
	list, _ := goMap(p.settings)["runlevels"].([]any)
	for _, e := range list {
		if s, ok := e.(string); ok {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		out = []string{"default"}
	}
	return out
}

// versionGreater reports whether version a sorts after b, as Python's
// LooseVersion: runs of digits compare as numbers, other runs as text.
func versionGreater(a, b string) bool {
	split := func(v string) []string {
		return strings.FieldsFunc(v, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	}
	pa, pb := split(a), split(b)
	for i := 0; i < len(pa) && i < len(pb); i++ {
		x, xerr := strconv.Atoi(pa[i])
		y, yerr := strconv.Atoi(pb[i])
		switch {
		case xerr == nil && yerr == nil && x != y:
			return x > y
		case (xerr == nil) != (yerr == nil):
			return xerr != nil // text sorts after numbers
		case xerr != nil && pa[i] != pb[i]:
			return pa[i] > pb[i]
		}
	}
	return len(pa) > len(pb)
}

// sortedIDs returns the keys of m in ascending order.
func sortedIDs[V any](m map[int64]V) []int64 { return slices.Sorted(maps.Keys(m)) }
