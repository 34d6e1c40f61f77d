"""A serial study run fits its circuit fits together (one batched call) with the results the
tasks give one by one, and a broken file fails its task only."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from sselab.eis import batch
from sselab.simulate.virtual_study import write_virtual_study
from sselab.study import analyses
from sselab.study.executors import execute, run_safely
from sselab.study.manifest import load_manifest
from sselab.study.tasks import build_tasks


def test_serial_eis_fits_are_batched_with_the_one_by_one_results(tmp_path, monkeypatch):
    manifest = write_virtual_study(tmp_path / "study", seed=3, structure=False)
    tasks = [t for t in build_tasks(load_manifest(manifest)) if t.kind == "eis_fit"][:12]
    assert len(tasks) >= 6
    broken = tmp_path / "broken.csv"
    broken.write_text("frequency,zreal\nnot,numbers\n")
    tasks.append(replace(tasks[0], id="broken", files=(broken,)))
    calls: list[int] = []
    real = batch.fit_circuit_batch

    def spy(spectra, *args, **kwargs):
        calls.append(len(spectra))
        return real(spectra, *args, **kwargs)

    monkeypatch.setenv("SSELAB_FIT_KERNEL", "numpy")
    monkeypatch.setattr(batch, "fit_circuit_batch", spy)
    got = {t.id: o for t, o in execute(tasks, jobs=1)}
    batchable = [t for t in tasks[:-1] if analyses.batchable_eis_fit(t)]
    assert len(batchable) >= 6  # (a mixed-conductor fit runs alone: its model is not a plain circuit fit)
    assert sum(calls) == len(batchable) and len(calls) <= 3  # one call per circuit; the broken file never read
    assert got["broken"].result is None and got["broken"].error
    for t in tasks[:-1]:
        alone = run_safely(t)
        assert got[t.id].error is None and alone.error is None
        a, b = got[t.id].result, alone.result
        assert a["fit"]["chi2"] == b["fit"]["chi2"]
        for name, p in b["fit"]["parameters"].items():
            assert np.isclose(a["fit"]["parameters"][name]["value"], p["value"], rtol=1e-12)
        if "sigma_S_per_cm" in b:
            assert np.isclose(a["sigma_S_per_cm"], b["sigma_S_per_cm"], rtol=1e-12)
        assert a["curves"] == b["curves"]


def test_batchable_excludes_other_kinds(tmp_path):
    manifest = write_virtual_study(tmp_path / "study", seed=3, structure=False)
    tasks = build_tasks(load_manifest(manifest))
    assert {analyses.batchable_eis_fit(t) for t in tasks if t.kind != "eis_fit"} == {False}


def test_pool_eis_fits_run_in_chunks_with_the_one_by_one_results(tmp_path, monkeypatch):
    # with worker processes the circuit fits go to the workers in chunks (run_eis_chunk), not one per task
    from sselab.study import executors

    manifest = write_virtual_study(tmp_path / "study", seed=3, structure=False)
    tasks = [t for t in build_tasks(load_manifest(manifest)) if t.kind == "eis_fit"][:10]
    broken = tmp_path / "broken.csv"
    broken.write_text("frequency,zreal\nnot,numbers\n")
    tasks.append(replace(tasks[0], id="broken", files=(broken,)))
    monkeypatch.setenv("SSELAB_FIT_KERNEL", "numpy")  # inherited by the forked workers
    submitted: list[tuple[str, int]] = []

    class Spy:
        _max_workers = 2

        def __init__(self, pool):
            self.pool = pool

        def submit(self, fn, arg, *rest):
            submitted.append((fn.__name__, len(arg) if isinstance(arg, list) else 1))
            return self.pool.submit(fn, arg, *rest)

    pool = executors.local_pool(2)
    try:
        got = {t.id: o for t, o in executors.execute(tasks, jobs=2, pool=Spy(pool))}
    finally:
        executors.stop_pool(pool)
    n_batch = sum(analyses.batchable_eis_fit(t) for t in tasks)
    assert sum(n for fn, n in submitted if fn == "run_eis_chunk") == n_batch >= 8
    assert max(n for fn, n in submitted if fn == "run_eis_chunk") >= 2
    assert set(got) == {t.id for t in tasks}
    assert got["broken"].result is None and "broken.csv" in got["broken"].error
    for t in tasks[:-1]:
        alone = run_safely(t)
        a, b = got[t.id].result, alone.result
        assert got[t.id].error is None and alone.error is None
        assert np.isclose(a["fit"]["chi2"], b["fit"]["chi2"], rtol=1e-10)
        for name, p in b["fit"]["parameters"].items():
            assert np.isclose(a["fit"]["parameters"][name]["value"], p["value"], rtol=1e-8)
