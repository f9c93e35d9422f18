package gen

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestExportedNames(t *testing.T) {
	for in, want := range map[string]string{
		"resource_uri": "ResourceURI", "planShortID": "PlanShortID", "barcodeId": "BarcodeID", "analysisVersion": "AnalysisVersion",
		"chefExtraInfo_1": "ChefExtraInfo1", "isCustom_kitSettings": "IsCustomKitSettings", "mixedTypeRNA_reference": "MixedTypeRNAReference",
		"URL": "URL", "id": "ID", "grid_engine_jobid": "GridEngineJobid", "3prime": "X3Prime", "pluginresult": "Pluginresult",
	} {
		assert.Equal(t, want, exported(in), in)
	}
	assert.Equal(t, "plannedExperiment", unexported("PlannedExperiment"))
	assert.Equal(t, "eas", unexported("EAS"))
	assert.Equal(t, "easSet", unexported("EASSet"))
}

func TestDefaultNamesAreSingular(t *testing.T) {
	for _, c := range []struct{ name, typ, service string }{
		{"results", "Result", "Results"},
		{"experiments", "Experiment", "Experiments"},
		{"experiment", "Experiment", "Experiments"},
		{"plannedexperiment", "Plannedexperiment", "Plannedexperiments"},
		{"libraries", "Library", "Libraries"},
		{"boxes", "Box", "Boxes"},
		{"emailaddresses", "Emailaddress", "Emailaddresses"},
		{"emailaddress", "Emailaddress", "Emailaddresss"},
		{"status", "Status", "Statuss"},
		{"analysis", "Analysis", "Analysiss"},
		{"qualitymetrics", "Qualitymetrics", "Qualitymetricss"},
		{"experimentanalysissettings", "Experimentanalysissettings", "Experimentanalysissettingss"},
		{"PluginResultJobs", "PluginResultJob", "PluginResultJobs"},
		{"ts", "Ts", "Tss"},
	} {
		s, err := Parse(c.name, "test", []byte(`{"fields": {"id": {"type": "integer"}}}`), nil)
		require.NoError(t, err, c.name)
		assert.Equal(t, []string{c.typ, c.service}, []string{s.Go.Type, s.Go.Service}, c.name)
	}

	// The snapshot's _go.type and the caller's settings win; the
	// library's own types keep the names their snapshots give them.
	s, err := Parse("results", "test", []byte(`{"fields": {"id": {"type": "integer"}}, "_go": {"type": "Results"}}`), nil)
	require.NoError(t, err)
	assert.Equal(t, []string{"Results", "Resultss"}, []string{s.Go.Type, s.Go.Service})
	s, err = Parse("results", "test", []byte(`{"fields": {"id": {"type": "integer"}}, "_go": {"type": "Results"}}`), &Settings{Type: "Report"})
	require.NoError(t, err)
	assert.Equal(t, []string{"Report", "Reports"}, []string{s.Go.Type, s.Go.Service})
	for name, want := range map[string]string{"results": "Result", "experiment": "Experiment", "plannedexperiment": "PlannedExperiment"} {
		_, here, _, _ := runtime.Caller(0)
		b, err := os.ReadFile(filepath.Join(filepath.Dir(here), "..", "..", "schemas", name+".json"))
		require.NoError(t, err)
		s, err := Parse(name, "schemas/"+name+".json", b, nil)
		require.NoError(t, err)
		assert.Equal(t, want, s.Go.Type, name)
	}
}

// TestJSONFieldFilters checks the typed filters of a TS JSONField (a
// string field whose default is "{}"): the server filters it on its stored
// text, so only contains is typed; the field is a JSONObject even without
// a sample, and a list in a text field gets no typed lookup.
func TestJSONFieldFilters(t *testing.T) {
	s, err := Parse("experiment", "test", []byte(`{"fields": {"id": {"type": "integer"},
		"metaData": {"type": "string", "default": "{}", "blank": true, "help_text": "Unicode string data. Ex: \"Hello World\""},
		"notes": {"type": "string", "default": ""}, "positions": {"type": "string"}},
		"filtering": {"metaData": 2, "notes": 2, "positions": 2}, "allowed_detail_http_methods": ["get"]}`), nil)
	require.NoError(t, err)
	require.NoError(t, s.AddSample([]json.RawMessage{json.RawMessage(`{"id": 1, "positions": ["/rundb/api/v1/chip/1/"]}`)}))
	src, err := Generate(s, "tsapi")
	require.NoError(t, err)
	code := strings.ReplaceAll(string(src), "\n\t// ", " ")     // comments unwrapped
	code = regexp.MustCompile(` +`).ReplaceAllString(code, " ") // fields unaligned
	for _, want := range []string{
		"\tMetaData JSONObject `json:\"metaData,omitzero\"`",
		"\tMetaDataContains string `url:\"metaData__contains,omitempty\"`",
		"\tNotesStartsWith string `url:\"notes__startswith,omitempty\"`",
		"Its schema says string with the default \"{}\": a Torrent Suite JSONField",
		"\tPositions []string `json:\"positions\"`",
	} {
		assert.True(t, strings.Contains(code, want), "the source has %q", want)
	}
	for _, unwanted := range []string{"MetaData string", "MetaDataIn ", "MetaDataStartsWith", "MetaDataIExact", "\tMetaData string `url", "PositionsIn", "Positions *int64"} {
		assert.False(t, strings.Contains(code, unwanted), "the source has no %q", unwanted)
	}
}

