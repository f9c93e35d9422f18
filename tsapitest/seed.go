package tsapitest

import (
	"fmt"
	"os"
)

// LoadSeedFile replaces all the server's data (accounts included) with the
// seed file at path, the shape of the repository's testdata/seed.json (see
// internal/tastypieserver/gen_seed.py): a JSON object whose "users",
// "plugins", "results", "pluginresults" and "jobs" are lists of Account,
// Plugin, Result, PluginResult and Job in their JSON form (the field names
// in their tags; datetimes in RFC 3339, size and inodes as strings).
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
	var f struct {
		Users         []Account
		Plugins       []Plugin
		Results       []Result
		PluginResults []PluginResult `json:"pluginresults"`
		Jobs          []Job
	}
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
	addAll(f.Users, n.AddAccount)
	addAll(f.Plugins, n.AddPlugin)
	addAll(f.Results, n.AddResult)
	addAll(f.PluginResults, n.AddPluginResult)
	addAll(f.Jobs, n.AddJob)
	if err := n.loadRuns(b); err != nil {
		return fmt.Errorf("tsapitest: seed: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users, s.plugins, s.results, s.prs, s.jobs, s.runs = n.users, n.plugins, n.results, n.prs, n.jobs, n.runs
	s.sessions, s.nextID = n.sessions, n.nextID
	return nil
}

// addAll adds each of the seed's objects in order with add (one of the
// Server's Add methods).
func addAll[T any](objs []T, add func(T) int64) {
	for _, o := range objs {
		add(o)
	}
}
