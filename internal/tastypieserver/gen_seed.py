#!/usr/bin/python3
"""Write testdata/seed.json, the fixture shared by the reference tastypie server
and the Go in-process fake.  Deterministic: same output on every run.

    /usr/bin/python3 internal/tastypieserver/gen_seed.py [OUTPUT]

Shape (every key always present unless marked optional):

  users:         [{id, username, password, api_key, superuser, readonly}]
                 superuser: may do anything.  readonly: may only read (writes
                 -> 401 without WWW-Authenticate).  Neither: member of the
                 "ionusers" group (add/change/delete on results, plugin,
                 pluginresult, PluginResultJob), like the real ionuser.
  plugins:       [{id, name, version, active, selected, description, path, date,
                   majorBlock, config, pluginsettings, packageName, script, url,
                   status, userinputfields, requires_configuration,
                   defaultSelected}]
                 pluginsettings.runlevels = run levels a launch creates jobs for.
  results:       [{id, resultsName, reportLink, status, timeStamp}]
  pluginresults: [{id, result, plugin, owner, apikey (string|null), store,
                   size (string), inodes (string), validation_errors}]
                 result/plugin are ids, owner a username.
  jobs:          [{id, plugin_result, grid_engine_jobid (int|null), state,
                   starttime (ISO|null), endtime (ISO|null), config, run_level}]

Datetimes are UTC with an explicit "+00:00" and real microseconds; the server
prints them the Torrent Server way (see README.md).
"""
import hashlib
import json
import os
import random
import sys
from datetime import datetime, timedelta, timezone

from seed_runs import add_runs

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.join(os.path.dirname(os.path.dirname(HERE)), "testdata", "seed.json")

STATES = ["Completed", "Error", "Started", "Declined", "Unknown", "Queued", "Pending",
          "Resource", "Timed Out", "Cancelled", "Archived"]
RUNNING = {"Pending", "Queued", "Started"}
RUN_LEVELS = ["pre", "default", "block", "post", "separator", "last"]

# TSAPI_SEED_JOBS makes a larger seed for benchmarks (bench/run.sh); the
# committed testdata/seed.json has the default.
N_JOBS = int(os.environ.get("TSAPI_SEED_JOBS", "1500"))
N_PLUGINRESULTS = 30
RESULT_IDS = [101, 102, 103]
BASE_TIME = datetime(2017, 8, 9, 20, 26, 3, 549123, tzinfo=timezone.utc)


def key(label, n=24):
    return "tsapi-seed-%s-%s" % (label, hashlib.sha1(label.encode()).hexdigest()[:n])


def iso(dt):
    return None if dt is None else dt.isoformat()


USERS = [
    {"id": 1, "username": "ionadmin", "password": "ionadmin", "api_key": key("ionadmin"),
     "superuser": True, "readonly": False},
    {"id": 2, "username": "ionuser", "password": "ionuser", "api_key": key("ionuser"),
     "superuser": False, "readonly": False},
    {"id": 3, "username": "ionreader", "password": "ionreader", "api_key": key("ionreader"),
     "superuser": False, "readonly": True},
]


def plugin(pid, name, version, active, runlevels, config, major=False, description=""):
    return {
        "id": pid, "name": name, "version": version, "active": active, "selected": active,
        "description": description,
        "path": "/results/plugins/%s" % name,
        "date": iso(BASE_TIME.replace(microsecond=0) - timedelta(days=400 - pid)),
        "majorBlock": major,
        "config": config,
        "pluginsettings": {"runlevels": runlevels, "runtypes": ["composite", "wholechip", "thumbnail"],
                           "features": [], "depends": []},
        "packageName": "ion-plugin-%s" % name.lower(),
        "script": "%s.py" % name,
        "url": "",
        "status": {},
        "userinputfields": {},
        "requires_configuration": False,
        "defaultSelected": False,
    }


