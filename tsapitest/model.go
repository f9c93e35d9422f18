package tsapitest

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// The factory accounts every Server starts with (LoadSeedFile replaces them
// with the seed's users).
const (
	// AdminUser and AdminPassword are the superuser (Torrent Suite's
	// ionadmin).
	AdminUser     = "ionadmin"
	AdminPassword = "ionadmin"
	// AdminAPIKey is ionadmin's API key (Authorization: ApiKey ionadmin:<key>).
	AdminAPIKey = "tsapitest-ionadmin-key"

	// IonUser and IonUserPassword are Torrent Suite's ionuser: a member of
	// the "ionusers" group, which may add, change and delete results,
	// plugins, plugin results and jobs. Requests made with a plugin key act
	// as this user.
	IonUser         = "ionuser"
	IonUserPassword = "ionuser"
	// IonUserAPIKey is ionuser's API key.
	IonUserAPIKey = "tsapitest-ionuser-key"

	// ReaderUser and ReaderPassword are a read-only account: every write it
	// attempts on one object is refused with 401 without WWW-Authenticate.
	ReaderUser     = "ionreader"
	ReaderPassword = "ionreader"
	// ReaderAPIKey is ionreader's API key.
	ReaderAPIKey = "tsapitest-ionreader-key"
)

// Job is a PluginResultJob as the fake stores it.
type Job struct {
	// ID is the job's id; AddJob assigns the next free id when it is 0.
	ID int64
	// PluginResult is the id of the plugin result the job belongs to (the
	// real server does not expose it on the job); 0 for none.
	PluginResult int64
	// GridEngineJobID is nil or the grid-engine job id.
	GridEngineJobID *int64
	// State is any string of up to 20 characters (AddJob: "Queued" when
	// empty).
	State string
	// StartTime and EndTime are nil or a time (kept to the microsecond).
	StartTime *time.Time
	EndTime   *time.Time
	// Config is the plugin's run configuration, a JSON object. Numbers
	// read back from the server are json.Number values. A Go float64 with
	// an integral value is stored as an integer (encoding/json writes 1,
	// not 1.0), so it comes back as a number, not as the string a
	// Torrent Server makes of 1.0.
	Config map[string]any
	// RunLevel is the run level (AddJob: "default" when empty).
	RunLevel string
}

// PluginResult is one run of a plugin on an analysis result.
type PluginResult struct {
	// ID is the plugin result's id; AddPluginResult assigns one when 0.
	ID int64
	// Result and Plugin are the ids of the analysis result and the plugin.
	Result int64
	Plugin int64
	// Owner is the owning user's name (AddPluginResult: ionadmin when
	// empty).
	Owner string
	// APIKey is the key a running plugin authenticates with
	// (Authorization: PluginKey <ID>:<APIKey>); "" means none (null).
	APIKey string
	// Store is the plugin's results store, a JSON object.
	Store map[string]any
	// Size and Inodes are the disk usage of the plugin's output (-1 when
	// unknown). The server sends them as JSON strings.
	Size   int64
	Inodes int64
	// ValidationErrors is a JSON object; a non-empty
	// "validation_errors" list makes the state "Failed Validation".
	ValidationErrors map[string]any
}

// Plugin is an installed plugin.
type Plugin struct {
	// ID is the plugin's id; AddPlugin assigns one when 0.
	ID      int64
	Name    string
	Version string
	// Active plugins are visible to the API; a plugin must be active and
	// Selected (enabled) to be launched.
	Active   bool
	Selected bool
	// Description, Path, Script, URL and PackageName are free text.
	Description string
	Path        string
	Script      string
	URL         string
	PackageName string
	// Date is the install date (AddPlugin: the server's clock when zero).
	Date time.Time
	// MajorBlock shows the plugin's output on the main report page.
	MajorBlock            bool
	RequiresConfiguration bool
	DefaultSelected       bool
	// Config is the plugin's default run configuration; a launch without
	// a configuration uses it.
	Config map[string]any
	// PluginSettings holds "runlevels": the run levels a launch creates a
	// job for (["default"] when absent).
	PluginSettings  map[string]any
	Status          map[string]any
	UserInputFields map[string]any
}

// Result is an analysis result (a report) plugins run on.
type Result struct {
	// ID is the result's id; AddResult assigns one when 0.
	ID int64
	// Name is the result's resultsName.
	Name string
	// ReportLink is the report's web path (AddResult:
	// "/output/Home/<Name>_<ID>/" when empty).
	ReportLink string
	// Status is the analysis status (AddResult: "Completed" when empty).
	Status string
	// TimeStamp is when the analysis ran (AddResult: the server's clock
	// when zero).
	TimeStamp time.Time
}

// Account is a user account of the fake server.
type Account struct {
	// ID is the user's id; AddAccount assigns one when 0.
	ID       int64
	Username string
	Password string
	// APIKey is the user's API key ("" for none).
	APIKey string
	// Superuser may do anything.
	Superuser bool
	// ReadOnly may only read. A user that is neither may write results,
	// plugins, plugin results and jobs (Torrent Suite's ionusers group).
	ReadOnly bool
}

