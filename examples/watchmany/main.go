// Command watchmany watches the plugin jobs of several Torrent Servers at
// once, one Client per server, and prints their events merged into one
// stream, each labelled with its server.
//
// Usage:
//
//	watchmany [-interval 5s] [-for 0] https://ts1.example.org https://ts2.example.org
//	watchmany -demo
//
// The servers' account comes from $TSAPI_USER and $TSAPI_PASSWORD (the same
// account on each; $TSAPI_CA_FILE for a self-signed certificate). -demo
// starts two in-process fake servers (tsapitest), changes jobs on them, and
// stops after their events. -for stops after that long (0: until
// interrupted). A server that stops answering does not stop the others:
// each watch backs off on its own and says so on stderr.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/tsapi-go/tsapi"
	"github.com/tsapi-go/tsapi/tsapitest"
)

// event is one job event of one server.
type event struct {
	server string
	ev     tsapi.JobEvent
}

func main() {
	interval := flag.Duration("interval", tsapi.DefaultWatchInterval, "time between polls of each server")
	runFor := flag.Duration("for", 0, "stop after this long (0: until interrupted)")
	demo := flag.Bool("demo", false, "watch two in-process fake servers instead of real ones")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: watchmany [-interval 5s] [-for 0] URL...\n       watchmany -demo\n\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *runFor > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *runFor)
		defer cancel()
	}
	var err error
	switch {
	case *demo:
		err = runDemo(ctx)
	case flag.NArg() == 0:
		flag.Usage()
		fmt.Fprintln(os.Stderr, "watchmany: name at least one server, or run with -demo")
		os.Exit(2)
	default:
		clients := map[string]*tsapi.Client{}
		for _, url := range flag.Args() {
			c, cerr := newClient(url)
			if cerr != nil {
				fmt.Fprintln(os.Stderr, "watchmany:", cerr)
				os.Exit(2)
			}
			clients[url] = c
		}
		err = watchAll(ctx, clients, *interval, func(e event) { printEvent(e) })
	}
	if err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
		fmt.Fprintln(os.Stderr, "watchmany:", err)
		os.Exit(1)
	}
}

func newClient(url string) (*tsapi.Client, error) {
	opts := []tsapi.Option{}
	if u := os.Getenv("TSAPI_USER"); u != "" {
		opts = append(opts, tsapi.WithBasicAuth(u, os.Getenv("TSAPI_PASSWORD")))
	}
	if ca := os.Getenv("TSAPI_CA_FILE"); ca != "" {
		opts = append(opts, tsapi.WithCAFile(ca))
	}
	return tsapi.New(url, opts...)
}

func printEvent(e event) {
	state := ""
	if e.ev.Job != nil {
		state = string(e.ev.Job.State)
	}
	switch e.ev.Type {
	case tsapi.JobAppeared:
		fmt.Printf("%-28s job %d appeared: %s\n", e.server, e.ev.ID, state)
	case tsapi.JobChanged:
		fmt.Printf("%-28s job %d: %s -> %s\n", e.server, e.ev.ID, orNone(e.ev.Previous), state)
	case tsapi.JobGone:
		fmt.Printf("%-28s job %d deleted (was %s)\n", e.server, e.ev.ID, e.ev.Previous)
	}
}

func orNone(s tsapi.JobState) string {
	if s == "" {
		return "(not followed)"
	}
	return string(s)
}

// watchAll watches every server until ctx ends or a watch fails for good,
// handing each event to handle (one goroutine at a time). A failed server
// is reported and the others go on; the first such error is returned.
func watchAll(ctx context.Context, clients map[string]*tsapi.Client, interval time.Duration, handle func(event)) error {
	events := make(chan event)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	for name, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			opts := &tsapi.WatchOptions{Interval: interval, OnError: func(err error) {
				fmt.Fprintf(os.Stderr, "%s: not answering, backing off: %v\n", name, err)
			}}
			for ev, err := range c.PluginResultJobs.Watch(ctx, opts) {
				if err != nil {
					fmt.Fprintf(os.Stderr, "%s: watch ended: %v\n", name, err)
					mu.Lock()
					if first == nil {
						first = fmt.Errorf("%s: %w", name, err)
					}
					mu.Unlock()
					return
				}
				select {
				case events <- event{server: name, ev: ev}:
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	go func() { wg.Wait(); close(events) }()
	for e := range events {
		handle(e)
	}
	mu.Lock()
	defer mu.Unlock()
	if first != nil {
		return first
	}
	return ctx.Err()
}

// runDemo watches two fake servers while another client changes their
// jobs, and stops once every change has been seen.
func runDemo(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	servers := map[string]*tsapitest.Server{}
	clients := map[string]*tsapi.Client{}
	for _, name := range []string{"ts-a (fake)", "ts-b (fake)"} {
		srv := tsapitest.NewServer()
		defer srv.Close()
		for i := 0; i < 3; i++ {
			srv.AddJob(tsapitest.Job{State: "Queued"})
		}
		srv.AddJob(tsapitest.Job{State: "Completed"})
		c, err := srv.AdminClient()
		if err != nil {
			return err
		}
		servers[name], clients[name] = srv, c
	}
	fmt.Fprintln(os.Stderr, "watchmany: watching two in-process fake servers (demo)")
	go func() {
		time.Sleep(300 * time.Millisecond)
		for _, srv := range servers {
			srv.UpdateJob(1, func(j *tsapitest.Job) { j.State = "Started" })
			srv.AddJob(tsapitest.Job{State: "Queued"})
			srv.DeleteJob(2)
		}
		time.Sleep(300 * time.Millisecond)
		for _, srv := range servers {
			srv.UpdateJob(1, func(j *tsapitest.Job) { j.State = "Completed" })
		}
	}()
	want := 4 * len(servers) // started, appeared, deleted, completed
	seen := 0
	err := watchAll(ctx, clients, 100*time.Millisecond, func(e event) {
		printEvent(e)
		if seen++; seen == want {
			cancel()
		}
	})
	if seen < want {
		return fmt.Errorf("saw %d of %d events", seen, want)
	}
	if errors.Is(err, context.Canceled) {
		err = nil
	}
	return err
}
