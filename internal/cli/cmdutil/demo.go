package cmdutil

import (
	"fmt"
	"time"

	"github.com/tsapi-go/tsapi"
	"github.com/tsapi-go/tsapi/tsapitest"
)

// SeedDemo fills the fake server with a plugin, a report, plugin results
// and 2,500 jobs: more than one page of the server's 1000-object cap.
func SeedDemo(s *tsapitest.Server) {
	start := time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)
	s.AddPlugin(tsapitest.Plugin{ID: 1, Name: "variantCaller", Version: "5.18.0.1", Active: true, Selected: true,
		PluginSettings: map[string]any{"runlevels": []any{"default"}}})
	s.AddPlugin(tsapitest.Plugin{ID: 2, Name: "coverageAnalysis", Version: "5.18.0.3", Active: true, Selected: true})
	s.AddResult(tsapitest.Result{ID: 101, Name: "Auto_user_S5-0101-demo"})
	states := tsapi.JobStates
	for pr := int64(1); pr <= 25; pr++ {
		s.AddPluginResult(tsapitest.PluginResult{ID: pr, Result: 101, Plugin: 1 + pr%2, APIKey: fmt.Sprintf("demo-plugin-key-%d", pr)})
		for k := range 100 {
			id := (pr-1)*100 + int64(k) + 1
			st := states[int(id)%len(states)]
			j := tsapitest.Job{ID: id, PluginResult: pr, State: string(st), RunLevel: string(tsapi.RunLevels[int(id)%len(tsapi.RunLevels)]),
				Config: map[string]any{"threads": 4, "reference": "hg19"}}
			if st != tsapi.StatePending && st != tsapi.StateQueued {
				t0 := start.Add(time.Duration(id) * time.Minute)
				j.StartTime = &t0
				if st.IsTerminal() {
					t1 := t0.Add(17 * time.Minute)
					j.EndTime = &t1
					j.GridEngineJobID = tsapi.Ptr[int64](-1)
				} else {
					j.GridEngineJobID = tsapi.Ptr(100000 + id)
				}
			}
			s.AddJob(j)
		}
	}
}
