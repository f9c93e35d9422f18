package gen

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sampleSchema holds fields as a Torrent Server's results, experiment and
// plannedexperiment schemas declare them.
const sampleSchema = `{"fields": {
	"id": {"type": "integer"},
	"resource_uri": {"type": "string", "readonly": true},
	"i18nstatus": {"type": "string", "readonly": true},
	"metaData": {"type": "string", "default": "{}", "blank": true},
	"positions": {"type": "string"},
	"pluginresults": {"type": "string"},
	"eas_set": {"type": "related", "related_type": "to_many", "nullable": true},
	"experiment": {"type": "related", "related_type": "to_one", "nullable": true},
	"reportstorage": {"type": "related", "related_type": "to_one"},
	"projects": {"type": "related", "related_type": "to_many"},
	"libmetrics": {"type": "related", "related_type": "to_many"},
	"parentPlan": {"type": "string", "default": null},
	"bedfile": {"type": "string", "nullable": true},
	"framesProcessed": {"type": "integer"},
	"isProton": {"type": "string"},
	"pluginState": {"type": "dict", "readonly": true},
	"status": {"type": "string"},
	"chefInfo": {"type": "dict"},
	"childPlans": {"type": "list"},
	"date": {"type": "datetime"},
	"resultDate": {"type": "datetime", "nullable": true}
}}`

// sampleObjects are two objects of a list answer for sampleSchema.
var sampleObjects = []json.RawMessage{
	json.RawMessage(`{"id": 3, "resource_uri": "/rundb/api/v1/results/3/",
		"i18nstatus": {"state": "Completed", "i18n": "Completed"}, "metaData": {},
		"positions": [1, "A2"], "pluginresults": ["/rundb/api/v1/pluginresult/7/"],
		"eas_set": [{"id": 150, "barcodeKitName": "IonXpress"}], "experiment": "/rundb/api/v1/experiment/50/",
		"reportstorage": {"id": 1, "name": "Home"}, "projects": ["demo"], "libmetrics": [],
		"parentPlan": null, "bedfile": null, "framesProcessed": "2673", "isProton": "True",
		"status": "Completed", "chefInfo": {}, "childPlans": [], "date": "2024-05-01T10:00:00.000123+00:00",
		"resultDate": "2024-05-01 10:00:00", "notInSchema": {"a": 1}}`),
	json.RawMessage(`{"id": 4, "resource_uri": "/rundb/api/v1/results/4/",
		"i18nstatus": {"state": "Other", "i18n": "Pending"}, "metaData": {"thumb": 1},
		"positions": [], "pluginresults": [],
		"eas_set": [], "experiment": null,
		"reportstorage": {"id": 1, "name": "Home"}, "projects": [], "libmetrics": [],
		"parentPlan": null, "bedfile": "/results/uploads/BED/1/a.bed", "framesProcessed": 2673, "isProton": "False",
		"status": 3, "chefInfo": {"chefStatus": ""}, "childPlans": [], "date": "2024-05-02T10:00:00+00:00",
		"resultDate": ""}`),
}

func TestAddSampleTypesWhatTheSchemaMisnames(t *testing.T) {
	s, err := Parse("results", "test", []byte(sampleSchema), nil)
	require.NoError(t, err)
	require.NoError(t, s.AddSample(sampleObjects))
	wires := map[string]string{}
	for name, f := range s.Facts {
		if f.Wire != "" {
			wires[name] = f.Wire
		}
	}
	assert.Equal(t, map[string]string{
		"i18nstatus":    "object",  // an object in a string field
		"positions":     "list",    // a list in a string field
		"pluginresults": "uris",    // a list of URIs in a string field
		"eas_set":       "objects", // nested in full
		"reportstorage": "object",  // nested in full
		"projects":      "names",   // names, not URIs
		"status":        "raw",     // text and a number
		"resultDate":    "raw",     // "" in a datetime field, which Time refuses
	}, wires, "no wire for the fields the schema types right: a URI in a to-one field, "+
		"a JSONField, numbers sent as text, empty lists, a detail-only field absent from a list")
	assert.Equal(t, "Its schema says string, but the server sends a JSON object (seen in a sample of 2 objects).", s.Facts["i18nstatus"].Note)
	assert.Equal(t, "Its schema says string, but the server sends text and numbers (seen in a sample of 2 objects).", s.Facts["status"].Note)
	assert.Equal(t, "Its schema says related, but the server sends names, not resource URIs (seen in a sample of 2 objects).", s.Facts["projects"].Note)

	assert.Equal(t, "the server sent null in a sample of its answers", s.Facts["parentPlan"].Null, "null in a field the schema calls not nullable")
	for _, name := range []string{"experiment", "bedfile"} {
		assert.Empty(t, s.Facts[name], "%s: null in a nullable field says nothing", name)
	}
	for _, name := range []string{"id", "resource_uri", "metaData", "libmetrics", "framesProcessed", "isProton", "pluginState", "chefInfo", "childPlans", "date", "notInSchema"} {
		_, ok := s.Facts[name]
		assert.False(t, ok, "%s: no fact", name)
	}

	src, err := Generate(s, "myts")
	require.NoError(t, err)
	code := string(src)
	for _, decl := range []string{
		"I18Nstatus tsapi.JSONObject `json:\"i18nstatus,omitzero\"`",
		"MetaData tsapi.JSONObject `json:\"metaData,omitzero\"`",
		"Positions []json.RawMessage `json:\"positions\"`",
		"Pluginresults []string `json:\"pluginresults\"`",
		"EasSet []tsapi.JSONObject `json:\"eas_set\"`",
		"Reportstorage tsapi.JSONObject `json:\"reportstorage,omitzero\"`",
		"Projects []string `json:\"projects\"`",
		"ParentPlan *string `json:\"parentPlan\"`",
		"Status json.RawMessage `json:\"status,omitempty\"`",
		"Experiment *string `json:\"experiment\"`",
	} {
		has(t, code, "\t"+decl+"\n")
	}
	has(t, code, "// I18Nstatus is \"i18nstatus\" (read-only): Its schema says string, but the\n\t// server sends a JSON object (seen in a sample of 2 objects).\n")
	assert.False(t, strings.Contains(code, "Completed"), "nothing of the sample's values")
}

