"""Peer side of the XRD refinement benchmark: powerxrd, run in its own virtual environment.

Not run directly: ``bench_xrd_refine.py`` writes the pattern to an .npz file and calls

    PEER_PYTHON benchmarks/bench_xrd_peer.py PATTERN.npz RESULT.json

This script imports only numpy and powerxrd (never sselab), refines the pattern with
powerxrd's own least-squares workflow and writes times, refined values and the calculated
pattern as JSON.

What powerxrd 4.0 can refine (its whole model, read from its source): one cubic phase
(lattice ``a``), one wavelength (no Kα2), reflections h,k,l ∈ 0..7 below 2θ = 90° (each
non-negative index triple counted once: no multiplicity beyond that), a pseudo-Voigt with
fixed η = 0.5 and Caglioti width √(U tan²θ + W), a ``scale``, a linear background; atomic
scattering factors from a small Z table (Sr, Ti, O, Fe, C; 10 for any other element).  To
give it a fair chance here the Z table is extended with the elements of the phase (f = Z,
no sinθ/λ fall-off); nothing else is changed.  No zero shift, size/strain, B or occupancy;
no multi-phase patterns, so a two-phase pattern can only be fitted with its main phase.
"""

from __future__ import annotations

import json
import sys
import time

import numpy as np
from powerxrd.lattice import CubicLattice
from powerxrd.model import PhaseModel
from powerxrd.refine import refine
from powerxrd.structure import Atom, CrystalStructure

Z = {"Mg": 12, "As": 33, "N": 7, "O": 8, "Zr": 40}


class _ZStructure(CrystalStructure):
    """powerxrd's structure with f = Z for every element of the phase."""

    def atomic_scattering_factor(self, element, s):
        return Z.get(element, super().atomic_scattering_factor(element, s))


STAGES = (
    ["scale", "bkg_intercept", "bkg_slope"],
    ["a", "scale", "bkg_intercept", "bkg_slope"],
    ["a", "U", "W", "scale", "bkg_intercept", "bkg_slope"],
)


def run(x: np.ndarray, y: np.ndarray, a_start: float, wavelength: float) -> dict:
    lattice = CubicLattice(a=a_start)
    # Mg3AsN, origin on N: N 1a, As 1b, Mg 3d
    atoms = [Atom("N", 0, 0, 0), Atom("As", 0.5, 0.5, 0.5), Atom("Mg", 0.5, 0, 0), Atom("Mg", 0, 0.5, 0),
             Atom("Mg", 0, 0, 0.5)]
    model = PhaseModel(lattice=lattice, structure=_ZStructure(lattice, atoms), wavelength=wavelength)
    t0 = time.perf_counter()
    # linear start of scale and background (as sselab does), then powerxrd's own stages
    model.params.update(scale=1.0, bkg_slope=0.0, bkg_intercept=0.0)
    peaks = model.pattern(x)
    A = np.column_stack([peaks, x, np.ones_like(x)])
    (scale, slope, icpt), *_ = np.linalg.lstsq(A, y, rcond=None)
    model.params.update(scale=float(scale), bkg_slope=float(slope), bkg_intercept=float(icpt))
    n_eval = 0
    for keys in STAGES:
        res = refine(model, x, y, keys, print_stage=False)
        n_eval += int(res.nfev)
    elapsed = time.perf_counter() - t0
    return {"seconds": elapsed, "a": float(model.lattice.a), "params": {k: float(v) for k, v in model.param_dict().items()},
            "n_model_evaluations": n_eval, "y_calc": model.pattern(x).tolist()}


def main() -> None:
    data = np.load(sys.argv[1])
    out = run(np.asarray(data["x"]), np.asarray(data["y"]), float(data["a_start"]), float(data["wavelength"]))
    with open(sys.argv[2], "w") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main()
