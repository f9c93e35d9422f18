package conformance

import (
	"net/http"
	"testing"

	"github.com/tsapi-go/tsapi/internal/refserver"

	"github.com/stretchr/testify/require"
)

// TestReferenceServer runs the suite against the reference server on the
// real django-tastypie named by $TSAPI_TEST_SERVER (started with
// internal/tastypieserver/server.sh start).
func TestReferenceServer(t *testing.T) {
	base := refserver.Lock(t)
	Run(t, Target{Name: "reference", URL: base, Reset: func(t testing.TB) {
		t.Helper()
		resp, err := http.Post(base+"/_test/reset/", "application/json", nil)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode, "reset of the reference server")
	}})
}
