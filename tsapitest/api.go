package tsapitest

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"html"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// cannedError is tastypie's TASTYPIE_CANNED_ERROR, the body of every
// unexpected failure when the server is not in debug mode.
const cannedError = "Sorry, this request could not be processed. Please try again later."

// realm is the Basic realm of Torrent Suite's IonAuthentication.
const realm = `Basic Realm="Torrent Suite"`

// call is one API request on its way through the tastypie machinery.
type call struct {
	s      *Server
	r      *http.Request
	w      *response
	method string // after X-HTTP-Method-Override
	q      *qdict
	body   []byte
	user   *userRec // set by the middlewares or by authenticate
	res    *resdef
	pk     string // detail id as it appears in the URL
	keys   string // set/<keys>/
}

// apiError is a failure that ends a request; write answers it.
type apiError struct {
	status int
	kind   errKind
	msg    string // for errBadRequest
}

type errKind int

const (
	errBadRequest  errKind = iota // 400 {"error": msg}
	errCanned                     // tastypie's canned JSON (500, or 404 for "not found" exceptions)
	errEmpty                      // an empty body with status
	errNotModelled                // 501 with a tsapitest message
)

func (e *apiError) Error() string { return e.msg }

func badRequest(msg string) error { return &apiError{status: 400, kind: errBadRequest, msg: msg} }
func canned500() error            { return &apiError{status: 500, kind: errCanned} }
func canned404() error            { return &apiError{status: 404, kind: errCanned} }
func emptyStatus(code int) error  { return &apiError{status: code, kind: errEmpty} }
func notModelled(what string) error {
	return &apiError{status: 501, kind: errNotModelled, msg: "tsapitest: " + what + " is not modelled by the fake server"}
}

// errMismatch is tastypie's answer to a filter value Django refuses.
var errMismatch = badRequest("Invalid resource lookup data provided (mismatched type).")

// handle answers one request (after logging and faults).
func (s *Server) handle(w *response, r *http.Request, body []byte) {
	c := &call{s: s, r: r, w: w, method: r.Method, body: body, q: parseQuery(r.URL.RawQuery)}
	if c.method == "PROPPATCH" { // Torrent Suite's ChangeRequestMethodMiddleware
		c.method = http.MethodPatch
	}
	path := r.URL.Path
	rt, ok := route(path)
	if !ok && !strings.HasSuffix(path, "/") {
		if _, ok2 := route(path + "/"); ok2 {
			// Django's CommonMiddleware (APPEND_SLASH).
			loc := c.absolute(urlquote(path + "/"))
			if r.URL.RawQuery != "" {
				loc += "?" + r.URL.RawQuery
			}
			w.header.Set("Location", loc)
			w.header.Set("Content-Type", "text/html; charset=utf-8")
			w.WriteHeader(http.StatusMovedPermanently)
			return
		}
	}
	// Middlewares: the session cookie, and Torrent Suite's
	// BasicAuthMiddleware, which logs a valid Basic user in.
	s.mu.Lock()
	broken := c.sessionUser()
	s.mu.Unlock()
	if broken {
		c.serverErrorPage()
		return
	}
	if !ok {
		c.notFoundPage(path)
		return
	}
	var err error
	switch rt.kind {
	case routeTop:
		err = c.topLevel()
	case routeUnmodelled:
		err = notModelled("the " + rt.name + " resource")
	default:
		c.res = resources[rt.name]
		c.pk, c.keys = rt.pk, rt.keys
		err = c.dispatch(rt.kind)
	}
	if err != nil {
		c.fail(err)
	}
}

// urlquote is Django 1.6's urlquote (Python 2's quote with safe='/').
func urlquote(p string) string {
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		ch := p[i]
		if isAlnum(ch) || strings.IndexByte("_.-/", ch) >= 0 {
			b.WriteByte(ch)
		} else {
			b.WriteString("%" + strings.ToUpper(hex.EncodeToString([]byte{ch})))
		}
	}
	return b.String()
}

func isAlnum(c byte) bool {
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
}

// absolute makes a path absolute on this server, as Django 1.6 does with
// Location headers.
func (c *call) absolute(p string) string {
	scheme := "http"
	if c.r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + c.r.Host + p
}

type routeKind int

