"""Arrhenius fits of conductivity in the two conventions, always named in the result.

- ``"sigma"`` (the paper's): σ = σ0·exp(−Ea/kT), fit ln σ against 1/T.
- ``"sigmaT"``: σT = A·exp(−Ea/kT), fit ln(σT) against 1/T.

The fit is a weighted straight line (weights 1/var(ln y) from σ's standard errors when
given).  With known errors the covariance is scaled by max(1, reduced χ²); without them by
the reduced χ² (needs ≥ 3 temperatures).

Examples
--------
>>> res = arrhenius([313.15, 373.15], [0.094e-3, 0.76e-3])
>>> round(res.Ea_eV, 3)
0.351
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any, Sequence

import numpy as np
from scipy.special import stdtrit  # Student-t quantile; scipy.stats costs ~0.7 s to import

from ..exceptions import AnalysisError
from ..verdict import Reason, Verdict
from ..fitting.linear import line_fit
from ..units import EV_TO_KJ_PER_MOL, K_B_EV, ZERO_CELSIUS_K

CONVENTIONS = ("sigma", "sigmaT")
#: below this R² (unweighted) or above this reduced χ² (weighted, ≈ p < 1e-4 for 3–10 points
#: is 8–4; 10 keeps it a clear misfit) the points do not lie on one Arrhenius line
LINEARITY_R2 = 0.98
LINEARITY_CHI2_RED = 10.0
T_25C_K = 25.0 + ZERO_CELSIUS_K


@dataclass(frozen=True)
class ArrheniusResult:
    """Ea, prefactor, R² and σ(25 °C) of an Arrhenius fit.

    ``prefactor`` is σ0 [S/cm] (convention "sigma") or A [S·K/cm] ("sigmaT").
    """

    convention: str
    Ea_eV: float
    Ea_stderr_eV: float | None
    prefactor: float
    prefactor_stderr: float | None
    prefactor_unit: str
    r_squared: float | None
    sigma_25C_S_per_cm: float
    sigma_25C_ci95_S_per_cm: tuple[float, float] | None
    temperature_K: tuple[float, ...]
    sigma_S_per_cm: tuple[float, ...]
    sigma_stderr_S_per_cm: tuple[float, ...] | None
    weighted: bool
    warnings: tuple[str, ...] = ()
    reasons: tuple[Reason, ...] = ()

    @property
    def verdict(self) -> Verdict:
        """``failed`` for a non-positive Ea or failed inputs; warnings for too few
        temperatures, a line that does not fit, an implausible Ea, extrapolation."""
        return Verdict.of(self.reasons)

    @property
    def Ea_kJ_per_mol(self) -> float:
        return self.Ea_eV * EV_TO_KJ_PER_MOL

    def predict(self, temperature_K: np.ndarray | float) -> np.ndarray:
        """σ [S/cm] from the fit at the given temperatures."""
        t = np.asarray(temperature_K, float)
        y = self.prefactor * np.exp(-self.Ea_eV / (K_B_EV * t))
        return y / t if self.convention == "sigmaT" else y

    def to_dict(self) -> dict[str, Any]:
        ci = self.sigma_25C_ci95_S_per_cm
        return {
            **self.verdict.to_dict(),
            "convention": self.convention,
            "model": "sigma = sigma0*exp(-Ea/kT)" if self.convention == "sigma" else "sigma*T = A*exp(-Ea/kT)",
            "Ea_eV": self.Ea_eV,
            "Ea_stderr_eV": self.Ea_stderr_eV,
            "Ea_kJ_per_mol": self.Ea_kJ_per_mol,
            "Ea_stderr_kJ_per_mol": None if self.Ea_stderr_eV is None else self.Ea_stderr_eV * EV_TO_KJ_PER_MOL,
            "prefactor": self.prefactor,
            "prefactor_stderr": self.prefactor_stderr,
            "prefactor_unit": self.prefactor_unit,
            "r_squared": self.r_squared,
            "sigma_25C": self.sigma_25C_S_per_cm,
            "sigma_25C_S_per_cm": self.sigma_25C_S_per_cm,
            "sigma_25C_ci95_S_per_cm": list(ci) if ci else None,
            "n_temperatures": len(set(self.temperature_K)),
            "weighted": self.weighted,
            "data": [
                {"temperature_K": t, "temperature_C": t - ZERO_CELSIUS_K, "sigma_S_per_cm": s,
                 "sigma_stderr_S_per_cm": None if self.sigma_stderr_S_per_cm is None else self.sigma_stderr_S_per_cm[i]}
                for i, (t, s) in enumerate(zip(self.temperature_K, self.sigma_S_per_cm))
            ],
            "warnings": list(self.warnings),
        }


#: temperatures all below this [K] are questioned (°C written under a kelvin header)
COLD_LIMIT_K = 150.0


def arrhenius(
    temperature_K: Sequence[float],
    sigma_S_per_cm: Sequence[float],
    sigma_stderr_S_per_cm: Sequence[float] | None = None,
    convention: str = "sigma",
) -> ArrheniusResult:
    """Fit an Arrhenius line; see the module docstring.

    Raises
    ------
    AnalysisError
        Unknown convention, non-positive σ or T, fewer than 2 distinct temperatures.
    """
    if convention not in CONVENTIONS:
        raise AnalysisError(f"unknown Arrhenius convention {convention!r}; use 'sigma' or 'sigmaT'")
    T = np.asarray(temperature_K, float)
    s = np.asarray(sigma_S_per_cm, float)
    if T.shape != s.shape or T.ndim != 1:
        raise AnalysisError("Arrhenius: temperatures and conductivities must be two lists of the same length")
    if not (np.all(np.isfinite(T)) and np.all(T > 0)):
        raise AnalysisError("Arrhenius: temperatures must be positive kelvin values")
    if not (np.all(np.isfinite(s)) and np.all(s > 0)):
        raise AnalysisError("Arrhenius: conductivities must be positive (check the σ column)")
    n_t = len(np.unique(np.round(T, 6)))
    if n_t < 2:
        raise AnalysisError(f"Arrhenius needs at least 2 different temperatures (3 or more for an error estimate); got {n_t}")
    warnings: list[str] = []
    reasons: list[Reason] = []
    if n_t < 3:
        warnings.append(f"only {n_t} temperatures: the line passes through them exactly, no independent check of linearity")
        reasons.append(Reason("too_few_temperatures", warnings[-1]))
    x = 1.0 / T
    y = np.log(s * T) if convention == "sigmaT" else np.log(s)
    weighted = sigma_stderr_S_per_cm is not None
    if weighted:
        se = np.asarray(sigma_stderr_S_per_cm, float)
        if se.shape != s.shape or not np.all(np.isfinite(se)) or np.any(se <= 0):
            raise AnalysisError("Arrhenius: standard errors of σ must be positive, one per temperature")
        sy = se / s
    else:
        sy = np.ones_like(s)
    line = line_fit(x, y, sy if weighted else None)
    chi2, dof, cov, scale_ok = line.chi2, line.dof, line.covariance, line.errors_known
    slope, intercept = line.slope, line.intercept
    Ea = -slope * K_B_EV
    r2 = line.r2
    x25 = 1.0 / T_25C_K
    y25 = intercept + slope * x25
    sigma25 = math.exp(y25) / (T_25C_K if convention == "sigmaT" else 1.0)
    if scale_ok:
        Ea_se = math.sqrt(cov[1, 1]) * K_B_EV
        pre_se = math.exp(intercept) * math.sqrt(cov[0, 0])
        v25 = float(np.array([1.0, x25]) @ cov @ np.array([1.0, x25]))
        q = stdtrit(dof, 0.975) if (dof > 0 and not (weighted and chi2 / dof <= 1.0)) else 1.959963984540054
        ci = (sigma25 * math.exp(-q * math.sqrt(v25)), sigma25 * math.exp(q * math.sqrt(v25)))
    else:
        Ea_se = pre_se = None
        ci = None
        warnings.append("no standard errors: 2 temperatures and no errors of σ given")
        reasons.append(Reason("no_stderr", warnings[-1]))
    if Ea <= 0:
        warnings.append(f"non-physical: Ea = {Ea:.3g} eV is not positive (σ does not rise with temperature)")
        reasons.append(Reason("non_physical", warnings[-1], "failed"))
    elif Ea > 3.0:
        warnings.append(f"non-physical: Ea = {Ea:.3g} eV is above 3 eV")
        reasons.append(Reason("implausible_value", warnings[-1]))
    if dof > 0 and weighted and chi2 / dof > LINEARITY_CHI2_RED:
        reasons.append(Reason("not_linear", f"the points scatter {math.sqrt(chi2 / dof):.2g} times their errors about "
                              "the line: not one Arrhenius process (or pooled samples, or a phase change)"))
    elif dof > 0 and r2 is not None and r2 < LINEARITY_R2:
        reasons.append(Reason("not_linear", f"R² = {r2:.3f} < {LINEARITY_R2}: the points do not lie on one line (pooled "
                              "samples, a phase change, or a wrong σ)"))
    if T.max() < COLD_LIMIT_K:  # ion transport is measured from about −100 °C up
        warnings.append(f"every temperature is below {COLD_LIMIT_K:g} K ({T.min():.4g}–{T.max():.4g} K): °C values read "
                        "as kelvin (a T_K column holding °C)?")
        reasons.append(Reason("implausible_temperature", warnings[-1]))
    if T.min() > T_25C_K + 5 or T.max() < T_25C_K - 5:
        warnings.append(f"σ(25 °C) is extrapolated outside the measured range {T.min() - ZERO_CELSIUS_K:.0f}–{T.max() - ZERO_CELSIUS_K:.0f} °C")
        reasons.append(Reason("extrapolated", warnings[-1]))
    return ArrheniusResult(
        convention, float(Ea), Ea_se, float(math.exp(intercept)), pre_se,
        "S/cm" if convention == "sigma" else "S*K/cm", r2, sigma25, ci,
        tuple(float(t) for t in T), tuple(float(v) for v in s),
        None if not weighted else tuple(float(v) for v in np.asarray(sigma_stderr_S_per_cm, float)),
        weighted, tuple(warnings), tuple(reasons),
    )


def arrhenius_by_sample(table: Any, convention: str = "sigma", *, pool: bool = False) -> dict[str, ArrheniusResult]:
    """Arrhenius fits of a :class:`~sselab.transport.table.ConductivityTable`, one per sample.

    A table with a ``sample`` column holding more than one sample is fitted per sample
    (``{sample: result}``); ``pool=True`` fits all rows as one line and says so (reason
    ``pooled_samples``).  A table without one gives ``{"": result}``.
    """
    names = table.samples()
    if len(names) <= 1 or pool:
        res = arrhenius(table.temperature_K, table.sigma_S_per_cm, table.sigma_stderr_S_per_cm, convention)
        if len(names) > 1:
            res = replace(res, reasons=res.reasons + (Reason(
                "pooled_samples", f"{len(names)} samples ({', '.join(names)}) pooled into one fit, as asked"),))
        return {names[0] if len(names) == 1 else "": res}
    out = {}
    for name in names:
        t = table.of_sample(name)
        out[name] = arrhenius(t.temperature_K, t.sigma_S_per_cm, t.sigma_stderr_S_per_cm, convention)
    return out
