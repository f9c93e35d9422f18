#!/usr/bin/python3
"""Check the running reference server against the contract in README.md.

    internal/tastypieserver/server.sh start
    /usr/bin/python3 internal/tastypieserver/verify.py [http://127.0.0.1:8765]

Standard library only.  Resets the data (POST /_test/reset/) before the
checks that write, and once more at the end.  Prints one line per check and
"N passed, M failed"; exits 1 if anything failed.
"""
import base64
import http.client
import json
import os
import re
import sys
import urllib.parse
from datetime import datetime, timedelta, timezone

BASE = (sys.argv[1] if len(sys.argv) > 1 else os.environ.get("TSAPI_TEST_SERVER", "http://127.0.0.1:8765")).rstrip("/")
API = "/rundb/api/v1"
SEED = json.load(open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "testdata", "seed.json")))
USERS = {u["username"]: u for u in SEED["users"]}
CANNED = {"error_message": "Sorry, this request could not be processed. Please try again later."}
DT_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.000\d{3})?\+00:00$")

passed = failed = 0


class Resp:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def json(self):
        return json.loads(self.body)

    def header(self, name):
        return self.headers.get(name.lower())


def request(method, path, body=None, auth=("ionadmin", "ionadmin"), headers=None, ctype="application/json"):
    u = urllib.parse.urlsplit(BASE)
    conn = http.client.HTTPConnection(u.hostname, u.port or 80, timeout=60)
    h = dict(headers or {})
    if auth == "anon" or auth is None:
        pass
    elif isinstance(auth, tuple):
        h["Authorization"] = "Basic " + base64.b64encode(("%s:%s" % auth).encode()).decode()
    else:
        h["Authorization"] = auth
    data = None
    if body is not None:
        data = body if isinstance(body, (bytes, str)) else json.dumps(body)
        if isinstance(data, str):
            data = data.encode()
        if ctype:
            h["Content-Type"] = ctype
    conn.request(method, path if path.startswith("/_") or path.startswith(API) else API + path, body=data, headers=h)
    r = conn.getresponse()
    out = Resp(r.status, {k.lower(): v for k, v in r.getheaders()}, r.read().decode("utf-8", "replace"))
    conn.close()
    return out


