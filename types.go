package tsapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Time is a tastypie datetime. It parses ISO 8601 with or without an offset
// and with or without a fraction ("2010-11-10T03:07:43",
// "2017-08-09T20:26:03.000549+00:00", "...Z"); a time without an offset is
// taken as UTC, the Torrent Server's zone. It encodes with an explicit
// offset and microseconds, as tastypie writes it.
//
// The Torrent Server writes milliseconds into the microsecond digits
// (".000550" means 550 ms); Time keeps the digits as sent, so a value read
// and written back is unchanged. Time is sent to the microsecond, the
// server's precision: finer digits are dropped.
type Time struct{ time.Time }

// NewTime returns t as a Time.
func NewTime(t time.Time) Time { return Time{t} }

var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04",
	"2006-01-02",
}

// Actual returns the instant a Torrent Server meant by t. Its serializer
// writes the milliseconds into the microsecond digits, so that
// "20:26:03.000549" is really 20:26:03.549; Actual moves such digits back
// (a fraction of 549 µs becomes 549 ms). A time whose fraction is not of
// that form (digits beyond the microsecond, or a fraction of 1 ms or more)
// is returned unchanged. Use it only on times read from a Torrent Server:
// a genuine sub-millisecond fraction from another server would be misread.
func (t Time) Actual() time.Time {
	ns := t.Nanosecond()
	if ns == 0 || ns >= int(time.Millisecond) || ns%int(time.Microsecond) != 0 {
		return t.Time
	}
	return t.Add(time.Duration(ns)*1000 - time.Duration(ns))
}

// ParseTime parses a tastypie datetime string (see Time).
func ParseTime(s string) (Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range timeLayouts {
		var t time.Time
		var err error
		if strings.Contains(layout, "Z07") {
			t, err = time.Parse(layout, s)
		} else {
			t, err = time.ParseInLocation(layout, s, time.UTC)
		}
		if err == nil {
			return Time{t}, nil
		}
	}
	return Time{}, fmt.Errorf("tsapi: cannot parse datetime %s", quote(s))
}

const timeOut = "2006-01-02T15:04:05.000000-07:00"

// String formats the time as it is sent to the server.
func (t Time) String() string {
	if t.Nanosecond() == 0 {
		return t.Format("2006-01-02T15:04:05-07:00")
	}
	return t.Format(timeOut)
}

// MarshalJSON encodes the time with an explicit offset.
func (t Time) MarshalJSON() ([]byte, error) {
	return json.Marshal(t.String())
}

// UnmarshalJSON parses any of the forms listed on Time. null leaves t
// unchanged.
func (t *Time) UnmarshalJSON(b []byte) error {
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("tsapi: datetime must be a JSON string, got %s", snippet(b))
	}
	p, err := ParseTime(s)
	if err != nil {
		return err
	}
	*t = p
	return nil
}

// Nullable is a field of a partial update (PATCH) that can be left out,
// set to a value, or set to an explicit null. The zero value is left out
// (with the omitzero tag option).
type Nullable[T any] struct {
	value T
	set   bool
	null  bool
}

// Value returns a Nullable that sends v.
func Value[T any](v T) Nullable[T] { return Nullable[T]{value: v, set: true} }

// Null returns a Nullable that sends an explicit JSON null.
func Null[T any]() Nullable[T] { return Nullable[T]{set: true, null: true} }

// IsZero reports whether the field is left out.
func (n Nullable[T]) IsZero() bool { return !n.set }

// IsNull reports whether the field sends null.
func (n Nullable[T]) IsNull() bool { return n.set && n.null }

// Get returns the value and whether there is one (false when left out or
// null).
func (n Nullable[T]) Get() (T, bool) { return n.value, n.set && !n.null }

// MarshalJSON encodes the value or null.
func (n Nullable[T]) MarshalJSON() ([]byte, error) {
	if !n.set || n.null {
		return []byte("null"), nil
	}
	return json.Marshal(n.value)
}

// UnmarshalJSON decodes a value or null.
func (n *Nullable[T]) UnmarshalJSON(b []byte) error {
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		*n = Null[T]()
		return nil
	}
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*n = Value(v)
	return nil
}

// Ptr returns a pointer to v, for the optional fields of structs.
func Ptr[T any](v T) *T { return &v }
