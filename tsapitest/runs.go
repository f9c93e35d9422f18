package tsapitest

import (
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The runs around the plugin jobs: results (the analysis results, of which
// Result holds the first columns), experiment (the sequencing runs), their
// analysis settings (served nested in the experiment, not as a resource),
// and plannedexperiment (the plans). Each row holds its columns by the
// Torrent Suite 5.18 name: int64, float64, string, bool, time.Time or nil;
// a foreign key as the id; a JSON column as its stored text ("" for {}).

// row is one stored object's columns.
type row map[string]any

// runStore holds the rows of the run resources.
type runStore struct {
	results  map[int64]row // the columns of results beyond Result
	exps     map[int64]row
	settings map[int64]row
	plans    map[int64]row
	storages map[int64]row
}

func newRunStore() *runStore {
	return &runStore{results: map[int64]row{}, exps: map[int64]row{}, settings: map[int64]row{}, plans: map[int64]row{},
		storages: map[int64]row{1: {"id": int64(1), "name": "Home", "webServerPath": "/output", "dirPath": "/results/analysis/output", "default": true}}}
}

func (r row) clone() row { return maps.Clone(r) }

func (st *runStore) clone() *runStore {
	c := &runStore{}
	for _, p := range []struct {
		dst *map[int64]row
		src map[int64]row
	}{
		{&c.results, st.results}, {&c.exps, st.exps}, {&c.settings, st.settings}, {&c.plans, st.plans}, {&c.storages, st.storages},
	} {
		*p.dst = map[int64]row{}
		for id, r := range p.src {
			(*p.dst)[id] = r.clone()
		}
	}
	return c
}

// colKind is how a column is stored.
type colKind int

const (
	cStr colKind = iota
	cInt         // an integer, or a foreign key's id
	cFloat
	cBool
	cTime
	cJSON // a JSON column: its stored text
)

// columns are the model columns of each table, with whether they are
// nullable; what the schema snapshots and models.py of Torrent Suite 5.18 say.
var columns = map[string]map[string]colKind{}
var nullable = map[string]map[string]bool{}

// modelOnly are the columns of a table that its resource does not expose
// as a field of the same kind (foreign keys exposed as URIs, hidden ones).
var modelOnly = map[string]map[string]colKind{
	"results":           {"experiment": cInt, "eas": cInt, "reportstorage": cInt, "parentResult": cInt},
	"experiment":        {"plan": cInt, "repResult": cInt},
	"plannedexperiment": {"latestEAS": cInt, "parentPlan": cInt, "applicationGroup": cInt, "sampleGrouping": cInt},
}

// notColumns are schema fields that are no model column: declared fields
// the resource computes, or copies from other rows.
var notColumns = map[string][]string{
	"results": {"filesystempath", "bamLink", "planShortID", "i18nstatus", "pluginState", "pluginStore", "pluginresults",
		"libmetrics", "tfmetrics", "analysismetrics", "qualitymetrics", "projects", "resource_uri", "experiment", "eas", "reportstorage"},
	"experiment": {"results", "runtype", "plan", "eas_set", "samples", "isProton", "sample", "resource_uri"},
	"plannedexperiment": {"project", "projects", "qcValues", "parentPlan", "childPlans", "experiment", "sampleSets",
		"applicationGroup", "sampleGrouping", "resource_uri"},
}

// planFromExperiment and planFromSettings are the plan fields
// PlannedExperimentResource.dehydrate copies from the plan's experiment
// and from its latest analysis settings (and that a write of the plan
// writes back there), by plan field and column.
var (
	planFromExperiment = map[string]string{"autoAnalyze": "autoAnalyze", "chipType": "chipType", "chipBarcode": "chipBarcode",
		"flows": "flows", "flowsInOrder": "flowsInOrder", "notes": "notes", "sequencekitname": "sequencekitname", "platform": "platform",
		"metaData": "metaData"}
	planFromSettings = map[string]string{"barcodedSamples": "barcodedSamples", "barcodeId": "barcodeKitName", "bedfile": "targetRegionBedFile",
		"endBarcodeKitName": "endBarcodeKitName", "forward3primeadapter": "threePrimeAdapter", "library": "reference", "libraryKey": "libraryKey",
		"tfKey": "tfKey", "librarykitname": "libraryKitName", "regionfile": "hotSpotRegionBedFile", "isDuplicateReads": "isDuplicateReads",
		"base_recalibration_mode": "base_recalibration_mode", "realign": "realign", "sseBedFile": "sseBedFile",
		"mixedTypeRNA_reference": "mixedTypeRNA_reference", "mixedTypeRNA_targetRegionBedFile": "mixedTypeRNA_targetRegionBedFile",
		"mixedTypeRNA_hotSpotRegionBedFile": "mixedTypeRNA_hotSpotRegionBedFile", "selectedPlugins": "selectedPlugins"}
	settingsArgs = []string{"alignmentargs", "analysisargs", "basecallerargs", "beadfindargs", "calibrateargs", "ionstatsargs",
		"prebasecallerargs", "prethumbnailbasecallerargs", "thumbnailalignmentargs", "thumbnailanalysisargs",
		"thumbnailbasecallerargs", "thumbnailbeadfindargs", "thumbnailcalibrateargs", "thumbnailionstatsargs"}
	tecFields = []string{"chipTecDfltAmbient", "chipTecSlope", "chipTecMinThreshold", "manTecDfltAmbient", "manTecSlope", "manTecMinThreshold"}
)

// settingsColumns are the columns of ExperimentAnalysisSettings that are
// not strings.
var settingsColumns = map[string]colKind{"experiment": cInt, "barcodedSamples": cJSON, "selectedPlugins": cJSON, "date": cTime,
	"isEditable": cBool, "isOneTimeOverride": cBool, "isDuplicateReads": cBool, "realign": cBool, "custom_args": cBool}

// runSchema is the part of an embedded schema the run resources read.
type runSchema struct {
	Fields map[string]struct {
		Type        string          `json:"type"`
		Nullable    bool            `json:"nullable"`
		ReadOnly    bool            `json:"readonly"`
		RelatedType string          `json:"related_type"`
		Default     json.RawMessage `json:"default"`
	} `json:"fields"`
}

func readRunSchema(name string) runSchema {
	var sc runSchema
	b, _ := schemas.ReadFile("schema/" + name + ".json")
	if err := json.Unmarshal(b, &sc); err != nil {
		panic("tsapitest: schema of " + name)
	}
	return sc
}

// defaults are each table's column defaults (the schema's, else the zero
// value of the column, or nil when it is nullable).
var defaults = map[string]row{}

func init() {
	for _, name := range []string{"results", "experiment", "plannedexperiment"} {
		sc := readRunSchema(name)
		cols, nulls, defs := map[string]colKind{}, map[string]bool{}, row{}
		for f, d := range sc.Fields {
			if slices.Contains(notColumns[name], f) {
				continue
			}
			copied := f != "metaData" && planFromExperiment[f] != "" || planFromSettings[f] != "" // metaData is a column too
			if name == "plannedexperiment" && (copied || d.ReadOnly) {
				continue
			}
			k := map[string]colKind{"integer": cInt, "float": cFloat, "boolean": cBool, "datetime": cTime}[d.Type]
			if f == "metaData" || f == "log" && name == "experiment" {
				k = cJSON
			}
			cols[f], nulls[f] = k, d.Nullable
			defs[f] = zeroOf(k, d.Nullable, d.Default)
		}
		for f, k := range modelOnly[name] {
			cols[f], nulls[f], defs[f] = k, true, nil
		}
		columns[name], nullable[name], defaults[name] = cols, nulls, defs
	}
	defaults["results"]["reportstorage"] = int64(1)
	defaults["results"]["reportStatus"] = "Nothing"
	defineRuns()
}

// zeroOf is a column's default: the schema's when it has one.
func zeroOf(k colKind, null bool, def json.RawMessage) any {
	var v any
	if json.Unmarshal(def, &v) == nil && v != "No default provided." && v != nil {
		if c, err := column(k, v); err == nil {
			return c
		}
	}
	if null {
		return nil
	}
	return map[colKind]any{cStr: "", cInt: int64(0), cFloat: 0.0, cBool: false, cTime: time.Time{}, cJSON: ""}[k]
}

// column converts a Go or decoded JSON value into a column of kind k.
func column(k colKind, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch k {
	case cInt:
		switch x := v.(type) {
		case int:
			return int64(x), nil
		case int64:
			return x, nil
		case float64:
			return int64(x), nil
		case json.Number:
			if n, ok := intValue(x); ok {
				return n, nil
			}
		case string:
			if n, err := pyInt(x); err == nil {
				return n, nil
			}
		}
	case cFloat:
		switch x := v.(type) {
		case int:
			return float64(x), nil
		case int64:
			return float64(x), nil
		case float64:
			return x, nil
		case json.Number:
			if f, err := x.Float64(); err == nil {
				return f, nil
			}
		case string:
			if f, err := strconv.ParseFloat(strings.TrimSpace(x), 64); err == nil {
				return f, nil
			}
		}
	case cBool:
		if b, ok := v.(bool); ok {
			return b, nil
		}
	case cTime:
		switch x := v.(type) {
		case time.Time:
			return x.UTC().Truncate(time.Microsecond), nil
		case string:
			if t, ok := parseTime(x); ok {
				return t.Truncate(time.Microsecond), nil
			}
			if t, err := time.Parse(time.RFC3339Nano, x); err == nil {
				return t.UTC().Truncate(time.Microsecond), nil
			}
		}
	case cJSON:
		b, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		if text, ok := stored(b); ok {
			return text, nil
		}
	default:
		if s, ok := v.(string); ok {
			return s, nil
		}
		return pyStr(v), nil
	}
	return nil, fmt.Errorf("tsapitest: %v is not a value for this column", v)
}

// newRow builds a row from fields, the others taking the table's defaults.
func newRow(table string, kinds map[string]colKind, defs row, fields map[string]any) row {
	r := defs.clone()
	for f, v := range fields {
		k, ok := kinds[f]
		if !ok {
			panic(fmt.Sprintf("tsapitest: %s has no column %q", table, f))
		}
		c, err := column(k, v)
		if err != nil {
			panic(fmt.Sprintf("tsapitest: %s.%s: %v", table, f, err))
		}
		r[f] = c
	}
	return r
}

// settingsKinds are the analysis settings' column kinds, strings unless
// settingsColumns says.
func settingsKinds(fields map[string]any) map[string]colKind {
	kinds := map[string]colKind{}
	for f := range fields {
		kinds[f] = settingsColumns[f]
	}
	return kinds
}

// AddExperiment adds a sequencing run and returns its id. fields holds
// columns by their Torrent Suite name ("expName", "chipType", "log", "plan"
// as a plan's id, ...); the others take the model's defaults. It panics on
// an unknown column, a value of the wrong type, or an id that is taken.
func (s *Server) AddExperiment(fields map[string]any) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addRow("experiment", s.runs.exps, fields)
}

// AddPlan adds a plan (a plannedexperiment) and returns its id. The plan's
// run is the experiment whose "plan" column names it; "latestEAS" names
// the analysis settings its fields are read from. It panics as
// AddExperiment does.
func (s *Server) AddPlan(fields map[string]any) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addRow("plannedexperiment", s.runs.plans, fields)
}

