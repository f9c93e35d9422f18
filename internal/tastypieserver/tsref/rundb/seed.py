"""Load testdata/seed.json into the database, replacing everything.

Used by `manage.py loadseed` (server.sh start/reset) and POST /_test/reset/.
The whole load is one transaction, so concurrent readers see either the old or
the new data.  Ids come from the seed; SQLite's AUTOINCREMENT counters are
reset so the next created object gets max(seed id) + 1 every time.
"""
import hashlib
import json

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, Permission, User
from django.db import connection, transaction
from django.utils.dateparse import parse_datetime
from tastypie.models import ApiKey

from .models import Plugin, PluginResult, PluginResultJob, Results
from .runs_seed import delete_runs, load_runs, result_columns

WRITE_MODELS = ["results", "plugin", "pluginresult", "pluginresultjob"]


def _dt(value):
    if value is None:
        return None
    dt = parse_datetime(value)
    if dt is None:
        raise ValueError("bad datetime in seed: %r" % value)
    return dt


def load(path):
    with open(path) as f:
        seed = json.load(f)
    with transaction.atomic():
        counts = _load(seed)
    return counts


def _load(seed):
    delete_runs()
    PluginResultJob.objects.all().delete()
    PluginResult.objects.all().delete()
    Results.objects.all().delete()
    Plugin.objects.all().delete()
    ApiKey.objects.all().delete()
    User.objects.all().delete()
    Group.objects.all().delete()
    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            cur.execute(
                "DELETE FROM sqlite_sequence WHERE name IN (%s)"
                % ",".join("'%s'" % t for t in [
                    PluginResultJob._meta.db_table, PluginResult._meta.db_table, Results._meta.db_table,
                    Plugin._meta.db_table, User._meta.db_table, ApiKey._meta.db_table, Group._meta.db_table,
                ])
            )

    # The writer group: TS's "ionusers" group holds add/change/delete on
    # every rundb model (fixtures/ionusers_group.json).
    writers = Group.objects.create(name="ionusers")
    perms = Permission.objects.filter(
        content_type__app_label="rundb",
        content_type__model__in=WRITE_MODELS,
    )
    writers.permissions.set(perms)

    users = {}
    for i, u in enumerate(seed["users"], start=1):
        user = User(
            id=u.get("id", i),
            username=u["username"],
            email=u.get("email", "%s@iontorrent.com" % u["username"]),
            is_superuser=bool(u.get("superuser")),
            is_staff=bool(u.get("superuser")),
            is_active=u.get("active", True),
            date_joined=_dt(u.get("date_joined", "2017-01-01T00:00:00+00:00")),
            # Fixed salt, long enough that Django never re-hashes it on login:
            # the hash (and so existing sessions) survive a reset.
            password=make_password(u["password"], salt=hashlib.sha256(u["username"].encode()).hexdigest()[:24]),
        )
        user.save()
        if not u.get("superuser") and not u.get("readonly"):
            user.groups.add(writers)
        if u.get("api_key"):
            ApiKey.objects.create(user=user, key=u["api_key"])
        users[u["username"]] = user

    for p in seed["plugins"]:
        plugin = Plugin.objects.create(
            id=p["id"],
            name=p["name"],
            version=p["version"],
            active=p.get("active", True),
            selected=p.get("selected", p.get("active", True)),
            description=p.get("description", ""),
            path=p.get("path", ""),
            majorBlock=p.get("majorBlock", False),
            requires_configuration=p.get("requires_configuration", False),
            defaultSelected=p.get("defaultSelected", False),
            config=p.get("config") or "",
            status=p.get("status") or "",
            pluginsettings=p.get("pluginsettings") or "",
            userinputfields=p.get("userinputfields") or "",
            url=p.get("url", ""),
            script=p.get("script", ""),
            packageName=p.get("packageName", ""),
        )
        if p.get("date"):
            Plugin.objects.filter(pk=plugin.pk).update(date=_dt(p["date"]))

    load_runs(seed)
    for r in seed["results"]:
        res = Results.objects.create(
            **result_columns(r),
            id=r["id"],
            resultsName=r["resultsName"],
            reportLink=r.get("reportLink") or "/output/Home/%s_%03d/" % (r["resultsName"], r["id"]),
            status=r.get("status", "Completed"),
        )
        if r.get("timeStamp"):
            Results.objects.filter(pk=res.pk).update(timeStamp=_dt(r["timeStamp"]))

    PluginResult.objects.bulk_create([
        PluginResult(
            id=pr["id"],
            result_id=pr["result"],
            plugin_id=pr["plugin"],
            apikey=pr.get("apikey"),
            store=pr.get("store") or "",
            size=int(pr.get("size", -1)),
            inodes=int(pr.get("inodes", -1)),
            owner=users[pr.get("owner", "ionadmin")],
            validation_errors=pr.get("validation_errors") or "",
        )
        for pr in seed["pluginresults"]
    ])

    # bulk_create: no save() side effects (starttime/endtime stamping).
    PluginResultJob.objects.bulk_create([
        PluginResultJob(
            id=j["id"],
            plugin_result_id=j["plugin_result"],
            grid_engine_jobid=j.get("grid_engine_jobid"),
            state=j["state"],
            starttime=_dt(j.get("starttime")),
            endtime=_dt(j.get("endtime")),
            config=j.get("config") or "",
            run_level=j["run_level"],
        )
        for j in seed["jobs"]
    ], batch_size=500)

    return {
        "users": User.objects.count(),
        "plugins": Plugin.objects.count(),
        "results": Results.objects.count(),
        "pluginresults": PluginResult.objects.count(),
        "jobs": PluginResultJob.objects.count(),
    }
