package cmdutil

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"text/template"
	"time"

	"github.com/itchyny/gojq"
	"go.yaml.in/yaml/v3"
)

// A Record is one object as the tool prints it: fields in a fixed order,
// values ready for JSON (strings, numbers, booleans, nil, raw JSON).
// Hidden fields (a job's config, which can hold a plugin's passwords) are
// printed only when --fields names them. Summary is what a person at a
// terminal reads instead of the row ("job 357: Queued → Cancelled").
type Record struct {
	keys    []string
	values  map[string]any
	hidden  map[string]bool
	Summary string
}

// NewRecord returns an empty record.
func NewRecord() *Record { return &Record{values: map[string]any{}} }

// Set sets field k, appending it to the order when new.
func (r *Record) Set(k string, v any) *Record {
	if _, ok := r.values[k]; !ok {
		r.keys = append(r.keys, k)
	}
	r.values[k] = v
	return r
}

// SetHidden sets a field printed only when --fields names it.
func (r *Record) SetHidden(k string, v any) *Record {
	r.Set(k, v)
	if r.hidden == nil {
		r.hidden = map[string]bool{}
	}
	r.hidden[k] = true
	return r
}

// Get returns field k.
func (r *Record) Get(k string) any { return r.values[k] }

// Keys returns the fields in order.
func (r *Record) Keys() []string { return r.keys }

// MarshalJSON keeps the field order.
func (r *Record) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
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
	return b.Bytes(), nil
}

func (r *Record) yamlNode() *yaml.Node {
	n := &yaml.Node{Kind: yaml.MappingNode}
	for _, k := range r.keys {
		var v yaml.Node
		val := r.values[k]
		if raw, ok := val.(json.RawMessage); ok {
			var x any
			if json.Unmarshal(raw, &x) == nil {
				val = x
			}
		}
		if err := v.Encode(val); err != nil {
			v = yaml.Node{Kind: yaml.ScalarNode, Value: fmt.Sprint(val)}
		}
		n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: k}, &v)
	}
	return n
}

// Pick keeps the fields named, in that order; it fails on an unknown one.
// With no fields it keeps every field that is not hidden.
func (r *Record) Pick(fields []string) (*Record, error) {
	out := NewRecord()
	out.Summary = r.Summary
	if len(fields) == 0 {
		for _, k := range r.keys {
			if !r.hidden[k] {
				out.Set(k, r.values[k])
			}
		}
		return out, nil
	}
	for _, f := range fields {
		v, ok := r.values[f]
		if !ok {
			msg := fmt.Sprintf("no field %q", f)
			if s := Suggest(f, r.keys); s != "" {
				msg += fmt.Sprintf(": did you mean %q?", s)
			}
			return nil, Usagef("%s (fields: %s)", msg, strings.Join(r.keys, ", "))
		}
		out.Set(f, v)
	}
	return out, nil
}

// Labelled returns r with a first field, server.
func (r *Record) Labelled(server string) *Record {
	out := NewRecord().Set("server", server)
	out.Summary = r.Summary
	if r.Summary != "" {
		out.Summary = server + ": " + r.Summary
	}
	for _, k := range r.keys {
		out.Set(k, r.values[k])
	}
	out.hidden = r.hidden
	return out
}

// Output formats.
const (
	FormatTable = "table"
	FormatTSV   = "tsv"
	FormatJSON  = "json"
	FormatJSONL = "jsonl"
	FormatYAML  = "yaml"
)

// Formats are the output formats, for -o and its completion.
var Formats = []string{FormatTable, FormatTSV, FormatJSON, FormatJSONL, FormatYAML}

// Output is how the user asked for output: -o, --fields, --jq, --template.
type Output struct {
	Format   string
	Fields   []string
	JQ       string
	Template string
}

// Printer writes records in one format. Table, JSON and YAML, and --jq
// and --template, buffer (a table aligns its columns, JSON is one
// document); TSV and JSONL stream.
type Printer struct {
	io       *IOStreams
	out      Output
	format   string
	defaults []string
	multi    bool
	one      bool
	code     *gojq.Code
	tmpl     *template.Template
	records  []*Record
	stream   bool
}

