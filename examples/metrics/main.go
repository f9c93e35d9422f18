// Command metrics feeds a Prometheus registry from tsapi's request hook:
// requests by method and status, attempts, and durations, served on
// /metrics for Prometheus to scrape.
//
// Usage:
//
//	metrics [-listen :9301] [-interval 30s] https://ts.example.org
//	metrics -demo
//
// It counts the plugin jobs by state every interval, so that there is
// traffic to measure, and exports those counts too. The account comes from
// $TSAPI_USER and $TSAPI_PASSWORD. -demo runs a few requests against an
// in-process fake server (tsapitest) and prints the metrics instead of
// serving them.
//
// It is a module of its own, so that the library does not depend on the
// Prometheus client.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/common/expfmt"

	"github.com/tsapi-go/tsapi"
	"github.com/tsapi-go/tsapi/tsapitest"
)

// metrics are what the hook records.
type metrics struct {
	requests *prometheus.CounterVec
	attempts *prometheus.CounterVec
	duration *prometheus.HistogramVec
	jobs     *prometheus.GaugeVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tsapi_requests_total", Help: "Requests sent to the Torrent Server, by method and final status (0: no answer).",
		}, []string{"method", "status"}),
		attempts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tsapi_request_attempts_total", Help: "Attempts made for those requests, retries included.",
		}, []string{"method"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "tsapi_request_duration_seconds", Help: "Time from the first attempt to the last answer.",
			Buckets: prometheus.ExponentialBuckets(0.005, 2, 12),
		}, []string{"method"}),
		jobs: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "tsapi_plugin_jobs", Help: "Plugin jobs on the server, by state.",
		}, []string{"state"}),
	}
	reg.MustRegister(m.requests, m.attempts, m.duration, m.jobs)
	return m
}

// hook is the tsapi request hook that records a request.
func (m *metrics) hook(ri tsapi.RequestInfo) {
	m.requests.WithLabelValues(ri.Method, strconv.Itoa(ri.Status)).Inc()
	m.attempts.WithLabelValues(ri.Method).Add(float64(ri.Attempts))
	m.duration.WithLabelValues(ri.Method).Observe(ri.Duration.Seconds())
}

// count sets the job gauges.
func (m *metrics) count(ctx context.Context, c *tsapi.Client) error {
	for _, st := range tsapi.JobStates {
		n, _, err := c.PluginResultJobs.Count(ctx, &tsapi.PluginResultJobListOptions{State: st})
		if err != nil {
			return err
		}
		m.jobs.WithLabelValues(string(st)).Set(float64(n))
	}
	return nil
}

func main() {
	listen := flag.String("listen", ":9301", "address to serve /metrics on")
	interval := flag.Duration("interval", 30*time.Second, "time between counts of the jobs")
	demo := flag.Bool("demo", false, "measure requests to an in-process fake server and print the metrics")
	flag.Parse()
	reg := prometheus.NewRegistry()
	m := newMetrics(reg)
	if *demo {
		if err := runDemo(m, reg); err != nil {
			log.Fatal(err)
		}
		return
	}
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: metrics [-listen :9301] [-interval 30s] URL, or metrics -demo")
		os.Exit(2)
	}
	c, err := tsapi.New(flag.Arg(0), tsapi.WithBasicAuth(os.Getenv("TSAPI_USER"), os.Getenv("TSAPI_PASSWORD")),
		tsapi.WithRequestHook(m.hook))
	if err != nil {
		log.Fatal(err)
	}
	go func() {
		ctx := context.Background()
		for {
			if err := m.count(ctx, c); err != nil {
				log.Print(err)
			}
			time.Sleep(*interval)
		}
	}()
	http.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	log.Fatal(http.ListenAndServe(*listen, nil))
}

func runDemo(m *metrics, reg *prometheus.Registry) error {
	srv := tsapitest.NewServer()
	defer srv.Close()
	for _, st := range []string{"Queued", "Started", "Completed", "Completed"} {
		srv.AddJob(tsapitest.Job{State: st})
	}
	srv.FailNext(1, http.StatusServiceUnavailable) // one retried request
	c, err := srv.AdminClient(tsapi.WithRequestHook(m.hook), tsapi.WithRetry(2, time.Millisecond, time.Millisecond))
	if err != nil {
		return err
	}
	ctx := context.Background()
	if err := m.count(ctx, c); err != nil {
		return err
	}
	if _, _, err := c.PluginResultJobs.Get(ctx, 999); !errors.Is(err, tsapi.ErrNotFound) {
		return fmt.Errorf("want not found, got %w", err)
	}
	families, err := reg.Gather()
	if err != nil {
		return err
	}
	fmt.Fprintln(os.Stderr, "metrics: requests to an in-process fake server (demo)")
	var b strings.Builder
	for _, f := range families {
		if _, err := expfmt.MetricFamilyToText(&b, f); err != nil {
			return err
		}
	}
	for _, line := range strings.Split(b.String(), "\n") {
		if strings.HasPrefix(line, "tsapi_requests_total") || strings.HasPrefix(line, "tsapi_request_attempts_total") ||
			strings.HasPrefix(line, "tsapi_plugin_jobs{state=\"Completed\"}") || strings.HasPrefix(line, "tsapi_request_duration_seconds_count") {
			fmt.Println(line)
		}
	}
	return nil
}
