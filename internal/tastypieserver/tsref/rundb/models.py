"""The subset of Torrent Suite's rundb models the REST API tests need.

Field names, types, nullability, defaults and the side effects in save() follow
TS 5.18 dbReports/iondb/rundb/models.py (Results, Plugin, PluginResult,
PluginResultJob).  Results and Plugin keep only the fields that matter here.
"""
import os
import re
import secrets

from django.contrib.auth.models import User
from django.db import DataError, models
from django.db.models import F
from django.db.models.signals import pre_save
from django.dispatch import receiver
from django.utils import timezone

from .jsonfield import JSONField

RUNNING_STATES = ["Pending", "Queued", "Started"]
COMPLETED_STATES = [
    "Completed",
    "Error",
    "Declined",
    "Unknown",
    "Resource",
    "Timed Out",
    "Cancelled",
    "Archived",
]

# Where reports live on a Torrent Server (ReportStorage "Home":
# dirPath /results/analysis/output, webServerPath /output).
REPORT_DIR_ROOT = "/results/analysis"
PLUGIN_OUTPUT_FOLDER = "plugin_out"


def get_ionuser():
    try:
        return User.objects.get(username="ionuser").pk
    except User.DoesNotExist:
        return User.objects.filter(is_superuser=True).order_by("id").values_list("pk", flat=True).first()


