package cmdutil

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func records() []*Record {
	return []*Record{
		NewRecord().Set("id", int64(2)).Set("state", "Error").Set("duration", "1h5m0s").Set("config", json.RawMessage(`{"a":1.5}`)),
		NewRecord().Set("id", int64(1)).Set("state", "").Set("duration", nil).SetHidden("config", json.RawMessage(`{"pw":"x"}`)),
	}
}

func TestPrinter(t *testing.T) {
	for _, tt := range []struct {
		out  Output
		tty  bool
		one  bool
		want string
	}{
		{out: Output{}, want: "2\tError\t1h5m0s\n1\t-\t-\n"},
		{out: Output{}, tty: true, want: "ID  STATE  DURATION\n2   Error  1h 5m\n1   -      -\n"},
		{out: Output{Format: FormatJSONL, Fields: []string{"state", "id"}}, want: `{"state":"Error","id":2}` + "\n" + `{"state":"","id":1}` + "\n"},
		{out: Output{Format: FormatJSON, Fields: []string{"id", "config"}}, want: "[\n  {\n    \"id\": 2,\n    \"config\": {\n      \"a\": 1.5\n    }\n  },\n  {\n    \"id\": 1,\n    \"config\": {\n      \"pw\": \"x\"\n    }\n  }\n]\n"},
		{out: Output{Format: FormatYAML, Fields: []string{"id", "config"}}, want: "- id: 2\n  config:\n    a: 1.5\n- id: 1\n  config:\n    pw: x\n"},
		{out: Output{JQ: `map(.id) | add`}, want: "3\n"},
		{out: Output{JQ: `.[] | .state`}, want: "Error\n\n"},
		{out: Output{JQ: `.[0] | keys`}, want: `["config","duration","id","state"]` + "\n"},
		{out: Output{JQ: `.[1] | has("config")`}, want: "false\n", tty: true},
		{out: Output{Template: `{{range .}}{{.id}}={{cell .state}};{{end}}`}, want: "2=Error;1=-;"},
		{out: Output{Template: `{{join "," (pluck "id" .)}}`}, want: "2,1"},
	} {
		ios, _, out, _ := Test()
		ios.SetStdoutTTY(tt.tty)
		p, err := NewPrinter(ios, tt.out, []string{"id", "state", "duration"})
		require.NoError(t, err)
		p.SetOne(tt.one)
		for _, r := range records() {
			require.NoError(t, p.Add(r))
		}
		require.NoError(t, p.Flush())
		assert.Equal(t, tt.want, out.String(), "%+v", tt.out)
	}
}

func TestPrinterRefuses(t *testing.T) {
	ios, _, _, _ := Test()
	for out, want := range map[*Output]string{
		{Format: "jsn"}:              `unknown output format "jsn": did you mean "json"?`,
		{JQ: ".[", Template: "x"}:    "give --jq or --template, not both",
		{JQ: ".["}:                   `--jq ".["`,
		{Template: "{{.x"}:           "--template",
		{JQ: ".", Format: FormatTSV}: "drop -o tsv",
	} {
		_, err := NewPrinter(ios, *out, nil)
		if assert.Error(t, err) {
			assert.Contains(t, err.Error(), want)
			assert.Equal(t, ExitUsage, ExitCode(err))
		}
	}
}

func TestHumanDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		850 * time.Millisecond: "850ms", 42 * time.Second: "42s", 1500 * time.Millisecond: "1.5s", 17 * time.Minute: "17m",
		17*time.Minute + 5*time.Second: "17m 5s", 65 * time.Minute: "1h 5m", 2 * time.Hour: "2h", 76 * time.Hour: "3d 4h", 72 * time.Hour: "3d",
	} {
		assert.Equal(t, want, HumanDuration(d), d.String())
	}
}

func TestParseAgo(t *testing.T) {
	for s, want := range map[string]time.Duration{"30d": 720 * time.Hour, "2w": 336 * time.Hour, "1d12h": 36 * time.Hour, "90m": 90 * time.Minute, "1.5d": 36 * time.Hour} {
		d, ok := ParseAgo(s)
		assert.True(t, ok, s)
		assert.Equal(t, want, d, s)
	}
	for _, s := range []string{"", "d", "30x", "yesterday", "30d!"} {
		_, ok := ParseAgo(s)
		assert.False(t, ok, s)
	}
}
