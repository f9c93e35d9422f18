// Command bench compares ways of reading every plugin job of a server, in
// one process and one run, so that the ratios between them hold on a
// shared, noisy machine: each round runs every contender once, in a
// rotating order, and the ratios are taken within a round (the median over
// the rounds is reported).
//
// Contenders: this library with its defaults (4 pages in flight) and
// strictly sequential, Python requests (python3-requests, sequential, as
// the Torrent Suite's own tools read; limit 1000 and limit 20), a
// hand-written Go loop (net/http and encoding/json into plain types), and
// the server-bound floor (the pages fetched 4 at a time, read but not
// decoded). The CPU comparison reads -cpu-jobs jobs from a replay server in
// a child process and counts only this process's CPU.
//
// Servers: the reference server named by -reference (bench/run.sh starts
// one holding 20 000 jobs), and an in-process replay server holding
// -replay-jobs jobs, answering at once or after -latency per page.
//
//	bash bench/run.sh          # the documented command: writes bench/RESULTS.md
//	go run ./bench -reference http://127.0.0.1:8790 -rounds 3
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/tsapi-go/tsapi"
)

// contender reads every job of the server at base and returns how many.
type contender struct {
	key, name string
	run       func(ctx context.Context, base string) (int, error)
}

func main() {
	reference := flag.String("reference", os.Getenv("TSAPI_TEST_SERVER"), "reference server URL (empty: skip)")
	rounds := flag.Int("rounds", 3, "rounds per scenario")
	replayJobs := flag.Int("replay-jobs", 20000, "jobs on the replay server")
	out := flag.String("out", "", "write the results as Markdown to this file too")
	rss := flag.String("rss-child", "", "internal: iterate over the replay server at this URL and print the peak RSS")
	serve := flag.Int("serve-replay", 0, "internal: serve a replay server of this many jobs, print its URL and wait")
	cpuJobs := flag.Int("cpu-jobs", 100000, "jobs for the CPU comparison (its replay server runs in a child process)")
	flag.Parse()
	ctx := context.Background()
	if *serve > 0 {
		srv := newReplay(*serve, 0)
		fmt.Println(srv.URL)
		_, _ = io.Copy(io.Discard, os.Stdin) // until the parent goes
		srv.Close()
		return
	}
	if *rss != "" {
		if _, err := libRun(4, tsapi.DefaultPageSize)(ctx, *rss); err != nil {
			log.Fatal(err)
		}
		fmt.Println(peakRSS())
		return
	}
	var report strings.Builder
	var ref map[string]float64
	fmt.Fprintf(&report, "Measured %s on %d cores (%s/%s, %s), %d rounds a scenario; each figure is the median over the rounds, each ratio the median of the ratios within a round.\n\n",
		time.Now().UTC().Format("2006-01-02 15:04 UTC"), runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, runtime.Version(), *rounds)

	contenders := []contender{
		{"default", "tsapi default", libRun(0, tsapi.DefaultPageSize)},
		{"sequential", "tsapi sequential", libRun(1, tsapi.DefaultPageSize)},
		{"handwritten", "hand-written Go loop", handWritten},
		{"floor", "floor: 4 pages in flight, no decode", floor},
		{"fanout", "caller fan-out over List: 4 offset pages in flight, unordered", fanOut},
		{"python1000", "Python requests, limit 1000", python(1000)},
		{"python20", "Python requests, limit 20", python(20)},
	}
	if *reference != "" {
		ref = scenario(ctx, &report, "Reference server (real django-tastypie, gunicorn)", *reference, contenders, *rounds)
	}
	fast := newReplay(*replayJobs, 0)
	defer fast.Close()
	scenario(ctx, &report, fmt.Sprintf("Replay server, %d jobs, no latency", *replayJobs), fast.URL, contenders[:5], *rounds)
	slow := newReplay(100*tsapi.DefaultPageSize, 20*time.Millisecond)
	defer slow.Close()
	latency := scenario(ctx, &report, "Replay server, 100 pages of 1000, 20 ms a page", slow.URL, contenders[:5], *rounds)

	cpu := cpuScenario(ctx, &report, *cpuJobs, contenders[:3], *rounds)

	fmt.Fprintf(&report, "### Peak memory (RSS) of a whole iteration, 4 pages in flight, replay server\n\n| jobs | peak RSS |\n|---|---|\n")
	var peaks []int
	for _, n := range []int{10000, 100000} {
		srv := newReplay(n, 0)
		b, err := exec.CommandContext(ctx, os.Args[0], "-rss-child", srv.URL).Output()
		srv.Close()
		if err != nil {
			log.Fatalf("peak memory at %d jobs: %v", n, err)
		}
		kb, _ := strconv.Atoi(strings.TrimSpace(string(b)))
		peaks = append(peaks, kb)
		fmt.Fprintf(&report, "| %d | %.1f MiB |\n", n, float64(kb)/1024)
	}
	growth := float64(peaks[1]) / float64(peaks[0])
	fmt.Fprintf(&report, "\n100k against 10k: %.2fx.\n", growth)

	// The targets, from the ratios above (each a median of ratios taken
	// within a round).
	fmt.Fprintf(&report, "\n### Against the targets\n\n| measure | target | measured |\n|---|---|---|\n")
	if ref != nil {
		fmt.Fprintf(&report, "| reference, 20 000 jobs: default against the 4-in-flight floor | at most 1.10x | %.2fx |\n", 1/ref["floor"])
		fmt.Fprintf(&report, "| reference, 20 000 jobs: default against the caller's fan-out over List | at most 1.05x | %.2fx |\n", 1/ref["fanout"])
		fmt.Fprintf(&report, "| reference: Python requests at limit 1000 against the default | at least 1.6x | %.2fx |\n", ref["python1000"])
		fmt.Fprintf(&report, "| reference: Python requests at limit 20 against the default | at least 8x | %.2fx |\n", ref["python20"])
	}
	fmt.Fprintf(&report, "| 20 ms a page, 100 pages: sequential against the default | at least 3x | %.2fx |\n", latency["sequential"])
	fmt.Fprintf(&report, "| CPU for %d jobs: default against the hand-written loop | at most 1.10x | %.2fx |\n", *cpuJobs, cpu["default"])
	fmt.Fprintf(&report, "| peak RSS, 100k jobs against 10k, 4 in flight | at most 1.2x | %.2fx |\n", growth)

	fmt.Print(report.String())
	if *out != "" {
		if err := os.WriteFile(*out, []byte(report.String()), 0o644); err != nil {
			log.Fatal(err)
		}
	}
}

