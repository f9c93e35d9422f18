package tsapi

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
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
			if u, err := url.Parse(x); err == nil && u.Host != "" {
				s = redactURL(u)
			}
		case error:
			s = x.Error()
		case fmt.Stringer:
			s = x.String()
		default:
			out[i] = v
			continue
		}
		out[i] = scrubSecrets(s, a.auth)
	}
	return out
}

func (a slogAdapter) log(level slog.Level, msg string, kv []any) {
	a.l.Log(context.Background(), level, "tsapi: "+scrubSecrets(msg, a.auth), a.clean(kv)...)
}

func (a slogAdapter) Error(msg string, kv ...any) { a.log(slog.LevelDebug, msg, kv) }
func (a slogAdapter) Info(msg string, kv ...any)  { a.log(slog.LevelDebug, msg, kv) }
func (a slogAdapter) Debug(msg string, kv ...any) { a.log(slog.LevelDebug, msg, kv) }
func (a slogAdapter) Warn(msg string, kv ...any)  { a.log(slog.LevelWarn, msg, kv) }
