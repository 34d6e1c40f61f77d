"""Straight-line trends: robust (Theil–Sen) and weighted least squares, both with errors.

Examples
--------
>>> import numpy as np
>>> x = np.arange(10.0); y = 0.5 + 0.1 * x; y[3] = 9.0   # one outlier
>>> round(theil_sen(x, y).slope, 6)
0.1
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class LineFit:
    """``y = intercept + slope * x`` with standard errors; ``method`` says how it was fitted."""

    slope: float
    slope_stderr: float
    intercept: float
    n_points: int
    method: str

    def to_dict(self) -> dict[str, Any]:
        return {"slope": self.slope, "slope_stderr": self.slope_stderr, "intercept": self.intercept,
                "n_points": self.n_points, "method": self.method}


def theil_sen(x: np.ndarray, y: np.ndarray) -> LineFit:
    """Theil–Sen line: median of pairwise slopes; intercept = median(y − slope·x).

    The standard error is 1.4826·MAD of the pairwise slopes divided by √(n/2) — a robust
    scale of the slope spread (about the least-squares error for Gaussian noise); NaN below
    three points.  Robust to up to ~29 % outliers (breakdown point).
    """
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = x[ok], y[ok]
    n = x.size
    if n < 2:
        return LineFit(float("nan"), float("nan"), float("nan"), int(n), "theil-sen")
    a, b = np.triu_indices(n, 1)
    dx = x[b] - x[a]
    keep = dx != 0
    if not keep.any():
        return LineFit(float("nan"), float("nan"), float("nan"), int(n), "theil-sen")
    slopes = (y[b] - y[a])[keep] / dx[keep]
    slope = float(np.median(slopes))
    intercept = float(np.median(y - slope * x))
    if n >= 3:
        # robust residual scale → least-squares-like slope error (matches OLS for Gaussian noise)
        resid = y - intercept - slope * x
        sigma = 1.4826 * float(np.median(np.abs(resid - np.median(resid))))
        sxx = float(np.sum((x - x.mean()) ** 2))
        err = sigma * np.sqrt(n / (n - 2)) / np.sqrt(sxx) if sxx > 0 else float("nan")
    else:
        err = float("nan")
    return LineFit(slope, float(err), intercept, int(n), "theil-sen")


def weighted_line(x: np.ndarray, y: np.ndarray, sigma: np.ndarray | None = None) -> LineFit:
    """Weighted least-squares line (weights 1/σ²).

    The slope error is scaled by √(reduced χ²) when that exceeds 1 (scatter larger than the
    stated errors), so over-optimistic per-point errors do not make a trend look certain.
    """
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    s = np.ones_like(y) if sigma is None else np.asarray(sigma, float)
    ok = np.isfinite(x) & np.isfinite(y) & np.isfinite(s) & (s > 0)
    if sigma is not None and ok.sum() < np.isfinite(y).sum():
        # points without a usable error: give them the median error rather than dropping them
        s = np.where(np.isfinite(s) & (s > 0), s, np.nanmedian(np.where(s > 0, s, np.nan)))
        ok = np.isfinite(x) & np.isfinite(y) & np.isfinite(s)
    x, y, s = x[ok], y[ok], s[ok]
    n = x.size
    if n < 2 or np.ptp(x) == 0:
        return LineFit(float("nan"), float("nan"), float("nan"), int(n), "weighted least squares")
    w = 1.0 / s**2
    A = np.column_stack([np.ones(n), x]) * np.sqrt(w)[:, None]
    coef, *_ = np.linalg.lstsq(A, y * np.sqrt(w), rcond=None)
    cov = np.linalg.inv(A.T @ A)
    resid = (y - coef[0] - coef[1] * x) * np.sqrt(w)
    if n > 2:
        red = float(resid @ resid) / (n - 2)
        if sigma is None or red > 1:
            cov = cov * red
    elif sigma is None:
        cov = cov * np.nan
    return LineFit(float(coef[1]), float(np.sqrt(cov[1, 1])), float(coef[0]), int(n),
                   "weighted least squares" if sigma is not None else "least squares")