const (
	routeTop routeKind = iota
	routeList
	routeSchema
	routeSet
	routeDetail
	routeLaunch
	routeUnmodelled
)

type routed struct {
	kind routeKind
	name string
	pk   string
	keys string
}

var launchPath = regexp.MustCompile(`^results/(\w[\w/-]*)/plugin/$`)

// route resolves a path as the Torrent Server's URL configuration does.
func route(path string) (routed, bool) {
	rest, ok := strings.CutPrefix(path, APIPath)
	if !ok {
		return routed{}, false
	}
	if rest == "" {
		return routed{kind: routeTop}, true
	}
	if m := launchPath.FindStringSubmatch(rest); m != nil {
		return routed{kind: routeLaunch, name: "results", pk: m[1]}, true
	}
	name, sub, ok := strings.Cut(rest, "/")
	if !ok {
		return routed{}, false
	}
	if _, modelled := resources[name]; !modelled {
		if unmodelledResources[name] && strings.HasSuffix(rest, "/") {
			return routed{kind: routeUnmodelled, name: name}, true
		}
		return routed{}, false
	}
	switch {
	case sub == "":
		return routed{kind: routeList, name: name}, true
	case sub == "schema/":
		return routed{kind: routeSchema, name: name}, true
	case strings.HasPrefix(sub, "set/") && strings.HasSuffix(sub, "/") && len(sub) > len("set/"):
		return routed{kind: routeSet, name: name, keys: sub[len("set/") : len(sub)-1]}, true
	case strings.HasSuffix(sub, "/"):
		return routed{kind: routeDetail, name: name, pk: sub[:len(sub)-1]}, true
	}
	return routed{}, false
}

// unmodelledResources are Torrent Server resources the fake knows by name
// only: they answer 501 instead of an HTML 404.
var unmodelledResources = map[string]bool{"results": true, "user": true}

// notFoundPage is Django's HTML 404.
func (c *call) notFoundPage(path string) {
	c.w.header.Set("Content-Type", "text/html; charset=utf-8")
	c.w.WriteHeader(http.StatusNotFound)
	c.w.Write([]byte("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n  <title>Not Found</title>\n</head>\n<body>\n<h1>404 Not Found</h1>\n" +
		"<p>The document you requested (" + html.EscapeString(path) + ") could not be found on the server.</p>\n</body>\n</html>\n"))
}

// topLevel is tastypie's Api.top_level: every resource's list and schema
// URLs (no authentication).
func (c *call) topLevel() error {
	out := map[string]any{}
	names := append([]string{}, resourceOrder...)
	for n := range unmodelledResources {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		out[n] = map[string]any{"list_endpoint": APIPath + n + "/", "schema": APIPath + n + "/schema/"}
	}
	return c.respond(http.StatusOK, out)
}

// dispatch is tastypie's Resource.dispatch for one endpoint.
func (c *call) dispatch(kind routeKind) error {
	allowed := []string{"get", "post", "put", "delete", "patch"}
	switch kind {
	case routeSchema, routeSet:
		allowed = []string{"get"}
	case routeLaunch:
		allowed = []string{"get", "post", "put"}
	case routeList, routeDetail:
		if o, ok := c.r.Header["X-Http-Method-Override"]; ok && len(o) > 0 {
			c.method = o[0]
		}
	}
	if err := c.methodCheck(allowed); err != nil {
		return err
	}
	if err := c.authenticate(); err != nil {
		return err
	}
	if kind == routeLaunch {
		return c.launchEndpoint()
	}
	m := strings.ToLower(c.method)
	switch kind {
	case routeSchema:
		return c.respond(http.StatusOK, c.res.schema())
	case routeSet:
		return c.getSet()
	case routeList:
		switch m {
		case "get":
			return c.getList()
		case "post":
			return c.res.postList(c)
		case "put":
			return c.res.putList(c)
		case "delete":
			return c.deleteList()
		case "patch":
			return c.res.patchList(c)
		}
	case routeDetail:
		switch m {
		case "get":
			return c.getDetail()
		case "post":
			return emptyStatus(http.StatusNotImplemented)
		case "put":
			return c.res.putDetail(c)
		case "delete":
			return c.deleteDetail()
		case "patch":
			return c.res.patchDetail(c)
		}
	}
	return emptyStatus(http.StatusNotImplemented)
}

