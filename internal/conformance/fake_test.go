package conformance

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tsapi-go/tsapi/tsapitest"
)

// TestFakeServer runs the suite against tsapitest seeded like the
// reference server, so that the fake and the real tastypie are held to the
// same checks.
func TestFakeServer(t *testing.T) {
	srv := tsapitest.New(t)
	Run(t, Target{Name: "tsapitest", URL: srv.URL(), Reset: func(t testing.TB) {
		t.Helper()
		require.NoError(t, srv.LoadSeedFile(SeedPath()))
	}})
}