// Internal records. JSON columns are kept as the text Torrent Suite's
// JSONField stores, so that filters on them compare with the same text.

type jobRec struct {
	id       int64
	pr       int64
	grid     *int64
	state    string
	start    *time.Time
	end      *time.Time
	config   string
	runLevel string
}

type prRec struct {
	id         int64
	result     int64
	plugin     int64
	owner      int64 // user id
	apikey     *string
	store      string
	size       int64
	inodes     int64
	validation string
}

type pluginRec struct {
	Plugin
	config, settings, status, inputs string
}

type resultRec struct{ Result }

type userRec struct{ Account }

func (j *jobRec) clone() *jobRec {
	c := *j
	if j.grid != nil {
		c.grid = ptr(*j.grid)
	}
	if j.start != nil {
		c.start = ptr(*j.start)
	}
	if j.end != nil {
		c.end = ptr(*j.end)
	}
	return &c
}

func (p *prRec) clone() *prRec {
	c := *p
	if p.apikey != nil {
		c.apikey = ptr(*p.apikey)
	}
	return &c
}

func ptr[T any](v T) *T { return &v }

// jsonNumber converts a number literal for the exported types.
func jsonNumber(n jnum) json.Number { return json.Number(n) }

// storedFromGo encodes a caller's map as a JSON column's text.
func storedFromGo(m map[string]any) (string, error) {
	if len(m) == 0 {
		return "", nil
	}
	b, err := json.Marshal(m)
	if err != nil {
		return "", fmt.Errorf("tsapitest: encoding a JSON object: %w", err)
	}
	v, err := parseJSON(b)
	if err != nil {
		return "", err
	}
	return dumpStored(v, false), nil
}

// goFromStored decodes a JSON column's text for the exported types.
func goFromStored(text string) map[string]any {
	m, _ := toGo(loadStored(text)).(map[string]any)
	return m
}

func (j *jobRec) export() Job {
	out := Job{
		ID: j.id, PluginResult: j.pr, State: j.state, RunLevel: j.runLevel,
		Config: goFromStored(j.config),
	}
	if j.grid != nil {
		out.GridEngineJobID = ptr(*j.grid)
	}
	if j.start != nil {
		out.StartTime = ptr(*j.start)
	}
	if j.end != nil {
		out.EndTime = ptr(*j.end)
	}
	return out
}

func (s *Server) exportPR(p *prRec) PluginResult {
	out := PluginResult{
		ID: p.id, Result: p.result, Plugin: p.plugin, Size: p.size, Inodes: p.inodes,
		Store: goFromStored(p.store), ValidationErrors: goFromStored(p.validation),
	}
	if u := s.userByID(p.owner); u != nil {
		out.Owner = u.Username
	}
	if p.apikey != nil {
		out.APIKey = *p.apikey
	}
	return out
}

func (p *pluginRec) export() Plugin {
	out := p.Plugin
	out.Config = goFromStored(p.config)
	out.PluginSettings = goFromStored(p.settings)
	out.Status = goFromStored(p.status)
	out.UserInputFields = goFromStored(p.inputs)
	return out
}

// runLevels is the plugin's pluginsettings.runlevels.
func (p *pluginRec) runLevels() []string {
	o := loadStored(p.settings)
	v, _ := o.get("runlevels")
	list, _ := v.([]any)
	var out []string
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

// versionKey orders plugin versions roughly as Python's LooseVersion:
// numbers compare as numbers, other parts as text.
func versionKey(v string) []any {
	var out []any
	cur := ""
	digit := false
	flush := func() {
		if cur == "" {
			return
		}
		if digit {
			n := 0
			for _, c := range cur {
				n = n*10 + int(c-'0')
				if n > 1<<40 {
					break
				}
			}
			out = append(out, n)
		} else {
			out = append(out, cur)
		}
		cur = ""
	}
	for _, r := range v {
		isD := r >= '0' && r <= '9'
		isA := (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z')
		if !isD && !isA {
			flush()
			continue
		}
		if cur != "" && isD != digit {
			flush()
		}
		digit = isD
		cur += string(r)
	}
	flush()
	return out
}

// versionGreater reports whether version a sorts after b.
func versionGreater(a, b string) bool {
	ka, kb := versionKey(a), versionKey(b)
	for i := 0; i < len(ka) && i < len(kb); i++ {
		x, y := ka[i], kb[i]
		xi, xNum := x.(int)
		yi, yNum := y.(int)
		switch {
		case xNum && yNum:
			if xi != yi {
				return xi > yi
			}
		case xNum != yNum:
			return !xNum // text sorts after numbers
		default:
			if xs, ys := x.(string), y.(string); xs != ys {
				return xs > ys
			}
		}
	}
	return len(ka) > len(kb)
}

// sortedIDs returns the keys of m in ascending order.
func sortedIDs[V any](m map[int64]V) []int64 {
	return slices.Sorted(maps.Keys(m))
}

// reportDir is where a result's report lives on a Torrent Server.
func (r *resultRec) reportDir() string {
	return "/results/analysis/" + strings.Trim(r.ReportLink, "/")
}
