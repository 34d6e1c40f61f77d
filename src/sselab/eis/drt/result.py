"""Frozen results of a DRT analysis: :class:`DRTPeak` and :class:`DRTResult`.

Examples
--------
>>> p = DRTPeak(tau_s=1e-3, frequency_Hz=159.15, R_ohm=100.0, C_F=1e-5)
>>> sorted(p.to_dict())
['C_F', 'R_ohm', 'frequency_Hz', 'tau_s']
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ...verdict import Reason, Verdict
from .basis import Basis


@dataclass(frozen=True)
class DRTPeak:
    """One process of the DRT: a peak of γ(ln τ).

    Attributes
    ----------
    tau_s : relaxation time at the peak's maximum [s].
    frequency_Hz : characteristic frequency f = 1/(2πτ) [Hz].
    R_ohm : resistance, the area ∫γ d ln τ between the neighbouring minima [Ω].
    C_F : implied capacitance C = τ/R [F].
    """

    tau_s: float
    frequency_Hz: float
    R_ohm: float
    C_F: float

    def to_dict(self) -> dict[str, float]:
        return {"tau_s": self.tau_s, "frequency_Hz": self.frequency_Hz, "R_ohm": self.R_ohm, "C_F": self.C_F}


def _ro(a: np.ndarray | None, dtype: type = float) -> np.ndarray | None:
    if a is None:
        return None
    out = np.array(a, dtype=dtype, copy=True)
    out.setflags(write=False)
    return out


@dataclass(frozen=True, eq=False)
class DRTResult:
    """A distribution of relaxation times fitted to a spectrum.

    Z(ω) = R_∞ + jωL + ∫ γ(ln τ) / (1 + jωτ) d ln τ.

    Attributes
    ----------
    tau_s, gamma_ohm : γ [Ω] on a fine τ grid [s] (5 points per basis spacing).
    gamma_lower_ohm, gamma_upper_ohm : 95 % band on the same grid (None without).
    band : which band: "bias-aware" (default), "posterior" (:mod:`sselab.eis.drt.band`), "bootstrap", or None.
    R_inf_ohm, L_H : high-frequency resistance [Ω] and series inductance [H] (both ≥ 0).
    lambda_value : the Tikhonov parameter used (``"lambda"`` in :meth:`to_dict`).
    method : how λ was chosen: "gcv", "mgcv", "rgcv", "cgcv", "lcurve" or "fixed".
    blocking_Q, blocking_n : the series constant-phase element 1/(Q (jω)^n) of a blocking
        electrode's low-frequency tail [S·s^n, 1], or None when none was fitted.
    residual_autocorrelation : lag-1 autocorrelation of GCV's residuals in frequency order
        (measured by methods "auto" and "cgcv"; None otherwise).
    basis, derivative, part, weighting : the settings used.
    frequency_Hz, impedance_ohm : the data fitted.
    residuals : (Z_data − Z_model)/|Z_data|, complex, per frequency.
    peaks : the processes found, by increasing τ.
    n_bootstrap : number of bootstrap refits behind the band (0: none).
    coefficients : the basis weights (for :meth:`predict`).
    """

    tau_s: np.ndarray
    gamma_ohm: np.ndarray
    R_inf_ohm: float
    L_H: float
    lambda_value: float
    method: str
    derivative: int
    part: str
    weighting: str
    frequency_Hz: np.ndarray
    impedance_ohm: np.ndarray
    residuals: np.ndarray
    peaks: tuple[DRTPeak, ...]
    basis: Basis
    coefficients: np.ndarray
    gamma_lower_ohm: np.ndarray | None = None
    gamma_upper_ohm: np.ndarray | None = None
    n_bootstrap: int = 0
    warnings: tuple[str, ...] = ()
    residual_autocorrelation: float | None = None
    blocking_Q: float | None = None
    blocking_n: float | None = None
    band: str | None = None
    #: reasons a caller adds (how the spectrum was read), merged into ``verdict``
    extra_reasons: tuple[Reason, ...] = ()

    def __post_init__(self) -> None:
        for name in ("tau_s", "gamma_ohm", "frequency_Hz", "coefficients", "gamma_lower_ohm", "gamma_upper_ohm"):
            object.__setattr__(self, name, _ro(getattr(self, name)))
        for name in ("impedance_ohm", "residuals"):
            object.__setattr__(self, name, _ro(getattr(self, name), complex))
        object.__setattr__(self, "peaks", tuple(self.peaks))
        object.__setattr__(self, "warnings", tuple(self.warnings))

    @property
    def R_polarisation_ohm(self) -> float:
        """∫ γ d ln τ over the whole grid [Ω] (the sum of all arcs)."""
        return float(np.trapezoid(self.gamma_ohm, np.log(self.tau_s)))

    @property
    def rms_relative_residual(self) -> float:
        """sqrt(mean(|Z_data − Z_model|² / |Z_data|²)) over the points fitted."""
        r = self.residuals
        if self.part == "real":
            return float(np.sqrt(np.mean(r.real**2)))
        if self.part == "imag":
            return float(np.sqrt(np.mean(r.imag**2)))
        return float(np.sqrt(np.mean(np.abs(r) ** 2) / 2))

    @property
    def verdict(self) -> Verdict:
        """ok / warning / failed: a γ that is not finite fails (``non_finite``); residuals
        far above the noise the spectrum shows (adjacent-difference estimate, at least the KK
        test's ``NOISE_FLOOR``) are a ``misfit`` by the thresholds of
        :mod:`sselab.fitting.verdicts`; no peak and the solver's own warnings are warnings; and
        the caller's ``extra_reasons``."""
        from ...fitting.verdicts import MISFIT_FAILED, MISFIT_WARNING
        from ..kramers_kronig import NOISE_FLOOR, noise_shown

        reasons = [Reason("drt_warning", w) for w in self.warnings]
        if not (np.all(np.isfinite(self.gamma_ohm)) and np.isfinite(self.R_inf_ohm)):
            reasons.append(Reason("non_finite", "the distribution is not finite", "failed"))
        r = self.residuals
        parts = {"real": (r.real,), "imag": (r.imag,)}.get(self.part, (r.real, r.imag))
        shown = noise_shown(parts[0], parts[-1]) if r.size > 2 else float("nan")
        rms = self.rms_relative_residual
        if np.isfinite(rms) and np.isfinite(shown):
            ratio = rms / max(shown, NOISE_FLOOR)
            if ratio > MISFIT_WARNING:
                reasons.append(Reason("misfit", f"the DRT misses the spectrum: residual rms {100 * rms:.2g} % is "
                                      f"{ratio:.3g} times the noise the spectrum shows",
                                      "failed" if ratio > MISFIT_FAILED else "warning"))
        if not self.peaks:
            reasons.append(Reason("no_peaks", "the distribution has no peak: no process resolved"))
        return Verdict.of(reasons + list(self.extra_reasons))

    def predict(self, frequency_Hz: np.ndarray) -> np.ndarray:
        """Model impedance [Ω] at the given frequencies [Hz].

        Examples
        --------
        >>> # result.predict(np.logspace(6, -1, 50)) -> complex array of 50 values
        """
        f = np.atleast_1d(np.asarray(frequency_Hz, float))
        omega = 2 * np.pi * f
        a_re, a_im = self.basis.impedance_matrices(omega)
        z = self.R_inf_ohm + a_re @ self.coefficients + 1j * (omega * self.L_H + a_im @ self.coefficients)
        if self.blocking_Q:
            z = z + np.exp(-self.blocking_n * (np.log(omega) + 0.5j * np.pi)) / self.blocking_Q
        return z

    def to_dict(self) -> dict[str, Any]:
        """Plain dict (what ``--json`` prints): "lambda", "method", "peaks", R_inf_ohm, L_H, grid."""
        out: dict[str, Any] = {
            **self.verdict.to_dict(),
            "lambda": self.lambda_value,
            "method": self.method,
            "peaks": [p.to_dict() for p in self.peaks],
            "R_inf_ohm": self.R_inf_ohm,
            "L_H": self.L_H,
            "R_polarisation_ohm": self.R_polarisation_ohm,
            "basis": self.basis.kind,
            "derivative": self.derivative,
            "part": self.part,
            "weighting": self.weighting,
            "rms_relative_residual": self.rms_relative_residual,
            "tau_s": self.tau_s.tolist(),
            "gamma_ohm": self.gamma_ohm.tolist(),
            "n_bootstrap": self.n_bootstrap,
            "band": self.band,
            "residual_autocorrelation": self.residual_autocorrelation,
            "blocking_Q_S_s^n": self.blocking_Q,
            "blocking_n": self.blocking_n,
            "residuals": {"real": self.residuals.real.tolist(), "imag": self.residuals.imag.tolist()},
            "warnings": list(self.warnings),
        }
        if self.gamma_lower_ohm is not None and self.gamma_upper_ohm is not None:
            out["gamma_lower_ohm"] = self.gamma_lower_ohm.tolist()
            out["gamma_upper_ohm"] = self.gamma_upper_ohm.tolist()
        return out
