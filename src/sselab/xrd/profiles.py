"""Peak profiles: Thompson–Cox–Hastings pseudo-Voigt, Caglioti widths, Chebyshev background,
and windowed accumulation of many peaks on a pattern.

Widths (FWHM, degrees 2θ):
Gaussian Γ_G² = U tan²θ + V tanθ + W; Lorentzian Γ_L = X tanθ + Y / cosθ plus the sample's
size term (180/π)·Kλ/(D cosθ) and strain term (180/π)·4ε tanθ.  Size and strain are taken
as Lorentzian, so their breadths add linearly, exactly as the Williamson–Hall relation
β cosθ = Kλ/D + 4ε sinθ assumes.

Examples
--------
>>> import numpy as np
>>> x = np.linspace(-5, 5, 2001)
>>> y = pseudo_voigt(x, np.zeros(1), np.ones(1), np.full(1, 0.5))
>>> round(float(np.trapezoid(y, x)), 2)
0.97
"""

from __future__ import annotations

import numpy as np

_LN2 = np.log(2.0)


def tch(gamma_g: np.ndarray, gamma_l: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Total FWHM and mixing η of the TCH pseudo-Voigt from Gaussian and Lorentzian FWHMs."""
    g, l = gamma_g, gamma_l
    total = (g**5 + 2.69269 * g**4 * l + 2.42843 * g**3 * l**2 + 4.47163 * g**2 * l**3 + 0.07842 * g * l**4 + l**5) ** 0.2
    q = l / total
    eta = np.clip(1.36603 * q - 0.47719 * q**2 + 0.11116 * q**3, 0.0, 1.0)
    return total, eta


def pseudo_voigt(dx: np.ndarray, *args: np.ndarray) -> np.ndarray:
    """Area-normalised pseudo-Voigt at offsets ``dx`` with FWHM and η (broadcasting).

    Called as ``pseudo_voigt(x, centre, fwhm, eta)`` or ``pseudo_voigt(dx, fwhm, eta)``.
    """
    if len(args) == 3:
        dx = dx[:, None] - args[0][None, :]
        fwhm, eta = args[1][None, :], args[2][None, :]
        return _pv(dx, fwhm, eta).sum(axis=1)
    fwhm, eta = args
    return _pv(dx, fwhm, eta)


def _pv(dx: np.ndarray, fwhm: np.ndarray, eta: np.ndarray) -> np.ndarray:
    h = 0.5 * fwhm
    t = (dx / h) ** 2
    gauss = np.sqrt(_LN2 / np.pi) / h * np.exp(-_LN2 * t)
    lorentz = 1.0 / (np.pi * h * (1.0 + t))
    return eta * lorentz + (1.0 - eta) * gauss


def chebyshev(x: np.ndarray, coeffs: np.ndarray, x_range: tuple[float, float]) -> np.ndarray:
    """Σ cₙ Tₙ(t), t mapping ``x_range`` onto [-1, 1]."""
    lo, hi = x_range
    t = 2.0 * (x - lo) / (hi - lo) - 1.0
    return np.polynomial.chebyshev.chebval(t, coeffs)


def chebyshev_basis(x: np.ndarray, n: int, x_range: tuple[float, float]) -> np.ndarray:
    """(len(x), n) matrix of T₀..Tₙ₋₁."""
    lo, hi = x_range
    t = 2.0 * (x - lo) / (hi - lo) - 1.0
    return np.polynomial.chebyshev.chebvander(t, n - 1)


def windows(x: np.ndarray, centre: np.ndarray, half_width: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Flat (peak index, point index) pairs of every point within ±half_width of each peak."""
    lo = np.searchsorted(x, centre - half_width, side="left")
    hi = np.searchsorted(x, centre + half_width, side="right")
    n = np.maximum(hi - lo, 0)
    peak = np.repeat(np.arange(centre.size), n)
    start = np.repeat(lo - np.concatenate([[0], np.cumsum(n)[:-1]]), n)
    point = start + np.arange(int(n.sum()))
    return peak, point


def accumulate(
    x: np.ndarray,
    peak: np.ndarray,
    point: np.ndarray,
    centre: np.ndarray,
    area: np.ndarray,
    fwhm: np.ndarray,
    eta: np.ndarray,
) -> np.ndarray:
    """Σ over peaks of area·pV(x − centre) on the points of their windows."""
    y = area[peak] * _pv(x[point] - centre[peak], fwhm[peak], eta[peak])
    return np.bincount(point, weights=y, minlength=x.size)
