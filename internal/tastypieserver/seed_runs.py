"""The runs around the plugin jobs, for testdata/seed.json: the analysis
results' own fields, their experiments (sequencing runs), the experiments'
analysis settings and plans, and the report storage.  gen_seed.py calls
add_runs(seed) last, so the plugin data before it is unchanged.

Keys added (every record holds every model column, by the Torrent Suite 5.18
field name; foreign keys are ids or null, JSON fields objects, datetimes ISO
8601 UTC with real microseconds):

  reportstorages:   [{id, name, webServerPath, dirPath, default}]
  experiments:      [{id, <every Experiment column>, plan}]
  analysissettings: [{id, experiment, <every ExperimentAnalysisSettings column>}]
  plans:            [{id, <every PlannedExperiment column>, latestEAS, parentPlan}]
  results[i]:       the existing {id, resultsName, reportLink, status, timeStamp}
                    plus experiment, eas, reportstorage and every other column.

What they show: experiment 50 belongs to the plan template 60 and has never
run; 51, 52 and 53 are runs (S5 530, 540 and a Proton P1 chip) analysed by
results 101, 102 and 103, from plans 61, 62 and 63; 54 is planned (plan 64)
and not run yet; 55 ran without a plan and its explog has no "runtype", which
makes every PATCH of it fail on a Torrent Server (hydrate_runtype).
"""
from datetime import datetime, timedelta, timezone

T0 = datetime(2017, 7, 30, 17, 26, 3, 261481, tzinfo=timezone.utc)


def iso(dt):
    return None if dt is None else dt.isoformat()


REPORT_STORAGE = {"id": 1, "name": "Home", "webServerPath": "/output", "dirPath": "/results/analysis/output", "default": True}

CHEF_EMPTY = {k: "" for k in [
    "chefStatus", "chefMessage", "chefReagentID", "chefLotNumber", "chefManufactureDate", "chefTipRackBarcode",
    "chefInstrumentName", "chefKitType", "chefChipType1", "chefChipType2", "chefChipExpiration1", "chefChipExpiration2",
    "chefReagentsPart", "chefReagentsLot", "chefReagentsSerialNum", "chefReagentsExpiration", "chefSolutionsPart",
    "chefSolutionsLot", "chefSolutionsSerialNum", "chefSolutionsExpiration", "chefSamplePos", "chefPackageVer",
    "chefFlexibleWorkflow", "chefExtraInfo_1", "chefExtraInfo_2", "chefScriptVersion", "chefOperationMode"]}
CHEF_NULL = {k: None for k in ["chefLastUpdate", "chefLogPath", "chefRemainingSeconds", "chefStartTime",
                               "chefProtocolDeviationName", "chefEndTime"]}
TEC_NULL = {k: None for k in ["chipTecDfltAmbient", "chipTecSlope", "chipTecMinThreshold",
                              "manTecDfltAmbient", "manTecSlope", "manTecMinThreshold"]}


def experiment(eid, name, chip, pgm, date, status, plan, log, **kw):
    rec = {
        "id": eid, "expDir": "/rawdata/%s/%s" % (pgm, name) if status == "run" else "", "expName": name,
        "displayName": name, "pgmName": pgm, "log": log, "unique": "/rawdata/%s/%s" % (pgm, name) if status == "run" else name,
        "date": iso(date), "resultDate": iso(date + timedelta(hours=3, microseconds=17)), "repResult": None,
        "pinnedRepResult": False, "storage_options": "A", "user_ack": "U", "notes": "", "chipBarcode": "",
        "seqKitBarcode": "", "reagentBarcode": "", "autoAnalyze": True, "usePreBeadfind": True, "chipType": chip,
        "cycles": 0, "flows": 500, "expCompInfo": "", "baselineRun": False, "flowsInOrder": "", "star": False,
        "ftpStatus": "Complete" if status == "run" else "", "storageHost": None, "reverse_primer": None,
        "rawdatastyle": "single", "sequencekitname": "Ion S5 Sequencing Kit", "sequencekitbarcode": "",
        "isReverseRun": False, "diskusage": None, "metaData": {}, "runMode": "single", "plan": plan,
        "status": status, "platform": "S5", "chefProgress": 0.0,
    }
    rec.update(CHEF_EMPTY)
    rec.update(CHEF_NULL)
    rec.update(TEC_NULL)
    rec.update(kw)
    return rec


