package tsapi

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
)

// Plugin is an installed plugin (/rundb/api/v1/plugin/). The server lists
// only active (installed) plugins; several versions of one plugin can be
// installed, one row each.
type Plugin struct {
	// ID is assigned by the server.
	ID int64 `json:"id"`
	// Name and Version identify the plugin (unique together).
	Name    string `json:"name"`
	Version string `json:"version"`
	// VersionedName is "<name>--v<version>" (read-only).
	VersionedName string `json:"versionedName"`
	// Description is the plugin's own description.
	Description string `json:"description"`
	// Date is when the plugin was installed.
	Date *Time `json:"date"`
	// Active is false for an uninstalled plugin (the server hides those).
	Active bool `json:"active"`
	// Selected is true when the plugin is enabled; only enabled plugins
	// can be launched.
	Selected bool `json:"selected"`
	// DefaultSelected puts the plugin in new plans by default.
	DefaultSelected bool `json:"defaultSelected"`
	// RequiresConfiguration says the plugin must be configured before it
	// runs (a launch without configuration fails validation).
	RequiresConfiguration bool `json:"requires_configuration"`
	// MajorBlock shows the plugin's results in the report's main section.
	MajorBlock bool `json:"majorBlock"`
	// Path is the plugin's folder on the server; Script the file it runs
	// (launch.sh or <Name>.py).
	Path   string `json:"path"`
	Script string `json:"script"`
	// URL is the plugin's feed URL, often "".
	URL string `json:"url"`
	// PackageName is the Debian package the plugin came from, or "".
	PackageName string `json:"packageName"`
	// Config is the plugin's default configuration (an object, or "" when
	// it has none).
	Config JobConfig `json:"config"`
	// Status is the install status object (or "").
	Status JobConfig `json:"status"`
	// PluginSettings holds the plugin's features, run types and run
	// levels (an object, or "").
	PluginSettings JobConfig `json:"pluginsettings"`
	// UserInputFields is the plugin's plan-time input description, as
	// sent (an object, a list, or null).
	UserInputFields json.RawMessage `json:"userinputfields"`
	// IsConfig, IsPlanConfig, IsInstance and HasAbout say whether the
	// plugin has a global configuration page, a plan page, a manual-launch
	// page and an about page (read-only).
	IsConfig     bool `json:"isConfig"`
	IsPlanConfig bool `json:"isPlanConfig"`
	IsInstance   bool `json:"isInstance"`
	HasAbout     bool `json:"hasAbout"`
	// Input is the server's text form of IsInstance ("False", or the
	// page's path).
	Input string `json:"input"`
	// IsSupported says the plugin comes from a supported package;
	// IsUpgradable that a newer package is available, listed in
	// AvailableVersions (read-only).
	IsSupported       bool     `json:"isSupported"`
	IsUpgradable      bool     `json:"isUpgradable"`
	AvailableVersions []string `json:"availableVersions"`
	// ResourceURI is the object's path on the server (read-only).
	ResourceURI string `json:"resource_uri,omitempty"`
}

// String names the plugin and its version.
func (p *Plugin) String() string {
	if p == nil {
		return "Plugin(nil)"
	}
	return fmt.Sprintf("Plugin %d (%s %s)", p.ID, p.Name, p.Version)
}

// PluginListOptions filters a plugin list. Unset fields are not sent;
// other filters go in ListOptions.Filters.
type PluginListOptions struct {
	ListOptions

	// ID and IDIn match the plugin's id.
	ID   *int64  `url:"id,omitempty"`
	IDIn []int64 `url:"id__in,omitempty" del:","`

	// Name matches the name exactly; NameIn any of several names;
	// NameIContains a part of the name, ignoring case.
	Name          string   `url:"name,omitempty"`
	NameIn        []string `url:"name__in,omitempty" del:","`
	NameIContains string   `url:"name__icontains,omitempty"`
	// Version matches the version exactly.
	Version string `url:"version,omitempty"`
	// Active filters on installed plugins (the server lists no other).
	Active *bool `url:"active,omitempty"`
	// Selected filters on enabled plugins.
	Selected *bool `url:"selected,omitempty"`
	// MajorBlock filters on plugins shown in the report's main section.
	MajorBlock *bool `url:"majorBlock,omitempty"`
}

