package tsapitest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// The seed file shape, shared with the reference server
// (internal/tastypieserver, testdata/seed.json).
type seedFile struct {
	Users []struct {
		ID        int64  `json:"id"`
		Username  string `json:"username"`
		Password  string `json:"password"`
		APIKey    string `json:"api_key"`
		Superuser bool   `json:"superuser"`
		ReadOnly  bool   `json:"readonly"`
	} `json:"users"`
	Plugins []struct {
		ID                    int64           `json:"id"`
		Name                  string          `json:"name"`
		Version               string          `json:"version"`
		Active                bool            `json:"active"`
		Selected              bool            `json:"selected"`
		Description           string          `json:"description"`
		Path                  string          `json:"path"`
		Date                  string          `json:"date"`
		MajorBlock            bool            `json:"majorBlock"`
		Config                json.RawMessage `json:"config"`
		PluginSettings        json.RawMessage `json:"pluginsettings"`
		PackageName           string          `json:"packageName"`
		Script                string          `json:"script"`
		URL                   string          `json:"url"`
		Status                json.RawMessage `json:"status"`
		UserInputFields       json.RawMessage `json:"userinputfields"`
		RequiresConfiguration bool            `json:"requires_configuration"`
		DefaultSelected       bool            `json:"defaultSelected"`
	} `json:"plugins"`
	Results []struct {
		ID          int64  `json:"id"`
		ResultsName string `json:"resultsName"`
		ReportLink  string `json:"reportLink"`
		Status      string `json:"status"`
		TimeStamp   string `json:"timeStamp"`
	} `json:"results"`
	PluginResults []struct {
		ID               int64           `json:"id"`
		Result           int64           `json:"result"`
		Plugin           int64           `json:"plugin"`
		Owner            string          `json:"owner"`
		APIKey           *string         `json:"apikey"`
		Store            json.RawMessage `json:"store"`
		Size             json.RawMessage `json:"size"`
		Inodes           json.RawMessage `json:"inodes"`
		ValidationErrors json.RawMessage `json:"validation_errors"`
	} `json:"pluginresults"`
	Jobs []struct {
		ID              int64           `json:"id"`
		PluginResult    int64           `json:"plugin_result"`
		GridEngineJobID *int64          `json:"grid_engine_jobid"`
		State           string          `json:"state"`
		StartTime       *string         `json:"starttime"`
		EndTime         *string         `json:"endtime"`
		Config          json.RawMessage `json:"config"`
		RunLevel        string          `json:"run_level"`
	} `json:"jobs"`
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
func (s *Server) LoadSeedJSON(b []byte) error {
	var f seedFile
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&f); err != nil {
		return fmt.Errorf("tsapitest: seed: %w", err)
	}
	n := &Server{cfg: s.cfg}
	n.resetLocked()
	for _, u := range f.Users {
		n.users[u.ID] = &Account{ID: u.ID, Username: u.Username, Password: u.Password, APIKey: u.APIKey,
			Superuser: u.Superuser, ReadOnly: u.ReadOnly}
		n.nextID["user"] = max(n.nextID["user"], u.ID)
	}
	for _, p := range f.Plugins {
		rec := &pluginRec{Plugin: Plugin{ID: p.ID, Name: p.Name, Version: p.Version, Active: p.Active, Selected: p.Selected,
			Description: p.Description, Path: p.Path, MajorBlock: p.MajorBlock, PackageName: p.PackageName,
			Script: p.Script, URL: p.URL, RequiresConfiguration: p.RequiresConfiguration, DefaultSelected: p.DefaultSelected}}
		var err error
		if rec.Date, err = seedTime(p.Date); err != nil {
			return fmt.Errorf("tsapitest: seed: plugin %d: %w", p.ID, err)
		}
		for _, x := range []struct {
			dst *string
			raw json.RawMessage
		}{{&rec.config, p.Config}, {&rec.settings, p.PluginSettings}, {&rec.status, p.Status}, {&rec.inputs, p.UserInputFields}} {
			if *x.dst, err = seedObject(x.raw); err != nil {
				return fmt.Errorf("tsapitest: seed: plugin %d: %w", p.ID, err)
			}
		}
		n.plugins[p.ID] = rec
		n.nextID["plugin"] = max(n.nextID["plugin"], p.ID)
	}
	for _, r := range f.Results {
		t, err := seedTime(r.TimeStamp)
		if err != nil {
			return fmt.Errorf("tsapitest: seed: result %d: %w", r.ID, err)
		}
		n.results[r.ID] = &Result{ID: r.ID, Name: r.ResultsName, ReportLink: r.ReportLink, Status: r.Status, TimeStamp: t}
		n.nextID["result"] = max(n.nextID["result"], r.ID)
	}
	for _, p := range f.PluginResults {
		owner := n.userByName(p.Owner)
		if owner == nil {
			return fmt.Errorf("tsapitest: seed: pluginresult %d: no user %q", p.ID, p.Owner)
		}
		if n.results[p.Result] == nil || n.plugins[p.Plugin] == nil {
			return fmt.Errorf("tsapitest: seed: pluginresult %d: unknown result or plugin", p.ID)
		}
		rec := &prRec{id: p.ID, result: p.Result, plugin: p.Plugin, owner: owner.ID, apikey: p.APIKey}
		var err error
		if rec.size, err = seedInt(p.Size, -1); err == nil {
			rec.inodes, err = seedInt(p.Inodes, -1)
		}
		if err == nil {
			rec.store, err = seedObject(p.Store)
		}
		if err == nil {
			rec.validation, err = seedObject(p.ValidationErrors)
		}
		if err != nil {
			return fmt.Errorf("tsapitest: seed: pluginresult %d: %w", p.ID, err)
		}
		n.prs[p.ID] = rec
		n.nextID["pluginresult"] = max(n.nextID["pluginresult"], p.ID)
	}
	for _, j := range f.Jobs {
		if j.PluginResult != 0 && n.prs[j.PluginResult] == nil {
			return fmt.Errorf("tsapitest: seed: job %d: no pluginresult %d", j.ID, j.PluginResult)
		}
		rec := &jobRec{Job: Job{ID: j.ID, PluginResult: j.PluginResult, GridEngineJobID: j.GridEngineJobID, State: j.State, RunLevel: j.RunLevel}}
		var err error
		for _, x := range []struct {
			dst **time.Time
			raw *string
		}{{&rec.StartTime, j.StartTime}, {&rec.EndTime, j.EndTime}} {
			if x.raw != nil {
				t, terr := seedTime(*x.raw)
				if terr != nil {
					return fmt.Errorf("tsapitest: seed: job %d: %w", j.ID, terr)
				}
				*x.dst = &t
			}
		}
		if rec.config, err = seedObject(j.Config); err != nil {
			return fmt.Errorf("tsapitest: seed: job %d: %w", j.ID, err)
		}
		n.jobs[j.ID] = rec
		n.nextID["job"] = max(n.nextID["job"], j.ID)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users, s.plugins, s.results, s.prs, s.jobs = n.users, n.plugins, n.results, n.prs, n.jobs
	s.sessions, s.nextID = n.sessions, n.nextID
	return nil
}

func seedTime(v string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		t, err = time.ParseInLocation("2006-01-02T15:04:05.999999999", v, time.UTC)
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("bad datetime %q", v)
	}
	return t.UTC().Truncate(time.Microsecond), nil
}

func seedObject(raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" || string(raw) == `""` {
		return "", nil
	}
	var o map[string]any
	if err := decodeJSON(raw, &o); err != nil {
		return "", fmt.Errorf("want a JSON object, got %s", raw)
	}
	if len(o) == 0 {
		return "", nil
	}
	var b bytes.Buffer
	_ = json.Compact(&b, raw)
	return b.String(), nil
}

func seedInt(raw json.RawMessage, def int64) (int64, error) {
	t := strings.Trim(strings.TrimSpace(string(raw)), `"`)
	if t == "" || t == "null" {
		return def, nil
	}
	return strconv.ParseInt(t, 10, 64)
}
