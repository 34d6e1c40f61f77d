"""Linear Kramers–Kronig validation (Schönleber, Klotz & Ivers-Tiffée, Electrochim. Acta 131
(2014) 20).

The spectrum is fitted, by weighted *linear* least squares, with an ohmic resistor, M
Voigt elements R_k/(1 + jωτ_k) at fixed τ_k log-spaced from 1/ω_max to 1/ω_min, and
(optionally) a series capacitance and inductance.  Any such model is KK-compliant, so
residuals above the noise reveal drift, non-linearity or non-stationarity.  The τ range is
extended by half a decade beyond 1/ω on each side, so constant-phase tails that continue
past the measured window are representable.

Choice of M (``method``):

- ``"noise-floor"`` (default): the smallest M whose pseudo χ² is within a factor 1.5 of
  the pseudo χ² with the largest M tried (min(N/2, 60)) — the point where more elements stop
  explaining anything but noise.  Schönleber's μ at that M is reported too.
- ``"mu"``: Schönleber's criterion, the smallest M with
  μ = 1 − Σ_{R_k<0}|R_k| / Σ_{R_k≥0}|R_k| below ``mu_criterion`` (0.85).  On spectra with
  constant-phase behaviour μ oscillates at small M, which is why it is not the default.

Verdict (statistical, not a fixed 1 %): the residuals of a valid spectrum are its noise, so
their rms is compared with the noise level — the one the user states (``noise``, relative to
|Z|) or else the one the spectrum itself shows, estimated from the *differences* of adjacent
residuals, σ = median|Δr| / (0.6745·√2): white noise survives differencing, while drift and
non-stationarity make smooth, correlated residuals that differencing removes.  The statistic
T = rms(r) / max(σ, ``NOISE_FLOOR``) is ≈ 1 for a valid spectrum; it passes when
T ≤ ``T_CRITICAL``.  Calibrated on simulated spectra (three circuit families, 40–100 points,
0.1–1 % noise): the 99th percentile of T is 1.14 and the largest of 260 is 1.24, so 1.35 keeps
the false-alarm rate of clean spectra below 1 % (measured in ``benchmarks/bench_verdicts.py``),
while a resistance drifting by 30 % during a 0.1 %-noise sweep gives T ≈ 4 (median).
``NOISE_FLOOR`` (0.15 %) stands for the accuracy of impedance analysers (0.1–0.3 % in their
best range) and for the linear model's own approximation error (up to 0.3 % at worst on
noise-free simulated spectra): residuals below it are not evidence of drift.  (Real spectra
that pass: impedance.py's exampleData.csv, rms 0.13 %, and the LPSCl blocking cell of
hybrid-DRT; that fail: exampleDataGamry.DTA, T = 10, and the geis.mpr spectra.)
A user ``threshold`` (largest relative residual) is an extra, fixed criterion.

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
from ..limits import MAX_EIS_POINTS, check_points
from ..fitting.result import _num
from ..fitting.threads import single_threaded_blas
from ..measurements import Spectrum
from ..verdict import Reason, Verdict

#: rms / noise above which the residuals are more than noise (see module docs)
T_CRITICAL = 1.35
#: relative noise below which residuals are the linear model's approximation error
NOISE_FLOOR = 1.5e-3


def noise_shown(residuals_real: np.ndarray, residuals_imag: np.ndarray) -> float:
    """Relative noise σ the residuals show, from their adjacent differences (robust to drift)."""
    return float(noise_shown_rows(residuals_real, residuals_imag)[0])


def noise_shown_rows(residuals_real: np.ndarray, residuals_imag: np.ndarray) -> np.ndarray:
    """:func:`noise_shown` of every row (the same arithmetic along the last axis; NaN for rows
    of fewer than two points)."""
    a, b = np.atleast_2d(residuals_real), np.atleast_2d(residuals_imag)
    d = np.concatenate([np.diff(a, axis=1), np.diff(b, axis=1)], axis=1)
    if d.shape[1] == 0:
        return np.full(len(d), np.nan)
    return np.median(np.abs(d), axis=1) / (0.6745 * math.sqrt(2))


@dataclass(frozen=True)
class KKResult:
    """The outcome of the linear KK test. Residuals are relative to |Z| (dimensionless)."""

    passed: bool
    threshold: float | None
    n_elements: int
    mu: float
    mu_criterion: float
    method: str
    frequency_Hz: np.ndarray
    residuals_real: np.ndarray
    residuals_imag: np.ndarray
    fitted_ohm: np.ndarray
    pseudo_chi2: float
    source: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)
    noise: float = float("nan")
    noise_stated: bool = False
    statistic: float = float("nan")
    #: reasons a caller adds (how the spectrum was read), merged into ``verdict``
    extra_reasons: tuple[Reason, ...] = field(default_factory=tuple)

    @property
    def noise_used(self) -> float:
        """The noise the residuals were judged against: max(noise, NOISE_FLOOR)."""
        return max(self.noise, NOISE_FLOOR) if math.isfinite(self.noise) else float("nan")

    @property
    def verdict(self) -> Verdict:
        """``failed`` (code ``kk_invalid``) when the spectrum is not Kramers–Kronig valid; and
        the caller's ``extra_reasons``."""
        extra = Verdict.of(self.extra_reasons)
        if self.passed:
            return extra
        why = []
        if math.isfinite(self.statistic) and self.statistic > T_CRITICAL:
            src = "stated" if self.noise_stated else "the spectrum shows"
            why.append(f"residual rms {100 * self.rms_residual:.2g} % is {self.statistic:.2f} times the noise "
                       f"{src} ({100 * self.noise_used:.2g} %; limit {T_CRITICAL:g})")
        if self.threshold is not None and self.max_residual >= self.threshold:
            why.append(f"largest residual {100 * self.max_residual:.2g} % is above the {100 * self.threshold:g} % asked")
        return Verdict((Reason("kk_invalid", "the spectrum is not Kramers–Kronig valid (drift, non-linearity or "
                                            "non-stationarity): " + "; ".join(why), "failed"),)).merge(extra)

    @property
    def max_residual(self) -> float:
        return float(max(np.abs(self.residuals_real).max(), np.abs(self.residuals_imag).max()))

    @property
    def rms_residual(self) -> float:
        return float(math.sqrt(np.mean(self.residuals_real**2 + self.residuals_imag**2) / 2))

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.verdict.to_dict(),
            "passed": self.passed,
            "threshold": self.threshold,
            "noise_percent": _num(100 * self.noise),
            "noise_stated": self.noise_stated,
            "statistic": _num(self.statistic),
            "statistic_critical": T_CRITICAL,
            "max_residual": _num(self.max_residual),
            "max_residual_percent": _num(100 * self.max_residual),
            "rms_residual_percent": _num(100 * self.rms_residual),
            "pseudo_chi2": _num(self.pseudo_chi2),
            "n_elements": self.n_elements,
            "mu": _num(self.mu),
            "mu_criterion": self.mu_criterion,
            "method": f"linear KK test (Schönleber 2014), M by {self.method}",
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


