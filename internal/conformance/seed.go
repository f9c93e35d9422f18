// Package conformance is one suite of checks, written once, that runs
// against the reference tastypie server and against tsapitest, so that any
// difference between the fake and the real library fails a test. It drives
// both through the tsapi client and through raw HTTP where the library would
// hide what the server did.
package conformance

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/tsapi-go/tsapi/tsapitest"
)

// Seed is testdata/seed.json: the data both servers start from, in the
// types tsapitest loads it into (the seed file's field names are their
// JSON tags).
type Seed struct {
	Users         []tsapitest.Account      `json:"users"`
	Plugins       []tsapitest.Plugin       `json:"plugins"`
	Results       []tsapitest.Result       `json:"results"`
	PluginResults []tsapitest.PluginResult `json:"pluginresults"`
	Jobs          []tsapitest.Job          `json:"jobs"`
}

// SeedPath is the path of testdata/seed.json in this repository.
func SeedPath() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "testdata", "seed.json")
}

// LoadSeed reads testdata/seed.json.
func LoadSeed() (*Seed, error) {
	b, err := os.ReadFile(SeedPath())
	if err != nil {
		return nil, err
	}
	// Numbers as json.Number: a config or store keeps the literals the
	// servers serve back.
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var s Seed
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("seed.json: %w", err)
	}
	return &s, nil
}

// User returns the seed account named name.
func (s *Seed) User(name string) tsapitest.Account {
	for _, u := range s.Users {
		if u.Username == name {
			return u
		}
	}
	panic("conformance: no seed user " + name)
}

// Job returns seed job id.
func (s *Seed) Job(id int64) tsapitest.Job {
	for _, j := range s.Jobs {
		if j.ID == id {
			return j
		}
	}
	panic(fmt.Sprintf("conformance: no seed job %d", id))
}

// JobsWhere returns the ids of the seed jobs matching keep, newest first
// (the server's order).
func (s *Seed) JobsWhere(keep func(tsapitest.Job) bool) []int64 {
	var out []int64
	for i := len(s.Jobs) - 1; i >= 0; i-- {
		if keep(s.Jobs[i]) {
			out = append(out, s.Jobs[i].ID)
		}
	}
	return out
}

// ServedTime is how the Torrent Server prints a stored time: it writes the
// milliseconds into the microsecond digits.
func ServedTime(t time.Time) time.Time {
	ms := t.Nanosecond() / int(time.Millisecond)
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), ms*int(time.Microsecond), time.UTC)
}
