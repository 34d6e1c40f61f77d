"""Weighting schemes for complex non-linear least squares.

=============  ===========================================  ===============================
name           weight of Z' residual / Z'' residual          use
=============  ===========================================  ===============================
modulus        1/|Z| and 1/|Z| (default)                     spectra spanning decades
proportional   1/|Z'| and 1/|Z''|                            Boukamp's proportional weighting
unit           1 and 1                                       data dominated by one arc
=============  ===========================================  ===============================
"""

from __future__ import annotations

import numpy as np

from ..exceptions import FitError

WEIGHTINGS = ("modulus", "proportional", "unit")


def weights(z: np.ndarray, weighting: str) -> tuple[np.ndarray, np.ndarray]:
    """Weights for the real and imaginary residuals of measured impedance ``z`` [Ω]: one
    spectrum (N,) or one per row (S, N), each row weighted as it would be alone."""
    if weighting == "modulus":
        w = 1.0 / np.abs(z)
        return w, w
    if weighting == "proportional":
        floor = 1e-9 * np.abs(z).max(axis=-1, keepdims=True)  # per spectrum
        return 1.0 / np.maximum(np.abs(z.real), floor), 1.0 / np.maximum(np.abs(z.imag), floor)
    if weighting == "unit":
        one = np.ones(z.shape)
        return one, one
    raise FitError(f"unknown weighting {weighting!r}; expected one of {', '.join(WEIGHTINGS)}")
