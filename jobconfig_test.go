package tsapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestJobConfigForms(t *testing.T) {
	cases := []struct {
		name    string
		in      string
		form    ConfigForm
		empty   bool
		invalid bool
		key     string // a key expected with its raw value
		raw     string
	}{
		{"object", `{"a": 1.0, "b": "1.0", "nested": {"x": [1, 2]}}`, ConfigObject, false, false, "a", "1.0"},
		{"empty object", `{}`, ConfigObject, true, false, "", ""},
		{"string holding object", `"{\"a\": 1.0, \"password\": \"s\"}"`, ConfigString, false, false, "a", "1.0"},
		{"empty string", `""`, ConfigEmptyString, true, false, "", ""},
		{"null", `null`, ConfigNull, true, false, "", ""},
		{"string not an object", `"plain text"`, ConfigInvalid, false, true, "", ""},
		{"string holding array", `"[1, 2]"`, ConfigInvalid, false, true, "", ""},
		{"number", `12`, ConfigInvalid, false, true, "", ""},
		{"array", `[{"a": 1}]`, ConfigInvalid, false, true, "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var c JobConfig
			require.NoError(t, json.Unmarshal([]byte(tc.in), &c), "a config never fails the decode")
			assert.Equal(t, tc.form, c.Form())
			assert.Equal(t, tc.empty, c.IsEmpty())
			if tc.invalid {
				assert.ErrorIs(t, c.Err(), ErrConfigNotObject)
				var m map[string]any
				assert.ErrorIs(t, c.Decode(&m), ErrConfigNotObject)
				assert.Contains(t, c.Err().Error(), "got")
			} else {
				assert.NoError(t, c.Err())
			}
			if tc.key != "" {
				v, ok := c.Get(tc.key)
				assert.True(t, ok)
				assert.Equal(t, tc.raw, string(v))
			}
			// Every form is written back exactly as received.
			out, err := c.MarshalJSON()
			require.NoError(t, err)
			assert.Equal(t, tc.in, string(out))
		})
	}
}

func TestJobConfigRoundTripsInsideAJob(t *testing.T) {
	// What a server sends comes back unchanged when the job is re-encoded,
	// apart from the insignificant spaces encoding/json removes.
	in := `{"id":3,"grid_engine_jobid":null,"state":"Queued","starttime":null,"endtime":null,"config":{"z":1.50,"a":"1.0","n":null,"l":[1e3,{"k":true}]},"run_level":"pre","resource_uri":"/rundb/api/v1/PluginResultJob/3/"}`
	var j PluginResultJob
	require.NoError(t, json.Unmarshal([]byte(in), &j))
	out, err := json.Marshal(&j)
	require.NoError(t, err)
	assert.Equal(t, in, string(out))
}

func TestJobConfigBuilders(t *testing.T) {
	c, err := NewJobConfig(map[string]any{"threads": 4})
	require.NoError(t, err)
	assert.Equal(t, ConfigObject, c.Form())
	assert.Equal(t, `{"threads":4}`, string(c.Raw()))

	_, err = NewJobConfig([]int{1})
	assert.ErrorIs(t, err, ErrConfigNotObject)
	_, err = JobConfigFromJSON([]byte(`{"broken": `))
	assert.ErrorIs(t, err, ErrConfigNotObject)

	var zero JobConfig
	out, err := json.Marshal(zero)
	require.NoError(t, err)
	assert.Equal(t, `{}`, string(out), "an unset config is sent as an empty object")
	assert.True(t, zero.IsEmpty())
}

func TestJobConfigDecodeKeepsNumbersAsSent(t *testing.T) {
	var c JobConfig
	require.NoError(t, json.Unmarshal([]byte(`{"ratio": "1.0", "big": 12345678901234567890}`), &c))
	var v struct {
		Ratio string      `json:"ratio"`
		Big   json.Number `json:"big"`
	}
	require.NoError(t, c.Decode(&v))
	assert.Equal(t, "1.0", v.Ratio)
	assert.Equal(t, "12345678901234567890", v.Big.String())
	s, ok := c.GetString("ratio")
	assert.True(t, ok)
	assert.Equal(t, "1.0", s)
	_, ok = c.GetString("big")
	assert.False(t, ok, "a number is not a string")
	_, ok = c.Get("absent")
	assert.False(t, ok)
}

func TestJobConfigPrintsNoContent(t *testing.T) {
	var j PluginResultJob
	require.NoError(t, json.Unmarshal([]byte(`{"id": 1, "config": {"password": "hunter2-plugin-secret"}}`), &j))
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		out := fmt.Sprintf(verb, j)
		assert.NotContains(t, out, "hunter2", verb)
		assert.Contains(t, out, "JobConfig(object, 37 bytes)", verb)
	}
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("job", "config", j.Config)
	assert.NotContains(t, buf.String(), "hunter2")
	pw, ok := j.Config.GetString("password")
	assert.True(t, ok)
	assert.Equal(t, "hunter2-plugin-secret", pw, "the content is still there to read")
}
