package tsapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tsapi-go/tsapi/internal/refserver"
)

// benchPage builds a tastypie list answer of n jobs shaped like the real
// server's (config objects of a dozen keys, microsecond datetimes).
func benchPage(n int) []byte {
	var b strings.Builder
	b.WriteString(`{"meta": {"limit": 1000, "offset": 0, "total_count": 5000, "next": "/rundb/api/v1/PluginResultJob/?offset=1000&limit=1000", "previous": null}, "objects": [`)
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, `{"grid_engine_jobid": %d, "id": %d, "state": "Completed", "starttime": "2017-08-09T20:26:03.000549+00:00", "endtime": "2017-08-09T20:30:11.000942+00:00", "config": {"compressedType": "zip", "bamCreate": "on", "xlsCreate": "off", "zipFASTQ": "off", "vcfCreate": "on", "zipXLS": "off", "delimiter_select": ".", "zipVCF": "on", "zipBAM": "on", "fastqCreate": "off", "ratio": "1.0", "select_dialog": ["run_name", "samplename", "instrument", "", "", "", ""]}, "run_level": "last", "resource_uri": "/rundb/api/v1/PluginResultJob/%d/"}`, 1000+i, i+1, i+1)
	}
	b.WriteString("]}")
	return []byte(b.String())
}

// BenchmarkDecodeListPage decodes a full page (1000 jobs) as List does.
func BenchmarkDecodeListPage(b *testing.B) {
	data := benchPage(1000)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		var page listPage[PluginResultJob]
		if err := json.Unmarshal(data, &page); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEncodeJobForUpdate encodes a job as Update sends it.
func BenchmarkEncodeJobForUpdate(b *testing.B) {
	var page listPage[PluginResultJob]
	if err := json.Unmarshal(benchPage(1), &page); err != nil {
		b.Fatal(err)
	}
	j := page.Objects[0]
	b.ReportAllocs()
	for b.Loop() {
		if _, err := writeBody(j.ToWrite()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkConfigGet reads one key of a decoded config.
func BenchmarkConfigGet(b *testing.B) {
	var page listPage[PluginResultJob]
	if err := json.Unmarshal(benchPage(1), &page); err != nil {
		b.Fatal(err)
	}
	cfg := page.Objects[0].Config
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := cfg.GetString("ratio"); !ok {
			b.Fatal("missing")
		}
	}
}

// BenchmarkReferenceSession lists 20 pages at the server's default page
// size from the reference server, with the session cookie alone (the
// default with Basic auth) and with the password on every request.
func BenchmarkReferenceSession(b *testing.B) {
	base := refserver.Lock(b)
	for _, tc := range []struct {
		name string
		opts []Option
	}{
		{"cookie alone", nil},
		{"password every request", []Option{WithoutCookies()}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			c, err := New(base, append([]Option{WithBasicAuth("ionadmin", "ionadmin")}, tc.opts...)...)
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			for b.Loop() {
				n := 0
				for _, err := range c.PluginResultJobs.Pages(ctx, &PluginResultJobListOptions{ListOptions: ListOptions{Limit: 20}}) {
					if err != nil {
						b.Fatal(err)
					}
					if n++; n == 20 {
						break
					}
				}
			}
		})
	}
}

// BenchmarkReferenceIteration iterates over every job of the reference
// server (1500 at the seed) in pages of 100, one page at a time and with
// four in flight.
func BenchmarkReferenceIteration(b *testing.B) {
	base := refserver.Lock(b)
	for _, n := range []int{1, 4} {
		b.Run(fmt.Sprintf("concurrency %d", n), func(b *testing.B) {
			c, err := New(base, WithBasicAuth("ionadmin", "ionadmin"), WithConcurrency(n))
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				k := 0
				for _, err := range c.PluginResultJobs.All(context.Background(), &PluginResultJobListOptions{ListOptions: ListOptions{Limit: 100}}) {
					if err != nil {
						b.Fatal(err)
					}
					k++
				}
				if k < 1500 {
					b.Fatalf("%d jobs", k)
				}
			}
		})
	}
}

// benchServer answers a Get, a Patch and pages of 1000 jobs from memory,
// so that the benchmarks below measure the client, not a server.
func benchServer(b *testing.B, pages int) *Client {
	page := string(benchPage(1000))
	const next = `"next": "/rundb/api/v1/PluginResultJob/?offset=1000&limit=1000"`
	byOffset := map[string][]byte{}
	for k := range pages {
		link := "null"
		if k < pages-1 {
			link = fmt.Sprintf(`"/rundb/api/v1/PluginResultJob/?offset=%d&limit=1000"`, (k+1)*1000)
		}
		byOffset[fmt.Sprint(k*1000)] = []byte(strings.Replace(page, next, `"next": `+link, 1))
	}
	one := []byte(`{"grid_engine_jobid": 1000, "id": 1, "state": "Completed", "starttime": "2017-08-09T20:26:03.000549+00:00", "endtime": null, "config": {"threads": 4}, "run_level": "last", "resource_uri": "/rundb/api/v1/PluginResultJob/1/"}`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodPatch:
			w.WriteHeader(http.StatusAccepted)
		case strings.HasSuffix(r.URL.Path, "/1/"):
			w.Header().Set("Content-Type", "application/json")
			w.Write(one)
		default:
			off := r.URL.Query().Get("offset")
			if off == "" {
				off = "0"
			}
			w.Header().Set("Content-Type", "application/json")
			w.Write(byOffset[off])
		}
	}))
	b.Cleanup(srv.Close)
	c, err := New(srv.URL)
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// BenchmarkGet fetches one job.
func BenchmarkGet(b *testing.B) {
	c := benchServer(b, 1)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := c.PluginResultJobs.Get(context.Background(), 1); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPatch changes one job's state.
func BenchmarkPatch(b *testing.B) {
	c := benchServer(b, 1)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.PluginResultJobs.SetState(context.Background(), 1, StateCompleted); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkIterate10k iterates over 10 pages of 1000 jobs (offset paging:
// the canned pages do not follow id__lt).
func BenchmarkIterate10k(b *testing.B) {
	c := benchServer(b, 10)
	opts := &PluginResultJobListOptions{ListOptions: ListOptions{Paging: PagingOffset}}
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		for _, err := range c.PluginResultJobs.All(context.Background(), opts) {
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		if n != 10000 {
			b.Fatalf("%d jobs", n)
		}
	}
}
