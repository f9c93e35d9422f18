package tsapi

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/h2non/gock.v1"
)

func TestReadStartPluginFixture(t *testing.T) {
	sp, err := ReadStartPlugin("testdata/startplugin.json")
	require.NoError(t, err)
	assert.Equal(t, "testdata/startplugin.json", sp.Path())
	ri := sp.RunInfo
	assert.Equal(t, "http://ts.example.org/rundb/api", ri.APIURL)
	assert.Equal(t, "http://ts.example.org", ri.NetLocation)
	assert.Equal(t, int64(12), ri.PluginResult)
	assert.Equal(t, int64(45), ri.PK)
	assert.Equal(t, rtKey, ri.APIKey.Reveal())
	assert.Equal(t, RunInfoPlugin{Name: "wordCount", Version: "1.0.0", ID: 47, Path: "/results/plugins/wordCount", PluginResult: 12}, ri.Plugin)
	assert.Equal(t, "wordCount", ri.PluginName)
	assert.True(t, strings.HasSuffix(ri.ResultsDir, "plugin_out/wordCount_out.12"))
	assert.Equal(t, "hg19", ri.Library)
	assert.Equal(t, "530", ri.ChipType)
	assert.Equal(t, "ionadmin", ri.Username)
	assert.Equal(t, RunLevelDefault, sp.RunPlugin.RunLevel)
	assert.Equal(t, "manual", sp.RunPlugin.RunMode)
	assert.Equal(t, []string{"."}, sp.RunPlugin.BlockDirs)
	in, ok := sp.PluginConfig.GetString("input_file")
	assert.True(t, ok)
	assert.Equal(t, "words.txt", in)
	mem, _ := sp.GlobalConfig.GetString("MEM_MAX")
	assert.Equal(t, "15G", mem)
	assert.JSONEq(t, `{}`, string(sp.Plan))

	s := fmt.Sprintf("%v %+v %#v %s", sp, sp, sp, sp.String())
	assert.NotContains(t, s, rtKey)
	assert.Contains(t, sp.String(), "pluginresult: 12")

	// A directory, or "" for the working directory, find the file in it.
	sp2, err := ReadStartPlugin("testdata")
	require.NoError(t, err)
	assert.Equal(t, filepath.Join("testdata", StartPluginFile), sp2.Path())
	t.Chdir("testdata")
	sp3, err := ReadStartPlugin("")
	require.NoError(t, err)
	assert.Equal(t, int64(12), sp3.RunInfo.PluginResult)
}

func TestReadStartPluginLegacyForms(t *testing.T) {
	// Ids as strings, the pluginresult only under runinfo.plugin, no
	// api_url, "" for an empty config.
	sp, err := ReadStartPlugin("testdata/startplugin_legacy.json")
	require.NoError(t, err)
	assert.Equal(t, int64(12), sp.RunInfo.PluginResult)
	assert.Equal(t, int64(45), sp.RunInfo.PK)
	assert.Equal(t, int64(47), sp.RunInfo.Plugin.ID)
	assert.Equal(t, ConfigEmptyString, sp.PluginConfig.Form())
	c, err := sp.NewClient()
	require.NoError(t, err)
	assert.Equal(t, "http://ts.example.org/rundb/api/v1/", c.BaseURL().String(), "net_location is used without api_url")
	assert.Contains(t, c.String(), "PluginKey 12:REDACTED")
}

func TestStartPluginErrorsNameTheProblem(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(text), 0o600))
		return p
	}
	key := `"api_key": "` + rtKey + `"`
	for _, tc := range []struct {
		name, path string
		want       []string
		notExist   bool
	}{
		{"missing file", filepath.Join(dir, "nope", StartPluginFile), []string{"nope/startplugin.json", "no such file"}, true},
		{"truncated", "testdata/startplugin_truncated.json", []string{"startplugin_truncated.json", "not valid JSON"}, false},
		{"not an object", write("array.json", `[1, 2]`), []string{"want a JSON object, got JSON array"}, false},
		{"no runinfo", write("norun.json", `{"pluginconfig": {}}`), []string{"runinfo: missing"}, false},
		{"no key", "testdata/startplugin_nokey.json", []string{"runinfo.api_key: missing"}, false},
		{"no pluginresult", write("nopr.json", `{"runinfo": {"api_url": "http://h/rundb/api", `+key+`}}`), []string{"runinfo.pluginresult: missing"}, false},
		{"no server", write("nourl.json", `{"runinfo": {"pluginresult": 12, `+key+`}}`), []string{"runinfo.api_url: missing (and no runinfo.net_location)"}, false},
		{"bad server", write("badurl.json", `{"runinfo": {"api_url": "ts.example.org", "pluginresult": 12, `+key+`}}`), []string{"runinfo.api_url", "no http or https scheme"}, false},
		{"bad pluginresult", write("badpr.json", `{"runinfo": {"api_url": "http://h", "pluginresult": "twelve", `+key+`}}`), []string{"runinfo.pluginresult: want an integer"}, false},
		{"bad key type", write("badkey.json", `{"runinfo": {"api_url": "http://h", "pluginresult": 12, "api_key": 123}}`), []string{"runinfo.api_key: want a JSON string"}, false},
		{"bad field type", write("badtype.json", `{"runinfo": {"api_url": "http://h", "pluginresult": 12, `+key+`, "results_dir": 5}}`), []string{"runinfo.results_dir: want string, got JSON number"}, false},
		{"bad runplugin", write("badrp.json", `{"runinfo": {"api_url": "http://h", "pluginresult": 12, `+key+`}, "runplugin": {"numBlocks": "x"}}`), []string{"runplugin.numBlocks"}, false},
		{"key is null", write("nullkey.json", `{"runinfo": {"api_url": "http://h", "pluginresult": 12, "api_key": null}}`), []string{"runinfo.api_key: missing"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := NewPluginClient(tc.path)
			require.Error(t, err)
			assert.Nil(t, c)
			var spe *StartPluginError
			require.True(t, errors.As(err, &spe), "%T: %v", err, err)
			assert.ErrorIs(t, err, ErrInvalidOption)
			for _, w := range tc.want {
				assert.Contains(t, err.Error(), w)
			}
			assert.Equal(t, tc.notExist, errors.Is(err, fs.ErrNotExist))
			assert.NotContains(t, err.Error(), rtKey)
			_, err = NewPluginRuntime(tc.path)
			require.Error(t, err)
			assert.NotContains(t, err.Error(), rtKey)
		})
	}
}

func TestPluginClientSendsThePluginKey(t *testing.T) {
	c, err := NewPluginClient("testdata/startplugin.json", WithRetry(0, 0, 0), WithUserAgent("wordCount/1.0"))
	require.NoError(t, err)
	gock.InterceptClient(c.HTTPClient())
	defer gock.Off()
	gock.New(rtBase).Get(rtPRPath).
		AddMatcher(prRequest(rtPRPath, nil)). // no credential in the query
		MatchHeader("Authorization", "^PluginKey 12:"+rtKey+"$").
		MatchHeader("User-Agent", "^wordCount/1.0$").
		Reply(200).Type("application/json").BodyString(rtPluginResult(false))
	pr, _, err := c.PluginResults.Get(context.Background(), 12)
	require.NoError(t, err)
	assert.True(t, gock.IsDone())
	assert.Equal(t, int64(12), pr.ID)

	// A second authentication is refused.
	_, err = NewPluginClient("testdata/startplugin.json", WithBasicAuth("ionadmin", "ionadmin"))
	assert.ErrorIs(t, err, ErrInvalidOption)
}
