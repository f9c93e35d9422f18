package tsapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
	"pgregory.net/rapid"

	"github.com/tsapi-go/tsapi"
	"github.com/tsapi-go/tsapi/internal/refserver"
	"github.com/tsapi-go/tsapi/tsapitest"
)

// The model-based test of iteration: a data set, an option set drawn from
// every typed filter and from Filters, a page size, a concurrency and a
// paging mode, changes on the server while the iteration runs, and a
// consumer that stops in any of the ways a Go program can. The oracle is
// the server's own filter over its rows, read by offset while nothing
// changes, before and after the iteration:
//
//   - every object yielded matched the options at one of those times;
//   - no object is yielded twice, and ids come newest first;
//   - a consumer that reads to the end gets every object that matched
//     before and after (so existed, unchanged, for the whole iteration);
//     with nothing changing, a consumer that stops after k objects got
//     the first k;
//   - every call returns within a deadline, with no goroutine left.
//
// Reproduce a failure with the seed it prints:
//
//	go test -run TestIterationModel -rapid.seed=N .
//
// It runs 300 cases against tsapitest and 25 against the reference server
// (TSAPI_TEST_SERVER); -rapid.checks=N runs N.

var iterStates = []string{"Queued", "Pending", "Started", "Completed", "Error", "Cancelled", "Declined", "Resource"}
var iterRunLevels = []string{"default", "pre", "separator", "block", "post", "last"}
var iterEpoch = time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)

// iterRow is a generated job.
type iterRow struct {
	id       int64
	state    string
	runLevel string
	gridID   *int64
	start    *time.Time
	end      *time.Time
}

func (r iterRow) job() tsapitest.Job {
	return tsapitest.Job{ID: r.id, State: r.state, RunLevel: r.runLevel, GridEngineJobID: r.gridID, StartTime: r.start, EndTime: r.end}
}

// drawRows draws up to maxRows jobs with ids dense, sparse or in clumps.
func drawRows(t *rapid.T, maxRows int) []iterRow {
	n := rapid.IntRange(0, maxRows).Draw(t, "rows")
	gaps := rapid.SampledFrom([]string{"dense", "sparse", "clumps"}).Draw(t, "gaps")
	rows := make([]iterRow, 0, n)
	id := rapid.Int64Range(0, 50).Draw(t, "first id")
	for i := range n {
		switch gaps {
		case "dense":
			id++
		case "sparse":
			id += rapid.Int64Range(1, 40).Draw(t, "gap")
		default:
			if i%97 == 0 {
				id += rapid.Int64Range(1, 5000).Draw(t, "gap")
			} else {
				id++
			}
		}
		rows = append(rows, drawRow(t, id))
	}
	return rows
}

// drawRow draws a job's fields. Its values are few, so that filters on
// them match some rows and miss others.
func drawRow(t *rapid.T, id int64) iterRow {
	r := iterRow{id: id, state: rapid.SampledFrom(iterStates).Draw(t, "state"), runLevel: rapid.SampledFrom(iterRunLevels).Draw(t, "run level")}
	if g := rapid.IntRange(-1, 5).Draw(t, "grid"); g >= 0 {
		r.gridID = tsapi.Ptr(int64(g))
	}
	if m := rapid.IntRange(-1, 120).Draw(t, "start"); m >= 0 {
		r.start = tsapi.Ptr(iterEpoch.Add(time.Duration(m) * time.Minute))
		if d := rapid.IntRange(-1, 60).Draw(t, "end"); d >= 0 {
			r.end = tsapi.Ptr(r.start.Add(time.Duration(d) * time.Minute))
		}
	}
	return r
}

