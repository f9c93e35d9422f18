package tsapi_test

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tsapi-go/tsapi"
	"github.com/tsapi-go/tsapi/internal/cli/jobs"
	"github.com/tsapi-go/tsapi/internal/conformance"
	"github.com/tsapi-go/tsapi/tsapitest"
)

// The TestFieldSync tests keep the places that name a resource's fields in
// agreement: the read model and the write types, the fields CheckSchema
// knows, the schema snapshots, tsapitest's types and answers, the
// reference server's models, migrations and seed loader, the conformance
// seed, the tool's job records and bench's hand-written job. A field added
// to one place and not to another fails here, with a message naming the
// place that lacks it; CONTRIBUTING.md lists the places.
//
// The reference server's Python is read as text, not run: a model field is
// a line "    name = models.X(" (or "    name = JSONField(") at the first
// indentation of its class, a declared resource field a line
// "    name = fields.X(", a column of Results one of RESULTS_COLUMNS'
// "    ('name', lambda: models.X(" lines, a migration field a
// "('name', models.X(" line of a CreateModel or an AddField. A field made
// any other way (in a loop, by a mixin, split over lines differently) is
// not seen, and shows as missing from the reference server.

// checklist is where a mismatch message sends the reader.
const checklist = `see "Adding a field or a resource" in CONTRIBUTING.md`

// rundb is the reference server's Django app.
const rundb = "internal/tastypieserver/tsref/rundb/"

// fieldSet is a set of JSON field names.
type fieldSet map[string]bool

func setOf(names ...string) fieldSet {
	s := fieldSet{}
	for _, n := range names {
		s[n] = true
	}
	return s
}

func (s fieldSet) with(names ...string) fieldSet {
	out := maps.Clone(s)
	for _, n := range names {
		out[n] = true
	}
	return out
}

func (s fieldSet) without(names ...string) fieldSet {
	out := maps.Clone(s)
	for _, n := range names {
		delete(out, n)
	}
	return out
}

// sorted is the names of s in order.
func (s fieldSet) sorted() []string { return slices.Sorted(maps.Keys(s)) }

