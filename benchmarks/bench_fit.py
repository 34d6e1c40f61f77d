r"""Throughput and quality of circuit fitting: sselab (compiled and numpy) vs impedance.py and
pyimpspec, side by side in one run, repeated and interleaved.

Run with sselab's interpreter; the peers run in their own venv, in a worker process
(``benchmarks/peers.py``: ``--peers-venv DIR``, or ``SSELAB_PEERS_VENV=DIR``, or
``benchmarks/.venv-peers``)::

    PYTHONPATH=src .venv/bin/python benchmarks/bench_fit.py --n 300 --peer-n 20 --repeats 3 \
        --peers-venv /work/peers-venv --markdown --readme README.md --json benchmarks/.cache/bench_fit.json

χ² is computed identically for every tool from its predicted impedance:
χ² = Σ |Z − Ẑ|² / |Z|² over the spectrum's points (the noise floor is ≈ 2·N·σ², σ the relative
noise).  A *failure* is an exception, a non-finite prediction, or χ² above 10× the floor (a
wrong basin); on real spectra (no known floor) exceptions and non-finite predictions only.
Every configuration runs once per repeat, in the same order each repeat (interleaved), on the
same spectra: sselab on all ``--n``, the peers on the first ``--peer-n`` (rate = fits / wall
time on that subset).  Printed: median rate with its range over the repeats, median χ², the
failure rate, and the ratio of sselab's compiled batched rate to each configuration's, per
repeat, as median [min–max].  ``--markdown`` also prints README's generated performance
section (:mod:`bench_fit_report`), ``--readme README.md`` writes it between README's markers,
``--json PATH`` keeps the raw numbers (``bench_fit_report.py PATH --readme README.md`` rewrites
README from them later).

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
  after ``sselab.eis.kernel.load()`` (called once at the start, untimed: ``auto`` then fits
  single spectra compiled, serially); the median time per fit is printed too.  Each set's warm-up (untimed) calls every kernel the timed
  configurations use, the single fits' included.
* impedance.py: ``CustomCircuit(circuit, initial_guess=<sselab's best automatic start>).fit``
  (the start is computed outside the timed region: impedance.py has no automatic start).
* pyimpspec leastsq: ``fit_circuit(..., method="leastsq", weight="modulus", num_procs=1)``,
  pyimpspec's fastest configuration, from its default initial values.
* pyimpspec least_squares: ``method="least_squares", weight="modulus", num_procs=1``.
* pyimpspec defaults (``--defaults-n`` > 0): every method × weight in parallel processes (their
  CPU time is not in the worker's, so its CPU rate is overstated).

The peers run in one worker process (started before any timing, BLAS on one thread); it times
its own fits (wall and its process's CPU) and returns the predicted impedances, from which χ²
is computed here as for sselab.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_fit_report import BATCHED, LEASTSQ, TARGETS, fmt, section, write_readme  # noqa: E402
from make_dataset import NOISE, RANDOM_CIRCUIT, RANDOM_NOISE, load  # noqa: E402
from peers import PeerWorker, peers_python  # noqa: E402

from sselab.eis.batch import FitFailure, fit_circuit_batch  # noqa: E402
from sselab.eis.circuit import Circuit  # noqa: E402
from sselab.eis.fit import fit_circuit  # noqa: E402
from sselab.eis.initial import initial_values  # noqa: E402
from sselab.measurements import Spectrum  # noqa: E402
from sselab.simulate.paper import EBE_STACK_CIRCUIT  # noqa: E402

SEVEN = "R0-p(R1,CPE1)-p(R2,CPE2)"  # impedance.py-style labels of both 7-parameter circuits
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
def _env(**values: str):
    old = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def run_sselab_batched(data, circuit, kernel, threads="", build=False):
    specs = [Spectrum(frequency_Hz=f, impedance_ohm=z) for f, z in data]

    def go():
        batch = fit_circuit_batch(specs, circuit)
        batch.table()
        if build:
            list(batch)
        return batch

    with _env(SSELAB_FIT_KERNEL=kernel, SSELAB_FIT_THREADS=threads):
        fits, wall, cpu = _timed(go)
    engines = {r.engine for r in fits if not isinstance(r, FitFailure)}
    return [None if isinstance(r, FitFailure) else r.predict() for r in fits], wall, cpu, engines


SINGLE_MS: dict[str, list[float]] = {}
SINGLE_MS_COMPILED: dict[str, list[float]] = {}  # the same with SSELAB_FIT_KERNEL=numba


def run_sselab_single(data, circuit, kernel="", record=True):
    """Single fits; ``kernel`` "numba" forces the compiled kernel (``auto`` fits one spectrum
    compiled once the kernels are loaded, as they are here after the warm-up); the median time
    per fit goes to SINGLE_MS or, compiled, SINGLE_MS_COMPILED (unless ``record`` is False)."""
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
    with _env(SSELAB_FIT_KERNEL=kernel) if kernel else contextlib.nullcontext():
        fits, wall, cpu = _timed(go)
    if record:
        (SINGLE_MS_COMPILED if kernel else SINGLE_MS).setdefault(circuit, []).append(
            1e3 * statistics.median(times) if times else float("nan"))
    return [None if f is None else f.predict() for f in fits], wall, cpu, {f.engine for f in fits if f is not None}


SSELAB = {
    BATCHED: ("all", lambda d, c: run_sselab_batched(d, c, "numba")),
    "sselab batched (numba), 2 threads": ("all", lambda d, c: run_sselab_batched(d, c, "numba", threads="2")),
    "sselab batched (numba), every CircuitFit built": ("all", lambda d, c: run_sselab_batched(d, c, "numba",
                                                                                                build=True)),
    "sselab batched (numpy)": ("all", lambda d, c: run_sselab_batched(d, c, "numpy")),
    "sselab single (auto start)": ("peer", run_sselab_single),
    "sselab single (auto start), compiled": ("peer", lambda d, c: run_sselab_single(d, c, kernel="numba")),
}


def peer_configs(v: dict) -> dict:
    """The peers' configurations: name → (subset, tool, keyword arguments), names with versions."""
    pi, ip = f"pyimpspec {v['pyimpspec']}", f"impedance.py {v['impedance']}"
    return {
        f"{ip} (curve_fit, sselab's start)": ("peer", "impedance", {}),
        LEASTSQ.format(pi): ("peer", "pyimpspec", {"method": "leastsq", "weight": "modulus", "num_procs": 1}),
        f"{pi} least_squares, modulus, 1 proc": ("peer", "pyimpspec",
                                                 {"method": "least_squares", "weight": "modulus", "num_procs": 1}),
        f"{pi} defaults (all methods × weights)": ("defaults", "pyimpspec", {}),
    }


