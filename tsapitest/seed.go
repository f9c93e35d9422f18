package tsapitest

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// seedTime is a seed file's datetime: RFC 3339, or naive (UTC).
type seedTime time.Time

func (t *seedTime) UnmarshalJSON(b []byte) error {
	var v string
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	u, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		u, err = time.ParseInLocation("2006-01-02T15:04:05.999999999", v, time.UTC)
	}
	if err != nil {
		return fmt.Errorf("bad datetime %q", v)
	}
	*t = seedTime(u)
	return nil
}

// seedInt is an integer the seed may write as a string.
type seedInt int64

func (n *seedInt) UnmarshalJSON(b []byte) error {
	t := strings.Trim(string(b), `"`)
	if t == "" || t == "null" {
		*n = -1
		return nil
	}
	v, err := strconv.ParseInt(t, 10, 64)
	*n = seedInt(v)
	return err
}

// The seed file's shape, shared with the reference server
// (internal/tastypieserver, testdata/seed.json).
type seedFile struct {
	Users []struct {
		ID        int64
		Username  string
		Password  string
		APIKey    string `json:"api_key"`
		Superuser bool
		ReadOnly  bool
	}
	Plugins []struct {
		ID                                              int64
		Name, Version, Description, Path                string
		Script, URL, PackageName                        string
		Active, Selected, MajorBlock                    bool
		RequiresConfiguration                           bool `json:"requires_configuration"`
		DefaultSelected                                 bool
		Date                                            seedTime
		Config, PluginSettings, Status, UserInputFields map[string]any
	}
	Results []struct {
		ID                              int64
		ResultsName, ReportLink, Status string
		TimeStamp                       seedTime
	}
	PluginResults []struct {
		ID, Result, Plugin int64
		Owner              string
		APIKey             *string
		Store              map[string]any
		ValidationErrors   map[string]any `json:"validation_errors"`
		Size, Inodes       seedInt
	} `json:"pluginresults"`
	Jobs []struct {
		ID                 int64
		PluginResult       int64  `json:"plugin_result"`
		GridEngineJobID    *int64 `json:"grid_engine_jobid"`
		State              string
		RunLevel           string `json:"run_level"`
		StartTime, EndTime *seedTime
		Config             map[string]any
	}
}

// LoadSeedFile replaces all the server's data (accounts included) with the
// seed file at path: a JSON object with "users", "plugins", "results",
// "pluginresults" and "jobs", the shape of the repository's
// testdata/seed.json (see internal/tastypieserver/gen_seed.py).
func (s *Server) LoadSeedFile(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("tsapitest: %w", err)
	}
	return s.LoadSeedJSON(b)
}

// LoadSeedJSON is LoadSeedFile for the file's content. On an error the
// server's data is left as it was.
func (s *Server) LoadSeedJSON(b []byte) (err error) {
	var f seedFile
	if err := decodeJSON(b, &f); err != nil {
		return fmt.Errorf("tsapitest: seed: %w", err)
	}
	n := &Server{cfg: s.cfg}
	n.resetLocked()
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("tsapitest: seed: %v", p)
		}
	}()
	for _, u := range f.Users {
		n.AddAccount(Account{ID: u.ID, Username: u.Username, Password: u.Password, APIKey: u.APIKey, Superuser: u.Superuser, ReadOnly: u.ReadOnly})
	}
	for _, p := range f.Plugins {
		n.AddPlugin(Plugin{ID: p.ID, Name: p.Name, Version: p.Version, Active: p.Active, Selected: p.Selected,
			Description: p.Description, Path: p.Path, Script: p.Script, URL: p.URL, PackageName: p.PackageName,
			Date: time.Time(p.Date), MajorBlock: p.MajorBlock, RequiresConfiguration: p.RequiresConfiguration,
			DefaultSelected: p.DefaultSelected, Config: p.Config, PluginSettings: p.PluginSettings, Status: p.Status,
			UserInputFields: p.UserInputFields})
	}
	for _, r := range f.Results {
		n.AddResult(Result{ID: r.ID, Name: r.ResultsName, ReportLink: r.ReportLink, Status: r.Status, TimeStamp: time.Time(r.TimeStamp)})
	}
	for _, p := range f.PluginResults {
		id := n.AddPluginResult(PluginResult{ID: p.ID, Result: p.Result, Plugin: p.Plugin, Owner: p.Owner,
			Store: p.Store, Size: int64(p.Size), Inodes: int64(p.Inodes), ValidationErrors: p.ValidationErrors})
		n.prs[id].apikey = p.APIKey
	}
	for _, j := range f.Jobs {
		n.AddJob(Job{ID: j.ID, PluginResult: j.PluginResult, GridEngineJobID: j.GridEngineJobID, State: j.State,
			RunLevel: j.RunLevel, StartTime: (*time.Time)(j.StartTime), EndTime: (*time.Time)(j.EndTime), Config: j.Config})
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users, s.plugins, s.results, s.prs, s.jobs = n.users, n.plugins, n.results, n.prs, n.jobs
	s.sessions, s.nextID = n.sessions, n.nextID
	return nil
}