// NewPrinter checks out and returns a printer whose fields are out's, or
// else defaults. The format defaults to table on a terminal and tsv
// otherwise.
func NewPrinter(ios *IOStreams, out Output, defaults []string) (*Printer, error) {
	p := &Printer{io: ios, out: out, defaults: defaults}
	p.format = out.Format
	if p.format == "" {
		p.format = FormatTSV
		if ios.IsStdoutTTY() {
			p.format = FormatTable
		}
	}
	if !slices.Contains(Formats, p.format) {
		msg := fmt.Sprintf("unknown output format %q", p.format)
		if s := Suggest(p.format, Formats); s != "" {
			msg += fmt.Sprintf(": did you mean %q?", s)
		}
		return nil, Usagef("%s (formats: %s)", msg, strings.Join(Formats, ", "))
	}
	if out.JQ != "" && out.Template != "" {
		return nil, Usagef("give --jq or --template, not both")
	}
	if (out.JQ != "" || out.Template != "") && out.Format != "" && out.Format != FormatJSON {
		return nil, Usagef("--jq and --template work on the JSON form: drop -o %s", out.Format)
	}
	if out.JQ != "" {
		q, err := gojq.Parse(out.JQ)
		if err != nil {
			return nil, Usagef("--jq %q: %v", out.JQ, err)
		}
		if p.code, err = gojq.Compile(q); err != nil {
			return nil, Usagef("--jq %q: %v", out.JQ, err)
		}
	}
	if out.Template != "" {
		t, err := template.New("output").Funcs(templateFuncs).Parse(out.Template)
		if err != nil {
			return nil, Usagef("--template: %s", strings.TrimPrefix(err.Error(), "template: "))
		}
		p.tmpl = t
	}
	return p, nil
}

// SetMulti says the records come from several servers: each gets a
// server field first.
func (p *Printer) SetMulti(v bool) { p.multi = v }

// SetOne says the command prints one object (get): JSON and YAML print it
// rather than a list of one.
func (p *Printer) SetOne(v bool) { p.one = v }

// SetStream says records arrive one at a time over a long run (watch):
// --jq and --template apply to each, and nothing is buffered.
func (p *Printer) SetStream(v bool) { p.stream = v }

// Format is the output format in use.
func (p *Printer) Format() string { return p.format }

// Human reports whether the output is for a person at a terminal: a table
// on a terminal, with no -o asked for.
func (p *Printer) Human() bool {
	return p.out.Format == "" && p.format == FormatTable && p.code == nil && p.tmpl == nil
}

// Fields returns the fields printed, in order, server first with several
// servers.
func (p *Printer) Fields() []string {
	f := p.defaults
	if len(p.out.Fields) > 0 {
		f = p.out.Fields
	} else if p.code != nil || p.tmpl != nil {
		f = nil // every field that is not hidden
	}
	if p.multi && len(f) > 0 && !slices.Contains(f, "server") {
		f = append([]string{"server"}, f...)
	}
	return f
}

// Add prints (or keeps) one record.
func (p *Printer) Add(r *Record) error {
	r, err := r.Pick(p.Fields())
	if err != nil {
		return err
	}
	switch {
	case p.code != nil || p.tmpl != nil:
		if p.stream {
			return p.transform(r)
		}
	case p.format == FormatJSONL:
		b, err := json.Marshal(r)
		if err != nil {
			return err
		}
		return p.io.WriteOut(append(b, '\n'))
	case p.format == FormatTSV:
		cells := make([]string, len(r.keys))
		for i, k := range r.keys {
			cells[i] = flat(Cell(r.values[k]))
		}
		return p.io.WriteOut([]byte(strings.Join(cells, "\t") + "\n"))
	}
	p.records = append(p.records, r)
	return nil
}

func flat(s string) string { return strings.NewReplacer("\t", " ", "\n", " ", "\r", " ").Replace(s) }

// Len is how many records were added and not yet flushed.
func (p *Printer) Len() int { return len(p.records) }

// document is what JSON, --jq and --template see: the records as a list,
// or the one record of a get.
func (p *Printer) document() any {
	if p.one && len(p.records) == 1 {
		return p.records[0]
	}
	if p.records == nil {
		return []any{}
	}
	return p.records
}

// Flush writes what was kept.
func (p *Printer) Flush() error {
	defer func() { p.records = nil }()
	switch {
	case p.code != nil || p.tmpl != nil:
		if p.stream {
			return nil
		}
		return p.transform(p.document())
	case p.format == FormatJSON:
		b, err := json.MarshalIndent(p.document(), "", "  ")
		if err != nil {
			return err
		}
		return p.io.WriteOut(append(b, '\n'))
	case p.format == FormatYAML:
		doc := &yaml.Node{Kind: yaml.SequenceNode}
		for _, r := range p.records {
			doc.Content = append(doc.Content, r.yamlNode())
		}
		if p.one && len(p.records) == 1 {
			doc = p.records[0].yamlNode()
		}
		var b bytes.Buffer
		enc := yaml.NewEncoder(&b)
		enc.SetIndent(2)
		if err := enc.Encode(doc); err != nil {
			return err
		}
		if err := enc.Close(); err != nil {
			return err
		}
		return p.io.WriteOut(b.Bytes())
	case p.format == FormatTable:
		return p.table()
	}
	return nil
}