// AddAnalysisSettings adds an experiment's analysis settings (served
// nested in the experiment's eas_set) and returns their id. fields holds
// the ExperimentAnalysisSettings columns, "experiment" the experiment's id.
func (s *Server) AddAnalysisSettings(fields map[string]any) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	kinds := settingsKinds(fields)
	id, _ := column(cInt, fields["id"])
	n, _ := id.(int64)
	n = s.allocID("analysissettings", n, s.runs.settings[n] != nil)
	r := newRow("analysissettings", kinds, row{}, fields)
	r["id"] = n
	s.runs.settings[n] = r
	return n
}

// SetResultFields sets columns of result id beyond Result's ("experiment"
// and "eas" as ids, "metaData", "diskusage", "representative", ...). It
// reports whether the result exists, and panics as AddExperiment does.
func (s *Server) SetResultFields(id int64, fields map[string]any) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.results[id] == nil {
		return false
	}
	r := s.runs.results[id]
	if r == nil {
		r = row{}
	}
	for f, v := range newRow("results", columns["results"], row{}, fields) {
		r[f] = v
	}
	s.runs.results[id] = r
	return true
}

func (s *Server) addRow(table string, rows map[int64]row, fields map[string]any) int64 {
	r := newRow(table, columns[table], defaults[table], fields)
	n, _ := r["id"].(int64)
	n = s.allocID(table, n, rows[n] != nil)
	r["id"] = n
	rows[n] = r
	return n
}

