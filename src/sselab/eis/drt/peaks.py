"""Peaks of γ(ln τ) → processes (τ, f, R, C).

A peak is a local maximum found by :func:`scipy.signal.find_peaks` whose prominence is at
least ``prominence`` (default 10 %) of the highest maximum of γ; maxima at the ends of the
grid (a tail still rising, e.g. diffusion) are not peaks.  Given the measured ``window`` of
τ, 1/(2π f_max) … 1/(2π f_min), a maximum outside it is not a process either: it is where
the regularisation bends over a tail that goes on beyond the data (a diffusion tail ends in
a large maximum just past the slowest frequency), and it neither counts as a peak nor sets
the prominence scale (otherwise a diffusion tail ten times higher than the arcs hides them).  Each peak's resistance is the area
∫ γ d ln τ between its neighbouring minima: the lowest point of γ between it and the next
peak on either side, or between it and the grid's end (so a tail that rises again towards an
end is left out of the peak).  τ is refined by a parabola through the three highest grid
points in ln τ.

Examples
--------
>>> import numpy as np
>>> y = np.linspace(-12, 2, 561)
>>> g = 50 * np.exp(-(y + 7) ** 2 / 0.5) + 20 * np.exp(-(y + 2) ** 2 / 0.5)
>>> [round(p.R_ohm) for p in find_processes(np.exp(y), g)]
[63, 25]
"""

from __future__ import annotations

import math

import numpy as np

from .result import DRTPeak

#: Minimum prominence of a peak as a fraction of the highest interior maximum of γ.
DEFAULT_PROMINENCE = 0.10


def _area(y: np.ndarray, g: np.ndarray, lo: int, hi: int) -> float:
    return float(np.trapezoid(g[lo : hi + 1], y[lo : hi + 1]))


def _refine(y: np.ndarray, g: np.ndarray, i: int) -> float:
    if i == 0 or i == y.size - 1:
        return float(y[i])
    g0, g1, g2 = g[i - 1], g[i], g[i + 1]
    den = g0 - 2 * g1 + g2
    if den >= 0:
        return float(y[i])
    shift = 0.5 * (g0 - g2) / den
    return float(y[i] + shift * (y[i + 1] - y[i]))


def find_processes(tau_s: np.ndarray, gamma_ohm: np.ndarray, prominence: float = DEFAULT_PROMINENCE,
                   window: tuple[float, float] | None = None) -> list[DRTPeak]:
    """The processes in a DRT (τ ascending), one :class:`DRTPeak` per peak.

    Parameters
    ----------
    tau_s : τ grid [s], ascending and uniform in ln τ.
    gamma_ohm : γ on that grid [Ω].
    prominence : minimum peak prominence as a fraction of the highest interior maximum of γ
        (inside ``window`` when given).
    window : (τ_min, τ_max) [s] that the data resolve; maxima outside it are not processes.
    """
    from scipy.signal import find_peaks  # imported here: scipy.signal pulls scipy.stats (~0.7 s) into every CLI start

    y = np.log(np.asarray(tau_s, float))
    g = np.asarray(gamma_ohm, float)
    if window is None:
        inside = np.ones(g.size, bool)
    else:
        inside = (y >= math.log(window[0])) & (y <= math.log(window[1]))
    maxima, _ = find_peaks(g)
    maxima = maxima[inside[maxima]]
    top = float(g[maxima].max()) if maxima.size else 0.0
    if top <= 0:
        return []
    idx, _ = find_peaks(g, prominence=prominence * top)  # outside ones too: they bound the areas
    peaks: list[DRTPeak] = []
    for k, i in enumerate(idx):
        if not inside[i]:
            continue
        left_end = idx[k - 1] if k > 0 else 0
        right_end = idx[k + 1] if k + 1 < idx.size else g.size - 1
        lo = left_end + int(np.argmin(g[left_end : i + 1]))
        hi = i + int(np.argmin(g[i : right_end + 1]))
        r = _area(y, g, lo, hi)
        if r <= 0:
            continue
        tau = math.exp(_refine(y, g, int(i)))
        peaks.append(DRTPeak(tau_s=tau, frequency_Hz=1.0 / (2 * math.pi * tau), R_ohm=r, C_F=tau / r))
    return peaks