func TestAddSampleKeepsWhatTheSnapshotSays(t *testing.T) {
	s, err := Parse("results", "test", []byte(`{"fields": {"id": {"type": "integer"},
		"reportstorage": {"type": "related", "related_type": "to_one"}, "parentPlan": {"type": "string"}},
		"_fields": {"reportstorage": {"wire": "raw", "note": "kept as received."}, "parentPlan": {"null": "a CharField without attribute"}}}`), nil)
	require.NoError(t, err)
	require.NoError(t, s.AddSample([]json.RawMessage{json.RawMessage(`{"id": 1, "reportstorage": {"id": 1}, "parentPlan": null}`)}))
	assert.Equal(t, Facts{Wire: "raw", Note: "kept as received."}, s.Facts["reportstorage"])
	assert.Equal(t, Facts{Null: "a CharField without attribute"}, s.Facts["parentPlan"])

	s, err = Parse("results", "test", []byte(`{"fields": {"id": {"type": "integer"}, "log": {"type": "string"}},
		"_fields": {"log": {"note": "The run's explog."}}}`), nil)
	require.NoError(t, err)
	require.NoError(t, s.AddSample([]json.RawMessage{json.RawMessage(`{"id": 1, "log": {"runtype": "AMPS"}}`)}))
	assert.Equal(t, Facts{Wire: "object", Note: "The run's explog. Its schema says string, but the server sends a JSON object (seen in a sample of 1 object)."}, s.Facts["log"],
		"a note of the snapshot, and the sample's after it")
}

func TestAddSampleRefusesWhatIsNoObject(t *testing.T) {
	s, err := Parse("results", "test", []byte(sampleSchema), nil)
	require.NoError(t, err)
	for _, bad := range []string{`[{"id": 1}]`, `"x"`, `{"id": `, ``} {
		err := s.AddSample([]json.RawMessage{json.RawMessage(`{"id": 1}`), json.RawMessage(bad)})
		assert.EqualError(t, err, "gen: test: object 1 of the sample is not a JSON object", bad)
	}
	require.NoError(t, s.AddSample(nil))
	assert.Empty(t, s.Facts, "an empty sample shows nothing")
}

func TestJoinSentences(t *testing.T) {
	for _, c := range []struct{ a, b, want string }{
		{"either a URI or set of nested resource data.", "Its schema says related.", "either a URI or set of nested resource data. Its schema says related."},
		{`Unicode string data. Ex: "Hello World"`, "Its schema says string.", `Unicode string data. Ex: "Hello World". Its schema says string.`},
		{"", "Note.", "Note."},
		{"Help.", "", "Help."},
		{`X is "x":`, "Note.", `X is "x": Note.`},
	} {
		assert.Equal(t, c.want, joinSentences(c.a, c.b))
	}
}

// TestMemberDocHasOnePeriodBetweenSentences checks a help text that ends
// with a period, followed by a note: one period between them, not two.
func TestMemberDocHasOnePeriodBetweenSentences(t *testing.T) {
	s, err := Parse("results", "test", []byte(`{"fields": {"id": {"type": "integer"},
		"reportstorage": {"type": "related", "related_type": "to_one", "help_text": "A single related resource. Can be either a URI or set of nested resource data."},
		"log": {"type": "string", "help_text": "Unicode string data. Ex: \"Hello World\""}}}`), nil)
	require.NoError(t, err)
	require.NoError(t, s.AddSample([]json.RawMessage{json.RawMessage(`{"id": 1, "reportstorage": {"id": 1}, "log": null}`)}))
	src, err := Generate(s, "tsapi")
	require.NoError(t, err)
	code := string(src)
	flat := strings.ReplaceAll(code, "\n\t// ", " ") // the field comments unwrapped
	assert.False(t, strings.Contains(flat, "..") && !strings.Contains(flat, "..."), "no sentence ends twice")
	has(t, flat, " Reportstorage is \"reportstorage\": A single related resource. Can be either a URI or set of nested resource data. "+
		"Its schema says related, but the server sends a JSON object (seen in a sample of 1 object).\n")
	has(t, flat, " Log is \"log\" (nullable): Unicode string data. Ex: \"Hello World\". "+
		"The schema says it is not nullable, yet it can be null: the server sent null in a sample of its answers.\n")
	has(t, flat, " ID is \"id\".\n")
	assert.True(t, strings.Contains(code, "Log *string `json:\"log\"`"), "null seen: read as nullable")
}

// has asserts that src holds text, without printing src.
func has(t *testing.T, src, text string) {
	t.Helper()
	assert.True(t, strings.Contains(src, text), "the source has %q", text)
}
