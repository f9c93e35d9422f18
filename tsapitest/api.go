package tsapitest

import (
	"bytes"
	"cmp"
	"crypto/rand"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"html"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// cannedError is tastypie's TASTYPIE_CANNED_ERROR, the body of every
// unexpected failure when the server is not in debug mode.
const cannedError = "Sorry, this request could not be processed. Please try again later."

// realm is the Basic realm of Torrent Suite's IonAuthentication.
const realm = `Basic Realm="Torrent Suite"`

// htmlType is the Content-Type of Django's HttpResponse.
const htmlType = "text/html; charset=utf-8"

//go:embed schema/*.json
var schemas embed.FS

// call is one API request on its way through the tastypie machinery.
type call struct {
	s    *Server
	r    *http.Request
	w    *response
	q    url.Values
	body []byte
	user *Account // set by the session middleware or by authenticate
	res  *resdef
	pk   string // as route gives it

	known []int64 // the resource's ids, ascending, read once by lookup
}

// apiError ends a request with its status and JSON body (nil: empty).
type apiError struct {
	status int
	body   map[string]any
}

func (e *apiError) Error() string { return http.StatusText(e.status) }

func badRequest(msg string) error {
	return &apiError{http.StatusBadRequest, map[string]any{"error": strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(msg)}}
}
func canned(status int) error    { return &apiError{status, map[string]any{"error_message": cannedError}} }
func canned500() error           { return canned(http.StatusInternalServerError) }
func emptyStatus(code int) error { return &apiError{status: code} }
func notModelled(what string) error {
	return &apiError{http.StatusNotImplemented, map[string]any{"error_message": "tsapitest: " + what + " is not modelled by the fake server"}}
}

// handle answers one request (after logging and faults).
func (s *Server) handle(w *response, r *http.Request, body []byte) {
	q, _ := url.ParseQuery(r.URL.RawQuery)
	res, kind, pk := route(r.URL.Path)
	c := &call{s: s, r: r, w: w, q: q, body: body, res: res, pk: pk}
	if _, k, _ := route(r.URL.Path + "/"); kind == "" && k != "" && !strings.HasSuffix(r.URL.Path, "/") {
		loc := c.absolute(r.URL.EscapedPath() + "/") // Django's APPEND_SLASH
		if r.URL.RawQuery != "" {
			loc += "?" + r.URL.RawQuery
		}
		w.header.Set("Location", loc)
		c.write(http.StatusMovedPermanently, htmlType, nil)
		return
	}
	switch {
	case c.sessionUser():
		c.page(http.StatusInternalServerError, "Server Error", "The server encountered an error and could not complete your request.")
	case kind == "":
		c.page(http.StatusNotFound, "Not Found", "The document you requested ("+html.EscapeString(r.URL.Path)+") could not be found on the server.")
	default:
		if err := c.dispatch(kind); err != nil {
			var ae *apiError
			if !errors.As(err, &ae) {
				ae = &apiError{http.StatusInternalServerError, map[string]any{"error_message": cannedError}}
			}
			if ae.body == nil {
				c.write(ae.status, htmlType, nil)
			} else {
				_ = c.respond(ae.status, ae.body) // a map of strings always encodes
			}
		}
	}
}

// write answers status with a body of type ctype.
func (c *call) write(status int, ctype string, body []byte) {
	c.w.header.Set("Content-Type", ctype)
	c.w.WriteHeader(status)
	c.w.Write(body)
}

// page answers an HTML error page, as Django's handlers do.
func (c *call) page(status int, title, text string) {
	c.write(status, htmlType, []byte("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<title>"+title+"</title>\n</head>\n<body>\n<h1>"+
		strconv.Itoa(status)+" "+title+"</h1>\n<p>"+text+"</p>\n</body>\n</html>\n"))
}

// absolute makes p an absolute URL, as Django 1.6 does in Location headers.
func (c *call) absolute(p string) string {
	if c.r.TLS != nil {
		return "https://" + c.r.Host + p
	}
	return "http://" + c.r.Host + p
}

// route resolves a path as the Torrent Server's URL configuration does:
// kind is "top", "list", "schema", "set", "detail", "launch", "unmodelled"
// or "" (none); pk is the detail id, the set's keys or the launch's result.
func route(path string) (res *resdef, kind, pk string) {
	rest, ok := strings.CutPrefix(path, APIPath)
	if !ok {
		return nil, "", ""
	}
	if rest == "" {
		return nil, "top", ""
	}
	name, sub, _ := strings.Cut(rest, "/")
	res = resources[name]
	pk = strings.TrimSuffix(strings.TrimPrefix(sub, "set/"), "/")
	switch {
	case res == nil || !strings.HasSuffix(rest, "/"):
		return nil, "", ""
	case name == "results" && strings.HasSuffix(sub, "/plugin/") && strings.Count(sub, "/") >= 2:
		return res, "launch", strings.TrimSuffix(sub, "/plugin/")
	case !res.served:
		return res, "unmodelled", pk
	case sub == "":
		return res, "list", pk
	case sub == "schema/":
		return res, "schema", pk
	case strings.HasPrefix(sub, "set/") && len(sub) > len("set/"):
		return res, "set", pk
	}
	return res, "detail", pk
}

// dispatch is tastypie's Resource.dispatch for one endpoint.
func (c *call) dispatch(kind string) error {
	allowed := []string{"GET", "POST", "PUT", "DELETE", "PATCH"}
	switch kind {
	case "top":
		out := map[string]any{}
		for n := range resources {
			out[n] = map[string]any{"list_endpoint": APIPath + n + "/", "schema": APIPath + n + "/schema/"}
		}
		return c.respond(http.StatusOK, out)
	case "unmodelled":
		return notModelled("the " + c.res.name + " resource")
	case "schema", "set":
		allowed = allowed[:1]
	case "launch":
		allowed = allowed[:3]
	}
	m := c.r.Method
	if m == http.MethodOptions || !slices.Contains(allowed, m) { // tastypie's method_check
		status := http.StatusMethodNotAllowed
		if m == http.MethodOptions {
			status = http.StatusOK
		}
		c.w.header.Set("Allow", strings.Join(allowed, ","))
		c.write(status, htmlType, []byte(strings.Join(allowed, ",")))
		return nil
	}
	if err := c.authenticate(); err != nil {
		return err
	}
	switch kind {
	case "launch":
		return c.launch()
	case "schema":
		b, _ := schemas.ReadFile("schema/" + c.res.name + ".json")
		return c.respond(http.StatusOK, json.RawMessage(b))
	}
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	switch key := kind + " " + m; {
	case key == "set GET":
		return c.getSet()
	case key == "list GET":
		return c.getList()
	case key == "detail GET":
		id, err := c.lookup(c.pk)
		if err != nil {
			return err
		}
		return c.respond(http.StatusOK, c.object1(id, true))
	case key == "detail POST":
		return emptyStatus(http.StatusNotImplemented) // tastypie's post_detail
	case m == http.MethodDelete && c.res.remove != nil:
		return c.delete(kind == "list")
	case c.res.writes[key] != nil:
		return c.res.writes[key](c)
	}
	return notModelled(m + " on " + c.res.name)
}

// object1 is object id as the request is answered it: dehydrated, and
// shaped where the resource adjusts it to the request.
func (c *call) object1(id int64, detail bool) map[string]any {
	obj := c.res.dehydrate(c.s, id)
	if c.res.shape != nil {
		c.res.shape(c, obj, detail)
	}
	return obj
}

// respond is tastypie's create_response: v as JSON.
func (c *call) respond(status int, v any) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	c.write(status, "application/json", spaced(bytes.TrimSuffix(b.Bytes(), []byte("\n"))))
	return nil
}

