package tsapitest

import (
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// fieldDef is one field of a tastypie resource.
type fieldDef struct {
	kind fkind
	// schema
	typ      string // tastypie's dehydrated_type
	nullable bool
	blank    bool
	readonly bool
	unique   bool
	help     string
	def      any // the default; noDefault when there is none
	related  string
	// target is the related resource's name, for filters through the
	// relation ("plugin__name").
	target string
	// noAttr: the field has no attribute (resource_uri).
	noAttr bool
}

type noDefaultT struct{}

// noDefault marks a field without a default ("No default provided.").
var noDefault = noDefaultT{}

// The help texts of tastypie 0.11's field classes.
const (
	helpInt     = "Integer data. Ex: 2673"
	helpStr     = `Unicode string data. Ex: "Hello World"`
	helpTime    = `A date & time as a string. Ex: "2010-11-10T03:07:43"`
	helpBool    = "Boolean data. Ex: True"
	helpList    = "A list of data. Ex: ['abc', 26.73, 8]"
	helpDict    = "A dictionary of data. Ex: {'price': 26.73, 'name': 'Daniel'}"
	helpToOne   = "A single related resource. Can be either a URI or set of nested resource data."
	helpToMany  = "Many related resources. Can be either a list of URIs or list of individually nested resource data."
	typeInt     = "integer"
	typeStr     = "string"
	typeTime    = "datetime"
	typeBool    = "boolean"
	typeList    = "list"
	typeRelated = "related"
)

// resdef is a resource as the fake serves it.
type resdef struct {
	name      string
	fields    map[string]*fieldDef
	filtering map[string]bool
	// filteringList keeps the names for the schema.
	filteringList []string
	ordering      []string

	// The data hooks; the caller holds s.mu.
	ids       func(s *Server) []int64                            // the resource's queryset
	value     func(s *Server, id int64, field string) fval       // a column's value
	related   func(s *Server, id int64, field string) []int64    // ids a relation field points to
	dehydrate func(s *Server, id int64) map[string]any           // the object's JSON
	remove    func(s *Server, id int64)                          // delete one object
	rows      func(s *Server, ids []int64, conds []cond) []int64 // filter (may repeat ids)

	postList, putList, patchList func(c *call) error
	putDetail, patchDetail       func(c *call) error
	deleteAllowed                bool
}

// resources are the modelled resources by URL name.
var resources = map[string]*resdef{}

// resourceOrder lists them for the API's top level.
var resourceOrder = []string{"PluginResultJob", "plugin", "pluginresult"}

func (res *resdef) uri(id int64) string {
	return APIPath + res.name + "/" + strconv.FormatInt(id, 10) + "/"
}

// schema is tastypie 0.11's build_schema.
func (res *resdef) schema() map[string]any {
	methods := []any{"get", "post", "put", "delete", "patch"}
	out := map[string]any{
		"default_format":              "application/json",
		"allowed_list_http_methods":   methods,
		"allowed_detail_http_methods": methods,
		"default_limit":               20,
	}
	fields := map[string]any{}
	for name, f := range res.fields {
		def := f.def
		if _, none := f.def.(noDefaultT); none {
			def = "No default provided."
		}
		m := map[string]any{
			"default": def, "type": f.typ, "nullable": f.nullable, "blank": f.blank,
			"readonly": f.readonly, "help_text": f.help, "unique": f.unique,
		}
		if f.typ == typeRelated {
			m["related_type"] = f.related
		}
		fields[name] = m
	}
	out["fields"] = fields
	if len(res.ordering) > 0 {
		o := make([]any, len(res.ordering))
		for i, n := range res.ordering {
			o[i] = n
		}
		out["ordering"] = o
	}
	if len(res.filteringList) > 0 {
		f := map[string]any{}
		for _, n := range res.filteringList {
			f[n] = 2 // ALL_WITH_RELATIONS
		}
		out["filtering"] = f
	}
	return out
}

// byIDDesc orders ids newest first, the Torrent Server's default order.
func byIDDesc(ids []int64) []int64 {
	sort.Slice(ids, func(i, j int) bool { return ids[i] > ids[j] })
	return ids
}

// simpleRows keeps the ids every condition accepts.
func simpleRows(res *resdef) func(s *Server, ids []int64, conds []cond) []int64 {
	return func(s *Server, ids []int64, conds []cond) []int64 {
		out := ids[:0:0]
	next:
		for _, id := range ids {
			for _, c := range conds {
				if !c.pred(res.value(s, id, c.path[0])) {
					continue next
				}
			}
			out = append(out, id)
		}
		return out
	}
}

// query is obj_get_list + apply_sorting + the count: the filtered, sorted
// rows. Errors come in tastypie's order: filters, order_by, limit, offset,
// then failures of the query itself.
func (c *call) query(withPaging bool) (rows []int64, limit, offset int, err error) {
	s, res := c.s, c.res
	conds, err := res.buildFilters(c.q)
	if err != nil {
		return nil, 0, 0, err
	}
	sorter, err := res.sorting(c.q)
	if err != nil {
		return nil, 0, 0, err
	}
	if withPaging {
		if limit, err = pageLimit(c.q); err != nil {
			return nil, 0, 0, err
		}
		if offset, err = pageOffset(c.q); err != nil {
			return nil, 0, 0, err
		}
	}
	for _, cd := range conds {
		if cd.execErr {
			return nil, 0, 0, canned500()
		}
	}
	rows = res.rows(s, byIDDesc(res.ids(s)), conds)
	if sorter != nil {
		if err := sorter(s, rows); err != nil {
			return nil, 0, 0, err
		}
	}
	return rows, limit, offset, nil
}

// pageLimit is tastypie's Paginator.get_limit (default 20, max 1000;
// 0 means 1000).
func pageLimit(q *qdict) (int, error) {
	raw, ok := q.get("limit")
	if !ok {
		return 20, nil
	}
	n, err := pyInt(raw)
	if err != nil {
		return 0, badRequest(fmt.Sprintf("Invalid limit '%s' provided. Please provide a positive integer.", raw))
	}
	if n < 0 {
		return 0, badRequest(fmt.Sprintf("Invalid limit '%d' provided. Please provide a positive integer >= 0.", n))
	}
	if n == 0 || n > 1000 {
		return 1000, nil
	}
	return int(n), nil
}

// pageOffset is tastypie's Paginator.get_offset.
func pageOffset(q *qdict) (int, error) {
	raw, ok := q.get("offset")
	if !ok {
		return 0, nil
	}
	n, err := pyInt(raw)
	if err != nil {
		return 0, badRequest(fmt.Sprintf("Invalid offset '%s' provided. Please provide an integer.", raw))
	}
	if n < 0 {
		return 0, badRequest(fmt.Sprintf("Invalid offset '%d' provided. Please provide a positive integer >= 0.", n))
	}
	if n > 1<<40 {
		n = 1 << 40
	}
	return int(n), nil
}

// sorting is tastypie's apply_sorting (order_by, or the deprecated
// sort_by).
func (res *resdef) sorting(q *qdict) (func(s *Server, rows []int64) error, error) {
	param := "order_by"
	if !q.has("order_by") {
		if !q.has("sort_by") {
			return nil, nil
		}
		param = "sort_by"
	}
	type key struct {
		path []string
		desc bool
		kind fkind
	}
	var keys []key
	for _, ob := range q.getlist(param) {
		bits := strings.Split(ob, "__")
		name, desc := bits[0], false
		if strings.HasPrefix(name, "-") {
			name, desc = name[1:], true
		}
		f := res.fields[name]
		if f == nil {
			return nil, badRequest(fmt.Sprintf("No matching '%s' field for ordering on.", name))
		}
		if !slices.Contains(res.ordering, name) {
			return nil, badRequest(fmt.Sprintf("The '%s' field does not allow ordering.", name))
		}
		if f.noAttr {
			return nil, badRequest(fmt.Sprintf("The '%s' field has no 'attribute' for ordering with.", name))
		}
		k := key{path: append([]string{name}, bits[1:]...), desc: desc, kind: f.kind}
		if len(bits) > 1 {
			if f.target == "" || len(bits) > 2 || lookupRes(f.target).fields[bits[1]] == nil {
				k.kind = kComputed
			} else {
				k.kind = lookupRes(f.target).fields[bits[1]].kind
			}
		}
		if f.kind == kText && len(bits) > 1 {
			k.kind = kComputed
		}
		keys = append(keys, k)
	}
	return func(s *Server, rows []int64) error {
		for _, k := range keys {
			if k.kind == kComputed {
				return canned500() // FieldError when the query runs
			}
		}
		vals := make(map[int64][]fval, len(rows))
		for _, id := range rows {
			if _, done := vals[id]; done {
				continue
			}
			vs := make([]fval, len(keys))
			for i, k := range keys {
				vs[i] = res.pathValue(s, id, k.path)
			}
			vals[id] = vs
		}
		sort.SliceStable(rows, func(a, b int) bool {
			va, vb := vals[rows[a]], vals[rows[b]]
			for i, k := range keys {
				x, y := va[i], vb[i]
				if x.null || y.null {
					if x.null == y.null {
						continue
					}
					// PostgreSQL: NULLs last ascending, first descending.
					return y.null != k.desc
				}
				r := x.cmp(k.kind, y)
				if r == 0 {
					continue
				}
				if k.desc {
					return r > 0
				}
				return r < 0
			}
			return false
		})
		return nil
	}, nil
}

// pathValue follows a field path ("plugin", "name") from object id.
func (res *resdef) pathValue(s *Server, id int64, path []string) fval {
	if len(path) == 1 {
		return res.value(s, id, path[0])
	}
	ids := res.related(s, id, path[0])
	if len(ids) == 0 {
		return fval{null: true}
	}
	return lookupRes(res.fields[path[0]].target).value(s, ids[0], path[1])
}

// getList is tastypie's get_list.
func (c *call) getList() error {
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	rows, limit, offset, err := c.query(true)
	if err != nil {
		return err
	}
	count := len(rows)
	page := rows[min(offset, count):min(offset+limit, count)]
	objects := make([]any, 0, len(page))
	for _, id := range page {
		objects = append(objects, c.res.dehydrate(s, id))
	}
	listURI := APIPath + c.res.name + "/"
	meta := map[string]any{"limit": limit, "offset": offset, "total_count": count}
	meta["previous"] = nil
	if offset-limit >= 0 {
		meta["previous"] = c.q.pageLink(listURI, limit, offset-limit)
	}
	meta["next"] = nil
	if offset+limit < count {
		meta["next"] = c.q.pageLink(listURI, limit, offset+limit)
	}
	return c.respond(http.StatusOK, map[string]any{"meta": meta, "objects": objects})
}

// lookupID is obj_get(pk=...): a pk Django cannot read as an integer is
// tastypie's NotFound.
func (c *call) lookupID(pk string) (int64, bool, error) {
	id, err := pyInt(pk)
	if err != nil {
		return 0, false, errNotFoundPK
	}
	for _, x := range c.res.ids(c.s) {
		if x == id {
			return id, true, nil
		}
	}
	return id, false, nil
}

// errNotFoundPK is tastypie's NotFound for an id of the wrong type.
var errNotFoundPK = canned404()

// getDetail is tastypie's get_detail.
func (c *call) getDetail() error {
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok, err := c.lookupID(c.pk)
	if err != nil {
		return err
	}
	if !ok {
		return emptyStatus(http.StatusNotFound)
	}
	return c.respond(http.StatusOK, c.res.dehydrate(s, id))
}

// getSet is tastypie's get_multiple (set/1;3/).
func (c *call) getSet() error {
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	objects := []any{}
	var notFound []any
	for _, key := range strings.Split(c.keys, ";") {
		id, ok, err := c.lookupID(key)
		if err != nil {
			return err
		}
		if !ok {
			notFound = append(notFound, key)
			continue
		}
		objects = append(objects, c.res.dehydrate(s, id))
	}
	out := map[string]any{"objects": objects}
	if len(notFound) > 0 {
		out["not_found"] = notFound
	}
	return c.respond(http.StatusOK, out)
}

// deleteDetail is tastypie's delete_detail.
func (c *call) deleteDetail() error {
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if !c.res.deleteAllowed {
		return notModelled("DELETE on " + c.res.name)
	}
	id, ok, err := c.lookupID(c.pk)
	if err != nil || !ok {
		return emptyStatus(http.StatusNotFound) // NotFound is caught here
	}
	if !c.user.canWrite() {
		return emptyStatus(http.StatusUnauthorized)
	}
	c.res.remove(s, id)
	return emptyStatus(http.StatusNoContent)
}

// deleteList is tastypie's delete_list: EVERY object matching the filters
// (unknown parameters ignored; limit and offset do not bound it). A user
// without the delete permission deletes nothing, silently.
func (c *call) deleteList() error {
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if !c.res.deleteAllowed {
		return notModelled("DELETE on " + c.res.name)
	}
	rows, err := c.matching()
	if err != nil {
		return err
	}
	if c.user.canWrite() {
		for _, id := range rows {
			c.res.remove(s, id)
		}
	}
	return emptyStatus(http.StatusNoContent)
}

// matching is obj_get_list without sorting or paging (for deletes).
func (c *call) matching() ([]int64, error) {
	conds, err := c.res.buildFilters(c.q)
	if err != nil {
		return nil, err
	}
	for _, cd := range conds {
		if cd.execErr {
			return nil, canned500()
		}
	}
	rows := c.res.rows(c.s, byIDDesc(c.res.ids(c.s)), conds)
	seen := map[int64]bool{}
	out := rows[:0:0]
	for _, id := range rows {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out, nil
}
