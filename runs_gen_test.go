package tsapi

import (
	"bytes"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tsapi-go/tsapi/internal/gen"
)

// snapshots reads every schema snapshot.
func snapshots(t *testing.T) map[string][]byte {
	t.Helper()
	paths, err := filepath.Glob("schemas/*.json")
	require.NoError(t, err)
	require.NotEmpty(t, paths)
	out := map[string][]byte{}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		require.NoError(t, err)
		out[strings.TrimSuffix(filepath.Base(p), ".json")] = b
	}
	return out
}

// TestGeneratedFilesAreUpToDate regenerates every snapshot into a temporary
// folder and fails when a checked-in file differs: run go generate.
func TestGeneratedFilesAreUpToDate(t *testing.T) {
	dir := t.TempDir()
	var snaps []*gen.Snapshot
	for _, name := range slices.Sorted(func(yield func(string) bool) {
		for n := range snapshots(t) {
			if !yield(n) {
				return
			}
		}
	}) {
		b := snapshots(t)[name]
		s, err := gen.Parse(name, "schemas/"+name+".json", b, nil)
		require.NoError(t, err)
		src, err := gen.Generate(s, "tsapi")
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, name+"_gen.go"), src, 0o644))
		served, err := gen.Served(b)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, name+".json"), served, 0o644))
		snaps = append(snaps, s)
		for file, want := range map[string][]byte{name + "_gen.go": src, "tsapitest/schema/" + name + ".json": served} {
			got, err := os.ReadFile(file)
			require.NoError(t, err)
			assert.True(t, bytes.Equal(want, got), "%s differs from what schemas/%s.json generates (regenerated in %s): run go generate", file, name, dir)
		}
	}
	src, err := gen.Services(snaps, "tsapi")
	require.NoError(t, err)
	got, err := os.ReadFile("services_gen.go")
	require.NoError(t, err)
	assert.Equal(t, string(src), string(got), "services_gen.go: run go generate")
}

// TestGeneratedAPIIsDocumentedAndTyped parses the generated files: every
// exported declaration, method and struct field has a doc comment, and no
// exported declaration uses any or interface{}.
func TestGeneratedAPIIsDocumentedAndTyped(t *testing.T) {
	files, err := filepath.Glob("*_gen.go")
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(files), 4)
	fset := token.NewFileSet()
	for _, file := range files {
		f, err := parser.ParseFile(fset, file, nil, parser.ParseComments)
		require.NoError(t, err)
		for _, decl := range f.Decls {
			switch d := decl.(type) {
			case *ast.FuncDecl:
				if d.Name.IsExported() {
					assert.NotNil(t, d.Doc, "%s: func %s has no doc comment", file, d.Name)
				}
			case *ast.GenDecl:
				for _, spec := range d.Specs {
					ts, ok := spec.(*ast.TypeSpec)
					if !ok || !ts.Name.IsExported() {
						continue
					}
					assert.NotNil(t, d.Doc, "%s: type %s has no doc comment", file, ts.Name)
					checkMembers(t, file, ts)
				}
			}
		}
	}
}

func checkMembers(t *testing.T, file string, ts *ast.TypeSpec) {
	var list []*ast.Field
	switch x := ts.Type.(type) {
	case *ast.StructType:
		list = x.Fields.List
	case *ast.InterfaceType:
		list = x.Methods.List
	}
	for _, f := range list {
		for _, n := range f.Names {
			if n.IsExported() {
				assert.NotNil(t, f.Doc, "%s: %s.%s has no doc comment", file, ts.Name, n)
			}
		}
		ast.Inspect(f.Type, func(node ast.Node) bool {
			switch x := node.(type) {
			case *ast.Ident:
				assert.NotEqual(t, "any", x.Name, "%s: %s uses any", file, ts.Name)
			case *ast.InterfaceType:
				assert.Fail(t, "interface{} in an exported type", "%s: %s", file, ts.Name)
			}
			return true
		})
	}
}

// sampleRoundTrip decodes raw into a T, with every key known, and returns
// it encoded again.
func sampleRoundTrip[T any](t *testing.T, raw []byte) (*T, []byte) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	v := new(T)
	require.NoError(t, dec.Decode(v))
	out, err := json.Marshal(v)
	require.NoError(t, err)
	return v, out
}

