"""Weighted straight-line fits (y = intercept + slope·x) with honest covariance.

Used wherever an analysis is a line: Arrhenius (ln σ vs 1/T), Ohm's law for the
electronic resistance (I_ss vs V), trends.

Covariance scaling: with known σ_y the covariance is inflated by χ²/dof when the scatter
exceeds the stated errors (never shrunk below them); with no σ_y it is scaled by χ²/dof,
which needs at least one degree of freedom — otherwise ``errors_known`` is False.

Examples
--------
>>> import numpy as np
>>> fit = line_fit(np.array([0.0, 1.0, 2.0, 3.0]), np.array([1.0, 3.1, 4.9, 7.0]))
>>> round(fit.slope, 2), round(fit.intercept, 2), fit.dof
(1.98, 1.03, 2)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class LineFit:
    intercept: float
    slope: float
    covariance: np.ndarray  # (2, 2): intercept, slope
    chi2: float
    dof: int
    weights: np.ndarray
    errors_known: bool
    r2: float | None

    @property
    def intercept_stderr(self) -> float | None:
        return float(np.sqrt(self.covariance[0, 0])) if self.errors_known else None

    @property
    def slope_stderr(self) -> float | None:
        return float(np.sqrt(self.covariance[1, 1])) if self.errors_known else None


def line_fit(x: np.ndarray, y: np.ndarray, sigma_y: np.ndarray | None = None) -> LineFit:
    """Least-squares line through (x, y), weighted by 1/σ_y² when ``sigma_y`` is given."""
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    weighted = sigma_y is not None
    w = 1.0 / np.asarray(sigma_y, float) ** 2 if weighted else np.ones_like(x)
    X = np.stack([np.ones_like(x), x], axis=1)
    A = X.T @ (X * w[:, None])
    beta = np.linalg.solve(A, X.T @ (w * y))
    resid = y - X @ beta
    chi2 = float(np.sum(w * resid**2))
    dof = len(y) - 2
    cov = np.linalg.inv(A)
    if dof > 0:
        cov = cov * (max(1.0, chi2 / dof) if weighted else chi2 / dof)
    ybar = np.sum(w * y) / np.sum(w)
    ss_tot = float(np.sum(w * (y - ybar) ** 2))
    r2 = 1.0 - chi2 / ss_tot if ss_tot > 0 and dof > 0 else None
    return LineFit(float(beta[0]), float(beta[1]), cov, chi2, dof, w, weighted or dof > 0, r2)
