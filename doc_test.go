package tsapi_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Every service interface says, for each of its verbs, which method holds
// the verb's full documentation: the generic core's method its ServiceOp
// promotes, or the ServiceOp's own.
func TestServiceInterfacesSayWhereEachVerbIsDocumented(t *testing.T) {
	paths, err := filepath.Glob("*.go")
	require.NoError(t, err)
	fset := token.NewFileSet()
	methods := map[string]bool{} // "ReadResource.List", "PluginServiceOp.Launch", ...
	type service struct {
		name, doc string
		verbs     []string
	}
	var services []service
	for _, p := range paths {
		if strings.HasSuffix(p, "_test.go") {
			continue
		}
		src, err := os.ReadFile(p)
		require.NoError(t, err)
		f, err := parser.ParseFile(fset, p, src, parser.ParseComments)
		require.NoError(t, err)
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Recv != nil {
					methods[recvName(d.Recv.List[0].Type)+"."+d.Name.Name] = true
				}
			case *ast.GenDecl:
				for _, spec := range d.Specs {
					ts, ok := spec.(*ast.TypeSpec)
					if !ok || !strings.HasSuffix(ts.Name.Name, "Service") {
						continue
					}
					it, ok := ts.Type.(*ast.InterfaceType)
					if !ok {
						continue
					}
					s := service{name: ts.Name.Name, doc: strings.Join(strings.Fields(d.Doc.Text()), " ")}
					for _, m := range it.Methods.List {
						s.verbs = append(s.verbs, m.Names[0].Name)
					}
					services = append(services, s)
				}
			}
		}
	}
	require.GreaterOrEqual(t, len(services), 6, "the job, pluginresult, plugin and generated services")
	own := regexp.MustCompile(`([A-Z][A-Za-z, ]*?) (?:is|are) ([A-Za-z]+ServiceOp)'s own`)
	for _, s := range services {
		ownVerbs := map[string]bool{}
		if m := own.FindStringSubmatch(s.doc); m != nil {
			require.Equal(t, s.name+"Op", m[2], "%s: its own verbs are its ServiceOp's", s.name)
			for _, v := range strings.FieldsFunc(strings.ReplaceAll(m[1], " and ", ","), func(r rune) bool { return r == ',' || r == ' ' }) {
				ownVerbs[v] = true
			}
		}
		for _, v := range s.verbs {
			if ownVerbs[v] {
				assert.True(t, methods[s.name+"Op."+v], "%s: %sOp.%s is named as its own but is not declared", s.name, s.name, v)
				continue
			}
			found := false
			for _, core := range []string{"ReadResource", "PatchResource", "Resource"} {
				if regexp.MustCompile(`\b` + core + `\.` + v + `\b`).MatchString(s.doc) {
					assert.True(t, methods[core+"."+v], "%s names %s.%s, which is not declared", s.name, core, v)
					found = true
				}
			}
			assert.True(t, found, "%s's doc does not say where %s is documented", s.name, v)
		}
	}
}

func recvName(e ast.Expr) string {
	switch t := e.(type) {
	case *ast.StarExpr:
		return recvName(t.X)
	case *ast.IndexExpr:
		return recvName(t.X)
	case *ast.IndexListExpr:
		return recvName(t.X)
	case *ast.Ident:
		return t.Name
	}
	return ""
}
