"""The pipeline commits finished tasks in batches, and keeps them when the run is interrupted."""

from __future__ import annotations

import pytest

from sselab.simulate.virtual_study import write_virtual_study
from sselab.store import Store, open_store
from sselab.study import pipeline


def test_batches_and_an_interrupted_run(tmp_path, monkeypatch):
    manifest = write_virtual_study(tmp_path / "study", seed=3, structure=False)
    db = tmp_path / "batches.sqlite"
    batches: list[int] = []
    real_many = Store.record_many

    def spy(self, records):
        records = list(records)
        batches.append(len(records))
        return real_many(self, records)

    real_execute = pipeline.execute

    def interrupted(tasks, *args, **kwargs):
        for n, item in enumerate(real_execute(tasks, *args, **kwargs), start=1):
            yield item
            if n == 7:
                raise KeyboardInterrupt

    monkeypatch.setattr(Store, "record_many", spy)
    monkeypatch.setattr(pipeline, "COMMIT_EVERY_N", 4)
    monkeypatch.setattr(pipeline, "COMMIT_EVERY_S", 1e9)
    monkeypatch.setattr(pipeline, "execute", interrupted)
    with pytest.raises(KeyboardInterrupt):
        pipeline.run_study(manifest, db)
    assert batches == [4, 3]  # one full batch, then the 3 finished tasks kept on the way out
    with open_store(db) as s:
        assert s.count("analyses") == 7

    monkeypatch.setattr(pipeline, "execute", real_execute)
    batches.clear()
    final = pipeline.run_study(manifest, db)
    assert final.n_failed == 0 and final.n_skipped == 7 and final.n_run == final.n_tasks - 7
    assert max(batches) <= 4 and sum(batches) == final.n_run
    with open_store(db) as s:
        rows = s.analyses()
    keys = {(a["input_hash"], a["method"], a["settings_hash"], a["sselab_version"]) for a in rows}
    assert len(rows) == len(keys) == final.n_tasks