// spaced puts Python's separators (", " and ": ") into compact JSON.
func spaced(b []byte) []byte {
	out := make([]byte, 0, len(b)+len(b)/8)
	inStr, esc := false, false
	for _, ch := range b {
		out = append(out, ch)
		switch {
		case esc:
			esc = false
		case inStr && ch == '\\':
			esc = true
		case ch == '"':
			inStr = !inStr
		case !inStr && (ch == ',' || ch == ':'):
			out = append(out, ' ')
		}
	}
	return out
}

// sessionUser runs Django's session middleware and Torrent Suite's
// BasicAuthMiddleware, which logs in valid Basic credentials. broken is a
// Basic header it chokes on (not base64, or not one ':'): a 500 page.
func (c *call) sessionUser() (broken bool) {
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cfg.noAuth {
		return false
	}
	var sid string
	if ck, err := c.r.Cookie("sessionid"); err == nil && s.users[s.sessions[ck.Value]] != nil {
		c.user, sid = s.users[s.sessions[ck.Value]], ck.Value
	}
	auth := strings.Fields(c.r.Header.Get("Authorization"))
	if len(auth) != 2 || !strings.EqualFold(auth[0], "basic") {
		return false
	}
	raw, err := base64.StdEncoding.DecodeString(auth[1])
	if err != nil || strings.Count(string(raw), ":") != 1 {
		return true
	}
	name, pass, _ := strings.Cut(string(raw), ":")
	u := s.userByName(name)
	if u == nil || u.Password != pass {
		return false
	}
	c.user = u
	if sid == "" || s.sessions[sid] != u.ID {
		delete(s.sessions, sid) // another user: login() flushes the session
		b := make([]byte, 16)
		_, _ = rand.Read(b)
		sid = hex.EncodeToString(b)
		s.sessions[sid] = u.ID
	}
	c.w.header.Add("Set-Cookie", "sessionid="+sid+"; httponly; Path=/")
	return false
}

