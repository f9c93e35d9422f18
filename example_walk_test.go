package tsapi_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/tsapi-go/tsapi"
)

// TestEveryServiceVerbHasAnExample fails when a method of a service
// interface has no runnable example: Example<Interface>_<Method> or
// Example<Interface>Op_<Method>, optionally followed by _<suffix>.
func TestEveryServiceVerbHasAnExample(t *testing.T) {
	services := []reflect.Type{
		reflect.TypeFor[tsapi.PluginResultJobService](),
		reflect.TypeFor[tsapi.PluginResultService](),
		reflect.TypeFor[tsapi.PluginService](),
	}

	files, err := filepath.Glob("*_test.go")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no _test.go file in the package directory")
	}
	examples := map[string]bool{}
	fset := token.NewFileSet()
	for _, name := range files {
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatalf("parsing %s: %v", name, err)
		}
		for _, decl := range f.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok || fn.Recv != nil || !strings.HasPrefix(fn.Name.Name, "Example") {
				continue
			}
			examples[fn.Name.Name] = true
		}
	}

	// hasExample reports whether an example is named prefix, or prefix
	// followed by "_" and a lower-case suffix (go vet's rule for suffixes).
	hasExample := func(prefix string) bool {
		for name := range examples {
			if name == prefix {
				return true
			}
			if rest, ok := strings.CutPrefix(name, prefix+"_"); ok && rest != "" && !startsUpper(rest) {
				return true
			}
		}
		return false
	}

	var missing []string
	for _, svc := range services {
		if svc.Kind() != reflect.Interface || svc.NumMethod() == 0 {
			t.Fatalf("%v is not an interface with methods", svc)
		}
		for i := range svc.NumMethod() {
			m := svc.Method(i)
			if !m.IsExported() {
				continue
			}
			iface := "Example" + svc.Name() + "_" + m.Name
			op := "Example" + svc.Name() + "Op_" + m.Name
			if !hasExample(iface) && !hasExample(op) {
				missing = append(missing, iface)
			}
		}
	}
	slices.Sort(missing)
	if len(missing) > 0 {
		t.Errorf("%d service verb(s) without a runnable example (add one, named so or with Op after the interface's name):\n\t%s",
			len(missing), strings.Join(missing, "\n\t"))
	}
}

func startsUpper(s string) bool {
	return s != "" && s[0] >= 'A' && s[0] <= 'Z'
}