// minus is the sorted names of s that other lacks.
func (s fieldSet) minus(other fieldSet) []string {
	var out []string
	for n := range s {
		if !other[n] {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out
}

// sameFields reports every field one place has and the other lacks.
func sameFields(t *testing.T, placeA string, a fieldSet, placeB string, b fieldSet) {
	t.Helper()
	for _, f := range a.minus(b) {
		t.Errorf("%s lacks field %q (it is in %s); %s", placeB, f, placeA, checklist)
	}
	for _, f := range b.minus(a) {
		t.Errorf("%s lacks field %q (it is in %s); %s", placeA, f, placeB, checklist)
	}
}

// subsetFields reports every field of a that b lacks.
func subsetFields(t *testing.T, placeA string, a fieldSet, placeB string, b fieldSet) {
	t.Helper()
	for _, f := range a.minus(b) {
		t.Errorf("%s lacks field %q (it is in %s); %s", placeB, f, placeA, checklist)
	}
}

// tagNames is the names in the struct tag key of v's type (a struct),
// embedded structs included, without the options after a comma.
func tagNames(v any, key string) fieldSet {
	s := fieldSet{}
	var walk func(reflect.Type)
	walk = func(rt reflect.Type) {
		for i := range rt.NumField() {
			f := rt.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get(key), ",")
			switch {
			case f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct:
				walk(f.Type)
			case name != "" && name != "-" && f.IsExported():
				s[name] = true
			}
		}
	}
	walk(reflect.TypeOf(v))
	return s
}

// jsonFields is the JSON field names of v's type.
func jsonFields(v any) fieldSet { return tagNames(v, "json") }

// filterFields is the fields the url tags of list options v filter on:
// "plugin" for "plugin__name", "id" for "id__in".
func filterFields(v any) fieldSet {
	s := fieldSet{}
	for n := range tagNames(v, "url") {
		base, _, _ := strings.Cut(n, "__")
		s[base] = true
	}
	// The pagination and ordering of ListOptions are not filters.
	return s.without("limit", "offset", "order_by")
}

// snapshot is a schema file: the server's schema, and in schemas/ the
// facts the generator reads.
type snapshot struct {
	schema tsapi.Schema
	facts  map[string]struct {
		Computed bool   `json:"computed"`
		NoWrite  string `json:"nowrite"`
		Wire     string `json:"wire"`
	}
	extra map[string]struct {
		Optional bool `json:"optional"`
	}
}

func readSnapshot(t *testing.T, path string) snapshot {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	var s snapshot
	require.NoError(t, json.Unmarshal(b, &s.schema), path)
	var f struct {
		Facts map[string]struct {
			Computed bool   `json:"computed"`
			NoWrite  string `json:"nowrite"`
			Wire     string `json:"wire"`
		} `json:"_fields"`
		Extra map[string]struct {
			Optional bool `json:"optional"`
		} `json:"_extra_keys"`
	}
	require.NoError(t, json.Unmarshal(b, &f), path)
	s.facts, s.extra = f.Facts, f.Extra
	require.NotEmpty(t, s.schema.Fields, path)
	return s
}

func (s snapshot) fields() fieldSet { return setOf(slices.Collect(maps.Keys(s.schema.Fields))...) }

func (s snapshot) filtering() fieldSet {
	return setOf(slices.Collect(maps.Keys(s.schema.Filtering))...)
}

// writable is the fields the schema does not call read-only, less id
// (the URL names the object).
func (s snapshot) writable() fieldSet {
	out := fieldSet{}
	for n, f := range s.schema.Fields {
		if !f.ReadOnly && n != "id" {
			out[n] = true
		}
	}
	return out
}

// drifter is the part of every service that compares a schema with the
// fields the library knows.
type drifter interface {
	Drift(s *tsapi.Schema) *tsapi.SchemaDrift
}

// knownFields is the fields the library knows for a service's resource
// (its fields map): those Drift calls missing from a schema without
// fields.
func knownFields(t *testing.T, service any) fieldSet {
	t.Helper()
	d, ok := service.(drifter)
	require.True(t, ok, "%T has no Drift", service)
	return setOf(d.Drift(&tsapi.Schema{Fields: map[string]tsapi.SchemaField{}}).Missing...)
}

// checkTypes reports a field whose schema type the library's fields map
// does not agree with.
func checkTypes(t *testing.T, service any, snap snapshot, place string) {
	t.Helper()
	for _, c := range service.(drifter).Drift(&snap.schema).Retyped {
		t.Errorf("%s gives field %q the type %q, the schema snapshot %q; %s", place, c.Field, c.Library, c.Server, checklist)
	}
}

// fakeServer is a tsapitest server holding testdata/seed.json.
func fakeServer(t *testing.T) *tsapitest.Server {
	t.Helper()
	srv := tsapitest.New(t, tsapitest.WithoutAuth())
	require.NoError(t, srv.LoadSeedFile("testdata/seed.json"))
	return srv
}

// fakeGet is the status and body of GET path (under /rundb/api/v1/) on srv.
func fakeGet(t *testing.T, srv *tsapitest.Server, path string) (int, []byte) {
	t.Helper()
	resp, err := srv.HTTPClient().Get(srv.APIURL() + path)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, b
}

// fakeObject is the JSON object tsapitest answers GET path with.
func fakeObject(t *testing.T, srv *tsapitest.Server, path string) map[string]json.RawMessage {
	t.Helper()
	status, b := fakeGet(t, srv, path)
	require.Equal(t, http.StatusOK, status, "GET %s: %s", path, b)
	var obj map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(b, &obj), path)
	return obj
}

func keysOf[V any](m map[string]V) fieldSet { return setOf(slices.Collect(maps.Keys(m))...) }

