package schema

import (
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tsapi-go/tsapi/internal/cli/clitest"
	"github.com/tsapi-go/tsapi/internal/cli/cmdutil"
	"github.com/tsapi-go/tsapi/tsapitest"
)

func TestNewCmdCheck(t *testing.T) {
	f, _ := clitest.Factory(t)
	got, err := clitest.Parse(t, f, NewCmdCheck)
	require.NoError(t, err)
	assert.NotNil(t, got)
	_, err = clitest.Parse(t, f, NewCmdCheck, "x")
	assert.Equal(t, cmdutil.ExitUsage, cmdutil.ExitCode(err))
}

func TestCheckRun(t *testing.T) {
	a, b := tsapitest.New(t), tsapitest.New(t)
	_, st := clitest.Factory(t)
	opts := &CheckOptions{IO: st.IO, Servers: clitest.Admins(t, a, b), Ctx: context.Background(), Output: cmdutil.Output{Fields: []string{"resource", "drift"}}}
	require.NoError(t, checkRun(opts))
	var want string
	for _, s := range []string{"a", "b"} {
		for _, r := range []string{"PluginResultJob", "pluginresult", "plugin", "results", "experiment", "plannedexperiment"} {
			want += s + "\t" + r + "\tfalse\n"
		}
	}
	assert.Equal(t, want, st.Out.String(), "every resource the library has a model of, on each server")
	assert.Equal(t, 6, a.CountRequests(http.MethodGet, ""), "a schema each")
}

func TestNewCmdGenerate(t *testing.T) {
	for _, tt := range []struct {
		args    []string
		jq      string
		want    GenerateOptions
		wantErr string
	}{
		{args: []string{"results"}, want: GenerateOptions{Resource: "results", Package: "results"}},
		{args: []string{"PluginResultJob", "--package", "myts", "--type", "Job", "-o", "job_gen.go"},
			want: GenerateOptions{Resource: "PluginResultJob", Package: "myts", Type: "Job", File: "job_gen.go"}},
		{args: []string{"results", "--package", "tsapi"}, want: GenerateOptions{Resource: "results", Package: "tsapi"}},
		{args: nil, wantErr: "takes a resource name"},
		{args: []string{"results", "experiment"}, wantErr: "takes a resource name"},
		{args: []string{"results/schema"}, wantErr: `"results/schema" is not a resource name`},
		{args: []string{"results", "--package", "my-ts"}, wantErr: `--package "my-ts" is not a Go package name`},
		{args: []string{"results", "--type", "result"}, wantErr: `--type "result" is not an exported Go name`},
		{args: []string{"results"}, jq: ".", wantErr: "--fields, --jq and --template do not apply"},
	} {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			f, _ := clitest.Factory(t)
			f.Flags.JQ = tt.jq
			got, err := clitest.Parse(t, f, NewCmdGenerate, tt.args...)
			if tt.wantErr != "" {
				var ue *cmdutil.UsageError
				require.ErrorAs(t, err, &ue)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, []string{tt.want.Resource, tt.want.Package, tt.want.Type, tt.want.File},
				[]string{got.Resource, got.Package, got.Type, got.File})
		})
	}
}

// TestGenerateHelpSaysWhyItReadsASample checks that --help says the
// command reads objects beside the schema, and why.
func TestGenerateHelpSaysWhyItReadsASample(t *testing.T) {
	f, _ := clitest.Factory(t)
	long := strings.Join(strings.Fields(NewCmdGenerate(f, nil).Long), " ")
	for _, want := range []string{"a sample of RESOURCE's objects (RESOURCE/?limit=20)", "could not decode such answers", "(results: Result)"} {
		assert.Contains(t, long, want)
	}
}