// scenario runs every contender rounds times against base and reports
// the medians and the ratios to the first contender.
func scenario(ctx context.Context, w io.Writer, title, base string, cs []contender, rounds int) map[string]float64 {
	times := make([][]time.Duration, len(cs))
	ratios := make([][]float64, len(cs))
	counts := make([]int, len(cs))
	out := map[string]float64{}
	for r := range rounds {
		round := make([]time.Duration, len(cs))
		for k := range cs {
			i := (k + r) % len(cs) // a rotating order: no contender always first
			start := time.Now()
			n, err := cs[i].run(ctx, base)
			if err != nil {
				log.Fatalf("%s: %s: %v", title, cs[i].name, err)
			}
			round[i] = time.Since(start)
			counts[i] = n
		}
		for i := range cs {
			times[i] = append(times[i], round[i])
			ratios[i] = append(ratios[i], float64(round[i])/float64(round[0]))
		}
	}
	fmt.Fprintf(w, "### %s\n\n| contender | jobs | time | vs tsapi default | range over the rounds |\n|---|---|---|---|---|\n", title)
	for i, c := range cs {
		fmt.Fprintf(w, "| %s | %d | %s | %.2fx | %.2f-%.2fx |\n", c.name, counts[i], median(times[i]).Round(time.Millisecond), medianF(ratios[i]), slices.Min(ratios[i]), slices.Max(ratios[i]))
		out[c.key] = medianF(ratios[i])
	}
	fmt.Fprintln(w)
	log.Printf("done: %s", title)
	return out
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}

func medianF(f []float64) float64 {
	s := slices.Clone(f)
	slices.Sort(s)
	return s[len(s)/2]
}

