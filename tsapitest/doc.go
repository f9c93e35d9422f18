// Package tsapitest runs an in-process fake Torrent Server for tests: the
// part of the Torrent Suite REST API (django-tastypie under /rundb/api/v1/)
// that package tsapi covers, answering as a Torrent Server 5.18 (tastypie
// 0.11.1) does: the same status codes, headers and JSON values.
//
// Start one per test with New (closed when the test ends) or NewServer,
// seed it, and point a tsapi.Client at it:
//
//	srv := tsapitest.New(t)
//	id := srv.AddJob(tsapitest.Job{State: "Queued"})
//	client, _ := srv.AdminClient()
//	_, err := client.PluginResultJobs.SetState(ctx, id, tsapi.StateStarted)
//	job, _ := srv.Job(id) // job.StartTime was set by the server
//
// # What it serves
//
//   - PluginResultJob: list, detail, schema, set, PUT, PATCH, DELETE, bulk
//     PATCH, DELETE and PUT on the list URL, with tastypie's pagination (default
//     limit 20, max 1000, limit=0 is 1000, next/previous links), every
//     Django lookup on every field, unknown filter names ignored, order_by
//     refused, newest first. A write that changes the state sets starttime
//     (Started) or endtime (a terminal state). POST answers 500 as on a
//     real server, unless WithJobCreate.
//   - pluginresult: list, detail, schema, set with the jobs embedded,
//     filters through relations (plugin_result_jobs__state__in, which
//     repeats a plugin result once per matching job, plugin__name, result,
//     owner__username), order_by, PATCH (store, apikey, size, inodes,
//     validation_errors) and DELETE (with the jobs).
//   - plugin: list, detail, schema and set of the active plugins.
//   - POST results/<id>/plugin/ launches a plugin: a new plugin result with
//     an API key and one Queued job per run level; 410 for a plugin that
//     cannot run.
//   - The rest of tastypie's surface that clients meet: 301 to the URL with
//     a trailing slash, an HTML 404 for an unknown path (as under a wrong
//     base URL), 405 with Allow, OPTIONS, 501 for POST on a detail URL, 500
//     for a body that is not application/json, 400 {"error": ""} for
//     malformed JSON.
//
// Anything else answers 501 with a JSON error_message starting
// "tsapitest:" when the fake knows the name (results and user, writes on
// plugin and plugin results beyond the above), and an HTML 404 otherwise.
//
// # Authentication
//
// On by default, as on a Torrent Server: Basic (which also starts a session
// and sets a sessionid cookie), "Authorization: ApiKey user:key",
// "Authorization: PluginKey <pluginresult id>:<apikey>" (acting as
// ionuser), the session cookie, and the same keys as query parameters
// (username/api_key, pluginresult/api_key). Missing or wrong credentials get
// 401 with WWW-Authenticate and an empty body; a write by a read-only user
// gets 401 without WWW-Authenticate (and a DELETE on a list deletes nothing,
// silently). The accounts are ionadmin (superuser), ionuser (may write, as
// on a real server, where it is in the ionusers group) and ionreader (read
// only); see AdminUser and the other constants. WithoutAuth accepts every
// request as ionadmin.
//
// # Test hooks
//
// Seed with AddJob, AddPluginResult, AddPlugin, AddResult, AddAccount or
// LoadSeedFile (the repository's testdata/seed.json); read back with Job,
// Jobs, PluginResult and the like; change data behind the API's back with
// UpdateJob and DeleteJob. Requests lists every request received (method,
// path, query, headers, body, status). AddFault, FailNext and SetLatency
// make requests fail (a 503 maintenance page, tastypie's 500, 429 with
// Retry-After, ...), wait, or have their connection dropped mid-answer.
//
// # Differences from a real Torrent Server
//
// The fake agrees with the server on values, not on bytes: JSON objects
// come with their keys sorted, next and previous links with their
// parameters sorted, and a JSON column (config, store) keeps the text a
// client sent, numbers written as sent ("1.50" where the server, which
// stores Python floats, writes "1.5"; a column's non-integer numbers come
// back as strings on both). It is not PostgreSQL nor Python: regex lookups
// use Go's RE2; case folding is Unicode upper-casing; text comparisons (gt,
// lt on strings) are by bytes, not by the database's collation; a naive
// datetime is UTC (a real server takes its local zone); datetimes in bodies
// are parsed strictly (ISO 8601), not by dateutil's lenient parser; only
// JSON is served (no JSONP, no format negotiation, no
// X-HTTP-Method-Override); the query is split on "&" only (Python 2 also
// splits on ";"). Nothing exists on disk: files is always [], a job
// reaching a terminal state sets its plugin result's size and inodes to 0,
// and launched jobs stay Queued until a client changes them. The embedded
// jobs of a plugin result come by ascending id (no order on a real server).
package tsapitest