// seedObjects is the objects of testdata/seed.json under key.
func seedObjects(t *testing.T, key string) []map[string]json.RawMessage {
	t.Helper()
	b, err := os.ReadFile("testdata/seed.json")
	require.NoError(t, err)
	var seed map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(b, &seed))
	var objs []map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(seed[key], &objs), "testdata/seed.json: %s", key)
	require.NotEmpty(t, objs, "testdata/seed.json has no %s", key)
	return objs
}

// seedKeys is every key the objects of testdata/seed.json under key have.
func seedKeys(t *testing.T, key string) fieldSet {
	t.Helper()
	out := fieldSet{}
	for _, o := range seedObjects(t, key) {
		maps.Copy(out, keysOf(o))
	}
	return out
}

// conformanceSeedFields is the JSON fields of the element type of the
// conformance.Seed list tagged key.
func conformanceSeedFields(t *testing.T, key string) fieldSet {
	t.Helper()
	rt := reflect.TypeFor[conformance.Seed]()
	for i := range rt.NumField() {
		f := rt.Field(i)
		if name, _, _ := strings.Cut(f.Tag.Get("json"), ","); name == key {
			return jsonFields(reflect.Zero(f.Type.Elem()).Interface())
		}
	}
	t.Fatalf("conformance.Seed (internal/conformance/seed.go) has no list %q; %s", key, checklist)
	return nil
}

// pySource is the text of a file of the reference server's app.
func pySource(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(rundb + name)
	require.NoError(t, err)
	return string(b)
}

var (
	pyClassStart   = regexp.MustCompile(`(?m)^class (\w+)\(.*\):\n`)
	pyModelField   = regexp.MustCompile(`(?m)^    (\w+) = (?:models\.)?(\w+Field|ForeignKey)\(`)
	pyDeclared     = regexp.MustCompile(`(?m)^    (\w+) = fields\.\w+\(`)
	pyResultsCol   = regexp.MustCompile(`(?m)^    \('(\w+)', lambda: (?:models\.)?(\w+Field|ForeignKey)\(`)
	pyCreateModel  = regexp.MustCompile(`(?s)migrations\.CreateModel\(\s*name='(\w+)',\s*fields=\[(.*?)\n {12}\]`)
	pyMigField     = regexp.MustCompile(`(?m)^\s*\('(\w+)', [\w.]+\(`)
	pyAddField     = regexp.MustCompile(`(?s)migrations\.AddField\(\s*model_name='(\w+)',\s*name='(\w+)'`)
	pyRelationKind = map[string]bool{"ForeignKey": true, "OneToOneField": true, "ManyToManyField": true}
)

// pyClass is the body of class name in src: its lines up to the next line
// at the first column.
func pyClass(t *testing.T, file, src, name string) string {
	t.Helper()
	for _, m := range pyClassStart.FindAllStringSubmatchIndex(src, -1) {
		if src[m[2]:m[3]] != name {
			continue
		}
		body := src[m[1]:]
		if end := regexp.MustCompile(`(?m)^\S`).FindStringIndex(body); end != nil {
			body = body[:end[0]]
		}
		return body
	}
	t.Fatalf("%s%s has no class %s; %s", rundb, file, name, checklist)
	return ""
}

// pyModel is the fields of Django model class name in file: every field
// with its kind ("CharField", "ForeignKey", ...).
func pyModel(t *testing.T, file, name string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, m := range pyModelField.FindAllStringSubmatch(pyClass(t, file, pySource(t, file), name), -1) {
		out[m[1]] = m[2]
	}
	return out
}

// exposed is the fields tastypie's ModelResource gives a model's resource:
// every field that is no relation, the fields its resource classes
// declare, id and resource_uri.
func exposed(model map[string]string, declared ...fieldSet) fieldSet {
	out := setOf("id", "resource_uri")
	for n, kind := range model {
		if !pyRelationKind[kind] {
			out[n] = true
		}
	}
	for _, d := range declared {
		maps.Copy(out, d)
	}
	return out
}

