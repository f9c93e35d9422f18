package tsapi

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
)

// LaunchRequest names a plugin to run on an analysis result and how.
// Exactly one of Plugin and PluginID must be set.
type LaunchRequest struct {
	// Plugin is the plugin's name. Without Version the server runs the
	// newest installed and enabled version.
	Plugin string
	// Version, with Plugin, runs that version.
	Version string
	// PluginID names the plugin by its id instead.
	PluginID int64
	// Config is the run's configuration (sent as "pluginconfig"): any value
	// that encodes as a JSON object, such as a map, a struct, a JobConfig or
	// raw JSON. nil sends none, and the plugin then runs with its default
	// configuration.
	Config any
	// PluginResult, when set, runs the plugin again into that existing
	// plugin result of the same analysis result, instead of a new one.
	PluginResult int64
	// Owner makes that user own the new plugin result; only an
	// administrator may set it.
	Owner string
}

// launchBody is what Torrent Suite's results/<id>/plugin/ reads.
type launchBody struct {
	Plugin       any             `json:"plugin"`
	PluginConfig json.RawMessage `json:"pluginconfig,omitempty"`
	PluginResult int64           `json:"pluginresult,omitempty"`
	Owner        string          `json:"owner,omitempty"`
}

func (r *LaunchRequest) body() (*launchBody, error) {
	if r == nil {
		return nil, &InvalidArgumentError{Msg: "nil launch request"}
	}
	name := strings.TrimSpace(r.Plugin)
	b := &launchBody{PluginResult: r.PluginResult, Owner: r.Owner}
	switch {
	case name != "" && r.PluginID != 0:
		return nil, &InvalidArgumentError{Msg: "launch: give the plugin's name or its id, not both"}
	case r.PluginID < 0:
		return nil, &InvalidArgumentError{Msg: "launch: plugin id must be positive"}
	case r.PluginID > 0:
		if r.Version != "" {
			return nil, &InvalidArgumentError{Msg: "launch: Version goes with the plugin's name, not its id"}
		}
		b.Plugin = r.PluginID // the server looks an integer up as the id
	case name == "":
		return nil, &InvalidArgumentError{Msg: "launch: no plugin named"}
	case r.Version != "":
		// An object is used as a query on the plugins.
		b.Plugin = map[string]string{"name": name, "version": r.Version}
	default:
		// A string runs the newest enabled version of that name.
		b.Plugin = name
	}
	if r.PluginResult < 0 {
		return nil, &InvalidArgumentError{Msg: "launch: pluginresult id must be positive"}
	}
	if r.Config != nil {
		cfg, err := storeObject(r.Config)
		if err != nil {
			return nil, &InvalidArgumentError{Msg: "launch: Config must encode as a JSON object"}
		}
		b.PluginConfig = cfg.Raw()
	}
	return b, nil
}

// Launch runs a plugin on analysis result resultID (POST
// results/<id>/plugin/). The server answers 202 with no body once the
// plugin is queued; it names no plugin result, so find the new one with
// PluginResults.List (Result and PluginName; newest first). A launch whose
// configuration fails the plugin's validation still answers 202: its
// plugin result's State is then StateFailedValidation.
//
// An unknown, uninstalled or disabled plugin gives an *APIError matching
// ErrGone (410); an unknown result one matching ErrNotFound.
//
// A repeat would launch the plugin twice: a lost answer is an
// *OutcomeUnknownError (see "Writes and lost answers" in the package
// documentation); look for the new plugin result before launching again.
func (s *PluginServiceOp) Launch(ctx context.Context, resultID int64, req *LaunchRequest) (*Response, error) {
	if ctx == nil {
		return nil, &InvalidArgumentError{Msg: "nil context"}
	}
	if err := checkID(resultID); err != nil {
		return nil, err
	}
	body, err := req.body()
	if err != nil {
		return nil, err
	}
	return s.client.call(ctx, &Request{
		Method: http.MethodPost,
		Path:   "results/" + strconv.FormatInt(resultID, 10) + "/plugin/",
		Body:   body,
	}, opWrite, nil)
}
