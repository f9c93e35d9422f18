package tsapi

import (
	"context"
	"net/http"
)

// This file is the resend rule: when a request is sent again, and what the
// caller is told when an attempt's answer was lost. Every path that could
// send a request twice asks decide; the doc comments elsewhere point here.
//
// The Torrent Server has no idempotency keys, so a request is resent only
// when repeating it can neither create twice nor undo what another client
// changed after the first attempt.

// opKind is what an operation is, for the resend rule. Each request is
// sent as one kind (see kindOf for Client.Do).
type opKind int

const (
	// opRead cannot change anything: List, Get, GetSet, Schema, iteration,
	// Count; in Client.Do GET, HEAD, OPTIONS and a request marked
	// Request.Idempotent.
	opRead opKind = iota
	// opDelete is a DELETE of one object: deleting twice cannot write
	// twice, and ids are never reused.
	opDelete
	// opWrite is every other write: Create, BulkPatch, DeleteAllMatching,
	// ReplaceAllMatching, Launch, and Client.Do's other writes.
	opWrite
	// opWriteOne is a PUT or PATCH of one object (Update, Patch, SetState,
	// SetStore, Finish, PluginRuntime.ReportState): an opWrite whose lost
	// answer is checked by re-reading the object.
	opWriteOne
	numKinds
)

// outcome is what became of one attempt.
type outcome int

const (
	// outNotReached: no connection could be made, or the request was not
	// written: the server cannot have acted on it.
	outNotReached outcome = iota
	// outRefused: 429 or 503, which the server answers before doing
	// anything (Retry-After is honoured).
	outRefused
	// outSessionEnded: 401 to an attempt that carried the session cookie
	// alone; a 401 is given before anything is done.
	outSessionEnded
	// outLost: the attempt may have reached the server and its answer was
	// lost: the connection dropped or timed out once the request was
	// written, a proxy answered 502 or 504, or ctx ended while waiting.
	outLost
	// outSuccessCut: a 2xx whose body broke off (or was larger than
	// allowed).
	outSuccessCut
	// outGoneAfterLoss: 404 to an attempt that followed a lost one.
	outGoneAfterLoss
	// outAnswered: any other answer, which stands as the server gave it.
	outAnswered
	numOutcomes
)

// decision is what the rule says to do after an outcome.
type decision int

const (
	// stand: the answer or the error stands as it is.
	stand decision = iota
	// resend: send again, within the retry budget, after the backoff.
	resend
	// resendWithCredentials: send once more, with the credentials.
	resendWithCredentials
	// succeeded: report success; the server did what was asked.
	succeeded
	// unknown: report an *OutcomeUnknownError, never resend.
	unknown
	// verify: as unknown, after re-reading the object and comparing every
	// field sent (success with Response.Verified when all hold it).
	verify
)

// resendRule is the rule, one row per kind of operation and one column per
// outcome of an attempt. It is the only place the decision is written.
//
//	              not reached  refused  session ended  lost     success cut  gone after loss  answered
//	read          resend       resend   +credentials   resend   resend       stand            stand
//	delete one    resend       resend   +credentials   resend   succeeded    succeeded        stand
//	write         resend       resend   +credentials   unknown  succeeded    stand            stand
//	write one     resend       resend   +credentials   verify   succeeded    stand            stand
var resendRule = [numKinds][numOutcomes]decision{
	opRead:     {resend, resend, resendWithCredentials, resend, resend, stand, stand},
	opDelete:   {resend, resend, resendWithCredentials, resend, succeeded, succeeded, stand},
	opWrite:    {resend, resend, resendWithCredentials, unknown, succeeded, stand, stand},
	opWriteOne: {resend, resend, resendWithCredentials, verify, succeeded, stand, stand},
}

// decide is the resend rule: what to do after an attempt of kind k ended
// in o. Whether a resend is worth making (the error may pass, ctx has not
// ended, the retry budget is not spent) is checked by the caller; whether
// it is allowed is decided here alone.
func decide(k opKind, o outcome) decision { return resendRule[k][o] }

// lostIsReported tells whether a lost answer to an operation of kind k is
// reported as an *OutcomeUnknownError (after a re-read, for verify).
func lostIsReported(k opKind) bool {
	d := decide(k, outLost)
	return d == unknown || d == verify
}

// attemptOutcome classifies one attempt from the retry loop's view: its
// answer, or the error that ended it, and whether its request was written.
func attemptOutcome(resp *http.Response, err error, wrote bool) outcome {
	if err == nil {
		switch resp.StatusCode {
		case http.StatusTooManyRequests, http.StatusServiceUnavailable:
			return outRefused
		case http.StatusBadGateway, http.StatusGatewayTimeout:
			// A proxy could not get (or wait for) the server's answer: the
			// server may have acted on the request.
			return outLost
		}
		return outAnswered
	}
	if resp != nil && resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		return outSuccessCut
	}
	if wrote {
		return outLost
	}
	return outNotReached
}

// kindOf is the kind of a Client.Do request: reads, a DELETE of one object
// (not of a list URL), and requests the caller marked Idempotent are
// resent as the rule allows for them; any other write is an opWrite.
func kindOf(method string, listURL, idempotent bool) opKind {
	switch {
	case method == http.MethodGet || method == http.MethodHead || method == http.MethodOptions:
		return opRead
	case method == http.MethodDelete && !listURL:
		return opDelete
	case idempotent:
		return opRead
	}
	return opWrite
}

// checkRetry is go-retryablehttp's retry policy: it resends an attempt
// when decide allows it and the resend can succeed (ctx has not ended; the
// error is one that may pass, see transient). An answer that is not resent
// stands as it is, even when ctx ended right after it: a write the server
// answered with success is a success.
func (c *Client) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	st := stateOf(ctx)
	if st == nil {
		return false, nil
	}
	o := attemptOutcome(resp, err, st.wrote.Load())
	if o == outLost {
		st.lost = true
	}
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return false, ctxErr
		}
		if !transient(err) {
			return false, nil
		}
	}
	return decide(st.kind, o) == resend && ctx.Err() == nil, nil
}