def _range(values):
    return f"{fmt(statistics.median(values))} [{fmt(min(values))}–{fmt(max(values))}]"


def table(key, title, data, circuit, sizes, floor, only, repeats, worker):
    """Every configuration once per repeat, interleaved; prints the plain table, returns the set's record."""
    print(f"\n## {title}\n", flush=True)
    configs = dict(SSELAB)
    peer_data = {}
    if worker is not None:
        configs.update(peer_configs(worker.versions))
        n_peer = max(sizes["peer"], sizes["defaults"])
        c = Circuit(circuit)
        guesses = [initial_values(c, f, z, 1)[0] for f, z in data[:n_peer]]  # impedance.py's start, not timed
        peer_data = worker.put(data[:n_peer], circuit, guesses)
    configs = {k: v for k, v in configs.items() if not only or any(o in k for o in only)}
    # not timed: compiles (or loads) every kernel the timed configurations call for this set's
    # circuit — serial and threaded batches, the single fits' one-row solves, both kernels' paths
    for threads in ("", "2"):
        run_sselab_batched(data[:70], circuit, "numba", threads=threads)
    run_sselab_single(data[:2], circuit, kernel="numba", record=False)
    run_sselab_single(data[:2], circuit, record=False)
    runs: dict[str, list[dict]] = {}
    engines: dict[str, set] = {}
    for _ in range(repeats):
        for name, cfg in configs.items():
            n = sizes[cfg[0]]
            if n <= 0:
                continue
            d = data[:n]
            if len(cfg) == 2:
                preds, wall, cpu, engines[name] = cfg[1](d, circuit)
            else:
                preds, wall, cpu = worker.run(cfg[1], peer_data, n, **cfg[2])
            c2 = np.array([chi2(z, p) for (_, z), p in zip(d, preds)])
            bad = ~np.isfinite(c2) | (c2 > 10 * floor) if floor else ~np.isfinite(c2)
            runs.setdefault(name, []).append({"wall": n / wall, "cpu": n / max(cpu, 1e-9),
                                              "chi2": float(np.nanmedian(c2)) if np.isfinite(c2).any() else None,
                                              "failures": int(bad.sum()), "n": n})
    print(f"{'configuration':50s} {'fits':>5s} {'fits/s wall, median [range]':>28s} {'fits/s CPU':>10s} "
          f"{'median χ²':>10s} {'failures':>9s} {'sselab numba ÷ it, wall':>24s}")
    base = [r["wall"] for r in runs.get(BATCHED, [])]
    for name, rs in runs.items():
        rate = [r["wall"] for r in rs]
        med = statistics.median(r["chi2"] if r["chi2"] is not None else float("nan") for r in rs)
        fails = statistics.median(100 * r["failures"] / r["n"] for r in rs)
        ratio = _range([b / r for b, r in zip(base, rate)]) + "×" if base and name != BATCHED else ""
        label = name + (f" [{'+'.join(sorted(engines[name]))}]" if name in engines else "")
        print(f"{label:50s} {rs[0]['n']:5d} {_range(rate):>28s} {statistics.median(r['cpu'] for r in rs):10.0f} "
              f"{med:10.3g} {fails:8.1f}% {ratio:>24s}", flush=True)
    if not configs.keys() - SSELAB.keys():
        print("peers: not measured (no peers' interpreter; see benchmarks/peers.py)")
    single = SINGLE_MS.pop(circuit, [])
    compiled = SINGLE_MS_COMPILED.pop(circuit, [])
    if compiled:
        print(f"sselab single fit, SSELAB_FIT_KERNEL=numba, median time per fit (per repeat): "
              f"{', '.join(f'{v:.2f}' for v in compiled)} ms", flush=True)
    if single:
        print(f"sselab single fit, median time per fit (per repeat): {', '.join(f'{v:.2f}' for v in single)} ms",
              flush=True)
    return {"key": key, "title": title, "circuit": circuit, "floor": floor, "runs": runs, "single_ms": single,
            "engines": {k: sorted(v) for k, v in engines.items()}}


