"""Throughput of spectrum fits through sselab.study.dask_executor.run_tasks: serial, 1 and 2 workers.

    .venv/bin/python benchmarks/bench_dask_scaling.py --n 200 --per-task 20

Each task fits ``--per-task`` spectra with the batched engine (a realistic unit: one file of
a series, or a slice of a campaign).  Fits are CPU-bound and independent, so throughput
scales with worker processes up to the physical cores (here 2, shared with other users),
minus the cluster start-up (~2–5 s, excluded below) and pickling of spectra (small: 100
points × 24 bytes).  On a cluster (dask-jobqueue), expect near-linear scaling while each
task runs much longer than the scheduler's ~1 ms per-task overhead: use tasks of ≥ 100
spectra.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_dataset import load  # noqa: E402

from sselab.simulate.paper import EBE_STACK_CIRCUIT  # noqa: E402


def fit_chunk(chunk: tuple[np.ndarray, np.ndarray]) -> list[float]:
    from sselab.eis.batch import fit_circuit_batch
    from sselab.measurements import Spectrum

    f, Z = chunk
    fits = fit_circuit_batch([Spectrum(frequency_Hz=f, impedance_ohm=z) for z in Z], EBE_STACK_CIRCUIT)
    return [fit.chi2 for fit in fits]


def main() -> None:
    from distributed import Client, LocalCluster

    from sselab.study.dask_executor import run_tasks

    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--per-task", type=int, default=20)
    a = ap.parse_args()
    ds = load(1000)
    f, Z = ds["frequency_Hz"], ds["Z"][: a.n]
    tasks = [(f, Z[i : i + a.per_task]) for i in range(0, a.n, a.per_task)]
    t = time.perf_counter()
    ref = run_tasks(tasks, fit_chunk)
    print(f"serial (no dask): {a.n / (time.perf_counter() - t):7.1f} spectra/s")
    for workers in (1, 2):
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None) as cl, \
                Client(cl) as client:
            run_tasks(tasks[:1], fit_chunk, scheduler=client)  # warm the workers' imports
            t = time.perf_counter()
            got = run_tasks(tasks, fit_chunk, scheduler=client)
            dt = time.perf_counter() - t
        assert got == ref
        print(f"dask, {workers} worker(s): {a.n / dt:7.1f} spectra/s  (identical results to serial)")


if __name__ == "__main__":
    main()