func (p *Printer) table() error {
	if len(p.records) == 0 {
		return nil
	}
	var b bytes.Buffer
	if p.Human() {
		summaries := true
		for _, r := range p.records {
			summaries = summaries && r.Summary != ""
		}
		if summaries {
			for _, r := range p.records {
				b.WriteString(r.Summary + "\n")
			}
			return p.io.WriteOut(b.Bytes())
		}
	}
	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, strings.ToUpper(strings.Join(p.records[0].keys, "\t")))
	for _, r := range p.records {
		cells := make([]string, len(r.keys))
		for i, k := range r.keys {
			cells[i] = flat(p.tableCell(k, r.values[k]))
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	tw.Flush()
	return p.io.WriteOut(b.Bytes())
}

// tableCell is a value as a table shows it: durations in words.
func (p *Printer) tableCell(k string, v any) string {
	if d, ok := v.(string); ok && k == "duration" {
		if dur, err := time.ParseDuration(d); err == nil {
			return HumanDuration(dur)
		}
	}
	return Cell(v)
}

// transform runs --jq or --template over v's JSON form.
func (p *Printer) transform(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	var data any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&data); err != nil {
		return err
	}
	var out bytes.Buffer
	if p.tmpl != nil {
		if err := p.tmpl.Execute(&out, data); err != nil {
			return Exitf(ExitError, "--template: %s", strings.TrimPrefix(err.Error(), "template: "))
		}
		return p.io.WriteOut(out.Bytes())
	}
	iter := p.code.Run(jqValue(data))
	for {
		x, ok := iter.Next()
		if !ok {
			break
		}
		if err, isErr := x.(error); isErr {
			return Exitf(ExitError, "--jq: %v", err)
		}
		if s, isStr := x.(string); isStr {
			out.WriteString(s + "\n")
			continue
		}
		jb, err := gojq.Marshal(x)
		if err != nil {
			return err
		}
		out.Write(append(jb, '\n'))
	}
	return p.io.WriteOut(out.Bytes())
}

// jqValue turns json.Number values into the numbers gojq reads.
func jqValue(v any) any {
	switch x := v.(type) {
	case json.Number:
		if n, err := strconv.ParseInt(string(x), 10, 64); err == nil {
			return int(n)
		}
		f, _ := x.Float64()
		return f
	case []any:
		for i := range x {
			x[i] = jqValue(x[i])
		}
	case map[string]any:
		for k := range x {
			x[k] = jqValue(x[k])
		}
	}
	return v
}

var templateFuncs = template.FuncMap{
	"json": func(v any) (string, error) {
		b, err := json.Marshal(v)
		return string(b), err
	},
	"join": func(sep string, v any) string {
		list, _ := v.([]any)
		s := make([]string, len(list))
		for i, x := range list {
			s[i] = Cell(x)
		}
		return strings.Join(s, sep)
	},
	"upper": strings.ToUpper,
	"lower": strings.ToLower,
	"cell":  Cell,
	"pluck": func(field string, v any) []any {
		list, _ := v.([]any)
		out := make([]any, 0, len(list))
		for _, x := range list {
			if m, ok := x.(map[string]any); ok {
				out = append(out, m[field])
			}
		}
		return out
	},
}

// Cell is a value as a table or TSV shows it: "-" for nothing.
func Cell(v any) string {
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
	case json.Number:
		return x.String()
	case json.RawMessage:
		return string(x)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// HumanDuration is d in words a person reads at a glance: 850ms, 42s,
// 17m, 1h 5m, 3d 4h.
func HumanDuration(d time.Duration) string {
	if d < 0 {
		return "-" + HumanDuration(-d)
	}
	switch {
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	case d < time.Minute:
		r := d.Round(100 * time.Millisecond)
		if r%time.Second == 0 {
			return fmt.Sprintf("%ds", int(r.Seconds()))
		}
		return fmt.Sprintf("%.1fs", r.Seconds())
	case d < time.Hour:
		m, s := int(d.Minutes()), int(d.Seconds())%60
		if s == 0 {
			return fmt.Sprintf("%dm", m)
		}
		return fmt.Sprintf("%dm %ds", m, s)
	case d < 48*time.Hour:
		h, m := int(d.Hours()), int(d.Minutes())%60
		if m == 0 {
			return fmt.Sprintf("%dh", h)
		}
		return fmt.Sprintf("%dh %dm", h, m)
	}
	days, h := int(d.Hours())/24, int(d.Hours())%24
	if h == 0 {
		return fmt.Sprintf("%dd", days)
	}
	return fmt.Sprintf("%dd %dh", days, h)
}
