package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/tsapi-go/tsapi"
)

// Exit codes. They are documented in the README and in `tsapi --help`.
const (
	ExitOK             = 0
	ExitError          = 1 // any other failure
	ExitUsage          = 2 // a bad command, flag, argument or option; nothing was sent
	ExitNotFound       = 3 // no such job, plugin result or plugin
	ExitAuth           = 4 // authentication failed, or the account may not do it
	ExitServer         = 5 // the server answered with an error (5xx, maintenance)
	ExitNetwork        = 6 // no answer: connection refused, timeout, TLS
	ExitPartial        = 7 // with several servers: some failed, others answered
	ExitOutcomeUnknown = 8 // a write's answer was lost: look before trying again
	ExitInterrupted    = 130
)

// Exit codes of `jobs wait`, by the state the job ended in.
const (
	ExitWaitError     = 10
	ExitWaitCancelled = 11
	ExitWaitTimedOut  = 12
	ExitWaitDeclined  = 13
	ExitWaitOther     = 14 // Unknown, Resource, Archived
)

const exitCodesHelp = `Exit codes:
  0    success
  1    any other failure
  2    usage: a bad command, flag, argument or option (nothing was sent)
  3    not found
  4    authentication failed, or the account may not do it
  5    the server answered with an error (5xx, maintenance page)
  6    network: no answer (refused, timeout, TLS)
  7    several servers: some failed, others answered
  8    a write's answer was lost: it may or may not have been applied
  10-14  jobs wait: the job ended in Error (10), Cancelled (11),
       Timed Out (12), Declined (13), another end state (14)
  130  interrupted`

// usageError is a mistake in how the command was called.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

// exitError carries an exit code chosen by the command.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return ""
	}
	return e.err.Error()
}
func (e *exitError) Unwrap() error { return e.err }

// exitCode maps an error to the exit code that says what kind it is.
func exitCode(err error) int {
	var ue *usageError
	var ee *exitError
	var re *tsapi.RequestError
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &ee):
		return ee.code
	case errors.As(err, &ue), errors.Is(err, tsapi.ErrInvalidOption), errors.Is(err, tsapi.ErrNoAPI):
		return ExitUsage
	case errors.Is(err, context.Canceled):
		return ExitInterrupted
	case errors.Is(err, tsapi.ErrOutcomeUnknown):
		return ExitOutcomeUnknown
	case errors.Is(err, tsapi.ErrNotFound):
		return ExitNotFound
	case errors.Is(err, tsapi.ErrUnauthorized), errors.Is(err, tsapi.ErrForbidden):
		return ExitAuth
	case errors.Is(err, tsapi.ErrServer), errors.Is(err, tsapi.ErrDecode), errors.Is(err, tsapi.ErrBadRequest),
		errors.Is(err, tsapi.ErrRateLimited), errors.Is(err, tsapi.ErrGone), errors.Is(err, tsapi.ErrMethodNotAllowed),
		errors.Is(err, tsapi.ErrRedirect):
		return ExitServer
	case errors.As(err, &re), errors.Is(err, context.DeadlineExceeded):
		return ExitNetwork
	}
	return ExitError
}

// waitExitCode is the exit code of `jobs wait` for the state a job ended in.
func waitExitCode(s tsapi.JobState) int {
	switch s {
	case tsapi.StateCompleted:
		return ExitOK
	case tsapi.StateError:
		return ExitWaitError
	case tsapi.StateCancelled:
		return ExitWaitCancelled
	case tsapi.StateTimedOut:
		return ExitWaitTimedOut
	case tsapi.StateDeclined:
		return ExitWaitDeclined
	}
	return ExitWaitOther
}

// about says what an error concerns ("job 1498"), without repeating the
// library's "tsapi: " prefix, and keeps the error for errors.Is.
type about struct {
	what string
	err  error
}

func (e *about) Error() string { return e.what + ": " + strings.TrimPrefix(e.err.Error(), "tsapi: ") }
func (e *about) Unwrap() error { return e.err }

func aboutf(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	return &about{what: fmt.Sprintf(format, args...), err: err}
}
