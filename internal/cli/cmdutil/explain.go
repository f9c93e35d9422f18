package cmdutil

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"github.com/tsapi-go/tsapi"
)

// AboutError says which object an error concerns ("job 1498"), for
// Explain; it unwraps to the error.
type AboutError struct {
	What string
	Err  error
	// Context marks What as a sentence that leads to the error ("job 5
	// changed, but reading it back failed") rather than the object.
	Context bool
}

// Error names the object, then the error.
func (e *AboutError) Error() string {
	return e.What + ": " + strings.TrimPrefix(e.Err.Error(), "tsapi: ")
}

// Unwrap returns Err.
func (e *AboutError) Unwrap() error { return e.Err }

// About returns err marked as concerning the object the format names, or
// nil for a nil err.
func About(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	return &AboutError{What: fmt.Sprintf(format, args...), Err: err}
}

// Context returns err led by the sentence the format makes, or nil for
// a nil err.
func Context(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	return &AboutError{What: fmt.Sprintf(format, args...), Err: err, Context: true}
}

// NotFoundError names objects a server does not have. It matches
// tsapi.ErrNotFound.
type NotFoundError struct {
	Noun string // "job"
	IDs  []int64
}

// Error says "no job 5" or "no jobs 5, 6".
func (e *NotFoundError) Error() string {
	ids := make([]string, len(e.IDs))
	for i, id := range e.IDs {
		ids[i] = strconv.FormatInt(id, 10)
	}
	noun := e.Noun
	if len(ids) > 1 {
		noun += "s"
	}
	return "no " + noun + " " + strings.Join(ids, ", ")
}

// Is matches tsapi.ErrNotFound.
func (e *NotFoundError) Is(target error) bool { return target == tsapi.ErrNotFound }

// explained is an error told in words that say what to do; it unwraps to
// the error, which decides the exit code.
type explained struct {
	msg string
	err error
}

func (e *explained) Error() string { return e.msg }
func (e *explained) Unwrap() error { return e.err }

// Explain rewrites err, the failure of a command on server s (nil when
// there is no server yet), in words that say what happened and what to
// do; action is what the command does ("change jobs"), for an account
// that may not. The result unwraps to err.
func Explain(err error, s *Server, action string) error {
	if err == nil {
		return nil
	}
	var ex *explained
	if errors.As(err, &ex) {
		return err
	}
	msg := explain(err, s, action)
	if msg == err.Error() {
		return err
	}
	return &explained{msg: msg, err: err}
}

func explain(err error, s *Server, action string) string {
	var (
		about   *AboutError
		unknown *tsapi.OutcomeUnknownError
		noAPI   *tsapi.NoAPIError
		apiErr  *tsapi.APIError
		reqErr  *tsapi.RequestError
		cfgErr  *tsapi.InvalidArgumentError
		usage   *UsageError
		exit    *CodeError
		plain   *PlainHTTPError
	)
	what, noun := "", ""
	if errors.As(err, &about) {
		what = about.What
		if !about.Context {
			noun = what
		}
	}
	prefixed := func(msg string) string {
		if what == "" {
			return msg
		}
		return what + ": " + msg
	}
	switch {
	case errors.As(err, &usage), errors.As(err, &exit) && !isLibraryError(exit.Err):
		return trim(err.Error())
	case errors.As(err, &unknown):
		return lostAnswer(unknown)
	case errors.Is(err, context.Canceled):
		return "interrupted"
	case errors.As(err, &noAPI):
		return fmt.Sprintf("no Torrent Server API answers at %s (%d %s): use the server's root URL (%s)",
			noAPI.Root, noAPI.Status, http.StatusText(noAPI.Status), rootOf(noAPI.Root))
	case errors.As(err, &apiErr):
		return explainAPI(apiErr, s, action, noun, prefixed)
	case errors.As(err, &plain):
		return plain.Hint()
	case errors.As(err, &reqErr):
		return prefixed(noAnswer(reqErr, s))
	case errors.Is(err, context.DeadlineExceeded):
		return prefixed("timed out")
	case errors.As(err, &cfgErr):
		return prefixed(trim(cfgErr.Msg))
	}
	return trim(err.Error())
}

