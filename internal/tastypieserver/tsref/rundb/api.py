"""The REST resources, declared as TS 5.18 dbReports/iondb/rundb/api.py does.

Resource names, declared fields, Meta options (filtering/ordering built from
every model field name, queryset, allowed methods), hydrate hooks and the
plugin-launch endpoint follow TS; only the parts that need the rest of a
Torrent Server (files on disk, grid engine, apt) are reduced.
"""
import logging

from django.conf.urls import url
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Max
from tastypie import fields
from tastypie.api import Api
from tastypie.constants import ALL_WITH_RELATIONS
from tastypie.http import HttpAccepted, HttpBadRequest, HttpGone
from tastypie.utils import dict_strip_unicode_keys, trailing_slash

from . import models
from .authn import IonAuthentication
from .tastypie011 import TSDjangoAuthorization, TSModelResource, TSSerializer

logger = logging.getLogger("tsref.api")


def field_dict(field_list):
    """TS api_custom.field_dict: every name -> ALL_WITH_RELATIONS (2)."""
    return dict.fromkeys(field_list, ALL_WITH_RELATIONS)


def all_field_names(model):
    """Django 1.x Model._meta.get_all_field_names(): fields, FKs and reverse
    relations by name."""
    return sorted({f.name for f in model._meta.get_fields()})


class TSMeta:
    # What TS's MyModelDeclarativeMetaclass fills in when a Meta omits it.
    serializer = TSSerializer()
    default_format = "application/json"
    authentication = IonAuthentication()
    authorization = TSDjangoAuthorization()


class UserResource(TSModelResource):
    full_name = fields.CharField()

    def dehydrate(self, bundle):
        bundle.data["full_name"] = bundle.obj.get_full_name()
        return bundle

    class Meta(TSMeta):
        queryset = User.objects.all()
        resource_name = "user"
        excludes = ["password", "is_staff", "is_superuser"]
        allowed_methods = ["get"]
        ordering = all_field_names(User)
        filtering = field_dict(all_field_names(User))


class PluginResource(TSModelResource):
    """Get a list of plugins (TS: the API only sees active plugins)."""

    isConfig = fields.BooleanField(readonly=True, attribute="isConfig")
    isPlanConfig = fields.BooleanField(readonly=True, attribute="isPlanConfig")
    isInstance = fields.BooleanField(readonly=True, attribute="isInstance")
    input = fields.CharField(readonly=True, attribute="isInstance")
    hasAbout = fields.BooleanField(readonly=True, attribute="hasAbout")
    versionedName = fields.CharField(readonly=True, attribute="versionedName")
    isSupported = fields.BooleanField(readonly=True, attribute="isSupported")
    availableVersions = fields.ListField(readonly=True, attribute="availableVersions", default=list())
    isUpgradable = fields.BooleanField(readonly=True, attribute="isUpgradable", default=False)

    class Meta(TSMeta):
        queryset = models.Plugin.objects.filter(active=True)
        ordering = all_field_names(models.Plugin)
        filtering = field_dict(all_field_names(models.Plugin) + ["isConfig"])


