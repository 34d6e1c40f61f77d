"""Simulated powder patterns: the refinement model run forwards, with counting noise.

Examples
--------
>>> import numpy as np
>>> from sselab.xrd.library import mg3asn
>>> pat = simulate_pattern([mg3asn()], np.arange(15, 90, 0.02), D_nm={"Mg3AsN": 14.1},
...                        strain={"Mg3AsN": 6.67e-3}, peak_counts=1e4, seed=1)
>>> pat.two_theta_deg.size, pat.wavelength_A
(3750, (1.540598, 1.544426))
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np

from ..exceptions import SselabError
from ..measurements import DiffractionPattern
from .instrument import Instrument
from .model import PowderModel
from .structures import Phase


def scales_from_weight_fractions(phases: Sequence[Phase], weight_fractions: Mapping[str, float]) -> dict[str, float]:
    """Relative scale factors S_i ∝ W_i / (ZMV)_i (Hill–Howard inverted)."""
    return {p.name: float(weight_fractions.get(p.name, 0.0)) / (p.cell_mass_g_mol * p.volume_A3) for p in phases}


def simulate_pattern(
    phases: Sequence[Phase],
    two_theta_deg: np.ndarray,
    instrument: Instrument | None = None,
    *,
    weight_fractions: Mapping[str, float] | None = None,
    D_nm: Mapping[str, float] | None = None,
    strain: Mapping[str, float] | None = None,
    b_iso: Mapping[str, float] | None = None,
    preferred_orientation: Mapping[str, tuple[tuple[int, int, int], float]] | None = None,
    background: Sequence[float] = (200.0, -50.0, 20.0),
    zero_deg: float = 0.0,
    peak_counts: float = 1e4,
    noise: bool = True,
    seed: int | None = None,
    values: Mapping[str, float] | None = None,
) -> DiffractionPattern:
    """A powder pattern of ``phases`` with Poisson noise.

    Parameters
    ----------
    weight_fractions
        By phase name (default equal); scales follow Hill–Howard.
    D_nm, strain
        Crystallite size [nm] and microstrain ε per phase (default: no sample broadening).
    b_iso
        Isotropic B [Å²] for every site of a phase (default 0.5).
    preferred_orientation
        By phase name: ((h, k, l), r), March–Dollase direction and ratio (r < 1: platelets ⊥ hkl).
    background
        Chebyshev coefficients [counts].
    peak_counts
        Height of the strongest point of the noiseless pattern above background [counts].
    values
        Any other model parameter by name (``{"Mg3N2.x_Mg1": 0.85, "Mg3N2.B_N1": 1.2,
        "Mg3N2.occ_N2": 0.9}``), set before scaling.
    """
    phases = list(phases)
    weight_fractions = weight_fractions or {p.name: 1.0 / len(phases) for p in phases}
    po = preferred_orientation or {}
    model = PowderModel(phases, two_theta_deg, instrument, n_background=max(len(background), 1),
                        preferred_orientation={k: hkl for k, (hkl, _) in po.items()})
    params = model.parameters()
    v = params.value_array.copy()
    scales = scales_from_weight_fractions(phases, weight_fractions)
    for p in phases:
        v[model.index(f"{p.name}.scale")] = scales[p.name]
        if D_nm and p.name in D_nm:
            v[model.index(f"{p.name}.D_nm")] = D_nm[p.name]
        if strain and p.name in strain:
            v[model.index(f"{p.name}.strain")] = strain[p.name]
        if b_iso and p.name in b_iso:
            for n in model.names:
                if n.startswith(f"{p.name}.B_"):
                    v[model.index(n)] = b_iso[p.name]
    for k, (_, r) in po.items():
        v[model.index(f"{k}.po_r")] = r
    v[model.index("zero_deg")] = zero_deg
    for name, x in (values or {}).items():
        v[model.index(name)] = float(x)
    peaks_only = model.evaluate(v) - model.background(v)
    if peaks_only.max() <= 0:
        raise SselabError("no reflection of these phases falls in the 2θ range")
    factor = peak_counts / peaks_only.max()
    for p in phases:
        v[model.index(f"{p.name}.scale")] *= factor
    for i, c in enumerate(background):
        v[model.index(f"bkg{i}")] = c
    y = model.evaluate(v)
    if np.any(y < 0):
        raise SselabError("the background goes negative in this range")
    rng = np.random.default_rng(seed)
    obs = rng.poisson(y).astype(float) if noise else y
    sigma = np.sqrt(np.maximum(obs, 1.0))
    truth = {n: float(v[i]) for i, n in enumerate(model.names)}
    return DiffractionPattern(
        source="simulated",
        instrument="sselab.xrd.simulate",
        two_theta_deg=np.asarray(two_theta_deg, float),
        intensity=obs,
        sigma=sigma,
        wavelength_A=model.instrument.wavelengths_A,
        notes=("simulated with Poisson noise" if noise else "simulated without noise",),
        metadata={"truth": truth, "phases": [p.name for p in phases]},
    )
