// Package clitest helps the tool's tests: a Factory on buffers whose
// servers are tsapitest fakes, and the options a command's flags make.
// Only tests import it.
package clitest

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tsapi-go/tsapi"
	"github.com/tsapi-go/tsapi/internal/cli/cmdutil"
	"github.com/tsapi-go/tsapi/tsapitest"
)

// Now is the clock of the test Factory.
var Now = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

// Streams are a test Factory's buffers.
type Streams struct {
	IO              *cmdutil.IOStreams
	In, Out, ErrOut *bytes.Buffer
}

// Factory returns a Factory on buffers, with the clock at Now and no
// server (set Servers, or use WithServers).
func Factory(t *testing.T) (*cmdutil.Factory, Streams) {
	t.Helper()
	ios, in, out, errOut := cmdutil.Test()
	f := cmdutil.New(ios, func(string) string { return "" })
	f.Now = func() time.Time { return Now }
	f.Servers = func() ([]*cmdutil.Server, error) { return nil, cmdutil.Usagef("no server in this test") }
	t.Cleanup(f.Close)
	return f, Streams{ios, in, out, errOut}
}

// Server returns a server named name on the fake s, as user (with the
// fake's password for that user).
func Server(t *testing.T, name string, s *tsapitest.Server, user string) *cmdutil.Server {
	t.Helper()
	acct, ok := s.Account(user)
	require.True(t, ok, "no account %s", user)
	c, err := s.Client(tsapi.WithBasicAuth(acct.Username, acct.Password))
	require.NoError(t, err)
	srv := cmdutil.NewServer(name, c)
	srv.User, srv.Auth, srv.CredentialFrom = user, cmdutil.AuthPassword, "the test"
	return srv
}

// Admins returns servers a, b, ... on the fakes, as ionadmin.
func Admins(t *testing.T, fakes ...*tsapitest.Server) func() ([]*cmdutil.Server, error) {
	t.Helper()
	var out []*cmdutil.Server
	for i, s := range fakes {
		out = append(out, Server(t, string(rune('a'+i)), s, tsapitest.AdminUser))
	}
	return func() ([]*cmdutil.Server, error) { return out, nil }
}

// Parse runs the command newCmd makes with args, and returns the options
// its flags made (nil when it failed before running).
func Parse[T any](t *testing.T, f *cmdutil.Factory, newCmd func(*cmdutil.Factory, func(*T) error) *cobra.Command, args ...string) (*T, error) {
	t.Helper()
	var got *T
	cmd := newCmd(f, func(o *T) error { got = o; return nil })
	cmd.SetArgs(args)
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &cmdutil.UsageError{Msg: err.Error()} })
	err := cmd.Execute()
	return got, err
}

// Writes lists the writes a fake received as a dry run prints them.
func Writes(s *tsapitest.Server) []string {
	var out []string
	for _, r := range s.Requests() {
		if r.Method == http.MethodGet {
			continue
		}
		line := "would send: " + r.Method + " " + s.URL() + r.Path
		if r.RawQuery != "" {
			line += "?" + r.RawQuery
		}
		if len(r.Body) > 0 {
			line += " " + string(r.Body)
		}
		out = append(out, line)
	}
	return out
}

// Usage asserts that err is a usage error (exit 2, nothing sent) whose
// text says want.
func Usage(t *testing.T, err error, want string) {
	t.Helper()
	var ue *cmdutil.UsageError
	if assert.True(t, errors.As(err, &ue), "a usage error: %v", err) {
		assert.Contains(t, err.Error(), want)
	}
}
