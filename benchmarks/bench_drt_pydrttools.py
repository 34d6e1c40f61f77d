"""The DRT's bands against pyDRTtools' Bayesian credible band, coverage of the true γ on simulated spectra.

    .venv/bin/python benchmarks/bench_drt_pydrttools.py --peer-python PATH [--n 7] [--nmc 600] [--seed 3]

The spectra are those of ``bench_drt_coverage.py`` (one per family in turn: ZARC n = 0.6 … 0.9,
near-Debye, two overlapping, two separated arcs; noise 0.1 / 0.5 / 2 %).  pyDRTtools 0.2
(``Bayesian_run``: ridge DRT with λ by GCV, then a truncated-Gaussian posterior sampled by
exact HMC, Ciucci & Chen 2015) runs in its own interpreter (``--peer-python``, a venv holding
pyDRTtools, cvxopt, scikit-learn, click; sselab never imports it; e.g. ``python -m venv pv &&
pv/bin/pip install pyDRTtools==0.2 --no-deps && pv/bin/pip install numpy scipy pandas
matplotlib cvxopt scikit-learn click``).  Its band is the
0.5–99.5 % quantiles of the sampled weights mapped to γ (nominal 99 %); from the same samples
the 2.5–97.5 % quantiles of γ give a 95 % band.  Coverage as in ``bench_drt_coverage.py``:
fraction of τ points in the measured window (near the peaks: true γ > half its maximum)
where the true γ lies in the band, and mean band width relative to the true peak height.
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

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from bench_drt_coverage import FAMILIES, NOISES, arcs_of, true_gamma  # noqa: E402
from sselab.eis import simulate_spectrum  # noqa: E402
from sselab.eis.drt import drt  # noqa: E402

WORKER = r"""
import sys, types, importlib.util, time, json
import numpy as np
spec = importlib.util.find_spec("pyDRTtools")  # its __init__ imports the Qt GUI: load the package bare
pkg = types.ModuleType("pyDRTtools"); pkg.__path__ = list(spec.submodule_search_locations); sys.modules["pyDRTtools"] = pkg
import matplotlib; matplotlib.use("Agg")
from pyDRTtools import runs, basics
d = np.load(sys.argv[1]); nmc = int(sys.argv[2])
e = runs.EIS_object(d["f"], d["z"].real, d["z"].imag)
t = time.perf_counter()
runs.Bayesian_run(e, NMC_sample=nmc)
el = time.perf_counter() - t
g = np.array([basics.x_to_gamma(x, e.tau_fine, e.tau, e.epsilon, "Gaussian")[1] for x in e.Xs[:, 501:].T])
np.savez(sys.argv[3], tau=e.out_tau_vec, lo99=e.lower_bound, hi99=e.upper_bound,
         lo95=np.quantile(g, 0.025, axis=0), hi95=np.quantile(g, 0.975, axis=0), seconds=el)
"""


def measure(tau, lo, hi, arcs, f):
    g = true_gamma(tau, arcs)
    window = (tau > 1 / (2 * np.pi * f.max())) & (tau < 1 / (2 * np.pi * f.min()))
    peak = window & (g > 0.5 * g.max())
    inside = (g >= lo) & (g <= hi)
    width = (hi - lo) / g.max()
    return [inside[window].mean(), inside[peak].mean(), width[peak].mean(), width[window & ~peak].mean()]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--peer-python", required=True)
    ap.add_argument("--n", type=int, default=7)
    ap.add_argument("--nmc", type=int, default=600, help="HMC samples (pyDRTtools discards the first 501)")
    ap.add_argument("--seed", type=int, default=3)
    a = ap.parse_args()
    rng = np.random.default_rng(a.seed)
    f = np.logspace(6, -2, 80)
    names = ("sselab bias-aware 95 %", "sselab posterior 95 %", "pyDRTtools 99 %", "pyDRTtools 95 % (γ quantiles)")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(a.n):
            family, noise = k % len(FAMILIES), NOISES[(k // len(FAMILIES)) % len(NOISES)]
            arcs = arcs_of(family, rng)
            values = {"R0": 10.0}
            for i, (R, t0, n) in enumerate(arcs, 1):
                values.update({f"ZARC{i}.R": R, f"ZARC{i}.Q": t0**n / R, f"ZARC{i}.n": n})
            circuit = "R0-" + "-".join(f"ZARC{i + 1}" for i in range(len(arcs)))
            s = simulate_spectrum(circuit, values, f, noise=noise, seed=1000 * a.seed + k)
            t = time.perf_counter()
            ours = [drt(s), drt(s, band="posterior")]
            t_ours = (time.perf_counter() - t) / 2
            np.savez(f"{tmp}/in.npz", f=f, z=s.impedance_ohm)
            subprocess.run([a.peer_python, "-c", WORKER, f"{tmp}/in.npz", str(a.nmc), f"{tmp}/out.npz"], check=True,
                           stdout=subprocess.DEVNULL)
            p = np.load(f"{tmp}/out.npz")
            m = [measure(r.tau_s, r.gamma_lower_ohm, r.gamma_upper_ohm, arcs, f) for r in ours]
            m += [measure(p["tau"], p["lo99"], p["hi99"], arcs, f), measure(p["tau"], p["lo95"], p["hi95"], arcs, f)]
            rows.append(m)
            print(json.dumps({"spectrum": k, "family": FAMILIES[family], "noise": noise, "sselab_s": round(t_ours, 3),
                              "pyDRTtools_s": round(float(p["seconds"]), 1),
                              "peaks_coverage": {nm: round(100 * v[1]) for nm, v in zip(names, m)}},
                             ensure_ascii=False), flush=True)
    v = np.array(rows)
    print(f"\n{a.n} spectra (seed {a.seed}); coverage all τ / near peaks; width relative to peak height near / away from peaks")
    for j, nm in enumerate(names):
        print(f"{nm:32s} {100 * v[:, j, 0].mean():5.1f}% {100 * v[:, j, 1].mean():5.1f}%   {v[:, j, 2].mean():.3f} {v[:, j, 3].mean():.3f}")


if __name__ == "__main__":
    main()
