"""Conductivity, electric-modulus and permittivity views of an impedance spectrum.

With the cell constant k = L/A (thickness over electrode area) and the empty-cell
capacitance C₀ = ε₀A/L:

- complex conductivity σ* = k / Z*; σ′(f) shows the dc plateau and, above the hopping
  (jump) frequency, Jonscher's dispersion σ′ = σ_dc [1 + (f/f_jump)^n];
- electric modulus M* = jωC₀Z*; for a parallel RC, M″ peaks at ω = 1/RC with height
  C₀/(2C), so each M″ peak gives its process's capacitance, classified by C·L/A (Irvine,
  Sinclair & West 1990: ~1e-12 F/cm bulk, 1e-11–1e-8 grain boundary); the smallest
  capacitances, the bulk's, give the highest peaks;
- relative permittivity ε* = 1/(jωC₀Z*) = ε′ − jε″.

σ_dc is σ′ at the flattest point (least |d log σ′/d log f|) of the lowest-frequency plateau
(where that slope is ≤ 0.1); f_jump and n come from a least-squares fit of Jonscher's law
(in log σ′) to the points from the plateau up to the next plateau, if any: points below the
plateau, where an electrode's polarisation makes σ′ fall, are left out.  With two plateaus (bulk above, bulk + grain boundary below), σ_dc is
the lower-frequency one: the total conductivity.

Examples
--------
>>> import numpy as np
>>> from sselab.eis import simulate_spectrum
>>> s = simulate_spectrum("p(R1,C1)", {"R1": 1e4, "C1": 1e-11}, np.logspace(7, -1, 60))
>>> v = conductivity_views(s, thickness_cm=0.1, area_cm2=1.0)
>>> round(v.sigma_dc_S_per_cm / (0.1 / 1e4), 3)
1.0
>>> round(v.modulus_peaks[0]["C_F"] / 1e-11, 2)
1.0
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.optimize import least_squares
from scipy.signal import find_peaks

from ..exceptions import AnalysisError
from ..fitting.result import _num
from ..measurements import Spectrum
from ..verdict import Verdict
from .fit import classify_capacitance

EPS0_F_PER_CM = 8.8541878128e-14
#: a plateau is where |d log σ′ / d log f| stays below this
PLATEAU_SLOPE = 0.1


@dataclass(frozen=True)
class ConductivityViews:
    """σ′, M″ and ε′/ε″ of a spectrum, with σ_dc, f_jump and the modulus peaks."""

    frequency_Hz: np.ndarray
    sigma_real_S_per_cm: np.ndarray
    modulus_real: np.ndarray
    modulus_imag: np.ndarray
    permittivity_real: np.ndarray
    permittivity_imag: np.ndarray
    sigma_dc_S_per_cm: float | None
    jump_frequency_Hz: float | None
    jonscher_n: float | None
    modulus_peaks: tuple[dict[str, float | str], ...]
    cell_constant_per_cm: float
    verdict: Verdict = field(default_factory=Verdict.ok)
    source: str = ""

    @property
    def modulus_peaks_Hz(self) -> list[float]:
        return [float(p["frequency_Hz"]) for p in self.modulus_peaks]

    def to_dict(self) -> dict[str, Any]:
        return {
            "cell_constant_per_cm": self.cell_constant_per_cm,
            "sigma_dc_S_per_cm": _num(self.sigma_dc_S_per_cm),
            "jump_frequency_Hz": _num(self.jump_frequency_Hz),
            "jonscher_n": _num(self.jonscher_n),
            "modulus_peaks": [dict(p) for p in self.modulus_peaks],
            "frequency_Hz": self.frequency_Hz.tolist(),
            "sigma_real_S_per_cm": self.sigma_real_S_per_cm.tolist(),
            "modulus_real": self.modulus_real.tolist(),
            "modulus_imag": self.modulus_imag.tolist(),
            "permittivity_real": self.permittivity_real.tolist(),
            "permittivity_imag": self.permittivity_imag.tolist(),
            "source": self.source,
            **self.verdict.to_dict(),
        }


def _jonscher(logf: np.ndarray, logs: np.ndarray) -> tuple[float, float | None, float | None, Verdict]:
    """σ_dc, f_jump, n from log10 f and log10 σ′ (ascending f)."""
    v = Verdict.ok()
    slope = np.gradient(logs, logf)
    flat = int(np.argmin(np.abs(slope)))
    plateau = np.flatnonzero(np.abs(slope) <= PLATEAU_SLOPE)
    if plateau.size:  # the lowest-frequency plateau: the total (bulk + grain boundary) σ_dc
        flat = int(plateau[0])
        while flat + 1 < slope.size and abs(slope[flat + 1]) <= PLATEAU_SLOPE:
            flat += 1
    if abs(slope[flat]) > PLATEAU_SLOPE:
        return float(10 ** logs[flat]), None, None, v.add(
            "no_dc_plateau", f"σ′ has no dc plateau in the measured range (flattest slope {slope[flat]:.2g}); "
            "σ_dc is the value at the flattest point", "warning")
    lo = flat
    while lo > 0 and abs(slope[lo - 1]) <= PLATEAU_SLOPE:
        lo -= 1
    hi = flat + 1  # up to the next plateau (e.g. the bulk's above a grain-boundary step), if any
    while hi < slope.size and abs(slope[hi]) <= PLATEAU_SLOPE:
        hi += 1
    while hi < slope.size and abs(slope[hi]) > PLATEAU_SLOPE:
        hi += 1
    x, y = logf[lo:hi], logs[lo:hi]
    s0 = float(logs[lo + int(np.argmin(np.abs(slope[lo : flat + 1])))])  # the flattest point of the plateau

    def resid(p: np.ndarray) -> np.ndarray:
        return p[0] + np.log10(1 + 10 ** (p[2] * (x - p[1]))) - y

    start = np.array([s0, x[-1], 0.7])
    fit = least_squares(resid, start, bounds=([-np.inf, x[0] - 3, 0.05], [np.inf, x[-1] + 3, 1.5]))
    _, lf, n = fit.x
    if lf > x[-1] or 10 ** (n * (x[-1] - lf)) < 0.1:
        return float(10**s0), None, None, v.add(
            "no_dispersion", "σ′ shows no dispersion above the plateau in the measured range: jump frequency not "
            "determined", "warning")
    if n > 1:  # Jonscher's hopping dispersion has 0 < n < 1; the fit's bound is 1.5
        v = v.add("jonscher_n_out_of_range", f"σ′ rises above the plateau with exponent n = {n:.2f}"
                  + (" (the fit's bound)" if n >= 1.5 - 1e-6 else "") + ", outside hopping's 0 < n < 1 (electrode "
                  "polarisation, a second arc or an artefact?): the jump frequency is not a hopping rate", "warning")
    return float(10**s0), float(10**lf), float(n), v


def conductivity_views(spectrum: Spectrum, *, thickness_cm: float, area_cm2: float) -> ConductivityViews:
    """σ′(f), M″(f), ε′/ε″(f), σ_dc, the jump frequency and the M″ peaks (see module docs).

    Parameters
    ----------
    thickness_cm, area_cm2
        Sample thickness [cm] and electrode area [cm²].
    """
    if not (thickness_cm > 0 and area_cm2 > 0):
        raise AnalysisError("thickness and area must be positive")
    f, z = spectrum.frequency_Hz, spectrum.impedance_ohm
    if f.size < 5:
        raise AnalysisError(f"{spectrum.source or 'spectrum'}: {f.size} points are too few")
    order = np.argsort(f)
    f, z = f[order], z[order]
    k = thickness_cm / area_cm2
    c0 = EPS0_F_PER_CM / k
    w = 2 * np.pi * f
    sigma = k / z
    modulus = 1j * w * c0 * z
    eps = 1 / (1j * w * c0 * z)
    sig_re = sigma.real
    verdict = Verdict.ok()
    if np.any(sig_re <= 0):
        verdict = verdict.add("negative_conductivity", "σ′ ≤ 0 at some points (inductive or corrupt data): "
                              "σ_dc from the positive points only", "warning")
    ok = sig_re > 0
    sdc, fj, n, v = _jonscher(np.log10(f[ok]), np.log10(sig_re[ok]))
    verdict = verdict.merge(v)
    mi = modulus.imag
    # in log M″: a grain boundary's peak is C_bulk/C_gb times lower than the bulk's
    idx, _ = find_peaks(np.log10(np.maximum(mi, 1e-300)), prominence=0.05)
    peaks = []
    for i in idx:
        c = c0 / (2 * mi[i])
        # Irvine, Sinclair & West (1990) classify C·L/A [F/cm]
        peaks.append({"frequency_Hz": float(f[i]), "M_imag": float(mi[i]), "C_F": float(c),
                      "C_F_per_cm": float(c * k), "kind": classify_capacitance(c * k)})
    return ConductivityViews(
        frequency_Hz=f, sigma_real_S_per_cm=sig_re, modulus_real=modulus.real, modulus_imag=mi,
        permittivity_real=eps.real, permittivity_imag=-eps.imag, sigma_dc_S_per_cm=sdc, jump_frequency_Hz=fj,
        jonscher_n=n, modulus_peaks=tuple(peaks), cell_constant_per_cm=k, verdict=verdict, source=spectrum.source,
    )