// drawOptions draws an option set from every typed filter of the job's
// list options and from Filters (never the same parameter both ways,
// which the library refuses). Each filter is absent more often than not,
// so that most cases match many rows; id bounds fall near the data's ids.
func drawOptions(t *rapid.T, ids []int64) *tsapi.PluginResultJobListOptions {
	o := &tsapi.PluginResultJobListOptions{}
	o.Filters = url.Values{}
	how := func(label string, ways ...string) string {
		return rapid.SampledFrom(append(slices.Repeat([]string{"none"}, 12), ways...)).Draw(t, label)
	}
	idv := func(label string) int64 {
		if len(ids) == 0 || rapid.IntRange(0, 9).Draw(t, label+" anywhere") == 9 {
			return rapid.Int64Range(0, 100000).Draw(t, label)
		}
		return rapid.SampledFrom(ids).Draw(t, label) + rapid.Int64Range(-2, 2).Draw(t, label+" delta")
	}
	bound := func(p **int64, param string) {
		switch how(param, "typed", "filters") {
		case "typed":
			*p = tsapi.Ptr(idv(param))
		case "filters":
			o.Filters.Set(param, strconv.FormatInt(idv(param), 10))
		}
	}
	bound(&o.IDGte, "id__gte")
	bound(&o.IDGt, "id__gt")
	bound(&o.IDLt, "id__lt")
	bound(&o.IDLte, "id__lte")
	switch how("id", "exact", "in") {
	case "exact":
		o.ID = tsapi.Ptr(idv("id"))
	case "in":
		for range rapid.IntRange(1, 30).Draw(t, "id__in count") {
			o.IDIn = append(o.IDIn, idv("id__in"))
		}
	}
	switch how("state", "exact", "in", "empty list", "filters") {
	case "exact":
		o.State = tsapi.JobState(rapid.SampledFrom(iterStates).Draw(t, "state value"))
	case "in":
		for _, s := range rapid.SliceOfNDistinct(rapid.SampledFrom(iterStates), 1, 5, rapid.ID).Draw(t, "state__in values") {
			o.StateIn = append(o.StateIn, tsapi.JobState(s))
		}
	case "empty list":
		o.Filters["state"] = nil // a flag that was not given: no filter
	case "filters":
		o.Filters.Set("state__in", rapid.SampledFrom(iterStates).Draw(t, "state__in value"))
	}
	switch how("run level", "exact", "in", "empty list") {
	case "exact":
		o.RunLevel = tsapi.RunLevel(rapid.SampledFrom(iterRunLevels).Draw(t, "run level value"))
	case "in":
		for _, s := range rapid.SliceOfNDistinct(rapid.SampledFrom(iterRunLevels), 1, 4, rapid.ID).Draw(t, "run_level__in values") {
			o.RunLevelIn = append(o.RunLevelIn, tsapi.RunLevel(s))
		}
	case "empty list":
		o.Filters["run_level__in"] = []string{}
	}
	switch how("grid", "isnull", "in", "exact") {
	case "isnull":
		o.GridEngineJobIDIsNull = tsapi.Ptr(rapid.Bool().Draw(t, "grid isnull"))
	case "in":
		o.GridEngineJobIDIn = rapid.SliceOfN(rapid.Int64Range(0, 5), 1, 4).Draw(t, "grid in")
	case "exact":
		o.GridEngineJobID = tsapi.Ptr(rapid.Int64Range(0, 5).Draw(t, "grid value"))
	}
	at := func(label string) *time.Time {
		return tsapi.Ptr(iterEpoch.Add(time.Duration(rapid.IntRange(-5, 200).Draw(t, label)) * time.Minute))
	}
	switch how("time", "start gte", "start lte", "end between", "start isnull", "end isnull") {
	case "start gte":
		o.StartTimeGte = at("starttime__gte")
	case "start lte":
		o.StartTimeLte = at("starttime__lte")
	case "end between":
		o.EndTimeGte, o.EndTimeLte = at("endtime__gte"), at("endtime__lte")
	case "start isnull":
		o.StartTimeIsNull = tsapi.Ptr(rapid.Bool().Draw(t, "starttime isnull"))
	case "end isnull":
		o.EndTimeIsNull = tsapi.Ptr(rapid.Bool().Draw(t, "endtime isnull"))
	}
	return o
}

// iterChange is a change the server makes while the iteration runs: before
// the client's request number at, insert jobs (new ids, above or between
// the existing ones) or delete jobs that existed before the iteration.
type iterChange struct {
	at      int
	inserts []iterRow
	deletes []int64
}

// iterConsumer is how the caller reads.
type iterConsumer struct {
	kind string // all, break, collect, pull, panic, cancel
	k    int
}

// iterCase is one drawn case.
type iterCase struct {
	rows     []iterRow
	opts     *tsapi.PluginResultJobListOptions
	changes  []iterChange
	consumer iterConsumer
}