TAU_EXTENSION_DECADES = 0.5


def _solve(w, z, m, capacitance, inductance):
    ext = TAU_EXTENSION_DECADES
    tau = np.logspace(np.log10(1 / w.max()) - ext, np.log10(1 / w.min()) + ext, m)
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


@single_threaded_blas()
def kramers_kronig(
    spectrum: Spectrum,
    *,
    threshold: float | None = None,
    noise: float | None = None,
    mu_criterion: float = 0.85,
    n_elements: int | None = None,
    method: str = "noise-floor",
    capacitance: bool = True,
    inductance: bool = True,
) -> KKResult:
    """Run the linear KK test on ``spectrum`` (see module docs).

    Parameters
    ----------
    threshold
        Optional extra criterion: largest relative residual (fraction of |Z|) for a pass.
    noise
        The relative noise of the spectrum (fraction of |Z|, per component) when known;
        otherwise the noise the residuals show is used (see module docs).
    mu_criterion
        Schönleber's μ limit for choosing the number of Voigt elements.
    n_elements
        Use this many Voigt elements instead of choosing automatically.
    method
        ``"noise-floor"`` or ``"mu"`` (see module docs).
    capacitance, inductance
        Add a series capacitance / inductance (for blocking electrodes / cable inductance).
    """
    f = spectrum.frequency_Hz
    z = spectrum.impedance_ohm
    n = f.size
    if n < 5:
        raise AnalysisError(f"{spectrum.source or 'spectrum'}: {n} points are too few for a KK test")
    check_points(n, MAX_EIS_POINTS, "the Kramers–Kronig test", spectrum.source)
    w = 2 * np.pi * f
    max_m = int(min(max(n // 2, 2), 60))
    notes = []

    def mu_of(r: np.ndarray) -> float:
        pos, neg = r[r >= 0].sum(), -r[r < 0].sum()
        return float(1 - neg / pos) if pos > 0 else -math.inf

    def chi2_of(fitted: np.ndarray) -> float:
        return float(np.sum(np.abs((z - fitted) / np.abs(z)) ** 2))

    if method not in ("noise-floor", "mu"):
        raise AnalysisError(f"unknown KK method {method!r}; expected noise-floor or mu")
    if n_elements is not None:
        m_best = int(n_elements)
        fitted, r = _solve(w, z, m_best, capacitance, inductance)
        notes.append(f"number of Voigt elements fixed at {m_best} by the user")
    else:
        trials = {m: _solve(w, z, m, capacitance, inductance) for m in range(2, max_m + 1)}
        if method == "mu":
            m_best = next((m for m, (_, r) in trials.items() if mu_of(r) < mu_criterion), max_m)
            notes.append(f"{m_best} Voigt elements: first M with mu < {mu_criterion}")
        else:
            floor = chi2_of(trials[max_m][0])
            m_best = next(m for m, (fit_m, _) in trials.items() if chi2_of(fit_m) <= 1.5 * floor)
            notes.append(f"{m_best} Voigt elements: pseudo chi2 within 1.5x of its noise floor")
        fitted, r = trials[m_best]
    mu = mu_of(r)
    d = (z - fitted) / np.abs(z)
    res_re, res_im = d.real, d.imag
    if noise is not None and not (noise > 0 and math.isfinite(noise)):
        raise AnalysisError(f"the stated noise must be a positive fraction of |Z|, got {noise}")
    sigma = float(noise) if noise is not None else noise_shown(res_re, res_im)
    rms = float(math.sqrt(np.mean(res_re**2 + res_im**2) / 2))
    stat = rms / max(sigma, NOISE_FLOOR) if math.isfinite(sigma) else float("nan")
    passed = bool(stat <= T_CRITICAL) if math.isfinite(stat) else True
    if threshold is not None:
        passed = passed and bool(max(np.abs(res_re).max(), np.abs(res_im).max()) < threshold)
    return KKResult(
        passed=passed,
        threshold=threshold,
        n_elements=m_best,
        mu=float(mu),
        mu_criterion=mu_criterion,
        method="user" if n_elements is not None else method,
        frequency_Hz=f.copy(),
        residuals_real=res_re,
        residuals_imag=res_im,
        fitted_ohm=fitted,
        pseudo_chi2=float(np.sum(res_re**2 + res_im**2)),
        source=spectrum.source,
        notes=tuple(notes),
        noise=sigma,
        noise_stated=noise is not None,
        statistic=stat,
    )