def _version_key(version):
    # Rough LooseVersion: numbers compare as numbers, other parts as text.
    return [(0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.findall(r"\d+|[A-Za-z]+", version or "")]


class Results(models.Model):
    resultsName = models.CharField(max_length=512)
    timeStamp = models.DateTimeField(auto_now_add=True, db_index=True)
    reportLink = models.CharField(max_length=512)  # web path, e.g. /output/Home/<name>_<id>/
    status = models.CharField(max_length=64)

    def get_report_dir(self):
        return os.path.join(REPORT_DIR_ROOT, self.reportLink.strip("/"))

    def getPluginState(self):
        return {p.plugin.name: p.state() for p in self.pluginresult_set.all().order_by("id").select_related("plugin")}

    def getPluginStore(self):
        return {p.plugin.name: p.store for p in self.pluginresult_set.all().order_by("id").select_related("plugin")}

    def __str__(self):
        return self.resultsName


class Plugin(models.Model):
    requires_configuration = models.BooleanField(default=False)
    defaultSelected = models.BooleanField(default=False)
    name = models.CharField(max_length=512, db_index=True)
    version = models.CharField(max_length=256)
    description = models.TextField(blank=True, default="")
    date = models.DateTimeField(auto_now_add=True)
    selected = models.BooleanField(default=False)
    path = models.CharField(max_length=512, blank=True, default="")
    majorBlock = models.BooleanField(default=False)
    config = JSONField(blank=True, null=True, default="")
    status = JSONField(blank=True, null=True, default="")
    active = models.BooleanField(default=True)
    url = models.URLField(max_length=256, blank=True, default="")
    pluginsettings = JSONField(blank=True, null=True, default="")
    userinputfields = JSONField(blank=True, null=True)
    script = models.CharField(max_length=256, blank=True, default="")
    packageName = models.CharField(max_length=256, blank=True, default="", db_column="packagename")

    class Meta:
        unique_together = (("name", "version"),)

    # Computed attributes exposed by TS's PluginResource.  They look for html
    # files in the plugin directory; nothing exists on this server, so False.
    @property
    def isConfig(self):
        return False

    @property
    def isPlanConfig(self):
        return False

    @property
    def hasAbout(self):
        return False

    @property
    def isInstance(self):
        return False

    @property
    def isSupported(self):
        return bool(self.packageName and self.packageName.startswith("ion-plugin"))

    @property
    def availableVersions(self):
        return []  # TS asks apt; nothing to ask here

    @property
    def isUpgradable(self):
        return False

    def versionedName(self):
        return "%s--v%s" % (self.name, self.version)

    def versionGreater(self, other):
        return _version_key(self.version) > _version_key(other.version)

    def __str__(self):
        return self.name


def generate_key():
    return secrets.token_hex(20)


class PluginResult(models.Model):
    plugin = models.ForeignKey(Plugin, on_delete=models.CASCADE)
    result = models.ForeignKey(Results, related_name="pluginresult_set", on_delete=models.CASCADE)
    store = JSONField(blank=True)
    apikey = models.CharField(max_length=256, blank=True, null=True)
    size = models.BigIntegerField(default=-1)
    inodes = models.BigIntegerField(default=-1)
    owner = models.ForeignKey(User, default=get_ionuser, on_delete=models.SET_DEFAULT)
    validation_errors = JSONField(blank=True)

    class Meta:
        ordering = ["-id"]

    # Computed values, as TS.  TS runs on PostgreSQL, where NULLs sort last
    # ascending and first descending; the explicit nulls_* below give SQLite
    # the same answers (ties broken by id, which PostgreSQL leaves open).
    def starttime(self):
        prj = self.plugin_result_jobs.order_by(F("starttime").asc(nulls_last=True), "id").first()
        return prj.starttime if prj else None

    def endtime(self):
        prj = self.plugin_result_jobs.order_by(F("endtime").desc(nulls_first=True), "-id").first()
        return prj.endtime if prj else None

    def state(self):
        if self.validation_errors.get("validation_errors", list()):
            return "Failed Validation"
        prj = self.plugin_result_jobs.order_by(F("starttime").desc(nulls_first=True), "-id").first()
        return prj.state if prj else "Unknown"

    def can_terminate(self):
        return any(j.can_terminate() for j in self.plugin_result_jobs.all())

    def path(self, create=False, fallback=True):
        return os.path.join(
            self.result.get_report_dir(), PLUGIN_OUTPUT_FOLDER, "%s_out.%d" % (self.plugin.name, self.pk)
        )

    def files(self):
        return []  # TS lists *.html/*.php in path(); no files exist here

    def url(self):
        return os.path.join(self.result.reportLink, PLUGIN_OUTPUT_FOLDER, os.path.basename(self.path()), "")

    def UpdateSizeAndINodeCount(self):
        # TS walks path(); it does not exist here, so 0 bytes in 0 files.
        self.size = 0
        self.inodes = 0
        self.save()
        return 0, 0

    def prepare(self):
        if self.apikey is None:
            self.apikey = generate_key()

    def __str__(self):
        return "%s/%s" % (self.result, self.plugin)


class PluginResultJob(models.Model):
    ALLOWED_STATES = (
        ("Completed", "Completed"),
        ("Error", "Error"),
        ("Started", "Started"),
        ("Declined", "Declined"),
        ("Unknown", "Unknown"),
        ("Queued", "Queued"),
        ("Pending", "Pending"),
        ("Resource", "Exceeded Resource Limits"),
        ("Timed Out", "Exceeded allowed Time"),
        ("Cancelled", "User Cancelled"),
        ("Archived", "Archived"),
    )
    RUN_LEVEL_CHOICES = (
        ("pre", "Pre"),
        ("default", "default"),
        ("block", "block"),
        ("post", "post"),
        ("separator", "separator"),
        ("last", "last"),
    )

    grid_engine_jobid = models.IntegerField(null=True, blank=True)
    run_level = models.CharField(null=False, max_length=20, blank=False, choices=RUN_LEVEL_CHOICES)
    starttime = models.DateTimeField(null=True, blank=True)
    endtime = models.DateTimeField(null=True, blank=True)
    config = JSONField(blank=True, default="")
    plugin_result = models.ForeignKey(PluginResult, related_name="plugin_result_jobs", on_delete=models.CASCADE)
    state = models.CharField(max_length=20, choices=ALLOWED_STATES)

    def can_terminate(self):
        return self.state in RUNNING_STATES

    def save(self, *args, **kwargs):
        """As TS: a state change stamps starttime (Started) or endtime (terminal)."""
        # .get() as in TS: saving a job whose id does not exist (PUT/POST with
        # an id) raises DoesNotExist, which tastypie answers with a 404.
        old = PluginResultJob.objects.get(pk=self.pk) if self.pk else None
        if old and old.state != self.state:
            if self.state == "Started":
                self.starttime = timezone.now()
            elif self.state in COMPLETED_STATES:
                self.endtime = timezone.now()
                # TS sets plugin_result.api_key (sic, not apikey): a no-op.
                self.plugin_result.UpdateSizeAndINodeCount()
        super().save(*args, **kwargs)


# The Torrent Server stores these in PostgreSQL, which rejects a string longer
# than its varchar(N) and an integer outside its column type; tastypie does
# not validate either, so such a write is a 500 there.  SQLite would store
# them silently: check here instead.
_INT_RANGES = {
    "IntegerField": (-2 ** 31, 2 ** 31 - 1),
    "BigIntegerField": (-2 ** 63, 2 ** 63 - 1),
    "AutoField": (-2 ** 31, 2 ** 31 - 1),
}


@receiver(pre_save)
def _postgres_limits(sender, instance, raw=False, **kwargs):
    if sender._meta.app_label != "rundb":
        return
    for f in sender._meta.concrete_fields:
        value = getattr(instance, f.attname, None)
        if value is None:
            continue
        if isinstance(f, models.CharField) and f.max_length and isinstance(value, str) \
                and len(value) > f.max_length:
            raise DataError("value too long for type character varying(%d)" % f.max_length)
        rng = _INT_RANGES.get(f.get_internal_type())
        if rng and isinstance(value, int) and not rng[0] <= value <= rng[1]:
            raise DataError("%s out of range" % f.get_internal_type())


# The runs around the jobs: Experiment, PlannedExperiment, the analysis
# settings and Results' other columns.
from .runs_models import *  # noqa: E402,F401,F403
