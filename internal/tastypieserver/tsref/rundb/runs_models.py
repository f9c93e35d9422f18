"""The runs around the plugin jobs, as Torrent Suite 5.18 models them
(dbReports/iondb/rundb/models.py): Experiment (a sequencing run), its
ExperimentAnalysisSettings, PlannedExperiment (the plan it was started
from), ReportStorage, and the columns of Results beyond the four models.py
declares.  Field names, types, lengths, null, blank, defaults, uniqueness
and related names are Torrent Suite's, so tastypie builds the same schemas
and the same filtering and ordering lists (every model name, reverse
relations included).  The models TS relates them to (projects, metrics,
samples, QC types, ...) are here only as far as those names need: an id and
the relation.  Two differences, invisible through the API: Results.experiment
may be null in the database (so results can be added without a run), and
the Chip table is absent (isProton reads the chip name).  Every BooleanField
says blank=True, as Django 1.6 made every BooleanField (Django 2.1 stopped).

models.py imports this module last.
"""
from django.db import models

from .jsonfield import JSONField
from .models import Results


class ReportStorage(models.Model):
    name = models.CharField(max_length=200)
    webServerPath = models.CharField(max_length=200)
    dirPath = models.CharField(max_length=200)
    default = models.BooleanField(blank=True, default=False)


class Project(models.Model):
    name = models.CharField(max_length=64, unique=True)


class TFMetrics(models.Model):
    report = models.ForeignKey(Results, related_name="tfmetrics_set", on_delete=models.CASCADE)


class AnalysisMetrics(models.Model):
    report = models.ForeignKey(Results, related_name="analysismetrics_set", on_delete=models.CASCADE)


class LibMetrics(models.Model):
    report = models.ForeignKey(Results, related_name="libmetrics_set", on_delete=models.CASCADE)


class QualityMetrics(models.Model):
    report = models.ForeignKey(Results, related_name="qualitymetrics_set", on_delete=models.CASCADE)


class DMFileStat(models.Model):
    result = models.ForeignKey(Results, null=True, on_delete=models.CASCADE)


class SupportUpload(models.Model):
    result = models.ForeignKey(Results, on_delete=models.CASCADE)


class QCType(models.Model):
    qcName = models.CharField(max_length=512, unique=True)


class SampleSet(models.Model):
    displayedName = models.CharField(max_length=127, unique=True)


class SampleGroupType_CV(models.Model):
    displayedName = models.CharField(max_length=127, unique=True)


class ApplicationGroup(models.Model):
    name = models.CharField(max_length=127)
    description = models.CharField(max_length=1024, blank=True, null=True)


