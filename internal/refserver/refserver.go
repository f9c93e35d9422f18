// Package refserver gives tests the reference server (the real
// django-tastypie started by internal/tastypieserver/server.sh) one at a
// time: go test runs packages in parallel, and the server holds one
// database that tests write to and reset.
package refserver

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Env is the variable naming the running reference server.
const Env = "TSAPI_TEST_SERVER"

// Lock returns the reference server's URL, holding it for t alone until t
// ends (a lock on a file, across test processes). It skips t when the
// server is not named.
func Lock(t testing.TB) string {
	t.Helper()
	base := strings.TrimRight(os.Getenv(Env), "/")
	if base == "" {
		t.Skip(Env + " is not set: start the reference server with internal/tastypieserver/server.sh start")
	}
	f, err := os.OpenFile(filepath.Join(os.TempDir(), "tsapi-reference-server.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		t.Fatalf("refserver: %v", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		t.Fatalf("refserver: lock: %v", err)
	}
	t.Cleanup(func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	})
	return base
}

// Reset reloads the seed into the server's database.
func Reset(t testing.TB, base string) {
	t.Helper()
	c := &http.Client{Timeout: 60 * time.Second}
	resp, err := c.Post(base+"/_test/reset/", "application/json", nil)
	if err != nil {
		t.Fatalf("refserver: reset: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		t.Fatalf("refserver: reset: %s", resp.Status)
	}
}
