"""Store.record_many: one transaction, the same rows as record() one by one, all or nothing."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from sselab import store
from sselab.exceptions import StoreError
from sselab.store import AnalysisKey, AnalysisRecord, MeasurementInfo, SampleInfo, ScalarValue
from sselab.store.jsonio import dumps, jsonable

TABLES = ["samples", "measurements", "analyses", "analysis_measurements", "result_values", "figures"]


def _rec(i: int, *, r1: float | None = None, voltage: float | None = 0.1, sample: str | None = None,
         status: str = "ok") -> AnalysisRecord:
    """Record ``i``: sample ``S{i % 3}``, file ``hold_{i % 2}``, three values, one figure."""
    shared = i % 2
    meas = MeasurementInfo(f"/d/hold_{shared}.csv", "dc", f"{shared:064x}", cell_stack="Au|SE|Au",
                           temperature_K=373.15, voltage_V=voltage)
    result = {"chi2": 0.5 + i, "R_ohm": np.float64(100.0 + i if r1 is None else r1),
              "curve": np.array([1.0, np.nan, 3.0]), "parameters": {"R1": {"value": 10.0 + i, "stderr": 0.5}}}
    return AnalysisRecord(key=AnalysisKey(f"{i:064x}", "dc_transient", "s" * 64, "0.1.0"),
                          sample=SampleInfo("study", sample or f"S{i % 3}", "annealed", 6.5e-4, 1.3e-4),
                          measurements=(meas,), settings={"n": np.int64(i)}, result=result,
                          status=status, figures=(("fit", f"/f/{i}.png"),), task_id=f"t{i}")


def _snapshot(db) -> list:
    """Everything but ids and timestamps, in a canonical order."""
    out = []
    for a in db.analyses():
        out.append((a["task_id"], a["sample"], a["status"], a["settings"], a["result"],
                    [(m["path"], m["voltage_V"], m["temperature_K"]) for m in a["measurements"]],
                    a["values"], a["figures"]))
    return sorted(out, key=lambda r: r[0])


def test_record_many_writes_what_record_writes(db_url, tmp_path):
    recs = [_rec(i) for i in range(6)] + [_rec(6, voltage=0.3)]  # 6 and 0: same sample and file
    recs.append(_rec(2, r1=555.0, voltage=0.2))  # a key again: the later wins
    with store.open(db_url) as db:
        ids = db.record_many(recs)
        batched = _snapshot(db)
        counts = {t: db.count(t) for t in TABLES}
    with store.open(tmp_path / "one_by_one.sqlite") as ref:
        one = [ref.record(r) for r in recs]
        expected = _snapshot(ref)
        assert counts == {t: ref.count(t) for t in TABLES}
    assert batched == expected
    assert len(ids) == 8 and ids[2] == ids[7] and len(set(ids)) == 7
    assert len(set(one)) == 7
    assert counts["analyses"] == 7 and counts["samples"] == 3 and counts["measurements"] == 6
    by_task = {r[0]: r for r in batched}
    assert by_task["t2"][4]["R_ohm"] == 555.0 and by_task["t2"][4]["curve"] == [1.0, None, 3.0]
    assert by_task["t2"][3] == {"n": 2}
    # a shared measurement's context is the one written last
    assert by_task["t0"][5] == by_task["t6"][5] == [("/d/hold_0.csv", 0.3, 373.15)]
    assert by_task["t2"][5] == [("/d/hold_0.csv", 0.2, 373.15)]
    assert {v["name"]: v["value"] for v in by_task["t2"][6]}["R_ohm"] == 555.0


def test_record_many_again_keeps_ids_and_duplicates_nothing(db):
    first = db.record_many([_rec(i) for i in range(4)])
    db.accept(first[1], by="ann")
    again = db.record_many([_rec(i, r1=1.0) for i in range(4)])
    assert again == first
    assert db.count("analyses") == 4 and db.count("result_values") == 4 * 3 and db.count("figures") == 4
    got = db.get(first[1])
    assert got["accepted"] and got["accepted_by"] == "ann" and got["result"]["R_ohm"] == 1.0


def test_a_bad_record_writes_nothing_of_its_batch(db):
    db.record(_rec(0))
    bad = AnalysisRecord(key=AnalysisKey("f" * 64, "x", "s" * 64, "0.1.0"), sample=SampleInfo("study", "S9"),
                         values=(ScalarValue("a", 1.0), ScalarValue("a", 2.0)))
    with pytest.raises(StoreError, match="duplicate scalar value names"):
        db.record_many([_rec(1), _rec(2), bad])
    with pytest.raises(StoreError, match="status"):
        db.record_many([_rec(3), _rec(4, status="done")])
    assert db.count("analyses") == 1 and db.count("samples") == 1 and db.count("result_values") == 3
    assert db.record_many([]) == []


def test_unstorable_values_are_a_store_error(db):
    rec = AnalysisRecord(key=AnalysisKey("e" * 64, "x", "s" * 64, "0.1.0"), result={"when": object()})
    with pytest.raises(StoreError, match="cannot store a value of type object"):
        db.record(rec)
    assert db.count("analyses") == 0


def test_dumps_matches_the_careful_walk():
    obj = {"a": [np.float64(1.5), np.float32(0.25), (1, 2)], "b": {1: np.bool_(True), "c": np.arange(3)},
           "d": None, "e": "x", "f": np.array([[1.0, np.inf], [-np.inf, 2.0]]), "g": float("nan")}
    assert json.loads(dumps(obj)) == jsonable(obj)
    assert json.loads(dumps(obj))["f"] == [[1.0, None], [None, 2.0]]
    finite = {"k": [1, 2.5, "s", True, None], "m": np.linspace(0, 1, 3)}
    assert json.loads(dumps(finite)) == json.loads(json.dumps(jsonable(finite)))
    assert math.isclose(json.loads(dumps({"x": np.float32(0.1)}))["x"], 0.1, rel_tol=1e-7)
    # numpy float32 stored at its float64 value (as .tolist() gives it), not re-rounded
    assert json.loads(dumps({"x": np.float32(0.1)}))["x"] == float(np.float32(0.1))


@pytest.mark.parametrize("obj", [
    {"big": 2**70, "x": [1.5e-5, -0.0, 1e300]},  # an integer orjson cannot write: the standard encoder
    {"s": type("S", (str,), {})("sub"), "n": np.nan},  # a str subclass, as the standard encoder writes it
    {1: "a", 2.5: "c", "f": [1e-7, 123456789.125, 5e-324]},
    [np.arange(3), {"nested": (np.float64(2.5), np.int32(-4))}],
])
def test_dumps_gives_the_values_of_the_standard_encoder(obj):
    """The fast path (orjson) and the standard encoder's text parse to the same values."""
    from sselab.store.jsonio import round_trip

    want = json.loads(json.dumps(jsonable(obj)))
    assert json.loads(dumps(obj)) == want and round_trip(obj) == want


