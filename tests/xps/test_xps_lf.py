"""CasaXPS LF line shape: sselab's formula checked by an independent numerical convolution, and
against CasaXPS's own exported component curves.

CasaXPS data: FeO_analyzed_lineshapes_cols.txt (tests/data/xps/SOURCES.md; FAIRmat-NFDI/pynxtools-xps
@ b79fb8ed, tests/data/vms_analysis/): CasaXPS's "lineshapes in columns" export of FeO_analyzed.vms,
counts per channel for each component on top of the U 3 Tougaard background, acquisition time 2 s.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy.integrate import quad

from sselab.xps.lineshapes import peak, unit_shape

COLS = Path(__file__).resolve().parents[1] / "data" / "xps" / "FeO_analyzed_lineshapes_cols.txt"
HV = 1486.61


def _core(u, alpha, beta, lor, damp):
    lc = 1.0 / (1.0 + 4.0 * (u / lor) ** 2)
    if u >= 0:
        return lc ** (alpha + (beta - alpha) * u * u / (u * u + damp * damp))
    return lc ** beta


def test_lf_equals_direct_convolution():
    """LF(u) ∝ ∫ core(v) G(u − v) dv, computed here with adaptive quadrature (not FFT)."""
    p = dict(alpha=0.8, beta=3.0, lor=0.6, gauss=0.5, damp=5.0)
    s = p["gauss"] / (2 * np.sqrt(2 * np.log(2)))

    def conv(u):
        f = lambda v: _core(v, p["alpha"], p["beta"], p["lor"], p["damp"]) * np.exp(-0.5 * ((u - v) / s) ** 2)
        return quad(f, u - 8 * s, u + 8 * s, points=[0.0] if abs(u) < 8 * s else None, limit=200)[0]

    us = np.array([-1.0, -0.4, -0.1, 0.0, 0.15, 0.5, 1.2, 3.0, 8.0])
    ref = np.array([conv(u) for u in us])
    got = unit_shape("LF", us, **p)
    ratio = got / ref
    assert np.allclose(ratio, ratio[3], rtol=2e-4)          # same function up to the normalisation
    assert got.max() <= 1.0 + 1e-9
    # the tail is damped: far out it falls faster than the undamped α tail
    far = unit_shape("LF", np.array([20.0]), **p)[0]
    undamped = unit_shape("LF", np.array([20.0]), **{**p, "damp": 1000.0})[0]
    assert far < 0.05 * undamped


def _casa_columns():
    rows = [ln.split("\t") for ln in COLS.read_text(encoding="latin-1").splitlines()[8:]]
    a = np.array([[float(x) for x in r[:8]] for r in rows if len(r) > 8 and r[0].strip()])
    return a


@pytest.mark.parametrize("col, ke_pos, fwhm, area, shape, params", [
    (2, 777.56313, 3.8576238, 63507.374, "LF", {"alpha": 0.54, "beta": 10.0}),
    (4, 764.48234, 4.8730051, 49042.126, "LF", {"alpha": 0.54, "beta": 10.0}),
    (3, 770.61, 8.0, 35837.064, "SGL", {"m": 0.3}),
    (5, 756.72212, 7.8295407, 17705.155, "SGL", {"m": 0.3}),
])
def test_components_match_casaxps_export(col, ke_pos, fwhm, area, shape, params):
    """Each stored component (position, FWHM, area in CPS·eV) drawn by sselab equals CasaXPS's own
    curve: rms within 0.1 % and every point within 0.25 % of the peak height."""
    a = _casa_columns()
    be = HV - a[:, 0]
    casa_cps = (a[:, col] - a[:, 6]) / 2.0            # component over the background, per second
    ours = peak(be, shape, HV - ke_pos, fwhm, area, **params)
    h = casa_cps.max()
    assert np.sqrt(np.mean((ours - casa_cps) ** 2)) < 1e-3 * h
    assert np.abs(ours - casa_cps).max() < 2.5e-3 * h