// exported copies a row for a caller: JSON columns as maps, times as they
// are.
func exported(r row, kinds map[string]colKind) map[string]any {
	out := map[string]any{}
	for f, v := range r {
		if kinds[f] == cJSON {
			if text, ok := v.(string); ok {
				out[f] = goMap(text)
				continue
			}
		}
		out[f] = v
	}
	return out
}

// Experiment returns the stored columns of experiment id (JSON columns
// as maps), and whether it exists.
func (s *Server) Experiment(id int64) (map[string]any, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.runs.exps[id]
	return exported(r, columns["experiment"]), ok
}

// Plan returns the stored columns of plan id, and whether it exists.
func (s *Server) Plan(id int64) (map[string]any, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.runs.plans[id]
	return exported(r, columns["plannedexperiment"]), ok
}

// ResultFields returns the columns of result id beyond Result's, and
// whether the result exists.
func (s *Server) ResultFields(id int64) (map[string]any, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.results[id] == nil {
		return nil, false
	}
	return exported(s.resultRow(id), columns["results"]), true
}

// resultRow is every column of result id.
func (s *Server) resultRow(id int64) row {
	r := s.results[id]
	out := defaults["results"].clone()
	maps.Copy(out, s.runs.results[id])
	out["id"], out["resultsName"], out["reportLink"], out["status"], out["timeStamp"] = r.ID, r.Name, r.ReportLink, r.Status, r.TimeStamp
	return out
}

// loadRuns reads the seed's run data into the (new, unshared) server.
func (s *Server) loadRuns(b []byte) error {
	var f struct {
		Results          []map[string]any `json:"results"`
		Experiments      []map[string]any `json:"experiments"`
		AnalysisSettings []map[string]any `json:"analysissettings"`
		Plans            []map[string]any `json:"plans"`
		ReportStorages   []map[string]any `json:"reportstorages"`
	}
	if err := decodeJSON(b, &f); err != nil {
		return err
	}
	addAll(f.Experiments, s.AddExperiment)
	addAll(f.AnalysisSettings, s.AddAnalysisSettings)
	addAll(f.Plans, s.AddPlan)
	for _, st := range f.ReportStorages {
		id, _ := column(cInt, st["id"])
		s.runs.storages[id.(int64)] = row(st)
	}
	for _, r := range f.Results {
		extra := map[string]any{}
		for k, v := range r {
			if _, core := map[string]bool{"id": true, "resultsName": true, "reportLink": true, "status": true, "timeStamp": true}[k]; !core {
				extra[k] = v
			}
		}
		id, _ := column(cInt, r["id"])
		if len(extra) > 0 {
			s.SetResultFields(id.(int64), extra)
		}
	}
	return nil
}

// served writes a column as tastypie sends it.
func servedColumn(k colKind, v any) any {
	switch {
	case v == nil:
		return nil
	case k == cJSON:
		return served(v.(string))
	case k == cTime:
		if t, ok := v.(time.Time); ok {
			return apiTime(t)
		}
	}
	return v
}

