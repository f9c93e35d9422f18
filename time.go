package tsapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Time is a tastypie datetime. It holds the real instant the server means,
// so durations computed from it are right.
//
// The Torrent Server's serializer writes the milliseconds of a time into its
// microsecond digits: "20:26:03.000549" is really 20:26:03.549, and a time
// whose fraction is under 1 ms is written without one. Time undoes this on
// decoding: a fraction of whole microseconds under 1 ms is read as that many
// milliseconds. Any other fraction (".549123", more than six digits) is
// taken as written. A genuine sub-millisecond fraction sent by another
// tastypie server would be misread; the Torrent Server never sends one.
//
// Time parses ISO 8601 with or without an offset and with or without a
// fraction ("2010-11-10T03:07:43", "2017-08-09T20:26:03.000549+00:00",
// "...Z"); a time without an offset is taken as UTC, the Torrent Server's
// zone. It encodes the real instant with an explicit offset (UTC for a zone
// offset with seconds) and microseconds, which the server stores as they
// are: a time read and written back keeps every millisecond the server
// exposes. Digits finer than the microsecond are dropped.
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

// ParseTime parses a tastypie datetime string and returns the instant the
// Torrent Server means by it (see Time).
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
			return Time{fromServer(t)}, nil
		}
	}
	return Time{}, fmt.Errorf("tsapi: cannot parse datetime %s", quote(s))
}

// fromServer moves milliseconds written into the microsecond digits back
// where they belong: a fraction of whole microseconds under 1 ms.
func fromServer(t time.Time) time.Time {
	ns := t.Nanosecond()
	if ns == 0 || ns >= int(time.Millisecond) || ns%int(time.Microsecond) != 0 {
		return t
	}
	return t.Add(time.Duration(ns)*1000 - time.Duration(ns))
}

const timeOut = "2006-01-02T15:04:05.000000-07:00"

// String formats the time as it is sent to the server: with microseconds
// (none when the time is a whole second) and an explicit offset. A time
// whose zone offset is not a whole number of minutes (local mean time,
// such as Amsterdam's +00:19:32 before 1937) is written in UTC: RFC 3339
// has no seconds in an offset.
func (t Time) String() string {
	tt := t.Truncate(time.Microsecond)
	if _, off := tt.Zone(); off%60 != 0 {
		tt = tt.UTC()
	}
	if tt.Nanosecond() == 0 {
		return tt.Format("2006-01-02T15:04:05-07:00")
	}
	return tt.Format(timeOut)
}

// MarshalJSON encodes the time as String does.
func (t Time) MarshalJSON() ([]byte, error) {
	return json.Marshal(t.String())
}

// UnmarshalJSON parses any of the forms listed on Time. null leaves t
// unchanged.
func (t *Time) UnmarshalJSON(b []byte) error {
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		return nil
	}
	// The server's own form (RFC 3339) parses from the bytes, without a
	// string in between; anything else takes the general path.
	var rfc time.Time
	if len(b) >= len(`"2006-01-02T15:04:05Z"`) && b[0] == '"' && rfc.UnmarshalJSON(b) == nil {
		*t = Time{fromServer(rfc)}
		return nil
	}
	var s string
	if n := len(b); n >= 2 && b[0] == '"' && b[n-1] == '"' && bytes.IndexByte(b[1:n-1], '\\') < 0 && bytes.IndexByte(b[1:n-1], '"') < 0 {
		s = string(b[1 : n-1]) // the usual form: no escapes to undo
	} else if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("tsapi: datetime must be a JSON string, got %s", snippet(b))
	}
	p, err := ParseTime(s)
	if err != nil {
		return err
	}
	*t = p
	return nil
}