func isLibraryError(err error) bool {
	var apiErr *tsapi.APIError
	var reqErr *tsapi.RequestError
	return errors.As(err, &apiErr) || errors.As(err, &reqErr) || errors.Is(err, tsapi.ErrOutcomeUnknown)
}

func trim(s string) string { return strings.ReplaceAll(s, "tsapi: ", "") }

// rootOf is the server's root URL of an API root.
func rootOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "https://host"
	}
	return u.Scheme + "://" + u.Host
}

// hostOf is the host of a request's URL.
func hostOf(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.Host != "" {
		return u.Host
	}
	return raw
}

// statusText is "404 Not Found", with the server's message when it says
// more than the status.
func statusText(e *tsapi.APIError) string {
	s := fmt.Sprintf("%d %s", e.StatusCode, http.StatusText(e.StatusCode))
	m := strings.TrimSpace(e.Message)
	if m != "" && !strings.Contains(strings.ToLower(m), strings.ToLower(http.StatusText(e.StatusCode))) {
		s += ": " + m
	}
	if len(e.FieldErrors) > 0 {
		var parts []string
		for k, v := range e.FieldErrors {
			parts = append(parts, k+": "+strings.Join(v, ", "))
		}
		slices.Sort(parts)
		s += " (" + strings.Join(parts, "; ") + ")"
	}
	return s
}

func attempts(n int) string {
	if n > 1 {
		return fmt.Sprintf(" (after %d attempts)", n)
	}
	return ""
}

func explainAPI(e *tsapi.APIError, s *Server, action, what string, prefixed func(string) string) string {
	switch {
	case errors.Is(e, tsapi.ErrUnauthorized):
		return refused(s)
	case errors.Is(e, tsapi.ErrForbidden):
		if action == "" {
			action = "do this"
		}
		return who(s) + " may not " + action
	case e.StatusCode == http.StatusNotFound && what != "":
		return "no " + what
	case e.StatusCode == http.StatusServiceUnavailable:
		return prefixed(fmt.Sprintf("the server is unavailable (%s): it may be restarting or upgrading; try again later%s",
			statusText(e), attempts(e.Attempts)))
	case e.StatusCode >= 500:
		return prefixed(fmt.Sprintf("the server failed on %s %s: %s%s", e.Method, e.URL, statusText(e), attempts(e.Attempts)))
	case e.StatusCode == http.StatusBadRequest:
		return prefixed(fmt.Sprintf("the server refused %s %s: %s", e.Method, e.URL, statusText(e)))
	}
	return prefixed(fmt.Sprintf("%s %s: %s%s", e.Method, e.URL, statusText(e), attempts(e.Attempts)))
}

// who names the account of s: "user ionadmin", "the plugin key of plugin
// result 26".
func who(s *Server) string {
	switch {
	case s == nil || s.Auth == AuthNone:
		return "an anonymous request"
	case s.Auth == AuthPluginKey:
		return fmt.Sprintf("the plugin key of plugin result %d", s.PluginResult)
	}
	return "user " + s.User
}

// refused says which credentials a server refused, and where they came
// from.
func refused(s *Server) string {
	if s == nil || s.Auth == AuthNone {
		return noCredentials(s)
	}
	from := ""
	if s.CredentialFrom != "" {
		from = " (from " + s.CredentialFrom + ")"
	}
	switch s.Auth {
	case AuthPassword:
		return fmt.Sprintf("the server refused the password of user %s%s: check it, or the user name", s.User, from)
	case AuthAPIKey:
		return fmt.Sprintf("the server refused the API key of user %s%s: check it, or the user name", s.User, from)
	}
	return fmt.Sprintf("the server refused the plugin key of plugin result %d%s (a plugin result's key ends with its run)", s.PluginResult, from)
}