// normalized decodes JSON for comparison, datetimes (the keys named in
// times) turned into instants.
func normalized(t *testing.T, b []byte, times []string) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	for _, k := range times {
		if s, ok := m[k].(string); ok {
			tm, err := ParseTime(s)
			require.NoError(t, err, k)
			m[k] = tm.UTC().Format(time.RFC3339Nano)
		}
	}
	return m
}

func timeFields(schema []byte) []string {
	var s struct {
		Fields map[string]struct{ Type string } `json:"fields"`
	}
	_ = json.Unmarshal(schema, &s)
	var out []string
	for n, f := range s.Fields {
		if f.Type == "datetime" {
			out = append(out, n)
		}
	}
	return out
}

// TestGeneratedModelsDecodeTheSamplesExactly decodes the example object of
// each resource's API reference (the snapshot's _sample) with every key
// known, and checks that it encodes back to the same JSON: URIs, nested
// objects, JSON objects and numbers unchanged, datetimes the same instants.
func TestGeneratedModelsDecodeTheSamplesExactly(t *testing.T) {
	snaps := snapshots(t)
	for name, check := range map[string]func(raw []byte) ([]byte, any){
		"results": func(raw []byte) ([]byte, any) { v, b := sampleRoundTrip[Result](t, raw); return b, v },
		"experiment": func(raw []byte) ([]byte, any) {
			v, b := sampleRoundTrip[Experiment](t, raw)
			return b, v
		},
		"plannedexperiment": func(raw []byte) ([]byte, any) {
			v, b := sampleRoundTrip[PlannedExperiment](t, raw)
			return b, v
		},
	} {
		t.Run(name, func(t *testing.T) {
			var snap struct {
				Sample json.RawMessage `json:"_sample"`
			}
			require.NoError(t, json.Unmarshal(snaps[name], &snap))
			require.NotEmpty(t, snap.Sample)
			out, _ := check(snap.Sample)
			times := timeFields(snaps[name])
			want, got := normalized(t, snap.Sample, times), normalized(t, out, times)
			for k, v := range got {
				if _, sent := want[k]; !sent && v == nil {
					delete(got, k) // a 5.18 field the 5.12 sample lacks
				}
			}
			assert.Equal(t, want, got)
		})
	}
}

// TestGeneratedModelsReadWhatTheSamplesSay spot-checks decoded values of the
// quirks: URIs, nested objects, dicts in string fields, the server's
// milliseconds, numbers sent as strings.
func TestGeneratedModelsReadWhatTheSamplesSay(t *testing.T) {
	snaps := snapshots(t)
	sample := func(name string) []byte {
		var snap struct {
			Sample json.RawMessage `json:"_sample"`
		}
		require.NoError(t, json.Unmarshal(snaps[name], &snap))
		return snap.Sample
	}
	r, _ := sampleRoundTrip[Result](t, sample("results"))
	id, err := r.ExperimentID()
	require.NoError(t, err)
	assert.Equal(t, int64(124), id)
	state, ok := r.I18nStatus.GetString("state")
	assert.True(t, ok)
	assert.Equal(t, "Other", state)
	dir, _ := r.ReportStorage.GetString("dirPath")
	assert.Equal(t, "/results/analysis/output", dir)
	assert.Equal(t, 577*time.Millisecond, time.Duration(r.TimeStamp.Nanosecond()), "the server writes milliseconds into the microsecond digits")
	assert.Equal(t, ConfigUnset, r.PluginState.Form(), "a list object has no pluginState")
	assert.Equal(t, []string{"/rundb/api/v1/project/1/"}, r.Projects)

	e, _ := sampleRoundTrip[Experiment](t, sample("experiment"))
	plan, err := e.PlanID()
	require.NoError(t, err)
	assert.Equal(t, int64(170), plan)
	require.Len(t, e.EASSet, 1)
	ref, _ := e.EASSet[0].GetString("libraryKitName")
	assert.Equal(t, "Ion AmpliSeq Library Kit Plus", ref)
	assert.Nil(t, e.ChefEndTime)
	assert.Nil(t, e.ChipTecSlope, "a 5.18 field the 5.12 sample lacks stays nil")
	assert.Equal(t, "False", e.IsProton)

	p, _ := sampleRoundTrip[PlannedExperiment](t, sample("plannedexperiment"))
	exp, err := p.ExperimentID()
	require.NoError(t, err)
	assert.Equal(t, int64(163), exp)
	assert.Len(t, p.QCValues, 3)
	assert.Nil(t, p.Cycles)
	assert.Equal(t, json.RawMessage("false"), p.CustomArgs)

	// Numbers sent as strings, and nulls where numbers are nullable.
	var x Experiment
	require.NoError(t, json.Unmarshal([]byte(`{"id": "163", "flows": "500", "chefProgress": "12.5", "diskusage": null, "chipTecSlope": "0.25"}`), &x))
	assert.Equal(t, int64(163), x.ID)
	assert.Equal(t, int64(500), x.Flows)
	assert.InDelta(t, 12.5, x.ChefProgress, 0)
	assert.Nil(t, x.DiskUsage)
	require.NotNil(t, x.ChipTecSlope)
	assert.InDelta(t, 0.25, *x.ChipTecSlope, 0)
	err = json.Unmarshal([]byte(`{"flows": "many"}`), &x)
	assert.ErrorContains(t, err, "experiment flows")
	err = json.Unmarshal([]byte(`{"flows": 1.5}`), &x)
	assert.ErrorContains(t, err, "want an integer")
}