EXPERIMENTS = [
    experiment(50, "9b1d4e5c-2f6a-4c3e-9a51-7f0c1e2d3b40", "530", "", T0 - timedelta(days=30), "inactive", 60, {}),
    experiment(51, "R_2017_07_30_17_26_03_user_S5-0101-tsapi", "530", "S5XL0101", T0, "run", 61,
               {"runtype": "AMPS", "planned_run_short_id": "P61AB", "chiptype": "530", "flows": 500,
                "serial_number": "S5XL0101", "start_time": "07/30/2017 17:26:03", "oninstranalysis": "no"},
               diskusage=48213, notes="Oncomine Focus run", seqKitBarcode="S5SEQ2017"),
    experiment(52, "R_2017_07_31_17_26_03_user_S5-0102-tsapi", "540", "S5XL0102", T0 + timedelta(days=1, microseconds=12345), "run", 62, {},
               diskusage=96001, metaData={"thumb": 0, "note": "reanalysed"}, star=True),
    experiment(53, "R_2017_08_01_17_26_03_user_PRO-0103-tsapi", "P1.1.17", "PROTON0103", T0 + timedelta(days=2, microseconds=500), "run", 63,
               {"runtype": "WGNM", "planned_run_short_id": "P63EF", "chiptype": "P1.1.17", "flows": 520,
                "blocks": ["X0_Y0", "X0_Y1"]},
               flows=520, platform="PROTON", sequencekitname="ProtonI200Kit-v3", diskusage=None,
               chipTecDfltAmbient=25.5, chipTecSlope=0.25, chipTecMinThreshold=10.0,
               manTecDfltAmbient=23.0, manTecSlope=0.5, manTecMinThreshold=5.0,
               chefInstrumentName="CHEF0007", chefStatus="Complete", chefProgress=100.0,
               chefStartTime=iso(T0 + timedelta(days=1, hours=12, microseconds=3)),
               chefEndTime=iso(T0 + timedelta(days=1, hours=20, microseconds=4)), chefRemainingSeconds=0),
    experiment(54, "3c9f0a1b-6d7e-4f80-b1c2-d3e4f5a6b7c8", "530", "", T0 + timedelta(days=5), "planned", 64, {}),
    experiment(55, "R_2017_08_02_09_00_00_user_S5-0105-tsapi", "530", "S5XL0101", T0 + timedelta(days=3), "run", None,
               {"chiptype": "530", "serial_number": "S5XL0101", "flows": 500}, notes="started on the instrument, without a plan"),
]


def settings(sid, eid, status, barcoded, plugins, **kw):
    rec = {
        "id": sid, "experiment": eid, "status": status, "barcodeKitName": "IonXpress" if barcoded else None,
        "endBarcodeKitName": "", "libraryKey": "TCAG", "tfKey": "ATCG", "libraryKitName": "Ion AmpliSeq Library Kit Plus",
        "libraryKitBarcode": None, "threePrimeAdapter": "ATCACCGACTGCCCATAGAGAGGCTGAGAC",
        "targetRegionBedFile": "/results/uploads/BED/1/hg19/unmerged/detail/OCP.20150630.designed.bed",
        "hotSpotRegionBedFile": "", "sseBedFile": "", "reference": "hg19", "mixedTypeRNA_reference": None,
        "mixedTypeRNA_targetRegionBedFile": None, "mixedTypeRNA_hotSpotRegionBedFile": None,
        "barcodedSamples": {"sample-%d" % sid: {"barcodes": ["IonXpress_001", "IonXpress_002"]}} if barcoded else {},
        "selectedPlugins": plugins, "date": iso(T0 + timedelta(minutes=sid)), "isEditable": status != "run",
        "isOneTimeOverride": False, "isDuplicateReads": False, "base_recalibration_mode": "standard_recal",
        "realign": False, "custom_args": False,
    }
    for a in ["beadfindargs", "thumbnailbeadfindargs", "analysisargs", "thumbnailanalysisargs", "prebasecallerargs",
              "prethumbnailbasecallerargs", "calibrateargs", "thumbnailcalibrateargs", "basecallerargs",
              "thumbnailbasecallerargs", "alignmentargs", "thumbnailalignmentargs", "ionstatsargs", "thumbnailionstatsargs"]:
        rec[a] = ""
    rec["basecallerargs"] = "BaseCaller --barcode-filter-minreads 10"
    rec.update(kw)
    return rec


TVC = {"variantCaller": {"id": 1, "name": "variantCaller", "version": "5.18.0.1", "features": [],
                         "userInput": {"variationtype": "Germline", "meta": {"configuration": "germline_low_stringency"}}}}
COV = {"coverageAnalysis": {"id": 2, "name": "coverageAnalysis", "version": "5.18.0.3", "features": [], "userInput": {}}}

SETTINGS = [
    settings(150, 50, "inactive", True, dict(TVC)),
    settings(151, 51, "run", True, dict(TVC, **COV)),
    settings(152, 52, "run", False, dict(COV), targetRegionBedFile=None, hotSpotRegionBedFile=None, sseBedFile=None),
    settings(153, 53, "run", False, {}, reference="hg19", libraryKitName="Ion Xpress Plus Fragment Library Kit",
             targetRegionBedFile="", custom_args=True, analysisargs="Analysis --from-beadfind"),
    settings(154, 54, "planned", True, dict(TVC)),
    settings(155, 55, "run", False, {}),
]


