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

// ErrOutcomeUnknown is matched by an *OutcomeUnknownError: a write whose
// answer was lost, so that the library cannot tell whether the server
// applied it.
var ErrOutcomeUnknown = errors.New("tsapi: outcome of the write is unknown")

// OutcomeUnknownError is a write whose answer was lost after it may have
// reached the server: the connection dropped or timed out once the request
// was written, a proxy answered 502 or 504, or ctx ended while the answer
// was awaited. The library never resends such a write (a resend could
// create twice, or undo a change another client made in between).
//
// For an update (PUT) or a patch of one object, the library re-reads the
// object first: when every field holds what was sent, the write is reported
// as a success instead (Response.Verified). Otherwise Checked is true and
// Differs names the fields that hold something else now: the write was not
// applied, another client changed them since, or (for the fields in
// Stamped) the server set them itself. Re-read the object and decide.
//
// Every field sent is compared, also one the server stamps (a job's
// starttime and endtime, set when a write changes its state to Started or
// to a terminal state). The server stamps only when the write changes the
// state, and the library does not read the object before writing, so it
// cannot tell a stamp from a time that was never written: a job that was
// already Completed, sent Completed with a new endtime, holds its old
// endtime whether or not the write arrived. Such a field is reported in
// Differs, and also in Stamped when the re-read shows the state the write
// sent: a caller who knows the write changed the state knows the server's
// stamp explains it.
//
// It matches ErrOutcomeUnknown. It deliberately does not unwrap to its
// cause (a timeout, a 504, ctx's error), so that code that retries on those
// does not resend the write by accident; Cause holds it.
type OutcomeUnknownError struct {
	// Method and URL are the write's; URL has credentials redacted.
	Method string
	URL    string
	// Attempts is how many times the write was sent.
	Attempts int
	// Cause is why the answer was lost.
	Cause error
	// Checked is true when the object was re-read after the loss.
	Checked bool
	// Differs lists the fields that the re-read found holding something
	// other than what was sent.
	Differs []string
	// Stamped lists the fields of Differs that the server sets itself when
	// their trigger changes (ResourceSpec.Stamped), where the write sent
	// the trigger and the re-read shows it as sent: if the write changed
	// the trigger, the server's stamp explains the difference; if it did
	// not, the write was not applied (or was changed since).
	Stamped []string
	// CheckErr is why the re-read failed, when it did.
	CheckErr error
}

// Error says what was lost and what the re-read found.
func (e *OutcomeUnknownError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "tsapi: %s %s: the answer was lost after %d attempt(s), so the write may or may not have been applied", e.Method, e.URL, e.Attempts)
	if e.Cause != nil {
		fmt.Fprintf(&b, " (%s)", strings.TrimPrefix(e.Cause.Error(), "tsapi: "))
	}
	switch {
	case len(e.Differs) > 0:
		fmt.Fprintf(&b, "; re-read: %s now differ from what was sent (not applied, or changed since by another client", strings.Join(e.Differs, ", "))
		if len(e.Stamped) > 0 {
			fmt.Fprintf(&b, "; %s the server sets itself when the write changes state, which the library cannot tell", strings.Join(e.Stamped, ", "))
		}
		b.WriteString("); not resent")
	case e.CheckErr != nil:
		fmt.Fprintf(&b, "; re-read failed: %s", strings.TrimPrefix(e.CheckErr.Error(), "tsapi: "))
	}
	return b.String()
}

// Is matches ErrOutcomeUnknown.
func (e *OutcomeUnknownError) Is(target error) bool { return target == ErrOutcomeUnknown }

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
		return nil, resp, nil, nil, &ConfigError{Msg: "the sent body is not a JSON object"}
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