func TestParseRefusesWhatCannotBeGenerated(t *testing.T) {
	for name, c := range map[string]struct{ res, body, want string }{
		"no fields":     {"x", `{"fields": {}}`, "no fields"},
		"no id":         {"x", `{"fields": {"name": {"type": "string"}}}`, "no id field"},
		"bad name":      {"x/y", `{"fields": {"id": {"type": "integer"}}}`, "not a resource name"},
		"bad JSON":      {"x", `{"fields": `, "unexpected EOF"},
		"bad filtering": {"x", `{"fields": {"id": {"type": "integer"}}, "filtering": {"id": 3}}`, "neither 1 nor 2"},
		"bad writes":    {"x", `{"fields": {"id": {"type": "integer"}}, "_go": {"writes": ["put"]}}`, "only patch and delete"},
		"bad type":      {"x", `{"fields": {"id": {"type": "integer"}}, "_go": {"type": "lower"}}`, "not an exported Go name"},
	} {
		_, err := Parse(c.res, "test", []byte(c.body), nil)
		assert.ErrorContains(t, err, c.want, name)
	}
	s, err := Parse("x", "test", []byte(`{"fields": {"id": {"type": "string"}}}`), nil)
	require.NoError(t, err)
	_, err = Generate(s, "tsapi")
	assert.ErrorContains(t, err, "id field is not an integer")

	s, err = Parse("x", "test", []byte(`{"fields": {"id": {"type": "integer"}, "a_b": {"type": "string"}, "aB": {"type": "string"}}}`), nil)
	require.NoError(t, err)
	_, err = Generate(s, "tsapi")
	assert.ErrorContains(t, err, "both become AB")
}

// TestLookupsFollowTheSchema checks that a filter with a list of lookups
// gets typed options for those only, and a field missing from filtering
// none.
func TestLookupsFollowTheSchema(t *testing.T) {
	s, err := Parse("thing", "test", []byte(`{"fields": {"id": {"type": "integer"}, "name": {"type": "string"}, "size": {"type": "integer"}},
		"filtering": {"id": 1, "name": ["exact", "startswith"]}, "allowed_detail_http_methods": ["get"]}`), nil)
	require.NoError(t, err)
	src, err := Generate(s, "tsapi")
	require.NoError(t, err)
	code := string(src)
	assert.Contains(t, code, "Name string `url:\"name,omitempty\"`")
	assert.Contains(t, code, "NameStartsWith string `url:\"name__startswith,omitempty\"`")
	assert.NotContains(t, code, "NameContains")
	assert.NotContains(t, code, "SizeGt")
	assert.Contains(t, code, `"name": []string{"exact", "startswith"},`)
	assert.NotContains(t, code, "ThingPatch", "a read-only resource has no patch type")
	assert.Contains(t, code, "*ReadResource[Thing, ThingListOptions]")
}

// TestGeneratedServiceCompilesInAnotherPackage generates a service from a
// schema as a server answers it (no snapshot facts), into a package of
// another module that uses the library, and builds and vets it: the
// command a user runs on their own server gives a compiling service.
func TestGeneratedServiceCompilesInAnotherPackage(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a module")
	}
	_, here, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(here), "..", "..")
	schema, err := os.ReadFile(filepath.Join(root, "tsapitest", "schema", "plugin.json"))
	require.NoError(t, err)
	s, err := Parse("plugin", "plugin/schema/", schema, &Settings{Type: "Plugin"})
	require.NoError(t, err)
	src, err := Generate(s, "myts")
	require.NoError(t, err)

	dir := t.TempDir()
	gosum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	require.NoError(t, err)
	mod := "module example.com/myts\n\ngo 1.24\n\nrequire github.com/tsapi-go/tsapi v0.0.0\n\nreplace github.com/tsapi-go/tsapi => " + root + "\n"
	use := `package myts

import (
	"context"

	"github.com/tsapi-go/tsapi"
)

// Names lists the plugins' names.
func Names(ctx context.Context, c *tsapi.Client) ([]string, error) {
	var out []string
	for p, err := range NewPluginService(c).All(ctx, &PluginListOptions{NameStartsWith: "v", Active: tsapi.Ptr(true)}) {
		if err != nil {
			return nil, err
		}
		out = append(out, p.Name)
	}
	return out, nil
}
`
	for name, body := range map[string][]byte{"go.mod": []byte(mod), "go.sum": gosum, "plugin_gen.go": src, "use.go": []byte(use)} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), body, 0o644))
	}
	cmd := exec.Command("go", "vet", "-mod=mod", "./...")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s\n%s", out, numbered(string(src)))
}

func numbered(src string) string {
	var b strings.Builder
	for i, l := range strings.Split(src, "\n") {
		fmt.Fprintf(&b, "%4d %s\n", i+1, l)
	}
	return b.String()
}