func drawIterCase(t *rapid.T, maxRows int) iterCase {
	var c iterCase
	c.rows = drawRows(t, maxRows)
	maxID := int64(0)
	if len(c.rows) > 0 {
		maxID = c.rows[len(c.rows)-1].id
	}
	ids := make([]int64, len(c.rows))
	for i, r := range c.rows {
		ids[i] = r.id
	}
	c.opts = drawOptions(t, ids)
	// Pages of at least a hundredth of the rows keep a case's requests
	// bounded; small pages are drawn on small data sets.
	least := max(1, len(c.rows)/100)
	if rapid.Bool().Draw(t, "small pages") {
		c.opts.Limit = rapid.IntRange(least, 5*least).Draw(t, "limit")
	} else {
		c.opts.Limit = rapid.IntRange(least, 2000).Draw(t, "limit")
	}
	c.opts.Concurrency = rapid.IntRange(1, 8).Draw(t, "concurrency")
	c.opts.Paging = rapid.SampledFrom([]tsapi.PagingMode{tsapi.PagingAuto, tsapi.PagingKeyset, tsapi.PagingOffset}).Draw(t, "paging")
	c.consumer.kind = rapid.SampledFrom([]string{"all", "break", "collect", "pull", "panic", "cancel"}).Draw(t, "consumer")
	c.consumer.k = rapid.IntRange(0, len(c.rows)/4+2).Draw(t, "stop after")
	// Offset paging promises nothing while the server changes: it runs
	// on a still server.
	if c.opts.Paging != tsapi.PagingOffset && len(c.rows) > 0 && rapid.Bool().Draw(t, "churn") {
		next := maxID + 1
		existing := make([]int64, len(c.rows))
		for i, r := range c.rows {
			existing[i] = r.id
		}
		taken := map[int64]bool{}
		for _, id := range existing {
			taken[id] = true
		}
		for range rapid.IntRange(1, 6).Draw(t, "changes") {
			ch := iterChange{at: rapid.IntRange(2, 30).Draw(t, "at request")}
			for range rapid.IntRange(0, 5).Draw(t, "inserts") {
				id := next
				if rapid.Bool().Draw(t, "insert below the top") {
					// An id committed out of order, as PostgreSQL allows.
					id = rapid.Int64Range(1, maxID).Draw(t, "insert id")
				} else {
					next++
				}
				if taken[id] {
					continue
				}
				taken[id] = true
				ch.inserts = append(ch.inserts, drawRow(t, id))
			}
			for range rapid.IntRange(0, 8).Draw(t, "deletes") {
				ch.deletes = append(ch.deletes, rapid.SampledFrom(existing).Draw(t, "delete id"))
			}
			c.changes = append(c.changes, ch)
		}
	}
	return c
}

// oracleIDs lists the ids matching q on the server by offset pages, while
// nothing changes: the server's own filter over its rows.
func oracleIDs(t *rapid.T, hc *http.Client, apiURL string, auth func(*http.Request), q url.Values) []int64 {
	var ids []int64
	for offset := 0; ; offset += 1000 {
		cur := url.Values{}
		for k, v := range q {
			cur[k] = v
		}
		cur.Set("limit", "1000")
		cur.Set("offset", strconv.Itoa(offset))
		req, err := http.NewRequest(http.MethodGet, apiURL+"PluginResultJob/?"+cur.Encode(), nil)
		if err != nil {
			t.Fatalf("oracle request: %v", err)
		}
		auth(req)
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatalf("oracle: %v", err)
		}
		var page struct {
			Objects []struct {
				ID int64 `json:"id"`
			} `json:"objects"`
		}
		err = json.NewDecoder(resp.Body).Decode(&page)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("oracle: status %d, %v (query %s)", resp.StatusCode, err, cur.Encode())
		}
		for _, o := range page.Objects {
			ids = append(ids, o.ID)
		}
		if len(page.Objects) < 1000 {
			return ids
		}
	}
}

// consume reads it as the consumer says and returns the ids yielded and
// the error that ended the iteration (nil when complete or stopped).
func consume(ctx context.Context, cancel context.CancelFunc, svc tsapi.PluginResultJobService, opts *tsapi.PluginResultJobListOptions, c iterConsumer) (ids []int64, err error) {
	switch c.kind {
	case "collect":
		if c.k == 0 {
			c.k = 1
		}
		jobs, err := svc.Collect(ctx, opts, c.k)
		for _, j := range jobs {
			ids = append(ids, j.ID)
		}
		if errors.Is(err, tsapi.ErrTooMany) {
			err = nil
		}
		return ids, err
	case "pull":
		next, stop := iter.Pull2(svc.All(ctx, opts))
		defer stop()
		for len(ids) < c.k {
			j, err, ok := next()
			if !ok {
				return ids, nil
			}
			if err != nil {
				return ids, err
			}
			ids = append(ids, j.ID)
		}
		return ids, nil
	case "panic":
		defer func() {
			if r := recover(); r != nil && r != "stop" {
				panic(r)
			}
		}()
	}
	for j, err := range svc.All(ctx, opts) {
		if err != nil {
			return ids, err
		}
		if c.kind != "all" && len(ids) == c.k {
			switch c.kind {
			case "panic":
				panic("stop")
			case "cancel":
				// The iteration must end by itself: with ctx's error, or
				// complete if nothing was left to fetch.
				cancel()
				ids = append(ids, j.ID)
				continue
			}
			break
		}
		ids = append(ids, j.ID)
	}
	return ids, nil
}

