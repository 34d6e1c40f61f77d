"""Partial electronic conductivity against potential by Hebb–Wagner polarisation.

An ion-blocking electrode (Au) and a reversible one (Mg) sandwich the electrolyte; at each
applied voltage V the steady-state current is carried by electrons and holes only, and

    I(V) = (k_B T A / (e L)) [σ_n (1 − exp(−eV/k_BT)) + σ_p (exp(eV/k_BT) − 1)]

(Wagner 1956; Riess, Solid State Ionics 91 (1996) 221), σ_n and σ_p the electron and hole
conductivities at the reversible electrode's potential.  The model is linear in (σ_n, σ_p),
so they are fitted by weighted linear least squares (relative errors unless the currents'
standard errors are given: the currents span decades), with standard errors; the partial
electronic conductivity at the blocking electrode follows as
σ_el(V) = σ_n exp(−eV/k_BT) + σ_p exp(eV/k_BT), which is also measured directly as
(L/A)·dI/dV.

Examples
--------
>>> import numpy as np
>>> V = np.linspace(0.05, 0.5, 10)
>>> I = hebb_wagner_current(V, 2e-9, 1e-12, 373.15, 0.065, 1.327)
>>> r = hebb_wagner(V, I, thickness_cm=0.065, area_cm2=1.327, temperature_K=373.15)
>>> round(r.sigma_n_S_per_cm / 2e-9, 6), round(r.sigma_p_S_per_cm / 1e-12, 6)
(1.0, 1.0)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from ..exceptions import AnalysisError
from ..units import K_B_EV
from ..verdict import Verdict


def hebb_wagner_current(V: Sequence[float] | np.ndarray, sigma_n: float, sigma_p: float, temperature_K: float,
                        thickness_cm: float, area_cm2: float) -> np.ndarray:
    """Steady-state current [A] at voltages ``V`` [V] for σ_n, σ_p [S/cm]."""
    u = np.asarray(V, float) / (K_B_EV * temperature_K)
    pre = K_B_EV * temperature_K * area_cm2 / thickness_cm
    return pre * (sigma_n * -np.expm1(-u) + sigma_p * np.expm1(u))


@dataclass(frozen=True)
class HebbWagnerResult:
    sigma_n_S_per_cm: float
    sigma_n_stderr_S_per_cm: float | None
    sigma_p_S_per_cm: float
    sigma_p_stderr_S_per_cm: float | None
    temperature_K: float
    voltage_V: tuple[float, ...]
    current_A: tuple[float, ...]
    sigma_el_S_per_cm: tuple[float, ...]
    verdict: Verdict

    def sigma_el(self, V: np.ndarray | float) -> np.ndarray:
        """σ_el(V) [S/cm] at the blocking electrode."""
        u = np.asarray(V, float) / (K_B_EV * self.temperature_K)
        return self.sigma_n_S_per_cm * np.exp(-u) + self.sigma_p_S_per_cm * np.exp(u)

    def to_dict(self) -> dict[str, Any]:
        return {"method": "Hebb–Wagner", "sigma_n_S_per_cm": self.sigma_n_S_per_cm,
                "sigma_n_stderr_S_per_cm": self.sigma_n_stderr_S_per_cm, "sigma_p_S_per_cm": self.sigma_p_S_per_cm,
                "sigma_p_stderr_S_per_cm": self.sigma_p_stderr_S_per_cm, "temperature_K": self.temperature_K,
                "points": [{"voltage_V": v, "current_A": i, "sigma_el_S_per_cm": s}
                           for v, i, s in zip(self.voltage_V, self.current_A, self.sigma_el_S_per_cm)],
                **self.verdict.to_dict()}


def hebb_wagner(voltage_V: Sequence[float], current_A: Sequence[float], *, thickness_cm: float, area_cm2: float,
                temperature_K: float, current_stderr_A: Sequence[float] | None = None) -> HebbWagnerResult:
    """Fit σ_n and σ_p [S/cm] to steady-state currents [A] at voltages [V] (≥ 3 points)."""
    V = np.asarray(voltage_V, float)
    I = np.asarray(current_A, float)
    if V.shape != I.shape or V.size < 3:
        raise AnalysisError(f"Hebb–Wagner needs ≥ 3 (voltage, current) pairs, got {V.size}")
    if not (np.all(np.isfinite(V)) and np.all(np.isfinite(I))):
        raise AnalysisError("Hebb–Wagner: voltages and currents must be finite")
    if thickness_cm <= 0 or area_cm2 <= 0 or temperature_K <= 0:
        raise AnalysisError("Hebb–Wagner: thickness, area and temperature must be positive")
    u = V / (K_B_EV * temperature_K)
    pre = K_B_EV * temperature_K * area_cm2 / thickness_cm
    X = pre * np.column_stack([-np.expm1(-u), np.expm1(u)])
    if current_stderr_A is None:  # currents span decades: relative errors (weights 1/|I|)
        floor = 1e-6 * np.max(np.abs(I)) or 1.0
        w = 1.0 / np.maximum(np.abs(I), floor)
    else:
        w = 1.0 / np.asarray(current_stderr_A, float)
    # scale columns so the solve is well conditioned whatever the magnitudes
    Xw = X * w[:, None]
    col = np.linalg.norm(Xw, axis=0)
    col[col == 0] = 1.0
    coef, *_ = np.linalg.lstsq(Xw / col, I * w, rcond=None)
    coef = coef / col
    resid = (I - X @ coef) * w
    dof = max(V.size - 2, 1)
    s2 = float(resid @ resid) / dof if current_stderr_A is None else 1.0
    try:
        cov = np.linalg.inv(Xw.T @ Xw) * s2
        err = np.sqrt(np.clip(np.diag(cov), 0, None))
    except np.linalg.LinAlgError:
        err = np.array([np.nan, np.nan])
    v = Verdict.ok()
    if np.ptp(u) < 1.0:
        v = v.add("narrow_voltage_range", "the voltages span less than k_BT/e: σ_n and σ_p are not separable",
                  "warning")
    for name, c, e in (("σ_n", coef[0], err[0]), ("σ_p", coef[1], err[1])):
        if c < 0 and (not np.isfinite(e) or c + 2 * e < 0):
            v = v.add("negative_conductivity", f"{name} = {c:.3g} S/cm is negative beyond its uncertainty: the "
                      "currents do not follow the Hebb–Wagner form (not steady, or ions not blocked)", "failed")
    sig = tuple(float(x) for x in np.gradient(I, V) * thickness_cm / area_cm2)
    return HebbWagnerResult(float(coef[0]), _f(err[0]), float(coef[1]), _f(err[1]), float(temperature_K),
                            tuple(map(float, V)), tuple(map(float, I)), sig, v)


def _f(x: float) -> float | None:
    return float(x) if np.isfinite(x) else None
