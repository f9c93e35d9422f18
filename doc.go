// Package tsapi is a typed client for the REST API of the Ion Torrent
// Torrent Server (Torrent Suite), the django-tastypie API served under
// /rundb/api/v1/.
//
// Create a Client with New, naming the server and how to authenticate:
//
//	client, err := tsapi.New("https://ts.example.org",
//		tsapi.WithBasicAuth("ionadmin", os.Getenv("TSAPI_PASSWORD")))
//
// Each resource is a service on the Client (client.PluginResultJobs,
// client.PluginResults, client.Plugins, and the runs around them generated
// from their schemas: client.Results, client.Experiments,
// client.PlannedExperiments; see RunOfJob). The fields hold service
// interfaces, so a test can put its own implementation there. Their methods
// take a context first and return the decoded value, a *Response carrying
// the HTTP response (and, for lists, the tastypie Meta), and an error.
//
// # Types
//
// List options are pointers to each resource's own options type
// (*PluginResultJobListOptions, ...): filters the resource does not know are
// refused before anything is sent, because the server ignores them and
// then lists, or deletes, everything. Filters without a typed field go in
// ListOptions.Filters and are checked the same way. Writes take write
// types, never the read model: PluginResultJobWrite for a whole job
// (Create, Update), PluginResultJobPatch and PluginResultPatch for partial
// updates. A job read from the server converts to its write type with
// ToWrite, a plugin result to its full patch with ToPatch; written back
// unchanged they change no stored field.
//
// Times (Time) hold the real instant: the Torrent Server writes milliseconds
// into the microsecond digits, and Time undoes it on reading and sends the
// instant to the microsecond, which the server stores as it is.
//
// The generic core (ReadResource, PatchResource, Resource) behind the
// services reaches resources this package has no service for (NewResource);
// Client.Do sends any request, with the same filter checks on the list URLs
// of resources the Client knows.
//
// # Writes and lost answers
//
// (For contributors: the rule below is resendRule in policy.go, the one
// place every request path consults.)
//
// The server has no idempotency keys, so a write is resent only when
// repeating it can neither create twice nor undo what another client
// changed after the first attempt. Every request is resent when the
// attempt surely did not reach the server: no connection could be made,
// the request was not written, or the server answered 429 or 503 (which it
// does before doing anything; Retry-After is honoured). What happens when
// the answer to an attempt that reached the server is lost (the connection
// dropped or timed out once the request was written, a proxy answered 502
// or 504, ctx ended while waiting) depends on the operation:
//
//	operation                          after a lost answer              the caller is told
//	---------------------------------  -------------------------------  ------------------------------------------
//	read (List, Get, GetSet, Schema,   resent (also on 502, 504)        the answer, or the last error
//	  iteration, Count)
//	create (Create, CreateAndGet)      not resent                       *OutcomeUnknownError
//	update (Update: PUT)               not resent; the object is        success with Response.Verified when every
//	                                   re-read and compared             field holds what was sent, else
//	                                                                    *OutcomeUnknownError with Differs
//	detail patch (Patch)               as update                        as update
//	state change (SetState,            as update (starttime and         as update: a user's Cancel in between is
//	  PluginRuntime.ReportState)         endtime, which the server        reported, never turned back
//	                                     stamps, are not compared)
//	store (SetStore, Finish)           as update                        as update
//	bulk patch (BulkPatch)             not resent (tastypie creates     *OutcomeUnknownError
//	                                   an object whose URI is gone)
//	delete (Delete)                    resent                           success when a retry finds the object gone
//	                                                                    (404), with Response.Attempts
//	delete-matching                    not resent (it would delete      *OutcomeUnknownError
//	  (DeleteAllMatching,                what others created since)
//	  ReplaceAllMatching)
//	launch (Launch)                    not resent (it would run the     *OutcomeUnknownError
//	                                   plugin twice)
//	Client.Do                          reads and detail DELETE as       as those; Request.Idempotent makes a
//	                                   above; other writes not resent   write resent like a read
//
// An *OutcomeUnknownError matches ErrOutcomeUnknown and deliberately does
// not unwrap to its cause (a timeout, ctx's error, a 504), so code that
// retries on those does not resend the write by accident. A write the
// server answered with success is reported as a success, with its
// Response, even when ctx ends right after the answer, or when the answer's
// body breaks off after its success status.
//
// # Sessions
//
// With WithBasicAuth the server answers with a session cookie; from then on
// the Client sends the cookie alone (the Torrent Server checks the password
// again whenever an Authorization header arrives). A 401 to a request that
// carried the cookie alone is resent once with the credentials. Every
// Client keeps its own cookie jar, also when several share one
// *http.Client, so two Clients never act as each other.
//
// # Monitoring
//
// PluginResultJobServiceOp.Watch yields an event for each job that
// appears, changes state while running, or is deleted while running, from
// polls whose cost does not grow with the finished jobs; its cursor resumes
// a restarted program. WithRequestHook hears of every request (for metrics
// and tracing), and Client.Clone derives a Client for another account on
// the same connections.
//
// # Errors
//
// Every failure the server reports is an *APIError. Use errors.Is with the
// sentinels (ErrNotFound, ErrUnauthorized, ErrForbidden, ErrBadRequest,
// ErrServer, ErrUnavailable, ...) to branch on the kind of failure, and
// errors.As to read the status, the tastypie message and the field errors.
// A 2xx answer that is not the JSON expected is a *DecodeError (ErrDecode);
// a bad argument, found before anything is sent, a *InvalidArgumentError
// (ErrInvalidOption). An HTML 404 from a base URL under which no Torrent
// Server API answers (a wrong path prefix) is a *NoAPIError (ErrNoAPI), not
// ErrNotFound. No error, log line or printed value (%v, %+v, %#v,
// %s, log/slog) of this package's types holds a credential or a plugin
// key; *Response prints and logs without its body.
package tsapi
