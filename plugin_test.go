package tsapi

import (
	"context"
	"encoding/json"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/h2non/gock.v1"
)

const prPluginPath = "/rundb/api/v1/plugin/"

func prPluginFixture(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/plugin_list.json")
	require.NoError(t, err)
	return b
}

func TestPluginFixtureDecodes(t *testing.T) {
	var page listPage[Plugin]
	require.NoError(t, json.Unmarshal(prPluginFixture(t), &page))
	require.Len(t, page.Objects, 2)

	cov := page.Objects[0]
	assert.Equal(t, int64(44), cov.ID)
	assert.Equal(t, "coverageAnalysis", cov.Name)
	assert.Equal(t, "5.18.0.1", cov.Version)
	assert.Equal(t, "coverageAnalysis--v5.18.0.1", cov.VersionedName)
	assert.True(t, cov.Active)
	assert.True(t, cov.Selected)
	assert.True(t, cov.MajorBlock)
	assert.True(t, cov.IsInstance)
	assert.True(t, cov.IsPlanConfig)
	assert.False(t, cov.IsConfig)
	assert.True(t, cov.IsSupported)
	assert.Equal(t, "False", cov.Input)
	assert.Equal(t, "ion-plugin-coverageanalysis", cov.PackageName)
	assert.Equal(t, "coverageAnalysis.py", cov.Script)
	require.NotNil(t, cov.Date)
	assert.Equal(t, time.Date(2021, 3, 12, 21, 38, 19, 584000000, time.UTC), cov.Date.UTC())
	assert.Equal(t, ConfigObject, cov.Config.Form())
	assert.True(t, cov.Config.IsEmpty())
	st, ok := cov.Status.GetString("installStatus")
	assert.True(t, ok)
	assert.Equal(t, "installed", st)
	var settings struct {
		RunTypes []string `json:"runtypes"`
	}
	require.NoError(t, cov.PluginSettings.Decode(&settings))
	assert.Equal(t, []string{"composite", "wholechip", "thumbnail"}, settings.RunTypes)
	assert.JSONEq(t, `{}`, string(cov.UserInputFields))
	assert.Empty(t, cov.AvailableVersions)
	assert.Equal(t, "Plugin 44 (coverageAnalysis 5.18.0.1)", cov.String())

	sid := page.Objects[1]
	assert.Equal(t, ConfigEmptyString, sid.Config.Form(), "an unset JSON field is \"\"")
	assert.NoError(t, sid.Config.Err())
	assert.Equal(t, ConfigEmptyString, sid.Status.Form())
	assert.Equal(t, ConfigEmptyString, sid.PluginSettings.Form())
	assert.Equal(t, "null", string(sid.UserInputFields))
	assert.True(t, sid.IsUpgradable)
	assert.Equal(t, []string{"5.18.0.3"}, sid.AvailableVersions)
}

func TestPluginListRequestShape(t *testing.T) {
	c := newGockClient(t, WithBasicAuth("ionuser", "ionuser"))
	want := url.Values{"name": {"coverageAnalysis"}, "version": {"5.18.0.1"}, "active": {"true"}, "selected": {"false"}}
	gock.New(gockBase).Get(prPluginPath).
		AddMatcher(prRequest(prPluginPath, want)).
		MatchHeader("Authorization", "^Basic ").
		Reply(200).Type("application/json").BodyString(string(prPluginFixture(t)))

	plugins, resp, err := c.Plugins.List(context.Background(), &PluginListOptions{
		Name: "coverageAnalysis", Version: "5.18.0.1", Active: Ptr(true), Selected: Ptr(false),
	})
	require.NoError(t, err)
	require.True(t, gock.IsDone())
	assert.Len(t, plugins, 2)
	assert.Equal(t, 2, resp.Meta.TotalCount)

	q, err := c.Plugins.(*PluginServiceOp).Query(&PluginListOptions{NameIn: []string{"a", "b"}, NameIContains: "cov", IDIn: []int64{3, 4}})
	require.NoError(t, err)
	assert.Equal(t, url.Values{"name__in": {"a,b"}, "name__icontains": {"cov"}, "id__in": {"3,4"}}, q)

	for _, bad := range []string{"versionedName", "plugin_name", "name__bogus__x"} {
		_, _, err := c.Plugins.List(context.Background(), &PluginListOptions{ListOptions: ListOptions{Filters: url.Values{bad: {"x"}}}})
		assert.ErrorIs(t, err, ErrInvalidOption, bad)
	}
}

func TestPluginGetRequestShape(t *testing.T) {
	c := newGockClient(t, WithAPIKey("ionadmin", "adm1nkey"))
	var page listPage[json.RawMessage]
	require.NoError(t, json.Unmarshal(prPluginFixture(t), &page))
	gock.New(gockBase).Get(prPluginPath+"44/").
		AddMatcher(prRequest(prPluginPath+"44/", nil)).
		MatchHeader("Authorization", "^ApiKey ionadmin:adm1nkey$").
		Reply(200).Type("application/json").JSON(*page.Objects[0])
	p, _, err := c.Plugins.Get(context.Background(), 44)
	require.NoError(t, err)
	require.True(t, gock.IsDone())
	assert.Equal(t, "coverageAnalysis", p.Name)

	gock.New(gockBase).Get(prPluginPath + "7/").Reply(404)
	_, _, err = c.Plugins.Get(context.Background(), 7)
	assert.ErrorIs(t, err, ErrNotFound)
}
