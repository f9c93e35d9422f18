package cmdutil

import (
	"context"
	"errors"
	"fmt"

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

// ExitCodesHelp is the exit codes' table of `tsapi --help`.
const ExitCodesHelp = `Exit codes:
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

// UsageError is a mistake in how the command was called: nothing was
// sent. It exits 2.
type UsageError struct{ Msg string }

// Error returns the message.
func (e *UsageError) Error() string { return e.Msg }

// Usagef returns a *UsageError.
func Usagef(format string, args ...any) error { return &UsageError{fmt.Sprintf(format, args...)} }

// CodeError carries an exit code chosen by the command; Err may be nil
// for a code that needs no message (jobs wait's).
type CodeError struct {
	Code int
	Err  error
}

// Error returns Err's message, or "".
func (e *CodeError) Error() string {
	if e.Err == nil {
		return ""
	}
	return e.Err.Error()
}

// Unwrap returns Err.
func (e *CodeError) Unwrap() error { return e.Err }

// Exitf returns an *CodeError with code and a message.
func Exitf(code int, format string, args ...any) error {
	return &CodeError{Code: code, Err: fmt.Errorf(format, args...)}
}

// ExitCode maps an error to the exit code that says what kind it is.
func ExitCode(err error) int {
	var ue *UsageError
	var ee *CodeError
	var re *tsapi.RequestError
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &ee):
		return ee.Code
	case errors.As(err, &ue), errors.Is(err, tsapi.ErrInvalidOption), errors.Is(err, tsapi.ErrNoAPI):
		return ExitUsage
	case errors.Is(err, tsapi.ErrOutcomeUnknown):
		return ExitOutcomeUnknown
	case errors.Is(err, context.Canceled):
		return ExitInterrupted
	case errors.Is(err, tsapi.ErrNotFound):
		return ExitNotFound
	case errors.Is(err, tsapi.ErrUnauthorized), errors.Is(err, tsapi.ErrForbidden):
		return ExitAuth
	case errors.Is(err, tsapi.ErrServer), errors.Is(err, tsapi.ErrDecode), errors.Is(err, tsapi.ErrBadRequest),
		errors.Is(err, tsapi.ErrRateLimited), errors.Is(err, tsapi.ErrGone), errors.Is(err, tsapi.ErrMethodNotAllowed),
		errors.Is(err, tsapi.ErrRedirect), errors.Is(err, tsapi.ErrConflict):
		return ExitServer
	case errors.As(err, &re), errors.Is(err, context.DeadlineExceeded):
		return ExitNetwork
	}
	return ExitError
}

// WaitExitCode is the exit code of `jobs wait` for the state a job ended
// in.
func WaitExitCode(s tsapi.JobState) int {
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