// pyDeclaredFields is the fields resource class name in file declares.
func pyDeclaredFields(t *testing.T, file, name string) fieldSet {
	t.Helper()
	out := fieldSet{}
	for _, m := range pyDeclared.FindAllStringSubmatch(pyClass(t, file, pySource(t, file), name), -1) {
		out[m[1]] = true
	}
	return out
}

// pyMigrations is the fields the reference server's migrations give each
// model (by lower-case model name).
func pyMigrations(t *testing.T) map[string]fieldSet {
	t.Helper()
	files, err := filepath.Glob(rundb + "migrations/0*.py")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	out := map[string]fieldSet{}
	add := func(model, field string) {
		model = strings.ToLower(model)
		if out[model] == nil {
			out[model] = fieldSet{}
		}
		out[model][field] = true
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		for _, m := range pyCreateModel.FindAllStringSubmatch(string(b), -1) {
			for _, fm := range pyMigField.FindAllStringSubmatch(m[2], -1) {
				add(m[1], fm[1])
			}
		}
		for _, m := range pyAddField.FindAllStringSubmatch(string(b), -1) {
			add(m[1], m[2])
		}
	}
	return out
}

// pySeedKeys is the keys seed.py reads from the objects of one kind: the
// var["key"] and var.get("key" in its text from start to end.
func pySeedKeys(t *testing.T, start, end, v string) fieldSet {
	t.Helper()
	src := pySource(t, "seed.py")
	i := strings.Index(src, start)
	require.GreaterOrEqual(t, i, 0, "%sseed.py has no %q", rundb, start)
	j := strings.Index(src[i:], end)
	require.GreaterOrEqual(t, j, 0, "%sseed.py has no %q after %q", rundb, end, start)
	re := regexp.MustCompile(`\b` + v + `(?:\["(\w+)"\]|\.get\("(\w+)")`)
	out := fieldSet{}
	for _, m := range re.FindAllStringSubmatch(src[i:i+j], -1) {
		out[m[1]+m[2]] = true
	}
	return out
}

// dbResource is a resource backed by one table of the reference server's
// models.py, which tsapitest stores in its own exported type.
type dbResource struct {
	name       string // the URL name
	model      any    // the read model
	modelPlace string
	service    func(*tsapi.Client) any
	knownPlace string // the library's fields map
	schema     string // tsapitest's schema
	fake       any    // tsapitest's type
	fakePlace  string
	detail     string // a seeded object's path
	seed       string // the key of its objects in seed.json and conformance.Seed
	pyModel    string // the model class in models.py
	pyResource string // the resource class in api.py
	seedStart  string // seed.py's loading of the objects: where it starts
	seedEnd    string // and ends
	seedVar    string // the variable holding one object there
}

