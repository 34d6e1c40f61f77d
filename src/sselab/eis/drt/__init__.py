"""Distribution of relaxation times (DRT) of impedance spectra.

``drt(spectrum)`` fits γ(ln τ) by Tikhonov-regularised non-negative least squares, picks λ by
GCV (switching to GCV for correlated errors, "cgcv", where GCV's residuals are not white),
or the L-curve, and reports the peaks as processes (τ, f, R, C).

Examples
--------
>>> import numpy as np
>>> from sselab.measurements import Spectrum
>>> f = np.logspace(6, -1, 71)
>>> result = drt(Spectrum(frequency_Hz=f, impedance_ohm=5 + 50 / (1 + 2j * np.pi * f * 1e-4)), method="gcv")
>>> len(result.peaks), result.method
(1, 'gcv')
"""

from .result import DRTPeak, DRTResult
from .solver import drt

__all__ = ["DRTPeak", "DRTResult", "drt"]
