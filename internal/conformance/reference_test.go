package conformance

import (
	"net/http"
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestReferenceServer runs the suite against the reference server on the
// real django-tastypie named by $TSAPI_TEST_SERVER (started with
// internal/tastypieserver/server.sh start).
func TestReferenceServer(t *testing.T) {
	base := os.Getenv("TSAPI_TEST_SERVER")
	if base == "" {
		t.Skip("TSAPI_TEST_SERVER is not set: start the reference server with internal/tastypieserver/server.sh start")
	}
	Run(t, Target{Name: "reference", URL: base, Reset: func(t testing.TB) {
		t.Helper()
		resp, err := http.Post(base+"/_test/reset/", "application/json", nil)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode, "reset of the reference server")
	}})
}