// uriOrNil is a foreign key's URI, or nil.
func uriOrNil(res string, id any) any {
	if n, ok := id.(int64); ok {
		return uri(res, n)
	}
	return nil
}

func uris(res string, ids []int64) []any {
	out := []any{}
	for _, id := range ids {
		out = append(out, uri(res, id))
	}
	return out
}

// rowsWhere are the ids of rows whose column col is id, ascending.
func rowsWhere(rows map[int64]row, col string, id int64) []int64 {
	var out []int64
	for _, rid := range sortedIDs(rows) {
		if rows[rid][col] == id {
			out = append(out, rid)
		}
	}
	return out
}

// resultsWhere are the ids of the results whose column col (experiment,
// eas) is id, ascending.
func (s *Server) resultsWhere(col string, id int64) []int64 {
	var out []int64
	for _, rid := range sortedIDs(s.results) {
		if s.resultRow(rid)[col] == id {
			out = append(out, rid)
		}
	}
	return out
}

// prsOf are the plugin results of result id, newest first (PluginResult's
// Meta ordering).
func (s *Server) prsOf(result int64) []int64 {
	var out []int64
	for _, id := range sortedIDs(s.prs) {
		if s.prs[id].result == result {
			out = append(out, id)
		}
	}
	slices.Reverse(out)
	return out
}

// i18nStates are the states Torrent Suite's Results.i18nstatus gives the
// usual analysis statuses; the fake does not translate, the i18n text is the
// status.
var i18nStates = map[string]string{"Completed": "Completed", "Error": "Error", "ERROR": "Error", "Checksum Error": "Error",
	"CoreDump": "Error", "Pending": "Other", "Importing": "Other", "Moved": "Other", "TERMINATED": "Other",
	"No Live Beads": "Other", "PGM Operation Error": "Other", "Started": "Progress", "Beadfind": "Progress",
	"Signal Processing": "Progress", "Base Calling": "Progress", "Alignment": "Progress", "TF Processing": "Progress"}

// i18nStatus is Results.i18nstatus.
func i18nStatus(status string) any {
	state, ok := i18nStates[status]
	if !ok && strings.HasPrefix(status, "Completed with ") && strings.Contains(status, " error") {
		state, ok = "Error", true
	}
	if !ok {
		return map[string]any{status: map[string]any{"state": "Unknown", "i18n": "Unknown/Unsupported"}}
	}
	return map[string]any{"state": state, "i18n": status}
}

// dehydrateResult is ResultsResource's object, pluginState and pluginStore
// included (shapeResult drops them where the server does).
func (s *Server) dehydrateResult(id int64) map[string]any {
	r := s.resultRow(id)
	out := map[string]any{}
	for f, k := range columns["results"] {
		if _, only := modelOnly["results"][f]; !only {
			out[f] = servedColumn(k, r[f])
		}
	}
	out["resource_uri"] = uri("results", id)
	out["experiment"], out["eas"] = uriOrNil("experiment", r["experiment"]), uriOrNil("experimentanalysissettings", r["eas"])
	out["reportstorage"] = nil
	if st := s.runs.storages[asID(r["reportstorage"])]; st != nil {
		rs := map[string]any{"resource_uri": ""}
		maps.Copy(rs, st)
		out["reportstorage"] = rs
	}
	link := strings.Trim(r["reportLink"].(string), "/")
	out["filesystempath"] = path.Join("/results/analysis", link)
	out["bamLink"], out["planShortID"] = "False", ""
	if e := s.runs.exps[asID(r["experiment"])]; e != nil {
		out["bamLink"] = path.Join("/", link, "download_links", fmt.Sprintf("%s_%s.bam", e["expName"], r["resultsName"]))
		log := goMap(e["log"].(string))
		out["planShortID"] = cmp.Or(pyStrOr(log["planned_run_short_id"]), pyStrOr(log["pending_run_short_id"]))
	}
	out["i18nstatus"] = i18nStatus(r["status"].(string))
	out["pluginresults"] = uris("pluginresult", s.prsOf(id))
	for _, f := range []string{"libmetrics", "tfmetrics", "analysismetrics", "qualitymetrics", "projects"} {
		out[f] = []any{}
	}
	state, store := map[string]any{}, map[string]any{}
	prs := s.prsOf(id)
	slices.Reverse(prs) // by id: the latest run of a plugin wins
	for _, pr := range prs {
		p := s.dehydratePR(pr)
		state[p["pluginName"].(string)] = p["state"]
		store[p["pluginName"].(string)] = p["store"]
	}
	out["pluginState"], out["pluginStore"] = state, store
	return out
}

// pyStrOr is a log value as text, "" for none.
func pyStrOr(v any) string {
	if v == nil {
		return ""
	}
	return pyStr(v)
}

func asID(v any) int64 {
	n, _ := v.(int64)
	return n
}

// toBoolean is Torrent Suite's toBoolean for a query parameter.
func toBoolean(v string) bool {
	return slices.Contains([]string{"1", "true", "yes", "on", "y", "t"}, strings.ToLower(strings.TrimSpace(v)))
}

