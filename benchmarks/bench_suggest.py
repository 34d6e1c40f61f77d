"""Automatic circuit selection: ``sselab eis suggest`` on noisy simulated spectra of known
topology (the true-topology rate), on a real spectrum, and against AutoEIS where it runs.

The simulated grid is the one of tests/eis/test_eis_selection.py: 1, 2 and 3 processes
(bulk ~100 kHz, grain boundary ~1 kHz, interface ~5 Hz), each without and with a
semi-infinite Warburg tail, at 0.2 % and 1 % noise, 60 points from 1 MHz to 0.1 Hz: 12
spectra per seed block, ``--seeds`` blocks (different noise draws).  A case is a hit when the
best candidate is plausible and has the true topology (labels ignored,
:func:`sselab.eis.selection.topology`).  The real spectrum is impedance.py's
exampleData.csv (../shared/data/eis).

AutoEIS runs in its own virtual environment, in a separate process, and is never imported by
sselab or its tests::

    python3 -m venv benchmarks/.venv-autoeis
    benchmarks/.venv-autoeis/bin/pip install autoeis
    .venv/bin/python benchmarks/bench_suggest.py [--seeds 4] [--autoeis benchmarks/.venv-autoeis/bin/python]

AutoEIS (0.0.44) generates circuits with the Julia package EquivalentCircuits.jl through
juliacall: on first use juliapkg downloads Julia itself and the Julia packages.  The script
first checks that this works and says why not when it does not (then sselab runs alone).
Both tools' proposals are scored the same way here: χ² = Σ |Z − Ẑ|²/|Z|² over the points and
AIC = 2m ln(χ²/2m) + 2k (m frequencies, k parameters).
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from sselab.eis.selection import suggest, topology
from sselab.eis.simulate import selection_cases
from sselab.measurements import Spectrum

HERE = Path(__file__).resolve().parent
REAL = HERE.parents[1] / "shared" / "data" / "eis" / "exampleData.csv"
DEFAULT_AUTOEIS = HERE / ".venv-autoeis" / "bin" / "python"


AUTOEIS_PROBE = r"""
import autoeis
from autoeis import julia_helpers
julia_helpers.ensure_julia_deps_ready()
print("autoeis", autoeis.__version__, "ready")
"""

AUTOEIS_SCRIPT = r"""
import json, sys, time
import numpy as np
import autoeis as ae
out = {}
for path in sys.argv[1:]:
    d = np.loadtxt(path, delimiter=",")
    f, z = d[:, 0], d[:, 1] + 1j * d[:, 2]
    t0 = time.perf_counter()
    circuits = ae.core.generate_equivalent_circuits(f, z, iters=24, complexity=12, tol=1e-2, parallel=False, seed=0)
    circuits = ae.core.filter_implausible_circuits(circuits)
    rows = []
    for _, row in circuits.iterrows():
        c = row["circuitstring"]
        p = ae.utils.fit_circuit_parameters(c, f, z)
        fn = ae.utils.generate_circuit_fn(c)
        zf = fn(f, np.array(list(p.values())))
        chi2 = float(np.sum(np.abs(z - zf) ** 2 / np.abs(z) ** 2))
        rows.append({"circuit": c, "chi2": chi2, "k": len(p), "parameters": {k: float(v) for k, v in p.items()}})
    out[path] = {"time_s": time.perf_counter() - t0, "candidates": rows}
print(json.dumps(out))
"""


def common_scores(z: np.ndarray, z_fit: np.ndarray, k: int) -> tuple[float, float]:
    """χ² = Σ|Z − Ẑ|²/|Z|² and AIC = 2m ln(χ²/2m) + 2k, the same for both tools."""
    chi2 = float(np.sum(np.abs(z - z_fit) ** 2 / np.abs(z) ** 2))
    n = 2 * z.size
    return chi2, n * math.log(max(chi2, 1e-300) / n) + 2 * k


def wilson(hits: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95 % Wilson interval of a rate."""
    if n == 0:
        return 0.0, 1.0
    p = hits / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def run_sselab(s: Spectrum, top: int = 3) -> tuple[list[dict], float, object]:
    t0 = time.perf_counter()
    result = suggest([s])
    dt = time.perf_counter() - t0
    rows = []
    for c in result.candidates[:top]:
        fit = c.fits[0] if c.fits else None
        chi2, aic = common_scores(s.impedance_ohm, fit.predict(), len(fit.result.parameters)) if fit else (math.nan, math.nan)
        rows.append({"circuit": c.circuit, "plausible": c.plausible, "bic": c.bic, "chi2": chi2, "aic": aic,
                     "why": "; ".join(c.rejections)})
    return rows, dt, result


