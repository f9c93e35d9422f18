package tsapi_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tsapi-go/tsapi"
	"github.com/tsapi-go/tsapi/internal/faultproxy"
	"github.com/tsapi-go/tsapi/internal/refserver"
	"github.com/tsapi-go/tsapi/tsapitest"
)

// writeTarget is a server holding testdata/seed.json behind a faultproxy: c
// writes through the proxy, whose log says what reached the server, and
// direct reads the server without it (the oracle).
type writeTarget struct {
	proxy  *faultproxy.Proxy
	c      *tsapi.Client
	direct *tsapi.Client
	ctx    context.Context
	// reset reloads the seed.
	reset func(t *testing.T)
}

// forEachTarget runs f against tsapitest and, when TSAPI_TEST_SERVER is
// set, against the reference server (the subtest skips otherwise).
func forEachTarget(t *testing.T, f func(t *testing.T, tg *writeTarget)) {
	t.Run("tsapitest", func(t *testing.T) { f(t, fakeWriteTarget(t)) })
	t.Run("reference", func(t *testing.T) { f(t, referenceWriteTarget(t)) })
}

func fakeWriteTarget(t *testing.T) *writeTarget {
	srv := tsapitest.New(t)
	require.NoError(t, srv.LoadSeedFile("testdata/seed.json"))
	return newWriteTarget(t, srv.URL(), func(t *testing.T) {
		require.NoError(t, srv.LoadSeedFile("testdata/seed.json"))
	})
}

func referenceWriteTarget(t *testing.T) *writeTarget {
	base := refserver.Lock(t)
	refserver.Reset(t, base)
	t.Cleanup(func() { refserver.Reset(t, base) })
	return newWriteTarget(t, base, func(t *testing.T) { refserver.Reset(t, base) })
}

func newWriteTarget(t *testing.T, base string, reset func(*testing.T)) *writeTarget {
	p, err := faultproxy.New(base)
	require.NoError(t, err)
	t.Cleanup(p.Close)
	c, err := tsapi.New(p.URL(), tsapi.WithBasicAuth("ionadmin", "ionadmin"), tsapi.WithRetry(3, time.Millisecond, 5*time.Millisecond))
	require.NoError(t, err)
	direct, err := tsapi.New(base, tsapi.WithBasicAuth("ionadmin", "ionadmin"))
	require.NoError(t, err)
	return &writeTarget{proxy: p, c: c, direct: direct, ctx: context.Background(), reset: reset}
}

// jobCount is how many jobs the server holds (matching opts).
func (tg *writeTarget) jobCount(t *testing.T, opts *tsapi.PluginResultJobListOptions) int {
	t.Helper()
	n, _, err := tg.direct.PluginResultJobs.Count(tg.ctx, opts)
	require.NoError(t, err)
	return n
}

// job reads job id from the server directly.
func (tg *writeTarget) job(t *testing.T, id int64) *tsapi.PluginResultJob {
	t.Helper()
	j, _, err := tg.direct.PluginResultJobs.Get(tg.ctx, id)
	require.NoError(t, err)
	return j
}

// sent lists the requests that reached the proxy since the last clear.
func (tg *writeTarget) sent() []faultproxy.Record { return tg.proxy.Log() }
