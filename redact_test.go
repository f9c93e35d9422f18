package tsapi

import (
	"encoding/json"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSecretsScrubStrings(t *testing.T) {
	cases := []struct {
		in      string
		secrets []string
	}{
		{"token abc123 and abc123", []string{"abc123"}},
		{"Dxxxx", []string{"Dxx"}},  // REDACTED + xx would form it again
		{"xxRED", []string{"xxR"}},  // and so would xx + REDACTED
		{"ACTACT", []string{"ACT"}}, // inside REDACTED
		{"user:key and key", []string{"user:key", "key"}},
		{"***#~%@!^-x", []string{"***", "#~%", "@!^", "-x-"}},
		{"short ab", []string{"ab"}}, // too short to search for
	}
	for _, tc := range cases {
		out := scrubStrings(tc.in, tc.secrets)
		for _, s := range tc.secrets {
			if len(s) >= minSecret {
				assert.NotContains(t, out, s, "scrubStrings(%q, %q) = %q", tc.in, tc.secrets, out)
			}
		}
	}
	assert.Equal(t, "token REDACTED and REDACTED", scrubStrings("token abc123 and abc123", []string{"abc123"}))
	assert.Equal(t, "short ab", scrubStrings("short ab", []string{"ab"}))
}

func TestSecretsRedactURL(t *testing.T) {
	u, err := url.Parse("https://u:" + secSecret + "@ts.example.org/rundb/api/v1/PluginResultJob/?api_key=" + secSecret +
		"&Username=ionadmin&limit=5&PASSWORD=" + secSecret + "#" + secSecret)
	require.NoError(t, err)
	got := redactURL(u)
	secAssertClean(t, got, "redactURL")
	assert.Contains(t, got, "limit=5")
	assert.Contains(t, got, "ts.example.org/rundb/api/v1/PluginResultJob/")
	assert.NotContains(t, got, "ionadmin")

	// A query that does not parse is hidden whole.
	u, err = url.Parse("https://ts.example.org/x/?api_key=" + secSecret + ";a=%zz")
	require.NoError(t, err)
	secAssertClean(t, redactURL(u), "redactURL of a bad query")

	// URLs inside log texts.
	s := redactURLsIn(`GET "https://ts.example.org/x/?api_key=` + secSecret + `" (status: 503)`)
	secAssertClean(t, s, "redactURLsIn")
	assert.Contains(t, s, "(status: 503)")
}

// TestCheckNoSecretLooksWhereJSONLooks: a body is refused exactly when
// encoding/json would write a SecretString into it.
func TestCheckNoSecretLooksWhereJSONLooks(t *testing.T) {
	loop := &secretNode{}
	loop.Next = loop
	refused := map[string]struct {
		body any
		at   string
	}{
		"field":              {struct{ S SecretString }{"k"}, "S"},
		"empty field (null)": {struct{ S SecretString }{}, "S"},
		"tagged": {struct {
			S SecretString `json:"s,omitempty"`
		}{"k"}, "s"},
		"pointer":                {&struct{ S *SecretString }{Ptr(SecretString("k"))}, "S"},
		"map value":              {map[string]any{"apikey": SecretString("k")}, "apikey"},
		"slice":                  {struct{ L []any }{[]any{1, SecretString("k")}}, "L[1]"},
		"array":                  {[1]SecretString{"k"}, "[0]"},
		"nested map":             {map[string]any{"a": map[string]any{"b": []SecretString{"k"}}}, "a.b[0]"},
		"embedded read model":    {withEmbedded{PluginResult: PluginResult{APIKey: "k"}}, "apikey"},
		"Nullable with a secret": {struct{ N Nullable[SecretString] }{Value(SecretString("k"))}, "N"},
		"the body itself":        {SecretString("k"), ""},
		"read model":             {&PluginResult{ID: 3}, "apikey"},
		"a list of read models":  {[]*PluginResult{{ID: 3, APIKey: "k"}}, "[0].apikey"},
	}
	for name, tc := range refused {
		err := checkNoSecret(tc.body)
		require.ErrorIs(t, err, ErrInvalidOption, name)
		if tc.at != "" {
			assert.Contains(t, err.Error(), "the body's "+tc.at+" is a SecretString", name)
		}
		assert.NotContains(t, err.Error(), `"k"`, name)
	}
	allowed := map[string]any{
		"omitempty and empty": struct {
			S SecretString `json:",omitempty"`
		}{},
		"omitzero and empty": struct {
			S SecretString `json:",omitzero"`
		}{},
		"dash": struct {
			S SecretString `json:"-"`
		}{"k"},
		"unexported":    struct{ s SecretString }{"k"},
		"nil pointer":   struct{ S *SecretString }{},
		"nil interface": struct{ S any }{},
		"own encoding":  struct{ O ownJSON }{ownJSON{"k"}},
		"Nullable left out": struct {
			N Nullable[SecretString] `json:",omitzero"`
		}{},
		"Nullable null":         struct{ N Nullable[SecretString] }{Null[SecretString]()},
		"cycle":                 loop,
		"map keys are not data": map[SecretString]int{"k": 1},
		"plugin result patch":   (&PluginResult{APIKey: "k", Size: 3}).ToPatch(),
		"job write":             (&PluginResultJob{ID: 3, State: StateQueued}).ToWrite(),
		"job patch":             &PluginResultJobPatch{State: StateError, EndTime: Null[Time]()},
		"raw map":               map[string]any{"store": map[string]any{"x": 1}},
	}
	for name, body := range allowed {
		assert.NoError(t, checkNoSecret(body), name)
	}
	// writeBody refuses before encoding; the mask still prints.
	_, err := writeBody(&PluginResult{ID: 3, APIKey: "k"})
	require.ErrorIs(t, err, ErrInvalidOption)
	assert.Equal(t, "REDACTED", SecretString("k").String())
	b, err := json.Marshal(SecretString("k"))
	require.NoError(t, err)
	assert.Equal(t, `"REDACTED"`, string(b), "encoding for display is unchanged")
}

// ownJSON encodes itself: what it holds is its own business.
type ownJSON struct{ key SecretString }

func (o ownJSON) MarshalJSON() ([]byte, error) { return json.Marshal(o.key.Reveal()) }

type secretNode struct {
	Next *secretNode
	Key  SecretString `json:"key,omitempty"`
}

type withEmbedded struct {
	PluginResult
	Note string `json:"note"`
}