// shapeResult is ResultsResource's dehydrate and alter_detail_data_to_serialize:
// pluginState and pluginStore come in a detail, and in a list with
// plugin=true; noplugin=true makes them {}, and drops them from a detail.
func shapeResult(c *call, obj map[string]any, detail bool) {
	if toBoolean(c.q.Get("noplugin")) {
		obj["pluginState"], obj["pluginStore"] = map[string]any{}, map[string]any{}
	}
	if !detail && !toBoolean(c.q.Get("plugin")) {
		delete(obj, "pluginState")
		delete(obj, "pluginStore")
	}
	if detail && c.q.Get("noplugin") != "" {
		delete(obj, "pluginState")
		delete(obj, "pluginStore")
	}
}

// dehydrateSettings is ExperimentAnalysisSettingsResource's object, as
// nested in an experiment.
func (s *Server) dehydrateSettings(id int64) map[string]any {
	out := map[string]any{}
	for f, v := range s.runs.settings[id] {
		out[f] = servedColumn(settingsColumns[f], v)
	}
	out["experiment"] = uriOrNil("experiment", s.runs.settings[id]["experiment"])
	out["results"] = uris("results", s.resultsWhere("eas", id))
	out["resource_uri"] = uri("experimentanalysissettings", id)
	return out
}

// runtype is Experiment.runtype(): the log's runtype, else GENS.
func runtype(e row) string {
	if rt := pyStrOr(goMap(e["log"].(string))["runtype"]); rt != "" {
		return rt
	}
	return "GENS"
}

// dehydrateExperiment is ExperimentResource's object.
func (s *Server) dehydrateExperiment(id int64) map[string]any {
	e := s.runs.exps[id]
	out := map[string]any{}
	for f, k := range columns["experiment"] {
		if _, only := modelOnly["experiment"][f]; !only {
			out[f] = servedColumn(k, e[f])
		}
	}
	out["resource_uri"] = uri("experiment", id)
	out["plan"] = uriOrNil("plannedexperiment", e["plan"])
	out["results"] = uris("results", s.resultsWhere("experiment", id))
	sets := []any{}
	for _, sid := range rowsWhere(s.runs.settings, "experiment", id) {
		sets = append(sets, s.dehydrateSettings(sid))
	}
	out["eas_set"], out["samples"], out["sample"] = sets, []any{}, ""
	out["runtype"] = runtype(e)
	out["isProton"] = "False" // Chip.instrumentType; the fake's only proton chips are the P ones
	if strings.HasPrefix(e["chipType"].(string), "P") {
		out["isProton"] = "True"
	}
	return out
}

// planRun is the experiment of plan id (the one whose plan is it), and
// the plan's analysis settings: its latestEAS, else the experiment's
// latest.
func (s *Server) planRun(id int64) (exp, eas row) {
	for _, eid := range sortedIDs(s.runs.exps) {
		if s.runs.exps[eid]["plan"] == id {
			exp = s.runs.exps[eid]
		}
	}
	if n := asID(s.runs.plans[id]["latestEAS"]); s.runs.settings[n] != nil {
		return exp, s.runs.settings[n]
	}
	if exp != nil {
		if ids := rowsWhere(s.runs.settings, "experiment", exp["id"].(int64)); len(ids) > 0 {
			eas = s.runs.settings[ids[len(ids)-1]]
		}
	}
	return exp, eas
}

// dehydratePlan is PlannedExperimentResource's object: the plan's columns,
// and the fields it copies from its experiment and analysis settings.
func (s *Server) dehydratePlan(id int64) map[string]any {
	p := s.runs.plans[id]
	out := map[string]any{}
	for f, k := range columns["plannedexperiment"] {
		if _, only := modelOnly["plannedexperiment"][f]; !only {
			out[f] = servedColumn(k, p[f])
		}
	}
	out["resource_uri"] = uri("plannedexperiment", id)
	out["project"], out["projects"], out["qcValues"], out["sampleSets"], out["childPlans"] = "", []any{}, []any{}, []any{}, []any{}
	out["parentPlan"] = nil // a CharField without attribute: always its default
	out["applicationGroup"], out["sampleGrouping"] = uriOrNil("applicationgroup", p["applicationGroup"]), uriOrNil("samplegrouptype_cv", p["sampleGrouping"])
	for _, f := range []string{"reverse3primeadapter", "reverselibrarykey", "variantfrequency", "libraryPrepType", "libraryPrepTypeDisplayedName",
		"sampleSetDisplayedName", "applicationGroupDisplayedName", "applicationCategoryDisplayedName", "sampleGroupingName"} {
		out[f] = ""
	}
	out["earlyDatFileDeletion"], out["chefInfo"], out["experiment"] = false, map[string]any{}, nil
	exp, eas := s.planRun(id)
	if exp == nil {
		return out
	}
	out["experiment"] = uri("experiment", exp["id"].(int64))
	for f, col := range planFromExperiment {
		out[f] = servedColumn(columns["experiment"][col], exp[col])
	}
	for _, f := range tecFields {
		out[f] = exp[f]
	}
	for f, col := range planFromSettings {
		out[f] = ""
		if eas != nil {
			out[f] = servedColumn(settingsColumns[col], eas[col])
		}
	}
	for _, f := range settingsArgs {
		out[f] = ""
		if eas != nil {
			out[f] = eas[f]
		}
	}
	out["custom_args"], out["isDuplicateReads"], out["realign"], out["base_recalibration_mode"] = "", false, false, "no_recal"
	if eas != nil {
		out["custom_args"], out["isDuplicateReads"], out["realign"], out["base_recalibration_mode"] = eas["custom_args"], eas["isDuplicateReads"], eas["realign"], eas["base_recalibration_mode"]
		var plugins map[string]map[string]any
		_ = json.Unmarshal([]byte(cmp.Or(eas["selectedPlugins"].(string), "{}")), &plugins)
		if input, ok := plugins["variantCaller"]["userInput"].(map[string]any); ok {
			out["variantfrequency"] = cmp.Or(pyStrOr(input["variationtype"]), "")
		}
	}
	out["sample"], out["sampleDisplayedName"] = "", ""
	if exp["chefInstrumentName"] != "" {
		chef := map[string]any{}
		for f, k := range columns["experiment"] {
			if strings.HasPrefix(f, "chef") {
				chef[f] = servedColumn(k, exp[f])
			}
		}
		out["chefInfo"] = chef
	}
	return out
}

