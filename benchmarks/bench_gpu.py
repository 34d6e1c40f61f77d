r"""The optional GPU path of circuit fitting (:mod:`sselab.eis.kernel._torch`) against the numba
kernel on every core of the same machine, in one run, on the benchmark sets of ``bench_fit.py``.

Needs PyTorch (on a machine with a CUDA device for the GPU's figures; on the CPU the torch rows
measure PyTorch's CPU tensors, which only checks that the script runs)::

    PYTHONPATH=src python benchmarks/bench_gpu.py --sizes 5000 50000 --repeats 2 --json out.json

Configurations, each timed as ``fit_circuit_batch(spectra, circuit)`` + ``FitBatch.table()`` (as
``bench_fit.py``'s batched rows), interleaved per repeat, after an untimed warm-up of each (numba's
compilation, CUDA's initialisation):

* ``numba, T threads``: ``SSELAB_FIT_KERNEL=numba``, ``SSELAB_FIT_THREADS=T`` (every core);
* ``numba, 1 thread``: ``SSELAB_FIT_THREADS=1``;
* ``torch``: ``SSELAB_FIT_KERNEL=torch``: every LM solve on the GPU, the start search, the final
  pass and the result table on the CPU's numba threads as above; the time inside the GPU's solves
  is printed beside, and each solve's rows, seconds and iterations;
* ``auto``: the default choice (the GPU for solves of at least ``GPU_MIN_ROWS`` spectra when
  PyTorch sees one, numba otherwise).

Quality as in ``bench_fit.py``: χ² = Σ|Z − Ẑ|²/|Z|² per spectrum, the noise floor 2·N·σ², a
failure is a non-finite prediction or χ² above 10× the floor; ``agree`` is the fraction of spectra
whose χ² on the GPU is within 1e-6 (relative) of the numba kernel's, ``worse`` the fraction where
it is more than 1 % above it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_dataset import NOISE, RANDOM_CIRCUIT, RANDOM_NOISE, make, make_random  # noqa: E402

from sselab.eis.batch import FitFailure, fit_circuit_batch  # noqa: E402
from sselab.eis.kernel import _torch, dispatch  # noqa: E402
from sselab.measurements import Spectrum  # noqa: E402
from sselab.simulate.paper import EBE_STACK_CIRCUIT  # noqa: E402

SETS = {"ebe": (make, EBE_STACK_CIRCUIT, NOISE), "random": (make_random, RANDOM_CIRCUIT, RANDOM_NOISE)}


class _SolveClock:
    """Wall time spent inside one LM solve function: :func:`sselab.eis.kernel._torch.outcome` (it
    returns host arrays, so the device is synchronised when it returns) or the numba kernel's
    :func:`sselab.eis.kernel.dispatch._compiled_outcome`."""

    def __init__(self, inner) -> None:
        self.seconds = 0.0
        self.calls: list[tuple[int, float, int]] = []  # (rows, seconds, iterations of the slowest row)
        self._inner = inner

    def __call__(self, *args, **kwargs):
        t = time.perf_counter()
        out = self._inner(*args, **kwargs)
        dt = time.perf_counter() - t
        self.seconds += dt
        self.calls.append((len(out[0]), dt, int(out[1].n_iter.max(initial=0))))
        return out


def _spectra(kind: str, n: int):
    make_fn, circuit, noise = SETS[kind]
    d = make_fn(n, 0)
    f = d["frequency_Hz"]
    specs = [Spectrum(frequency_Hz=f, impedance_ohm=z) for z in d["Z"]]
    floor = 2 * d["Z"].shape[1] * noise**2
    return specs, d["Z"], circuit, floor


def _run(specs, circuit, env: dict[str, str], chunk: int = 2048):
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        t = time.perf_counter()
        batch = fit_circuit_batch(specs, circuit, chunk_size=chunk)
        batch.table()
        wall = time.perf_counter() - t
    finally:
        for k, v in old.items():
            os.environ.pop(k) if v is None else os.environ.__setitem__(k, v)
    preds = [None if isinstance(r, FitFailure) else r.predict() for r in batch]
    engines = sorted({r.engine for r in batch if not isinstance(r, FitFailure)})
    return wall, preds, engines


def _chi2(Z: np.ndarray, preds) -> np.ndarray:
    out = np.full(len(Z), np.nan)
    for i, (z, zh) in enumerate(zip(Z, preds)):
        if zh is not None and np.all(np.isfinite(zh)):
            out[i] = float(np.sum(np.abs(z - zh) ** 2 / np.abs(z) ** 2))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[2000, 20000])
    ap.add_argument("--sets", nargs="+", default=list(SETS), choices=list(SETS))
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--threads", type=int, default=len(os.sched_getaffinity(0)))
    ap.add_argument("--no-single", action="store_true", help="skip the one-thread numba row")
    ap.add_argument("--chunk", type=int, default=2048,
                    help="chunk_size (spectra per batched solve) of the torch and auto rows; numba keeps 2048")
    ap.add_argument("--json", type=Path)
    a = ap.parse_args()
    clock = _torch.outcome = _SolveClock(_torch.outcome)
    cpu_clock = dispatch._compiled_outcome = _SolveClock(dispatch._compiled_outcome)
    configs = {f"numba, {a.threads} threads": {"SSELAB_FIT_KERNEL": "numba", "SSELAB_FIT_THREADS": str(a.threads)}}
    if not a.no_single:
        configs["numba, 1 thread"] = {"SSELAB_FIT_KERNEL": "numba", "SSELAB_FIT_THREADS": "1"}
    configs["torch"] = {"SSELAB_FIT_KERNEL": "torch", "SSELAB_FIT_THREADS": str(a.threads)}
    configs["auto"] = {"SSELAB_FIT_KERNEL": "auto", "SSELAB_FIT_THREADS": str(a.threads)}
    info = {"host": platform.node(), "cores": a.threads, "python": platform.python_version(),
            "gpu": _torch.gpu_present(), "torch_device": str(_torch.device())}
    import torch

    info["torch"] = torch.__version__
    if info["gpu"]:
        info["gpu_name"] = torch.cuda.get_device_name(0)
    print(json.dumps(info), flush=True)
    rows = []
    for kind in a.sets:
        warm, _, circuit, _ = _spectra(kind, 200)
        for env in configs.values():
            _run(warm, circuit, env, a.chunk if env["SSELAB_FIT_KERNEL"] != "numba" else 2048)
        for n in a.sizes:
            specs, Z, circuit, floor = _spectra(kind, n)
            walls = {c: [] for c in configs}
            gpu = []
            lm_s: dict[str, list[float]] = {}
            chi2 = {}
            engines = {}
            for _ in range(a.repeats):
                for name, env in configs.items():
                    clock.seconds, clock.calls = 0.0, []
                    cpu_clock.seconds, cpu_clock.calls = 0.0, []
                    wall, preds, eng = _run(specs, circuit, env, a.chunk if name in ("torch", "auto") else 2048)
                    walls[name].append(wall)
                    lm_s.setdefault(name, []).append(clock.seconds + cpu_clock.seconds)
                    if name == "torch":
                        gpu.append(clock.seconds)
                        calls = clock.calls
                    chi2[name], engines[name] = _chi2(Z, preds), eng
            ref = chi2[next(iter(configs))]
            for name in configs:
                c = chi2[name]
                rel = np.abs(c - ref) / ref
                row = {"set": kind, "n": n, "config": name, "engines": engines[name],
                       "rate_fits_per_s": [n / w for w in walls[name]],
                       "median_rate_fits_per_s": n / statistics.median(walls[name]),
                       "median_chi2_over_floor": float(np.nanmedian(c) / floor),
                       "failures_pct": float(100 * np.mean(~np.isfinite(c) | (c > 10 * floor))),
                       "agree_pct": float(100 * np.mean(rel <= 1e-6)),
                       "worse_pct": float(100 * np.mean(~(c <= ref * 1.01))),
                       "lm_solve_s": lm_s[name]}
                if name == "torch":
                    row["gpu_solve_s"] = gpu
                    row["gpu_calls_rows_s_iter"] = calls
                rows.append(row)
                print(f"{kind:7s} n={n:<7d} {name:20s} {row['median_rate_fits_per_s']:9.0f} fits/s "
                      f"[{min(row['rate_fits_per_s']):.0f}–{max(row['rate_fits_per_s']):.0f}]  "
                      f"χ²/floor {row['median_chi2_over_floor']:.3f}  failures {row['failures_pct']:.2f} %  "
                      f"agree {row['agree_pct']:.1f} %  worse {row['worse_pct']:.2f} %  {','.join(engines[name])}"
                      + f"  LM solves {statistics.median(lm_s[name]):.2f} s of {statistics.median(walls[name]):.2f} s",
                      flush=True)
                if name == "torch":
                    print("        torch solves (rows, s, max iterations):",
                          ", ".join(f"({r}, {s:.3f}, {i})" for r, s, i in calls), flush=True)
    if a.json:
        a.json.write_text(json.dumps({"info": info, "rows": rows}, indent=1))


if __name__ == "__main__":
    main()