class PlannedExperiment(models.Model):
    planName = models.CharField(max_length=512, blank=True, null=True)
    planGUID = models.CharField(max_length=512, blank=True, null=True)
    planShortID = models.CharField(max_length=5, blank=True, null=True, db_index=True)
    planExecuted = models.BooleanField(blank=True, default=False)
    planStatus = models.CharField(max_length=512, blank=True, default="", db_index=True)
    username = models.CharField(max_length=128, blank=True, null=True)
    planPGM = models.CharField(max_length=128, blank=True, null=True)
    date = models.DateTimeField(blank=True, null=True)
    planExecutedDate = models.DateTimeField(blank=True, null=True)
    metaData = JSONField(blank=True)
    seqKitBarcode = models.CharField(max_length=64, blank=True, null=True)
    expName = models.CharField(max_length=128, blank=True)
    usePreBeadfind = models.BooleanField(blank=True, default=True)
    usePostBeadfind = models.BooleanField(blank=True, default=True)
    cycles = models.IntegerField(blank=True, null=True)
    autoName = models.CharField(max_length=512, blank=True, null=True)
    preAnalysis = models.BooleanField(blank=True, default=True)
    runType = models.CharField(max_length=512, blank=False, null=False, default="GENS", db_index=True)
    adapter = models.CharField(max_length=256, blank=True, null=True)
    projects = models.ManyToManyField("Project", related_name="plans", blank=True)
    runname = models.CharField(max_length=255, blank=True, null=True)
    storageHost = models.CharField(max_length=128, blank=True, null=True)
    reverse_primer = models.CharField(max_length=128, blank=True, null=True)
    irworkflow = models.CharField(max_length=1024, blank=True)
    libkit = models.CharField(max_length=512, blank=True, null=True)
    storage_options = models.CharField(max_length=200, default="A")
    isReverseRun = models.BooleanField(blank=True, default=False)
    planDisplayedName = models.CharField(max_length=512, blank=True, null=True)
    runMode = models.CharField(max_length=64, default="", blank=True)
    isReusable = models.BooleanField(blank=True, default=False, db_index=True)
    isFavorite = models.BooleanField(blank=True, default=False, db_index=True)
    isSystem = models.BooleanField(blank=True, default=False)
    isSystemDefault = models.BooleanField(blank=True, default=False)
    isPlanGroup = models.BooleanField(blank=True, default=False)
    parentPlan = models.ForeignKey("self", related_name="childPlan_set", null=True, blank=True, on_delete=models.SET_NULL)
    qcValues = models.ManyToManyField("QCType", through="PlannedExperimentQC", null=True)
    templatingKitBarcode = models.CharField(max_length=64, blank=True, null=True)
    templatingKitName = models.CharField(max_length=512, blank=True, null=True)
    controlSequencekitname = models.CharField(max_length=512, blank=True, null=True)
    pairedEndLibraryAdapterName = models.CharField(max_length=512, blank=True, null=True)
    samplePrepKitName = models.CharField(max_length=512, blank=True, null=True)
    sampleTubeLabel = models.CharField(max_length=512, blank=True, null=True)
    sampleSets = models.ManyToManyField("SampleSet", related_name="plans", null=True, blank=True)
    sampleGrouping = models.ForeignKey("SampleGroupType_CV", blank=True, null=True, default=None, on_delete=models.SET_NULL)
    applicationGroup = models.ForeignKey("ApplicationGroup", null=True, db_index=True, on_delete=models.SET_NULL)
    latestEAS = models.OneToOneField("ExperimentAnalysisSettings", null=True, blank=True, related_name="+", on_delete=models.SET_NULL)
    categories = models.CharField(max_length=256, default="", blank=True, null=True, db_index=True)
    libraryReadLength = models.PositiveIntegerField(default=0)
    origin = models.CharField(max_length=64, blank=True, null=True, default="")
    samplePrepProtocol = models.CharField(max_length=64, blank=True, null=True, default="")
    libraryPool = models.CharField(max_length=12, blank=True, null=True, default="")
    isCustom_kitSettings = models.BooleanField(blank=True, default=False)

    class Meta:
        ordering = ["-id"]