// authenticate is Torrent Suite's IonAuthentication: a logged-in user, a
// PluginKey or an ApiKey (header or query), else an empty 401.
func (c *call) authenticate() error {
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cfg.noAuth {
		for _, id := range sortedIDs(s.users) {
			if s.users[id].Superuser {
				c.user = s.users[id]
				return nil
			}
		}
		c.user = &Account{Username: AdminUser, Superuser: true}
	}
	if c.user != nil {
		return nil
	}
	scheme, cred, _ := strings.Cut(c.r.Header.Get("Authorization"), " ")
	who, key, pr := c.q.Get("username"), c.q.Get("api_key"), c.q.Get("pluginresult")
	ident, secret, _ := strings.Cut(strings.TrimSpace(cred), ":")
	switch strings.ToLower(scheme) {
	case "pluginkey":
		who, key, pr = "", secret, ident
	case "apikey":
		who, key, pr = ident, secret, ""
	}
	if n, err := pyInt(pr); err == nil && key != "" {
		if p := s.prs[n]; p != nil && p.apikey != nil && *p.apikey == key {
			c.user = cmp.Or(s.userByName(IonUser), s.userByName(AdminUser), s.users[p.owner])
			return nil
		}
	}
	if u := s.userByName(who); u != nil && key != "" && u.APIKey == key {
		c.user = u
		return nil
	}
	c.w.header.Set("WWW-Authenticate", realm)
	return emptyStatus(http.StatusUnauthorized)
}

// canWrite is Django's has_perm for add/change/delete on the plugin models.
func canWrite(u *Account) bool { return u != nil && (u.Superuser || !u.ReadOnly) }

// lookup is obj_get(pk=...): a pk Django cannot read as an integer is
// tastypie's NotFound (404, canned body), a missing object an empty 404.
func (c *call) lookup(pk string) (int64, error) {
	id, err := pyInt(pk)
	if err != nil {
		return 0, canned(http.StatusNotFound)
	}
	if c.known == nil {
		c.known = c.res.ids(c.s)
	}
	if _, found := slices.BinarySearch(c.known, id); !found {
		return id, emptyStatus(http.StatusNotFound)
	}
	return id, nil
}

// query is obj_get_list and apply_sorting: the filtered, sorted rows (an
// object once per matching related row). Errors come in tastypie's order:
// filters, order_by, limit, offset, the query itself.
func (c *call) query(paging bool) (rows []int64, limit, offset int, err error) {
	conds, err := c.res.buildFilters(c.q)
	if err != nil {
		return nil, 0, 0, err
	}
	sorter, err := c.res.sorting(c.q)
	if err != nil {
		return nil, 0, 0, err
	}
	if paging {
		if limit, err = pageParam(c.q, "limit", 20); err != nil {
			return nil, 0, 0, err
		}
		if offset, err = pageParam(c.q, "offset", 0); err != nil {
			return nil, 0, 0, err
		}
	}
	if slices.ContainsFunc(conds, func(cd cond) bool { return cd.execErr }) {
		return nil, 0, 0, canned500()
	}
	ids := c.res.ids(c.s)
	slices.Reverse(ids) // newest first, the Torrent Server's default order
	rows = c.res.rows(c.s, ids, conds)
	if sorter != nil {
		err = sorter(c.s, rows)
	}
	return rows, limit, offset, err
}

// simpleRows keeps the ids every condition accepts.
func simpleRows(res *resdef) func(s *Server, ids []int64, conds []cond) []int64 {
	return func(s *Server, ids []int64, conds []cond) []int64 {
		return slices.DeleteFunc(ids, func(id int64) bool {
			return slices.ContainsFunc(conds, func(c cond) bool { return !c.pred(res.pathValue(s, id, c.path)) })
		})
	}
}

