package tsapi

import (
	"context"
	"flag"
	"iter"
	"strconv"
	"testing"
	"time"
)

// WatchOnClock is Watch on a clock of the test's: now tells the time, and
// sleep is called for each wait between polls, in the goroutine that
// ranges over the watch, and ends the watch by returning false. Tests in
// package tsapi_test use it to make polls happen when they say.
func WatchOnClock(ctx context.Context, s PluginResultJobService, opts *WatchOptions, now func() time.Time,
	sleep func(context.Context, time.Duration) bool) iter.Seq2[JobEvent, error] {
	return s.(*PluginResultJobServiceOp).watch(ctx, opts, watchClock{now: now, sleep: sleep})
}

// RapidSeed fixes rapid's seed for a property test, so that the test can
// log it (rapid prints it only on failure), and sets its number of cases;
// either is left alone when the command line gives it (-rapid.seed,
// -rapid.checks). The returned function restores both.
func RapidSeed(t *testing.T, checks int) (uint64, func()) {
	t.Helper()
	undoChecks := setFlag(t, "rapid.checks", strconv.Itoa(checks))
	undoSeed := setFlag(t, "rapid.seed", strconv.FormatUint(uint64(time.Now().UnixNano()), 10))
	seed, err := strconv.ParseUint(flag.Lookup("rapid.seed").Value.String(), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return seed, func() { undoSeed(); undoChecks() }
}

// setFlag sets a flag unless the command line did, and returns what
// restores it.
func setFlag(t *testing.T, name, value string) func() {
	f := flag.Lookup(name)
	if f == nil {
		t.Fatalf("no flag %s", name)
	}
	set := false
	flag.Visit(func(v *flag.Flag) { set = set || v.Name == name })
	if set {
		return func() {}
	}
	old := f.Value.String()
	if err := f.Value.Set(value); err != nil {
		t.Fatal(err)
	}
	return func() { _ = f.Value.Set(old) }
}