// relatedRows is a run resource's to-one and to-many relations: the ids a
// field points to.
func (s *Server) relatedRows(res string, id int64, f string) []int64 {
	one := func(v any) []int64 {
		if n, ok := v.(int64); ok {
			return []int64{n}
		}
		return nil
	}
	switch res + "." + f {
	case "results.experiment", "results.eas", "results.reportstorage":
		return one(s.resultRow(id)[f])
	case "experiment.plan":
		return one(s.runs.exps[id]["plan"])
	case "experiment.eas_set":
		return rowsWhere(s.runs.settings, "experiment", id)
	case "plannedexperiment.experiment":
		exp, _ := s.planRun(id)
		if exp != nil {
			return []int64{exp["id"].(int64)}
		}
	case "plannedexperiment.applicationGroup", "plannedexperiment.sampleGrouping":
		return one(s.runs.plans[id][f])
	}
	return nil
}

// noAttribute are the fields declared without an attribute that are in
// their resource's filtering and ordering: tastypie refuses both (400).
var noAttribute = map[string]bool{"plannedexperiment.parentPlan": true}

// toMany are the to-many fields of the run resources.
var toMany = map[string][]string{
	"results":           {"analysismetrics", "libmetrics", "qualitymetrics", "tfmetrics", "projects", "pluginresults"},
	"experiment":        {"eas_set", "samples", "results"},
	"plannedexperiment": {"projects", "qcValues", "sampleSets"},
}

// runRows filters a run resource as Django's JOIN does: an object comes
// once per related row matching a condition on a to-many field (once, with
// NULLs, when it has none).
func runRows(name string) func(s *Server, ids []int64, conds []cond) []int64 {
	return func(s *Server, ids []int64, conds []cond) []int64 {
		res := resources[name]
		many := ""
		for _, c := range conds {
			if slices.Contains(toMany[name], c.path[0]) {
				many = c.path[0]
				break
			}
		}
		var out []int64
		for _, id := range ids {
			joined := []int64{-1}
			if many != "" {
				if joined = s.relatedRows(name, id, many); len(joined) == 0 {
					joined = []int64{0}
				}
			}
			for _, rid := range joined {
				if !slices.ContainsFunc(conds, func(c cond) bool {
					var v any
					switch {
					case c.path[0] != many:
						v = res.pathValue(s, id, c.path)
					case rid != 0 && len(c.path) == 1:
						v = rid
					case rid != 0:
						v = resources[res.fields[many].target].value(s, rid, c.path[1])
					}
					return !c.pred(v)
				}) {
					out = append(out, id)
				}
			}
		}
		return out
	}
}

// runValue is a column's value for filters and ordering.
func (s *Server) runValue(name string, id int64, f string) any {
	switch name {
	case "results":
		return s.resultRow(id)[f]
	case "experiment":
		return s.runs.exps[id][f]
	case "plannedexperiment":
		if f == "experiment" {
			if ids := s.relatedRows(name, id, f); len(ids) > 0 {
				return ids[0]
			}
			return nil
		}
		return s.runs.plans[id][f]
	case "experimentanalysissettings":
		return s.runs.settings[id][f]
	}
	return nil
}

// fieldKinds are the filter kinds of a run resource's fields: columns by
// their kind, relations by the id they hold, the rest computed.
func fieldKinds(name string) map[string]field {
	targets := map[string]string{"experiment": "experiment", "eas": "experimentanalysissettings", "plan": "plannedexperiment",
		"eas_set": "experimentanalysissettings"}
	out := map[string]field{}
	for f, k := range columns[name] {
		out[f] = field{kind: map[colKind]fkind{cStr: kStr, cInt: kInt, cFloat: kFloat, cBool: kBool, cTime: kTime, cJSON: kStr}[k], target: targets[f]}
	}
	for _, f := range toMany[name] {
		out[f] = field{kind: kInt, target: targets[f]}
	}
	if name == "plannedexperiment" {
		out["experiment"] = field{kind: kInt, target: "experiment"}
	}
	delete(out, "repResult")
	delete(out, "latestEAS")
	delete(out, "parentResult")
	return out
}

