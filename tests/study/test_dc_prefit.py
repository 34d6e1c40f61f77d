"""A serial run fits its DC records' decays in one batch ahead (sselab.study.prefit): the stored
results are those of the tasks run one by one, and the batch really served them."""

from __future__ import annotations

import json

import yaml

from sselab.dc import decay
from sselab.simulate.virtual_study import write_virtual_study
from sselab.store import open_store
from sselab.study import prefit
from sselab.study.pipeline import run_study


def _dc_results(db):
    with open_store(db) as s:
        return {a["task_id"]: json.dumps(a["result"], sort_keys=True, default=str)
                for a in s.analyses() if a["method"] == "dc_transient"}


def test_batched_decays_give_the_one_by_one_results(tmp_path, monkeypatch):
    manifest = write_virtual_study(tmp_path / "study", seed=6, structure=False)
    doc = yaml.safe_load(manifest.read_text(encoding="utf-8"))
    doc["measurements"] = [m for m in doc["measurements"] if m["technique"] == "dc"]
    manifest.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")

    served = []
    real = decay.fit_decays

    def spy(records, model="auto"):
        out = real(records, model)
        served.append(len(records))
        return out

    singles = []
    real_one = decay._fit_one

    def one(*args):
        singles.append(args[0])
        return real_one(*args)

    from sselab.study import analyses

    task_reads = []
    real_read = analyses.read

    def read(path, kind=None, *args):
        task_reads.append(kind)
        return real_read(path, kind, *args)

    monkeypatch.setattr(decay, "fit_decays", spy)
    monkeypatch.setattr(decay, "_fit_one", one)
    monkeypatch.setattr(analyses, "read", read)
    run_study(manifest, tmp_path / "batched.sqlite", jobs=1)
    assert served and served[0] >= 2  # the records were fitted together ...
    assert singles == []  # ... and every task found its fit made ...
    assert "transient" not in task_reads  # ... and its record read (no file parsed twice)

    monkeypatch.setattr(prefit, "MIN_BATCH", 10**9)  # each task fits its own decay
    run_study(manifest, tmp_path / "single.sqlite", jobs=1)
    assert singles and "transient" in task_reads
    batched, single = _dc_results(tmp_path / "batched.sqlite"), _dc_results(tmp_path / "single.sqlite")
    assert len(batched) >= 2 and batched == single
