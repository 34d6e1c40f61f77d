"""Round trip, idempotent upsert, accepted fits and migrations, on SQLite and PostgreSQL."""

from __future__ import annotations

import numpy as np
import pytest

from sselab import store
from sselab.exceptions import StoreError
from sselab.fitting import Parameter, Parameters, fit
from sselab.store import AnalysisKey, AnalysisRecord, MeasurementInfo, SampleInfo, ScalarValue

TABLES = ["samples", "measurements", "analyses", "analysis_measurements", "result_values", "figures"]


def _line_fit():
    """A real FitResult: y = 2.5 x + 1.0 with small deterministic noise."""
    x = np.linspace(0.0, 1.0, 21)
    y = 2.5 * x + 1.0 + 0.01 * np.sin(7 * x)

    def fun(P, rows):
        return P[:, :1] * x + P[:, 1:2] - y, None

    params = Parameters([Parameter("a", 1.0, unit="V"), Parameter("b", 0.5, unit="V")])
    return fit(fun, params)


def _key(i=0, settings="s" * 64, method="eis_fit", version="0.1.0"):
    return AnalysisKey(f"{i:064x}", method, settings, version)


def _counts(db):
    return {t: db.count(t) for t in TABLES}


def test_round_trip_of_a_fit(db):
    res = _line_fit()
    meas = (
        MeasurementInfo("/d/a_40C.mpt", "eis", "1" * 64, cell_stack="Mg|eBE|SE|eBE|Mg",
                        temperature_K=313.15, reader="biologic_mpt"),
        MeasurementInfo("/d/a_70C.mpt", "eis", "2" * 64, item=1, temperature_K=343.15),
    )
    rec = AnalysisRecord(key=_key(), sample=SampleInfo("study", "as-BM", "ball-milled", 6.5e-4, 1.327e-4),
                         measurements=meas, settings={"circuit": "R0-p(R1,CPE1)", "weighting": "modulus"},
                         result=res.to_dict(), figures=(("nyquist", "/f/a.png"), ("bode", "/f/b.svg")),
                         task_id="as-BM/eis/a", duration_s=0.25)
    aid = db.record(rec)
    got = db.get(aid)
    assert got["result"] == res.to_dict()
    assert got["settings"] == rec.settings and got["settings_hash"] == "s" * 64
    assert (got["sample"], got["study"], got["status"], got["sselab_version"]) == ("as-BM", "study", "ok", "0.1.0")
    assert [m["path"] for m in got["measurements"]] == ["/d/a_40C.mpt", "/d/a_70C.mpt"]
    assert got["measurements"][0]["temperature_K"] == 313.15
    assert got["measurements"][0]["cell_stack"] == "Mg|eBE|SE|eBE|Mg"
    assert got["measurements"][1]["item"] == 1
    assert got["figures"] == [{"name": "nyquist", "path": "/f/a.png"}, {"name": "bode", "path": "/f/b.svg"}]
    values = {v["name"]: v for v in got["values"]}
    for p in res.parameters:
        assert values[p.name]["value"] == pytest.approx(p.value, rel=1e-12)
        assert values[p.name]["stderr"] == pytest.approx(p.stderr, rel=1e-12)
        assert values[p.name]["unit"] == "V"
    assert values["a"]["value"] == pytest.approx(2.5, abs=0.02)
    assert values["chi2"]["value"] == pytest.approx(res.chi2)
    assert got["created_at"] is not None and got["accepted"] is False
    table = db.table(sample="as-BM")
    assert list(table.columns) == store.TABLE_COLUMNS
    row = table[table["name"] == "b"].iloc[0]
    assert row["value"] == pytest.approx(res["b"].value) and row["path"] == "<2 files>"
    assert np.isnan(row["temperature_K"])  # the two inputs differ in temperature
    assert db.table(sample="nobody").empty


def test_rerun_neither_duplicates_nor_loses_rows(db):
    first = [db.record(_record(i)) for i in range(4)]
    counts = _counts(db)
    assert counts == {"samples": 2, "measurements": 4, "analyses": 4, "analysis_measurements": 4,
                      "result_values": 8, "figures": 4}
    again = [db.record(_record(i)) for i in range(4)]
    assert again == first and _counts(db) == counts
    # a re-run with a changed result replaces values in place, keeping the accepted flag
    db.accept(first[0], by="alice")
    db.record(_record(0, r1=555.0))
    got = db.get(first[0])
    assert {v["name"]: v["value"] for v in got["values"]}["R1"] == 555.0
    assert got["accepted"] and got["accepted_by"] == "alice" and _counts(db) == counts


def _record(i, r1=None, settings="s" * 64, status="ok"):
    return AnalysisRecord(
        key=_key(i, settings), sample=SampleInfo("st", f"S{i % 2}"),
        measurements=(MeasurementInfo(f"/d/{i}.mpt", "eis", f"{i:064x}"),),
        result={"parameters": {"R1": {"value": r1 if r1 is not None else 100.0 + i, "stderr": 1.0, "unit": "Ohm"}},
                "chi2": 1.0} if status == "ok" else None,
        status=status, message=None if status == "ok" else "fit failed", figures=(("nyquist", f"/f/{i}.png"),))