// methodCheck is tastypie's method_check: OPTIONS lists the methods, a
// method not allowed gets 405; both with an Allow header.
func (c *call) methodCheck(allowed []string) error {
	up := make([]string, len(allowed))
	for i, a := range allowed {
		up[i] = strings.ToUpper(a)
	}
	allows := strings.Join(up, ",")
	m := strings.ToLower(c.method)
	if m == "options" {
		c.w.header.Set("Allow", allows)
		c.w.header.Set("Content-Type", "text/html; charset=utf-8")
		c.w.WriteHeader(http.StatusOK)
		c.w.Write([]byte(allows))
		return errAnswered
	}
	for _, a := range allowed {
		if a == m {
			return nil
		}
	}
	c.w.header.Set("Allow", allows)
	c.w.header.Set("Content-Type", "text/html; charset=utf-8")
	c.w.WriteHeader(http.StatusMethodNotAllowed)
	c.w.Write([]byte(allows))
	return errAnswered
}

// errAnswered ends a request whose answer is already written.
var errAnswered = errors.New("answered")

// fail writes err's answer.
func (c *call) fail(err error) {
	if errors.Is(err, errAnswered) {
		return
	}
	var ae *apiError
	if !errors.As(err, &ae) {
		ae = &apiError{status: 500, kind: errCanned}
	}
	switch ae.kind {
	case errBadRequest:
		c.errorResponse(ae.status, map[string]any{"error": sanitize(ae.msg)})
	case errCanned:
		c.errorResponse(ae.status, map[string]any{"error_message": cannedError})
	case errNotModelled:
		c.errorResponse(ae.status, map[string]any{"error_message": ae.msg})
	default:
		c.empty(ae.status)
	}
}

// sanitize is tastypie's: HTML-escaped, quotes put back.
func sanitize(s string) string {
	s = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
	return s
}

// empty answers status with no body, as Django's HttpResponse subclasses.
func (c *call) empty(status int) {
	c.w.header.Set("Content-Type", "text/html; charset=utf-8")
	c.w.WriteHeader(status)
}

// respond is tastypie's create_response: v serialised in the negotiated
// format.
func (c *call) respond(status int, v any) error {
	format, err := c.determineFormat()
	if err != nil {
		return err
	}
	body, ctype, err := c.serialize(v, format)
	if err != nil {
		return err
	}
	c.w.header.Set("Content-Type", ctype)
	c.w.WriteHeader(status)
	c.w.Write(body)
	return nil
}

// errorResponse is tastypie's error_response.
func (c *call) errorResponse(status int, v any) {
	format := "application/json"
	if _, ok := c.q.get("callback"); !ok {
		if f, err := c.determineFormat(); err == nil {
			format = f
		}
	}
	body, ctype, err := c.serialize(v, format)
	if err != nil {
		c.w.header.Set("Content-Type", "text/plain")
		c.w.WriteHeader(status)
		c.w.Write([]byte("Additional errors occurred, but serialization of those errors failed."))
		return
	}
	c.w.header.Set("Content-Type", ctype)
	c.w.WriteHeader(status)
	c.w.Write(body)
}

var jsonpCallback = regexp.MustCompile(`^[a-zA-Z_$][0-9a-zA-Z_$]*(\.[a-zA-Z_$][0-9a-zA-Z_$]*)*$`)

func (c *call) serialize(v any, format string) ([]byte, string, error) {
	js := pyEncode(v)
	if format != "text/javascript" {
		return js, "application/json", nil
	}
	cb, ok := c.q.get("callback")
	if !ok {
		cb = "callback"
	}
	if !jsonpCallback.MatchString(cb) {
		return nil, "", badRequest("JSONP callback name is invalid.")
	}
	s := strings.NewReplacer("\u2028", `\u2028`, "\u2029", `\u2029`).Replace(string(js))
	return []byte(cb + "(" + s + ")"), "text/javascript", nil
}