class Experiment(models.Model):
    expDir = models.CharField(max_length=512)
    expName = models.CharField(max_length=128, db_index=True)
    displayName = models.CharField(max_length=128, default="")
    pgmName = models.CharField(max_length=64)
    log = JSONField(blank=True)
    unique = models.CharField(max_length=512, unique=True)
    date = models.DateTimeField(db_index=True)
    resultDate = models.DateTimeField(auto_now_add=True, db_index=True, blank=True, null=True)
    repResult = models.OneToOneField("Results", null=True, blank=True, related_name="+", on_delete=models.SET_NULL)
    pinnedRepResult = models.BooleanField(blank=True, default=False)
    storage_options = models.CharField(max_length=200, default="A")
    user_ack = models.CharField(max_length=24, default="U")
    notes = models.CharField(max_length=1024, blank=True, null=True)
    chipBarcode = models.CharField(max_length=64, blank=True)
    seqKitBarcode = models.CharField(max_length=64, blank=True)
    reagentBarcode = models.CharField(max_length=64, blank=True)
    autoAnalyze = models.BooleanField(blank=True, default=True)
    usePreBeadfind = models.BooleanField(blank=True, default=True)
    chipType = models.CharField(max_length=32)
    cycles = models.IntegerField()
    flows = models.IntegerField()
    expCompInfo = models.TextField(blank=True)
    baselineRun = models.BooleanField(blank=True, default=False)
    flowsInOrder = models.CharField(max_length=1200, blank=True)
    star = models.BooleanField(blank=True, default=False)
    ftpStatus = models.CharField(max_length=512, blank=True)
    storageHost = models.CharField(max_length=128, blank=True, null=True)
    reverse_primer = models.CharField(max_length=128, blank=True, null=True)
    rawdatastyle = models.CharField(max_length=24, blank=True, null=True, default="single")
    sequencekitname = models.CharField(max_length=512, blank=True, null=True)
    sequencekitbarcode = models.CharField(max_length=512, blank=True, null=True)
    isReverseRun = models.BooleanField(blank=True, default=False)
    diskusage = models.IntegerField(blank=True, null=True)
    metaData = JSONField(blank=True)
    runMode = models.CharField(max_length=64, default="", blank=True)
    plan = models.OneToOneField("PlannedExperiment", blank=True, null=True, related_name="experiment", on_delete=models.SET_NULL)
    status = models.CharField(max_length=512, blank=True, default="")
    platform = models.CharField(max_length=128, blank=True, default="")
    chefStatus = models.CharField(max_length=256, blank=True, default="")
    chefProgress = models.FloatField(default=0.0, blank=True)
    chefMessage = models.TextField(blank=True, default="")
    chefLastUpdate = models.DateTimeField(null=True, blank=True)
    chefLogPath = models.CharField(max_length=512, blank=True, null=True)
    chefReagentID = models.CharField(max_length=64, blank=True, default="")
    chefLotNumber = models.CharField(max_length=64, blank=True, default="")
    chefManufactureDate = models.CharField(max_length=64, blank=True, default="")
    chefTipRackBarcode = models.CharField(max_length=64, blank=True, default="")
    chefInstrumentName = models.CharField(max_length=200, blank=True, default="")
    chefKitType = models.CharField(max_length=64, blank=True, default="")
    chefChipType1 = models.CharField(max_length=64, blank=True, default="")
    chefChipType2 = models.CharField(max_length=64, blank=True, default="")
    chefChipExpiration1 = models.CharField(max_length=64, blank=True, default="")
    chefChipExpiration2 = models.CharField(max_length=64, blank=True, default="")
    chefReagentsPart = models.CharField(max_length=64, blank=True, default="")
    chefReagentsLot = models.CharField(max_length=64, blank=True, default="")
    chefReagentsSerialNum = models.CharField(max_length=20, blank=True, default="")
    chefReagentsExpiration = models.CharField(max_length=64, blank=True, default="")
    chefSolutionsPart = models.CharField(max_length=64, blank=True, default="")
    chefSolutionsLot = models.CharField(max_length=64, blank=True, default="")
    chefSolutionsSerialNum = models.CharField(max_length=20, blank=True, default="")
    chefSolutionsExpiration = models.CharField(max_length=64, blank=True, default="")
    chefSamplePos = models.CharField(max_length=64, blank=True, default="")
    chefPackageVer = models.CharField(max_length=64, blank=True, default="")
    chefFlexibleWorkflow = models.CharField(max_length=64, blank=True, default="")
    chefExtraInfo_1 = models.CharField(max_length=128, blank=True, default="")
    chefExtraInfo_2 = models.CharField(max_length=128, blank=True, default="")
    chefScriptVersion = models.CharField(max_length=64, blank=True, default="")
    chefOperationMode = models.CharField(max_length=64, blank=True, default="")
    chefRemainingSeconds = models.IntegerField(blank=True, null=True)
    chefStartTime = models.DateTimeField(null=True, blank=True)
    chefProtocolDeviationName = models.CharField(max_length=127, blank=True, null=True)
    chefEndTime = models.DateTimeField(null=True, blank=True)
    chipTecDfltAmbient = models.FloatField(default=None, blank=True, null=True)
    chipTecSlope = models.FloatField(default=None, blank=True, null=True)
    chipTecMinThreshold = models.FloatField(default=None, blank=True, null=True)
    manTecDfltAmbient = models.FloatField(default=None, blank=True, null=True)
    manTecSlope = models.FloatField(default=None, blank=True, null=True)
    manTecMinThreshold = models.FloatField(default=None, blank=True, null=True)

    def runtype(self):
        runtype = self.log.get("runtype", "")
        return runtype if runtype else "GENS"

    @property
    def isProton(self):
        # TS asks its Chip table for the chip's instrument type; the only
        # Proton chips here are the P1/P2 ones.
        return self.chipType.startswith("P")


