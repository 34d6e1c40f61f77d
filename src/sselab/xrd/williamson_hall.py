"""Williamson–Hall and Scherrer analysis from individually fitted peaks.

Each peak (Kα1/Kα2 doublet of TCH pseudo-Voigts, linear background) is fitted with its
Gaussian width fixed at the instrument's Caglioti value and a free Lorentzian width; the
instrument's Lorentzian part (X tanθ + Y/cosθ) is subtracted to give the sample breadth β
(FWHM, rad).  Then β cosθ = Kλ/D + 4ε sinθ (REFERENCE §3) by weighted linear regression.

Examples
--------
>>> import numpy as np
>>> from sselab.xrd.library import mg3asn
>>> from sselab.xrd.simulate import simulate_pattern
>>> pat = simulate_pattern([mg3asn()], np.arange(20, 120, 0.01), D_nm={"Mg3AsN": 30.0},
...                        strain={"Mg3AsN": 2e-3}, peak_counts=5e4, seed=4)
>>> wh = williamson_hall(pat, phase=mg3asn())
>>> bool(abs(wh.D_nm - 30) < 3 * wh.D_stderr_nm + 1)
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from ..exceptions import AnalysisError
from ..fitting import Parameter, Parameters, fit
from ..fitting.threads import single_threaded_blas
from ..measurements import DiffractionPattern
from ..verdict import Verdict
from . import profiles
from .instrument import Instrument
from .model import PowderModel
from .rietveld import _sigma, instrument_for
from .structures import Phase


@dataclass(frozen=True)
class PeakFit:
    two_theta_deg: float
    beta_deg: float
    beta_stderr_deg: float
    scherrer_nm: float

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class WilliamsonHall:
    D_nm: float
    D_stderr_nm: float
    strain: float
    strain_stderr: float
    K: float
    wavelength_A: float
    peaks: tuple[PeakFit, ...]
    verdict: Verdict = field(default_factory=Verdict.ok)

    def to_dict(self) -> dict[str, Any]:
        return {
            "crystallite_size_nm": self.D_nm, "crystallite_size_stderr_nm": self.D_stderr_nm,
            "microstrain": self.strain, "microstrain_stderr": self.strain_stderr,
            "K": self.K, "wavelength_A": self.wavelength_A, "peaks": [p.to_dict() for p in self.peaks],
            **self.verdict.to_dict(),
        }


def _positions(pattern: DiffractionPattern, phase: Phase | None, inst: Instrument, x: np.ndarray, y: np.ndarray) -> list[float]:
    if phase is not None:
        m = PowderModel([phase], x, inst)
        v = m.parameters().value_array
        n = len(m.reflections[0])
        pk = m.peaks(v)
        c, a = pk.centre[:n], pk.area[:n]
        inside = (c > x[0] + 1) & (c < x[-1] - 1) & (a > 0.01 * a.max())
        isolated = [i for i in np.flatnonzero(inside) if np.all(np.abs(np.delete(c, i) - c[i]) > 1.0)]
        return [float(c[i]) for i in isolated]
    from scipy.signal import find_peaks

    idx, _ = find_peaks(y, prominence=10 * np.sqrt(np.median(y)), distance=max(int(1.0 / np.median(np.diff(x))), 1))
    return [float(x[i]) for i in idx]


@single_threaded_blas()
def williamson_hall(
    pattern: DiffractionPattern,
    instrument: Instrument | None = None,
    *,
    phase: Phase | None = None,
    half_window_deg: float = 1.0,
    others_counts: np.ndarray | None = None,
) -> WilliamsonHall:
    """Size D [nm] and microstrain ε from the breadths of individual peaks.

    ``others_counts``: the other phases' calculated peaks (counts, on ``pattern``'s 2θ points,
    e.g. from a Rietveld refinement's ``y_phases``), subtracted before the peaks are fitted, so
    that the breadths are those of ``phase`` alone (a t-ZrO2 reflection under Mg3AsN (110)
    otherwise widens it); the counting errors stay those of the measured pattern."""
    inst = instrument_for(pattern, instrument)
    order = np.argsort(pattern.two_theta_deg)
    x = np.asarray(pattern.two_theta_deg, float)[order]
    y = np.asarray(pattern.intensity, float)[order]
    s = _sigma(pattern)[order]
    if others_counts is not None:
        others = np.asarray(others_counts, float)
        if others.shape != x.shape or not np.all(np.isfinite(others)):
            raise AnalysisError("others_counts must be finite, one value per point of the pattern")
        y = y - others[order]
    lam1 = inst.wavelengths_A[0]
    fits = []
    for c0 in _positions(pattern, phase, inst, x, y):
        sel = np.abs(x - c0) < half_window_deg
        if sel.sum() < 15:
            continue
        pf = _fit_peak(x[sel], y[sel], s[sel], c0, inst)
        if pf is not None:
            fits.append(pf)
    if len(fits) < 3:
        raise AnalysisError(f"only {len(fits)} usable peaks for Williamson–Hall (need 3)")
    th = np.radians(np.array([f.two_theta_deg for f in fits]) / 2)
    beta = np.radians([f.beta_deg for f in fits])
    err = np.radians([f.beta_stderr_deg for f in fits]) * np.cos(th)
    X = np.column_stack([np.ones_like(th), 4 * np.sin(th)])
    Y = beta * np.cos(th)
    w = 1.0 / np.maximum(err, 1e-12) ** 2
    A = X.T @ (w[:, None] * X)
    coef = np.linalg.solve(A, X.T @ (w * Y))
    resid = Y - X @ coef
    red = float(np.sum(w * resid**2) / max(len(Y) - 2, 1))
    cov = np.linalg.inv(A) * max(red, 1.0)
    intercept, slope = coef
    if intercept <= 0:
        raise AnalysisError("Williamson–Hall intercept is not positive: size broadening not resolved")
    D_A = inst.K * lam1 / intercept
    D_err = D_A * math.sqrt(cov[0, 0]) / intercept
    fits = [PeakFit(f.two_theta_deg, f.beta_deg, f.beta_stderr_deg,
                    inst.K * lam1 / (math.radians(f.beta_deg) * math.cos(math.radians(f.two_theta_deg / 2))) / 10) for f in fits]
    out = WilliamsonHall(float(D_A / 10), float(D_err / 10), float(slope), float(math.sqrt(cov[1, 1])), inst.K, lam1, tuple(fits))
    from .verdicts import wh_verdict

    return replace(out, verdict=wh_verdict(out, inst))


def _fit_peak(x: np.ndarray, y: np.ndarray, s: np.ndarray, c0: float, inst: Instrument) -> PeakFit | None:
    lam = inst.wavelengths_A

    def shapes(P: np.ndarray) -> np.ndarray:
        """The model at each row (area, centre, gl, b0, b1) of ``P``, (len(P), len(x))."""
        out = P[:, 3:4] + P[:, 4:5] * (x - c0)
        for l, r in zip(lam, inst.ratios):
            rows, centre, gg, gl = [], [], [], []
            for k, (_, c, g, _, _) in enumerate(P):
                th1 = math.radians(c / 2)
                st = l / (2 * (lam[0] / (2 * math.sin(th1))))
                if st >= 1:
                    continue
                th = math.asin(st)
                t = math.tan(th)
                rows.append(k)
                centre.append(math.degrees(2 * th))
                gg.append(math.sqrt(max(inst.U * t * t + inst.V * t + inst.W, 1e-8)))
                gl.append(g * (1 / math.cos(th)) / (1 / math.cos(th1)))  # sample+inst Lorentzian ∝ 1/cosθ locally
            if rows:
                f, eta = profiles.tch(np.array(gg), np.array(gl))
                out[rows] += (P[rows, 0] * r)[:, None] * profiles.pseudo_voigt(
                    x[None, :] - np.array(centre)[:, None], f[:, None], eta[:, None])
        return out

    steps = np.array([1e-6, 1e-6, 1e-6, 1e-4, 1e-4])

    def fun(P: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        # forward differences: every row's model and its five shifted copies in one evaluation
        h = steps * np.where(np.arange(5) == 1, 1.0, np.maximum(np.abs(P), 1.0))  # (b, 5)
        Pp = np.repeat(P[:, None, :], 6, axis=1)  # (b, 6, 5): the row, then one shift per parameter
        Pp[:, 1:, :] += h[:, :, None] * np.eye(5)[None]
        y_all = shapes(Pp.reshape(-1, 5)).reshape(P.shape[0], 6, x.size)
        y0 = y_all[:, 0]
        r = (y0 - y) / s
        J = ((y_all[:, 1:] - y0[:, None]) / (s[None, None, :] * h[:, :, None])).transpose(0, 2, 1)
        return r, J

    bkg = float(np.median(np.concatenate([y[:5], y[-5:]])))
    height = float(y.max() - bkg)
    area0 = max(height * 0.2, 1.0)
    params = Parameters([
        Parameter("area", area0, 0.0),
        Parameter("centre", c0, c0 - 0.5, c0 + 0.5, unit="deg"),
        Parameter("gl", 0.1, 1e-4, 5.0, unit="deg", scale="log"),
        Parameter("b0", bkg, unit="counts"),
        Parameter("b1", 0.0, unit="counts/deg"),
    ])
    res = fit(fun, params)
    if not res.success or res["gl"].stderr is None:
        return None
    c = res["centre"].value
    th = math.radians(c / 2)
    beta = res["gl"].value - (inst.X * math.tan(th) + inst.Y / math.cos(th))
    if beta <= 0:
        return None
    return PeakFit(c, beta, res["gl"].stderr, float("nan"))