def test_dumps_refuses_what_the_store_refused():
    import datetime
    from dataclasses import dataclass

    @dataclass
    class D:
        x: int

    for bad in (datetime.date(2026, 12, 4), D(1), object()):
        with pytest.raises(StoreError, match="cannot store a value of type"):
            dumps({"v": bad})


def test_a_large_batch_links_every_analysis_to_its_own_file(db):
    """More rows than one multi-row statement holds: every id is matched to its own key."""
    recs = []
    for i in range(1300):
        meas = MeasurementInfo(f"/d/f{i}.csv", "eis", f"{i:064x}", temperature_K=300.0 + i)
        recs.append(AnalysisRecord(key=AnalysisKey(f"{i:064x}", "eis_fit", "s" * 64, "0.1.0"),
                                   sample=SampleInfo("study", f"S{i % 7}"), measurements=(meas,),
                                   result={"R_ohm": float(i)}, task_id=f"t{i}"))
    ids = db.record_many(recs[::-1])[::-1]  # written in another order than the keys sort
    assert len(set(ids)) == 1300 and db.count("measurements") == 1300
    for i in (0, 1, 641, 1299):
        got = db.get(ids[i])
        assert got["task_id"] == f"t{i}" and got["result"]["R_ohm"] == float(i)
        assert [(m["path"], m["temperature_K"]) for m in got["measurements"]] == [(f"/d/f{i}.csv", 300.0 + i)]
    assert db.record_many(recs[:3]) == ids[:3]  # again: the same ids


@pytest.mark.parametrize("x", [1.5, -0.0, 1e-300, math.nan, math.inf, -math.inf, None, 3, True, np.float64(2.5),
                               np.float64(np.nan), np.int64(7), np.float32(0.1), "text"])
def test_scalar_values_are_made_json_plain_as_jsonable_makes_them(x):
    from sselab.store.writer import _plain

    got, want = _plain(x), jsonable(x)
    assert type(got) is type(want) and (got == want or (got != got and want != want))


def test_a_result_encoded_ahead_is_stored_as_that_text(db_url):
    """A worker's result comes as JSON text (jsonio.Encoded, with its values): written as it is,
    read back as the dict it encodes, on both backends; values as given."""
    from sselab import store
    from sselab.store import AnalysisKey, AnalysisRecord, SampleInfo, extract_values
    from sselab.store.jsonio import Encoded, dumps

    result = {"Ea_eV": 0.31, "curve": [1.5, float("nan")], "parameters": {"R1": {"value": 12.5, "stderr": 0.5}}}
    text = dumps(result)
    assert text == '{"Ea_eV":0.31,"curve":[1.5,null],"parameters":{"R1":{"value":12.5,"stderr":0.5}}}'
    assert dumps(Encoded(text)) == text
    rec = AnalysisRecord(key=AnalysisKey("e" * 64, "m", "s" * 64, "0.1.0"), sample=SampleInfo("st", "S"),
                         result=Encoded(text), values=extract_values(result), task_id="t")
    with store.open(db_url) as db:
        db.record_many([rec])
        [a] = db.analyses()
    assert a["result"] == {"Ea_eV": 0.31, "curve": [1.5, None], "parameters": {"R1": {"value": 12.5, "stderr": 0.5}}}
    assert [(v["name"], v["value"], v["stderr"]) for v in a["values"]] == [("R1", 12.5, 0.5), ("Ea_eV", 0.31, None)]


def test_the_record_types_and_the_pipeline_load_without_the_database_code():
    """sselab.store loads Store/open_store (SQLAlchemy, Alembic) on first use: the record types,
    the study pipeline and its workers' imports do not pull them in; the names still resolve."""
    import subprocess
    import sys

    code = ("import sys; import sselab.store, sselab.study.pipeline, sselab.study.analyses\n"
            "print(sorted(m for m in ('sqlalchemy', 'alembic') if m in sys.modules))\n"
            "from sselab.store import open_store, Store, TABLE_COLUMNS, head_revision, resolve_url\n"
            "import sselab.store as s; print(s.open is open_store, 'sqlalchemy' in sys.modules)\n"
            "print(sorted(n for n in s.__all__ if not hasattr(s, n)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split("\n")[:3] == ["[]", "True True", "[]"]