// checkDBResource checks the places every table-backed resource has.
func checkDBResource(t *testing.T, r dbResource) (snapshot, fieldSet) {
	t.Helper()
	read := jsonFields(r.model)
	snap := readSnapshot(t, r.schema)
	sameFields(t, r.modelPlace, read, r.schema, snap.fields())

	client, err := tsapi.New("http://127.0.0.1:1")
	require.NoError(t, err)
	service := r.service(client)
	sameFields(t, r.modelPlace, read, r.knownPlace+", the fields CheckSchema knows", knownFields(t, service))
	checkTypes(t, service, snap, r.knownPlace)

	srv := fakeServer(t)
	served := fakeObject(t, srv, r.detail)
	sameFields(t, r.modelPlace, read, "tsapitest's answer to GET "+r.detail+" (tsapitest/resources.go)", keysOf(served))
	// A value the seed holds is served: a column tsapitest keeps but does
	// not read back would be null.
	seedObj := seedObjects(t, r.seed)[0]
	for k, v := range seedObj {
		if read[k] && string(v) != "null" && string(served[k]) == "null" {
			t.Errorf("tsapitest serves %q of %s as null although testdata/seed.json sets it (tsapitest/resources.go); %s", k, r.detail, checklist)
		}
	}

	model := pyModel(t, "models.py", r.pyModel)
	columns := setOf("id")
	for n := range model {
		columns[n] = true
	}
	modelPlace := "the reference server's model " + r.pyModel + " (" + rundb + "models.py)"
	sameFields(t, r.modelPlace, read, modelPlace+" with resource "+r.pyResource+" (api.py), id and resource_uri",
		exposed(model, pyDeclaredFields(t, "api.py", r.pyResource)))
	sameFields(t, modelPlace+" with id", columns, "the reference server's migrations of "+r.pyModel+" ("+rundb+"migrations/)",
		pyMigrations(t)[strings.ToLower(r.pyModel)])
	sameFields(t, modelPlace+" with id", columns, r.fakePlace, jsonFields(r.fake))
	sameFields(t, r.fakePlace, jsonFields(r.fake), "the "+r.seed+" of testdata/seed.json (internal/tastypieserver/gen_seed.py)", seedKeys(t, r.seed))
	sameFields(t, r.fakePlace, jsonFields(r.fake), "conformance.Seed's "+r.seed+" (internal/conformance/seed.go)", conformanceSeedFields(t, r.seed))
	sameFields(t, "the "+r.seed+" of testdata/seed.json", seedKeys(t, r.seed), "the "+r.seed+" "+rundb+"seed.py loads",
		pySeedKeys(t, r.seedStart, r.seedEnd, r.seedVar))

	// tsapitest filters on every column the resource exposes.
	for _, f := range columns.sorted() {
		if pyRelationKind[model[f]] && !read[f] {
			continue // a relation the resource does not declare: no filter
		}
		path := r.name + "/?limit=1&" + f + "__isnull=false"
		if status, b := fakeGet(t, srv, path); status != http.StatusOK {
			t.Errorf("tsapitest cannot filter on %q (GET %s: %d %s): add the column to its define in tsapitest/resources.go; %s", f, path, status, b, checklist)
		}
	}
	return snap, read
}

// checkFilters reports a typed filter of list options on a field the
// schema does not filter on.
func checkFilters(t *testing.T, opts any, place string, snap snapshot, schemaPlace string) {
	t.Helper()
	subsetFields(t, place, filterFields(opts), "the filtering of "+schemaPlace, snap.filtering())
}

func TestFieldSyncJob(t *testing.T) {
	snap, read := checkDBResource(t, dbResource{
		name:       "PluginResultJob",
		model:      tsapi.PluginResultJob{},
		modelPlace: "tsapi.PluginResultJob (pluginresultjob.go)",
		service:    func(c *tsapi.Client) any { return c.PluginResultJobs },
		knownPlace: "pluginResultJobFields (pluginresultjob.go)",
		schema:     "tsapitest/schema/PluginResultJob.json",
		fake:       tsapitest.Job{},
		fakePlace:  "tsapitest.Job (tsapitest/model.go)",
		detail:     "PluginResultJob/1/",
		seed:       "jobs",
		pyModel:    "PluginResultJob",
		pyResource: "PluginResultJobResource",
		seedStart:  "PluginResultJob.objects.bulk_create(",
		seedEnd:    `for j in seed["jobs"]`,
		seedVar:    "j",
	})
	// The library's own copy of the schema, which the conformance suite
	// compares with the servers'.
	sameFields(t, "tsapi.PluginResultJob (pluginresultjob.go)", read, "testdata/pluginresultjob_schema.json",
		readSnapshot(t, "testdata/pluginresultjob_schema.json").fields())

	var embedded []map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(fakeObject(t, fakeServer(t), "pluginresult/1/")["plugin_result_jobs"], &embedded))
	require.NotEmpty(t, embedded)
	sameFields(t, "tsapi.PluginResultJob (pluginresultjob.go)", read,
		"the jobs tsapitest embeds in GET pluginresult/1/ (tsapitest/resources.go)", keysOf(embedded[0]))

	// Every writable field is written by Create, Update and Patch; id is
	// named by the URL.
	writable := snap.writable()
	sameFields(t, "the writable fields of the job's schema (less id)", writable,
		"tsapi.PluginResultJobWrite (pluginresultjob.go)", jsonFields(tsapi.PluginResultJobWrite{}))
	sameFields(t, "the writable fields of the job's schema (less id)", writable,
		"tsapi.PluginResultJobPatch (pluginresultjob.go)", jsonFields(tsapi.PluginResultJobPatch{}))
	checkFilters(t, tsapi.PluginResultJobListOptions{}, "tsapi.PluginResultJobListOptions (pluginresultjob.go)", snap,
		"tsapitest/schema/PluginResultJob.json")

	// The tool prints every field but resource_uri (the id says it), the
	// duration it computes, and what the job belongs to (jobs.LinkFields,
	// which it reads from the job's plugin result, result and experiment).
	toolFields := read.without("resource_uri").with("duration").with(jobs.LinkFields...)
	sameFields(t, "tsapi.PluginResultJob (pluginresultjob.go), less resource_uri, with duration and jobs.LinkFields", toolFields,
		"jobs.Fields (internal/cli/jobs/shared.go)", setOf(jobs.Fields...))
	rec := jobs.Record(&tsapi.PluginResultJob{})
	sameFields(t, "jobs.Fields (internal/cli/jobs/shared.go)", setOf(jobs.Fields...),
		"jobs.Record (internal/cli/jobs/shared.go)", setOf(rec.Keys()...))

	sameFields(t, "tsapi.PluginResultJob (pluginresultjob.go)", read, "plainJob (bench/main.go)", goStructTags(t, "bench/main.go", "plainJob"))
}