def check(name, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
        print("ok   %s" % name)
    else:
        failed += 1
        print("FAIL %s %s" % (name, detail))


def reset():
    r = request("POST", "/_test/reset/", auth=None)
    assert r.status == 200, r.body


def near_now(s, slack=120):
    dt = datetime.fromisoformat(s)
    return abs(dt - datetime.now(timezone.utc)) < timedelta(seconds=slack)


def main():
    reset()

    # ---- listing and pagination
    r = request("GET", "/PluginResultJob/?limit=0&state__in=Completed,Timed%20Out,Queued,Started,Pending,Error,Declined,Unknown,Resource,Cancelled,Archived")
    d = r.json()
    check("limit=0 -> 1000 objects", r.status == 200 and len(d["objects"]) == 1000 and d["meta"]["limit"] == 1000, d["meta"])
    check("meta keys", set(d["meta"]) == {"limit", "offset", "total_count", "previous", "next"}, d["meta"])
    check("total_count 1500", d["meta"]["total_count"] == 1500)
    nxt = d["meta"]["next"]
    check("next is relative and repeats params", nxt.startswith(API + "/PluginResultJob/?") and "state__in=" in nxt
          and "limit=1000" in nxt and "offset=1000" in nxt, nxt)
    ids = [o["id"] for o in d["objects"]]
    check("newest first (-id)", ids == sorted(ids, reverse=True) and ids[0] == 1500, ids[:3])
    d2 = request("GET", nxt).json()
    check("second page 500, next null", len(d2["objects"]) == 500 and d2["meta"]["next"] is None
          and d2["meta"]["previous"] is not None, d2["meta"])
    d = request("GET", "/PluginResultJob/").json()
    check("default limit 20", d["meta"]["limit"] == 20 and len(d["objects"]) == 20)
    d = request("GET", "/PluginResultJob/?limit=5000").json()
    check("limit>1000 -> 1000", d["meta"]["limit"] == 1000 and len(d["objects"]) == 1000)
    d = request("GET", "/PluginResultJob/?plugin_result=5&limit=1").json()
    check("?plugin_result=5 ignored", d["meta"]["total_count"] == 1500)
    d = request("GET", "/PluginResultJob/?nosuchfilter=1&limit=1").json()
    check("unknown filter ignored", d["meta"]["total_count"] == 1500)
    n = sum(1 for j in SEED["jobs"] if j["state"] == "Timed Out")
    d = request("GET", "/PluginResultJob/?state=Timed%20Out&limit=1").json()
    check("state filter (space)", d["meta"]["total_count"] == n, (d["meta"], n))
    n = sum(1 for j in SEED["jobs"] if j["grid_engine_jobid"] is None)
    d = request("GET", "/PluginResultJob/?grid_engine_jobid__isnull=true&limit=1").json()
    check("isnull filter", d["meta"]["total_count"] == n)
    n = sum(1 for j in SEED["jobs"] if "omplete" in j["state"])
    a = request("GET", "/PluginResultJob/?state__contains=omplete&limit=1").json()["meta"]["total_count"]
    b = request("GET", "/PluginResultJob/?state__contains=OMPLETE&limit=1").json()["meta"]["total_count"]
    c = request("GET", "/PluginResultJob/?state__icontains=OMPLETE&limit=1").json()["meta"]["total_count"]
    check("contains is case-sensitive, icontains not (PostgreSQL)", (a, b, c) == (n, 0, n), (a, b, c, n))
    r = request("GET", "/PluginResultJob/?order_by=id")
    check("order_by -> 400", r.status == 400 and r.json() == {"error": "The 'id' field does not allow ordering."}, r.body)
    r = request("GET", "/PluginResultJob/?id=abc")
    check("bad filter value -> 400", r.status == 400 and r.json() == {"error": "Invalid resource lookup data provided (mismatched type)."}, r.body)
    r = request("GET", "/pluginresult/?state=Completed")
    check("non-filterable field -> 400", r.status == 400 and "does not allow filtering" in r.json()["error"], r.body)
    r = request("GET", "/PluginResultJob/?starttime__gt=garbage")
    check("bad datetime filter -> 500 canned", r.status == 500 and r.json() == CANNED, r.body)

    # ---- object shapes
    j = request("GET", "/PluginResultJob/4/").json()
    check("job keys", set(j) == {"id", "grid_engine_jobid", "state", "starttime", "endtime", "config", "run_level", "resource_uri"}, sorted(j))
    check("resource_uri", j["resource_uri"] == API + "/PluginResultJob/4/")
    all_jobs = request("GET", "/PluginResultJob/?limit=0").json()["objects"] + request("GET", "/PluginResultJob/?limit=0&offset=1000").json()["objects"]
    bad_dt = [o[k] for o in all_jobs for k in ("starttime", "endtime") if o[k] is not None and not DT_RE.match(o[k])]
    check("datetimes +00:00, ms in the microsecond field", not bad_dt, bad_dt[:3])
    check("config always an object", all(isinstance(o["config"], dict) for o in all_jobs))
    cfg = next(o["config"] for o in all_jobs if "ratio" in o["config"])
    check("non-integer numbers come back as strings", cfg["ratio"] == "1.0" and cfg["threshold"] == "0.5" and cfg["version"] == "1.0"
          and cfg["min_coverage"] == 20, cfg)
    seedjob = {x["id"]: x for x in SEED["jobs"]}[4]
    want_st = datetime.fromisoformat(seedjob["starttime"]) if seedjob["starttime"] else None
    got_st = datetime.fromisoformat(j["starttime"]) if j["starttime"] else None
    if want_st:
        want_st = want_st.replace(microsecond=want_st.microsecond // 1000)
    check("seed datetime printed TS-style", want_st == got_st, (seedjob["starttime"], j["starttime"]))

    s = request("GET", "/PluginResultJob/schema/").json()
    check("schema top-level keys", set(s) == {"fields", "default_format", "allowed_list_http_methods",
                                              "allowed_detail_http_methods", "default_limit", "filtering"}, sorted(s))
    check("schema field keys", all(set(f) == {"default", "type", "nullable", "blank", "readonly", "help_text", "unique"}
                                   for f in s["fields"].values()))
    check("schema config is string", s["fields"]["config"]["type"] == "string" and s["fields"]["config"]["default"] == "")
    check("schema filtering includes plugin_result", s["filtering"].get("plugin_result") == 2 and s["filtering"]["state"] == 2)
    check("no ordering in schema", "ordering" not in s)

    pr = request("GET", "/pluginresult/5/").json()
    check("pluginresult size/inodes are strings", isinstance(pr["size"], str) and isinstance(pr["inodes"], str), (pr["size"], pr["inodes"]))
    check("plugin_result_jobs embedded in full", pr["plugin_result_jobs"] and all(isinstance(x, dict) and "state" in x for x in pr["plugin_result_jobs"]))
    check("pluginresult uris", pr["result"].startswith(API + "/results/") and pr["plugin"].startswith(API + "/plugin/")
          and pr["owner"].startswith(API + "/user/"))
    d = request("GET", "/pluginresult/?plugin_result_jobs__state__in=Queued,Started&limit=0").json()
    check("pluginresult job-state filter", d["meta"]["total_count"] > 0 and all(
        any(x["state"] in ("Queued", "Started") for x in o["plugin_result_jobs"]) for o in d["objects"]))
    d = request("GET", "/pluginresult/?plugin__name=sampleID&limit=0").json()
    check("pluginresult plugin__name filter", d["objects"] and all(o["pluginName"] == "sampleID" for o in d["objects"]))
    d = request("GET", "/plugin/?limit=0").json()
    check("plugin list: active only", sorted(o["name"] for o in d["objects"]) == ["coverageAnalysis", "sampleID", "variantCaller"])
    check("inactive plugin detail 404", request("GET", "/plugin/4/").status == 404)

    # ---- writes
    reset()
    r = request("PATCH", "/PluginResultJob/7/", {"state": "Started"})
    check("PATCH -> 202 empty", r.status == 202 and r.body == "", (r.status, r.body))
    j = request("GET", "/PluginResultJob/7/").json()
    check("PATCH Started stamps starttime", j["state"] == "Started" and j["starttime"] and near_now(j["starttime"]), j)
    request("PATCH", "/PluginResultJob/7/", {"state": "Completed"})
    j = request("GET", "/PluginResultJob/7/").json()
    check("PATCH Completed stamps endtime", j["endtime"] and near_now(j["endtime"]), j)
    pr = request("GET", "/pluginresult/7/").json()
    check("terminal state zeroes pluginresult size/inodes", pr["size"] == "0" and pr["inodes"] == "0", (pr["size"], pr["inodes"]))
    r = request("POST", "/PluginResultJob/", {"state": "Queued", "run_level": "default", "plugin_result": API + "/pluginresult/5/"})
    check("POST -> 500 canned", r.status == 500 and r.json() == CANNED, r.body)
    r = request("PUT", "/PluginResultJob/8/", {"state": "Error", "run_level": "post", "config": {"x": 1}})
    check("PUT existing -> 204", r.status == 204 and r.body == "", r.status)
    r = request("DELETE", "/PluginResultJob/9/")
    check("DELETE -> 204", r.status == 204)
    r = request("GET", "/PluginResultJob/9/")
    check("missing detail -> 404 empty", r.status == 404 and r.body == "", (r.status, r.body))
    r = request("GET", "/PluginResultJob/abc/")
    check("non-numeric id -> 404 canned", r.status == 404 and r.json() == CANNED, r.body)
    d = request("GET", "/PluginResultJob/set/1;3;9/").json()
    check("set/1;3;9/", set(d) == {"objects", "not_found"} and [o["id"] for o in d["objects"]] == [1, 3] and d["not_found"] == ["9"], d.get("not_found"))
    r = request("PATCH", "/PluginResultJob/", {"objects": [{"resource_uri": API + "/PluginResultJob/10/", "state": "Cancelled"}],
                                               "deleted_objects": [API + "/PluginResultJob/12/"]})
    check("bulk PATCH -> 202", r.status == 202 and r.body == "", r.status)
    d = request("GET", "/PluginResultJob/set/10;12/").json()
    check("bulk PATCH applied", d["objects"][0]["state"] == "Cancelled" and d["not_found"] == ["12"], d)
    r = request("POST", "/PluginResultJob/13/", {})
    check("POST on detail -> 501", r.status == 501)
    r = request("PATCH", "/PluginResultJob/13/", '{"state": "Started"}', ctype="text/plain")
    check("text/plain body -> 500", r.status == 500 and r.json() == CANNED, r.status)
    r = request("PATCH", "/PluginResultJob/13/", '{"state":')
    check("malformed JSON -> 400 {error: ''}", r.status == 400 and r.json() == {"error": ""}, r.body)
    r = request("PATCH", "/pluginresult/3/", {"store": {"progress": 50, "f": 2.5}})
    pr = request("GET", "/pluginresult/3/").json()
    check("PATCH pluginresult store", r.status == 202 and pr["store"] == {"progress": 50, "f": "2.5"}, pr["store"])

    r = request("POST", "/pluginresult/", {"result": API + "/results/101/", "plugin": API + "/plugin/1/",
                                            "plugin_result_jobs": []})
    check("POST pluginresult -> 201, empty, absolute Location", r.status == 201 and r.body == ""
          and re.match(re.escape(BASE + API) + r"/pluginresult/\d+/$", r.header("Location") or ""), r.headers)

    # ---- launching a plugin
    before = request("GET", "/pluginresult/?limit=1").json()["meta"]["total_count"]
    r = request("POST", "/results/101/plugin/", {"plugin": ["sampleID"], "pluginconfig": {"mode": "manual"}})
    check("launch -> 202 empty", r.status == 202 and r.body == "", (r.status, r.body))
    d = request("GET", "/pluginresult/?limit=1").json()
    new = d["objects"][0]
    check("launch created a pluginresult", d["meta"]["total_count"] == before + 1 and new["pluginName"] == "sampleID"
          and new["apikey"] and new["state"] == "Queued", new.get("state"))
    check("launch created Queued jobs per run level", sorted(x["run_level"] for x in new["plugin_result_jobs"]) == ["default", "pre"]
          and all(x["state"] == "Queued" and x["config"] == {"mode": "manual"} for x in new["plugin_result_jobs"]))
    r = request("POST", "/results/101/plugin/", {"plugin": ["NoSuchPlugin"]})
    check("unknown plugin -> 410", r.status == 410 and r.body == "", r.status)
    r = request("POST", "/results/101/plugin/", {"plugin": "FileExporter"})
    check("inactive plugin -> 410", r.status == 410)
    r = request("POST", "/results/999/plugin/", {"plugin": "sampleID"})
    check("unknown result -> 404 canned", r.status == 404 and r.json() == CANNED)

    # ---- authentication / authorization
    reset()
    r = request("GET", "/PluginResultJob/?limit=1", auth=None)
    check("anonymous -> 401 + WWW-Authenticate", r.status == 401 and r.body == "" and r.header("WWW-Authenticate") == 'Basic Realm="Torrent Suite"', r.headers)
    r = request("GET", "/PluginResultJob/?limit=1", auth=("ionadmin", "wrong"))
    check("wrong password -> 401 + WWW-Authenticate", r.status == 401 and r.header("WWW-Authenticate"))
    r = request("GET", "/PluginResultJob/?limit=1", auth="ApiKey ionadmin:" + USERS["ionadmin"]["api_key"])
    check("ApiKey", r.status == 200)
    r = request("GET", "/PluginResultJob/?limit=1", auth="ApiKey ionadmin:nope")
    check("wrong ApiKey -> 401 + WWW-Authenticate", r.status == 401 and r.header("WWW-Authenticate"))
    prk = next(p for p in SEED["pluginresults"] if p["apikey"])
    r = request("PATCH", "/PluginResultJob/20/", {"state": "Started"}, auth="PluginKey %d:%s" % (prk["id"], prk["apikey"]))
    check("PluginKey write", r.status == 202, r.status)
    r = request("GET", "/PluginResultJob/?limit=1", auth="PluginKey %d:nope" % prk["id"])
    check("wrong PluginKey -> 401 + WWW-Authenticate", r.status == 401 and r.header("WWW-Authenticate"))
    r = request("GET", "/PluginResultJob/?limit=1", auth=("ionadmin", "ionadmin"))
    cookie = (r.header("Set-Cookie") or "").split(";")[0]
    check("Basic login sets a session cookie", cookie.startswith("sessionid="), r.headers)
    r = request("PATCH", "/PluginResultJob/21/", {"state": "Started"}, auth=None, headers={"Cookie": cookie})
    check("session cookie write", r.status == 202, r.status)
    r = request("PATCH", "/PluginResultJob/22/", {"state": "Started"}, auth=("ionuser", "ionuser"))
    check("ionuser (ionusers group) write", r.status == 202, r.status)
    r = request("GET", "/PluginResultJob/22/", auth=("ionreader", "ionreader"))
    check("read-only user GET", r.status == 200)
    r = request("PATCH", "/PluginResultJob/22/", {"state": "Error"}, auth=("ionreader", "ionreader"))
    check("read-only user write -> 401 without WWW-Authenticate", r.status == 401 and r.header("WWW-Authenticate") is None, r.headers)
    r = request("DELETE", "/PluginResultJob/?id=22", auth=("ionreader", "ionreader"))
    still = request("GET", "/PluginResultJob/22/").status
    check("read-only user DELETE on list -> 204, deletes nothing", r.status == 204 and still == 200, (r.status, still))

    # ---- URL handling
    r = request("GET", "/PluginResultJob")
    check("missing slash -> 301, absolute Location", r.status == 301
          and r.header("Location") == BASE + API + "/PluginResultJob/", r.header("Location"))
    r = request("GET", "/nosuch/")
    check("unknown resource -> HTML 404", r.status == 404 and "text/html" in r.header("Content-Type") and "<" in r.body)
    r = request("GET", "/pluginresultjob/")
    check("resource names are case-sensitive", r.status == 404)
    r = request("DELETE", "/user/1/")
    check("405 with Allow", r.status == 405 and r.header("Allow") == "GET", r.headers)

    reset()
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