// getList is tastypie's get_list.
func (c *call) getList() error {
	rows, limit, offset, err := c.query(true)
	if err != nil {
		return err
	}
	objects := []any{}
	for _, id := range rows[min(offset, len(rows)):min(offset+limit, len(rows))] {
		objects = append(objects, c.object1(id, false))
	}
	link := func(off int) any {
		q := maps.Clone(c.q)
		q.Set("limit", strconv.Itoa(limit))
		q.Set("offset", strconv.Itoa(off))
		return APIPath + c.res.name + "/?" + q.Encode()
	}
	meta := map[string]any{"limit": limit, "offset": offset, "total_count": len(rows), "previous": nil, "next": nil}
	if offset-limit >= 0 {
		meta["previous"] = link(offset - limit)
	}
	if offset+limit < len(rows) {
		meta["next"] = link(offset + limit)
	}
	return c.respond(http.StatusOK, map[string]any{"meta": meta, "objects": objects})
}

// getSet is tastypie's get_multiple (set/1;3/).
func (c *call) getSet() error {
	objects, notFound := []any{}, []string{}
	for _, key := range strings.Split(c.pk, ";") {
		id, err := c.lookup(key)
		var ae *apiError
		switch {
		case errors.As(err, &ae) && ae.body == nil:
			notFound = append(notFound, key)
		case err != nil:
			return err
		default:
			objects = append(objects, c.object1(id, false))
		}
	}
	out := map[string]any{"objects": objects}
	if len(notFound) > 0 {
		out["not_found"] = notFound
	}
	return c.respond(http.StatusOK, out)
}

// delete is tastypie's delete_detail, or delete_list: EVERY object the
// filters match (unknown parameters ignored, no paging), of which a user
// without the permission deletes none, silently.
func (c *call) delete(list bool) error {
	if !list {
		id, err := c.lookup(c.pk)
		if err != nil {
			return emptyStatus(http.StatusNotFound) // NotFound is caught here
		}
		if !canWrite(c.user) {
			return emptyStatus(http.StatusUnauthorized)
		}
		c.res.remove(c.s, id)
		return emptyStatus(http.StatusNoContent)
	}
	rows, _, _, err := c.query(false)
	if err != nil {
		return err
	}
	for _, id := range rows {
		if canWrite(c.user) {
			c.res.remove(c.s, id)
		}
	}
	return emptyStatus(http.StatusNoContent)
}

// decode is tastypie's deserialize: a body not sent as application/json is
// a 500, malformed JSON 400 {"error": ""}, a non-object a nil map.
func (c *call) decode() (map[string]json.RawMessage, error) {
	if ct := c.r.Header["Content-Type"]; len(ct) > 0 {
		if mt, _, _ := strings.Cut(ct[0], ";"); mt != "application/json" {
			return nil, canned500() // UnsupportedFormat
		}
	}
	if !json.Valid(c.body) {
		return nil, badRequest("")
	}
	var o map[string]json.RawMessage
	_ = decodeJSON(c.body, &o)
	return o, nil
}

// object is decode for a body that must be an object.
func (c *call) object() (map[string]json.RawMessage, error) {
	o, err := c.decode()
	if err == nil && o == nil {
		err = canned500()
	}
	return o, err
}

// detailWrite is the start of a write to one object: the id the URL names
// (a 404 when no such object exists) and the body, which must be an object.
func (c *call) detailWrite() (int64, map[string]json.RawMessage, error) {
	id, err := c.lookup(c.pk)
	if err != nil {
		return 0, nil, err
	}
	data, err := c.object()
	return id, data, err
}

// patchListBody is the body of tastypie's patch_list: its objects and its
// deleted_objects (nil when absent). A body without objects is a 400; an
// objects or deleted_objects that is not a list of the right shape a 500.
func (c *call) patchListBody() ([]map[string]json.RawMessage, []json.RawMessage, error) {
	body, err := c.decode()
	if err != nil {
		return nil, nil, err
	}
	if _, ok := body["objects"]; !ok {
		return nil, nil, badRequest("Invalid data sent: missing 'objects'")
	}
	var objs []map[string]json.RawMessage
	var dels []json.RawMessage
	if json.Unmarshal(body["objects"], &objs) != nil || json.Unmarshal(body["deleted_objects"], &dels) != nil && body["deleted_objects"] != nil {
		return nil, nil, canned500()
	}
	return objs, dels, nil
}
