package tsapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
)

// ConfigForm says how the server sent a JobConfig.
type ConfigForm int

// The forms a config arrives in.
const (
	// ConfigUnset: never decoded nor set; encodes as {}.
	ConfigUnset ConfigForm = iota
	// ConfigObject: a JSON object, the usual form.
	ConfigObject
	// ConfigString: a JSON string holding a JSON object (older servers).
	ConfigString
	// ConfigEmptyString: the empty string "".
	ConfigEmptyString
	// ConfigNull: JSON null.
	ConfigNull
	// ConfigInvalid: anything else (a string that is not a JSON object, a
	// number, an array). The value is kept; Err reports it.
	ConfigInvalid
)

// ErrConfigNotObject is reported (by JobConfig.Err, Decode, Map and Get)
// for a config that does not hold a JSON object.
var ErrConfigNotObject = errors.New("tsapi: config is not a JSON object")

// JobConfig is a plugin's run configuration. Servers send it as a JSON
// object, as a string holding one, as "" or as null: all decode. It keeps
// the exact JSON it received: MarshalJSON gives back the same bytes in the
// same form (numbers stay as sent; "1.0" stays a string). Inside a request
// body the keys, their order and every value are kept, but encoding/json
// drops the insignificant white space between them.
//
// The Torrent Server stores a config's non-integer numbers as decimals and
// sends them back as strings (1.5 comes back "1.5").
//
// A config can hold secrets (passwords of the plugin's own services): do not
// log it.
type JobConfig struct {
	form ConfigForm
	obj  json.RawMessage // the object's JSON, for ConfigObject and ConfigString
	raw  json.RawMessage // exactly what was received, for ConfigString and ConfigInvalid
}

// NewJobConfig builds a config from any value that encodes as a JSON object
// (a struct or a map). It returns ErrConfigNotObject for anything else.
func NewJobConfig(v any) (JobConfig, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return JobConfig{}, fmt.Errorf("tsapi: encoding config: %w", err)
	}
	return JobConfigFromJSON(b)
}

// JobConfigFromJSON builds a config from the JSON text of an object. It
// returns ErrConfigNotObject when b is not one.
func JobConfigFromJSON(b []byte) (JobConfig, error) {
	b = bytes.TrimSpace(b)
	if !isJSONObject(b) {
		return JobConfig{}, fmt.Errorf("%w: %s", ErrConfigNotObject, snippet(b))
	}
	return JobConfig{form: ConfigObject, obj: append(json.RawMessage(nil), b...)}, nil
}

func isJSONObject(b []byte) bool {
	return len(b) > 0 && b[0] == '{' && json.Valid(b)
}

// Form tells how the config was sent.
func (c JobConfig) Form() ConfigForm { return c.form }

// IsEmpty reports whether the config holds no key (also true for "", null
// and unset).
func (c JobConfig) IsEmpty() bool {
	if c.obj == nil {
		return c.form != ConfigInvalid
	}
	var m map[string]json.RawMessage
	return json.Unmarshal(c.obj, &m) == nil && len(m) == 0
}

// Err returns nil when the config is an object (in any form, or empty), and
// an error wrapping ErrConfigNotObject that shows what arrived otherwise.
func (c JobConfig) Err() error {
	if c.form != ConfigInvalid {
		return nil
	}
	return fmt.Errorf("%w: got %s", ErrConfigNotObject, snippet(c.raw))
}

// Raw returns the JSON object (the decoded content of a string form), or
// nil when there is none. Do not modify it.
func (c JobConfig) Raw() json.RawMessage { return c.obj }

// Received returns the JSON exactly as received or set: what MarshalJSON
// writes.
func (c JobConfig) Received() json.RawMessage {
	b, _ := c.MarshalJSON()
	return b
}

// Decode unmarshals the config object into v (a pointer to the caller's
// struct or map). An empty config leaves v unchanged.
func (c JobConfig) Decode(v any) error {
	if err := c.Err(); err != nil {
		return err
	}
	if c.obj == nil {
		return nil
	}
	return json.Unmarshal(c.obj, v)
}

