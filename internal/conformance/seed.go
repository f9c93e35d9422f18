// Package conformance is one suite of checks, written once, that runs
// against the reference tastypie server and against tsapitest, so that any
// difference between the fake and the real library fails a test. It drives
// both through the tsapi client and through raw HTTP where the library would
// hide what the server did.
package conformance

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"time"
)

// Seed is testdata/seed.json: the data both servers start from.
type Seed struct {
	Users         []SeedUser         `json:"users"`
	Plugins       []SeedPlugin       `json:"plugins"`
	Results       []SeedResult       `json:"results"`
	PluginResults []SeedPluginResult `json:"pluginresults"`
	Jobs          []SeedJob          `json:"jobs"`
}

// SeedUser is an account.
type SeedUser struct {
	ID        int64  `json:"id"`
	Username  string `json:"username"`
	Password  string `json:"password"`
	APIKey    string `json:"api_key"`
	Superuser bool   `json:"superuser"`
	ReadOnly  bool   `json:"readonly"`
}

// SeedPlugin is a plugin.
type SeedPlugin struct {
	ID      int64  `json:"id"`
	Name    string `json:"name"`
	Version string `json:"version"`
	Active  bool   `json:"active"`
}

// SeedResult is a report.
type SeedResult struct {
	ID          int64  `json:"id"`
	ResultsName string `json:"resultsName"`
}

// SeedPluginResult is a plugin run.
type SeedPluginResult struct {
	ID     int64           `json:"id"`
	Result int64           `json:"result"`
	Plugin int64           `json:"plugin"`
	Owner  string          `json:"owner"`
	APIKey *string         `json:"apikey"`
	Store  json.RawMessage `json:"store"`
	Size   string          `json:"size"`
	Inodes string          `json:"inodes"`
}

// SeedJob is a plugin job.
type SeedJob struct {
	ID              int64           `json:"id"`
	PluginResult    int64           `json:"plugin_result"`
	GridEngineJobID *int64          `json:"grid_engine_jobid"`
	State           string          `json:"state"`
	StartTime       *time.Time      `json:"starttime"`
	EndTime         *time.Time      `json:"endtime"`
	Config          json.RawMessage `json:"config"`
	RunLevel        string          `json:"run_level"`
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
	var s Seed
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("seed.json: %w", err)
	}
	return &s, nil
}

// User returns the seed account named name.
func (s *Seed) User(name string) SeedUser {
	for _, u := range s.Users {
		if u.Username == name {
			return u
		}
	}
	panic("conformance: no seed user " + name)
}

// Job returns seed job id.
func (s *Seed) Job(id int64) SeedJob {
	for _, j := range s.Jobs {
		if j.ID == id {
			return j
		}
	}
	panic(fmt.Sprintf("conformance: no seed job %d", id))
}

// JobsWhere returns the ids of the seed jobs matching keep, newest first
// (the server's order).
func (s *Seed) JobsWhere(keep func(SeedJob) bool) []int64 {
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
