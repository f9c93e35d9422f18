package gen

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
)

// AddSample adds to the snapshot's facts what a sample of the resource's
// objects shows (the "objects" of a list answer, as the server sends
// them). A live schema alone does not type every field right: Torrent
// Suite's JSONFields and the dicts some CharFields pass through say
// "string" and arrive as JSON objects, a string field can carry a list,
// a to-many field can hold nested objects or names instead of URIs, and a
// field the schema calls not nullable can be null. From the schema alone
// the generated model would fail to decode such answers.
//
// For each schema field it records the wire that decodes every value the
// sample holds when the schema's type does not (Facts.Wire, with a Note
// saying so), a list of names in a to-many field ("names"), and null in a
// field the schema calls not nullable (Facts.Null). A field the sample
// lacks, or holds only as null, or holds as its schema type says, gets no
// wire fact. What the snapshot already states of a field wins over the
// sample. It fails when an element of objects is not a JSON object.
func (s *Snapshot) AddSample(objects []json.RawMessage) error {
	sampled := make([]map[string]json.RawMessage, 0, len(objects))
	for i, o := range objects {
		var m map[string]json.RawMessage
		if o = bytes.TrimSpace(o); len(o) == 0 || o[0] != '{' || json.Unmarshal(o, &m) != nil {
			return fmt.Errorf("gen: %s: object %d of the sample is not a JSON object", s.Origin, i)
		}
		sampled = append(sampled, m)
	}
	if len(sampled) == 0 {
		return nil
	}
	for _, name := range sortedKeys(s.Schema.Fields) {
		learned := sampleFacts(name, s.Schema.Fields[name], sampled)
		if learned == (sampleFact{}) {
			continue
		}
		if s.Facts == nil {
			s.Facts = map[string]Facts{}
		}
		f := s.Facts[name]
		if f.Wire == "" && learned.wire != "" {
			f.Wire = learned.wire
			f.Note = joinSentences(f.Note, learned.note)
		}
		if f.Null == "" {
			f.Null = learned.null
		}
		s.Facts[name] = f
	}
	return nil
}

// sampleFact is what a sample shows of one field.
type sampleFact struct{ wire, note, null string }

// shape is the JSON kind of a value.
type shape int

const (
	sNull shape = iota
	sObject
	sArray
	sString
	sNumber
	sBool
)

// shapeWords say a shape in a note.
var shapeWords = map[shape]string{sObject: "JSON objects", sArray: "lists", sString: "text", sNumber: "numbers", sBool: "booleans"}

// value is one value of a field in the sample.
type value struct {
	shape shape
	text  string  // a string's content, a number's JSON
	items []value // an array's items
}

// valueOf reads a value; nested arrays are read one level deep.
func valueOf(raw json.RawMessage, depth int) value {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return value{shape: sNull}
	}
	switch raw[0] {
	case '{':
		return value{shape: sObject}
	case '[':
		v := value{shape: sArray}
		var items []json.RawMessage
		if depth == 0 && json.Unmarshal(raw, &items) == nil {
			for _, it := range items {
				v.items = append(v.items, valueOf(it, depth+1))
			}
		}
		return v
	case '"':
		var s string
		_ = json.Unmarshal(raw, &s)
		return value{shape: sString, text: s}
	case 't', 'f':
		return value{shape: sBool}
	case 'n':
		return value{shape: sNull}
	}
	return value{shape: sNumber, text: string(raw)}
}

// isoDate matches the start every datetime form Time reads has.
var isoDate = regexp.MustCompile(`^\s*[0-9]{4}-[0-9]{2}-[0-9]{2}`)

// isURI reports whether a string looks like a resource URI
// ("/rundb/api/v1/results/3/").
func isURI(s string) bool {
	return len(s) > 2 && strings.HasPrefix(s, "/") && strings.HasSuffix(s, "/")
}

// number reports whether text is a number (integral when integral is
// set), as NumberFromJSON reads it.
func number(text string, integral bool) bool {
	f, err := strconv.ParseFloat(strings.TrimSpace(text), 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return false
	}
	return !integral || f == math.Trunc(f)
}

