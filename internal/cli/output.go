package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/tsapi-go/tsapi"
)

// A record is one object as the tool prints it: fields in a fixed order,
// values ready for JSON (strings, numbers, booleans, nil, nested objects).
type record struct {
	keys   []string
	values map[string]any
}

func newRecord() *record { return &record{values: map[string]any{}} }

func (r *record) set(k string, v any) *record {
	if _, ok := r.values[k]; !ok {
		r.keys = append(r.keys, k)
	}
	r.values[k] = v
	return r
}

// MarshalJSON keeps the field order.
func (r *record) MarshalJSON() ([]byte, error) {
	var b strings.Builder
	b.WriteByte('{')
	for i, k := range r.keys {
		if i > 0 {
			b.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		vb, err := json.Marshal(r.values[k])
		if err != nil {
			return nil, err
		}
		b.Write(kb)
		b.WriteByte(':')
		b.Write(vb)
	}
	b.WriteByte('}')
	return []byte(b.String()), nil
}

// yamlNode keeps the field order in YAML.
func (r *record) yamlNode() *yaml.Node {
	n := &yaml.Node{Kind: yaml.MappingNode}
	for _, k := range r.keys {
		var v yaml.Node
		if err := v.Encode(r.values[k]); err != nil {
			v = yaml.Node{Kind: yaml.ScalarNode, Value: fmt.Sprint(r.values[k])}
		}
		n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: k}, &v)
	}
	return n
}

// pick keeps the fields named, in that order; it fails on an unknown one.
func (r *record) pick(fields []string) (*record, error) {
	if len(fields) == 0 {
		return r, nil
	}
	out := newRecord()
	for _, f := range fields {
		v, ok := r.values[f]
		if !ok {
			return nil, usagef("no field %q (fields: %s)", f, strings.Join(r.keys, ", "))
		}
		out.set(f, v)
	}
	return out, nil
}

// Output formats.
const (
	formatTable = "table"
	formatTSV   = "tsv"
	formatJSON  = "json"
	formatJSONL = "jsonl"
	formatYAML  = "yaml"
)

var formats = []string{formatTable, formatTSV, formatJSON, formatJSONL, formatYAML}

// printer writes records in one format. Table and JSON, YAML buffer (a
// table aligns its columns, JSON is one document); TSV and JSONL stream.
type printer struct {
	w       io.Writer
	format  string
	fields  []string // chosen by --fields, or the command's defaults
	all     bool     // --fields named them: print even the hidden ones
	records []*record
	header  bool
}

func (f *Factory) printer(defaults []string) (*printer, error) {
	format := f.Globals.Output
	if format == "" {
		format = formatTSV
		if f.IO.OutTTY {
			format = formatTable
		}
	}
	if !slices.Contains(formats, format) {
		return nil, usagef("unknown output format %q (use one of %s)", format, strings.Join(formats, ", "))
	}
	p := &printer{w: f.IO.Out, format: format, fields: defaults, header: true}
	if len(f.Globals.Fields) > 0 {
		p.fields, p.all = f.Globals.Fields, true
	}
	if f.multi {
		p.fields = append([]string{"server"}, p.fields...)
	}
	return p, nil
}

// add prints (or keeps) one record.
func (p *printer) add(r *record) error {
	r, err := r.pick(p.fields)
	if err != nil {
		return err
	}
	switch p.format {
	case formatJSONL:
		b, err := json.Marshal(r)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(p.w, "%s\n", b)
		return err
	case formatTSV:
		cells := make([]string, len(r.keys))
		for i, k := range r.keys {
			cells[i] = strings.NewReplacer("\t", " ", "\n", " ").Replace(cell(r.values[k]))
		}
		_, err := fmt.Fprintln(p.w, strings.Join(cells, "\t"))
		return err
	}
	p.records = append(p.records, r)
	return nil
}

