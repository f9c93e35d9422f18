package tsapi

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/h2non/gock.v1"
)

func TestMalformedJSONIsDecodeError(t *testing.T) {
	for name, body := range map[string]string{
		"truncated":  `{"meta": {"limit": 20}, "objects": [{"id": 1`,
		"html 200":   `<html><body>Login</body></html>`,
		"wrong type": `{"meta": {}, "objects": [{"id": "nineteen"}]}`,
		"no objects": `{"meta": {}}`,
	} {
		t.Run(name, func(t *testing.T) {
			c := newGockClient(t)
			gock.New(gockBase).Get(jobsPath).Reply(200).BodyString(body)
			_, _, err := c.PluginResultJobs.List(context.Background(), nil)
			var de *DecodeError
			require.ErrorAs(t, err, &de)
			assert.ErrorIs(t, err, ErrDecode)
			assert.Equal(t, 200, de.StatusCode)
			if name == "wrong type" {
				assert.Equal(t, "objects.id", de.Field)
			}
		})
	}
}

func TestPluginResultSizeForms(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
	}{
		{`"1834210"`, 1834210},
		{`" 77 "`, 77},
		{`"-1"`, -1},
		{`1834210`, 1834210},
		{`9007199254740993`, 9007199254740993},
		{`"9223372036854775807"`, 9223372036854775807},
		{`2.0`, 2},
		{`""`, -1},
		{`null`, -1},
	} {
		t.Run(tc.in, func(t *testing.T) {
			var p PluginResult
			require.NoError(t, json.Unmarshal([]byte(`{"id": 1, "size": `+tc.in+`, "inodes": `+tc.in+`}`), &p))
			assert.Equal(t, tc.want, p.Size)
			assert.Equal(t, tc.want, p.Inodes)
		})
	}
	var p PluginResult
	require.NoError(t, json.Unmarshal([]byte(`{"id": 1}`), &p))
	assert.Equal(t, int64(-1), p.Size, "absent means not measured")
	for _, bad := range []string{`"12 MB"`, `"1.5"`, `true`, `[1]`} {
		err := json.Unmarshal([]byte(`{"id": 1, "size": `+bad+`}`), &p)
		require.Error(t, err, bad)
		assert.Contains(t, err.Error(), "size")
	}
}

// TestNumberFromJSON covers the forms a number arrives in.
func TestNumberFromJSON(t *testing.T) {
	for raw, want := range map[string]*int64{`12`: Ptr(int64(12)), `"12"`: Ptr(int64(12)), `" 7 "`: Ptr(int64(7)),
		`12.0`: Ptr(int64(12)), `1e3`: Ptr(int64(1000)), `null`: nil, `""`: nil, ``: nil, `-3`: Ptr(int64(-3))} {
		got, err := NumberFromJSON[int64](json.RawMessage(raw))
		require.NoError(t, err, raw)
		assert.Equal(t, want, got, raw)
	}
	for _, raw := range []string{`1.5`, `"x"`, `true`, `[]`, `{}`, `"1e400"`, `"NaN"`} {
		_, err := NumberFromJSON[int64](json.RawMessage(raw))
		assert.Error(t, err, raw)
	}
	f, err := NumberFromJSON[float64](json.RawMessage(`"0.25"`))
	require.NoError(t, err)
	assert.InDelta(t, 0.25, *f, 0)
	_, err = NumberFromJSON[float64](json.RawMessage(`"Infinity"`))
	assert.Error(t, err)
}
