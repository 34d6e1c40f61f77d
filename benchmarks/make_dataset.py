"""Reproducible benchmark data: N noisy spectra of the Mg|eBE|SE|eBE|Mg circuit, and a
harder set of random two-arc spectra.

Each spectrum: a temperature drawn uniformly in 40–160 °C, the paper's material model
(:mod:`sselab.simulate.paper`) for the circuit values there, every R and Q then scaled by a
log-normal factor (σ = 0.25), every CPE exponent shifted by U(−0.03, 0.03), evaluated on the
paper's 100-point 1 MHz–100 mHz grid with 0.5 % relative Gaussian noise.  Fixed seed.

The harder set (:func:`make_random`, ``--random``): ``R0-p(R1,CPE1)-p(R2,CPE2)`` with R0
log-uniform in 1–100 Ω, R1 and R2 in 10²–10⁵ Ω, both time constants log-uniform over the
measured window (arcs may overlap), n uniform in 0.7–0.95, Q = τⁿ/R, same grid, 0.4 % noise.

Usage::

    python benchmarks/make_dataset.py 1000            # writes benchmarks/.cache/ebe_1000_seed0.npz
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from sselab.eis.circuit import Circuit
from sselab.eis.simulate import paper_frequencies
from sselab.simulate.paper import EBE_STACK_CIRCUIT, MaterialModel

CACHE = Path(__file__).resolve().parent / ".cache"
NOISE = 0.005


def make(n: int, seed: int = 0) -> dict[str, np.ndarray]:
    """``{"frequency_Hz" (N,), "Z" (n, N), "truth" (n, 7), "T_K" (n,), "names"}``."""
    rng = np.random.default_rng(seed)
    c = Circuit(EBE_STACK_CIRCUIT)
    f = paper_frequencies()
    model = MaterialModel()
    T = rng.uniform(313.15, 433.15, n)
    truth = np.empty((n, c.n_params))
    for i, t in enumerate(T):
        v = model.ebe_stack_values(float(t))
        for j, name in enumerate(c.parameter_names):
            truth[i, j] = (np.clip(v[name] + rng.uniform(-0.03, 0.03), 0.5, 1.0) if name.endswith(".n")
                           else v[name] * np.exp(0.25 * rng.standard_normal()))
    z = c.impedance(f, truth)  # (n, N)
    z = z + NOISE * np.abs(z) * (rng.standard_normal(z.shape) + 1j * rng.standard_normal(z.shape))
    return {"frequency_Hz": f, "Z": z, "truth": truth, "T_K": T, "names": np.array(c.parameter_names)}


RANDOM_CIRCUIT = "R0-p(R1,CPE1)-p(R2,CPE2)"
RANDOM_NOISE = 0.004


def make_random(n: int, seed: int = 0) -> dict[str, np.ndarray]:
    """The harder set: random two-arc spectra (see the module docs); same keys as :func:`make`."""
    rng = np.random.default_rng(seed + 1000)
    c = Circuit(RANDOM_CIRCUIT)
    f = paper_frequencies()
    w = 2 * np.pi * f
    lo, hi = np.log10(1 / w.max()), np.log10(1 / w.min())
    truth = np.empty((n, c.n_params))
    for i in range(n):
        r0 = 10 ** rng.uniform(0, 2)
        arcs = []
        for _ in range(2):
            r, tau, m = 10 ** rng.uniform(2, 5), 10 ** rng.uniform(lo, hi), rng.uniform(0.7, 0.95)
            arcs += [r, tau**m / r, m]
        truth[i] = [r0, *arcs]
    z = c.impedance(f, truth)
    z = z + RANDOM_NOISE * np.abs(z) * (rng.standard_normal(z.shape) + 1j * rng.standard_normal(z.shape))
    return {"frequency_Hz": f, "Z": z, "truth": truth, "T_K": np.full(n, np.nan), "names": np.array(c.parameter_names)}


def load(n: int, seed: int = 0, kind: str = "ebe") -> dict[str, np.ndarray]:
    """The cached data set ``kind`` ("ebe" or "random"), made and cached on first use."""
    path = CACHE / f"{kind}_{n}_seed{seed}.npz"
    if not path.exists():
        CACHE.mkdir(exist_ok=True)
        np.savez_compressed(path, **(make_random(n, seed) if kind == "random" else make(n, seed)))
    with np.load(path) as d:
        return {k: d[k] for k in d.files}


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("n", type=int, nargs="?", default=1000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--random", action="store_true", help="the harder random two-arc set")
    a = ap.parse_args()
    kind = "random" if a.random else "ebe"
    d = load(a.n, a.seed, kind)
    print(f"{CACHE / f'{kind}_{a.n}_seed{a.seed}.npz'}: {d['Z'].shape[0]} spectra × {d['Z'].shape[1]} points")
