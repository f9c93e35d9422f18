"""The resources of the runs around the jobs, declared as Torrent Suite 5.18
declares them (dbReports/iondb/rundb/api.py ResultsResource,
ExperimentResource, ExperimentAnalysisSettingsResource; PlannedExperimentResource.py):
the same declared fields, Meta options (filtering and ordering by every model
name, always_return_data, allowed methods) and the dehydrate and hydrate
behaviour a client sees.  Reduced: the plan's writes go to its experiment
and analysis settings through one table instead of TS's plan validator and
save_plan; the plan's application category names (TS reads its common_CV
table) are empty; the resources TS relates them to (projects, metrics,
samples, QC types) are declared but not registered, and the seed has none of
their objects.

api.py calls register_runs(v1_api) in place of registering ResultsResource.
"""
from django.utils.functional import cached_property
from tastypie import fields
from tastypie.exceptions import ImmediateHttpResponse
from tastypie.http import HttpBadRequest

from . import models
from . import runs_models as rm
from .api import ResultsResource, TSMeta, all_field_names, field_dict
from .tastypie011 import TSModelResource


def _stub(model, name):
    """A resource TS declares, for relations only (not registered here)."""

    class Meta(TSMeta):
        queryset = model.objects.all()
        resource_name = name
        ordering = all_field_names(model)
        filtering = field_dict(all_field_names(model))

    return type(model.__name__ + "Resource", (TSModelResource,), {"Meta": Meta, "__module__": __name__})


ProjectResource = _stub(rm.Project, "project")
TFMetricsResource = _stub(rm.TFMetrics, "tfmetrics")
LibMetricsResource = _stub(rm.LibMetrics, "libmetrics")
AnalysisMetricsResource = _stub(rm.AnalysisMetrics, "analysismetrics")
QualityMetricsResource = _stub(rm.QualityMetrics, "qualitymetrics")
SampleResource = _stub(rm.Sample, "sample")
SampleSetResource = _stub(rm.SampleSet, "sampleset")
ApplicationGroupResource = _stub(rm.ApplicationGroup, "applicationgroup")
SampleGroupTypeResource = _stub(rm.SampleGroupType_CV, "samplegrouptype_cv")
QCTypeResource = _stub(rm.QCType, "qctype")


class ReportStorageResource(TSModelResource):
    """Not registered on a Torrent Server either: its resource_uri is ""."""

    class Meta(TSMeta):
        queryset = rm.ReportStorage.objects.all()


# --------------------------------------------------------------------------
# Results: computed columns TS's model has as methods.

_I18N_STATES = {"Completed": "Completed", "Error": "Error", "ERROR": "Error", "Checksum Error": "Error", "CoreDump": "Error",
                "Pending": "Other", "Importing": "Other", "Moved": "Other", "TERMINATED": "Other", "No Live Beads": "Other",
                "PGM Operation Error": "Other", "Started": "Progress", "Beadfind": "Progress", "Signal Processing": "Progress",
                "Base Calling": "Progress", "Alignment": "Progress", "TF Processing": "Progress"}


def _i18nstatus(self):
    """Results.i18nstatus: {state, i18n} by status (the i18n text is not
    translated here: it is the status), an unknown status nested under its
    own name as TS does."""
    state = _I18N_STATES.get(self.status)
    if state is None and self.status.startswith("Completed with ") and " error" in self.status:
        state = "Error"
    if state is None:
        return {self.status: {"state": "Unknown", "i18n": "Unknown/Unsupported"}}
    return {"state": state, "i18n": self.status}


def _bam_link(self):
    """Results.bamLink: the BAM's web path, False without a run."""
    if self.experiment_id is None:
        return False
    return "/" + "/".join([self.reportLink.strip("/"), "download_links",
                           "%s_%s.bam" % (self.experiment.expName, self.resultsName)])


def _plan_short_id(self):
    log = self.experiment.log if self.experiment_id else {}
    return log.get("planned_run_short_id") or log.get("pending_run_short_id", "")


models.Results.i18nstatus = _i18nstatus
models.Results.bamLink = _bam_link
# A cached_property as in TS (not a property): a hydrate may set it.
models.Results.planShortID = cached_property(_plan_short_id)
models.Results.planShortID.__set_name__(models.Results, "planShortID")


