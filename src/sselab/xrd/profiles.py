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

from typing import Sequence

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


def asymmetry_basis(
    x: np.ndarray, peak: np.ndarray, point: np.ndarray, centre: np.ndarray, area: np.ndarray,
    fwhm: np.ndarray, eta: np.ndarray, phase_mask: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Bérar–Baldinozzi asymmetry (J. Appl. Cryst. 26 (1993) 128, as in FullProf): each peak is
    multiplied by 1 + (P1·Fa(z) + P2·Fb(z))/tanθ, z = (2θ − centre)/FWHM, Fa = 2z·e^(−z²),
    Fb = 2(2z² − 3)·Fa.  Returns the two patterns that P1 and P2 multiply (the correction is
    linear in them): Σ area·pV·Fa/tanθ and Σ area·pV·Fb/tanθ; ``phase_mask`` selects peaks."""
    if phase_mask is not None:
        sel = phase_mask[peak]
        peak, point = peak[sel], point[sel]
    dx = x[point] - centre[peak]
    z = dx / fwhm[peak]
    fa = 2.0 * z * np.exp(-z * z)
    fb = 2.0 * (2.0 * z * z - 3.0) * fa
    base = area[peak] * _pv(dx, fwhm[peak], eta[peak]) / np.tan(np.radians(0.5 * centre[peak]))
    return (np.bincount(point, weights=base * fa, minlength=x.size),
            np.bincount(point, weights=base * fb, minlength=x.size))


_CG = float(np.sqrt(_LN2 / np.pi))


def lorentz_shapes(dx: np.ndarray, inv_h: np.ndarray, out: Sequence[np.ndarray] | None = None) -> tuple[np.ndarray, ...]:
    """Peak-independent Lorentzian shape functions of u = dx/h (h = FWHM/2), (3, len(dx)):
    1/(1+u²) (value, area, η), u/(1+u²)² (centre), (u²−1)/(1+u²)² (FWHM).

    A windowed pseudo-Voigt term area·pV and its derivatives with respect to centre, area,
    FWHM and η are sums of these and of :func:`gauss_shapes` times per-peak coefficients
    (:func:`pv_coefficients`), so a pattern Jacobian is a few sparse products.  ``out``:
    five reusable 1-D buffers of len(dx) (the last two scratch), separate arrays rather than
    rows of one (scipy.sparse copies views of larger arrays); large temporaries cost more
    than the arithmetic here.
    """
    if out is None:
        out = [np.empty(dx.size) for _ in range(5)]
    u, t, d2 = out[1], out[3], out[4]
    np.multiply(dx, inv_h, out=u)
    np.multiply(u, u, out=t)
    den = np.add(t, 1.0, out=out[0])
    np.divide(1.0, den, out=den)
    np.multiply(den, den, out=d2)
    np.multiply(u, d2, out=u)
    np.subtract(t, 1.0, out=out[2])
    np.multiply(out[2], d2, out=out[2])
    return out[0], out[1], out[2]


def gauss_shapes(dx: np.ndarray, inv_h: np.ndarray, out: Sequence[np.ndarray] | None = None) -> tuple[np.ndarray, ...]:
    """Gaussian shape functions: e^(−ln2·u²) (value, area, η), u·e^(−ln2·u²) (centre),
    (2ln2·u²−1)·e^(−ln2·u²) (FWHM); ``out``: four 1-D buffers of len(dx)."""
    if out is None:
        out = [np.empty(dx.size) for _ in range(4)]
    u, t = out[1], out[3]
    np.multiply(dx, inv_h, out=u)
    np.multiply(u, u, out=t)
    e = np.multiply(t, -_LN2, out=out[0])
    np.exp(e, out=e)
    np.multiply(u, e, out=u)
    np.multiply(t, 2.0 * _LN2, out=t)
    np.subtract(t, 1.0, out=t)
    np.multiply(t, e, out=out[2])
    return out[0], out[1], out[2]


def pv_coefficients(area: np.ndarray, fwhm: np.ndarray, eta: np.ndarray) -> dict[str, np.ndarray]:
    """Per-peak coefficients (2, n_peaks) — (Lorentzian, Gaussian) — of the shape functions:
    ``"y"`` (the value), ``"area"`` and ``"eta"`` multiply shape 0 of :func:`lorentz_shapes`
    and :func:`gauss_shapes`, ``"centre"`` shape 1, ``"fwhm"`` shape 2."""
    ih = 2.0 / fwhm
    alpha = area * eta * ih / np.pi  # Lorentzian weight
    beta = area * (1.0 - eta) * _CG * ih  # Gaussian weight
    return {
        "y": np.stack([alpha, beta]),
        "area": np.stack([eta * ih / np.pi, (1.0 - eta) * _CG * ih]),
        "eta": np.stack([area * ih / np.pi, -area * _CG * ih]),
        "centre": np.stack([2.0 * alpha * ih, 2.0 * _LN2 * beta * ih]),
        "fwhm": np.stack([0.5 * alpha * ih, 0.5 * beta * ih]),
    }