// Map returns the config's keys with their raw JSON values (nil for an
// empty config).
func (c JobConfig) Map() (map[string]json.RawMessage, error) {
	if err := c.Err(); err != nil {
		return nil, err
	}
	if c.obj == nil {
		return nil, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(c.obj, &m); err != nil {
		return nil, err
	}
	return m, nil
}

// Get returns the raw JSON value of key, and whether the key is present.
func (c JobConfig) Get(key string) (json.RawMessage, bool) {
	m, err := c.Map()
	if err != nil {
		return nil, false
	}
	v, ok := m[key]
	return v, ok
}

// GetString returns the value of key when it is a JSON string.
func (c JobConfig) GetString(key string) (string, bool) {
	raw, ok := c.Get(key)
	if !ok {
		return "", false
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}

var formNames = [...]string{"unset", "object", "string", "empty string", "null", "invalid"}

// String describes the config without its content, which can hold a
// plugin's passwords: "JobConfig(object, 42 bytes)". Use Raw, Get or Decode
// to read it.
func (c JobConfig) String() string {
	name := "unknown"
	if int(c.form) < len(formNames) {
		name = formNames[c.form]
	}
	n := len(c.obj)
	if c.obj == nil {
		n = len(c.raw)
	}
	return fmt.Sprintf("JobConfig(%s, %d bytes)", name, n)
}

// Format makes every fmt verb print String, so that printing a job never
// prints its config's secrets.
func (c JobConfig) Format(f fmt.State, _ rune) { io.WriteString(f, c.String()) }

// LogValue keeps log/slog from logging the config's content.
func (c JobConfig) LogValue() slog.Value { return slog.StringValue(c.String()) }

// MarshalJSON writes the config back in the form it arrived in: the same
// object bytes, the same string, "", or null. An unset config is {}.
func (c JobConfig) MarshalJSON() ([]byte, error) {
	switch c.form {
	case ConfigObject:
		return c.obj, nil
	case ConfigString, ConfigInvalid:
		return c.raw, nil
	case ConfigEmptyString:
		if c.raw != nil {
			return c.raw, nil
		}
		return []byte(`""`), nil
	case ConfigNull:
		return []byte("null"), nil
	}
	return []byte("{}"), nil
}

// UnmarshalJSON accepts an object, a string holding an object, "", or null.
// Any other value is kept (form ConfigInvalid) and reported by Err, so that
// one odd config does not fail a whole list.
func (c *JobConfig) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	own := append(json.RawMessage(nil), b...)
	switch {
	case len(b) == 0:
		*c = JobConfig{form: ConfigInvalid, raw: own}
	case b[0] == '{':
		*c = JobConfig{form: ConfigObject, obj: own}
	case bytes.Equal(b, []byte("null")):
		*c = JobConfig{form: ConfigNull}
	case b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		inner := bytes.TrimSpace([]byte(s))
		switch {
		case len(inner) == 0:
			*c = JobConfig{form: ConfigEmptyString, raw: own}
		case isJSONObject(inner):
			*c = JobConfig{form: ConfigString, obj: inner, raw: own}
		default:
			*c = JobConfig{form: ConfigInvalid, raw: own}
		}
	default:
		*c = JobConfig{form: ConfigInvalid, raw: own}
	}
	return nil
}

// JSONObject is a field that holds a JSON object: a TS JSONField (a result's
// or an experiment's metaData, an experiment's log), a tastypie DictField (a
// result's pluginState and pluginStore), or an object nested in full (a
// result's reportstorage). It keeps the exact JSON it received, "" and null
// included, and encodes back to it; read it with Get, GetString, Map or
// Decode. It is the type of a job's config (see JobConfig for the forms it
// accepts); like a config, it prints its form and size, never its content.
type JSONObject = JobConfig
