"""R_Bragg per phase (Rietveld 1969; McCusker et al., J. Appl. Cryst. 32 (1999) 36).

The observed integrated intensity of a reflection k is the Rietveld partition of the measured
counts over the calculated peaks, I_obs,k = Σ_i c_k(i)·(y_obs − y_bkg)(i)/(y_calc − y_bkg)(i), with
c_k(i) the calculated profile of peak k at point i; then R_B = Σ_k |I_obs,k − I_calc,k| / Σ_k I_obs,k
(percent) over the peaks of one phase (each emission line counted as its own peak).

Examples
--------
>>> import numpy as np
>>> from sselab.xrd.library import mg3asn
>>> from sselab.xrd.model import PowderModel
>>> m = PowderModel([mg3asn()], np.arange(20, 80, 0.02))
>>> v = m.parameters().value_array
>>> r_bragg(m, v, m.evaluate(v))  # a perfect fit
[0.0]
"""

from __future__ import annotations

import numpy as np

from . import profiles
from .model import PowderModel


def r_bragg(model: PowderModel, values: np.ndarray, y_obs: np.ndarray) -> list[float]:
    """R_Bragg [%] of every phase of ``model`` at ``values`` against ``y_obs``."""
    pk = model.peaks(values)
    peak, point = profiles.windows(model.x, pk.centre, model.window_fwhm * pk.fwhm + 0.2)
    bkg = model.background(values)
    net_calc = model.evaluate(values) - bkg
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(net_calc > 1e-12 * max(net_calc.max(), 1e-300), (y_obs - bkg) / net_calc, 0.0)
    c = pk.area[peak] * profiles.pseudo_voigt(model.x[point] - pk.centre[peak], pk.fwhm[peak], pk.eta[peak])
    n = pk.centre.size
    i_calc = np.bincount(peak, weights=c, minlength=n)
    i_obs = np.bincount(peak, weights=c * ratio[point], minlength=n)
    out = []
    for ip in range(len(model.phases)):
        sel = pk.phase == ip
        den = float(np.sum(i_obs[sel]))
        out.append(100.0 * float(np.sum(np.abs(i_obs[sel] - i_calc[sel]))) / den if den > 0 else float("nan"))
    return out
