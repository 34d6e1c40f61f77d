"""run_tasks on a real 2-worker LocalCluster: identical to serial, survives a killed worker."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pytest

distributed = pytest.importorskip("distributed")
import cloudpickle  # noqa: E402  (a dependency of distributed)

from sselab.eis.fit import fit_circuit  # noqa: E402
from sselab.eis.simulate import simulate_spectrum  # noqa: E402
from sselab.study.dask_executor import run_tasks  # noqa: E402

CIRCUIT = "R0-p(R1,CPE1)-p(R2,CPE2)"

# the worker processes cannot import this test module: ship its functions by value
cloudpickle.register_pickle_by_value(sys.modules[__name__])


def _spectra(n: int) -> list:
    rng = np.random.default_rng(7)
    f = np.logspace(6, -1, 40)
    return [
        simulate_spectrum(CIRCUIT, {"R0": 20.0, "R1": 10 ** rng.uniform(3, 4), "CPE1.Q": 1e-9, "CPE1.n": 0.9,
                                    "R2": 10 ** rng.uniform(4.5, 5), "CPE2.Q": 1e-6, "CPE2.n": 0.8},
                          f, noise=0.005, seed=i, source=f"s{i}")
        for i in range(n)
    ]


def fit_task(spectrum) -> dict:
    d = fit_circuit(spectrum, CIRCUIT).to_dict()
    return {"source": d["source"], "chi2": d["chi2"], "values": {k: p["value"] for k, p in d["parameters"].items()}}


def fit_or_die(task) -> dict:
    """Kill the worker process the first time task ``victim`` runs (marker file), log completions."""
    index, spectrum, marker, log, victim = task
    if index == victim and not os.path.exists(marker):
        Path(marker).write_text("died once")
        os._exit(1)
    out = fit_task(spectrum)
    with open(log, "a") as fh:
        fh.write(f"{index}\n")
    return out


def _same(got: list[dict], ref: list[dict]) -> None:
    """Same order and sources; numbers equal to 1e-9 relative.

    Dask's workers run numpy with one BLAS thread (``distributed.nanny.pre-spawn-environ``),
    so their sums may differ from this process's in the last bit: compare to 1e-9, not ==.
    """
    assert [g["source"] for g in got] == [r["source"] for r in ref]
    for g, r in zip(got, ref):
        assert g["chi2"] == pytest.approx(r["chi2"], rel=1e-9)
        assert g["values"].keys() == r["values"].keys()
        for k in r["values"]:
            assert g["values"][k] == pytest.approx(r["values"][k], rel=1e-9, abs=1e-300), k


def test_local_cluster_equals_serial():
    spectra = _spectra(6)
    serial = run_tasks(spectra, fit_task)
    seen = []
    parallel = run_tasks(spectra, fit_task, jobs=2, progress=lambda done, total: seen.append((done, total)))
    _same(parallel, serial)  # same numbers, same order
    assert [s["source"] for s in parallel] == [f"s{i}" for i in range(6)]
    assert seen[-1] == (6, 6) and len(seen) == 6
    # and the fits are right: R1 within 5 % of the truth
    for s, r in zip(spectra, parallel):
        assert r["values"]["R1"] == pytest.approx(s.metadata["truth"]["R1"], rel=0.05)


def test_killed_worker_loses_and_duplicates_nothing(tmp_path):
    spectra = _spectra(6)
    marker, log = str(tmp_path / "died"), str(tmp_path / "log")
    tasks = [(i, s, marker, log, 2) for i, s in enumerate(spectra)]
    expected = [fit_task(s) for s in spectra]
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cl:
        with distributed.Client(cl) as client:
            got = run_tasks(tasks, fit_or_die, scheduler=client)
    assert os.path.exists(marker)  # a worker really died
    _same(got, expected)  # nothing lost, nothing duplicated, input order kept
    done = sorted(int(x) for x in Path(log).read_text().split())
    assert set(done) == set(range(6))
