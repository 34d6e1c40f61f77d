"""Throughput and quality of circuit fitting: sselab (compiled and numpy) vs impedance.py and
pyimpspec, side by side in one run, repeated and interleaved.

Run in the peers' venv (see benchmarks/README.md)::

    benchmarks/.venv-peers/bin/python benchmarks/bench_fit.py --n 2000 --peer-n 40 --repeats 3

χ² is computed identically for every tool from its predicted impedance:
χ² = Σ |Z − Ẑ|² / |Z|² over the spectrum's points (the noise floor is ≈ 2·N·σ², σ the relative
noise).  A *failure* is an exception, a non-finite prediction, or χ² above 10× the floor (a
wrong basin); on real spectra (no known floor) exceptions and non-finite predictions only.
Every configuration runs once per repeat, in the same order each repeat (interleaved), on the
same spectra: sselab on all ``--n``, the peers on the first ``--peer-n`` (rate = fits / wall
time on that subset).  Printed: median rate with its range over the repeats, median χ², the
failure rate, and the ratio of sselab's compiled batched rate to each configuration's, per
repeat, as median [min–max].  ``--markdown`` also prints the README table.

Configurations
--------------
* sselab batched (numba): ``fit_circuit_batch`` with ``SSELAB_FIT_KERNEL=numba``; automatic
  starts; the compiled kernel's import and cache load happen in a warm-up call, not timed.
  The batch's results are arrays until read (``FitBatch``): this row times the fits and
  ``FitBatch.table()`` (values, standard errors, χ² of every fit).
* sselab batched (numba), 2 threads: the same with ``SSELAB_FIT_THREADS=2`` (the compiled
  calls on numba's thread pool; the default runs them in the calling thread).
* sselab batched (numba), every CircuitFit built: the same, timing also ``list(batch)``
  (one result object per fit, as a caller that reads every fit pays).
* sselab batched (numpy): ``SSELAB_FIT_KERNEL=numpy`` (the reference path).
* sselab single: ``fit_circuit`` one spectrum at a time, automatic starts, ``auto`` kernel
  (which fits single spectra with numpy, see :mod:`sselab.eis.kernel`); the median time per
  fit is printed too.
* sselab single, compiled: the same with ``SSELAB_FIT_KERNEL=numba`` (serial compiled kernels).
* impedance.py: ``CustomCircuit(circuit, initial_guess=<sselab's best automatic start>).fit``
  (the start is computed outside the timed region: impedance.py has no automatic start).
* pyimpspec leastsq: ``fit_circuit(..., method="leastsq", weight="modulus", num_procs=1)``,
  pyimpspec's fastest configuration, from its default initial values.
* pyimpspec least_squares: ``method="least_squares", weight="modulus", num_procs=1``.
* pyimpspec defaults (``--defaults-n`` > 0): every method × weight in parallel processes.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import platform
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_dataset import NOISE, RANDOM_CIRCUIT, RANDOM_NOISE, load  # noqa: E402

from sselab.eis.batch import FitFailure, fit_circuit_batch  # noqa: E402
from sselab.eis.circuit import Circuit  # noqa: E402
from sselab.eis.fit import fit_circuit  # noqa: E402
from sselab.eis.initial import initial_values  # noqa: E402
from sselab.measurements import Spectrum  # noqa: E402
from sselab.simulate.paper import EBE_STACK_CIRCUIT  # noqa: E402

SEVEN = "R0-p(R1,CPE1)-p(R2,CPE2)"  # impedance.py-style labels of both 7-parameter circuits
PYIMPSPEC_CDC = "R(RQ)(RQ)"
REAL = ["/work/shared/data/eis/exampleData.csv", "/work/shared/data/eis/Circuit1_EIS_1.z",
        "/work/shared/data/eis/exampleDataGamry.DTA", "/work/shared/data/biologic/peis.mpt"]


def chi2(z: np.ndarray, zhat: np.ndarray | None) -> float:
    if zhat is None or not np.all(np.isfinite(zhat)):
        return float("nan")
    return float(np.sum(np.abs(z - zhat) ** 2 / np.abs(z) ** 2))


def _timed(fn):
    w, c = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - w, time.process_time() - c


@contextlib.contextmanager
def _kernel(name: str):
    old = os.environ.get("SSELAB_FIT_KERNEL")
    os.environ["SSELAB_FIT_KERNEL"] = name
    try:
        yield
    finally:
        if old is None:
            del os.environ["SSELAB_FIT_KERNEL"]
        else:
            os.environ["SSELAB_FIT_KERNEL"] = old


def run_sselab_batched(data, circuit, kernel, threads="", build=False):
    specs = [Spectrum(frequency_Hz=f, impedance_ohm=z) for f, z in data]

    def go():
        batch = fit_circuit_batch(specs, circuit)
        batch.table()
        if build:
            list(batch)
        return batch

    old = os.environ.get("SSELAB_FIT_THREADS")
    os.environ["SSELAB_FIT_THREADS"] = threads
    try:
        with _kernel(kernel):
            fits, wall, cpu = _timed(go)
    finally:
        os.environ["SSELAB_FIT_THREADS"] = old or ""
    engines = {r.engine for r in fits if not isinstance(r, FitFailure)}
    return [None if isinstance(r, FitFailure) else r.predict() for r in fits], wall, cpu, engines


SINGLE_MS: dict[tuple[str, str], list[float]] = {}  # (circuit, SSELAB_FIT_KERNEL) -> ms per repeat


def run_sselab_single(data, circuit):
    times = []

    def go():
        out = []
        for f, z in data:
            t = time.perf_counter()
            try:
                fit = fit_circuit(Spectrum(frequency_Hz=f, impedance_ohm=z), circuit)
                times.append(time.perf_counter() - t)
                out.append(fit)
            except Exception:  # noqa: BLE001  (a benchmark counts failures)
                out.append(None)
        return out
    fits, wall, cpu = _timed(go)
    SINGLE_MS.setdefault((circuit, os.environ.get("SSELAB_FIT_KERNEL", "auto")), []).append(1e3 * statistics.median(times) if times else float("nan"))
    return [None if f is None else f.predict() for f in fits], wall, cpu, {f.engine for f in fits if f is not None}


def _with_kernel(name, fn, *args):
    with _kernel(name):
        return fn(*args)


def run_impedance_py(data, circuit):
    from impedance.models.circuits import CustomCircuit

    c = Circuit(circuit)
    guesses = [initial_values(c, f, z, 1)[0] for f, z in data]  # outside the timed region

    def go():
        out = []
        for (f, z), g in zip(data, guesses):
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    m = CustomCircuit(circuit=SEVEN, initial_guess=list(map(float, g)))
                    m.fit(f, z)
                    out.append(m.predict(f))
            except Exception:  # noqa: BLE001
                out.append(None)
        return out
    return (*_timed(go), set())


def run_pyimpspec(data, circuit, **kwargs):
    import pyimpspec

    def go():
        out = []
        for f, z in data:
            try:
                with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()), \
                        warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    res = pyimpspec.fit_circuit(pyimpspec.parse_cdc(PYIMPSPEC_CDC), pyimpspec.DataSet(f, z), **kwargs)
                out.append(res.circuit.get_impedances(f))
            except Exception:  # noqa: BLE001
                out.append(None)
        return out
    return (*_timed(go), set())


BATCHED = "sselab batched (numba)"
TOOLS = {
    BATCHED: ("all", lambda d, c: run_sselab_batched(d, c, "numba")),
    "sselab batched (numba), 2 threads": ("all", lambda d, c: run_sselab_batched(d, c, "numba", threads="2")),
    "sselab batched (numba), every CircuitFit built": ("all", lambda d, c: run_sselab_batched(d, c, "numba",
                                                                                                build=True)),
    "sselab batched (numpy)": ("all", lambda d, c: run_sselab_batched(d, c, "numpy")),
    "sselab single (auto start)": ("peer", run_sselab_single),
    "sselab single (auto start), compiled": ("peer", lambda d, c: _with_kernel("numba", run_sselab_single, d, c)),
    "impedance.py 1.7.1 (curve_fit, sselab's start)": ("peer", run_impedance_py),
    "pyimpspec 5.1.3 leastsq, modulus, 1 proc": ("peer", lambda d, c: run_pyimpspec(
        d, c, method="leastsq", weight="modulus", num_procs=1)),
    "pyimpspec 5.1.3 least_squares, modulus, 1 proc": ("peer", lambda d, c: run_pyimpspec(
        d, c, method="least_squares", weight="modulus", num_procs=1)),
    "pyimpspec 5.1.3 defaults (all methods × weights)": ("defaults", run_pyimpspec),
}


def _installed(name: str) -> bool:
    """Whether a configuration's tool can be imported here (peers live in benchmarks/.venv-peers)."""
    from importlib.util import find_spec

    module = "impedance" if name.startswith("impedance.py") else "pyimpspec" if name.startswith("pyimpspec") else None
    return module is None or find_spec(module) is not None