// declared parses src as Go and returns its package name and its
// exported top-level names, failing on an exported name without a doc
// comment.
func declared(t *testing.T, src []byte) (string, []string) {
	t.Helper()
	file, err := parser.ParseFile(token.NewFileSet(), "gen.go", src, parser.ParseComments)
	require.NoError(t, err, "the output parses as Go")
	var names []string
	for _, d := range file.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if d.Name.IsExported() && d.Recv == nil {
				names = append(names, d.Name.Name)
				assert.NotNil(t, d.Doc, "%s is documented", d.Name.Name)
			}
		case *ast.GenDecl:
			for _, sp := range d.Specs {
				if ts, ok := sp.(*ast.TypeSpec); ok && ts.Name.IsExported() {
					names = append(names, ts.Name.Name)
					assert.True(t, d.Doc != nil || ts.Doc != nil, "%s is documented", ts.Name.Name)
				}
			}
		}
	}
	return file.Name.Name, names
}

func TestGenerateRun(t *testing.T) {
	a := tsapitest.New(t)
	require.NoError(t, a.LoadSeedFile("../../../testdata/seed.json"))
	run := func(opts GenerateOptions) (string, string, error) {
		_, st := clitest.Factory(t)
		opts.IO, opts.Ctx = st.IO, context.Background()
		if opts.Servers == nil {
			opts.Servers = clitest.Admins(t, a)
		}
		err := generateRun(&opts)
		return st.Out.String(), st.ErrOut.String(), err
	}
	for _, tt := range []struct {
		resource, pkg, typ string
		want               []string
	}{
		{"results", "myts", "Result", []string{"Result", "ResultPatch", "ResultListOptions", "ResultService", "ResultServiceOp", "NewResultService"}},
		{"experiment", "runs", "", []string{"Experiment", "ExperimentPatch", "ExperimentListOptions", "ExperimentService", "ExperimentServiceOp", "NewExperimentService"}},
		{"plannedexperiment", "plans", "Plan", []string{"Plan", "PlanPatch", "PlanListOptions", "PlanService", "PlanServiceOp", "NewPlanService"}},
		{"plugin", "plugins", "Plugin", []string{"Plugin", "PluginPatch", "PluginListOptions", "PluginService", "PluginServiceOp", "NewPluginService"}},
	} {
		a.ClearRequests()
		out, errOut, err := run(GenerateOptions{Resource: tt.resource, Package: tt.pkg, Type: tt.typ})
		require.NoError(t, err, tt.resource)
		assert.Empty(t, errOut)
		assert.True(t, strings.HasPrefix(out, "// Code generated by tsapigen from "+a.APIURL()+tt.resource+"/schema/. DO NOT EDIT.\n"), out[:200])
		pkg, names := declared(t, []byte(out))
		assert.Equal(t, tt.pkg, pkg)
		assert.ElementsMatch(t, tt.want, names, tt.resource)
		assert.Equal(t, []string{tt.resource + "/schema/", tt.resource + "/?limit=20"}, paths(a), "the schema, and a sample of objects")
	}

	// The sample types what the schema misnames: results' i18nstatus and
	// reportstorage are objects, though their schema says string and a
	// link.
	out, _, err := run(GenerateOptions{Resource: "results", Package: "myts", Type: "Result"})
	require.NoError(t, err)
	has(t, out, "\tI18Nstatus tsapi.JSONObject `json:\"i18nstatus,omitzero\"`")
	has(t, out, "\tReportstorage tsapi.JSONObject `json:\"reportstorage,omitzero\"`")
	has(t, out, "\tPluginresults []string `json:\"pluginresults\"`")
	has(t, strings.ReplaceAll(out, "\n\t// ", " "), ` I18Nstatus is "i18nstatus": Unicode string data. Ex: "Hello World". `+
		"Its schema says string, but the server sends a JSON object (seen in a sample of 3 objects).")
	assert.False(t, strings.Contains(out, "Auto_user_S5-0101"), "nothing of the sample's values")

	// Without a sample the fields are typed from the schema: a JSONField
	// still reads as an object (its default is "{}"), and the type is named
	// after one result.
	empty := tsapitest.New(t)
	out, errOut, err := run(GenerateOptions{Resource: "results", Package: "myts", Servers: clitest.Admins(t, empty)})
	require.NoError(t, err)
	has(t, out, "\tI18Nstatus string `json:\"i18nstatus\"`")
	has(t, out, "\tMetaData tsapi.JSONObject `json:\"metaData,omitzero\"`")
	has(t, out, "\ntype Result struct {\n")
	assert.Equal(t, "tsapi: a: results has no object to check its schema's types against: the fields are typed from the schema alone\n", errOut)

	file := filepath.Join(t.TempDir(), "result_gen.go")
	out, _, err = run(GenerateOptions{Resource: "results", Package: "myts", Type: "Result", File: file})
	require.NoError(t, err)
	assert.Empty(t, out, "-o: nothing on stdout")
	src, err := os.ReadFile(file)
	require.NoError(t, err)
	_, names := declared(t, src)
	assert.Contains(t, names, "NewResultService")

	_, _, err = run(GenerateOptions{Resource: "experimnt", Package: "x"})
	assert.Equal(t, cmdutil.ExitNotFound, cmdutil.ExitCode(err))
	assert.Equal(t, "no resource experimnt on a (did you mean experiment?)", err.Error())

	b := tsapitest.New(t)
	_, _, err = run(GenerateOptions{Resource: "results", Package: "x", Servers: clitest.Admins(t, a, b)})
	var ue *cmdutil.UsageError
	require.ErrorAs(t, err, &ue)
	assert.Equal(t, "schema generate takes one server (got 2: a, b): name one", err.Error())
	assert.Zero(t, b.CountRequests("", ""), "nothing sent")
}