func noCredentials(s *Server) string {
	where := "the server"
	if s != nil {
		where = s.Name
	}
	return where + " needs credentials, and none are configured: set $TSAPI_USER with $TSAPI_PASSWORD " +
		"(or $TSAPI_PASSWORD_FILE, or $TSAPI_API_KEY), or name a profile of the config file with --profile (see tsapi config --help)"
}

// lostAnswer tells a lost write once, with its URL once.
func lostAnswer(e *tsapi.OutcomeUnknownError) string {
	var b strings.Builder
	fmt.Fprintf(&b, "the answer to %s %s was lost", e.Method, e.URL)
	if c := cause(e.Cause); c != "" {
		fmt.Fprintf(&b, " (%s)", c)
	}
	b.WriteString(": the write may or may not have been applied")
	switch {
	case len(e.Differs) > 0:
		fmt.Fprintf(&b, "; read again, its %s now differ from what was sent (not applied, or changed since by another client)",
			strings.Join(e.Differs, ", "))
	case e.CheckErr != nil:
		fmt.Fprintf(&b, "; reading it again failed too (%s)", cause(e.CheckErr))
	}
	b.WriteString("; look before trying again: nothing was resent")
	return b.String()
}

// cause is an error's reason without its method and URL.
func cause(err error) string {
	var apiErr *tsapi.APIError
	var reqErr *tsapi.RequestError
	switch {
	case err == nil:
		return ""
	case errors.Is(err, context.Canceled):
		return "interrupted"
	case errors.Is(err, context.DeadlineExceeded):
		return "timed out"
	case errors.As(err, &apiErr):
		return fmt.Sprintf("%d %s", apiErr.StatusCode, http.StatusText(apiErr.StatusCode))
	case errors.As(err, &reqErr):
		return innermost(reqErr.Err)
	}
	return trim(err.Error())
}

// innermost is the text of the error at the bottom of err's chain below
// any *url.Error (which repeats the method and URL).
func innermost(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) && ue.Err != nil {
		err = ue.Err
	}
	return trim(err.Error())
}

// noAnswer tells a request that got no answer, with what to check.
func noAnswer(e *tsapi.RequestError, s *Server) string {
	host := hostOf(e.URL)
	var unknownCA x509.UnknownAuthorityError
	var certErr *x509.CertificateInvalidError
	var hostErr x509.HostnameError
	var dnsErr *net.DNSError
	switch {
	case errors.As(e.Err, &unknownCA):
		return fmt.Sprintf("the certificate of %s is not signed by a CA this machine trusts: give the server's CA with ca_file in the profile, or $TSAPI_CA_FILE", host)
	case errors.As(e.Err, &hostErr):
		return fmt.Sprintf("the certificate of %s is for other names (%s): name the server by one of them", host, innermost(e.Err))
	case errors.As(e.Err, &certErr):
		return fmt.Sprintf("the certificate of %s is not valid: %s", host, innermost(e.Err))
	case errors.As(e.Err, &dnsErr):
		return fmt.Sprintf("cannot find the host %s (%s): check the server URL", dnsErr.Name, dnsErr.Err)
	case errors.Is(e.Err, syscall.ECONNREFUSED):
		return fmt.Sprintf("no answer from %s: connection refused%s (is the server running, and is the port right?)", host, attempts(e.Attempts))
	case e.Timeout():
		within := ""
		if s != nil && s.Timeout > 0 {
			within = " within " + s.Timeout.String()
		}
		return fmt.Sprintf("no answer from %s%s%s: %s (is the server up? --timeout gives it longer)", host, within, attempts(e.Attempts), innermost(e.Err))
	}
	return fmt.Sprintf("no answer from %s%s: %s", host, attempts(e.Attempts), innermost(e.Err))
}
