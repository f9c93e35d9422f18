package tsapitest_test

import (
	"io"
	"net/http"
	"testing"

	"github.com/tsapi-go/tsapi/tsapitest"
)

// BenchmarkFilteredList is a list request whose filters read every job of
// the seed (1500): the fake's cost per row.
//
//	go test -run '^$' -bench FilteredList -benchmem ./tsapitest/
func BenchmarkFilteredList(b *testing.B) {
	srv := tsapitest.New(b, tsapitest.WithoutAuth())
	if err := srv.LoadSeedFile("../testdata/seed.json"); err != nil {
		b.Fatal(err)
	}
	url := srv.APIURL() + "PluginResultJob/?state=Completed&run_level=default&starttime__gte=2017-08-01&limit=20"
	b.ReportAllocs()
	for b.Loop() {
		r, err := http.Get(url)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, r.Body)
		_ = r.Body.Close()
		if r.StatusCode != http.StatusOK {
			b.Fatal(r.Status)
		}
	}
}