// decodes reports whether the Go type of kind k decodes v without error
// and without losing it (null, which every kind takes, is not asked).
func decodes(k kind, v value) bool {
	all := func(want shape) bool {
		for _, it := range v.items {
			if it.shape != want {
				return false
			}
		}
		return true
	}
	switch k {
	case kString, kURI:
		return v.shape == sString
	case kTime:
		return v.shape == sString && isoDate.MatchString(v.text) // Time refuses "" and other text
	case kInt, kFloat:
		return v.shape == sNumber && number(v.text, k == kInt) ||
			v.shape == sString && (strings.TrimSpace(v.text) == "" || number(v.text, k == kInt))
	case kBool:
		return v.shape == sBool
	case kObject:
		return v.shape == sObject || v.shape == sString // JSONObject also keeps "" and a string holding an object
	case kObjects:
		return v.shape == sArray && all(sObject)
	case kURIs, kNames:
		return v.shape == sArray && all(sString)
	case kList:
		return v.shape == sArray
	}
	return true
}

// wireKinds are the wires a sample can call for, in the order tried: the
// first that decodes every value is taken.
var wireKinds = []struct {
	wire string
	kind kind
}{{"object", kObject}, {"objects", kObjects}, {"uris", kURIs}, {"list", kList}, {"raw", kRaw}}

// sampleFacts is what the sampled objects show of field name.
func sampleFacts(name string, f Field, sampled []map[string]json.RawMessage) sampleFact {
	var vals []value
	var shapes []shape
	null := false
	for _, obj := range sampled {
		raw, ok := obj[name]
		if !ok {
			continue
		}
		v := valueOf(raw, 0)
		if v.shape == sNull {
			null = true
			continue
		}
		vals = append(vals, v)
		if !containsShape(shapes, v.shape) {
			shapes = append(shapes, v.shape)
		}
	}
	var out sampleFact
	if null && !f.Nullable && name != "id" {
		out.null = "the server sent null in a sample of its answers"
	}
	natural, err := kindOf(f, Facts{})
	if err != nil || len(vals) == 0 {
		return out
	}
	var items []value
	for _, v := range vals {
		items = append(items, v.items...)
	}
	if decodesAll(natural, vals) {
		if natural == kURIs && len(items) > 0 && !anyURI(items) {
			out.wire = "names"
			out.note = fmt.Sprintf("Its schema says related, but the server sends names, not resource URIs (seen in a sample of %s).", answers(len(sampled)))
		}
		return out
	}
	for _, w := range wireKinds {
		if !decodesAll(w.kind, vals) {
			continue
		}
		switch w.wire {
		case "object":
			if !containsShape(shapes, sObject) {
				continue // text alone: an object is not what it carries
			}
		case "objects", "uris":
			if len(items) == 0 {
				continue // empty lists say nothing of their items
			}
		}
		out.wire = w.wire
		if out.wire == "uris" && !allURIs(items) {
			out.wire = "names"
		}
		break
	}
	what := map[string]string{"object": "a JSON object", "objects": "a list of JSON objects", "uris": "a list of resource URIs",
		"names": "a list of names", "list": "a list"}[out.wire]
	if out.wire == "raw" {
		var words []string
		for _, sh := range shapes {
			words = append(words, shapeWords[sh])
		}
		what = strings.Join(words, " and ")
	}
	out.note = fmt.Sprintf("Its schema says %s, but the server sends %s (seen in a sample of %s).", f.Type, what, answers(len(sampled)))
	return out
}

func decodesAll(k kind, vals []value) bool {
	for _, v := range vals {
		if !decodes(k, v) {
			return false
		}
	}
	return true
}

func containsShape(l []shape, s shape) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

func anyURI(items []value) bool {
	for _, it := range items {
		if isURI(it.text) {
			return true
		}
	}
	return false
}

func allURIs(items []value) bool {
	for _, it := range items {
		if !isURI(it.text) {
			return false
		}
	}
	return true
}

// answers says how many objects a sample held.
func answers(n int) string {
	if n == 1 {
		return "1 object"
	}
	return strconv.Itoa(n) + " objects"
}

// joinSentences joins two texts as sentences: a period between them
// unless the first already ends one.
func joinSentences(a, b string) string {
	a, b = strings.TrimSpace(a), strings.TrimSpace(b)
	switch {
	case a == "":
		return b
	case b == "":
		return a
	case strings.HasSuffix(a, ":"):
		return a + " " + b
	case endsSentence(a):
		return a + " " + b
	}
	return a + ". " + b
}

// endsSentence reports whether text ends with a sentence's mark.
func endsSentence(text string) bool {
	return strings.HasSuffix(text, ".") || strings.HasSuffix(text, "!") || strings.HasSuffix(text, "?")
}