def _git(*args: str) -> str:
    root = Path(__file__).resolve().parents[1]
    try:
        out = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, check=True)
        return out.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=2000, help="spectra per data set for sselab batched")
    ap.add_argument("--peer-n", type=int, default=40, help="spectra for the peers and sselab single")
    ap.add_argument("--defaults-n", type=int, default=0, help="spectra for pyimpspec with its defaults (slow)")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--only", nargs="*", default=[], help="substrings of configuration names to run")
    ap.add_argument("--sets", nargs="*", default=["ebe", "random", "real"])
    ap.add_argument("--peers-venv", help="the peers' venv (default: $SSELAB_PEERS_VENV, then benchmarks/.venv-peers)")
    ap.add_argument("--markdown", action="store_true", help="also print README's generated performance section")
    ap.add_argument("--readme", type=Path, help="write the generated section into this README, between its markers")
    ap.add_argument("--json", type=Path, help="write the raw numbers here (bench_fit_report.py renders them)")
    a = ap.parse_args()
    t0 = datetime.now(timezone.utc)
    dirty = bool(_git("status", "--porcelain", "--untracked-files=no"))
    meta = {"argv": ["benchmarks/bench_fit.py", *sys.argv[1:]], "start": t0.strftime("%Y-%m-%d %H:%M"),
            "commit": _git("rev-parse", "--short", "HEAD") + ("+uncommitted changes" if dirty else ""),
            "machine": f"{platform.node()} {platform.processor() or platform.machine()}, {os.cpu_count()} cores",
            "python": platform.python_version(), "numpy": np.__version__, "load_start": list(os.getloadavg()),
            "repeats": a.repeats, "n": a.n, "peer_n": a.peer_n, "targets": TARGETS}
    print(f"machine: {meta['machine']}, load average {meta['load_start'][0]:.1f}; python {meta['python']}, "
          f"numpy {meta['numpy']}; sselab {meta['commit']}; {meta['start']} UTC", flush=True)
    py, where = peers_python(a.peers_venv)
    worker = None
    if py is not None:
        worker = PeerWorker(py)
        meta["peers"] = {**worker.versions, "interpreter": str(py)}
        print(f"peers: {py} ({where}): pyimpspec {worker.versions['pyimpspec']}, impedance "
              f"{worker.versions['impedance']}, python {worker.versions['python']}, numpy {worker.versions['numpy']}",
              flush=True)
    else:
        print(f"peers: not measured ({where})", flush=True)
    sizes = {"all": a.n, "peer": a.peer_n, "defaults": a.defaults_n}
    # a long-running process that fits many spectra: the compiled kernels loaded once, so that
    # `auto` fits single spectra compiled too (sselab.eis.kernel.load; not timed)
    from sselab.eis import kernel

    kernel.load()
    warm = load(100)
    t = time.perf_counter()
    run_sselab_batched([(warm["frequency_Hz"], z) for z in warm["Z"][:70]], EBE_STACK_CIRCUIT, "numba")
    if worker is not None:  # not timed: the peers' first calls (lazy imports, caches)
        first = [(warm["frequency_Hz"], warm["Z"][0])]
        key = worker.put(first, EBE_STACK_CIRCUIT, [initial_values(Circuit(EBE_STACK_CIRCUIT), *first[0], 1)[0]])
        for _, tool, kwargs in peer_configs(worker.versions).values():
            if kwargs:
                worker.run(tool, key, 1, **kwargs)
        worker.run("impedance", key, 1)
    meta["warmup_s"] = time.perf_counter() - t
    print(f"warm-up (numba import, compiled-code cache load, first calls, peers' first fits): "
          f"{meta['warmup_s']:.2f} s")
    sets = []
    try:
        if "ebe" in a.sets:
            ds = load(a.n)
            n_pts = ds["Z"].shape[1]
            sets.append(table("a", f"(a) {a.n} simulated eBE-stack spectra ({n_pts} points, 0.5 % noise), circuit "
                              f"{EBE_STACK_CIRCUIT}", [(ds["frequency_Hz"], z) for z in ds["Z"]], EBE_STACK_CIRCUIT,
                              sizes, 2 * n_pts * NOISE**2, a.only, a.repeats, worker))
        if "random" in a.sets:
            ds = load(a.n, kind="random")
            n_pts = ds["Z"].shape[1]
            sets.append(table("b", f"(b) {a.n} random two-arc spectra ({n_pts} points, 0.4 % noise, arcs may "
                              f"overlap), circuit {RANDOM_CIRCUIT}", [(ds["frequency_Hz"], z) for z in ds["Z"]],
                              RANDOM_CIRCUIT, sizes, 2 * n_pts * RANDOM_NOISE**2, a.only, a.repeats, worker))
        if "real" in a.sets:
            import sselab

            real = [(s.frequency_Hz, s.impedance_ohm) for p in REAL if Path(p).exists()
                    for s in sselab.io.read(p, kind="spectrum")]
            n = len(real)
            sets.append(table("c", f"(c) {n} real spectra ({', '.join(Path(p).name for p in REAL)}), circuit {SEVEN}; "
                              "failures = exceptions/non-finite only", real, SEVEN,
                              {"all": n, "peer": n, "defaults": min(a.defaults_n, n)}, 0, a.only, a.repeats, worker))
    finally:
        if worker is not None:
            worker.close()
    meta["end"] = datetime.now(timezone.utc).strftime("%H:%M")
    meta["load_end"] = list(os.getloadavg())
    record = {"meta": meta, "sets": sets}
    if a.json:
        a.json.parent.mkdir(parents=True, exist_ok=True)
        a.json.write_text(json.dumps(record, indent=1))
    if a.markdown or a.readme:
        text = section(record)
        if a.markdown:
            print("\n" + text)
        if a.readme:
            write_readme(a.readme, text)
            print(f"\n{a.readme}: performance section rewritten", flush=True)


if __name__ == "__main__":
    main()