// runResource is run resource name as the fake serves it: its rows, its
// JSON and its delete are its own; the columns, relations, filters and
// writes are every run resource's.
func runResource(name string, ids func(*Server) []int64, dehydrate func(*Server, int64) map[string]any, remove func(*Server, int64)) *resdef {
	return &resdef{name: name, served: true, ids: ids,
		value:     func(s *Server, id int64, f string) any { return s.runValue(name, id, f) },
		related:   func(s *Server, id int64, f string) []int64 { return s.relatedRows(name, id, f) },
		dehydrate: dehydrate,
		rows:      runRows(name),
		remove:    remove,
		writes:    map[string]func(*call) error{"detail PATCH": patchRun(name), "list PATCH": patchRunList(name)},
	}
}

func defineRuns() {
	results := runResource("results", func(s *Server) []int64 { return sortedIDs(s.results) }, (*Server).dehydrateResult, (*Server).removeResult)
	results.shape = shapeResult
	define(results, fieldKinds("results"))
	define(runResource("experiment", func(s *Server) []int64 { return sortedIDs(s.runs.exps) }, (*Server).dehydrateExperiment,
		func(s *Server, id int64) { delete(s.runs.exps, id) }), fieldKinds("experiment"))
	define(runResource("plannedexperiment", func(s *Server) []int64 { return sortedIDs(s.runs.plans) }, (*Server).dehydratePlan,
		func(s *Server, id int64) { delete(s.runs.plans, id) }), fieldKinds("plannedexperiment"))
	settingsFields := map[string]field{}
	for _, f := range append(append([]string{}, settingsArgs...), "status", "barcodeKitName", "endBarcodeKitName", "libraryKey", "tfKey",
		"libraryKitName", "reference", "targetRegionBedFile", "hotSpotRegionBedFile", "sseBedFile") {
		settingsFields[f] = field{kind: kStr}
	}
	settingsFields["id"], settingsFields["experiment"] = field{kind: kInt}, field{kind: kInt, target: "experiment"}
	define(&resdef{name: "experimentanalysissettings",
		value: func(s *Server, id int64, f string) any { return s.runValue("experimentanalysissettings", id, f) },
	}, settingsFields)
}

// removeResult is Results' delete: its plugin results and their jobs go
// with it (CASCADE).
func (s *Server) removeResult(id int64) {
	for _, pr := range s.prsOf(id) {
		for _, j := range s.jobsOf(pr) {
			delete(s.jobs, j)
		}
		delete(s.prs, pr)
	}
	delete(s.results, id)
	delete(s.runs.results, id)
}

// patchRun is patch_detail on a run resource: the body merged into the
// object as the server shows it, written (202; the object in the answer
// where the resource has always_return_data).
func patchRun(name string) func(c *call) error {
	return func(c *call) error {
		id, data, err := c.detailWrite()
		if err != nil {
			return err
		}
		if !canWrite(c.user) {
			return emptyStatus(http.StatusUnauthorized)
		}
		restore := c.s.snapshotRuns()
		if err := c.s.writeRun(name, id, data); err != nil {
			restore()
			return err
		}
		if name == "results" {
			return emptyStatus(http.StatusAccepted)
		}
		return c.respond(http.StatusAccepted, c.res.dehydrate(c.s, id))
	}
}

// patchRunList is patch_list on a run resource: each object names the one
// it changes by resource_uri; deleted_objects are deleted. Atomic (202).
func patchRunList(name string) func(c *call) error {
	return func(c *call) error {
		objs, dels, err := c.patchListBody()
		if err != nil {
			return err
		}
		if !canWrite(c.user) {
			return emptyStatus(http.StatusUnauthorized)
		}
		restore := c.s.snapshotRuns()
		fail := func(err error) error { restore(); return err }
		for _, data := range objs {
			id, err := c.runByURI(name, data["resource_uri"])
			if err != nil {
				return fail(err)
			}
			if id == 0 {
				return fail(canned500()) // creating a run object is not modelled
			}
			if err := c.s.writeRun(name, id, data); err != nil {
				return fail(err)
			}
		}
		for _, u := range dels {
			id, err := c.runByURI(name, u)
			if err != nil || id == 0 {
				return fail(cmp.Or(err, canned(http.StatusNotFound)))
			}
			c.res.remove(c.s, id)
		}
		return emptyStatus(http.StatusAccepted)
	}
}

// runByURI is get_via_uri: the id, or 0 when absent or missing.
func (c *call) runByURI(name string, raw json.RawMessage) (int64, error) {
	u, ok := anyOf(raw).(string)
	_, pk, found := strings.Cut(u, APIPath+name+"/")
	id, err := pyInt(strings.TrimSuffix(pk, "/"))
	switch {
	case raw == nil:
		return 0, nil
	case !ok:
		return 0, canned500()
	case !found || !strings.HasSuffix(u, "/") || err != nil:
		return 0, canned(http.StatusNotFound)
	}
	if _, found := slices.BinarySearch(c.res.ids(c.s), id); !found {
		return 0, nil
	}
	return id, nil
}

// snapshotRuns copies the run rows and results, to make a write atomic.
func (s *Server) snapshotRuns() (restore func()) {
	runs := s.runs.clone()
	results := map[int64]*Result{}
	for id, r := range s.results {
		c := *r
		results[id] = &c
	}
	restore2 := s.snapshot()
	return func() { s.runs, s.results = runs, results; restore2() }
}

