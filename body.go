package tsapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
)

// encodeBody turns a request body into JSON.
func encodeBody(method string, body any) ([]byte, error) {
	switch b := body.(type) {
	case nil:
		return nil, nil
	case []byte:
		return b, nil
	case json.RawMessage:
		return b, nil
	}
	if err := checkNoSecret(body); err != nil {
		return nil, err
	}
	b, err := marshalBody(body)
	if err != nil {
		return nil, &InvalidArgumentError{Msg: fmt.Sprintf("encoding %s body: %v", method, err)}
	}
	return b, nil
}

// marshalBody encodes a request body as JSON without escaping <, > and &
// (encoding/json's default for HTML), so that strings reach the server as
// the caller wrote them. A body holding a job state the library does not
// send (see JobState) is refused.
func marshalBody(v any) ([]byte, error) {
	if sc, ok := v.(stateChecker); ok && !isNilPointer(v) {
		if err := sc.checkStates(); err != nil {
			return nil, err
		}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// writeBody encodes body as a JSON object without "id" and "resource_uri":
// tastypie treats a sent id as the row to write, which would re-target the
// write. A body that would encode a SecretString (a read model used as a
// write type) is a *InvalidArgumentError: see checkNoSecret.
func writeBody(body any) ([]byte, error) {
	if body == nil || isNilPointer(body) {
		return nil, &InvalidArgumentError{Msg: "nil body"}
	}
	if err := checkNoSecret(body); err != nil {
		return nil, err
	}
	b, err := marshalBody(body)
	if err != nil {
		return nil, &InvalidArgumentError{Msg: fmt.Sprintf("encoding body: %v", err)}
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil || m == nil {
		return nil, &InvalidArgumentError{Msg: "body must encode as a JSON object"}
	}
	_, hasID := m["id"]
	_, hasURI := m["resource_uri"]
	if !hasID && !hasURI {
		return b, nil
	}
	delete(m, "id")
	delete(m, "resource_uri")
	return marshalBody(m)
}

func isNilPointer(v any) bool {
	rv := reflect.ValueOf(v)
	return rv.Kind() == reflect.Pointer && rv.IsNil()
}
