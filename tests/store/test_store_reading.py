"""The store keeps how each measurement was read (issue #15): a file whose reader dropped
rows is stored with a ``rows_dropped`` warning, by the pipeline and by a direct add."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from sqlalchemy import create_engine, text

from sselab.io import read
from sselab.simulate.virtual_study import write_virtual_study
from sselab.store import MeasurementInfo, SampleInfo, open_store
from sselab.store.connect import head_revision
from sselab.store.jsonio import round_trip
from sselab.store.records import extract_values
from sselab.study.executors import run_safely, settled
from sselab.study.manifest import load_manifest
from sselab.study.pipeline import _record
from sselab.study.tasks import build_tasks

F = np.logspace(5, -1, 25)
Z = 100 + 1e4 / (1 + 1j * F / 1e3)


def _cut_csv(tmp_path):
    """A spectrum file cut inside its last number: the reader drops that row and says so."""
    p = tmp_path / "cut.csv"
    np.savetxt(p, np.c_[F, Z.real, Z.imag], delimiter=",", header="f (Hz),Z' (Ohm),Z'' (Ohm)", comments="")
    p.write_bytes(p.read_bytes()[:-2])
    return p


def test_added_measurement_keeps_its_reading_warning(db, tmp_path):
    [s] = read(_cut_csv(tmp_path), kind="spectrum")
    assert s.n_points == F.size - 1
    mid = db.add_measurement(SampleInfo("demo", "HP"), MeasurementInfo(
        "cut.csv", "eis", "c" * 64, reading=s.verdict.to_dict()))
    [row] = db.measurements(ids=[mid])
    assert row["reading_status"] == "warning" and row["reading_verdict"]["status"] == "warning"
    [reason] = [r for r in row["reading_verdict"]["reasons"] if r["code"] == "rows_dropped"]
    assert reason["severity"] == "warning" and "line 26" in reason["message"] and "dropped" in reason["message"]
    # a later record that did not read the file keeps the stored reading
    db.add_measurement(SampleInfo("demo", "HP"), MeasurementInfo("cut.csv", "eis", "c" * 64, temperature_K=300.0))
    [row] = db.measurements(ids=[mid])
    assert row["reading_status"] == "warning" and row["temperature_K"] == 300.0
    # an unknown reading is None, a clean one "ok" with no reasons
    other = db.add_measurement(SampleInfo("demo", "HP"), MeasurementInfo("x.csv", "eis", "d" * 64))
    clean = db.add_measurement(SampleInfo("demo", "HP"), MeasurementInfo(
        "y.csv", "eis", "e" * 64, reading={"status": "ok", "reasons": []}))
    rows = {r["id"]: r for r in db.measurements()}
    assert rows[other]["reading_verdict"] is None
    assert rows[clean]["reading_verdict"] == {"status": "ok", "reasons": []}


def test_pipeline_stores_the_reading_of_a_cut_file(tmp_path):
    study = load_manifest(write_virtual_study(tmp_path / "study", seed=3, structure=False))
    task = next(t for t in build_tasks(study) if t.kind == "eis_fit")
    good = run_safely(task)
    assert good.error is None and good.result["reading"][str(task.files[0])]["status"] == "ok"
    path = _cut_csv(tmp_path)
    task = replace(task, id="cut", files=(path,))
    cut = run_safely(task)
    assert cut.error is None
    reading = cut.result["reading"][str(path)]
    assert reading["status"] == "warning" and [r["code"] for r in reading["reasons"]] == ["rows_dropped"]
    assert cut.result["fit"]["status"] == "warning"  # the fit says so too
    assert "rows_dropped" in [r["code"] for r in cut.result["fit"]["reasons"]]
    with open_store(tmp_path / "r.sqlite") as db:
        db.record(_record(study, task, settled(cut)))  # encoded where it ran, as a worker's chunk is
        [row] = [r for r in db.measurements() if r["path"] == str(path)]
        assert row["reading_verdict"]["status"] == "warning"
        assert row["reading_verdict"]["reasons"][0]["code"] == "rows_dropped"
        [a] = db.analyses()
        assert a["measurements"][0]["reading_verdict"]["status"] == "warning"
        assert a["result"] == round_trip(cut.result)  # the text encoded ahead is the result's
        assert a["values"] == [{"name": v.name, "value": v.value, "stderr": v.stderr, "unit": v.unit}
                               for v in extract_values(cut.result)]
    from sselab.report import write_report

    page = write_report(tmp_path / "r.sqlite", tmp_path / "out").read_text()
    readings = page.split("<h2>Readings</h2>", 1)[1].split("<h2>", 1)[0]
    assert "cut.csv" in readings and "rows_dropped" in readings and "warning" in readings


def test_migration_from_0001_leaves_old_readings_unknown(tmp_path):
    from alembic import command

    from sselab.store.connect import _alembic_config, make_engine

    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    engine = make_engine(url)
    with engine.begin() as conn:
        command.upgrade(_alembic_config(conn), "0001")
        conn.execute(text("INSERT INTO samples (id, study, name, created_at) VALUES (1, 's', 'A', '2026-01-01')"))
        conn.execute(text("INSERT INTO measurements (sample_id, path, item, technique, input_hash, created_at) "
                          "VALUES (1, 'a.csv', 0, 'eis', 'ab', '2026-01-01')"))
    engine.dispose()
    with open_store(url) as db:
        [row] = db.measurements()
        assert row["path"] == "a.csv" and row["reading_verdict"] is None
    with create_engine(url).connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == head_revision() == "0002"
