"""DRT: sselab against pyDRTtools on the same spectra (peak positions, areas, shape, time).

pyDRTtools runs in its own throwaway virtual environment, in a separate process, and is
never imported by sselab or its tests::

    python3 -m venv /tmp/peers
    /tmp/peers/bin/pip install pyDRTtools numpy scipy cvxopt pandas matplotlib scikit-learn
    .venv/bin/python benchmarks/bench_drt.py [--peers /tmp/peers/bin/python]

pyDRTtools 0.2's package ``__init__`` imports its PyQt5 GUI; the peer script loads the
``runs`` module without running that ``__init__`` so that it works headless.  Both tools are
run with the same settings: Gaussian RBF, FWHM coefficient 0.5, real and imaginary parts,
R_∞ and L fitted, second-derivative penalty, λ by GCV (sselab: its default "auto", i.e. GCV,
or cgcv where GCV's residuals are autocorrelated; plain GCV printed too).  Peaks are taken
from both γ curves with the same rule (:func:`sselab.eis.drt.peaks.find_processes`, with the
measured τ window: maxima beyond it are a tail's end, not processes).  Shape agreement is
the relative L2 distance of the two γ on sselab's grid.

pyDRTtools' λ: its GCV is minimised by SLSQP from ``reg_param`` (1e-3) on a score of the
order of RSS/m in Ω²; where |Z| is small (exampleData.csv: ~0.03 Ω, score ~1e-6) the score
changes by less than SLSQP's tolerance and the start is returned unchanged (λ = 1e-3; started
at 1e-5 it returns 9.95e-6).  ``--start`` sets that start to show it.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from sselab.eis.drt import drt
from sselab.eis.drt.peaks import find_processes
from sselab.measurements import Spectrum

REAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "eis" / "exampleData.csv"

PEER_SCRIPT = r"""
import contextlib, importlib.util, io, json, sys, time, types
import numpy as np
spec = importlib.util.find_spec("pyDRTtools")
pkg = types.ModuleType("pyDRTtools"); pkg.__path__ = list(spec.submodule_search_locations)
sys.modules["pyDRTtools"] = pkg  # skip pyDRTtools/__init__.py (it imports the PyQt5 GUI)
from cvxopt import solvers
solvers.options["show_progress"] = False
from pyDRTtools.runs import EIS_object, simple_run
out = {}
for path in sys.argv[1:]:
    d = np.loadtxt(path, delimiter=",")
    e = EIS_object(d[:, 0], d[:, 1], d[:, 2])
    t0 = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        e = simple_run(e, rbf_type="Gaussian", data_used="Combined Re-Im Data", induct_used=1,
                       der_used="2nd order", cv_type="GCV", reg_param=START,
                       shape_control="FWHM Coefficient", coeff=0.5)
    out[path] = {"time_s": time.perf_counter() - t0, "lambda": float(np.ravel(e.lambda_value)[0]),
                 "R_inf": float(e.R), "L": float(e.L),
                 "tau": np.ravel(e.out_tau_vec).tolist(), "gamma": np.ravel(e.gamma).tolist()}
