"""Throughput of spectrum fits through sselab.study.dask_executor.run_tasks: serial, 1 and 2 workers.

    .venv/bin/python benchmarks/bench_dask_scaling.py --n 200 --per-task 20

Each task fits ``--per-task`` spectra with the batched engine (a realistic unit: one file of
a series, or a slice of a campaign).  Also measured: the per-task overhead of the Dask path
(trivial tasks) and the bytes shipped per task, which set the task size needed to scale.

Expected scaling beyond this machine
------------------------------------
The fits are CPU-bound, independent and hold no shared state, so throughput grows with
worker processes until one of three limits:

- cores: here 2 shared cores, so 2 workers can at best double the serial rate, and less
  when other users load the machine;
- per-task overhead: the scheduler, serialisation and result delivery cost about
  ``overhead`` seconds per task (printed below; ~1–5 ms on a LAN); a task must run much
  longer than that (≥ 100 spectra per task, or one study file that takes 50–200 ms) for
  workers × per-task time to dominate, and the single scheduler can route ~1,000–5,000
  tasks/s, capping the total no matter how many workers;
- data transfer: a study task ships a file path and settings (a few kB) and returns a result
  of ~5–20 kB; a spectrum task ships 100 points × 24 bytes.  On a shared filesystem the
  workers read the files themselves, so the network is not a limit up to hundreds of workers.

numpy releases the GIL only inside larger array operations; the batched solver works on
small (rows × 7 × 7) arrays between Python steps, so threads in one worker do not scale:
use ``--nthreads 1`` workers (one process per core), as the LocalCluster here does.  On a
SLURM/PBS cluster with dask-jobqueue, expect near-linear scaling to tens of workers for a
campaign of thousands of files, minus the workers' start-up (imports ~1–2 s each) and the
queue wait.
"""

from __future__ import annotations

import argparse
import os
import pickle
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


def nothing(x: int) -> int:
    return x


def _cpu_of_workers(client) -> float:
    return sum(client.run(lambda: (lambda t: t.user + t.system)(os.times())).values())


def main() -> None:
    from distributed import Client, LocalCluster

    from sselab.study.dask_executor import run_tasks

    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--per-task", type=int, default=20)
    a = ap.parse_args()
    load_avg = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"# {os.cpu_count()} CPUs, load average {load_avg:.1f}; {a.n} spectra in tasks of {a.per_task}")
    ds = load(1000)
    f, Z = ds["frequency_Hz"], ds["Z"][: a.n]
    tasks = [(f, Z[i : i + a.per_task]) for i in range(0, a.n, a.per_task)]
    print(f"bytes shipped per task (pickled): {len(pickle.dumps(tasks[0])):,}")
    t, c = time.perf_counter(), time.process_time()
    ref = run_tasks(tasks, fit_chunk)
    dt, dc = time.perf_counter() - t, time.process_time() - c
    print(f"serial (no dask):   {a.n / dt:7.1f} spectra/s wall, {a.n / dc:7.1f} per CPU-s")
    for workers in (1, 2):
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None) as cl, \
                Client(cl) as client:
            client.run(fit_chunk, tasks[0])  # warm every worker's imports (start-up excluded below)
            cpu0 = _cpu_of_workers(client)
            t = time.perf_counter()
            got = run_tasks(tasks, fit_chunk, scheduler=client)
            dt = time.perf_counter() - t
            cpu = _cpu_of_workers(client) - cpu0
            t = time.perf_counter()
            run_tasks(list(range(200)), nothing, scheduler=client)
            overhead = (time.perf_counter() - t) / 200
        worst = max(abs(x / y - 1) for g, r in zip(got, ref) for x, y in zip(g, r))
        print(f"dask, {workers} worker(s): {a.n / dt:7.1f} spectra/s wall, {a.n / cpu:7.1f} per worker-CPU-s; "
              f"per-task overhead {overhead * 1e3:.1f} ms; max relative χ² difference to serial {worst:.1e}")


if __name__ == "__main__":
    main()
