package tsapi

import (
	"fmt"
	"strings"
	"sync"
)

// JobState is the state of a plugin job. The server stores the 11 states
// of JobStates; its database accepts any string of up to 20 characters,
// and a site's own code may store others.
//
// The library refuses, before any request, to send a state that is
// neither one of JobStates nor declared with CustomState: SetState, the
// State of PluginResultJobWrite and PluginResultJobPatch (Create, Update,
// Patch, BulkPatch), and the state filters of PluginResultJobListOptions
// and PluginResultListOptions return a *InvalidArgumentError (ErrInvalidOption) for
// "Canceled" or "Startd", which the server would store or silently match
// nothing with. ListOptions.Filters and a Request sent with Client.Do are
// sent as given.
type JobState string

// The states the Torrent Server stores.
const (
	StateCompleted JobState = "Completed"
	StateError     JobState = "Error"
	StateStarted   JobState = "Started"
	StateDeclined  JobState = "Declined"
	StateUnknown   JobState = "Unknown"
	StateQueued    JobState = "Queued"
	StatePending   JobState = "Pending"
	StateResource  JobState = "Resource"
	StateTimedOut  JobState = "Timed Out"
	StateCancelled JobState = "Cancelled"
	StateArchived  JobState = "Archived"
)

// JobStates lists the 11 states the server stores.
var JobStates = []JobState{
	StateCompleted, StateError, StateStarted, StateDeclined, StateUnknown, StateQueued,
	StatePending, StateResource, StateTimedOut, StateCancelled, StateArchived,
}

// customStates holds the states declared with CustomState.
var customStates sync.Map

// CustomState declares name as a job state that the caller's server
// stores besides JobStates (through a site's own code: the Torrent Server
// itself sets only those 11), and returns it. From then on the library
// sends name like any stored state, in every Client of the program:
//
//	var StateVerified = tsapi.CustomState("Verified")
//
//	_, err := client.PluginResultJobs.SetState(ctx, id, StateVerified)
//
// A declared state is neither running nor terminal (IsRunning and
// IsTerminal are false for it). The library does not check name any
// further: the server refuses a state longer than 20 characters (500).
// An empty name declares nothing.
func CustomState(name string) JobState {
	if name != "" {
		customStates.Store(name, struct{}{})
	}
	return JobState(name)
}

// IsRunning reports whether the job is still to run or running (Pending,
// Queued or Started).
func (s JobState) IsRunning() bool {
	return s == StatePending || s == StateQueued || s == StateStarted
}

// IsTerminal reports whether the job has ended: one of the 8 stored states
// that are not running. A state the server does not store is neither
// running nor terminal.
func (s JobState) IsTerminal() bool { return s.IsKnown() && !s.IsRunning() }

// IsKnown reports whether s is one of the 11 states the server stores.
func (s JobState) IsKnown() bool {
	for _, k := range JobStates {
		if s == k {
			return true
		}
	}
	return false
}

// Valid reports whether the library sends s to the server: s is one of
// JobStates or was declared with CustomState.
func (s JobState) Valid() bool {
	if s.IsKnown() {
		return true
	}
	_, ok := customStates.Load(string(s))
	return ok
}

// checkState returns an error naming where the state s was given when the
// library does not send it (see JobState), with the nearest stored state
// when s looks like a misspelling of one.
func checkState(where string, s JobState) error {
	if s.Valid() {
		return nil
	}
	if s == StateFailedValidation {
		return fmt.Errorf("%s: %q is the state the server computes for a plugin result whose launch failed validation, not a job state", where, s)
	}
	if s == "" {
		return fmt.Errorf("%s: empty job state", where)
	}
	hint := ""
	if near := nearestState(s); near != "" {
		hint = fmt.Sprintf(" (did you mean %q?)", near)
	}
	names := make([]string, len(JobStates))
	for i, k := range JobStates {
		names[i] = string(k)
	}
	return fmt.Errorf("%s: unknown job state %q%s: the server stores %s; declare a state of your server's own code with tsapi.CustomState",
		where, s, hint, strings.Join(names, ", "))
}

// nearestState returns the stored state that s differs from by case or by
// at most two letters, or "".
func nearestState(s JobState) JobState {
	in := strings.ToLower(string(s))
	if len(in) > 40 {
		return ""
	}
	best, bestD := JobState(""), 3
	for _, k := range JobStates {
		if d := editDistance(in, strings.ToLower(string(k))); d < bestD {
			best, bestD = k, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// stateChecker is a request body holding job states, which are checked
// before anything is sent (marshalBody).
type stateChecker interface {
	checkStates() error
}

func (w PluginResultJobWrite) checkStates() error {
	return checkState("PluginResultJobWrite.State", w.State)
}

// An empty State in a patch is not set: it is not sent.
func (p PluginResultJobPatch) checkStates() error {
	if p.State == "" {
		return nil
	}
	return checkState("PluginResultJobPatch.State", p.State)
}

// StateFailedValidation is the state the server computes for a plugin
// result whose configuration failed the plugin's validation at launch: no
// job ran. It is not a job state (JobState.IsKnown is false for it).
const StateFailedValidation JobState = "Failed Validation"