print(json.dumps(out))
"""


def simulated() -> dict[str, tuple[Spectrum, list[tuple[float, float]]]]:
    f = np.logspace(6, -1, 71)
    w = 2 * np.pi * f
    rng = np.random.default_rng(0)
    cases = {
        "1RC": ([(100.0, 1e-4)], 1.0, 0.0),
        "2RC": ([(100.0, 1e-5), (300.0, 1e-2)], 1.0, 0.0),
        "3RC": ([(100.0, 1e-5), (200.0, 1e-3), (150.0, 1e-1)], 1.0, 0.0),
        "3ZARC n=0.9": ([(100.0, 1e-5), (200.0, 1e-3), (150.0, 1e-1)], 0.9, 0.0),
        "RC+Warburg": ([(100.0, 1e-4)], 1.0, 30.0),
    }
    out = {}
    for name, (procs, n, sigma) in cases.items():
        z = 20 + sum(r / (1 + (1j * w * t) ** n) for r, t in procs) + sigma * (1 - 1j) / np.sqrt(w)
        z = z + 0.005 * np.abs(z) * (rng.standard_normal(f.size) + 1j * rng.standard_normal(f.size))
        out[name] = (Spectrum(frequency_Hz=f, impedance_ohm=z), procs)
    return out


def fmt(peaks) -> str:
    return ", ".join(f"{p.tau_s:.3g} s/{p.R_ohm:.3g} Ω" for p in peaks) or "none"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--peers", default="/tmp/peers/bin/python", help="Python of the venv holding pyDRTtools")
    ap.add_argument("--start", type=float, default=1e-3, help="pyDRTtools' starting λ (reg_param; its default 1e-3)")
    args = ap.parse_args()
    cases = simulated()
    if REAL.is_file():
        d = np.loadtxt(REAL, delimiter=",")
        cases["exampleData.csv (real)"] = (Spectrum(frequency_Hz=d[:, 0], impedance_ohm=d[:, 1] + 1j * d[:, 2]), [])
    with tempfile.TemporaryDirectory() as tmp:
        paths = {}
        for k, (name, (s, _)) in enumerate(cases.items()):
            p = Path(tmp) / f"case{k}.csv"
            np.savetxt(p, np.column_stack([s.frequency_Hz, s.impedance_ohm.real, s.impedance_ohm.imag]), delimiter=",")
            paths[name] = str(p)
        peer: dict = {}
        try:
            script = PEER_SCRIPT.replace("reg_param=START", f"reg_param={args.start!r}")
            run = subprocess.run([args.peers, "-c", script, *paths.values()], capture_output=True, text=True,
                                 timeout=1200, env={"MPLBACKEND": "Agg", "PATH": "/usr/bin:/bin"})
            if run.returncode == 0:
                peer = json.loads(run.stdout.strip().splitlines()[-1])
            else:
                print(f"pyDRTtools failed:\n{run.stderr[-2000:]}")
        except (OSError, subprocess.TimeoutExpired) as exc:
            print(f"pyDRTtools unavailable ({exc}); sselab only")
        for name, (s, truth) in cases.items():
            t0 = time.perf_counter()
            ours = drt(s)
            t_ours = time.perf_counter() - t0
            lc = drt(s, method="lcurve")
            plain = drt(s, method="gcv")
            window = (1 / (2 * np.pi * s.frequency_Hz.max()), 1 / (2 * np.pi * s.frequency_Hz.min()))
            print(f"\n== {name}")
            if truth:
                print(f"  truth            : {', '.join(f'{t:.3g} s/{r:.3g} Ω' for r, t in truth)}")
            print(f"  sselab auto      : {fmt(ours.peaks)}   (method {ours.method}, λ={ours.lambda_value:.2g}, "
                  f"residual autocorrelation {ours.residual_autocorrelation:.2f}, R∞={ours.R_inf_ohm:.4g} Ω, {1e3 * t_ours:.0f} ms)")
            print(f"  sselab plain GCV : {fmt(plain.peaks)}   (λ={plain.lambda_value:.2g})")
            print(f"  sselab L-curve   : {fmt(lc.peaks)}   (λ={lc.lambda_value:.2g})")
            if paths[name] in peer:
                p = peer[paths[name]]
                tau, gamma = np.array(p["tau"]), np.array(p["gamma"])
                order = np.argsort(tau)
                tau, gamma = tau[order], gamma[order]
                theirs = find_processes(tau, gamma, window=window)
                g_on_ours = np.interp(np.log(ours.tau_s), np.log(tau), gamma, left=0.0, right=0.0)
                inside = (ours.tau_s >= tau[0]) & (ours.tau_s <= tau[-1])
                dist = np.linalg.norm((g_on_ours - ours.gamma_ohm)[inside]) / np.linalg.norm(ours.gamma_ohm[inside])
                started = " = its start" if abs(p["lambda"] / args.start - 1) < 0.02 else ""
                print(f"  pyDRTtools GCV   : {fmt(theirs)}   (λ={p['lambda']:.2g}{started} unweighted, R∞={p['R_inf']:.4g} Ω, "
                      f"{1e3 * p['time_s']:.0f} ms)")
                print(f"  shape: relative L2 distance of γ = {dist:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
