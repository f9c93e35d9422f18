package tsapi

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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

func TestNullableEncodesThreeStates(t *testing.T) {
	type patch struct {
		A Nullable[int64] `json:"a,omitzero"`
		B Nullable[int64] `json:"b,omitzero"`
		C Nullable[int64] `json:"c,omitzero"`
	}
	out, err := json.Marshal(patch{A: Value[int64](0), B: Null[int64]()})
	require.NoError(t, err)
	assert.JSONEq(t, `{"a": 0, "b": null}`, string(out))

	var p patch
	require.NoError(t, json.Unmarshal([]byte(`{"a": 5, "b": null}`), &p))
	v, ok := p.A.Get()
	assert.True(t, ok)
	assert.Equal(t, int64(5), v)
	assert.True(t, p.B.IsNull())
	assert.True(t, p.C.IsZero())
}

func TestJobStates(t *testing.T) {
	running := 0
	terminal := 0
	for _, s := range JobStates {
		assert.True(t, s.IsKnown())
		assert.NotEqual(t, s.IsRunning(), s.IsTerminal(), s)
		if s.IsRunning() {
			running++
		} else {
			terminal++
		}
	}
	assert.Equal(t, 3, running)
	assert.Equal(t, 8, terminal)
	assert.Equal(t, JobState("Timed Out"), StateTimedOut)
	odd := JobState("Weird")
	assert.False(t, odd.IsRunning())
	assert.False(t, odd.IsTerminal())
	assert.Len(t, RunLevels, 6)
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