// determineFormat is tastypie's determine_format with the Torrent
// Server's formats (json and jsonp).
func (c *call) determineFormat() (string, error) {
	if f, _ := c.q.get("format"); f != "" {
		switch f {
		case "json":
			return "application/json", nil
		case "jsonp":
			return "text/javascript", nil
		}
	}
	if c.q.has("callback") {
		return "text/javascript", nil
	}
	accept, ok := c.r.Header["Accept"]
	a := "*/*"
	if ok {
		a = strings.Join(accept, ",")
	}
	if a != "*/*" {
		best, err := bestMatch([]string{"text/javascript", "application/json"}, a)
		if err != nil {
			return "", badRequest("Invalid Accept header")
		}
		if best != "" {
			return best, nil
		}
	}
	return "application/json", nil
}

type mediaRange struct {
	typ, sub string
	params   map[string]string
}

func parseMediaRange(s string) (mediaRange, error) {
	parts := strings.Split(s, ";")
	params := map[string]string{}
	for _, p := range parts[1:] {
		k, v, ok := strings.Cut(p, "=")
		if !ok {
			return mediaRange{}, errors.New("bad param")
		}
		params[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	full := strings.TrimSpace(parts[0])
	if full == "*" {
		full = "*/*"
	}
	tp := strings.Split(full, "/")
	if len(tp) != 2 {
		return mediaRange{}, errors.New("bad type")
	}
	q, ok := params["q"]
	if ok && q != "" {
		f, err := strconv.ParseFloat(strings.TrimSpace(q), 64)
		if err != nil {
			return mediaRange{}, err
		}
		if f == 0 || f > 1 || f < 0 {
			params["q"] = "1"
		}
	} else {
		params["q"] = "1"
	}
	return mediaRange{typ: strings.TrimSpace(tp[0]), sub: strings.TrimSpace(tp[1]), params: params}, nil
}

// bestMatch is mimeparse.best_match: fitness first, then quality, then the
// later supported type.
func bestMatch(supported []string, header string) (string, error) {
	var ranges []mediaRange
	for _, part := range strings.Split(header, ",") {
		if strings.TrimSpace(part) == "" {
			continue
		}
		mr, err := parseMediaRange(part)
		if err != nil {
			return "", err
		}
		ranges = append(ranges, mr)
	}
	best, bestFit, bestQ := "", -2, -1.0
	for _, mime := range supported {
		target, _ := parseMediaRange(mime)
		fit, q := -1, 0.0
		for _, r := range ranges {
			if (r.typ == target.typ || r.typ == "*" || target.typ == "*") && (r.sub == target.sub || r.sub == "*" || target.sub == "*") {
				f := 0
				if r.typ == target.typ {
					f += 100
				}
				if r.sub == target.sub {
					f += 10
				}
				for k, v := range target.params {
					if k != "q" && r.params[k] == v {
						f++
					}
				}
				if f > fit {
					fit = f
					q, _ = strconv.ParseFloat(r.params["q"], 64)
				}
			}
		}
		if fit > bestFit || (fit == bestFit && q >= bestQ) {
			best, bestFit, bestQ = mime, fit, q
		}
	}
	if bestQ == 0 {
		return "", nil
	}
	return best, nil
}

// sessionUser runs Django's session middleware and Torrent Suite's
// BasicAuthMiddleware: a valid session cookie gives its user; valid Basic
// credentials log the user in and start a new session (Set-Cookie). It
// reports a Basic header the middleware chokes on (not base64, or more
// than one ':'), which is a 500 HTML page on the Torrent Server. The caller
// holds s.mu.
func (c *call) sessionUser() (broken bool) {
	s := c.s
	if s.cfg.noAuth {
		return false
	}
	var sid string
	if ck, err := c.r.Cookie("sessionid"); err == nil {
		if uid, ok := s.sessions[ck.Value]; ok && s.users[uid] != nil {
			c.user = s.users[uid]
			sid = ck.Value
		}
	}
	auth := strings.Fields(c.r.Header.Get("Authorization"))
	if len(auth) != 2 || !strings.EqualFold(auth[0], "basic") {
		return false
	}
	raw, err := base64.StdEncoding.DecodeString(auth[1])
	if err != nil || strings.Count(string(raw), ":") != 1 {
		return true // username, password = ....split(":")
	}
	name, pass, _ := strings.Cut(string(raw), ":")
	u := s.userByName(name)
	if u == nil || u.Password != pass {
		return false
	}
	c.user = u
	if sid != "" && s.sessions[sid] == u.ID {
		// login() of the session's own user keeps the key (and sends the
		// cookie again).
		c.w.header.Add("Set-Cookie", "sessionid="+sid+"; httponly; Path=/")
		return false
	}
	if sid != "" {
		delete(s.sessions, sid) // another user: login() flushes the session
	}
	b := make([]byte, 16)
	rand.Read(b)
	key := hex.EncodeToString(b)
	s.sessions[key] = u.ID
	c.w.header.Add("Set-Cookie", "sessionid="+key+"; httponly; Path=/")
	return false
}

// serverErrorPage is the Torrent Server's HTML 500 page (an exception
// outside tastypie).
func (c *call) serverErrorPage() {
	c.w.header.Set("Content-Type", "text/html; charset=utf-8")
	c.w.WriteHeader(http.StatusInternalServerError)
	c.w.Write([]byte("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<title>Torrent Suite (TM) | Server Error</title>\n</head>\n<body>\n" +
		"<h1>Server Error</h1>\n<p>The server encountered an error and could not complete your request.</p>\n</body>\n</html>\n"))
}

// authenticate is Torrent Suite's IonAuthentication: a logged-in user
// passes; otherwise Basic, session, PluginKey and ApiKey are tried, and a
// failure answers 401 with WWW-Authenticate and an empty body.
func (c *call) authenticate() error {
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cfg.noAuth {
		c.user = s.firstSuperuser()
		return nil
	}
	if c.user != nil {
		return nil
	}
	header := c.r.Header.Get("Authorization")
	low := strings.ToLower(header)
	// PluginKey <pluginresult id>:<key>, or ?pluginresult=&api_key=.
	if u := c.pluginKeyUser(header, low); u != nil {
		c.user = u
		return nil
	}
	// ApiKey <user>:<key>, or ?username=&api_key=.
	var name, key string
	if header != "" && strings.HasPrefix(low, "apikey ") {
		parts := strings.Fields(header)
		if len(parts) == 2 {
			name, key, _ = strings.Cut(parts[1], ":")
		}
	} else {
		name, _ = c.q.get("username")
		key, _ = c.q.get("api_key")
	}
	if name != "" && key != "" {
		if u := s.userByName(name); u != nil && u.APIKey != "" && u.APIKey == key {
			c.user = u
			return nil
		}
	}
	c.w.header.Set("WWW-Authenticate", realm)
	return emptyStatus(http.StatusUnauthorized)
}

func (c *call) pluginKeyUser(header, low string) *userRec {
	s := c.s
	var prID, key string
	if header != "" && strings.HasPrefix(low, "pluginkey ") {
		parts := strings.Fields(header)
		if len(parts) != 2 {
			return nil
		}
		var ok bool
		prID, key, ok = strings.Cut(parts[1], ":")
		if !ok {
			return nil
		}
	} else {
		prID, _ = c.q.get("pluginresult")
		key, _ = c.q.get("api_key")
	}
	if prID == "" || key == "" {
		return nil
	}
	id, err := pyInt(prID)
	if err != nil {
		return nil
	}
	pr := s.prs[id]
	if pr == nil || pr.apikey == nil || *pr.apikey != key {
		return nil
	}
	if u := s.userByName(IonUser); u != nil {
		return u
	}
	return s.userByName(AdminUser)
}

func (s *Server) firstSuperuser() *userRec {
	for _, id := range sortedIDs(s.users) {
		if s.users[id].Superuser {
			return s.users[id]
		}
	}
	return &userRec{Account{Username: AdminUser, Superuser: true}}
}

// canWrite is Django's has_perm for add/change/delete on the plugin
// models: superusers and ionusers members may, read-only users may not.
func (u *userRec) canWrite() bool { return u != nil && (u.Superuser || !u.ReadOnly) }

// pyInt is Python's int() of a string.
func pyInt(s string) (int64, error) {
	t := strings.TrimSpace(s)
	if strings.HasPrefix(t, "+") {
		t = t[1:]
		if strings.HasPrefix(t, "-") || strings.HasPrefix(t, "+") {
			return 0, strconv.ErrSyntax
		}
	}
	return strconv.ParseInt(t, 10, 64)
}
