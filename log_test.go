package tsapi

import (
	"bytes"
	"context"
	"errors"
	"log"
	"log/slog"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFaultSilentWithoutLogger checks that retries log nothing anywhere
// (neither the standard logger nor slog's default) unless a logger is set.
func TestFaultSilentWithoutLogger(t *testing.T) {
	var std, sl bytes.Buffer
	oldOut, oldFlags := log.Writer(), log.Flags()
	oldSlog := slog.Default()
	log.SetOutput(&std)
	slog.SetDefault(slog.New(slog.NewTextHandler(&sl, &slog.HandlerOptions{Level: slog.LevelDebug})))
	t.Cleanup(func() {
		log.SetOutput(oldOut)
		log.SetFlags(oldFlags)
		slog.SetDefault(oldSlog)
	})
	h, _ := faultFlaky(2, http.StatusServiceUnavailable, nil, faultJSON(200, faultJobJSON))
	srv := faultServer(t, h)
	c := newTestClient(t, srv.URL)
	_, _, err := c.PluginResultJobs.Get(context.Background(), 5)
	require.NoError(t, err)
	c = newTestClient(t, "http://"+faultClosedAddr(t))
	_, _, err = c.PluginResultJobs.Get(context.Background(), 5)
	require.Error(t, err)
	assert.Empty(t, std.String())
	assert.Empty(t, sl.String())
}

func TestFaultLoggerSeesRetries(t *testing.T) {
	var buf bytes.Buffer
	l := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	h, _ := faultFlaky(2, http.StatusServiceUnavailable, nil, faultJSON(200, faultJobJSON))
	srv := faultServer(t, h)
	c := newTestClient(t, srv.URL, WithLogger(l))
	_, _, err := c.PluginResultJobs.Get(context.Background(), 5)
	require.NoError(t, err)
	assert.Contains(t, buf.String(), "retrying")
	assert.Contains(t, buf.String(), "503")
}

func TestLogAdapterRedactsURLsAndCredentials(t *testing.T) {
	var buf bytes.Buffer
	auth := &credentials{scheme: "Basic", user: "ionadmin", secret: "hunter2-log-secret"}
	a := slogAdapter{slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})), auth}
	a.Debug("GET https://ts.example.org/rundb/api/v1/PluginResultJob/?api_key=k3y-in-url&limit=5 (status: 503)",
		"url", "http://u:p4ss@ts.example.org/x/", "err", errors.New("dial: hunter2-log-secret refused"), "n", 3)
	out := buf.String()
	for _, secret := range []string{"k3y-in-url", "p4ss", "hunter2-log-secret"} {
		assert.NotContains(t, out, secret)
	}
	assert.Contains(t, out, "tsapi: GET https://ts.example.org/rundb/api/v1/PluginResultJob/")
	assert.Contains(t, out, "limit=5")
	assert.Contains(t, out, "n=3", "values that are not text are kept as they are")
	assert.Equal(t, "(unparseable URL)", redactURLsIn("http://[::1"))
}