PLUGINS = [
    plugin(1, "variantCaller", "5.18.0.1", True, ["default"],
           {"library_type": "AmpliSeq", "meta": {"configuration": "germline_low_stringency"}},
           major=True, description="Torrent Variant Caller"),
    plugin(2, "coverageAnalysis", "5.18.0.3", True, ["default"], {}, major=True,
           description="Genome and targeted re-sequencing coverage analysis."),
    plugin(3, "sampleID", "5.18.0.0", True, ["pre", "default"], {},
           description="Sample identification (two run levels: a launch creates two jobs)."),
    plugin(4, "FileExporter", "5.12.0.0", False, ["default"], {"compressedType": "zip"},
           description="Inactive: invisible to the plugin API and cannot be launched."),
]

RESULTS = [
    {"id": rid, "resultsName": "Auto_user_S5-%04d-tsapi_%d" % (rid, rid),
     "reportLink": "/output/Home/Auto_user_S5-%04d-tsapi_%d_%03d/" % (rid, rid, rid),
     "status": "Completed",
     "timeStamp": iso(BASE_TIME.replace(microsecond=0) - timedelta(days=10 - i))}
    for i, rid in enumerate(RESULT_IDS)
]

# Job configurations: nested objects, lists, numbers (1.0 and 0.5 come back
# from the server as the strings "1.0" and "0.5"), a secret, a string "1.0",
# unicode, null and booleans, and the empty object.
CONFIGS = [
    {},
    {"compressedType": "zip", "bamCreate": "on", "xlsCreate": "off", "zipFASTQ": "off",
     "vcfCreate": "on", "zipXLS": "off", "delimiter_select": ".", "zipVCF": "on", "zipBAM": "on",
     "fastqCreate": "off",
     "select_dialog": ["run_name", "samplename", "instrument", "", "", "", ""]},
    {"iru_server": {"host": "ir.example.invalid", "port": 443, "secure": True},
     "userconfigs": {"ionadmin": [{"name": "IR account", "username": "iru-user",
                                   "password": "s3cr3t-IRU-passw0rd", "token": None}]},
     "password": "hunter2-plugin-secret"},
    {"version": "1.0", "ratio": 1.0, "threshold": 0.5, "min_coverage": 20, "max_reads": 12345678901,
     "negative": -3, "enabled": False, "note": None},
    {"barcodes": ["IonXpress_001", "IonXpress_002", "IonXpress_003"],
     "targets": [{"name": "AMPL1", "start": 100, "end": 250}, {"name": "AMPL2", "start": 900, "end": 1020}],
     "launch_mode": "Manual"},
    {"meta": {"configuration": "germline_low_stringency", "ts_version": "5.18",
              "tvc": {"args": ["--num-threads", "8"], "weights": [0.25, 0.75]}},
     "librarytype": "AMPS", "sample": "Ωmega-üñïçødé"},
    {"blockId": "X0_Y0", "blocks": 96, "empty_list": [], "empty_object": {}},
]


def micro(i, rng):
    # Cover: no fraction, under one millisecond, and ordinary values.
    if i % 5 == 0:
        return 0
    if i % 5 == 1:
        return 500
    return rng.randrange(1000, 1000000)