// goStructTags is the JSON tags of struct type name in the Go file path,
// read from its source (for a package that cannot be imported).
func goStructTags(t *testing.T, path, name string) fieldSet {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.SkipObjectResolution)
	require.NoError(t, err)
	var out fieldSet
	ast.Inspect(f, func(n ast.Node) bool {
		ts, ok := n.(*ast.TypeSpec)
		if !ok || ts.Name.Name != name {
			return true
		}
		st, ok := ts.Type.(*ast.StructType)
		require.True(t, ok, "%s: %s is not a struct", path, name)
		out = fieldSet{}
		for _, fld := range st.Fields.List {
			if fld.Tag == nil {
				continue
			}
			tag, err := strconv.Unquote(fld.Tag.Value)
			require.NoError(t, err)
			if n, _, _ := strings.Cut(reflect.StructTag(tag).Get("json"), ","); n != "" && n != "-" {
				out[n] = true
			}
		}
		return false
	})
	require.NotNil(t, out, "%s has no type %s", path, name)
	return out
}

func TestFieldSyncPluginResult(t *testing.T) {
	snap, _ := checkDBResource(t, dbResource{
		name:       "pluginresult",
		model:      tsapi.PluginResult{},
		modelPlace: "tsapi.PluginResult (pluginresult.go)",
		service:    func(c *tsapi.Client) any { return c.PluginResults },
		knownPlace: "pluginResultFields (pluginresult.go)",
		schema:     "tsapitest/schema/pluginresult.json",
		fake:       tsapitest.PluginResult{},
		fakePlace:  "tsapitest.PluginResult (tsapitest/model.go)",
		detail:     "pluginresult/1/",
		seed:       "pluginresults",
		pyModel:    "PluginResult",
		pyResource: "PluginResultResource",
		seedStart:  "PluginResult.objects.bulk_create(",
		seedEnd:    `for pr in seed["pluginresults"]`,
		seedVar:    "pr",
	})
	// The patch writes every writable field but the key (never sent), the
	// relations the server keeps on an update (hydrate_result,
	// hydrate_plugin and hydrate_owner in api.py) and the jobs (tastypie
	// would replace them all).
	kept := []string{"apikey", "result", "plugin", "owner", "plugin_result_jobs"}
	sameFields(t, "the writable fields of the plugin result's schema (less id, "+strings.Join(kept, ", ")+")", snap.writable().without(kept...),
		"tsapi.PluginResultPatch (pluginresult.go)", jsonFields(tsapi.PluginResultPatch{}))
	checkFilters(t, tsapi.PluginResultListOptions{}, "tsapi.PluginResultListOptions (pluginresult.go)", snap,
		"tsapitest/schema/pluginresult.json")
}

