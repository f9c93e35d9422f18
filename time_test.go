package tsapi

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

func TestParseTimeForms(t *testing.T) {
	utc := func(y int, mo time.Month, d, h, mi, s, ns int) time.Time {
		return time.Date(y, mo, d, h, mi, s, ns, time.UTC)
	}
	cases := map[string]time.Time{
		"2010-11-10T03:07:43":              utc(2010, 11, 10, 3, 7, 43, 0),
		"2017-08-09T20:26:03.000549+00:00": utc(2017, 8, 9, 20, 26, 3, 549000000), // the server's milliseconds
		"2017-08-09T20:26:03.000549":       utc(2017, 8, 9, 20, 26, 3, 549000000),
		"2017-08-09T20:26:03Z":             utc(2017, 8, 9, 20, 26, 3, 0),
		"2017-08-09T20:26:03.5Z":           utc(2017, 8, 9, 20, 26, 3, 500000000),
		"2017-08-09T22:26:03+02:00":        utc(2017, 8, 9, 20, 26, 3, 0),
		"2017-08-09 20:26:03":              utc(2017, 8, 9, 20, 26, 3, 0),
	}
	for in, want := range cases {
		got, err := ParseTime(in)
		require.NoError(t, err, in)
		assert.True(t, want.Equal(got.Time), "%s: got %s", in, got)
	}
	_, err := ParseTime("yesterday")
	assert.ErrorContains(t, err, `"yesterday"`)
}

func TestTimeEncodesWithOffset(t *testing.T) {
	for in, want := range map[string]string{
		`"2017-08-09T20:26:03.000549+00:00"`: `"2017-08-09T20:26:03.549000+00:00"`,
		`"2010-11-10T03:07:43"`:              `"2010-11-10T03:07:43+00:00"`,
		`"2010-11-10T03:07:43Z"`:             `"2010-11-10T03:07:43+00:00"`,
		`"2010-11-10T05:07:43+02:00"`:        `"2010-11-10T05:07:43+02:00"`,
	} {
		var tm Time
		require.NoError(t, json.Unmarshal([]byte(in), &tm))
		out, err := json.Marshal(tm)
		require.NoError(t, err)
		assert.Equal(t, want, string(out), in)
	}
	var tm Time
	assert.Error(t, json.Unmarshal([]byte(`12`), &tm))
	assert.Error(t, json.Unmarshal([]byte(`"not a time"`), &tm))
}

func TestTimeHoldsTheRealInstant(t *testing.T) {
	for in, want := range map[string]string{
		"2017-08-09T20:26:03.000549+00:00": "2017-08-09T20:26:03.549Z",
		"2017-08-09T20:26:03.000001+00:00": "2017-08-09T20:26:03.001Z",
		"2017-08-09T20:26:03+00:00":        "2017-08-09T20:26:03Z",
		"2017-08-09T20:26:03.549123+00:00": "2017-08-09T20:26:03.549123Z",
		"2017-08-09T20:26:03.0005491Z":     "2017-08-09T20:26:03.0005491Z",
	} {
		tm, err := ParseTime(in)
		require.NoError(t, err)
		assert.Equal(t, want, tm.UTC().Format(time.RFC3339Nano), in)
		var dec Time
		require.NoError(t, json.Unmarshal([]byte(`"`+in+`"`), &dec))
		assert.True(t, tm.Equal(dec.Time), in)
	}
	// A duration computed from two server times is the real one.
	a, _ := ParseTime("2017-08-09T20:26:03.000549+00:00")
	b, _ := ParseTime("2017-08-09T20:26:04.000049+00:00")
	assert.Equal(t, 500*time.Millisecond, b.Sub(a.Time))
}

func TestTimeEncodesTheRealInstantToTheMicrosecond(t *testing.T) {
	// The server stores the microseconds it is sent: sending the real
	// instant keeps the milliseconds it shows.
	tm, err := ParseTime("2017-08-09T20:26:03.000549+00:00")
	require.NoError(t, err)
	out, err := json.Marshal(tm)
	require.NoError(t, err)
	assert.Equal(t, `"2017-08-09T20:26:03.549000+00:00"`, string(out))
	out, err = json.Marshal(NewTime(time.Date(2024, 1, 2, 3, 4, 5, 6789, time.UTC)))
	require.NoError(t, err)
	assert.Equal(t, `"2024-01-02T03:04:05.000006+00:00"`, string(out), "finer than a microsecond is dropped")
}

func TestTimeKeepsTheSecondsOfAnOddOffset(t *testing.T) {
	amsterdam, err := time.LoadLocation("Europe/Amsterdam")
	require.NoError(t, err)
	for _, tm := range []time.Time{
		time.Date(1930, 6, 1, 12, 0, 0, 0, amsterdam), // +01:19:32, Amsterdam summer time before 1937
		time.Date(2024, 1, 2, 3, 4, 5, 549000000, time.FixedZone("odd", 3600+30)),
		time.Date(1850, 1, 1, 0, 0, 0, 0, time.FixedZone("lmt", -(4*3600+56*60+2))),
	} {
		b, err := json.Marshal(NewTime(tm))
		require.NoError(t, err)
		var back Time
		require.NoError(t, json.Unmarshal(b, &back))
		assert.True(t, back.Equal(tm), "%v -> %s -> %v", tm, b, back.Time)
		assert.True(t, strings.HasSuffix(string(b), `+00:00"`), "written in UTC: %s", b)
	}
	// A whole-minute offset is kept as it is.
	kolkata := time.Date(2024, 1, 2, 3, 4, 5, 0, time.FixedZone("IST", 5*3600+30*60))
	assert.Equal(t, "2024-01-02T03:04:05+05:30", NewTime(kolkata).String())
}

