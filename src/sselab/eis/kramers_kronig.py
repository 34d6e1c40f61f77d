"""Linear Kramers–Kronig validation (Schönleber, Klotz & Ivers-Tiffée, Electrochim. Acta 131
(2014) 20).

The spectrum is fitted, by weighted *linear* least squares, with an ohmic resistor, M
Voigt elements R_k/(1 + jωτ_k) at fixed τ_k log-spaced from 1/ω_max to 1/ω_min, and
(optionally) a series capacitance and inductance.  Any such model is KK-compliant, so
residuals above the noise reveal drift, non-linearity or non-stationarity.  M is chosen
automatically by Schönleber's μ criterion: the smallest M with
μ = 1 − Σ_{R_k<0}|R_k| / Σ_{R_k≥0}|R_k| below ``mu_criterion`` (0.85), i.e. just before
over-fitting sets in.

Verdict: passed when every relative residual |ΔZ'|/|Z| and |ΔZ''|/|Z| is below
``threshold`` (default 0.01, i.e. 1 %), a common practical limit; both are reported.

Examples
--------
>>> import numpy as np
>>> from sselab.eis import simulate_spectrum
>>> s = simulate_spectrum("R0-p(R1,CPE1)", {"R0": 10, "R1": 100, "CPE1.Q": 1e-5, "CPE1.n": 0.8}, np.logspace(5, -1, 60))
>>> kramers_kronig(s).passed
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..exceptions import AnalysisError
from ..fitting.result import _num
from ..measurements import Spectrum


@dataclass(frozen=True)
class KKResult:
    """The outcome of the linear KK test. Residuals are relative to |Z| (dimensionless)."""

    passed: bool
    threshold: float
    n_elements: int
    mu: float
    mu_criterion: float
    frequency_Hz: np.ndarray
    residuals_real: np.ndarray
    residuals_imag: np.ndarray
    fitted_ohm: np.ndarray
    pseudo_chi2: float
    source: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def max_residual(self) -> float:
        return float(max(np.abs(self.residuals_real).max(), np.abs(self.residuals_imag).max()))

    @property
    def rms_residual(self) -> float:
        return float(math.sqrt(np.mean(self.residuals_real**2 + self.residuals_imag**2) / 2))

    def to_dict(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "threshold": self.threshold,
            "max_residual": _num(self.max_residual),
            "max_residual_percent": _num(100 * self.max_residual),
            "rms_residual_percent": _num(100 * self.rms_residual),
            "pseudo_chi2": _num(self.pseudo_chi2),
            "n_elements": self.n_elements,
            "mu": _num(self.mu),
            "mu_criterion": self.mu_criterion,
            "method": "linear KK test (Schönleber 2014), mu criterion",
            "n_points": int(self.frequency_Hz.size),
            "frequency_Hz": self.frequency_Hz.tolist(),
            "residuals_real": self.residuals_real.tolist(),
            "residuals_imag": self.residuals_imag.tolist(),
            "source": self.source,
            "notes": list(self.notes),
        }


def _design(w: np.ndarray, tau: np.ndarray, capacitance: bool, inductance: bool) -> np.ndarray:
    cols = [np.ones_like(w, dtype=complex)]
    cols += list((1 / (1 + 1j * np.outer(w, tau))).T)
    if capacitance:
        cols.append(1 / (1j * w))
    if inductance:
        cols.append(1j * w)
    return np.array(cols).T


def _solve(w, z, m, capacitance, inductance):
    tau = np.logspace(np.log10(1 / w.max()), np.log10(1 / w.min()), m) if m > 1 else np.array([1 / np.sqrt(w.max() * w.min())])
    A = _design(w, tau, capacitance, inductance)
    weight = 1 / np.abs(z)
    Aw = A * weight[:, None]
    b = z * weight
    M = np.vstack([Aw.real, Aw.imag])
    y = np.concatenate([b.real, b.imag])
    scale = np.linalg.norm(M, axis=0)
    scale[scale == 0] = 1
    coef, *_ = np.linalg.lstsq(M / scale, y, rcond=None)
    coef = coef / scale
    return A @ coef, coef[1 : 1 + m]


def kramers_kronig(
    spectrum: Spectrum,
    *,
    threshold: float = 0.01,
    mu_criterion: float = 0.85,
    n_elements: int | None = None,
    capacitance: bool = True,
    inductance: bool = True,
) -> KKResult:
    """Run the linear KK test on ``spectrum`` (see module docs).

    Parameters
    ----------
    threshold
        Largest relative residual (fraction of |Z|) for a pass.
    mu_criterion
        Schönleber's μ limit for choosing the number of Voigt elements.
    n_elements
        Use this many Voigt elements instead of choosing automatically.
    capacitance, inductance
        Add a series capacitance / inductance (for blocking electrodes / cable inductance).
    """
    f = spectrum.frequency_Hz
    z = spectrum.impedance_ohm
    n = f.size
    extra = 1 + int(capacitance) + int(inductance)
    if n < 5:
        raise AnalysisError(f"{spectrum.source or 'spectrum'}: {n} points are too few for a KK test")
    w = 2 * np.pi * f
    max_m = max(2 * n // 2 - extra - 1, 1)
    notes = []
    if n_elements is not None:
        m_best = int(n_elements)
        fitted, r = _solve(w, z, m_best, capacitance, inductance)
        pos, neg = r[r >= 0].sum(), -r[r < 0].sum()
        mu = 1 - neg / pos if pos > 0 else -math.inf
        notes.append(f"number of Voigt elements fixed at {m_best} by the user")
    else:
        m_best, fitted, mu = 1, None, 1.0
        for m in range(1, min(max_m, n) + 1):
            fit_m, r = _solve(w, z, m, capacitance, inductance)
            pos, neg = r[r >= 0].sum(), -r[r < 0].sum()
            mu_m = 1 - neg / pos if pos > 0 else -math.inf
            if mu_m <= mu_criterion and m > 1:
                break
            m_best, fitted, mu = m, fit_m, mu_m
        notes.append(f"{m_best} Voigt elements chosen by mu < {mu_criterion}")
    d = (z - fitted) / np.abs(z)
    res_re, res_im = d.real, d.imag
    passed = bool(max(np.abs(res_re).max(), np.abs(res_im).max()) < threshold)
    return KKResult(
        passed=passed,
        threshold=threshold,
        n_elements=m_best,
        mu=float(mu),
        mu_criterion=mu_criterion,
        frequency_Hz=f.copy(),
        residuals_real=res_re,
        residuals_imag=res_im,
        fitted_ohm=fitted,
        pseudo_chi2=float(np.sum(res_re**2 + res_im**2)),
        source=spectrum.source,
        notes=tuple(notes),
    )
