package cmdutil

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
)

// Rows is what one server gave a command: its records and, for a list cut
// short, how many there are in all (Total, 0 when not known).
type Rows struct {
	Records []*Record
	Total   int
}

// Each runs one command on several servers at once. Each server's run
// sees its own server only; the runs share nothing but the printer, which
// prints their records in the servers' order, each labelled with its
// server when there are several. A server that fails is reported on
// stderr in words that say what to do; the others' records are printed
// all the same, and the exit code says that some failed (7).
type Each struct {
	IO      *IOStreams
	Servers []*Server
	Printer *Printer
	// Action is what the command does, for an account that may not
	// ("change jobs").
	Action string
	// Noun names what is listed, for "no jobs match" and "20 of 1500 jobs
	// shown" on a terminal ("" for neither).
	Noun string
	// More is the hint after "N of M shown" ("--all for every one").
	More string
}

// Run runs fn on every server at once and prints what they gave.
func (e *Each) Run(ctx context.Context, fn func(ctx context.Context, s *Server) (Rows, error)) error {
	multi := len(e.Servers) > 1
	e.Printer.SetMulti(multi)
	results := make([]Rows, len(e.Servers))
	errs := make([]error, len(e.Servers))
	var wg sync.WaitGroup
	for i, s := range e.Servers {
		if s.Err != nil {
			errs[i] = s.Err
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = fn(ctx, s)
		}()
	}
	wg.Wait()
	var first error
	failed, shown, total := 0, 0, 0
	for i, res := range results {
		for _, r := range res.Records {
			if multi {
				r = r.Labelled(e.Servers[i].Name)
			}
			if err := e.Printer.Add(r); err != nil {
				return err
			}
		}
		shown += len(res.Records)
		total += max(res.Total, len(res.Records))
		if errs[i] == nil {
			continue
		}
		err := Explain(errs[i], e.Servers[i], e.Action)
		var ee *CodeError
		if errors.As(err, &ee) && ee.Err == nil {
			// A code without a message (jobs wait's): nothing to report.
		} else if multi {
			e.IO.Warnf("%s", Named(e.Servers[i].Name, err))
		}
		failed++
		if first == nil {
			first = err
		}
	}
	if shown > 0 || failed == 0 { // a failure alone prints no empty document
		if err := e.Printer.Flush(); err != nil {
			return err
		}
	}
	if e.Noun != "" && e.Printer.Human() {
		switch {
		case shown == 0 && failed == 0:
			e.IO.Printf("no %ss match\n", e.Noun)
		case total > shown:
			e.IO.Printf("%d of %s shown%s\n", shown, Plural(total, e.Noun), e.More)
		}
	}
	switch {
	case failed == 0:
		return nil
	case !multi:
		return first
	case failed < len(e.Servers):
		return &CodeError{Code: ExitPartial, Err: fmt.Errorf("%d of %d servers failed", failed, len(e.Servers))}
	}
	return &CodeError{Code: ExitCode(first), Err: fmt.Errorf("all %d servers failed", len(e.Servers))}
}

// CheckWrite refuses a write that names objects by id on several servers
// unless all (--all-servers) says so: an id names unrelated objects on
// different servers. what is the command ("jobs set-state").
func CheckWrite(servers []*Server, byID, all bool, what string) error {
	if !byID || all || len(servers) < 2 {
		return nil
	}
	return Usagef("%s names objects by id, and an id names unrelated objects on different servers: it would act on each of the "+
		"%d servers (%s). Name one server, or add --all-servers to act on every one", what, len(servers), Names(servers))
}

// Named is err's text led by the server's name, unless it already is.
func Named(name string, err error) string {
	msg := err.Error()
	if strings.HasPrefix(msg, name+": ") {
		return msg
	}
	return name + ": " + msg
}