class RunResultsResource(ResultsResource):
    """ResultsResource with the fields TS declares beyond the plugin
    ones."""

    filesystempath = fields.CharField("get_report_dir")
    bamLink = fields.CharField("bamLink")
    planShortID = fields.CharField("planShortID")
    i18nstatus = fields.CharField("i18nstatus")
    libmetrics = fields.ToManyField(LibMetricsResource, "libmetrics_set", full=False)
    tfmetrics = fields.ToManyField(TFMetricsResource, "tfmetrics_set", full=False)
    analysismetrics = fields.ToManyField(AnalysisMetricsResource, "analysismetrics_set", full=False)
    qualitymetrics = fields.ToManyField(QualityMetricsResource, "qualitymetrics_set", full=False)
    reportstorage = fields.ToOneField(ReportStorageResource, "reportstorage", full=True)
    experiment = fields.ToOneField("tsref.rundb.runs_api.ExperimentResource", "experiment", full=False, null=True)
    projects = fields.ToManyField(ProjectResource, "projects", full=False)
    eas = fields.ToOneField("tsref.rundb.runs_api.ExperimentAnalysisSettingsResource", "eas", full=False, null=True, blank=True)

    class Meta(ResultsResource.Meta):
        resource_name = "results"
        ordering = all_field_names(models.Results)
        filtering = field_dict(all_field_names(models.Results))


class ExperimentResource(TSModelResource):
    results = fields.ToManyField(RunResultsResource, "results_set", null=True, blank=True)
    runtype = fields.CharField("runtype")
    plan = fields.ToOneField("tsref.rundb.runs_api.PlannedExperimentResource", "plan", full=False, null=True, blank=True)
    eas_set = fields.ToManyField("tsref.rundb.runs_api.ExperimentAnalysisSettingsResource", "eas_set", full=True,
                                 null=True, blank=True)
    samples = fields.ToManyField(SampleResource, "samples", full=False, null=True, blank=True)
    isProton = fields.CharField(readonly=True, attribute="isProton")
    sample = fields.CharField(readonly=True, blank=True)

    def dehydrate_sample(self, bundle):
        first = bundle.obj.samples.all().first()
        return first.name if first else ""

    def hydrate_runtype(self, bundle):
        # As TS: the runtype is written into the stored log after deleting
        # it from the log of the request (a KeyError, answered 500, when
        # that log is not empty and has none).
        if bundle.data.get("runtype", False):
            if bundle.data.get("log", False):
                del bundle.data["log"]["runtype"]
            bundle.obj.log["runtype"] = bundle.data["runtype"]
        return bundle

    class Meta(TSMeta):
        queryset = rm.Experiment.objects.all()
        resource_name = "experiment"
        always_return_data = True
        ordering = all_field_names(rm.Experiment)
        filtering = field_dict(all_field_names(rm.Experiment))
        allowed_methods = ["get", "patch", "put", "delete"]


class ExperimentAnalysisSettingsResource(TSModelResource):
    experiment = fields.ToOneField(ExperimentResource, "experiment", full=False, null=True, blank=True)
    results = fields.ToManyField(RunResultsResource, "results_set", full=False, null=True, blank=True)

    class Meta(TSMeta):
        queryset = rm.ExperimentAnalysisSettings.objects.all()
        resource_name = "experimentanalysissettings"
        ordering = all_field_names(rm.ExperimentAnalysisSettings)
        filtering = field_dict(all_field_names(rm.ExperimentAnalysisSettings))


class PlannedExperimentQCResource(TSModelResource):
    plannedExperiment = fields.ToOneField("tsref.rundb.runs_api.PlannedExperimentResource", "plannedExperiment", full=False)
    qcType = fields.ToOneField(QCTypeResource, "qcType", full=True)

    class Meta(TSMeta):
        queryset = rm.PlannedExperimentQC.objects.all()
        resource_name = "plannedexperimentqc"


# The plan fields PlannedExperimentResource.dehydrate copies from the plan's
# experiment and latest analysis settings, by plan field and column; a write
# of the plan writes them back there.
PLAN_FROM_EXPERIMENT = {"autoAnalyze": "autoAnalyze", "chipType": "chipType", "chipBarcode": "chipBarcode", "flows": "flows",
                        "flowsInOrder": "flowsInOrder", "notes": "notes", "sequencekitname": "sequencekitname",
                        "platform": "platform", "metaData": "metaData"}