def plan(pid, name, exp, status, executed, eas, short, **kw):
    rec = {
        "id": pid, "planName": name.replace(" ", "_"), "planGUID": "6f7d%04d-0c1b-4e2a-8d3f-%012d" % (pid, pid), "planShortID": short,
        "planExecuted": executed, "planStatus": status, "username": "ionadmin", "planPGM": "", "date": iso(T0 - timedelta(days=1, microseconds=-pid)),
        "planExecutedDate": None, "metaData": {}, "seqKitBarcode": None, "expName": "", "usePreBeadfind": True,
        "usePostBeadfind": False, "cycles": None, "autoName": None, "preAnalysis": True, "runType": "AMPS", "adapter": None,
        "runname": None, "storageHost": None, "reverse_primer": None, "irworkflow": "", "libkit": None, "storage_options": "A",
        "isReverseRun": False, "planDisplayedName": name, "runMode": "single", "isReusable": False, "isFavorite": False,
        "isSystem": False, "isSystemDefault": False, "isPlanGroup": False, "parentPlan": None,
        "templatingKitBarcode": None, "templatingKitName": "Ion Chef S530 V2", "controlSequencekitname": None,
        "pairedEndLibraryAdapterName": None, "samplePrepKitName": None, "sampleTubeLabel": None,
        "sampleGrouping": None, "applicationGroup": None, "latestEAS": eas, "categories": "Oncomine;onco_solidTumor",
        "libraryReadLength": 200, "origin": "gui|5.18.1", "samplePrepProtocol": "", "libraryPool": "", "isCustom_kitSettings": False,
    }
    assert next(e for e in EXPERIMENTS if e["id"] == exp)["plan"] == pid, (pid, exp)
    rec.update(kw)
    return rec


PLANS = [
    plan(60, "Oncomine Focus DNA template", 50, "inactive", False, 150, "TMPL6", isReusable=True, isFavorite=True, origin="|5.18.1"),
    plan(61, "Oncomine Focus run 101", 51, "run", True, 151, "P61AB", planExecutedDate=iso(T0 + timedelta(seconds=1, microseconds=1))),
    plan(62, "Coverage run 102", 52, "run", True, 152, "P62CD", planExecutedDate=iso(T0 + timedelta(days=1, seconds=2)), runType="AMPS_EXOME",
         categories="", libraryPool="1", metaData={"fromTemplate": "Oncomine Focus DNA template"}),
    plan(63, "Whole genome run 103", 53, "run", True, 153, "P63EF", planExecutedDate=iso(T0 + timedelta(days=2, seconds=3)), runType="WGNM",
         templatingKitName="Ion PI Hi-Q Chef Kit", categories=None, libraryReadLength=0),
    plan(64, "Next Oncomine Focus run", 54, "planned", False, 154, "P64GH", sampleTubeLabel="TUBE-0042"),
]

# The columns each existing result gains, by result id: 101-103 analyse
# experiments 51-53 with their settings.
RESULT_RUNS = {
    101: {"experiment": 51, "eas": 151, "representative": True, "reference": "hg19", "diskusage": 23456, "runid": "K4AQT",
          "metaData": {}, "log": "", "timeToComplete": "145"},
    102: {"experiment": 52, "eas": 152, "representative": False, "reference": None, "diskusage": None, "runid": "P2BRX",
          "metaData": {"thumb": 1, "MergeBam": {"version": "1.0", "ratio": 0.5}}, "log": "", "timeToComplete": "212",
          "resultsType": "", "reportStatus": None},
    103: {"experiment": 53, "eas": 153, "representative": False, "reference": "hg19", "diskusage": 512, "runid": "9ZZQ1",
          "metaData": {"Info": "re-analysis from BaseCalling", "uploaded_by": "ionadmin"}, "log": "", "timeToComplete": "0",
          "parentIDs": ":101:", "autoExempt": True},
}


def result_columns(r):
    cols = {"representative": False, "log": "", "analysisVersion": "db:5.18.1,an:5.18.3,", "processedCycles": 0,
            "processedflows": 500, "framesProcessed": 0, "timeToComplete": "0", "reportstorage": 1, "runid": "",
            "reportStatus": "Nothing", "autoExempt": False, "reference": None, "resultsType": "", "parentIDs": "",
            "diskusage": None, "metaData": {}}
    cols.update(RESULT_RUNS[r["id"]])
    cols["log"] = r["reportLink"] + "log.html"
    return cols


def add_runs(seed):
    for r in seed["results"]:
        r.update(result_columns(r))
    seed["reportstorages"] = [REPORT_STORAGE]
    seed["experiments"] = EXPERIMENTS
    seed["analysissettings"] = SETTINGS
    seed["plans"] = PLANS
    check(seed)


def check(seed):
    exps = {e["id"]: e for e in seed["experiments"]}
    for r in seed["results"]:
        assert r["experiment"] in exps, r
    plans = {p["id"] for p in seed["plans"]}
    assert all(e["plan"] in plans for e in seed["experiments"] if e["plan"] is not None)
    for s in seed["analysissettings"]:
        assert s["experiment"] in exps, s
    assert any(e["plan"] is None for e in seed["experiments"])
    assert any(e["log"] and "runtype" not in e["log"] for e in seed["experiments"])