// cpuScenario measures the CPU (user and system) this process spends
// reading n jobs from a replay server run in a child process, so that
// the server's work is not counted.
func cpuScenario(ctx context.Context, w io.Writer, n int, cs []contender, rounds int) map[string]float64 {
	cmd := exec.CommandContext(ctx, os.Args[0], "-serve-replay", strconv.Itoa(n))
	stdin, err := cmd.StdinPipe()
	if err != nil {
		log.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		log.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		log.Fatal(err)
	}
	defer func() { stdin.Close(); _ = cmd.Wait() }()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		log.Fatalf("replay child: %v", err)
	}
	base := strings.TrimSpace(line)
	out := map[string]float64{}
	cpu := make([][]time.Duration, len(cs))
	ratios := make([][]float64, len(cs))
	for r := range rounds {
		round := make([]time.Duration, len(cs))
		for k := range cs {
			i := (k + r) % len(cs)
			runtime.GC()
			before := cpuTime()
			got, err := cs[i].run(ctx, base)
			if err != nil || got != n {
				log.Fatalf("CPU: %s: %d jobs, %v", cs[i].name, got, err)
			}
			round[i] = cpuTime() - before
		}
		for i := range cs {
			cpu[i] = append(cpu[i], round[i])
			ratios[i] = append(ratios[i], float64(round[i])/float64(round[len(cs)-1]))
		}
	}
	fmt.Fprintf(w, "### CPU to read %d jobs (replay server in another process, no latency)\n\n| contender | CPU (user+system) | vs hand-written loop |\n|---|---|---|\n", n)
	for i, c := range cs {
		fmt.Fprintf(w, "| %s | %s | %.2fx |\n", c.name, median(cpu[i]).Round(time.Millisecond), medianF(ratios[i]))
		out[c.key] = medianF(ratios[i])
	}
	fmt.Fprintln(w)
	log.Printf("done: CPU")
	return out
}

// cpuTime is the CPU time this process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		log.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// libRun reads every job with this library, conc pages in flight (0: the
// library's default).
func libRun(conc, limit int) func(context.Context, string) (int, error) {
	return func(ctx context.Context, base string) (int, error) {
		opts := []tsapi.Option{tsapi.WithBasicAuth("ionadmin", "ionadmin")}
		if conc > 0 {
			opts = append(opts, tsapi.WithConcurrency(conc))
		}
		c, err := tsapi.New(base, opts...)
		if err != nil {
			return 0, err
		}
		n := 0
		for _, err := range c.PluginResultJobs.All(ctx, &tsapi.PluginResultJobListOptions{ListOptions: tsapi.ListOptions{Limit: limit}}) {
			if err != nil {
				return n, err
			}
			n++
		}
		return n, nil
	}
}

// plainJob is every field of a job in plain types, as a hand-written
// client would decode it. It is the hand-written contender's own type on
// purpose, not tsapi.PluginResultJob or tsapitest.Job: the comparison is
// with code that owes nothing to this module. It must still hold every
// field the server sends (TestFieldSyncJob in fieldsync_test.go checks),
// so that both sides decode the same work.
type plainJob struct {
	ID              int64           `json:"id"`
	GridEngineJobID *int64          `json:"grid_engine_jobid"`
	State           string          `json:"state"`
	StartTime       *time.Time      `json:"starttime"`
	EndTime         *time.Time      `json:"endtime"`
	Config          json.RawMessage `json:"config"`
	RunLevel        string          `json:"run_level"`
	ResourceURI     string          `json:"resource_uri"`
}

type plainPage struct {
	Meta struct {
		TotalCount int    `json:"total_count"`
		Next       string `json:"next"`
	} `json:"meta"`
	Objects []plainJob `json:"objects"`
}

func get(ctx context.Context, url string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	req.SetBasicAuth("ionadmin", "ionadmin")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("%s: %s", url, resp.Status)
	}
	return b, err
}

// handWritten follows meta.next with net/http and encoding/json. The
// server's times (milliseconds in the microsecond digits) decode as they
// are: it does no more work than that.
func handWritten(ctx context.Context, base string) (int, error) {
	url := base + "/rundb/api/v1/PluginResultJob/?limit=1000"
	n := 0
	for url != "" {
		b, err := get(ctx, url)
		if err != nil {
			return n, err
		}
		var p plainPage
		if err := json.Unmarshal(b, &p); err != nil {
			return n, err
		}
		n += len(p.Objects)
		url = ""
		if p.Meta.Next != "" {
			url = base + p.Meta.Next
		}
	}
	return n, nil
}