PLAN_FROM_SETTINGS = {"barcodedSamples": "barcodedSamples", "barcodeId": "barcodeKitName", "bedfile": "targetRegionBedFile",
                      "endBarcodeKitName": "endBarcodeKitName", "forward3primeadapter": "threePrimeAdapter", "library": "reference",
                      "libraryKey": "libraryKey", "tfKey": "tfKey", "librarykitname": "libraryKitName",
                      "regionfile": "hotSpotRegionBedFile", "isDuplicateReads": "isDuplicateReads",
                      "base_recalibration_mode": "base_recalibration_mode", "realign": "realign", "sseBedFile": "sseBedFile",
                      "mixedTypeRNA_reference": "mixedTypeRNA_reference",
                      "mixedTypeRNA_targetRegionBedFile": "mixedTypeRNA_targetRegionBedFile",
                      "mixedTypeRNA_hotSpotRegionBedFile": "mixedTypeRNA_hotSpotRegionBedFile",
                      "selectedPlugins": "selectedPlugins"}
SETTINGS_ARGS = ["beadfindargs", "thumbnailbeadfindargs", "analysisargs", "thumbnailanalysisargs", "prebasecallerargs",
                 "prethumbnailbasecallerargs", "calibrateargs", "thumbnailcalibrateargs", "basecallerargs",
                 "thumbnailbasecallerargs", "alignmentargs", "thumbnailalignmentargs", "ionstatsargs", "thumbnailionstatsargs"]
TEC = ["chipTecDfltAmbient", "chipTecSlope", "chipTecMinThreshold", "manTecDfltAmbient", "manTecSlope", "manTecMinThreshold"]
_DEFAULTS = {"isDuplicateReads": False, "realign": False, "base_recalibration_mode": "no_recal"}


def _latest_settings(plan, experiment):
    if plan.latestEAS_id:
        return plan.latestEAS
    return experiment.eas_set.order_by("-date", "-id").first()