// changingTransport makes the drawn changes on the server before the
// client's request number at, as the requests go out.
type changingTransport struct {
	srv     *tsapitest.Server
	mu      sync.Mutex
	n       int
	changes []iterChange
	sent    atomic.Int32
}

func (ct *changingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	ct.sent.Add(1)
	ct.mu.Lock()
	ct.n++
	for _, ch := range ct.changes {
		if ch.at != ct.n {
			continue
		}
		for _, row := range ch.inserts {
			ct.srv.AddJob(row.job())
		}
		for _, id := range ch.deletes {
			ct.srv.DeleteJob(id)
		}
	}
	ct.mu.Unlock()
	return http.DefaultTransport.RoundTrip(r)
}

// checkIteration runs one case against a server holding c.rows and checks
// it against the oracle.
func checkIteration(t *rapid.T, client *tsapi.Client, svc tsapi.PluginResultJobService, oracle func(url.Values) []int64, c iterCase, ct *changingTransport) {
	q, err := svc.(*tsapi.PluginResultJobServiceOp).Query(c.opts)
	if err != nil {
		t.Fatalf("Query: %v", err)
	}
	before := oracle(q)
	if ct != nil {
		ct.mu.Lock()
		ct.n, ct.changes = 0, c.changes
		ct.mu.Unlock()
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	type result struct {
		ids []int64
		err error
	}
	done := make(chan result, 1)
	go func() {
		ids, err := consume(ctx, cancel, svc, c.opts, c.consumer)
		done <- result{ids, err}
	}()
	var res result
	select {
	case res = <-done:
	case <-time.After(20 * time.Second):
		t.Fatalf("the iteration did not return within 20 s (consumer %s at %d)", c.consumer.kind, c.consumer.k)
	}
	if ct != nil {
		ct.mu.Lock()
		ct.changes = nil
		ct.mu.Unlock()
	}
	after := oracle(q)
	client.HTTPClient().CloseIdleConnections()

	if res.err != nil && (c.consumer.kind != "cancel" || !errors.Is(res.err, context.Canceled)) {
		t.Fatalf("iteration error: %v", res.err)
	}
	if c.consumer.kind == "cancel" && res.err == nil && len(c.changes) == 0 && len(res.ids) < len(before) {
		// A cancelled ctx with objects still to come must say so.
		t.Fatalf("cancelled after %d objects, %d of %d yielded, but the iteration ended without ctx's error", c.consumer.k, len(res.ids), len(before))
	}
	may := map[int64]bool{}
	for _, id := range before {
		may[id] = true
	}
	for _, id := range after {
		may[id] = true
	}
	seen := map[int64]bool{}
	for i, id := range res.ids {
		if !may[id] {
			t.Fatalf("yielded job %d, which the filter %s does not match", id, q.Encode())
		}
		if seen[id] {
			t.Fatalf("yielded job %d twice", id)
		}
		seen[id] = true
		if i > 0 && id >= res.ids[i-1] {
			t.Fatalf("job %d came after %d: not newest first", id, res.ids[i-1])
		}
	}
	if len(c.changes) == 0 {
		want := before
		switch c.consumer.kind {
		case "all":
		case "cancel":
			want = before[:min(len(before), max(len(res.ids), c.consumer.k))]
		case "collect":
			want = before[:min(len(before), max(c.consumer.k, 1))]
		default:
			want = before[:min(len(before), c.consumer.k)]
		}
		if !slices.Equal(want, res.ids) {
			t.Fatalf("yielded %d jobs %v\nwant %d jobs %v", len(res.ids), head(res.ids), len(want), head(want))
		}
		return
	}
	if c.consumer.kind == "all" {
		inAfter := map[int64]bool{}
		for _, id := range after {
			inAfter[id] = true
		}
		for _, id := range before {
			if inAfter[id] && !seen[id] {
				t.Fatalf("job %d matched throughout but was not yielded", id)
			}
		}
	}
}

// httpGoroutines are net/http's own: kept-alive connections of the
// clients and the servers, which outlive a case by design.
var httpGoroutines = []goleak.Option{
	goleak.IgnoreAnyFunction("net/http.(*persistConn).readLoop"),
	goleak.IgnoreAnyFunction("net/http.(*persistConn).writeLoop"),
	goleak.IgnoreAnyFunction("net/http.(*conn).serve"),
}

func head(ids []int64) string {
	if len(ids) > 12 {
		return fmt.Sprint(ids[:12]) + "..."
	}
	return fmt.Sprint(ids)
}

func TestIterationModel(t *testing.T) {
	srv := tsapitest.New(t)
	ct := &changingTransport{srv: srv}
	client, err := srv.AdminClient(tsapi.WithTransport(ct), tsapi.WithRetry(0, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	rapidChecks(t, 300)
	hc := srv.HTTPClient()
	auth := func(r *http.Request) { r.SetBasicAuth(tsapitest.AdminUser, tsapitest.AdminPassword) }
	cases, rows, churned := 0, 0, 0
	rapid.Check(t, func(rt *rapid.T) {
		cases++
		ignore := goleak.IgnoreCurrent()
		c := drawIterCase(rt, 2500)
		rows += len(c.rows)
		if len(c.changes) > 0 {
			churned++
		}
		srv.Reset()
		for _, r := range c.rows {
			srv.AddJob(r.job())
		}
		oracle := func(q url.Values) []int64 { return oracleIDs(rt, hc, srv.APIURL(), auth, q) }
		checkIteration(rt, client, client.PluginResultJobs, oracle, c, ct)
		goleak.VerifyNone(rt, append(httpGoroutines, ignore)...)
	})
	t.Logf("iteration model: %d cases against tsapitest, %d rows in all, %d with changes during the iteration, %d requests (-rapid.checks=N for more; a failure prints its -rapid.seed)",
		cases, rows, churned, ct.sent.Load())
}

// TestIterationModelReference runs the model against the reference server
// (real django-tastypie) on its seed: options, page sizes, concurrency and
// consumers are drawn; the data is the seed's 1500 jobs, and nothing
// changes while the iteration runs.
func TestIterationModelReference(t *testing.T) {
	base := refserver.Lock(t)
	refserver.Reset(t, base)
	rapidChecks(t, 25)
	client, err := tsapi.New(base, tsapi.WithBasicAuth("ionadmin", "ionadmin"), tsapi.WithRetry(0, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	auth := func(r *http.Request) { r.SetBasicAuth("ionadmin", "ionadmin") }
	var seedIDs []int64
	for j, err := range client.PluginResultJobs.All(context.Background(), nil) {
		if err != nil {
			t.Fatal(err)
		}
		seedIDs = append(seedIDs, j.ID)
	}
	cases := 0
	rapid.Check(t, func(rt *rapid.T) {
		cases++
		ignore := goleak.IgnoreCurrent()
		opts := drawOptions(rt, seedIDs)
		opts.Limit = rapid.IntRange(15, 1000).Draw(rt, "limit")
		opts.Concurrency = rapid.IntRange(1, 8).Draw(rt, "concurrency")
		opts.Paging = rapid.SampledFrom([]tsapi.PagingMode{tsapi.PagingAuto, tsapi.PagingKeyset, tsapi.PagingOffset}).Draw(rt, "paging")
		c := iterCase{opts: opts, consumer: iterConsumer{
			kind: rapid.SampledFrom([]string{"all", "break", "collect", "pull", "panic", "cancel"}).Draw(rt, "consumer"),
			k:    rapid.IntRange(0, 1600).Draw(rt, "stop after"),
		}}
		oracle := func(q url.Values) []int64 { return oracleIDs(rt, http.DefaultClient, base+"/rundb/api/v1/", auth, q) }
		checkIteration(rt, client, client.PluginResultJobs, oracle, c, nil)
		goleak.VerifyNone(rt, append(httpGoroutines, ignore)...)
	})
	t.Logf("iteration model: %d cases against the reference server", cases)
}

// rapidChecks makes the rapid.Check calls of t run n cases, unless the
// command line names -rapid.checks (or RAPID_CHECKS is set), which then
// wins: a budget for each property that the whole suite can afford, and a
// larger one by hand.
func rapidChecks(t *testing.T, n int) {
	t.Helper()
	given := os.Getenv("RAPID_CHECKS") != ""
	flag.Visit(func(f *flag.Flag) { given = given || f.Name == "rapid.checks" })
	f := flag.Lookup("rapid.checks")
	if given || f == nil {
		return
	}
	old := f.Value.String()
	if err := f.Value.Set(strconv.Itoa(n)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = f.Value.Set(old) })
}
