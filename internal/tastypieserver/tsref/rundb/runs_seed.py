"""Loading the seed's runs (testdata/seed.json: reportstorages, experiments,
analysissettings, plans, and the results' other columns; see
internal/tastypieserver/seed_runs.py).  seed.py calls delete_runs() first,
load_runs(seed) before it creates the results, and result_columns(r) for each
result."""
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.utils.dateparse import parse_datetime

from . import runs_models as rm

# The tables in deletion order.
TABLES = [rm.PlannedExperimentQC, rm.Sample, rm.Backup, rm.ExperimentAnalysisSettings, rm.Experiment, rm.PlannedExperiment,
          rm.ReportStorage, rm.TFMetrics, rm.AnalysisMetrics, rm.LibMetrics, rm.QualityMetrics, rm.DMFileStat,
          rm.SupportUpload, rm.Project, rm.QCType, rm.SampleSet, rm.SampleGroupType_CV, rm.ApplicationGroup]

# ionusers may change these too (TS's group holds every rundb model).
WRITE_MODELS = ["experiment", "plannedexperiment", "experimentanalysissettings"]


def _dt(value):
    return None if value is None else parse_datetime(value)


def _columns(model, record, fks):
    """The record's values by model column: datetimes parsed, foreign keys
    (named in fks) as <name>_id."""
    out = {}
    for f in model._meta.concrete_fields:
        if f.name not in record or f.primary_key:
            continue
        v = record[f.name]
        if f.name in fks:
            out[f.name + "_id"] = v
        elif f.get_internal_type() == "DateTimeField":
            out[f.name] = _dt(v)
        else:
            out[f.name] = v if v is not None or f.null else ""
    return out


def delete_runs():
    for model in TABLES:
        model.objects.all().delete()
    if connection.vendor == "sqlite":
        with connection.cursor() as cur:
            cur.execute("DELETE FROM sqlite_sequence WHERE name IN (%s)" % ",".join("'%s'" % m._meta.db_table for m in TABLES))


def load_runs(seed):
    for st in seed.get("reportstorages", []):
        rm.ReportStorage.objects.create(**st)
    for p in seed.get("plans", []):
        rec = {k: v for k, v in p.items() if k != "latestEAS"}  # set once the settings exist
        plan = rm.PlannedExperiment(id=p["id"], **_columns(rm.PlannedExperiment, rec,
                                                            {"parentPlan", "applicationGroup", "sampleGrouping"}))
        plan.save()
    for e in seed.get("experiments", []):
        exp = rm.Experiment(id=e["id"], **_columns(rm.Experiment, e, {"plan", "repResult"}))
        exp.save()
        rm.Experiment.objects.filter(pk=exp.pk).update(resultDate=_dt(e.get("resultDate")))  # auto_now_add
    for s in seed.get("analysissettings", []):
        rm.ExperimentAnalysisSettings(id=s["id"], **_columns(rm.ExperimentAnalysisSettings, s, {"experiment"})).save()
    for p in seed.get("plans", []):
        if p.get("latestEAS"):
            rm.PlannedExperiment.objects.filter(pk=p["id"]).update(latestEAS_id=p["latestEAS"])
    writers = Group.objects.filter(name="ionusers").first()
    if writers:
        writers.permissions.add(*Permission.objects.filter(content_type__app_label="rundb", content_type__model__in=WRITE_MODELS))


def result_columns(r):
    """The columns of seed result r beyond the four seed.py sets."""
    from .models import Results

    rec = {k: v for k, v in r.items() if k not in ("id", "resultsName", "reportLink", "status", "timeStamp")}
    return _columns(Results, rec, {"experiment", "eas", "reportstorage", "parentResult"})