// timeZones are the zones instants are drawn in: fixed ones of any offset
// (odd seconds included) and named ones whose history has offsets with
// seconds (local mean time) or of 15, 30 and 45 minutes.
var timeZones = []string{"UTC", "fixed", "Europe/Amsterdam", "Africa/Monrovia", "America/New_York",
	"Asia/Kolkata", "Asia/Kathmandu", "Pacific/Chatham", "Australia/Lord_Howe", "Europe/Dublin"}

func TestPropTimeRoundTrips(t *testing.T) {
	locs := map[string]*time.Location{}
	for _, name := range timeZones {
		if name == "fixed" {
			continue
		}
		loc, err := time.LoadLocation(name)
		require.NoError(t, err, name)
		locs[name] = loc
	}
	propRapidCheck(t, 5000, func(t *rapid.T) {
		sec := rapid.Int64Range(-4_000_000_000, 7_000_000_000).Draw(t, "unix seconds") // 1843 to 2191
		ns := rapid.OneOf(
			rapid.Just(0),
			rapid.Map(rapid.IntRange(1, 999), func(ms int) int { return ms * int(time.Millisecond) }),
			rapid.Map(rapid.IntRange(1, 999_999), func(us int) int { return us * int(time.Microsecond) }),
			rapid.IntRange(1, 999_999_999),
		).Draw(t, "nanoseconds")
		zone := rapid.SampledFrom(timeZones).Draw(t, "zone")
		loc := locs[zone]
		if zone == "fixed" {
			loc = time.FixedZone("fixed", rapid.IntRange(-14*3600, 14*3600).Draw(t, "offset seconds"))
		}
		tm := time.Unix(sec, int64(ns)).In(loc)
		sent := tm.Truncate(time.Microsecond) // the precision sent

		b, err := json.Marshal(NewTime(tm))
		require.NoError(t, err)
		var text string
		require.NoError(t, json.Unmarshal(b, &text))
		assert.Equal(t, NewTime(tm).String(), text)

		// The text is RFC 3339 for the very instant, in the time's own
		// offset when it has one in RFC 3339.
		std, err := time.Parse(time.RFC3339Nano, text)
		require.NoError(t, err, text)
		assert.True(t, std.Equal(sent), "%v -> %s", tm, text)
		_, off := tm.Zone()
		_, stdOff := std.Zone()
		if off%60 == 0 {
			assert.Equal(t, off, stdOff, "the offset is kept: %s", text)
		} else {
			assert.Zero(t, stdOff, "an offset with seconds is written in UTC: %s", text)
		}

		// Decoded, it is the same instant, except for a fraction of whole
		// microseconds under 1 ms, which is how the Torrent Server writes
		// milliseconds (see Time): the server never sends one.
		var back Time
		require.NoError(t, json.Unmarshal(b, &back))
		parsed, err := ParseTime(text)
		require.NoError(t, err)
		assert.True(t, parsed.Equal(back.Time))
		if frac := sent.Nanosecond(); frac > 0 && frac < int(time.Millisecond) {
			assert.True(t, back.Equal(sent.Truncate(time.Second).Add(time.Duration(frac)*1000)), "%s -> %v", text, back.Time)
			return
		}
		assert.True(t, back.Equal(sent), "%v -> %s -> %v", tm, text, back.Time)
		again, err := json.Marshal(back)
		require.NoError(t, err)
		assert.Equal(t, string(b), string(again), "encoding the decoded time gives the same text")
	})
}

func TestTimeFiltersKeepTheSecondsOfAnOddOffset(t *testing.T) {
	c := newTestClient(t, "http://ts.example")
	at := time.Date(2024, 1, 2, 3, 4, 5, 549123000, time.FixedZone("odd", 3600+30))
	whole := time.Date(2024, 1, 2, 3, 4, 5, 0, time.FixedZone("IST", 5*3600+30*60))
	opts := &PluginResultJobListOptions{StartTimeGte: &at, EndTimeLte: &at, StartTimeLte: &whole}
	q, err := c.PluginResultJobs.(*PluginResultJobServiceOp).Query(opts)
	require.NoError(t, err)
	assert.Equal(t, "2024-01-02T02:03:35.549123Z", q.Get("starttime__gte"))
	assert.Equal(t, "2024-01-02T02:03:35.549123Z", q.Get("endtime__lte"))
	assert.Equal(t, "2024-01-02T03:04:05+05:30", q.Get("starttime__lte"), "a whole-minute offset is kept")
	_, off := opts.StartTimeGte.Zone()
	assert.Equal(t, 3630, off, "the caller's options are not changed")
}