class PlannedExperimentResource(TSModelResource):
    # PlannedExperimentDbResource
    project = fields.CharField(readonly=True, blank=True)
    projects = fields.ToManyField(ProjectResource, "projects", full=False, null=True, blank=True)
    qcValues = fields.ToManyField(PlannedExperimentQCResource, "plannedexperimentqc_set", full=True, null=True, blank=True)
    parentPlan = fields.CharField(blank=True, default=None)
    childPlans = fields.ListField(default=[])
    experiment = fields.ToOneField(ExperimentResource, "experiment", full=False, null=True, blank=True)
    sampleSets = fields.ToManyField(SampleSetResource, "sampleSets", full=False, null=True, blank=True)
    applicationGroup = fields.ToOneField(ApplicationGroupResource, "applicationGroup", full=False, null=True, blank=True)
    sampleGrouping = fields.ToOneField(SampleGroupTypeResource, "sampleGrouping", full=False, null=True, blank=True)
    # PlannedExperimentResource
    autoAnalyze = fields.BooleanField()
    barcodedSamples = fields.CharField(blank=True, null=True, default="")
    barcodeId = fields.CharField(blank=True, null=True, default="")
    bedfile = fields.CharField(blank=True, default="")
    chipType = fields.CharField(default="")
    chipBarcode = fields.CharField(default="")
    endBarcodeKitName = fields.CharField(blank=True, null=True, default="")
    flows = fields.IntegerField(default=0)
    forward3primeadapter = fields.CharField(blank=True, null=True, default="")
    library = fields.CharField(blank=True, null=True, default="")
    libraryKey = fields.CharField(blank=True, default="")
    tfKey = fields.CharField(blank=True, default="")
    librarykitname = fields.CharField(blank=True, null=True, default="")
    notes = fields.CharField(blank=True, null=True, default="")
    regionfile = fields.CharField(blank=True, default="")
    reverse3primeadapter = fields.CharField(readonly=True, default="")
    reverselibrarykey = fields.CharField(readonly=True, default="")
    sample = fields.CharField(blank=True, null=True, default="")
    sampleDisplayedName = fields.CharField(blank=True, null=True, default="")
    selectedPlugins = fields.CharField(blank=True, null=True, default="")
    sequencekitname = fields.CharField(blank=True, null=True, default="")
    sseBedFile = fields.CharField(blank=True, default="")
    variantfrequency = fields.CharField(readonly=True, default="")
    isDuplicateReads = fields.BooleanField()
    base_recalibration_mode = fields.CharField(blank=True, null=True, default="")
    realign = fields.BooleanField()
    flowsInOrder = fields.CharField(blank=True, null=True, default="")
    sampleSetDisplayedName = fields.CharField(readonly=True, blank=True, null=True)
    applicationCategoryDisplayedName = fields.CharField(readonly=True, blank=True, null=True)
    applicationGroupDisplayedName = fields.CharField(readonly=True, blank=True, null=True)
    sampleGroupingName = fields.CharField(readonly=True, blank=True, null=True)
    libraryPrepType = fields.CharField(readonly=True, blank=True, null=True, default="")
    libraryPrepTypeDisplayedName = fields.CharField(readonly=True, blank=True, null=True, default="")
    platform = fields.CharField(blank=True, null=True)
    chefInfo = fields.DictField(default={})
    earlyDatFileDeletion = fields.BooleanField(readonly=True, default=False)
    mixedTypeRNA_reference = fields.CharField(blank=True, null=True, default="")
    mixedTypeRNA_targetRegionBedFile = fields.CharField(blank=True, default="")
    mixedTypeRNA_hotSpotRegionBedFile = fields.CharField(blank=True, default="")

    def dehydrate_projects(self, bundle):
        return [str(p.name) for p in bundle.obj.projects.all()]

    def dehydrate_project(self, bundle):
        first = bundle.obj.projects.all().first()
        return str(first.name) if first else ""

    def dehydrate(self, bundle):
        try:
            experiment = bundle.obj.experiment
        except rm.Experiment.DoesNotExist:
            return bundle
        d = bundle.data
        for f, col in PLAN_FROM_EXPERIMENT.items():
            d[f] = getattr(experiment, col)
        d["metaData"] = experiment.metaData or {}
        report_pk = bundle.request.GET.get("for_report")
        if report_pk:
            try:
                eas = experiment.results_set.get(pk=report_pk).eas
            except Exception:
                raise ImmediateHttpResponse(HttpBadRequest("Invalid report pk specified: %s" % report_pk))
        else:
            eas = _latest_settings(bundle.obj, experiment)
        for f, col in PLAN_FROM_SETTINGS.items():
            d[f] = getattr(eas, col) if eas else _DEFAULTS.get(f, "")
        for f in SETTINGS_ARGS:
            d[f] = getattr(eas, f) if eas else ""
        d["custom_args"] = eas.custom_args if eas else ""
        d["sample"] = d["sampleDisplayedName"] = ""
        if not (eas and eas.barcodeKitName):
            first = experiment.samples.all().first()
            if first:
                d["sample"], d["sampleDisplayedName"] = first.name, first.displayedName
        if eas:
            user_input = (eas.selectedPlugins or {}).get("variantCaller", {}).get("userInput", {})
            if user_input:
                d["variantfrequency"] = user_input.get("variationtype", "")
        d["earlyDatFileDeletion"] = False
        d["sampleSetDisplayedName"] = ",".join(bundle.obj.sampleSets.order_by("displayedName").values_list("displayedName", flat=True))
        group = bundle.obj.applicationGroup
        d["applicationGroupDisplayedName"] = (group.description or "") if group else ""
        d["applicationCategoryDisplayedName"] = ""
        grouping = bundle.obj.sampleGrouping
        d["sampleGroupingName"] = grouping.displayedName if grouping else ""
        for f in TEC:
            d[f] = getattr(experiment, f)
        if experiment.chefInstrumentName:
            for f in [f.name for f in experiment._meta.fields if f.name.startswith("chef")]:
                d["chefInfo"][f] = getattr(experiment, f)
        return bundle

    def obj_update(self, bundle, skip_errors=False, **kwargs):
        bundle = super().obj_update(bundle, skip_errors=skip_errors, **kwargs)
        # TS hands these to its plan manager, which writes the experiment
        # and the analysis settings; a reduced version of it.
        try:
            experiment = bundle.obj.experiment
        except rm.Experiment.DoesNotExist:
            return bundle
        for f, col in PLAN_FROM_EXPERIMENT.items():
            if f in bundle.data and (bundle.data[f] is not None or experiment._meta.get_field(col).null):
                setattr(experiment, col, bundle.data[f])
        experiment.save()
        eas = _latest_settings(bundle.obj, experiment)
        if eas:
            for f, col in PLAN_FROM_SETTINGS.items():
                if f in bundle.data and (bundle.data[f] is not None or eas._meta.get_field(col).null):
                    setattr(eas, col, bundle.data[f])
            eas.save()
        return bundle

    class Meta(TSMeta):
        queryset = rm.PlannedExperiment.objects.all()
        resource_name = "plannedexperiment"
        always_return_data = True
        ordering = all_field_names(rm.PlannedExperiment)
        filtering = field_dict(all_field_names(rm.PlannedExperiment))


def register_runs(api):
    for resource in (RunResultsResource, ExperimentResource, ExperimentAnalysisSettingsResource, PlannedExperimentResource):
        api.register(resource())
