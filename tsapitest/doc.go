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
//   - PluginResultJob: list, detail, schema, set, PUT, PATCH, DELETE, and
//     PATCH, DELETE and PUT on the list URL, with tastypie's pagination
//     (limit 20 by default, at most 1000), every Django lookup, unknown
//     filters ignored, newest first. A write that changes the state sets
//     starttime (Started) or endtime (a terminal state). POST answers 500
//     as on a real server, unless WithJobCreate.
//   - pluginresult: list, detail, schema and set with the jobs embedded,
//     filters through relations (plugin_result_jobs__state__in repeats a
//     plugin result once per matching job), order_by, PATCH and DELETE
//     (with the jobs).
//   - plugin: list, detail, schema and set of the active plugins.
//   - results, experiment and plannedexperiment (the analysis results, the
//     runs and their plans): list, detail, schema, set, filters, PATCH (the
//     object in the answer for experiment and plannedexperiment) and
//     DELETE, with the fields Torrent Suite 5.18 computes (see runs.go;
//     AddExperiment, AddPlan, AddAnalysisSettings, SetResultFields).
//   - POST results/<id>/plugin/ launches a plugin: a new plugin result with
//     an API key and one Queued job per run level.
//   - tastypie's answers around them: 301 to the URL with a trailing slash,
//     an HTML 404 for an unknown path (as under a wrong base URL), 405 with
//     Allow, 400 for malformed JSON, 500 for a body that is not JSON.
//
// Anything else answers 501 with an error_message starting "tsapitest:"
// when the fake knows the resource, and an HTML 404 otherwise.
//
// # Authentication
//
// As on a Torrent Server: Basic (which also starts a session), "ApiKey
// user:key", "PluginKey <pluginresult id>:<apikey>" (acting as ionuser),
// the sessionid cookie, and the same keys as query parameters. Missing or
// wrong credentials get 401 with WWW-Authenticate; a write by a read-only
// user gets 401 without it (and a DELETE on a list deletes nothing,
// silently). See AdminUser for the accounts; WithoutAuth accepts every
// request as ionadmin.
//
// # Test hooks
//
// Seed with the Add methods or LoadSeedFile, read back with Job, Jobs,
// PluginResult and the like, change data behind the API's back with
// UpdateJob and DeleteJob, and assert on Requests. AddFault, FailNext and
// SetLatency make requests fail as a Torrent Server does (a 503
// maintenance page, tastypie's 500, 429 with Retry-After, ...), wait, or
// have their connection dropped mid-answer.
//
// # Differences from a real Torrent Server
//
// The fake agrees with the server on values, not bytes: JSON keys and the
// parameters of next and previous come sorted, and a JSON column (config,
// store) keeps the text a client sent ("1.50" where the server writes
// "1.5"; non-integer numbers come back as strings on both). Regex lookups
// use Go's RE2, case folding is Unicode upper-casing, text comparisons are
// by bytes, a naive datetime is UTC, datetimes in bodies must be ISO 8601,
// only JSON is served (no JSONP, format negotiation or
// X-HTTP-Method-Override), and the query is split on "&" only. Nothing is
// on disk: files is always [], a job reaching a terminal state sets its
// plugin result's size and inodes to 0, and launched jobs stay Queued. A
// plugin result's jobs come by ascending id.
package tsapitest