def main(out):
    rng = random.Random(20170809)

    pluginresults = []
    plugin_cycle = [1, 2, 3]
    for prid in range(1, N_PLUGINRESULTS + 1):
        rid = RESULT_IDS[(prid - 1) * len(RESULT_IDS) // N_PLUGINRESULTS]
        pid = 4 if prid in (9, 27) else plugin_cycle[prid % 3]
        size = rng.choice([-1, 0, 4096, 1048576, 73400320, 5368709120 + prid])
        inodes = -1 if size == -1 else (0 if size == 0 else rng.randrange(1, 5000))
        store = rng.choice([
            {},
            {"barcodes": {"IonXpress_001": {"meanDepth": 1234.5, "onTarget": "97.2%"}},
             "summary": "all good", "passed": True},
            {"Aligned Reads": 10234567, "Mean Depth": 812, "Uniformity": 0.9512},
            {"files": ["a.vcf", "b.bam"], "nested": {"deeper": {"level": 3}}},
        ])
        pluginresults.append({
            "id": prid,
            "result": rid,
            "plugin": pid,
            "owner": "ionuser" if prid % 4 == 0 else "ionadmin",
            "apikey": None if prid % 6 == 0 else key("pluginresult-%d" % prid),
            "store": store,
            "size": str(size),
            "inodes": str(inodes),
            "validation_errors": ({"validation_errors": ["Missing required field 'reference'"]}
                                  if prid == 13 else {}),
        })

    jobs = []
    for jid in range(1, N_JOBS + 1):
        prid = jid if jid <= N_PLUGINRESULTS else rng.randrange(1, N_PLUGINRESULTS + 1)
        if jid <= 2 * len(STATES):
            state = STATES[(jid - 1) % len(STATES)]
        else:
            state = rng.choices(STATES, weights=[40, 8, 3, 3, 3, 3, 3, 2, 2, 4, 3])[0]
        if jid <= 2 * len(RUN_LEVELS):
            run_level = RUN_LEVELS[(jid - 1) % len(RUN_LEVELS)]
        else:
            run_level = rng.choices(RUN_LEVELS, weights=[5, 60, 15, 10, 3, 7])[0]

        start = BASE_TIME + timedelta(minutes=7 * jid)
        start = start.replace(microsecond=micro(jid, rng))
        end = start + timedelta(seconds=rng.randrange(5, 20000), microseconds=micro(jid + 2, rng))
        end = end.replace(microsecond=micro(jid + 3, rng))

        if state == "Pending":
            gej, st, en = None, None, None
        elif state == "Queued":
            gej, st, en = 20000 + jid, None, None
        elif state == "Started":
            gej, st, en = 20000 + jid, start, None
        else:  # terminal
            r = jid % 10
            gej = None if r == 3 else (20000 + jid if r == 7 else -1)
            st = None if (state == "Declined" or (state == "Unknown" and jid % 2 == 0)) else start
            en = None if (st is None or (state == "Archived" and jid % 2 == 1)) else end

        config = CONFIGS[(jid - 1) % len(CONFIGS)] if jid <= 3 * len(CONFIGS) else rng.choice(CONFIGS)
        jobs.append({
            "id": jid,
            "plugin_result": prid,
            "grid_engine_jobid": gej,
            "state": state,
            "starttime": iso(st),
            "endtime": iso(en),
            "config": config,
            "run_level": run_level,
        })

    seed = {
        "_comment": "Generated by internal/tastypieserver/gen_seed.py; do not edit by hand. "
                    "Shape and meaning: internal/tastypieserver/README.md.",
        "users": USERS,
        "plugins": PLUGINS,
        "results": RESULTS,
        "pluginresults": pluginresults,
        "jobs": jobs,
    }
    add_runs(seed)  # the experiments, plans and analysis settings (seed_runs.py)
    check(seed)
    write(seed, out)


def check(seed):
    states = {j["state"] for j in seed["jobs"]}
    levels = {j["run_level"] for j in seed["jobs"]}
    assert states == set(STATES), states
    assert levels == set(RUN_LEVELS), levels
    assert len(seed["jobs"]) == N_JOBS
    assert {j["plugin_result"] for j in seed["jobs"]} == {p["id"] for p in seed["pluginresults"]}
    assert any(j["grid_engine_jobid"] is None for j in seed["jobs"])
    assert any(j["grid_engine_jobid"] == -1 for j in seed["jobs"])
    assert any(j["starttime"] is None for j in seed["jobs"])
    assert any(j["endtime"] is None and j["state"] not in RUNNING for j in seed["jobs"])
    assert any(j["config"] == {} for j in seed["jobs"])


def write(seed, out):
    """One array element per line: small diffs, still plain JSON."""
    parts = ["{\n"]
    keys = list(seed.keys())
    for n, k in enumerate(keys):
        v = seed[k]
        sep = ",\n" if n < len(keys) - 1 else "\n"
        if isinstance(v, list):
            parts.append(' %s: [\n' % json.dumps(k))
            parts.append(",\n".join("  " + json.dumps(e, ensure_ascii=False, sort_keys=False) for e in v))
            parts.append("\n ]" + sep)
        else:
            parts.append(" %s: %s%s" % (json.dumps(k), json.dumps(v, ensure_ascii=False), sep))
    parts.append("}\n")
    text = "".join(parts)
    json.loads(text)  # sanity
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    with open(out, "w", encoding="utf-8") as f:
        f.write(text)
    print("wrote %s (%d jobs, %d bytes)" % (out, len(seed["jobs"]), len(text.encode())))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else DEFAULT_OUT)