def _range(values, fmt="{:.3g}"):
    return f"{fmt.format(statistics.median(values))} [{fmt.format(min(values))}–{fmt.format(max(values))}]"


def table(title, data, circuit, sizes, floor, only, repeats, markdown):
    print(f"\n## {title}\n", flush=True)
    runs: dict[str, list[tuple[float, float, float, int, int]]] = {}
    engines: dict[str, set] = {}
    for rep in range(repeats):
        for name, (which, fn) in TOOLS.items():
            if only and not any(o in name for o in only):
                continue
            if not _installed(name):
                if rep == 0:
                    print(f"{name}: not installed in this interpreter (peers live in benchmarks/.venv-peers): "
                          "not measured", flush=True)
                continue
            n = sizes[which]
            if n <= 0:
                continue
            d = data[:n]
            preds, wall, cpu, used = fn(d, circuit)
            engines[name] = used
            c2 = np.array([chi2(z, p) for (_, z), p in zip(d, preds)])
            bad = ~np.isfinite(c2) | (c2 > 10 * floor) if floor else ~np.isfinite(c2)
            runs.setdefault(name, []).append((len(d) / wall, len(d) / max(cpu, 1e-9), float(np.nanmedian(c2)),
                                              int(bad.sum()), len(d)))
    rows = []
    print(f"{'configuration':50s} {'fits':>5s} {'fits/s wall, median [range]':>28s} {'fits/s CPU':>10s} "
          f"{'median χ²':>10s} {'failures':>9s} {'sselab numba ÷ it':>22s}")
    base = [r[0] for r in runs.get(BATCHED, [])]
    for name, rs in runs.items():
        rate = [r[0] for r in rs]
        cpu = statistics.median(r[1] for r in rs)
        med = statistics.median(r[2] for r in rs)
        fails, n = rs[-1][3], rs[-1][4]
        ratio = _range([b / r for b, r in zip(base, rate)]) + "×" if base and name != BATCHED else ""
        label = name + (f" [{'+'.join(sorted(engines[name]))}]" if name.startswith("sselab") else "")
        print(f"{label:50s} {n:5d} {_range(rate):>28s} {cpu:10.0f} {med:10.3g} {100 * fails / n:8.1f}% {ratio:>22s}",
              flush=True)
        rows.append((name, n, _range(rate), _range([r[1] for r in rs]), med, 100 * fails / n, ratio))
    for key in [k for k in SINGLE_MS if k[0] == circuit]:
        print(f"sselab single fit (SSELAB_FIT_KERNEL={key[1]}), median time per fit (per repeat): "
              f"{', '.join(f'{v:.2f}' for v in SINGLE_MS.pop(key))} ms", flush=True)
    if markdown:
        print(f"\n| configuration | fits | fits/s wall (median [range], {repeats} repeats) | fits/s CPU | median χ² | "
              "failures | sselab batched (numba) ÷ it, wall |\n|---|---:|---:|---:|---:|---:|---:|")
        for name, n, rate, cpu_rate, med, fail, ratio in rows:
            print(f"| {name} | {n} | {rate} | {cpu_rate} | {med:.3g} | {fail:.1f} % | {ratio or '—'} |")
    return runs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=2000, help="spectra per data set for sselab batched")
    ap.add_argument("--peer-n", type=int, default=40, help="spectra for the peers and sselab single")
    ap.add_argument("--defaults-n", type=int, default=0, help="spectra for pyimpspec with its defaults (slow)")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--only", nargs="*", default=[], help="substrings of configuration names to run")
    ap.add_argument("--sets", nargs="*", default=["ebe", "random", "real"])
    ap.add_argument("--markdown", action="store_true", help="also print the README tables")
    a = ap.parse_args()
    print(f"machine: {platform.node()} {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f}; python {platform.python_version()}, numpy {np.__version__}",
          flush=True)
    sizes = {"all": a.n, "peer": a.peer_n, "defaults": a.defaults_n}
    warm = load(100)
    t = time.perf_counter()
    run_sselab_batched([(warm["frequency_Hz"], z) for z in warm["Z"][:70]], EBE_STACK_CIRCUIT, "numba")
    print(f"warm-up (numba import, compiled-code cache load, first call): {time.perf_counter() - t:.2f} s")
    if "ebe" in a.sets:
        ds = load(a.n)
        n_pts = ds["Z"].shape[1]
        table(f"(a) {a.n} simulated eBE-stack spectra ({n_pts} points, 0.5 % noise), circuit {EBE_STACK_CIRCUIT}",
              [(ds["frequency_Hz"], z) for z in ds["Z"]], EBE_STACK_CIRCUIT, sizes, 2 * n_pts * NOISE**2, a.only,
              a.repeats, a.markdown)
    if "random" in a.sets:
        ds = load(a.n, kind="random")
        n_pts = ds["Z"].shape[1]
        table(f"(b) {a.n} random two-arc spectra ({n_pts} points, 0.4 % noise, arcs may overlap), circuit "
              f"{RANDOM_CIRCUIT}", [(ds["frequency_Hz"], z) for z in ds["Z"]], RANDOM_CIRCUIT, sizes,
              2 * n_pts * RANDOM_NOISE**2, a.only, a.repeats, a.markdown)
    if "real" in a.sets:
        import sselab

        real = [(s.frequency_Hz, s.impedance_ohm) for p in REAL if Path(p).exists()
                for s in sselab.io.read(p, kind="spectrum")]
        n = len(real)
        table(f"(c) {n} real spectra ({', '.join(Path(p).name for p in REAL)}), circuit {SEVEN}; failures = "
              "exceptions/non-finite only", real, SEVEN, {"all": n, "peer": n, "defaults": min(a.defaults_n, n)}, 0,
              a.only, a.repeats, a.markdown)


if __name__ == "__main__":
    main()