// has asserts that src holds text, without printing src.
func has(t *testing.T, src, text string) {
	t.Helper()
	assert.True(t, strings.Contains(src, text), "the source has %q", text)
}

// paths are the requests a fake received, relative to the API root.
func paths(s *tsapitest.Server) []string {
	var out []string
	for _, r := range s.Requests() {
		p := strings.TrimPrefix(r.Path, "/rundb/api/v1/")
		if r.RawQuery != "" {
			p += "?" + r.RawQuery
		}
		out = append(out, p)
	}
	return out
}

// The generated file compiles against the library in a module of its own,
// and its service lists the fake's results.
func TestGeneratedFileCompiles(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a module")
	}
	a := tsapitest.New(t)
	a.AddResult(tsapitest.Result{ID: 101, Name: "Auto_S5-0042_101"})
	_, st := clitest.Factory(t)
	require.NoError(t, generateRun(&GenerateOptions{IO: st.IO, Servers: clitest.Admins(t, a), Ctx: context.Background(),
		Resource: "results", Package: "main", Type: "Result"}))
	_, here, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(here), "..", "..", "..")
	gosum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	require.NoError(t, err)
	mod := "module example.com/myts\n\ngo 1.24\n\nrequire github.com/tsapi-go/tsapi v0.0.0\n\nreplace github.com/tsapi-go/tsapi => " + root + "\n"
	use := `package main

import (
	"context"
	"fmt"
	"os"

	"github.com/tsapi-go/tsapi"
)

func main() {
	c, err := tsapi.New(os.Args[1], tsapi.WithBasicAuth("ionadmin", "ionadmin"))
	if err != nil {
		panic(err)
	}
	for r, err := range NewResultService(c).All(context.Background(), &ResultListOptions{ResultsNameIContains: "s5"}) {
		if err != nil {
			panic(err)
		}
		fmt.Println(r.ID, r.ResultsName)
	}
}
`
	dir := t.TempDir()
	for name, body := range map[string][]byte{"go.mod": []byte(mod), "go.sum": gosum, "result_gen.go": st.Out.Bytes(), "main.go": []byte(use)} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), body, 0o644))
	}
	cmd := exec.Command("go", "run", ".", a.URL())
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Equal(t, "101 Auto_S5-0042_101\n", string(out))
}
