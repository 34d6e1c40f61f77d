"""Throughput and quality of circuit fitting: sselab batched / single vs impedance.py and pyimpspec.

Run in the peers' venv (see benchmarks/README.md)::

    benchmarks/.venv-peers/bin/python benchmarks/bench_fit.py --n 1000 --peer-n 50

χ² is computed identically for every tool from its predicted impedance:
χ² = Σ |Z − Ẑ|² / |Z|² over the spectrum's points (with 0.5 % noise the expected value is
≈ 2·N·0.005² = 0.005 for N = 100).  A *failure* is an exception, a non-finite prediction,
or χ² above 10× that noise floor (a wrong basin).  Rates use wall time on this machine and,
because the machine may be shared, process CPU time too.  Peers run on the first ``--peer-n``
spectra and their rates are extrapolated (rate = fits / time on that subset).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import platform
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_dataset import NOISE, load  # noqa: E402

from sselab.eis.batch import FitFailure, fit_circuit_batch  # noqa: E402
from sselab.eis.circuit import Circuit  # noqa: E402
from sselab.eis.fit import fit_circuit  # noqa: E402
from sselab.eis.initial import initial_values  # noqa: E402
from sselab.measurements import Spectrum  # noqa: E402
from sselab.simulate.paper import EBE_STACK_CIRCUIT  # noqa: E402

SEVEN = "R0-p(R1,CPE1)-p(R2,CPE2)"  # the same circuit with impedance.py-style labels
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


def run_sselab_batched(data, circuit):
    specs = [Spectrum(frequency_Hz=f, impedance_ohm=z) for f, z in data]
    fits, wall, cpu = _timed(lambda: fit_circuit_batch(specs, circuit))
    return [None if isinstance(r, FitFailure) else r.predict() for r in fits], wall, cpu


def run_sselab_single(data, circuit):
    def go():
        out = []
        for f, z in data:
            try:
                out.append(fit_circuit(Spectrum(frequency_Hz=f, impedance_ohm=z), circuit).predict())
            except Exception:  # noqa: BLE001  (a benchmark counts failures)
                out.append(None)
        return out
    return _timed(go)


def run_impedance_py(data, circuit):
    from impedance.models.circuits import CustomCircuit

    # initial_guess = sselab's best automatic start (computed outside the timed region)
    c = Circuit(circuit)
    guesses = [initial_values(c, f, z, 1)[0] for f, z in data]

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
    return _timed(go)


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
    return _timed(go)


TOOLS = {
    "sselab batched": run_sselab_batched,
    "sselab single": run_sselab_single,
    "impedance.py": run_impedance_py,
    "pyimpspec (defaults)": run_pyimpspec,
    "pyimpspec (least_squares, modulus, 1 proc)": lambda d, c: run_pyimpspec(
        d, c, method="least_squares", weight="modulus", num_procs=1),
}


def table(title, data, circuit, subset, floor, only, slow_subset):
    print(f"\n## {title}\n")
    print(f"{'tool':44s} {'fits':>5s} {'wall s':>8s} {'fits/s wall':>11s} {'fits/s CPU':>10s} "
          f"{'median chi2':>11s} {'failures':>8s}")
    rates = {}
    for name, fn in TOOLS.items():
        if only and not any(o in name for o in only):
            continue
        d = data if name.startswith("sselab") else data[: (slow_subset if "defaults" in name else subset)]
        preds, wall, cpu = fn(d, circuit)
        c2 = np.array([chi2(z, p) for (_, z), p in zip(d, preds)])
        fail = int(np.sum(~np.isfinite(c2) | (c2 > 10 * floor))) if floor else int(np.sum(~np.isfinite(c2)))
        rates[name] = len(d) / wall
        print(f"{name:44s} {len(d):5d} {wall:8.2f} {len(d) / wall:11.1f} {len(d) / max(cpu, 1e-9):10.1f} "
              f"{np.nanmedian(c2):11.3g} {fail:8d}", flush=True)
    base = rates.get("sselab batched")
    if base:
        print("\nthroughput ratio sselab batched / tool: "
              + "; ".join(f"{k}: {base / v:.1f}×" for k, v in rates.items() if k != "sselab batched"))
    return rates


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--peer-n", type=int, default=50)
    ap.add_argument("--defaults-n", type=int, default=10, help="spectra for pyimpspec with its defaults (slow)")
    ap.add_argument("--only", nargs="*", default=[], help="substrings of tool names to run")
    ap.add_argument("--skip-real", action="store_true")
    a = ap.parse_args()
    print(f"machine: {platform.node()} {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f}; python {platform.python_version()}, numpy {np.__version__}")
    ds = load(a.n)
    data = [(ds["frequency_Hz"], z) for z in ds["Z"]]
    n_pts = ds["Z"].shape[1]
    table(f"(a) {a.n} simulated eBE-stack spectra ({n_pts} points, 0.5 % noise); peers on the first {a.peer_n} (pyimpspec defaults: {a.defaults_n})",
          data, EBE_STACK_CIRCUIT, a.peer_n, 2 * n_pts * NOISE**2, a.only, a.defaults_n)
    if not a.skip_real:
        import sselab

        real = []
        for p in REAL:
            if Path(p).exists():
                for s in sselab.io.read(p, kind="spectrum"):
                    real.append((s.frequency_Hz, s.impedance_ohm))
        table(f"(b) {len(real)} real spectra ({', '.join(Path(p).name for p in REAL)}), circuit {SEVEN}; "
              "failures = exceptions/non-finite only", real, SEVEN, len(real), 0, a.only, len(real))


if __name__ == "__main__":
    main()