def autoeis_ready(python: Path) -> tuple[bool, str]:
    if not python.is_file():
        return False, f"no AutoEIS environment at {python} (see the module docstring)"
    try:
        run = subprocess.run([str(python), "-c", AUTOEIS_PROBE], capture_output=True, text=True, timeout=900)
    except subprocess.TimeoutExpired:
        return False, "AutoEIS's Julia set-up did not finish in 15 minutes"
    if run.returncode == 0:
        return True, run.stdout.strip().splitlines()[-1]
    lines = [ln for ln in run.stderr.strip().splitlines() if ln.strip()]
    cause = next((ln for ln in reversed(lines) if "Error" in ln or "error" in ln), lines[-1] if lines else "?")
    where = next((ln.strip() for ln in run.stderr.splitlines() if "Querying" in ln or "Downloading" in ln), "")
    return False, f"{cause.strip()} {('(at: ' + where + ')') if where else ''}".strip()


def run_autoeis(python: Path, spectra: dict[str, Spectrum]) -> dict[str, dict]:
    with tempfile.TemporaryDirectory() as tmp:
        paths = {}
        for k, (name, s) in enumerate(spectra.items()):
            p = Path(tmp) / f"case{k}.csv"
            np.savetxt(p, np.column_stack([s.frequency_Hz, s.impedance_ohm.real, s.impedance_ohm.imag]), delimiter=",")
            paths[str(p)] = name
        run = subprocess.run([str(python), "-c", AUTOEIS_SCRIPT, *paths], capture_output=True, text=True, timeout=7200)
        if run.returncode != 0:
            print(f"AutoEIS failed:\n{run.stderr[-2000:]}")
            return {}
        raw = json.loads(run.stdout.strip().splitlines()[-1])
    out = {}
    for path, res in raw.items():
        m = 2 * spectra[paths[path]].frequency_Hz.size
        for c in res["candidates"]:
            c["aic"] = m * math.log(max(c["chi2"], 1e-300) / m) + 2 * c["k"]
        res["candidates"].sort(key=lambda c: c["aic"])
        out[paths[path]] = res
    return out


def show(label: str, rows: list[dict], seconds: float) -> None:
    print(f"  {label} ({seconds:.1f} s):")
    for r in rows:
        verdict = "plausible" if r.get("plausible", True) else f"rejected: {r['why']}"
        print(f"    {r['circuit']:45s} χ²={r['chi2']:.3g}  AIC={r['aic']:.1f}  {verdict}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=4, help="blocks of 12 simulated spectra (default 4: N = 48)")
    ap.add_argument("--autoeis", type=Path, default=DEFAULT_AUTOEIS, help="Python of the venv holding AutoEIS")
    ap.add_argument("--quiet", action="store_true", help="only the misses and the summary")
    args = ap.parse_args()

    cases = [c for b in range(args.seeds) for c in selection_cases(100 * b)]
    hits, by_kind, times = 0, {}, []
    first_block: dict[str, Spectrum] = {}
    for k, (circuit, noise, s) in enumerate(cases):
        rows, dt, result = run_sselab(s)
        times.append(dt)
        best = result.best
        ok = best.plausible and topology(best.circuit) == topology(circuit)
        hits += ok
        key = (circuit, noise)
        h, n = by_kind.get(key, (0, 0))
        by_kind[key] = (h + ok, n + 1)
        if k < 12:
            first_block[f"{circuit} @ {100 * noise:.1f} %"] = s
        if not args.quiet or not ok:
            print(f"\n== {circuit}, noise {100 * noise:.1f} %, seed block {k // 12}: {'hit' if ok else 'MISS'}")
            show("sselab suggest, top 3", rows, dt)

    real = None
    if REAL.is_file():
        d = np.loadtxt(REAL, delimiter=",")
        real = Spectrum(frequency_Hz=d[:, 0], impedance_ohm=d[:, 1] + 1j * d[:, 2], source=str(REAL))
        rows, dt, result = run_sselab(real, top=5)
        print(f"\n== exampleData.csv (real; DRT peaks {list(result.drt_peaks)})")
        show("sselab suggest, top 5", rows, dt)

    ready, why = autoeis_ready(args.autoeis)
    if ready:
        spectra = dict(first_block)
        if real is not None:
            spectra["exampleData.csv (real)"] = real
        peer = run_autoeis(args.autoeis, spectra)
        for name, res in peer.items():
            print(f"\n== {name}: AutoEIS")
            show("AutoEIS, best 3 by AIC", res["candidates"][:3], res["time_s"])
    else:
        print(f"\nAutoEIS not run: {why}")

    n = len(cases)
    lo, hi = wilson(hits, n)
    print("\n== true-topology rate (best candidate plausible and of the true topology)")
    for (circuit, noise), (h, m) in by_kind.items():
        print(f"  {circuit:45s} noise {100 * noise:.1f} %: {h}/{m}")
    print(f"  overall: {hits}/{n} = {100 * hits / n:.0f} % (95 % interval {100 * lo:.0f}-{100 * hi:.0f} %); "
          f"suggest took {np.median(times):.2f} s per spectrum (median), {sum(times):.0f} s in all")
    return 0


if __name__ == "__main__":
    sys.exit(main())