func TestFieldSyncPlugin(t *testing.T) {
	snap, _ := checkDBResource(t, dbResource{
		name:       "plugin",
		model:      tsapi.Plugin{},
		modelPlace: "tsapi.Plugin (plugin.go)",
		service:    func(c *tsapi.Client) any { return c.Plugins },
		knownPlace: "pluginFields (plugin.go)",
		schema:     "tsapitest/schema/plugin.json",
		fake:       tsapitest.Plugin{},
		fakePlace:  "tsapitest.Plugin (tsapitest/model.go)",
		detail:     "plugin/1/",
		seed:       "plugins",
		pyModel:    "Plugin",
		pyResource: "PluginResource",
		seedStart:  `for p in seed["plugins"]:`,
		seedEnd:    "load_runs(seed)",
		seedVar:    "p",
	})
	checkFilters(t, tsapi.PluginListOptions{}, "tsapi.PluginListOptions (plugin.go)", snap, "tsapitest/schema/plugin.json")
}

// runResource is a resource generated from a snapshot in schemas/.
type runResource struct {
	name    string
	model   any // the generated read model
	patch   any // the generated patch type
	list    any // the generated list options
	service func(*tsapi.Client) any
	goFile  string
	// The reference server's model: its class, where it is declared, and
	// its fields; the fields its resource classes declare, and where.
	pyModel, pyModelPlace string
	pyFields              map[string]string
	declared              fieldSet
	declaredPlace         string
}

func TestFieldSyncRuns(t *testing.T) {
	results := pyModel(t, "models.py", "Results")
	for _, m := range pyResultsCol.FindAllStringSubmatch(pySource(t, "runs_models.py"), -1) {
		results[m[1]] = m[2]
	}
	for _, r := range []runResource{
		{
			name: "results", model: tsapi.Result{}, patch: tsapi.ResultPatch{}, list: tsapi.ResultListOptions{},
			service: func(c *tsapi.Client) any { return c.Results }, goFile: "results_gen.go",
			pyModel: "Results", pyModelPlace: "models.py, and RESULTS_COLUMNS in runs_models.py", pyFields: results,
			declared:      pyDeclaredFields(t, "api.py", "ResultsResource").with(pyDeclaredFields(t, "runs_api.py", "RunResultsResource").sorted()...),
			declaredPlace: "ResultsResource (api.py) and RunResultsResource (runs_api.py)",
		},
		{
			name: "experiment", model: tsapi.Experiment{}, patch: tsapi.ExperimentPatch{}, list: tsapi.ExperimentListOptions{},
			service: func(c *tsapi.Client) any { return c.Experiments }, goFile: "experiment_gen.go",
			pyModel: "Experiment", pyModelPlace: "runs_models.py", pyFields: pyModel(t, "runs_models.py", "Experiment"),
			declared: pyDeclaredFields(t, "runs_api.py", "ExperimentResource"), declaredPlace: "ExperimentResource (runs_api.py)",
		},
		{
			name: "plannedexperiment", model: tsapi.PlannedExperiment{}, patch: tsapi.PlannedExperimentPatch{}, list: tsapi.PlannedExperimentListOptions{},
			service: func(c *tsapi.Client) any { return c.PlannedExperiments }, goFile: "plannedexperiment_gen.go",
			pyModel: "PlannedExperiment", pyModelPlace: "runs_models.py", pyFields: pyModel(t, "runs_models.py", "PlannedExperiment"),
			declared: pyDeclaredFields(t, "runs_api.py", "PlannedExperimentResource"), declaredPlace: "PlannedExperimentResource (runs_api.py)",
		},
	} {
		t.Run(r.name, func(t *testing.T) { checkRunResource(t, r) })
	}
}