// flush writes what was kept; one says a single object (get) rather than a
// list.
func (p *printer) flush(one bool) error {
	switch p.format {
	case formatJSON:
		var v any = p.records
		if one && len(p.records) == 1 {
			v = p.records[0]
		}
		if p.records == nil && !one {
			v = []any{}
		}
		b, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(p.w, "%s\n", b)
		return err
	case formatYAML:
		doc := &yaml.Node{Kind: yaml.SequenceNode}
		for _, r := range p.records {
			doc.Content = append(doc.Content, r.yamlNode())
		}
		if one && len(p.records) == 1 {
			doc = p.records[0].yamlNode()
		}
		enc := yaml.NewEncoder(p.w)
		enc.SetIndent(2)
		if err := enc.Encode(doc); err != nil {
			return err
		}
		return enc.Close()
	case formatTable:
		if len(p.records) == 0 {
			return nil
		}
		tw := tabwriter.NewWriter(p.w, 0, 4, 2, ' ', 0)
		if p.header {
			fmt.Fprintln(tw, strings.ToUpper(strings.Join(p.records[0].keys, "\t")))
		}
		for _, r := range p.records {
			cells := make([]string, len(r.keys))
			for i, k := range r.keys {
				cells[i] = strings.NewReplacer("\t", " ", "\n", " ").Replace(cell(r.values[k]))
			}
			fmt.Fprintln(tw, strings.Join(cells, "\t"))
		}
		p.records = nil
		return tw.Flush()
	}
	return nil
}

// cell is a value as a table shows it.
func cell(v any) string {
	switch x := v.(type) {
	case nil:
		return "-"
	case string:
		if x == "" {
			return "-"
		}
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	case int:
		return strconv.Itoa(x)
	case bool:
		return strconv.FormatBool(x)
	case json.RawMessage:
		return string(x)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// instant prints a time as the real instant, in UTC, to the millisecond.
func instant(t *tsapi.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC().Format("2006-01-02T15:04:05.000Z07:00")
}

func intPtr(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

// rawJSON is a JSON value a record carries as it is.
func rawJSON(c tsapi.JobConfig) any {
	if b := c.Raw(); b != nil {
		return b
	}
	return nil
}

var jobFields = []string{"id", "state", "run_level", "grid_engine_jobid", "starttime", "endtime"}

// jobRecord is a job as the tool prints it. The config, which can hold a
// plugin's passwords, is there only for --fields config.
func jobRecord(j *tsapi.PluginResultJob) *record {
	r := newRecord().set("id", j.ID).set("state", string(j.State)).set("run_level", string(j.RunLevel)).
		set("grid_engine_jobid", intPtr(j.GridEngineJobID)).set("starttime", instant(j.StartTime)).set("endtime", instant(j.EndTime))
	var d any
	if j.StartTime != nil && j.EndTime != nil {
		d = j.EndTime.Sub(j.StartTime.Time).Round(time.Millisecond).String()
	}
	return r.set("duration", d).set("config", rawJSON(j.Config))
}

var resultFields = []string{"id", "plugin", "version", "result", "state", "jobs", "starttime", "endtime"}

// resultRecord is a plugin result as the tool prints it: never its key.
func resultRecord(p *tsapi.PluginResult) *record {
	resultID, _ := p.ResultID()
	return newRecord().set("id", p.ID).set("plugin", p.PluginName).set("version", p.PluginVersion).
		set("result", resultID).set("result_name", p.ResultName).set("state", string(p.State)).set("jobs", len(p.Jobs)).
		set("starttime", instant(p.StartTime)).set("endtime", instant(p.EndTime)).set("size", p.Size).
		set("inodes", p.Inodes).set("path", p.Path).set("store", rawJSON(p.Store))
}

var pluginFields = []string{"id", "name", "version", "selected", "date", "description"}

func pluginRecord(p *tsapi.Plugin) *record {
	return newRecord().set("id", p.ID).set("name", p.Name).set("version", p.Version).set("selected", p.Selected).
		set("active", p.Active).set("date", instant(p.Date)).set("description", p.Description).
		set("requires_configuration", p.RequiresConfiguration).set("path", p.Path).set("config", rawJSON(p.Config))
}