// writeRun applies a write's fields to object id as tastypie's
// full_hydrate and the model's save do: the body merged into the object as
// served (so every field goes through the hydration), read-only and
// computed fields ignored, a null for a non-nullable column ignored.
func (s *Server) writeRun(name string, id int64, data map[string]json.RawMessage) error {
	// The object as served, read back as JSON values (tastypie merges the
	// request into the dehydrated object).
	b, err := json.Marshal(s.resources(name).dehydrate(s, id))
	if err != nil {
		return err
	}
	merged, _ := anyOf(b).(map[string]any)
	for k, raw := range data {
		merged[k] = anyOf(raw)
	}
	switch name {
	case "experiment":
		// ExperimentResource.hydrate_runtype: the runtype is deleted from
		// the log of the request (a KeyError, 500, when that log is not
		// empty and has none), then set on the stored log. Without a log in
		// the request, the log of the request is the stored log itself:
		// the runtype comes back, and an empty log gains it. A log sent
		// replaces the stored one without it.
		if rt := merged["runtype"]; truthy(rt) {
			log, _ := merged["log"].(map[string]any)
			if truthy(log) {
				if _, has := log["runtype"]; !has {
					return canned500()
				}
				delete(log, "runtype")
			}
			if _, sent := data["log"]; !sent && log != nil {
				log["runtype"] = rt
			}
		}
		return s.hydrateRow("experiment", s.runs.exps[id], merged)
	case "results":
		r := s.resultRow(id)
		for f, uriName := range map[string]string{"experiment": "experiment", "eas": "experimentanalysissettings"} {
			merged[f] = idOfURI(merged[f], uriName)
		}
		delete(merged, "reportstorage") // nested in full: hydrated into the same storage
		if err := s.hydrateRow("results", r, merged); err != nil {
			return err
		}
		res := s.results[id]
		res.Name, res.ReportLink, res.Status = r["resultsName"].(string), r["reportLink"].(string), r["status"].(string)
		res.TimeStamp = r["timeStamp"].(time.Time)
		extra := r.clone()
		for _, f := range []string{"id", "resultsName", "reportLink", "status", "timeStamp"} {
			delete(extra, f)
		}
		s.runs.results[id] = extra
		return nil
	}
	p := s.runs.plans[id]
	if err := s.hydrateRow("plannedexperiment", p, merged); err != nil {
		return err
	}
	exp, eas := s.planRun(id)
	if exp != nil {
		sub := map[string]any{}
		for f, col := range planFromExperiment {
			if v, ok := merged[f]; ok {
				sub[col] = v
			}
		}
		if err := s.hydrateRow("experiment", exp, sub); err != nil {
			return err
		}
	}
	if eas != nil {
		for f, col := range planFromSettings {
			v, ok := merged[f]
			if !ok {
				continue
			}
			c, err := column(settingsColumns[col], v)
			if err != nil || c == nil && settingsColumns[col] != cStr {
				continue
			}
			eas[col] = c
		}
	}
	return nil
}

// resources returns the resource definition by name.
func (s *Server) resources(name string) *resdef { return resources[name] }

// idOfURI reads the id of a related URI (or passes an id or nil).
func idOfURI(v any, res string) any {
	u, ok := v.(string)
	if !ok {
		return v
	}
	if n, err := pyInt(path.Base(strings.TrimSuffix(u, "/"))); err == nil && strings.Contains(u, "/"+res+"/") {
		return n
	}
	return nil
}

// hydrateRow writes the writable columns of merged into r.
func (s *Server) hydrateRow(table string, r row, merged map[string]any) error {
	sc := readRunSchemaCached(table)
	for f, v := range merged {
		k, isCol := columns[table][f]
		if !isCol || f == "id" {
			continue
		}
		if d, inSchema := sc.Fields[f]; inSchema && d.ReadOnly {
			continue
		}
		if k == cTime {
			if str, ok := v.(string); ok && str != "" {
				if _, ok := parseTime(str); !ok {
					if _, err := time.Parse(time.RFC3339Nano, str); err != nil {
						return badRequest(fmt.Sprintf("Datetime provided to '%s' field doesn't appear to be a valid datetime string: '%s'", f, str))
					}
				}
			}
		}
		if u, isURI := v.(string); isURI && k == cInt && strings.HasPrefix(u, APIPath) {
			v = idOfURI(u, strings.Split(strings.TrimPrefix(u, APIPath), "/")[0]) // a related object: its id
		}
		if k == cJSON {
			if m, ok := v.(map[string]any); ok {
				text, _ := json.Marshal(m)
				v = decimals(string(text))
				r[f] = storedText(v.(string))
				continue
			}
		}
		c, err := column(k, v)
		switch {
		case err != nil:
			return canned500() // the database refuses the value
		case c == nil && !nullable[table][f]:
			continue // tastypie sets no None on a field that is not null
		}
		r[f] = c
	}
	return nil
}

// storedText is a JSON column's text for an object's JSON ("" for {}).
func storedText(text string) string {
	if text == "{}" {
		return ""
	}
	return text
}

var runSchemas = map[string]runSchema{}

func readRunSchemaCached(name string) runSchema {
	if sc, ok := runSchemas[name]; ok {
		return sc
	}
	return readRunSchema(name)
}

func init() {
	for _, n := range []string{"results", "experiment", "plannedexperiment"} {
		runSchemas[n] = readRunSchema(n)
	}
}
