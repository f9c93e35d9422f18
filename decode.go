package tsapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// decode unmarshals the response body into v, with a typed error.
func (c *Client) decode(resp *Response, v any) error {
	if err := json.Unmarshal(resp.body, v); err != nil {
		return newDecodeError(resp, err)
	}
	return nil
}

// decoded returns the object the server sent in resp, or nil when the
// answer had no body (tastypie answers writes with none).
func decoded[T any](resp *Response) (*T, error) {
	if resp == nil || len(bytes.TrimSpace(resp.body)) == 0 {
		return nil, nil
	}
	v := new(T)
	if err := json.Unmarshal(resp.body, v); err != nil {
		return nil, newDecodeError(resp, err)
	}
	return v, nil
}

// parseFlexInt reads an integer sent as a JSON number or as a JSON string
// holding one (tastypie sends Django BigIntegerFields as strings). null and
// "" give def.
func parseFlexInt(raw json.RawMessage, def int64) (int64, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return def, nil
	}
	text := string(raw)
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return 0, err
		}
		text = strings.TrimSpace(s)
		if text == "" {
			return def, nil
		}
	}
	if n, err := strconv.ParseInt(text, 10, 64); err == nil {
		return n, nil
	}
	// An integral number written as 12.0 or 1e3.
	if f, err := strconv.ParseFloat(text, 64); err == nil && f == math.Trunc(f) && math.Abs(f) < 1<<62 {
		return int64(f), nil
	}
	return 0, fmt.Errorf("want an integer, got %s", snippet(raw))
}

// NumberFromJSON reads a number the server sent as a JSON number or as a
// JSON string holding one ("12", "1.5"; tastypie sends BigIntegerField and
// DecimalField values as strings). null, "" and an absent value (an empty
// raw) give nil. For int64 an integral value written as 12.0 or 1e3 is
// accepted. It returns an error for anything else. The generated models
// decode their number fields with it.
func NumberFromJSON[T int64 | float64](raw json.RawMessage) (*T, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return nil, nil
	}
	text := string(raw)
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, err
		}
		if text = strings.TrimSpace(s); text == "" {
			return nil, nil
		}
	}
	var zero T
	f, err := strconv.ParseFloat(text, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return nil, fmt.Errorf("want a number, got %s", snippet(raw))
	}
	switch any(zero).(type) {
	case int64:
		if n, err := strconv.ParseInt(text, 10, 64); err == nil {
			v := T(n)
			return &v, nil
		}
		if f != math.Trunc(f) || math.Abs(f) >= 1<<62 {
			return nil, fmt.Errorf("want an integer, got %s", snippet(raw))
		}
	}
	v := T(f)
	return &v, nil
}
