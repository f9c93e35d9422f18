// Command tsapigen generates a typed tsapi service from a tastypie
// resource's schema: the read model, the list options with every allowed
// filter typed, the patch type and the service on the library's generic
// core.
//
// For the library itself (go generate, see gen.go at the repository root)
// it reads every snapshot in a folder:
//
//	tsapigen -dir schemas -o . -served tsapitest/schema
//
// writes <name>_gen.go for each schemas/<name>.json, services_gen.go, and
// the schema as the server answers it into the -served folder.
//
// For any other resource of a Torrent Server, point it at the server (or a
// saved schema file) and name the package the code goes in:
//
//	TSAPI_PASSWORD=... tsapigen -schema https://ts.example.org -user ionadmin \
//	    -name referencegenome -type ReferenceGenome -package myts -o referencegenome_gen.go
//
// The file then declares ReferenceGenome, ReferenceGenomeListOptions,
// ReferenceGenomePatch, ReferenceGenomeService and NewReferenceGenomeService,
// which takes a *tsapi.Client. The password is read from TSAPI_PASSWORD (or
// an API key from TSAPI_API_KEY), never from the command line. -insecure
// skips TLS verification (for a server with a self-signed certificate).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/tsapi-go/tsapi"
	"github.com/tsapi-go/tsapi/internal/gen"
)

func main() {
	if err := run(os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "tsapigen:", err)
		os.Exit(1)
	}
}

func run(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("tsapigen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("dir", "", "generate every snapshot <name>.json in this folder")
	served := fs.String("served", "", "with -dir: write each schema as the server answers it into this folder")
	schema := fs.String("schema", "", "one schema: a file, or a server URL to fetch <name>/schema/ from")
	name := fs.String("name", "", "with -schema: the resource's URL name")
	typ := fs.String("type", "", "with -schema: the model's Go name (default: from -name)")
	service := fs.String("service", "", "with -schema: the service's name (default: <type>s)")
	pkg := fs.String("package", "tsapi", "the Go package of the generated code")
	out := fs.String("o", "", "with -dir: the output folder; with -schema: the output file (default: stdout)")
	user := fs.String("user", "", "with a server URL: the user name (password in TSAPI_PASSWORD, or an API key in TSAPI_API_KEY)")
	insecure := fs.Bool("insecure", false, "with a server URL: skip TLS certificate verification")
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch {
	case *dir != "" && *schema == "":
		if *out == "" {
			*out = "."
		}
		return generateDir(*dir, *out, *served, *pkg)
	case *schema != "" && *dir == "":
		if *name == "" {
			return errors.New("-schema needs -name, the resource's URL name")
		}
		b, origin, err := readSchema(*schema, *name, *user, *insecure)
		if err != nil {
			return err
		}
		s, err := gen.Parse(*name, origin, b, &gen.Settings{Type: *typ, Service: *service})
		if err != nil {
			return err
		}
		src, err := gen.Generate(s, *pkg)
		if err != nil {
			return err
		}
		if *out == "" {
			_, err = os.Stdout.Write(src)
			return err
		}
		return os.WriteFile(*out, src, 0o644)
	}
	fs.Usage()
	return errors.New("give either -dir or -schema")
}

// generateDir generates every snapshot of dir into out.
func generateDir(dir, out, served, pkg string) error {
	paths, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return err
	}
	if len(paths) == 0 {
		return fmt.Errorf("no snapshot in %s", dir)
	}
	var snaps []*gen.Snapshot
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		name := strings.TrimSuffix(filepath.Base(p), ".json")
		s, err := gen.Parse(name, filepath.ToSlash(p), b, nil)
		if err != nil {
			return err
		}
		src, err := gen.Generate(s, pkg)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(out, strings.ToLower(name)+"_gen.go"), src, 0o644); err != nil {
			return err
		}
		if served != "" {
			sb, err := gen.Served(b)
			if err != nil {
				return err
			}
			if err := os.WriteFile(filepath.Join(served, name+".json"), sb, 0o644); err != nil {
				return err
			}
		}
		snaps = append(snaps, s)
	}
	src, err := gen.Services(snaps, pkg)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(out, "services_gen.go"), src, 0o644)
}

// readSchema reads a schema file, or fetches <name>/schema/ from a server.
func readSchema(src, name, user string, insecure bool) ([]byte, string, error) {
	if !strings.HasPrefix(src, "http://") && !strings.HasPrefix(src, "https://") {
		b, err := os.ReadFile(src)
		return b, filepath.ToSlash(src), err
	}
	var opts []tsapi.Option
	switch {
	case os.Getenv("TSAPI_API_KEY") != "":
		opts = append(opts, tsapi.WithAPIKey(user, os.Getenv("TSAPI_API_KEY")))
	case user != "":
		opts = append(opts, tsapi.WithBasicAuth(user, os.Getenv("TSAPI_PASSWORD")))
	}
	if insecure {
		opts = append(opts, tsapi.WithInsecureSkipVerify())
	}
	c, err := tsapi.New(src, opts...)
	if err != nil {
		return nil, "", err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var raw json.RawMessage
	if _, err := c.Do(ctx, &tsapi.Request{Method: http.MethodGet, Path: name + "/schema/"}, &raw); err != nil {
		return nil, "", err
	}
	return raw, name + "/schema/ of a Torrent Server", nil
}
