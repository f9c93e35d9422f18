package tsapi_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tsapi-go/tsapi"
)

// TestReadModelAsWriteTypeNeverSendsTheKeysMask: a plugin result read from
// the server, used as the write type of the generic core, would carry its
// key's display text ("REDACTED", or null for no key) as data. Every write
// refuses it before anything is sent, and the stored key is untouched.
func TestReadModelAsWriteTypeNeverSendsTheKeysMask(t *testing.T) {
	forEachTarget(t, func(t *testing.T, tg *writeTarget) {
		spec := tsapi.ResourceSpec[tsapi.PluginResult]{
			Name: "pluginresult", ID: func(p *tsapi.PluginResult) int64 { return p.ID },
			Filters: map[string][]string{"result": nil},
		}
		r := tsapi.NewResource[tsapi.PluginResult, tsapi.PluginResultListOptions, tsapi.PluginResult, tsapi.PluginResult](tg.c, spec)
		withKey, _, err := tg.direct.PluginResults.Get(tg.ctx, 1)
		require.NoError(t, err)
		require.NotEmpty(t, withKey.APIKey.Reveal())
		noKey, _, err := tg.direct.PluginResults.Get(tg.ctx, 6)
		require.NoError(t, err)
		require.Empty(t, noKey.APIKey.Reveal())

		for _, pr := range []*tsapi.PluginResult{withKey, noKey} {
			_, _, err = r.Patch(tg.ctx, pr.ID, pr)
			assert.ErrorIs(t, err, tsapi.ErrInvalidOption)
			assert.ErrorContains(t, err, "apikey")
			_, _, err = r.Update(tg.ctx, pr.ID, pr)
			assert.ErrorIs(t, err, tsapi.ErrInvalidOption)
			_, _, err = r.Create(tg.ctx, pr)
			assert.ErrorIs(t, err, tsapi.ErrInvalidOption)
			_, err = r.BulkPatch(tg.ctx, []tsapi.BulkUpdate[tsapi.PluginResult]{{ID: pr.ID, Patch: pr}}, nil)
			assert.ErrorIs(t, err, tsapi.ErrInvalidOption)
			_, err = r.ReplaceAllMatching(tg.ctx, &tsapi.PluginResultListOptions{Result: tsapi.Ptr[int64](101)}, []*tsapi.PluginResult{pr})
			assert.ErrorIs(t, err, tsapi.ErrInvalidOption)
			_, err = tg.c.Do(tg.ctx, &tsapi.Request{Method: http.MethodPatch, Path: "pluginresult/1/", Body: pr}, nil)
			assert.ErrorIs(t, err, tsapi.ErrInvalidOption)
			_, err = tg.c.Do(tg.ctx, &tsapi.Request{Method: http.MethodPatch, Path: "pluginresult/1/", Body: map[string]any{"apikey": pr.APIKey}}, nil)
			assert.ErrorIs(t, err, tsapi.ErrInvalidOption)
		}
		assert.Empty(t, tg.sent(), "nothing was sent")
		after, _, err := tg.direct.PluginResults.Get(tg.ctx, 1)
		require.NoError(t, err)
		assert.Equal(t, withKey.APIKey.Reveal(), after.APIKey.Reveal(), "the key is the one stored before")

		// Printing still hides the key; the write type sends none.
		assert.Equal(t, "REDACTED", withKey.APIKey.String())
		_, _, err = tg.c.PluginResults.Patch(tg.ctx, 1, withKey.ToPatch())
		require.NoError(t, err)
		after, _, err = tg.direct.PluginResults.Get(tg.ctx, 1)
		require.NoError(t, err)
		assert.Equal(t, withKey.APIKey.Reveal(), after.APIKey.Reveal())
	})
}
