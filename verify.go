package tsapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"sort"
	"strings"
	"time"
)

// verifiedWrite sends a PUT or PATCH of object id as an opWriteOne, and
// after a lost answer re-reads the object to tell the caller what
// happened (the rule's verify, policy.go).
func (r *ReadResource[T, O]) verifiedWrite(ctx context.Context, method string, id int64, body []byte) (*T, *Response, error) {
	resp, err := r.client.call(ctx, &Request{Method: method, Path: r.detailPath(id), Body: body}, opWriteOne, nil)
	if err == nil {
		out, derr := decoded[T](resp)
		return out, resp, derr
	}
	var unknown *OutcomeUnknownError
	if !errors.As(err, &unknown) || ctx.Err() != nil || decide(opWriteOne, outLost) != verify {
		return nil, resp, err
	}
	got, vresp, differs, stamped, verr := r.reread(ctx, id, body)
	unknown.Checked = verr == nil
	if verr != nil {
		unknown.CheckErr = verr
		return nil, resp, unknown
	}
	if len(differs) > 0 {
		unknown.Differs, unknown.Stamped = differs, stamped
		return nil, vresp, unknown
	}
	vresp.Verified = true
	vresp.Attempts = unknown.Attempts
	return got, vresp, nil
}

// reread fetches object id and returns the fields of the sent body that it
// does not hold, and those of them that the server may have stamped
// itself: a field of spec.Stamped whose trigger was sent and is held as
// sent. A stamped field is compared like any other (see
// OutcomeUnknownError): skipping it would report a write that never
// arrived as verified whenever the state did not change.
func (r *ReadResource[T, O]) reread(ctx context.Context, id int64, sent []byte) (*T, *Response, []string, []string, error) {
	resp, err := r.client.call(ctx, &Request{Method: http.MethodGet, Path: r.detailPath(id)}, opRead, nil)
	if err != nil {
		return nil, resp, nil, nil, err
	}
	var now, want map[string]json.RawMessage
	if err := json.Unmarshal(resp.body, &now); err != nil || now == nil {
		return nil, resp, nil, nil, newDecodeError(resp, fmt.Errorf("the re-read object is not a JSON object"))
	}
	if err := json.Unmarshal(sent, &want); err != nil {
		return nil, resp, nil, nil, &InvalidArgumentError{Msg: "the sent body is not a JSON object"}
	}
	holds := func(k string) bool {
		got, ok := now[k]
		return ok && sameValue(want[k], got, r.spec.Fields[k])
	}
	var differs, stamped []string
	for k := range want {
		if holds(k) {
			continue
		}
		differs = append(differs, k)
		if trigger, ok := r.spec.Stamped[k]; ok {
			if _, sentTrigger := want[trigger]; sentTrigger && holds(trigger) {
				stamped = append(stamped, k)
			}
		}
	}
	sort.Strings(differs)
	sort.Strings(stamped)
	obj, err := decoded[T](resp)
	if err != nil {
		return nil, resp, nil, nil, err
	}
	return obj, resp, differs, stamped, nil
}

// sameValue reports whether the server holding got is what sending sent
// asked for: datetimes as instants to the millisecond the server exposes,
// numbers by value (the server sends non-integers back as strings), objects
// and lists member by member.
func sameValue(sent, got json.RawMessage, schemaType string) bool {
	if schemaType == "datetime" {
		var a, b *Time
		if json.Unmarshal(sent, &a) != nil || json.Unmarshal(got, &b) != nil {
			return false
		}
		if a == nil || b == nil {
			return a == nil && b == nil
		}
		return a.Truncate(time.Millisecond).Equal(b.Truncate(time.Millisecond))
	}
	var x, y any
	if decodeNumbers(sent, &x) != nil || decodeNumbers(got, &y) != nil {
		return false
	}
	// A JSON string holding an object ("config" of older servers) equals
	// that object.
	return sameJSON(x, y)
}

func decodeNumbers(b []byte, v *any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	return d.Decode(v)
}

func sameJSON(a, b any) bool {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok {
			if s, isStr := b.(string); isStr {
				var inner any
				return decodeNumbers([]byte(s), &inner) == nil && sameJSON(x, inner)
			}
			return false
		}
		if len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !sameJSON(v, w) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !sameJSON(x[i], y[i]) {
				return false
			}
		}
		return true
	case json.Number:
		return sameNumber(string(x), b)
	case string:
		if n, ok := b.(json.Number); ok {
			return sameNumber(string(n), x)
		}
		if m, ok := b.(map[string]any); ok {
			return sameJSON(m, x)
		}
		y, ok := b.(string)
		return ok && x == y
	default: // bool, nil
		return a == b
	}
}

// sameNumber compares a JSON number with a number or a string holding one.
func sameNumber(n string, b any) bool {
	var s string
	switch y := b.(type) {
	case json.Number:
		s = string(y)
	case string:
		s = y
	default:
		return false
	}
	p, ok1 := new(big.Rat).SetString(n)
	q, ok2 := new(big.Rat).SetString(strings.TrimSpace(s))
	return ok1 && ok2 && p.Cmp(q) == 0
}