// TestToPatchSendsEveryWritableFieldUnchanged checks that a read object's
// patch carries every writable field with the value read, and no read-only,
// computed or nested field.
func TestToPatchSendsEveryWritableFieldUnchanged(t *testing.T) {
	snaps := snapshots(t)
	for name, patchOf := range map[string]func(raw []byte) []byte{
		"results": func(raw []byte) []byte {
			v, _ := sampleRoundTrip[Result](t, raw)
			b, err := json.Marshal(v.ToPatch())
			require.NoError(t, err)
			return b
		},
		"experiment": func(raw []byte) []byte {
			v, _ := sampleRoundTrip[Experiment](t, raw)
			b, err := json.Marshal(v.ToPatch())
			require.NoError(t, err)
			return b
		},
		"plannedexperiment": func(raw []byte) []byte {
			v, _ := sampleRoundTrip[PlannedExperiment](t, raw)
			b, err := json.Marshal(v.ToPatch())
			require.NoError(t, err)
			return b
		},
	} {
		t.Run(name, func(t *testing.T) {
			var snap struct {
				Sample json.RawMessage `json:"_sample"`
				Fields map[string]struct {
					ReadOnly bool   `json:"readonly"`
					Type     string `json:"type"`
					Related  string `json:"related_type"`
				} `json:"fields"`
				Facts map[string]struct {
					Wire     string `json:"wire"`
					Computed bool   `json:"computed"`
					NoWrite  string `json:"nowrite"`
				} `json:"_fields"`
			}
			require.NoError(t, json.Unmarshal(snaps[name], &snap))
			times := timeFields(snaps[name])
			sample := normalized(t, snap.Sample, times)
			patch := normalized(t, patchOf(snap.Sample), times)
			for field, f := range snap.Fields {
				facts := snap.Facts[field]
				toMany := f.Related == "to_many" || slices.Contains([]string{"objects", "uris", "names"}, facts.Wire)
				nested := f.Type == "related" && facts.Wire == "object"
				skip := f.ReadOnly || facts.Computed || facts.NoWrite != "" || toMany || nested || field == "id" || field == "resource_uri"
				if skip {
					assert.NotContains(t, patch, field, "%s must not be written back", field)
					continue
				}
				if _, inSample := sample[field]; !inSample {
					continue
				}
				assert.Contains(t, patch, field)
				assert.Equal(t, sample[field], patch[field], field)
			}
		})
	}
}