def test_done_lookup_is_keyed_on_all_four_parts(db):
    db.record(_record(1))
    db.record(_record(2, status="error"))
    assert db.is_done(_key(1))
    assert not db.is_done(_key(1, settings="t" * 64))
    assert not db.is_done(_key(1, version="0.2.0"))
    assert not db.is_done(_key(1, method="drt"))
    assert not db.is_done(_key(2)) and db.is_done(_key(2), include_errors=True)
    keys = [_key(i) for i in range(300)]
    assert db.done_keys(keys) == {_key(1)}
    # a changed setting is a new analysis, the old one stays
    db.record(_record(1, settings="t" * 64))
    assert db.count("analyses") == 3 and len(db.analyses(method="eis_fit", sample="S1")) == 2
    err = db.analyses(status="error")
    assert len(err) == 1 and err[0]["message"] == "fit failed" and err[0]["result"] is None


def test_accept_records_who_and_replaces_the_previous_choice(db):
    a = db.record(_record(1))
    b = db.record(_record(1, settings="t" * 64))  # same measurement, another circuit
    other = db.record(_record(3))  # same sample, another measurement
    db.accept(other, by="carol")
    db.accept(a, by="alice")
    db.accept(b, by="bob")
    got = {x["id"]: x for x in db.analyses()}
    assert not got[a]["accepted"] and got[a]["accepted_by"] is None
    assert got[b]["accepted"] and got[b]["accepted_by"] == "bob" and got[b]["accepted_at"]
    assert got[other]["accepted"] and got[other]["accepted_by"] == "carol"
    with pytest.raises(StoreError, match="no analysis with id 999"):
        db.accept(999, by="x")


def test_values_are_cleaned_and_explicit_values_win(db):
    rec = AnalysisRecord(key=_key(7), sample=SampleInfo("st", "S"),
                         result={"sigma_S_per_cm": float("nan"), "Ea_eV": np.float64(0.3), "n": np.int64(4),
                                 "arr": np.array([1.0, np.inf])})
    got = db.get(db.record(rec))
    assert got["result"] == {"sigma_S_per_cm": None, "Ea_eV": 0.3, "n": 4, "arr": [1.0, None]}
    assert {v["name"]: (v["value"], v["unit"]) for v in got["values"]} == {
        "sigma_S_per_cm": (None, "S/cm"), "Ea_eV": (0.3, "eV"), "n": (4.0, None)}
    rec2 = AnalysisRecord(key=_key(8), sample=SampleInfo("st", "S"), result={"x": 1.0},
                          values=(ScalarValue("sigma_ion", 5.54e-4, 1e-5, "S/cm"),))
    assert db.get(db.record(rec2))["values"] == [
        {"name": "sigma_ion", "value": 5.54e-4, "stderr": 1e-5, "unit": "S/cm"}]
    with pytest.raises(StoreError, match="status"):
        db.record(AnalysisRecord(key=_key(9), status="done"))


def test_schema_is_at_head_and_matches_the_models(db_url):
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from sselab.store.connect import current_revision
    from sselab.store.schema import Base

    with store.open(db_url) as db, store.open(db_url) as again:  # second open: nothing to do
        assert current_revision(db.engine) == store.head_revision() == current_revision(again.engine)
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
        assert diff == []


def test_bad_targets_are_one_line_store_errors(tmp_path):
    with pytest.raises(StoreError, match="does not exist"):
        store.open(tmp_path / "missing" / "r.sqlite")
    with pytest.raises(StoreError, match="in-memory"):
        store.open("sqlite://")
    bad = tmp_path / "bad.sqlite"
    bad.write_text("not a database\n" * 100)
    with pytest.raises(StoreError, match="file is not a database"):
        store.open(bad)
    with pytest.raises(StoreError, match="cannot open results database postgresql"):
        store.open("postgresql://u:secret@127.0.0.1:1/none")
    assert store.resolve_url("postgres://h/db") == "postgresql+psycopg://h/db"


def test_sqlite_file_uses_wal(tmp_path):
    with store.open(tmp_path / "r.sqlite") as db, db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 10000
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_a_derived_record_does_not_erase_a_files_temperature(db):
    """The per-file fit stores the file with its temperature and cell; a later analysis that
    lists the same file without them (the pipeline's deconvolution) keeps them, while a
    record that gives a new value still updates it."""
    file = MeasurementInfo("/d/stack_40C.mpt", "eis", "a" * 64, cell_stack="Mg|eBE|SE|eBE|Mg", temperature_K=313.15)
    bare = MeasurementInfo("/d/stack_40C.mpt", "eis", "a" * 64)
    sample = SampleInfo("st", "S0")
    db.record(AnalysisRecord(key=_key(1), sample=sample, measurements=(file,), result={"chi2": 1.0}))
    db.record(AnalysisRecord(key=_key(2, method="deconvolution"), sample=sample, measurements=(bare,),
                             result={"Ea_eV": 0.3}))
    [m] = db.measurements(sample="S0")
    assert m["temperature_K"] == pytest.approx(313.15) and m["cell_stack"] == "Mg|eBE|SE|eBE|Mg"
    moved = MeasurementInfo("/d/stack_40C.mpt", "eis", "a" * 64, temperature_K=314.0)
    db.record(AnalysisRecord(key=_key(3), sample=sample, measurements=(moved,), result={"chi2": 1.0}))
    assert db.measurements(sample="S0")[0]["temperature_K"] == pytest.approx(314.0)