class ResultsResource(TSModelResource):
    pluginresults = fields.ToManyField(
        "tsref.rundb.api.PluginResultResource", "pluginresult_set", related_name="result", full=False
    )
    pluginState = fields.DictField(readonly=True, use_in="detail")
    pluginStore = fields.DictField(readonly=True, use_in="detail")

    def prepend_urls(self):
        return [
            url(
                r"^(?P<resource_name>%s)/(?P<pk>\w[\w/-]*)/plugin%s$" % (self._meta.resource_name, trailing_slash),
                self.wrap_view("dispatch_plugin"),
                name="api_dispatch_plugin",
            ),
        ]

    @staticmethod
    def _to_boolean(value):
        return str(value).strip().lower() in ("1", "true", "yes", "on", "y", "t")

    def dehydrate(self, bundle):
        if self._to_boolean(bundle.request.GET.get("plugin")):
            bundle.data["pluginState"] = self.dehydrate_pluginState(bundle)
            bundle.data["pluginStore"] = self.dehydrate_pluginStore(bundle)
        return bundle

    def dehydrate_pluginState(self, bundle):
        return {} if self._to_boolean(bundle.request.GET.get("noplugin")) else bundle.obj.getPluginState()

    def dehydrate_pluginStore(self, bundle):
        return {} if self._to_boolean(bundle.request.GET.get("noplugin")) else bundle.obj.getPluginStore()

    def alter_detail_data_to_serialize(self, request, bundle):
        if request.GET.get("noplugin", False):
            bundle.data.pop("pluginStore", None)
            bundle.data.pop("pluginState", None)
        return bundle

    def dispatch_plugin(self, request, **kwargs):
        return self.dispatch("plugin", request, **kwargs)

    def get_plugin(self, request, **kwargs):
        """Deprecated in TS: plugin states by name plus the html files in
        plugin_out (none here)."""
        bundle = self.build_bundle(request=request)
        result = self.cached_obj_get(bundle, **self.remove_api_resource_names(kwargs))
        return self.create_response(request, {"pluginState": result.getPluginState(), "pluginFiles": {}})

    def put_plugin(self, request, **kwargs):
        # TS: deprecated, always 400 with an empty body.
        self.deserialize(request, request.body, format=request.META.get("CONTENT_TYPE", "application/json"))
        return HttpBadRequest()

    def post_plugin(self, request, **kwargs):
        """Launch a plugin on this result, as TS ResultsResource.post_plugin.

        Body: {"plugin": <name> | [<name>, ...] | <plugin id> | {<Plugin
        field lookups>}, "pluginconfig": {...}, "owner"/"username": <user>
        (superusers only), "pluginresult": <id to re-use>}.  Only active and
        selected plugins can run; by name, the highest version wins.
        202 with an empty body, or 410 (empty) when "plugin" is missing or
        matches no runnable plugin.  TS hands the launch to its ionPlugin
        daemon, which creates the PluginResult (with a fresh apikey) and one
        PluginResultJob per run level in state "Queued" before the 202.
        """
        bundle = self.build_bundle(request=request)
        result = self.cached_obj_get(bundle, **self.remove_api_resource_names(kwargs))
        if result is None:
            return HttpGone()

        deserialized = self.deserialize(
            request, request.body, format=request.META.get("CONTENT_TYPE", "application/json")
        )
        data = dict_strip_unicode_keys(deserialized)

        user = request.user
        if request.user.is_superuser:
            username = data.get("owner", data.get("username", None))
            if username is not None:
                try:
                    user = User.objects.get(username=username)
                except User.DoesNotExist:
                    logger.warning("Invalid owner specified for plugin launch: %s", username)

        pluginkwargs = data.get("plugin", None)
        if pluginkwargs is None:
            return HttpGone()
        plugin = None
        if isinstance(pluginkwargs, int):
            pluginkwargs = {"id": pluginkwargs}
        if hasattr(pluginkwargs, "items"):
            pluginkwargs.update({"active": True, "selected": True})
            try:
                plugin = models.Plugin.objects.get(**pluginkwargs)
            except Exception:
                logger.info("No plugin matches %r", pluginkwargs)
                return HttpGone()
        else:
            if isinstance(pluginkwargs, (list, tuple)):
                pluginkwargs = pluginkwargs[0]
            qs = models.Plugin.objects.filter(name=pluginkwargs, active=True, selected=True).order_by("id")
            for p in qs:
                if (not plugin) or p.versionGreater(plugin):
                    plugin = p
            if not plugin:
                logger.info("Invalid plugin specified (No active versions): %s", pluginkwargs)
                return HttpGone()

        self._launch(result, plugin, user, data)
        return HttpAccepted()

    RUN_LEVELS = ["pre", "default", "block", "post", "separator", "last"]

    def _launch(self, result, plugin, user, data):
        instance_config = data.get("pluginconfig", {})
        with transaction.atomic():
            pr = None
            pr_pk = data.get("pluginresult", None)
            if pr_pk:
                try:
                    pr = result.pluginresult_set.get(pk=pr_pk)
                except Exception:
                    pr = None
            if not pr:
                pr = models.PluginResult.objects.create(result=result, plugin=plugin, owner=user)
            pr.prepare()
            pr.validation_errors = {"validation_errors": []}
            pr.save()

            settings_ = plugin.pluginsettings or {}
            levels = settings_.get("runlevels") or ["default"]
            config = instance_config or plugin.config or {}
            # A composite (Proton) report would also get one "block" job per
            # chip block; reports here are full-chip, so block is skipped.
            for level in self.RUN_LEVELS:
                if level not in levels or level == "block":
                    continue
                top = models.PluginResultJob.objects.aggregate(m=Max("grid_engine_jobid"))["m"] or 0
                models.PluginResultJob.objects.create(
                    plugin_result=pr,
                    run_level=level,
                    grid_engine_jobid=max(top, 100000) + 1,
                    state="Queued",
                    config=config,
                )

    class Meta(TSMeta):
        queryset = models.Results.objects.all()
        ordering = all_field_names(models.Results)
        filtering = field_dict(all_field_names(models.Results))
        plugin_allowed_methods = ["get", "post", "put"]