// everyOption sets every typed filter of an options struct to a value of
// its type and returns the parameter names.
func everyOption(t *testing.T, opts any) []string {
	t.Helper()
	v := reflect.ValueOf(opts).Elem()
	var params []string
	for i := range v.NumField() {
		f, sf := v.Field(i), v.Type().Field(i)
		if sf.Anonymous {
			continue
		}
		params = append(params, strings.Split(sf.Tag.Get("url"), ",")[0])
		switch x := f.Addr().Interface().(type) {
		case *string:
			*x = "a"
		case *[]string:
			*x = []string{"a", "b"}
		case **int64:
			*x = Ptr(int64(3))
		case *[]int64:
			*x = []int64{1, 2}
		case **float64:
			*x = Ptr(1.5)
		case **bool:
			*x = Ptr(true)
		case **time.Time:
			*x = Ptr(time.Date(2024, 5, 1, 10, 0, 0, 123456000, time.UTC))
		default:
			t.Fatalf("option %s has type %s", sf.Name, sf.Type)
		}
	}
	return params
}

// TestEveryTypedFilterIsAllowed sets every typed filter of each generated
// list options at once and checks that the library sends each, both before
// the schema is fetched (against the spec) and after (against the schema
// as the server answers it), that datetimes go to the microsecond, and
// that every filter the schema allows on a field has a typed option.
func TestEveryTypedFilterIsAllowed(t *testing.T) {
	c, err := New("https://ts.example.org")
	require.NoError(t, err)
	check := func(name, timeParam string, query func() (url.Values, error), setSchema func(*Schema), params []string) {
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile("tsapitest/schema/" + name + ".json")
			require.NoError(t, err)
			var s Schema
			require.NoError(t, json.Unmarshal(b, &s))
			for _, stage := range []string{"spec", "schema"} {
				q, err := query()
				require.NoError(t, err, stage)
				for _, p := range params {
					assert.Contains(t, q, p, stage)
				}
				assert.Equal(t, "2024-05-01T10:00:00.123456Z", q.Get(timeParam))
				setSchema(&s)
			}
			for field := range s.Filtering {
				if _, ok := s.Fields[field]; ok {
					typed := slices.ContainsFunc(params, func(p string) bool { return p == field || strings.HasPrefix(p, field+"__") })
					assert.True(t, typed, "no typed option for the filter %s", field)
				}
			}
		})
	}
	results, experiments, plans := c.Results.(*ResultServiceOp), c.Experiments.(*ExperimentServiceOp), c.PlannedExperiments.(*PlannedExperimentServiceOp)
	ro, eo, po := &ResultListOptions{}, &ExperimentListOptions{}, &PlannedExperimentListOptions{}
	check("results", "timeStamp__gte", func() (url.Values, error) { return results.Query(ro) }, results.setSchema, everyOption(t, ro))
	check("experiment", "date__gte", func() (url.Values, error) { return experiments.Query(eo) }, experiments.setSchema, everyOption(t, eo))
	check("plannedexperiment", "date__gte", func() (url.Values, error) { return plans.Query(po) }, plans.setSchema, everyOption(t, po))
}

// TestGeneratedSpecsMatchTheirSchemas checks that each service knows
// exactly the fields of its schema (CheckSchema finds no drift against the
// schema the server answers), and that drift is reported field by field.
func TestGeneratedSpecsMatchTheirSchemas(t *testing.T) {
	c, err := New("https://ts.example.org")
	require.NoError(t, err)
	drift := map[string]func(*Schema) *SchemaDrift{
		"results":           c.Results.(*ResultServiceOp).Drift,
		"experiment":        c.Experiments.(*ExperimentServiceOp).Drift,
		"plannedexperiment": c.PlannedExperiments.(*PlannedExperimentServiceOp).Drift,
	}
	for name, d := range drift {
		b, err := os.ReadFile("tsapitest/schema/" + name + ".json")
		require.NoError(t, err)
		var s Schema
		require.NoError(t, json.Unmarshal(b, &s))
		assert.True(t, d(&s).Empty(), "%s: %s", name, d(&s))

		s.Fields["newField"] = SchemaField{Type: "string"}
		delete(s.Fields, "id")
		for n, f := range s.Fields {
			if f.Type == "boolean" {
				f.Type = "string"
				s.Fields[n] = f
				got := d(&s)
				assert.Equal(t, []string{"newField"}, got.Added, name)
				assert.Equal(t, []string{"id"}, got.Missing, name)
				assert.Equal(t, []FieldTypeChange{{Field: n, Library: "boolean", Server: "string"}}, got.Retyped, name)
				break
			}
		}
	}
}
