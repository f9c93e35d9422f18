package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tsapi-go/tsapi"
)

const (
	testKey     = "9f8e7d6c5b4a39281706f5e4d3c2b1a0fedcba98"
	testGridJob = 4242
)

// fakeTS is a Torrent Server holding one plugin result (12) with one job
// (31, grid-engine job 4242), behaving as Torrent Suite does for what a
// plugin sends: the plugin key is checked on every request and revoked when
// the job ends, bodies must be JSON, the trailing slash is required.
type fakeTS struct {
	t *testing.T
	*httptest.Server

	mu     sync.Mutex
	apikey string
	state  string
	states []string
	store  json.RawMessage
}

func newFakeTS(t *testing.T) *fakeTS {
	f := &fakeTS{t: t, apikey: testKey, state: "Queued", store: json.RawMessage(`{}`)}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeTS) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if r.URL.RawQuery != "" {
		f.t.Errorf("%s %s: no query expected (credentials go in the header)", r.Method, r.URL)
	}
	if !strings.HasSuffix(r.URL.Path, "/") {
		http.Redirect(w, r, r.URL.Path+"/", http.StatusMovedPermanently)
		return
	}
	if f.apikey == "" || r.Header.Get("Authorization") != "PluginKey 12:"+f.apikey {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	var body map[string]json.RawMessage
	if r.Method == http.MethodPatch {
		if r.Header.Get("Content-Type") != "application/json" {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		b, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(b, &body); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"error": ""}`)
			return
		}
	}
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/rundb/api/v1/pluginresult/12/":
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"id": 12, "apikey": %q, "size": "-1", "inodes": "-1", "state": %q, "store": %s,
			"validation_errors": {"validation_errors": []}, "plugin_result_jobs": [
			{"id": 30, "grid_engine_jobid": -1, "state": "Completed", "run_level": "pre", "config": {}},
			{"id": 31, "grid_engine_jobid": %d, "state": %q, "run_level": "default", "config": {}}],
			"resource_uri": "/rundb/api/v1/pluginresult/12/"}`, f.apikey, f.state, f.store, testGridJob, f.state)
	case r.Method == http.MethodPatch && r.URL.Path == "/rundb/api/v1/PluginResultJob/31/":
		var s string
		if err := json.Unmarshal(body["state"], &s); err != nil || len(body) != 1 {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		f.state = s
		f.states = append(f.states, s)
		if tsapi.JobState(s).IsTerminal() {
			f.apikey = "" // the run is over: its key is no longer accepted
		}
		w.WriteHeader(http.StatusAccepted)
	case r.Method == http.MethodPatch && r.URL.Path == "/rundb/api/v1/pluginresult/12/":
		if len(body) != 1 || body["store"] == nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		f.store = body["store"]
		w.WriteHeader(http.StatusAccepted)
	default:
		w.WriteHeader(http.StatusNotFound)
	}
}

func (f *fakeTS) result() (states []string, store map[string]any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	require.NoError(f.t, json.Unmarshal(f.store, &store))
	return append([]string(nil), f.states...), store
}

// writeStart writes the startplugin.json Torrent Suite would write for a
// run on server url with config, and returns its folder.
func writeStart(t *testing.T, url string, config map[string]any) string {
	dir := t.TempDir()
	doc := map[string]any{
		"runinfo": map[string]any{
			"api_url": url + "/rundb/api", "net_location": url, "pluginresult": 12, "api_key": testKey,
			"pk": 45, "results_dir": dir,
			"plugin": map[string]any{"name": "wordCount", "version": "1.0.0", "id": 47, "pluginresult": 12},
		},
		"runplugin":    map[string]any{"runlevel": "default", "run_mode": "manual"},
		"pluginconfig": config,
		"globalconfig": map[string]any{"debug": 0, "MEM_MAX": "15G"},
	}
	b, err := json.Marshal(doc)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, tsapi.StartPluginFile), b, 0o600))
	return dir
}

func TestPluginRunsToCompleted(t *testing.T) {
	ts := newFakeTS(t)
	t.Setenv(tsapi.JobIDEnv, fmt.Sprint(testGridJob))
	dir := writeStart(t, ts.URL, map[string]any{"input_file": "reads.txt"})
	require.NoError(t, os.WriteFile(filepath.Join(dir, "reads.txt"), []byte("one two  three\nfour\n\nfünf"), 0o600))

	require.NoError(t, run(context.Background(), dir, ""))

	states, store := ts.result()
	assert.Equal(t, []string{"Started", "Completed"}, states)
	assert.Equal(t, map[string]any{
		"input": filepath.Join(dir, "reads.txt"), "lines": 4.0, "words": 5.0, "bytes": 26.0,
	}, store)
}

func TestPluginFailingStepEndsInError(t *testing.T) {
	ts := newFakeTS(t)
	t.Setenv(tsapi.JobIDEnv, fmt.Sprint(testGridJob))
	var logs bytes.Buffer
	dir := writeStart(t, ts.URL, map[string]any{"input_file": "missing.txt"})

	err := run(context.Background(), dir, "", tsapi.WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	require.Error(t, err)
	assert.ErrorIs(t, err, os.ErrNotExist)

	states, store := ts.result()
	assert.Equal(t, []string{"Started", "Error"}, states)
	assert.Contains(t, store["error"], "missing.txt: no such file")
	assert.NotContains(t, logs.String(), testKey)
	assert.NotContains(t, err.Error(), testKey)
}

func TestPluginWithoutInputEndsInError(t *testing.T) {
	ts := newFakeTS(t)
	t.Setenv(tsapi.JobIDEnv, fmt.Sprint(testGridJob))
	dir := writeStart(t, ts.URL, map[string]any{})

	err := run(context.Background(), dir, "")
	require.ErrorContains(t, err, "no input file")
	states, store := ts.result()
	assert.Equal(t, []string{"Started", "Error"}, states)
	assert.Contains(t, store["error"], "no input file")
}

func TestPluginInputFlagAndAbsolutePath(t *testing.T) {
	ts := newFakeTS(t)
	t.Setenv(tsapi.JobIDEnv, fmt.Sprint(testGridJob))
	dir := writeStart(t, ts.URL, map[string]any{"input_file": "ignored.txt"})
	in := filepath.Join(t.TempDir(), "x.txt")
	require.NoError(t, os.WriteFile(in, []byte("a b"), 0o600))

	require.NoError(t, run(context.Background(), filepath.Join(dir, tsapi.StartPluginFile), in))
	states, store := ts.result()
	assert.Equal(t, []string{"Started", "Completed"}, states)
	assert.Equal(t, 2.0, store["words"])
	assert.Equal(t, 1.0, store["lines"])
}

func TestPluginWithoutStartPlugin(t *testing.T) {
	err := run(context.Background(), t.TempDir(), "")
	require.ErrorIs(t, err, os.ErrNotExist)
	assert.Contains(t, err.Error(), tsapi.StartPluginFile)
}

func TestCount(t *testing.T) {
	for in, want := range map[string]Counts{
		"":             {},
		"\n":           {Lines: 1, Bytes: 1},
		"a":            {Lines: 1, Words: 1, Bytes: 1},
		"a b\tc\n":     {Lines: 1, Words: 3, Bytes: 6},
		"  x  \n\ny z": {Lines: 3, Words: 3, Bytes: 10},
		"\xff\xfe a":   {Lines: 1, Words: 2, Bytes: 4},
	} {
		got, err := count(strings.NewReader(in))
		require.NoError(t, err)
		assert.Equal(t, want, *got, "%q", in)
	}
}