class PluginResultResource(TSModelResource):
    result = fields.ToOneField(ResultsResource, "result", full=False)
    plugin = fields.ToOneField(PluginResource, "plugin", full=False)
    owner = fields.ToOneField(UserResource, "owner", full=False)

    # Computed fields
    major = fields.BooleanField(readonly=True, attribute="plugin__majorBlock")
    path = fields.CharField(readonly=True, attribute="path")
    can_terminate = fields.BooleanField(readonly=True, attribute="can_terminate")
    files = fields.ListField(readonly=True, attribute="files")
    URL = fields.CharField(readonly=True, attribute="url")
    state = fields.CharField(readonly=True, attribute="state")
    starttime = fields.DateTimeField(readonly=True, attribute="starttime")
    endtime = fields.DateTimeField(readonly=True, attribute="endtime")

    # Helper methods for display / context
    resultName = fields.CharField(readonly=True, attribute="result__resultsName")
    reportLink = fields.CharField(readonly=True, attribute="result__reportLink")
    pluginName = fields.CharField(readonly=True, attribute="plugin__name")
    pluginVersion = fields.CharField(readonly=True, attribute="plugin__version")

    plugin_result_jobs = fields.ToManyField(
        "tsref.rundb.api.PluginResultJobResource",
        "plugin_result_jobs",
        related_name="plugin_result",
        full=True,
    )

    def hydrate_owner(self, bundle):
        if bundle.obj.pk:
            bundle.data["owner"] = bundle.obj.owner
            return bundle
        owner = bundle.request.user
        if owner.is_superuser and "owner" in bundle.data:
            try:
                owner = User.objects.get(username=bundle.data["owner"])
            except User.DoesNotExist:
                logger.warning("Failed to lookup pluginresult owner by name %r", bundle.data["owner"])
            bundle.data["owner"] = owner
            return bundle
        bundle.data["owner"] = owner
        return bundle

    def hydrate_plugin(self, bundle):
        if bundle.obj.pk:
            bundle.data["plugin"] = bundle.obj.plugin
        elif "plugin" in bundle.data and hasattr(bundle.data["plugin"], "items"):
            bundle.data["plugin"].update({"active": True, "selected": True})
        return bundle

    def hydrate_result(self, bundle):
        if bundle.obj.pk:
            bundle.data["result"] = bundle.obj.result
        return bundle

    class Meta(TSMeta):
        queryset = models.PluginResult.objects.all()
        ordering = all_field_names(models.PluginResult) + ["result", "plugin", "path", "id"]
        filtering = field_dict(all_field_names(models.PluginResult) + ["result", "plugin", "path", "id"])


class PluginResultJobResource(TSModelResource):
    """Resource for accessing the plugin result job"""

    class Meta(TSMeta):
        queryset = models.PluginResultJob.objects.all()
        resource_name = "PluginResultJob"
        filtering = field_dict(all_field_names(models.PluginResultJob))


v1_api = Api(api_name="v1")
# results, experiment, plannedexperiment and the analysis settings
# (runs_api.py); its results resource is ResultsResource with TS's other fields.
from .runs_api import register_runs  # noqa: E402

register_runs(v1_api)
v1_api.register(PluginResource())
v1_api.register(PluginResultResource())
v1_api.register(PluginResultJobResource())
v1_api.register(UserResource())
