"""Store.add_measurement / Store.measurements: raw inputs without analyses (web uploads)."""

from __future__ import annotations

import threading

from sselab.store import AnalysisKey, AnalysisRecord, MeasurementInfo, SampleInfo


def _info(path: str, item: int = 0, t_k: float | None = 313.15, digest: str = "a" * 64) -> MeasurementInfo:
    return MeasurementInfo(path, "eis", digest, item=item, temperature_K=t_k, reader="csv")


def test_add_measurement_is_idempotent_and_listed(db):
    hp = SampleInfo("demo", "HP", treatment="hot-pressed", thickness_m=6.5e-4, area_m2=1.327e-4)
    first = db.add_measurement(hp, _info("eis/HP_40C.csv"))
    again = db.add_measurement(hp, _info("eis/HP_40C.csv"))
    second = db.add_measurement(hp, _info("eis/HP_40C.csv", item=1))
    assert first == again != second
    assert db.count("measurements") == 2 and db.count("samples") == 1 and db.count("analyses") == 0
    rows = db.measurements()
    assert [(r["id"], r["item"]) for r in rows] == [(first, 0), (second, 1)]
    r = rows[0]
    assert (r["study"], r["sample"], r["treatment"], r["path"], r["technique"]) == (
        "demo", "HP", "hot-pressed", "eis/HP_40C.csv", "eis")
    assert r["thickness_m"] == 6.5e-4 and r["area_m2"] == 1.327e-4 and r["temperature_K"] == 313.15
    assert r["input_hash"] == "a" * 64 and r["analyses"] == [] and r["created_at"]


def test_add_measurement_keeps_a_known_sample_description(db):
    db.add_measurement(SampleInfo("demo", "HP", treatment="hot-pressed", thickness_m=6.5e-4), _info("a.csv"))
    db.add_measurement(SampleInfo("demo", "HP"), _info("b.csv", digest="b" * 64))
    rows = db.measurements(sample="HP")
    assert len(rows) == 2 and {r["treatment"] for r in rows} == {"hot-pressed"}
    assert {r["thickness_m"] for r in rows} == {6.5e-4}


def test_measurements_filters_and_lists_their_analyses(db):
    hp, bm = SampleInfo("demo", "HP"), SampleInfo("demo", "LP")  # same case: one order in every collation
    m_hp = db.add_measurement(hp, _info("hp.csv", t_k=353.15))
    m_hp_cold = db.add_measurement(hp, _info("hp_cold.csv", t_k=313.15, digest="c" * 64))
    m_bm = db.add_measurement(bm, MeasurementInfo("bm.csv", "dc", "d" * 64, voltage_V=0.5))
    rec = AnalysisRecord(key=AnalysisKey("a" * 64, "eis_fit", "s" * 64, "t"), sample=hp,
                         measurements=(_info("hp.csv", t_k=353.15),), result={"chi2": 1.5})
    aid = db.record(rec)
    db.accept(aid, by="alice")
    # ordered by sample name, then temperature
    assert [r["id"] for r in db.measurements(sample="HP")] == [m_hp_cold, m_hp]
    assert [r["id"] for r in db.measurements(technique="dc")] == [m_bm]
    assert [r["id"] for r in db.measurements(ids=[m_bm, m_hp])] == [m_hp, m_bm]
    assert db.measurements(study="other") == []
    by_id = {r["id"]: r for r in db.measurements()}
    (a,) = by_id[m_hp]["analyses"]
    assert (a["id"], a["method"], a["status"], a["accepted"], a["accepted_by"]) == (aid, "eis_fit", "ok", True, "alice")
    assert a["accepted_at"] and by_id[m_hp_cold]["analyses"] == [] and by_id[m_bm]["voltage_V"] == 0.5
    # the record's measurement is the one added before: same id, no duplicate
    assert db.count("measurements") == 3


def test_concurrent_adds_give_one_row(db):
    ids: list[int] = []
    errors: list[BaseException] = []

    def add() -> None:
        try:
            ids.append(db.add_measurement(SampleInfo("demo", "S1"), _info("same.csv")))
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=add) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and len(set(ids)) == 1 and len(ids) == 6
    assert db.count("measurements") == 1 and db.count("samples") == 1
