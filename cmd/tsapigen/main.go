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
// Without -type the model is named after -name, made singular where it is
// a plain English plural (results: Result).
//
// From a server it also reads a sample of the resource's objects
// (<name>/?limit=20, with the same credentials), because a schema does not
// type every field as the server sends it: Torrent Suite's JSONFields and
// some dicts say "string" and arrive as JSON objects, some text fields carry
// lists, some to-many fields hold nested objects or names, and some fields
// the schema calls not nullable are null. A model typed from the schema
// alone fails to decode such answers; where the sample shows one, the field
// is typed as what it carries and its doc comment says so. From a schema
// file, -sample names a file holding such a sample: a list answer of the
// resource ({"meta": ..., "objects": [...]}) or a JSON array of objects.
//
//	tsapigen -schema referencegenome_schema.json -sample referencegenome_list.json \
//	    -name referencegenome -package myts -o referencegenome_gen.go
//
// Without a sample it says so on stderr and types the fields from the
// schema alone.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/tsapi-go/tsapi"
	"github.com/tsapi-go/tsapi/internal/gen"
)

func main() {
	if err := run(os.Args[1:], os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return // -h: the usage is printed
		}
		fmt.Fprintln(os.Stderr, "tsapigen:", err)
		os.Exit(1)
	}
}

// usage is what -h prints before the flags.
const usage = `Usage:
  tsapigen -dir schemas -o . [-served tsapitest/schema]
  tsapigen -schema URL|FILE -name RESOURCE [-sample FILE] [-type T] [-package P] [-o FILE]

tsapigen generates a typed tsapi service from a tastypie resource's schema.
From a server URL it reads RESOURCE/schema/ and a sample of RESOURCE's
objects (RESOURCE/?limit=20, with the same credentials: -user, and the
password in TSAPI_PASSWORD or an API key in TSAPI_API_KEY). The sample is
read because a schema does not type every field as the server sends it
(JSONFields say "string" and arrive as JSON objects, some text fields carry
lists, some fields called not nullable are null): a model typed from the
schema alone would fail to decode the server's answers. From a schema file,
-sample gives the sample: a list answer or a JSON array of objects.

Flags:
`

func run(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("tsapigen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usage)
		fs.PrintDefaults()
	}
	dir := fs.String("dir", "", "generate every snapshot <name>.json in this folder")
	served := fs.String("served", "", "with -dir: write each schema as the server answers it into this folder")
	schema := fs.String("schema", "", "one schema: a file, or a server URL to fetch <name>/schema/ and a sample of <name>/ from")
	sample := fs.String("sample", "", "with -schema: a file holding a sample of the resource's objects (a list answer, or a JSON array of objects), read instead of the server's")
	name := fs.String("name", "", "with -schema: the resource's URL name")
	typ := fs.String("type", "", "with -schema: the model's Go name (default: from -name, singular: results gives Result)")
	service := fs.String("service", "", "with -schema: the service's name (default: <type>s; without -type, -name capitalised when it is a plural)")
	pkg := fs.String("package", "tsapi", "the Go package of the generated code")
	out := fs.String("o", "", "with -dir: the output folder; with -schema: the output file (default: stdout)")
	user := fs.String("user", "", "with a server URL: the user name (password in TSAPI_PASSWORD, or an API key in TSAPI_API_KEY)")
	insecure := fs.Bool("insecure", false, "with a server URL: skip TLS certificate verification")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q: every input is a flag", fs.Arg(0))
	}
	switch {
	case *dir != "" && *schema == "":
		if *sample != "" {
			return errors.New("-sample goes with -schema: a snapshot in -dir holds its facts")
		}
		if *out == "" {
			*out = "."
		}
		return generateDir(*dir, *out, *served, *pkg)
	case *schema != "" && *dir == "":
		if *name == "" {
			return errors.New("-schema needs -name, the resource's URL name")
		}
		src, err := generateOne(*schema, *sample, *name, *user, *insecure, &gen.Settings{Type: *typ, Service: *service}, *pkg, stderr)
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

// generateOne generates one resource from a schema file or a server, with
// the sample from sampleFile or, for a server, from the server.
func generateOne(schema, sampleFile, name, user string, insecure bool, settings *gen.Settings, pkg string, stderr io.Writer) ([]byte, error) {
	var objects []json.RawMessage
	if sampleFile != "" {
		b, err := os.ReadFile(sampleFile)
		if err != nil {
			return nil, err
		}
		if objects, err = sampleObjects(b); err != nil {
			return nil, fmt.Errorf("%s: %w", sampleFile, err)
		}
	}
	var b []byte
	var origin string
	if isURL(schema) {
		c, err := newClient(schema, user, insecure)
		if err != nil {
			return nil, err
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		var raw json.RawMessage
		if _, err := c.Do(ctx, &tsapi.Request{Method: http.MethodGet, Path: name + "/schema/"}, &raw); err != nil {
			return nil, err
		}
		b, origin = raw, name+"/schema/ of a Torrent Server"
		if sampleFile == "" {
			var page json.RawMessage
			req := &tsapi.Request{Method: http.MethodGet, Path: name + "/", Query: url.Values{"limit": {strconv.Itoa(sampleSize)}}}
			if _, err := c.Do(ctx, req, &page); err != nil {
				fmt.Fprintf(stderr, "tsapigen: no sample of %s to check its schema's types against (%v): the fields are typed from the schema alone\n", name, err)
			} else if objects, err = sampleObjects(page); err != nil {
				return nil, fmt.Errorf("the sample of %s: %w", name, err)
			}
		}
	} else {
		var err error
		if b, err = os.ReadFile(schema); err != nil {
			return nil, err
		}
		origin = filepath.ToSlash(schema)
	}
	s, err := gen.Parse(name, origin, b, settings)
	if err != nil {
		return nil, err
	}
	switch {
	case len(objects) > 0:
		if err := s.AddSample(objects); err != nil {
			return nil, err
		}
	case sampleFile != "":
		fmt.Fprintf(stderr, "tsapigen: %s holds no object: the fields are typed from the schema alone\n", sampleFile)
	case isURL(schema):
		fmt.Fprintf(stderr, "tsapigen: %s has no object to check its schema's types against: the fields are typed from the schema alone\n", name)
	case s.Facts == nil:
		fmt.Fprintf(stderr, "tsapigen: no sample of %s (-sample): the fields are typed from the schema alone\n", name)
	}
	return gen.Generate(s, pkg)
}

// sampleSize is how many objects are read from a server as the sample.
const sampleSize = 20

// sampleObjects reads a sample: a tastypie list answer (its "objects") or
// a JSON array of objects.
func sampleObjects(b []byte) ([]json.RawMessage, error) {
	b = bytes.TrimSpace(b)
	var objects []json.RawMessage
	if len(b) > 0 && b[0] == '[' {
		if err := json.Unmarshal(b, &objects); err != nil {
			return nil, fmt.Errorf("not a JSON array of objects: %w", err)
		}
		return objects, nil
	}
	var page struct {
		Objects *[]json.RawMessage `json:"objects"`
	}
	if err := json.Unmarshal(b, &page); err != nil || page.Objects == nil {
		return nil, errors.New(`want a list answer ({"meta": ..., "objects": [...]}) or a JSON array of objects`)
	}
	return *page.Objects, nil
}

func isURL(s string) bool { return strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://") }

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

// newClient is a client of the server at base, with the credentials of
// the environment.
func newClient(base, user string, insecure bool) (*tsapi.Client, error) {
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
	return tsapi.New(base, opts...)
}