func checkRunResource(t *testing.T, r runResource) {
	snapPath := "schemas/" + r.name + ".json"
	snap := readSnapshot(t, snapPath)
	fields := snap.fields()

	// The generated code and tsapitest's copy of the schema follow the
	// snapshot; a difference means go generate was not run.
	modelPlace := reflect.TypeOf(r.model).String() + " (" + r.goFile + ", written by go generate)"
	sameFields(t, snapPath+" with its _extra_keys", fields.with(slices.Collect(maps.Keys(snap.extra))...), modelPlace, jsonFields(r.model))
	sameFields(t, snapPath, fields, "tsapitest/schema/"+r.name+".json (copied by go generate)", readSnapshot(t, "tsapitest/schema/"+r.name+".json").fields())
	client, err := tsapi.New("http://127.0.0.1:1")
	require.NoError(t, err)
	service := r.service(client)
	sameFields(t, snapPath, fields, "the fields map of "+r.goFile+" (written by go generate)", knownFields(t, service))
	checkTypes(t, service, snap, "the fields map of "+r.goFile)

	// The patch type holds the writable fields, but those the server
	// computes, those a write would lose (nowrite), and the relations
	// tastypie writes whole (lists of objects or URIs, nested objects).
	var write, mayWrite []string
	for n, f := range snap.schema.Fields {
		facts := snap.facts[n]
		if f.ReadOnly || facts.Computed || facts.NoWrite != "" || n == "id" || n == "resource_uri" {
			continue
		}
		mayWrite = append(mayWrite, n)
		whole := facts.Wire == "objects" || facts.Wire == "uris" || facts.Wire == "names" || facts.Wire == "object" && f.RelatedType != ""
		if !whole {
			write = append(write, n)
		}
	}
	patchPlace := reflect.TypeOf(r.patch).String() + " (" + r.goFile + ", written by go generate)"
	subsetFields(t, "the writable fields of "+snapPath, setOf(write...), patchPlace, jsonFields(r.patch))
	subsetFields(t, patchPlace, jsonFields(r.patch), "the writable fields of "+snapPath, setOf(mayWrite...))
	checkFilters(t, r.list, reflect.TypeOf(r.list).String()+" ("+r.goFile+")", snap, snapPath)

	// tsapitest serves every field of the schema and the extra keys.
	srv := fakeServer(t)
	status, b := fakeGet(t, srv, r.name+"/?limit=1")
	require.Equal(t, http.StatusOK, status, "%s", b)
	var page struct {
		Objects []struct {
			ResourceURI string `json:"resource_uri"`
		} `json:"objects"`
	}
	require.NoError(t, json.Unmarshal(b, &page))
	require.NotEmpty(t, page.Objects, "testdata/seed.json has no %s", r.name)
	detail := strings.TrimPrefix(page.Objects[0].ResourceURI, tsapitest.APIPath)
	served := keysOf(fakeObject(t, srv, detail))
	want := fields.with()
	for n, e := range snap.extra {
		if !e.Optional || served[n] {
			want[n] = true
		}
	}
	sameFields(t, snapPath+" with its _extra_keys", want, "tsapitest's answer to GET "+detail+" (tsapitest/runs.go)", served)

	// The reference server builds the schema from its models and resources.
	modelPlace = "the reference server's model " + r.pyModel + " (" + r.pyModelPlace + ")"
	sameFields(t, snapPath, fields, modelPlace+" with "+r.declaredPlace+", id and resource_uri", exposed(r.pyFields, r.declared))
	sameFields(t, modelPlace+" with id", setOf("id").with(slices.Collect(maps.Keys(r.pyFields))...),
		"the reference server's migrations of "+r.pyModel+" ("+rundb+"migrations/)", pyMigrations(t)[strings.ToLower(r.pyModel)])
}
