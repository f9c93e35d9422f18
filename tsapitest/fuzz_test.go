package tsapitest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzRequests sends arbitrary requests to a seeded fake: it must answer
// each (never panic), and every JSON answer must be valid JSON.
func FuzzRequests(f *testing.F) {
	seeds := []struct{ method, target, body string }{
		{"GET", "PluginResultJob/?state__in=Queued,Started&limit=2", ""},
		{"GET", "pluginresult/?plugin_result_jobs__state__in=Queued&order_by=-plugin__name", ""},
		{"PATCH", "PluginResultJob/22/", `{"config": "{\"k\": 1.25, \"l\": [1e5, {\"m\": -0.5}]}", "state": 7}`},
		{"PATCH", "PluginResultJob/", `{"objects": [{"resource_uri": "/rundb/api/v1/PluginResultJob/21/", "starttime": ""}], "deleted_objects": [5]}`},
		{"PATCH", "pluginresult/2/", `{"store": {"x": 2.5}, "size": "7", "apikey": null}`},
		{"POST", "results/101/plugin/", `{"plugin": {"name": "sampleID"}, "pluginconfig": {"a": 1.5}}`},
		{"POST", "results/101/plugin/", `{"plugin": {"active": null}}`},
		{"DELETE", "PluginResultJob/?starttime__year=2017&id__range=1,5", ""},
		{"GET", "PluginResultJob/set/1;abc;99/", ""},
		{"GET", "pluginresult/?order_by=size__x&order_by=owner__username__y&store__contains=a", ""},
	}
	for _, s := range seeds {
		f.Add(s.method, s.target, s.body)
	}
	srv := NewServer(WithoutAuth())
	f.Cleanup(srv.Close)
	if err := srv.LoadSeedFile("../testdata/seed.json"); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, method, target, body string) {
		if strings.ContainsAny(method, " \t\r\n") || method == "" {
			return
		}
		req, err := http.NewRequest(method, "http://fake"+APIPath+target, strings.NewReader(body))
		if err != nil {
			return
		}
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		srv.serveHTTP(rec, req)
		if rec.Code < 200 || rec.Code > 599 {
			t.Fatalf("status %d", rec.Code)
		}
		if rec.Header().Get("Content-Type") == "application/json" && !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("invalid JSON: %q", rec.Body.String())
		}
	})
}