// pluginFields are the schema types of the fields the library knows.
var pluginFields = map[string]string{
	"id": "integer", "name": "string", "version": "string", "versionedName": "string",
	"description": "string", "date": "datetime", "active": "boolean", "selected": "boolean",
	"defaultSelected": "boolean", "requires_configuration": "boolean", "majorBlock": "boolean",
	"path": "string", "script": "string", "url": "string", "packageName": "string",
	"config": "string", "status": "string", "pluginsettings": "string", "userinputfields": "string",
	"isConfig": "boolean", "isPlanConfig": "boolean", "isInstance": "boolean", "hasAbout": "boolean",
	"input": "string", "isSupported": "boolean", "isUpgradable": "boolean", "availableVersions": "list",
	"resource_uri": "string",
}

func newPluginResource(c *Client) *ReadResource[Plugin, PluginListOptions] {
	fields := []string{
		"id", "name", "version", "description", "date", "active", "selected", "defaultSelected",
		"requires_configuration", "majorBlock", "path", "script", "url", "packageName", "config",
		"status", "pluginsettings", "userinputfields",
	}
	filters := map[string][]string{"isConfig": nil}
	for _, f := range fields {
		filters[f] = nil
	}
	return NewReadResource[Plugin, PluginListOptions](c, ResourceSpec[Plugin]{
		Name:        "plugin",
		ID:          func(p *Plugin) int64 { return p.ID },
		Fields:      pluginFields,
		Filters:     filters,
		Ordering:    fields,
		NewestFirst: true, // TS orders a model without its own ordering by -pk
	})
}

// PluginService reaches /rundb/api/v1/plugin/ (read-only) and launches
// plugins on analysis results. Client's Plugins field holds a
// *PluginServiceOp; tests may put their own implementation there.
//
// Each verb's full documentation is on the method that *PluginServiceOp
// promotes: ReadResource.List, ReadResource.All, ReadResource.Pages,
// ReadResource.Collect, ReadResource.Count, ReadResource.Get,
// ReadResource.GetSet, ReadResource.Schema and ReadResource.CheckSchema;
// Launch is PluginServiceOp's own.
type PluginService interface {
	// List fetches one page of installed plugins (newest first).
	List(ctx context.Context, opts *PluginListOptions) ([]*Plugin, *Response, error)
	// All iterates over every plugin matching opts.
	All(ctx context.Context, opts *PluginListOptions) iter.Seq2[*Plugin, error]
	// Pages iterates over the pages of plugins matching opts.
	Pages(ctx context.Context, opts *PluginListOptions) iter.Seq2[*Page[Plugin], error]
	// Collect returns every plugin matching opts, up to a cap.
	Collect(ctx context.Context, opts *PluginListOptions, maxPlugins int) ([]*Plugin, error)
	// Count returns how many plugins match opts.
	Count(ctx context.Context, opts *PluginListOptions) (int, *Response, error)
	// Get fetches one plugin.
	Get(ctx context.Context, id int64) (*Plugin, *Response, error)
	// GetSet fetches several plugins by id.
	GetSet(ctx context.Context, ids ...int64) ([]*Plugin, []int64, *Response, error)
	// Launch runs a plugin on an analysis result.
	Launch(ctx context.Context, resultID int64, req *LaunchRequest) (*Response, error)
	// Schema fetches the resource's schema.
	Schema(ctx context.Context) (*Schema, *Response, error)
	// CheckSchema reports how the server's schema differs from the model.
	CheckSchema(ctx context.Context) (*SchemaDrift, *Response, error)
}

var _ PluginService = (*PluginServiceOp)(nil)

// PluginServiceOp is the library's PluginService: the generic read core
// (methods documented on ReadResource) plus Launch.
type PluginServiceOp struct {
	*ReadResource[Plugin, PluginListOptions]
}
