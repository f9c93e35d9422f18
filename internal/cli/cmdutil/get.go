package cmdutil

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/tsapi-go/tsapi"
)

// GetOptions are what a get verb needs: the objects to show, by id.
type GetOptions struct {
	IO      *IOStreams
	Servers func() ([]*Server, error)
	Output  Output
	Ctx     context.Context

	IDs []int64
}

// GetVerb describes a noun's get verb: its help, the noun its errors and
// messages name, and its fields.
type GetVerb struct {
	Short, Long, Example string
	// Noun names one object in messages ("analysis result").
	Noun string
	// Action says what the verb does to the servers ("read plugins").
	Action string
	// Fields are every field --fields takes; Default those printed
	// without --fields.
	Fields, Default []string
}

// NewCmdGet returns the get verb v; run does the work, and runF, when not
// nil, runs instead (tests). Its arguments are one id or more (as
// arguments, or comma-separated).
func NewCmdGet(f *Factory, v *GetVerb, runF, run func(*GetOptions) error) *cobra.Command {
	opts := &GetOptions{IO: f.IOStreams, Servers: f.Servers}
	cmd := &cobra.Command{
		Use:               "get ID [ID...]",
		Short:             v.Short,
		Long:              v.Long,
		Example:           v.Example,
		Args:              MinimumArgs(1, "one "+v.Noun+" id or more"),
		ValidArgsFunction: NoFiles,
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if opts.IDs, err = ParseIDs(args); err != nil {
				return err
			}
			opts.Output, opts.Ctx = f.Output(), cmd.Context()
			if runF != nil {
				return runF(opts)
			}
			return run(opts)
		},
	}
	SetFields(cmd, v.Fields)
	return cmd
}

// ByID is what a get verb needs of a service.
type ByID[T any] interface {
	Get(ctx context.Context, id int64) (*T, *tsapi.Response, error)
	GetSet(ctx context.Context, ids ...int64) ([]*T, []int64, *tsapi.Response, error)
}

// Getter is how a get verb reaches one server's objects of type T.
type Getter[T any] struct {
	// Service is the service of s that holds the objects.
	Service func(s *Server) ByID[T]
	// Records are the objects as the tool prints them, with fields the
	// printer will show (a record may need what an object links to); on
	// an error it returns the records it could make.
	Records func(ctx context.Context, s *Server, fields []string, objs []*T) ([]*Record, error)
}

// RunGet shows the objects opts.IDs on every server: one id with Get, so
// that a missing object is "no <noun> <id>", several with one multi-get,
// which names the ids a server does not have.
func RunGet[T any](opts *GetOptions, v *GetVerb, g Getter[T]) error {
	servers, err := opts.Servers()
	if err != nil {
		return err
	}
	p, err := NewPrinter(opts.IO, opts.Output, v.Default)
	if err != nil {
		return err
	}
	p.SetOne(len(opts.IDs) == 1 && len(servers) == 1)
	each := &Each{IO: opts.IO, Servers: servers, Printer: p, Action: v.Action}
	return each.Run(opts.Ctx, func(ctx context.Context, s *Server) (Rows, error) {
		svc := g.Service(s)
		var (
			objs    []*T
			missing []int64
			err     error
		)
		if len(opts.IDs) == 1 {
			o, _, err := svc.Get(ctx, opts.IDs[0])
			if err != nil {
				return Rows{}, About(err, "%s %d", v.Noun, opts.IDs[0])
			}
			objs = []*T{o}
		} else if objs, missing, _, err = svc.GetSet(ctx, opts.IDs...); err != nil {
			return Rows{}, err
		}
		recs, err := g.Records(ctx, s, p.Fields(), objs)
		if err == nil && len(missing) > 0 {
			err = &NotFoundError{Noun: v.Noun, IDs: missing}
		}
		return Rows{Records: recs}, err
	})
}

// Plain makes a Getter's Records from a function that needs nothing but
// the objects.
func Plain[T any](records func([]*T) []*Record) func(context.Context, *Server, []string, []*T) ([]*Record, error) {
	return func(_ context.Context, _ *Server, _ []string, objs []*T) ([]*Record, error) {
		return records(objs), nil
	}
}