class ExperimentAnalysisSettings(models.Model):
    status = models.CharField(max_length=512, blank=True, default="")
    barcodeKitName = models.CharField(max_length=128, blank=True, null=True)
    endBarcodeKitName = models.CharField(max_length=128, blank=True, null=True, default="")
    libraryKey = models.CharField(max_length=64, blank=True)
    tfKey = models.CharField(max_length=64, blank=True)
    libraryKitName = models.CharField(max_length=512, blank=True, null=True)
    libraryKitBarcode = models.CharField(max_length=512, blank=True, null=True)
    threePrimeAdapter = models.CharField(max_length=512, blank=True, null=True)
    targetRegionBedFile = models.CharField(max_length=1024, blank=True, null=True)
    hotSpotRegionBedFile = models.CharField(max_length=1024, blank=True, null=True)
    sseBedFile = models.CharField(max_length=1024, blank=True, null=True, default="")
    reference = models.CharField(max_length=512, blank=True, null=True)
    mixedTypeRNA_reference = models.CharField(max_length=512, blank=True, null=True)
    mixedTypeRNA_targetRegionBedFile = models.CharField(max_length=1024, blank=True, null=True)
    mixedTypeRNA_hotSpotRegionBedFile = models.CharField(max_length=1024, blank=True, null=True)
    barcodedSamples = JSONField(blank=True, null=True)
    selectedPlugins = JSONField(blank=True, null=True)
    date = models.DateTimeField(blank=True, null=True)
    isEditable = models.BooleanField(blank=True, default=False)
    isOneTimeOverride = models.BooleanField(blank=True, default=False)
    experiment = models.ForeignKey("Experiment", related_name="eas_set", blank=True, null=True, on_delete=models.SET_NULL)
    isDuplicateReads = models.BooleanField(blank=True, default=False)
    base_recalibration_mode = models.CharField(max_length=64, blank=False, null=False, default="standard_recal")
    realign = models.BooleanField(blank=True, default=False)
    custom_args = models.BooleanField(blank=True, default=False)
    beadfindargs = models.CharField(max_length=5000, blank=True)
    thumbnailbeadfindargs = models.CharField(max_length=5000, blank=True)
    analysisargs = models.CharField(max_length=5000, blank=True)
    thumbnailanalysisargs = models.CharField(max_length=5000, blank=True)
    prebasecallerargs = models.CharField(max_length=5000, blank=True)
    prethumbnailbasecallerargs = models.CharField(max_length=5000, blank=True)
    calibrateargs = models.CharField(max_length=5000, blank=True)
    thumbnailcalibrateargs = models.CharField(max_length=5000, blank=True)
    basecallerargs = models.CharField(max_length=5000, blank=True)
    thumbnailbasecallerargs = models.CharField(max_length=5000, blank=True)
    alignmentargs = models.CharField(max_length=5000, blank=True)
    thumbnailalignmentargs = models.CharField(max_length=5000, blank=True)
    ionstatsargs = models.CharField(max_length=5000, blank=True)
    thumbnailionstatsargs = models.CharField(max_length=5000, blank=True)


class PlannedExperimentQC(models.Model):
    plannedExperiment = models.ForeignKey(PlannedExperiment, on_delete=models.CASCADE)
    qcType = models.ForeignKey(QCType, on_delete=models.CASCADE)
    threshold = models.PositiveIntegerField(default=0)


class Backup(models.Model):
    experiment = models.ForeignKey(Experiment, on_delete=models.CASCADE)


class Sample(models.Model):
    name = models.CharField(max_length=127, db_index=True)
    displayedName = models.CharField(max_length=127, blank=True, null=True)
    experiments = models.ManyToManyField(Experiment, related_name="samples", null=True)


# The columns of Results models.py leaves out.
RESULTS_COLUMNS = [
    ('experiment', lambda: models.ForeignKey("Experiment", related_name="results_set", null=True, on_delete=models.CASCADE)),
    ('representative', lambda: models.BooleanField(blank=True, default=False)),
    ('log', lambda: models.TextField(blank=True)),
    ('analysisVersion', lambda: models.CharField(max_length=256)),
    ('processedCycles', lambda: models.IntegerField()),
    ('processedflows', lambda: models.IntegerField()),
    ('framesProcessed', lambda: models.IntegerField()),
    ('timeToComplete', lambda: models.CharField(max_length=64)),
    ('reportstorage', lambda: models.ForeignKey("ReportStorage", related_name="storage", blank=True, null=True, on_delete=models.SET_NULL)),
    ('runid', lambda: models.CharField(max_length=10, blank=True)),
    ('reportStatus', lambda: models.CharField(max_length=64, null=True, default="Nothing")),
    ('autoExempt', lambda: models.BooleanField(blank=True, default=False)),
    ('projects', lambda: models.ManyToManyField("Project", related_name="results")),
    ('reference', lambda: models.CharField(max_length=64, blank=True, null=True)),
    ('resultsType', lambda: models.CharField(max_length=512, blank=True)),
    ('parentIDs', lambda: models.CharField(max_length=512, blank=True)),
    ('diskusage', lambda: models.IntegerField(blank=True, null=True)),
    ('metaData', lambda: JSONField(blank=True)),
    ('eas', lambda: models.ForeignKey("ExperimentAnalysisSettings", related_name="results_set", blank=True, null=True, on_delete=models.SET_NULL)),
    ('analysismetrics', lambda: models.OneToOneField("AnalysisMetrics", null=True, blank=True, on_delete=models.SET_NULL)),
    ('libmetrics', lambda: models.OneToOneField("LibMetrics", null=True, blank=True, on_delete=models.SET_NULL)),
    ('qualitymetrics', lambda: models.OneToOneField("QualityMetrics", null=True, blank=True, on_delete=models.SET_NULL)),
    ('parentResult', lambda: models.ForeignKey("self", null=True, blank=True, related_name="childResults_set", on_delete=models.SET_NULL)),
]
for _name, _field in RESULTS_COLUMNS:
    Results.add_to_class(_name, _field())
