package tsapi

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"regexp"
)

// slogAdapter lets go-retryablehttp log through the caller's slog.Logger,
// with URLs redacted and credentials scrubbed from every value.
type slogAdapter struct {
	l    *slog.Logger
	auth *credentials
}

func (a slogAdapter) clean(kv []any) []any {
	out := make([]any, len(kv))
	for i, v := range kv {
		var s string
		switch x := v.(type) {
		case string:
			s = x
		case error:
			s = x.Error()
		case fmt.Stringer:
			s = x.String()
		default:
			out[i] = v
			continue
		}
		out[i] = a.scrub(s)
	}
	return out
}

// scrub redacts the URLs in s (go-retryablehttp writes them inside longer
// texts, such as "GET http://host/... (status: 503)" or an error's text) and
// removes the credentials.
func (a slogAdapter) scrub(s string) string {
	return scrubSecrets(redactURLsIn(s), a.auth)
}

func (a slogAdapter) log(level slog.Level, msg string, kv []any) {
	a.l.Log(context.Background(), level, "tsapi: "+a.scrub(msg), a.clean(kv)...)
}

var urlInText = regexp.MustCompile(`(?i)\bhttps?://[^\s"'<>\x60]+`)

// redactURLsIn applies redactURL to every http(s) URL in s.
func redactURLsIn(s string) string {
	return urlInText.ReplaceAllStringFunc(s, func(raw string) string {
		u, err := url.Parse(raw)
		if err != nil {
			return "(unparseable URL)"
		}
		return redactURL(u)
	})
}

func (a slogAdapter) Error(msg string, kv ...any) { a.log(slog.LevelDebug, msg, kv) }
func (a slogAdapter) Info(msg string, kv ...any)  { a.log(slog.LevelDebug, msg, kv) }
func (a slogAdapter) Debug(msg string, kv ...any) { a.log(slog.LevelDebug, msg, kv) }
func (a slogAdapter) Warn(msg string, kv ...any)  { a.log(slog.LevelWarn, msg, kv) }
