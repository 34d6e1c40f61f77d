"""Benchmark: Rietveld refinement time of a two-phase 5,000-point pattern, and a comparison
with powerxrd on the pattern it can model.

Run::

    .venv/bin/python benchmarks/bench_xrd_refine.py [--runs 3] [--peer-python PATH]

1. sselab, two phases (Mg3AsN 80 wt% + m-ZrO2 20 wt%, Cu Kα1+Kα2, 15–100° 2θ, 5,000 points,
   D = 14.1/40 nm, ε = 6.67e-3): wall time of the default staged refinement (scales,
   background, zero, lattice, size, strain; analytic Jacobian) and the recovered values.
2. Peer: powerxrd runs in a separate virtual environment as a subprocess (sselab never
   imports it; see ``bench_xrd_peer.py`` for what powerxrd can refine).  Its model is one
   cubic phase, one wavelength, 2θ < 90°, so the shared pattern is single-phase Mg3AsN, Cu
   Kα1 only, 15–90°, 5,000 points; both programs start from a = 4.228 Å (truth 4.2307 Å).
   powerxrd is also given the two-phase pattern (15–90°), which it can only fit with Mg3AsN.
   Rwp is computed here, the same way for both (weights 1/σ², σ = √counts).

The peer environment (kept out of git under benchmarks/.cache/)::

    python3 -m venv benchmarks/.cache/venv-xrd
    benchmarks/.cache/venv-xrd/bin/pip install powerxrd          # measured with powerxrd 4.0.0
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

from sselab.xrd import get_phase, refine, simulate_pattern
from sselab.xrd.instrument import Instrument

HERE = Path(__file__).resolve().parent
DEFAULT_PEER = HERE / ".cache" / "venv-xrd" / "bin" / "python"


def rwp(y: np.ndarray, y_calc: np.ndarray) -> float:
    w = 1.0 / np.maximum(y, 1.0)
    return float(100 * np.sqrt(np.sum(w * (y - y_calc) ** 2) / np.sum(w * y**2)))


def timed(fn, runs: int):
    times, out = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return out, min(times), float(np.median(times))


def two_phase(runs: int) -> float:
    phases = [get_phase("Mg3AsN"), get_phase("ZrO2-m")]
    x = np.linspace(15.0, 100.0, 5000)
    pat = simulate_pattern(phases, x, weight_fractions={"Mg3AsN": 0.8, "ZrO2-m": 0.2},
                           D_nm={"Mg3AsN": 14.1, "ZrO2-m": 40.0}, strain={"Mg3AsN": 6.67e-3},
                           peak_counts=2e4, seed=0)
    start = [get_phase("Mg3AsN").with_lattice(a=4.228), get_phase("ZrO2-m")]
    res, best, median = timed(lambda: refine(pat, start), runs)
    print(f"[1] sselab two-phase, {x.size} points, {res.n_free} free parameters: best {best:.2f} s, "
          f"median {median:.2f} s ({runs} runs)")
    for p in res.phases:
        print(f"    {p.name}: a = {p.lattice['a']:.5f}({1e5 * p.lattice_stderr['a']:.0f}) Å, W = {p.weight_fraction:.4f}, "
              f"D = {p.crystallite_size_nm:.2f} nm, ε = {p.microstrain:.2e}")
    print(f"    Rwp {res.Rwp:.2f} %, Rexp {res.Rexp:.2f} %, χ² {res.chi2:.3f}; "
          "truth a = 4.2307, W = 0.8/0.2, D = 14.1/40 nm, ε = 6.67e-3/0")
    return best


def peer_run(peer: Path, x: np.ndarray, y: np.ndarray, wavelength: float) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = Path(tmp) / "in.npz", Path(tmp) / "out.json"
        np.savez(src, x=x, y=y, a_start=4.228, wavelength=wavelength)
        t0 = time.perf_counter()
        subprocess.run([str(peer), str(HERE / "bench_xrd_peer.py"), str(src), str(dst)], check=True,
                       stderr=subprocess.DEVNULL)
        wall = time.perf_counter() - t0
        out = json.loads(dst.read_text())
    out["wall_with_startup"] = wall
    return out


def compare(peer: Path, runs: int) -> None:
    x = np.linspace(15.0, 90.0, 5000)
    inst = Instrument.single(1.5406)
    pat = simulate_pattern([get_phase("Mg3AsN")], x, inst, D_nm={"Mg3AsN": 40.0}, peak_counts=2e4, seed=1)
    y = np.asarray(pat.intensity)
    res, best, median = timed(lambda: refine(pat, [get_phase("Mg3AsN").with_lattice(a=4.228)], inst), runs)
    ph = res.phases[0]
    print(f"[2] single-phase Mg3AsN, Cu Kα1, 15–90°, {x.size} points (truth a = 4.2307 Å, D = 40 nm)")
    print(f"    sselab  : best {best:.2f} s, median {median:.2f} s; a = {ph.lattice['a']:.5f}({1e5 * ph.lattice_stderr['a']:.0f}) Å, "
          f"Rwp {rwp(y, res.y_calc):.2f} %, {res.n_free} free")
    if not peer.exists():
        print(f"    powerxrd: skipped (no peer interpreter at {peer}; see this file's docstring)")
        return
    p = peer_run(peer, x, y, 1.5406)
    print(f"    powerxrd: {p['seconds']:.2f} s ({p['wall_with_startup']:.2f} s with interpreter start); a = {p['a']:.5f} Å, "
          f"Rwp {rwp(y, np.array(p['y_calc'])):.2f} %, {p['n_model_evaluations']} model evaluations, 6 free")
    print(f"    time ratio powerxrd / sselab: {p['seconds'] / best:.1f}")
    # the benchmark's two-phase pattern, as far as powerxrd can go (Mg3AsN only, < 90°, Kα1)
    xx = np.linspace(15.0, 100.0, 5000)
    two = simulate_pattern([get_phase("Mg3AsN"), get_phase("ZrO2-m")], xx, weight_fractions={"Mg3AsN": 0.8, "ZrO2-m": 0.2},
                           D_nm={"Mg3AsN": 14.1, "ZrO2-m": 40.0}, strain={"Mg3AsN": 6.67e-3}, peak_counts=2e4, seed=0)
    keep = xx < 90.0
    p2 = peer_run(peer, xx[keep], np.asarray(two.intensity)[keep], 1.540598)
    print(f"[3] powerxrd on the two-phase pattern (15–90°, {keep.sum()} points, Mg3AsN only): {p2['seconds']:.2f} s, "
          f"a = {p2['a']:.5f} Å, Rwp {rwp(np.asarray(two.intensity)[keep], np.array(p2['y_calc'])):.2f} %")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--peer-python", type=Path, default=DEFAULT_PEER)
    args = ap.parse_args()
    two_phase(args.runs)
    compare(args.peer_python, args.runs)


if __name__ == "__main__":
    main()
