// Package tsapi is a typed client for the REST API of the Ion Torrent
// Torrent Server (Torrent Suite), the django-tastypie API served under
// /rundb/api/v1/.
//
// Create a Client with New, naming the server and how to authenticate:
//
//	client, err := tsapi.New("https://ts.example.org",
//		tsapi.WithBasicAuth("ionadmin", os.Getenv("TS_PASSWORD")),
//		tsapi.WithCAFile("/etc/ssl/ts-ca.pem"))
//
// Each resource is a service on the Client (client.PluginResultJobs, ...)
// whose methods take a context first and return the decoded value, a
// *Response carrying the HTTP response (and, for lists, the tastypie Meta),
// and an error.
//
// # Errors
//
// Every failure the server reports is an *APIError. Use errors.Is with the
// sentinels (ErrNotFound, ErrUnauthorized, ErrForbidden, ErrBadRequest,
// ErrServer, ErrUnavailable, ...) to branch on the kind of failure, and
// errors.As to read the status, the tastypie message and the field errors.
// A 2xx answer that is not the JSON expected is a *DecodeError (ErrDecode).
// No error, log line or String form ever holds a credential.
//
// # Retries
//
// Requests that cannot write twice (GET, HEAD, PUT, DELETE and PATCH of a
// single object) are retried on transport errors and on 429, 502, 503 and 504,
// honouring Retry-After. POST and bulk PATCH are sent once unless the call is
// marked safe to repeat with WithIdempotent.
package tsapi
