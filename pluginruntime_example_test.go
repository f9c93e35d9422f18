package tsapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/tsapi-go/tsapi"
)

// rtExampleServer is a tiny stand-in for a Torrent Server holding
// pluginresult 12 and its job 31 (grid-engine job 4242). It notes every
// request it gets.
type rtExampleServer struct {
	*httptest.Server
	mu    sync.Mutex
	notes []string
}

func newRTExampleServer() *rtExampleServer {
	s := &rtExampleServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		scheme, _, _ := strings.Cut(r.Header.Get("Authorization"), ":")
		s.mu.Lock()
		s.notes = append(s.notes, strings.TrimSpace(fmt.Sprintf("%s %s [%s] %s", r.Method, r.URL.Path, scheme, body)))
		s.mu.Unlock()
		switch {
		case r.Method == http.MethodGet && r.URL.Path == "/rundb/api/v1/pluginresult/12/":
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"id": 12, "size": "-1", "inodes": "-1", "state": "Queued", "store": {},
				"plugin_result_jobs": [{"id": 31, "grid_engine_jobid": 4242, "state": "Queued",
				"run_level": "default", "config": {}, "starttime": null, "endtime": null}]}`)
		case r.Method == http.MethodPatch:
			w.WriteHeader(http.StatusAccepted)
		default:
			http.NotFound(w, r)
		}
	}))
	return s
}

// Notes returns what the server noted.
func (s *rtExampleServer) Notes() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.notes...)
}

// rtExampleStartPlugin writes the startplugin.json Torrent Suite would give
// a plugin run by server url, and returns its directory.
func rtExampleStartPlugin(url string) string {
	dir, err := os.MkdirTemp("", "tsapi-example")
	if err != nil {
		log.Fatal(err)
	}
	doc := map[string]any{
		"runinfo": map[string]any{
			"api_url":      url + "/rundb/api",
			"net_location": url,
			"pluginresult": 12,
			"api_key":      "c2f1d0e9b8a7c6d5e4f3a2b1c0d9e8f7a6b5c4d3",
			"pk":           45,
			"plugin":       map[string]any{"name": "wordCount", "version": "1.0.0", "id": 47},
		},
		"runplugin":    map[string]any{"runlevel": "default"},
		"pluginconfig": map[string]any{"input_file": "words.txt"},
	}
	b, _ := json.Marshal(doc)
	if err := os.WriteFile(filepath.Join(dir, tsapi.StartPluginFile), b, 0o600); err != nil {
		log.Fatal(err)
	}
	return dir
}

// NewPluginClient reads startplugin.json and returns a Client for the
// server it names, authenticated with the run's plugin key.
func ExampleNewPluginClient() {
	// "" reads startplugin.json in the working directory, where Torrent
	// Suite puts it.
	client, err := tsapi.NewPluginClient("testdata/startplugin.json")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(client.BaseURL())
	fmt.Println(client) // the key is never printed
	// Output:
	// http://ts.example.org/rundb/api/v1/
	// tsapi.Client{base: http://ts.example.org/rundb/api/v1/, auth: PluginKey 12:REDACTED}
}

// A plugin reports that it started, does its work, stores its results and
// reports that it completed.
func ExamplePluginRuntime_ReportState() {
	server := newRTExampleServer()
	defer server.Close()
	dir := rtExampleStartPlugin(server.URL)
	defer os.RemoveAll(dir)

	rt, err := tsapi.NewPluginRuntime(dir)
	if err != nil {
		log.Fatal(err)
	}
	rt.SetGridEngineJobID(4242) // a plugin run by the server finds it in $JOB_ID
	ctx := context.Background()
	if err := rt.ReportState(ctx, tsapi.StateStarted); err != nil {
		log.Fatal(err)
	}
	// ... the plugin's work ...
	results := map[string]int{"words": 3}
	if err := rt.Finish(ctx, results, nil); err != nil {
		log.Fatal(err)
	}

	for _, n := range server.Notes() {
		fmt.Println(n)
	}
	// Output:
	// GET /rundb/api/v1/pluginresult/12/ [PluginKey 12]
	// PATCH /rundb/api/v1/PluginResultJob/31/ [PluginKey 12] {"state":"Started"}
	// PATCH /rundb/api/v1/pluginresult/12/ [PluginKey 12] {"store":{"words":3}}
	// PATCH /rundb/api/v1/PluginResultJob/31/ [PluginKey 12] {"state":"Completed"}
}
