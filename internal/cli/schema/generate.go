package schema

import (
	"context"
	"encoding/json"
	"errors"
	"go/token"
	"maps"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tsapi-go/tsapi"
	"github.com/tsapi-go/tsapi/internal/cli/cmdutil"
	"github.com/tsapi-go/tsapi/internal/gen"
)

// GenerateOptions are what schema generate needs.
type GenerateOptions struct {
	IO      *cmdutil.IOStreams
	Servers func() ([]*cmdutil.Server, error)
	Ctx     context.Context

	// Resource is the resource's URL name ("referencegenome").
	Resource string
	// Package is the Go package of the file; "tsapi" is the library's own
	// form (names unqualified, the service put on every Client).
	Package string
	// Type is the model's Go name ("" for the one made from Resource).
	Type string
	// File is where to write the source ("" for stdout).
	File string
}

var (
	resourceName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*$`)
	exportedName = regexp.MustCompile(`^[A-Z][A-Za-z0-9]*$`)
)

// NewCmdGenerate returns schema generate; runF, when not nil, runs
// instead of generateRun.
func NewCmdGenerate(f *cmdutil.Factory, runF func(*GenerateOptions) error) *cobra.Command {
	opts := &GenerateOptions{IO: f.IOStreams, Servers: f.Servers}
	cmd := &cobra.Command{
		Use:   "generate RESOURCE",
		Short: "Print a typed Go service for a resource of the server",
		Long: `Fetch RESOURCE/schema/ from the server and print a Go file with a typed
service for it on the library's generic core, as cmd/tsapigen does: the read
model with every field of the schema, the list options with a typed field for
each filter the schema allows, the patch type when the schema allows PATCH,
and New<Type>Service, which takes a *tsapi.Client. Every exported name is
documented from the schema's help texts.

It also reads a sample of RESOURCE's objects (RESOURCE/?limit=20), because a
schema does not type every field as the server sends it: Torrent Suite's
JSONFields and some dicts say "string" and arrive as JSON objects, some text
fields carry lists, some to-many fields hold nested objects or names, and some
fields the schema calls not nullable are null. A model typed from the schema
alone could not decode such answers; where the sample shows one, the field is
typed as what it carries and its doc comment says so. None of the sample's
values goes into the file. Without a sample (no object yet, or a list the
account may not read) a warning says so and the fields are typed from the
schema alone.

The package is RESOURCE in lower case unless --package names one (tsapi gives
the library's own form, for code inside the library); the type is RESOURCE
with a capital, made singular where it is a plain English plural (results:
Result), unless --type names it. -o writes the file instead of stdout. It runs
on one server.`,
		Example: `  tsapi schema generate referencegenome --type ReferenceGenome --package myts -o referencegenome_gen.go
  tsapi --profile lab schema generate results --type Result | gofmt -l
  tsapi --demo schema generate plannedexperiment --type Plan`,
		Args:              cmdutil.ExactArgs(1, "a resource name (results, experiment, referencegenome, ...)"),
		ValidArgsFunction: cmdutil.CompleteOne([]string{"results", "experiment", "plannedexperiment", "pluginresult", "PluginResultJob", "plugin"}),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Resource = args[0]
			if !resourceName.MatchString(opts.Resource) {
				return cmdutil.Usagef("%q is not a resource name (letters, digits and _, as in /rundb/api/v1/NAME/)", opts.Resource)
			}
			if opts.Package == "" {
				opts.Package = strings.ToLower(opts.Resource)
			}
			if !token.IsIdentifier(opts.Package) {
				return cmdutil.Usagef("--package %q is not a Go package name", opts.Package)
			}
			if opts.Type != "" && !exportedName.MatchString(opts.Type) {
				return cmdutil.Usagef("--type %q is not an exported Go name (a capital, then letters and digits)", opts.Type)
			}
			if g := f.Flags; len(g.Fields) > 0 || g.JQ != "" || g.Template != "" {
				return cmdutil.Usagef("schema generate prints Go source: --fields, --jq and --template do not apply")
			}
			opts.Ctx = cmd.Context()
			if runF != nil {
				return runF(opts)
			}
			return generateRun(opts)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&opts.Package, "package", "", "the Go package of the file (default: the resource's name in lower case)")
	fs.StringVar(&opts.Type, "type", "", "the model's Go name, after which the other types are named (default: the resource's name, capitalised and singular)")
	// -o is the file here: the output is Go source, in no format of the
	// other commands.
	fs.StringVarP(&opts.File, "output", "o", "", "write the file here instead of stdout")
	return cmd
}

func generateRun(opts *GenerateOptions) error {
	ss, err := opts.Servers()
	if err != nil {
		return err
	}
	if len(ss) != 1 {
		return cmdutil.Usagef("schema generate takes one server (got %d: %s): name one", len(ss), cmdutil.Names(ss))
	}
	s := ss[0]
	if s.Err != nil {
		return cmdutil.Explain(s.Err, s, "read schemas")
	}
	var raw json.RawMessage
	if _, err := s.Client.Do(opts.Ctx, &tsapi.Request{Method: http.MethodGet, Path: opts.Resource + "/schema/"}, &raw); err != nil {
		if errors.Is(err, tsapi.ErrNotFound) {
			return cmdutil.Explain(cmdutil.About(err, "resource %s on %s%s", opts.Resource, s.Name, suggestResource(opts.Ctx, s, opts.Resource)), s, "read schemas")
		}
		return cmdutil.Explain(cmdutil.About(err, "the %s schema", opts.Resource), s, "read schemas")
	}
	origin := opts.Resource + "/schema/"
	if u := s.Client.BaseURL(); u != nil {
		v := *u
		v.User = nil
		origin = v.String() + origin
	}
	snap, err := gen.Parse(opts.Resource, origin, raw, &gen.Settings{Type: opts.Type})
	if err != nil {
		return cmdutil.Exitf(cmdutil.ExitError, "the %s schema cannot be generated: %s", opts.Resource, strings.TrimPrefix(err.Error(), "gen: "))
	}
	if err := addSample(opts.Ctx, opts.IO, s, opts.Resource, snap); err != nil {
		return err
	}
	src, err := gen.Generate(snap, opts.Package)
	if err != nil {
		return cmdutil.Exitf(cmdutil.ExitError, "the %s schema cannot be generated: %s", opts.Resource, strings.TrimPrefix(err.Error(), "gen: "))
	}
	if opts.File == "" {
		return opts.IO.WriteOut(src)
	}
	if err := os.WriteFile(opts.File, src, 0o644); err != nil {
		return cmdutil.Exitf(cmdutil.ExitError, "%v", err)
	}
	if opts.IO.IsStderrTTY() {
		opts.IO.Printf("wrote %s: package %s, type %s, from %s\n", opts.File, opts.Package, snap.Go.Type, origin)
	}
	return nil
}

// sampleSize is how many objects addSample reads.
const sampleSize = 20

// addSample reads a sample of the resource's objects and adds what they
// show to snap (see gen.Snapshot.AddSample): a field whose schema type
// says text or a link but which the server sends as a JSON object or a
// list is typed as what it carries, or the generated model could not
// decode the server's answers. Without a sample (no object, or a list the
// account may not read) it says so on stderr and leaves snap as it is.
func addSample(ctx context.Context, ios *cmdutil.IOStreams, s *cmdutil.Server, resource string, snap *gen.Snapshot) error {
	var page struct {
		Objects []json.RawMessage `json:"objects"`
	}
	req := &tsapi.Request{Method: http.MethodGet, Path: resource + "/", Query: url.Values{"limit": {strconv.Itoa(sampleSize)}}}
	if _, err := s.Client.Do(ctx, req, &page); err != nil {
		if errors.Is(err, context.Canceled) {
			return err
		}
		ios.Warnf("%s: no sample of %s to check its schema's types against (%s): the fields are typed from the schema alone",
			s.Name, resource, cmdutil.Explain(err, s, "read "+resource))
		return nil
	}
	if len(page.Objects) == 0 {
		ios.Warnf("%s: %s has no object to check its schema's types against: the fields are typed from the schema alone", s.Name, resource)
		return nil
	}
	if err := snap.AddSample(page.Objects); err != nil {
		return cmdutil.Exitf(cmdutil.ExitError, "the %s sample cannot be read: %s", resource, strings.TrimPrefix(err.Error(), "gen: "))
	}
	return nil
}

// suggestResource names the resource meant, from the API root's list
// (" (did you mean X?)"), or "" when none is near or the list cannot be
// read.
func suggestResource(ctx context.Context, s *cmdutil.Server, name string) string {
	var top map[string]json.RawMessage
	if _, err := s.Client.Do(ctx, &tsapi.Request{Method: http.MethodGet, Path: ""}, &top); err != nil {
		return ""
	}
	if m := cmdutil.Suggest(name, slices.Sorted(maps.Keys(top))); m != "" {
		return " (did you mean " + m + "?)"
	}
	return ""
}
