"""Surface roughness of a Bragg–Brentano specimen: Suortti's intensity correction.

A rough, porous flat specimen loses intensity at low angles, where the beams graze its surface
(Suortti, J. Appl. Cryst. 5 (1972) 325–331).  Each reflection's intensity is multiplied by

    SR(θ) = [p + (1 − p)·exp(−q / sin θ)] / [p + (1 − p)·exp(−q)]

normalised to SR = 1 at 2θ = 180°; p ∈ [0, 1] and q describe the surface (q = 0: a smooth
surface, SR ≡ 1 whatever p; the defaults are p = 0.5, q = 0, so that neither starts at a bound).  The same form is used by GSAS-II ("SurfRoughA/B", Toby &
Von Dreele, J. Appl. Cryst. 46 (2013) 544).  Uncorrected roughness lowers the low-angle
intensities as a *negative* isotropic B would raise the high-angle ones: refine both only with
care (they correlate).  In sselab the model parameters are ``rough_p`` and ``rough_q``
(fixed unless asked for: ``sselab xrd refine --roughness``); derivatives are analytic.

Examples
--------
>>> import numpy as np
>>> sr, *_ = surface_roughness(0.2, 0.5, np.array([np.sin(np.radians(10)), 1.0]), np.array([0.98, 0.0]))
>>> [round(float(x), 4) for x in sr]
[0.3575, 1.0]
"""

from __future__ import annotations

import numpy as np


def surface_roughness(p: float, q: float, sin_t: np.ndarray, cos_t: np.ndarray) -> tuple[np.ndarray, ...]:
    """SR(θ) and its derivatives ∂SR/∂p, ∂SR/∂q, ∂SR/∂θ (θ in radians) at sin θ, cos θ."""
    s = np.maximum(np.asarray(sin_t, float), 1e-6)
    e1, e0 = np.exp(-q / s), np.exp(-q)
    num, den = p + (1 - p) * e1, p + (1 - p) * e0
    sr = num / den
    dsr_dp = ((1 - e1) * den - num * (1 - e0)) / den**2
    dsr_dq = (-(1 - p) * e1 / s * den + num * (1 - p) * e0) / den**2
    dsr_dth = (1 - p) * e1 * q * np.asarray(cos_t, float) / s**2 / den
    return sr, dsr_dp, dsr_dq, dsr_dth
