package tsapitest

import (
	"encoding/json"
	"os"
	"testing"
)

// TestPageLinksMatchPython27 checks the order of next/previous link
// parameters against CPython 2.7.18 running Django 1.6's QueryDict steps
// (testdata/py27_querydict.py wrote the expected links).
func TestPageLinksMatchPython27(t *testing.T) {
	b, err := os.ReadFile("testdata/py27_querydict.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		Pairs [][2]string `json:"pairs"`
		Out   string      `json:"out"`
	}
	if err := json.Unmarshal(b, &cases); err != nil {
		t.Fatal(err)
	}
	if len(cases) < 100 {
		t.Fatalf("only %d cases", len(cases))
	}
	for _, c := range cases {
		q := &qdict{d: newPydict(), vals: map[string][]string{}}
		for _, p := range c.Pairs {
			q.appendValue(p[0], p[1])
		}
		if got := q.pageLink("", 20, 40)[1:]; got != c.Out {
			t.Errorf("%v:\n got %s\nwant %s", c.Pairs, got, c.Out)
		}
	}
}

func TestDecimalAndFloatText(t *testing.T) {
	for lit, want := range map[string]string{
		"1.0": "1.0", "1.50": "1.50", "0.5": "0.5", "1e5": "1E+5", "1.5e3": "1.5E+3", "2.5e-7": "2.5E-7",
		"0.0000001": "1E-7", "0.000001": "0.000001", "-0.0": "-0.0", "150e-2": "1.50", "0.00": "0.00", "12.345": "12.345",
	} {
		if got := decimalString(lit); got != want {
			t.Errorf("Decimal(%s): got %s want %s", lit, got, want)
		}
	}
	for f, want := range map[float64]string{
		1: "1.0", 1.5: "1.5", 100000: "100000.0", 1e16: "1e+16", 1e15: "1000000000000000.0", 0.0001: "0.0001",
		0.00001: "1e-05", 123456789: "123456789.0", -2.5: "-2.5", 1.2345678901234567e-20: "1.2345678901234567e-20",
	} {
		if got := pyFloatRepr(f); got != want {
			t.Errorf("repr(%v): got %s want %s", f, got, want)
		}
	}
}
