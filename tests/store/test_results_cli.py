"""``sselab results``: table, csv and json views of a store; one-line errors."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from sselab import store
from sselab.store import AnalysisKey, AnalysisRecord, MeasurementInfo, SampleInfo

STUDY_DATA = Path(__file__).resolve().parents[1] / "study" / "data"


def _fill(target, study="Mg3AsN-example", offset=0):
    """Three values and one failed fit; keys differ per study (the study is part of a task's input)."""
    with store.open(target) as db:
        for i, (sample, T, r1) in enumerate([("as-BM", 313.15, 1234.5), ("as-BM", 343.15, 456.25), ("HP600", 313.15, 98.5)]):
            db.record(AnalysisRecord(
                key=AnalysisKey(f"{i + offset:064x}", "eis_fit", "s" * 64, "0.1.0"), sample=SampleInfo(study, sample),
                measurements=(MeasurementInfo(f"/d/{sample}_{T}.csv", "eis", f"{i:064x}", cell_stack="Au|SE|Au",
                                              temperature_K=T),),
                result={"parameters": {"R1": {"value": r1, "stderr": 0.5, "unit": "Ohm"}}}))
        db.record(AnalysisRecord(key=AnalysisKey(f"{offset + 99:064x}", "eis_fit", "s" * 64, "0.1.0"),
                                 sample=SampleInfo(study, "HP600"), status="error", message="did not converge"))


@pytest.fixture
def db_file(tmp_path):
    path = tmp_path / "results.sqlite"
    _fill(path)
    return path


def test_csv_is_the_tidy_table(cli, db_file):
    rc, out, err = cli("results", db_file, "--format", "csv")
    assert rc == 0, err
    frame = pd.read_csv(io.StringIO(out))
    assert list(frame.columns) == store.TABLE_COLUMNS and len(frame) == 4
    ok = frame[frame["status"] == "ok"]
    assert sorted(ok["value"]) == [98.5, 456.25, 1234.5] and set(ok["unit"]) == {"Ohm"}
    assert frame[frame["status"] == "error"]["message"].tolist() == ["did not converge"]
    rc, out, _ = cli("results", db_file, "--format", "csv", "--sample", "HP600")
    assert rc == 0 and set(pd.read_csv(io.StringIO(out))["sample"]) == {"HP600"}


def test_json_holds_every_analysis(cli, db_file):
    rc, out, _ = cli("results", db_file, "--format", "json", "--sample", "as-BM")
    assert rc == 0
    doc = json.loads(out)
    assert [a["result"]["parameters"]["R1"]["value"] for a in doc["analyses"]] == [1234.5, 456.25]
    assert doc["analyses"][0]["measurements"][0]["temperature_K"] == 313.15


def test_table_and_manifest_target(cli, tmp_path):
    study = tmp_path / "study"
    shutil.copytree(STUDY_DATA, study)
    rc, _, err = cli("results", study / "study.yaml")
    assert rc == 2 and err.count("\n") == 1 and "no results for study 'Mg3AsN-example' yet" in err
    (study / "sselab-results").mkdir()
    _fill(study / "sselab-results" / "results.sqlite")
    _fill(study / "sselab-results" / "results.sqlite", study="another", offset=1000)  # same db, other study
    rc, out, err = cli("results", study / "study.yaml")
    assert rc == 0, err
    rows = out.strip().splitlines()
    assert len(rows) == 1 + 4  # header + 3 values + 1 error of this study only
    assert "1234.5 ± 0.5 Ohm" in out and "ERROR: did not converge" in out and "as-BM_313.15.csv" in out


@pytest.mark.parametrize(("args", "message"), [
    (("nope.sqlite",), "no such database file"),
    (("{db}", "--sample", "Q"), "no results for sample 'Q' (samples with results: HP600, as-BM)"),
    (("{db}", "--format", "xml"), "unknown --format 'xml'"),
    (("{bad}",), "file is not a database"),
    (("postgresql://u:secret@127.0.0.1:1/x",), "cannot open results database postgresql+psycopg://u:***@"),
])
def test_bad_input_is_one_line(cli, db_file, tmp_path, args, message):
    bad = tmp_path / "bad.sqlite"
    bad.write_text("hello\n" * 200)
    rc, out, err = cli("results", *[a.format(db=db_file, bad=bad) for a in args])
    assert rc == 2 and out == ""
    assert err.startswith("error: ") and err.count("\n") == 1 and message in err, err
    assert "secret" not in err
