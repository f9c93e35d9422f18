package tsapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"
)

// Fuzz targets. Seed corpora live in testdata/fuzz/<FuzzName>/; run one
// with, for example:
//
//	go test -run '^$' -fuzz '^FuzzJobConfig$' -fuzztime 60s .
//
// Each asserts properties, not just the absence of a panic.

// FuzzJobConfig: a config decoded from any valid JSON re-encodes to exactly
// the bytes received (after trimming space), inside a job or alone; one odd
// config never fails the job holding it; the form it reports agrees with
// what it holds.
func FuzzJobConfig(f *testing.F) {
	for _, s := range []string{`{}`, `{"a": 1.0, "b": "1.0"}`, `"{\"x\": [1, 2]}"`, `""`, `null`, `"not json"`, `42`, `[]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var direct JobConfig
		if err := direct.UnmarshalJSON(data); err == nil {
			fuzzCheckConfig(t, direct, bytes.TrimSpace(data))
		}
		var c JobConfig
		err := json.Unmarshal(data, &c)
		if !json.Valid(data) {
			if err == nil {
				t.Fatalf("invalid JSON %q decoded without error", data)
			}
			return
		}
		if err != nil {
			t.Fatalf("valid JSON %q: %v", data, err)
		}
		want := bytes.TrimSpace(data)
		fuzzCheckConfig(t, c, want)

		// Inside a job: the job decodes whatever the config is.
		doc := append(append([]byte(`{"id": 3, "state": "Started", "config": `), data...), '}')
		var job PluginResultJob
		if err := json.Unmarshal(doc, &job); err != nil {
			t.Fatalf("a job with config %q failed to decode: %v", data, err)
		}
		got, _ := job.Config.MarshalJSON()
		if !bytes.Equal(got, want) {
			t.Fatalf("config in a job re-encodes as %q, want %q", got, want)
		}
		// Written back as part of a job (encoding/json compacts and
		// escapes it), it means the same.
		out, err := json.Marshal(job.ToWrite())
		if err != nil {
			t.Fatalf("encoding a job with config %q: %v", data, err)
		}
		var back struct {
			Config JobConfig `json:"config"`
		}
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatalf("re-decoding %q: %v", out, err)
		}
		if back.Config.Form() != c.Form() {
			t.Fatalf("form changed from %d to %d through %q", c.Form(), back.Config.Form(), out)
		}
		if !fuzzSameJSON(c.Raw(), back.Config.Raw()) {
			t.Fatalf("config content changed: %q -> %q", c.Raw(), back.Config.Raw())
		}
	})
}

// fuzzCheckConfig checks the invariants of a decoded config.
func fuzzCheckConfig(t *testing.T, c JobConfig, want []byte) {
	t.Helper()
	got, err := c.MarshalJSON()
	if err != nil {
		t.Fatalf("MarshalJSON: %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("re-encodes as %q, want %q", got, want)
	}
	if !bytes.Equal(c.Received(), want) {
		t.Fatalf("Received() = %q, want %q", c.Received(), want)
	}
	if (c.Err() == nil) != (c.Form() != ConfigInvalid) {
		t.Fatalf("form %d with Err %v", c.Form(), c.Err())
	}
	if c.Err() != nil && !errors.Is(c.Err(), ErrConfigNotObject) {
		t.Fatalf("Err %v does not match ErrConfigNotObject", c.Err())
	}
	switch c.Form() {
	case ConfigObject, ConfigString:
		if c.Form() == ConfigString && !json.Valid(c.Raw()) {
			t.Fatalf("string form holds invalid JSON %q", c.Raw())
		}
		if !json.Valid(want) {
			return // UnmarshalJSON called directly on a broken object
		}
		m, err := c.Map()
		if err != nil {
			t.Fatalf("Map of %q: %v", c.Raw(), err)
		}
		if c.IsEmpty() != (len(m) == 0) {
			t.Fatalf("IsEmpty %v with %d keys", c.IsEmpty(), len(m))
		}
		again, err := JobConfigFromJSON(c.Raw())
		if err != nil || !bytes.Equal(again.Raw(), bytes.TrimSpace(c.Raw())) {
			t.Fatalf("JobConfigFromJSON(%q) = %q, %v", c.Raw(), again.Raw(), err)
		}
	case ConfigNull, ConfigEmptyString:
		if !c.IsEmpty() || c.Raw() != nil {
			t.Fatalf("form %d not empty", c.Form())
		}
	case ConfigInvalid:
		if c.IsEmpty() {
			t.Fatalf("an invalid config %q reports empty", want)
		}
		if _, err := c.Map(); err == nil {
			t.Fatalf("Map of invalid config %q succeeded", want)
		}
	}
}

// fuzzSameJSON reports whether a and b hold the same JSON value (both nil
// counts as the same).
func fuzzSameJSON(a, b []byte) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	decode := func(b []byte) (any, error) {
		d := json.NewDecoder(bytes.NewReader(b))
		d.UseNumber() // 1e400 is valid JSON but no float64
		var v any
		err := d.Decode(&v)
		return v, err
	}
	va, errA := decode(a)
	vb, errB := decode(b)
	return errA == nil && errB == nil && reflect.DeepEqual(va, vb)
}

// FuzzParseTime: ParseTime and Time.UnmarshalJSON agree; a parsed time
// formats to a string that parses back to the same instant (to the
// microsecond, the precision sent to the server) and formats the same
// again; JSON round-trips.
func FuzzParseTime(f *testing.F) {
	for _, s := range []string{
		"2017-08-09T20:26:03.000549+00:00", "2010-11-10T03:07:43", "2021-03-04T05:06:07Z",
		"2021-03-04 05:06:07.5+02:00", "2021-03-04", "2021-03-04T05:06", "not a time", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tm, err := ParseTime(s)

		quoted, _ := json.Marshal(s)
		var tj Time
		errj := tj.UnmarshalJSON(quoted)
		if (err == nil) != (errj == nil) {
			t.Fatalf("ParseTime(%q) err %v but UnmarshalJSON err %v", s, err, errj)
		}
		var raw Time
		_ = raw.UnmarshalJSON([]byte(s)) // arbitrary bytes: must not panic

		if err != nil {
			if !strings.Contains(err.Error(), "datetime") {
				t.Fatalf("error %q does not say what failed", err)
			}
			return
		}
		if !tj.Equal(tm.Time) {
			t.Fatalf("UnmarshalJSON(%s) = %v, ParseTime = %v", quoted, tj, tm)
		}
		_, zj := tj.Zone()
		_, zp := tm.Zone()
		if zj != zp {
			t.Fatalf("UnmarshalJSON(%s) and ParseTime differ in offset: %v, %v", quoted, tj, tm)
		}
		out := tm.String()
		back, err := ParseTime(out)
		if err != nil {
			t.Fatalf("ParseTime(%q) parsed, but its String %q does not: %v", s, out, err)
		}
		// A fraction of whole microseconds under 1 ms is how the Torrent
		// Server writes milliseconds, so such a time, written, reads back as
		// milliseconds (see Time); the server never sends one.
		if us := tm.Truncate(time.Microsecond).Nanosecond(); us > 0 && us < int(time.Millisecond) {
			if want := tm.Truncate(time.Second).Add(time.Duration(us) * 1000); !back.Equal(want) {
				t.Fatalf("%q -> %q -> %v, want the misread %v", s, out, back, want)
			}
			return
		}
		if d := back.Sub(tm.Time); d > 0 || d <= -time.Microsecond {
			t.Fatalf("%q -> %q -> %v: off by %v", s, out, back, d)
		}
		if again := back.String(); again != out {
			t.Fatalf("String not stable: %q then %q", out, again)
		}
		_, off1 := tm.Zone()
		_, off2 := back.Zone()
		if off1 != off2 {
			t.Fatalf("offset changed: %d -> %d (%q -> %q)", off1, off2, s, out)
		}
		b, err := json.Marshal(tm)
		if err != nil {
			t.Fatalf("MarshalJSON(%v): %v", tm, err)
		}
		var fromJSON Time
		if err := json.Unmarshal(b, &fromJSON); err != nil || !fromJSON.Equal(back.Time) {
			t.Fatalf("JSON round trip of %q: %s -> %v, %v", s, b, fromJSON, err)
		}
	})
}

// fuzzRoundTripper answers every request with the same 200 body, without
// a network, and counts requests.
type fuzzRoundTripper struct {
	body []byte
	n    atomic.Int32
}

func (rt *fuzzRoundTripper) RoundTrip(req *http.Request) (*http.Response, error) {
	rt.n.Add(1)
	if req.Body != nil {
		io.Copy(io.Discard, req.Body)
		req.Body.Close()
	}
	return &http.Response{
		StatusCode: 200, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:        http.Header{"Content-Type": {"application/json"}},
		Body:          io.NopCloser(bytes.NewReader(rt.body)),
		ContentLength: int64(len(rt.body)),
		Request:       req,
	}, nil
}

const fuzzSecret = "fz9-SECRET-plugin-key"

// FuzzListPage decodes a list page (and iterates over it as if every page
// were the same): the result is either objects, all non-nil and surviving
// a JSON round trip, or a *DecodeError; iteration ends (with a decode or
// pagination error, or at the end) after a few requests; no error text
// holds the plugin key, even when the body echoes it.
func FuzzListPage(f *testing.F) {
	for _, s := range []string{
		`{"meta": {"limit": 20, "offset": 0, "total_count": 2, "next": null, "previous": null}, "objects": [{"id": 9, "state": "Started", "config": {}}, {"id": 8}]}`,
		`{"meta": {"limit": 1, "next": "/rundb/api/v1/PluginResultJob/?limit=1&offset=1"}, "objects": [{"id": 9}]}`,
		`{"meta": {"next": "http://evil.example/x/"}, "objects": [{"id": 1}]}`,
		`{"objects": [{"id": "abc"}]}`,
		`{"objects": [null]}`,
		`<html><title>Login</title></html>`,
		`{"objects": [{"id": 2, "starttime": "` + fuzzSecret + `"}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		rt := &fuzzRoundTripper{body: body}
		c, err := New("http://ts.example.org", WithTransport(rt), WithRetry(0, 0, 0), WithPluginKey(7, fuzzSecret))
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		jobs, resp, err := c.PluginResultJobs.List(ctx, nil)
		if err != nil {
			var de *DecodeError
			if !errors.As(err, &de) || !errors.Is(err, ErrDecode) {
				t.Fatalf("list error %T %v is not a *DecodeError", err, err)
			}
			fuzzNoSecret(t, err)
		} else {
			fuzzCheckJobs(t, body, jobs, resp)
		}

		for _, paging := range []PagingMode{PagingAuto, PagingOffset} {
			before := rt.n.Load()
			opts := &PluginResultJobListOptions{ListOptions: ListOptions{Paging: paging}}
			seen := 0
			for j, err := range c.PluginResultJobs.All(ctx, opts) {
				if err != nil {
					if !errors.Is(err, ErrDecode) && !errors.Is(err, ErrPagination) {
						t.Fatalf("iteration error %T %v", err, err)
					}
					fuzzNoSecret(t, err)
					continue
				}
				if j == nil {
					t.Fatal("iteration yielded a nil job without an error")
				}
				seen++
				if seen > 10000 {
					t.Fatal("iteration does not end")
				}
			}
			// The first page, the request for two objects that a page of
			// one is followed by, the link, and the offset pages until the
			// link repeats.
			if n := rt.n.Load() - before; n > 5 {
				t.Fatalf("iteration over one repeated page sent %d requests", n)
			}
		}
	})
}

// fuzzCheckJobs checks a successful list decode against the body.
func fuzzCheckJobs(t *testing.T, body []byte, jobs []*PluginResultJob, resp *Response) {
	t.Helper()
	var raw struct {
		Objects []json.RawMessage `json:"objects"`
	}
	if err := json.Unmarshal(body, &raw); err != nil {
		t.Fatalf("List accepted %q that does not decode: %v", body, err)
	}
	if len(raw.Objects) != len(jobs) {
		t.Fatalf("%d objects in the body, %d jobs", len(raw.Objects), len(jobs))
	}
	if resp == nil {
		t.Fatal("nil Response on success")
	}
	for i, j := range jobs {
		if j == nil {
			t.Fatalf("job %d is nil", i)
		}
		b, err := json.Marshal(j)
		if err != nil {
			t.Fatalf("re-encoding job %d: %v", i, err)
		}
		var back PluginResultJob
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("re-decoding job %d %s: %v", i, b, err)
		}
		if back.ID != j.ID || back.State != j.State || back.RunLevel != j.RunLevel || back.ResourceURI != j.ResourceURI ||
			!reflect.DeepEqual(back.GridEngineJobID, j.GridEngineJobID) || !fuzzSameConfig(j.Config, back.Config) {
			t.Fatalf("job %d changed through JSON: %+v -> %+v", i, j, back)
		}
		for _, p := range [][2]*Time{{j.StartTime, back.StartTime}, {j.EndTime, back.EndTime}} {
			if (p[0] == nil) != (p[1] == nil) {
				t.Fatalf("job %d: a time appeared or vanished", i)
			}
			if p[0] != nil {
				if d := p[1].Sub(p[0].Time); d > 0 || d <= -time.Microsecond {
					t.Fatalf("job %d: time %v -> %v", i, p[0], p[1])
				}
			}
		}
	}
}

// fuzzSameConfig compares a config with its JSON round trip; a config the
// body did not have (unset) is written as {} and comes back as an empty
// object, which is documented.
func fuzzSameConfig(before, after JobConfig) bool {
	if before.Form() == ConfigUnset {
		return after.Form() == ConfigObject && after.IsEmpty()
	}
	return before.Form() == after.Form() && fuzzSameJSON(before.Raw(), after.Raw())
}

// fuzzNoSecret checks the texts of err and of its chain, and the fields of
// a *DecodeError. (Not %#v: Go's escaping can join the hex digits of a byte
// such as \xaf to the text after it and spell a secret that is not there.)
func fuzzNoSecret(t *testing.T, err error) {
	t.Helper()
	for e := err; e != nil; e = errors.Unwrap(e) {
		if s := fmt.Sprintf("%v|%+v|%s", e, e, e); strings.Contains(s, fuzzSecret) {
			t.Fatalf("error shows the secret: %s", s)
		}
	}
	var de *DecodeError
	if errors.As(err, &de) {
		for _, s := range []string{de.Body, de.ContentType, de.URL, de.Field, de.Method} {
			if strings.Contains(s, fuzzSecret) {
				t.Fatalf("DecodeError field shows the secret: %q", s)
			}
		}
	}
}

// FuzzErrorBody builds the APIError of any answer: Error() never panics,
// is bounded, names the status, and never shows a credential given in the
// request URL's query, even when the body, headers or Location echo it;
// its texts stay valid UTF-8 when the body is; the same answer always gives
// the same error.
func FuzzErrorBody(f *testing.F) {
	seeds := []struct {
		status                 int
		body, ctype, loc, rawq string
	}{
		{400, `{"error": "Invalid resource lookup data provided (mismatched type)."}`, "application/json", "", "limit=20"},
		{400, `{"pluginresultjob": {"state": ["This field is required."]}}`, "application/json", "", ""},
		{400, `{"error": {"config": {"x": ["bad"]}, "state": "too long"}}`, "application/json", "", ""},
		{500, `{"error_message": "Sorry, this request could not be processed.", "traceback": "Traceback..."}`, "application/json", "", ""},
		{503, `<html><head><title>Maintenance &amp; upgrade</title></head></html>`, "text/html", "", "offset=20"},
		{404, `<h1>Not <b>Found</b></h1>`, "text/html", "", ""},
		{301, ``, "", "/rundb/api/v1/PluginResultJob/5/?api_key=abc", ""},
		{401, `plain text reason`, "text/plain", "", "username=ionadmin"},
		{500, `{"error": "api_key=` + fuzzSecret + `"}`, "application/json", "", ""},
	}
	for _, s := range seeds {
		f.Add(s.status, []byte(s.body), s.ctype, s.loc, s.rawq)
	}
	f.Fuzz(func(t *testing.T, status int, body []byte, ctype, loc, rawq string) {
		if status < 0 {
			status = -(status + 1)
		}
		status = 100 + status%900
		u, err := url.Parse("https://ts.example.org/rundb/api/v1/PluginResultJob/5/")
		if err != nil {
			t.Fatal(err)
		}
		u.RawQuery = rawq + "&api_key=" + fuzzSecret
		resp := &http.Response{StatusCode: status, Header: http.Header{}}
		resp.Header["Content-Type"] = []string{ctype}
		resp.Header["Location"] = []string{loc}
		resp.Header["Retry-After"] = []string{ctype}

		e := newAPIError(http.MethodGet, u, resp, body, 1)
		msg := e.Error()
		if !strings.Contains(msg, fmt.Sprint(status)) || !strings.HasPrefix(msg, "tsapi: GET ") {
			t.Fatalf("Error() %q does not name the request and status", msg)
		}
		if len(e.Body) > maxSnippet+len("…") {
			t.Fatalf("Body snippet is %d bytes", len(e.Body))
		}
		if len(e.Message) > 2*maxMessage {
			t.Fatalf("Message is %d bytes", len(e.Message))
		}
		if len(e.Traceback) > 2*maxTraceback {
			t.Fatalf("Traceback is %d bytes", len(e.Traceback))
		}
		if utf8.Valid(body) && utf8.ValidString(ctype) && utf8.ValidString(loc) {
			if !utf8.ValidString(e.Message) || !utf8.ValidString(e.Body) {
				t.Fatalf("invalid UTF-8 from a valid body: %q / %q", e.Message, e.Body)
			}
		}
		if e.Is(ErrNotFound) != (status == 404) || e.Is(ErrServer) != (status >= 500) ||
			e.Is(ErrRedirect) != (status >= 300 && status < 400) {
			t.Fatalf("sentinels disagree with status %d", status)
		}
		if status >= 300 && status < 400 && loc != "" && e.Location == "" {
			t.Fatalf("Location %q lost", loc)
		}
		if again := newAPIError(http.MethodGet, u, resp, body, 1); again.Error() != msg || !reflect.DeepEqual(again, e) {
			t.Fatalf("not deterministic: %q vs %q", msg, again.Error())
		}

		// The secret property holds when the secret is in the query as a
		// credential, and shows nowhere else in the URL.
		q, _ := url.ParseQuery(u.RawQuery)
		inQuery := false
		for _, v := range q["api_key"] {
			inQuery = inQuery || v == fuzzSecret
		}
		clean := *u
		clean.RawQuery = rawq
		if !inQuery || strings.Contains(redactURL(&clean), fuzzSecret) {
			return
		}
		texts := []string{msg, e.URL, e.Message, e.Traceback, e.Body, e.ContentType, e.Location, e.RetryAfter}
		for k, msgs := range e.FieldErrors {
			texts = append(texts, k)
			texts = append(texts, msgs...)
		}
		for _, s := range texts {
			if strings.Contains(s, fuzzSecret) {
				t.Fatalf("the query's api_key shows: %q", s)
			}
		}
	})
}