// floor fetches the pages 4 at a time by offset and decodes nothing: the
// server's own speed.
func floor(ctx context.Context, base string) (int, error) {
	b, err := get(ctx, base+"/rundb/api/v1/PluginResultJob/?limit=1")
	if err != nil {
		return 0, err
	}
	var p plainPage
	if err := json.Unmarshal(b, &p); err != nil {
		return 0, err
	}
	total := p.Meta.TotalCount
	var mu sync.Mutex
	var firstErr error
	sem := make(chan struct{}, 4)
	var wg sync.WaitGroup
	for off := 0; off < total; off += 1000 {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if _, err := get(ctx, base+"/rundb/api/v1/PluginResultJob/?limit=1000&offset="+strconv.Itoa(off)); err != nil {
				mu.Lock()
				firstErr = err
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return total, firstErr
}

// fanOut is what a caller can write around List: the first page for the
// total, then 4 goroutines taking the other pages by offset, each decoded
// by the library, in no order.
func fanOut(ctx context.Context, base string) (int, error) {
	c, err := tsapi.New(base, tsapi.WithBasicAuth("ionadmin", "ionadmin"))
	if err != nil {
		return 0, err
	}
	first, resp, err := c.PluginResultJobs.List(ctx, &tsapi.PluginResultJobListOptions{ListOptions: tsapi.ListOptions{Limit: 1000}})
	if err != nil {
		return 0, err
	}
	total := resp.Meta.TotalCount
	var mu sync.Mutex
	n, firstErr := len(first), error(nil)
	offsets := make(chan int)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for off := range offsets {
				jobs, _, err := c.PluginResultJobs.List(ctx, &tsapi.PluginResultJobListOptions{ListOptions: tsapi.ListOptions{Limit: 1000, Offset: off}})
				mu.Lock()
				n += len(jobs)
				if err != nil && firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
			}
		}()
	}
	for off := len(first); off < total; off += 1000 {
		offsets <- off
	}
	close(offsets)
	wg.Wait()
	return n, firstErr
}

func python(limit int) func(context.Context, string) (int, error) {
	return func(ctx context.Context, base string) (int, error) {
		out, err := exec.CommandContext(ctx, "/usr/bin/python3", "bench/requests_client.py", base, strconv.Itoa(limit), "ionadmin", "ionadmin").Output()
		if err != nil {
			return 0, fmt.Errorf("python3 requests: %w", err)
		}
		return strconv.Atoi(strings.TrimSpace(string(out)))
	}
}

// newReplay serves n jobs the way the Torrent Server lists them (newest
// first, limit capped at 1000, next links, id__lt and id__gte), from pages
// encoded once, after latency per page.
func newReplay(n int, latency time.Duration) *httptest.Server {
	jobs := make([][]byte, n+1)
	for id := 1; id <= n; id++ {
		jobs[id] = fmt.Appendf(nil, `{"config": {"threads": 4, "reference": "hg19", "ratio": "0.5", "select_dialog": ["run_name", "samplename"]}, "endtime": "2017-08-09T20:30:11.000942+00:00", "grid_engine_jobid": -1, "id": %d, "resource_uri": "/rundb/api/v1/PluginResultJob/%d/", "run_level": "default", "starttime": "2017-08-09T20:26:03.000549+00:00", "state": "Completed"}`, id, id)
	}
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if latency > 0 {
			time.Sleep(latency)
		}
		q := r.URL.Query()
		limit, _ := strconv.Atoi(q.Get("limit"))
		if limit <= 0 || limit > 1000 {
			limit = 1000
		}
		offset, _ := strconv.Atoi(q.Get("offset"))
		hi := n
		if v := q.Get("id__lt"); v != "" {
			lt, _ := strconv.Atoi(v)
			hi = min(hi, lt-1)
		}
		lo := 1
		if v := q.Get("id__gte"); v != "" {
			lo, _ = strconv.Atoi(v)
		}
		total := max(0, hi-lo+1)
		var b strings.Builder
		next := "null"
		if offset+limit < total {
			nq := r.URL.Query()
			nq.Set("offset", strconv.Itoa(offset+limit))
			nq.Set("limit", strconv.Itoa(limit))
			next = strconv.Quote(r.URL.Path + "?" + nq.Encode())
		}
		fmt.Fprintf(&b, `{"meta": {"limit": %d, "next": %s, "offset": %d, "previous": null, "total_count": %d}, "objects": [`, limit, next, offset, total)
		for i, id := 0, hi-offset; i < limit && id >= lo; i, id = i+1, id-1 {
			if i > 0 {
				b.WriteString(", ")
			}
			b.Write(jobs[id])
		}
		b.WriteString("]}")
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, b.String())
	}))
}

// peakRSS is the process's peak resident set size in KiB (VmHWM).
func peakRSS() int {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			return n
		}
	}
	return 0
}
