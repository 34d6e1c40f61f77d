"""The powder-pattern model: phases × reflections × wavelength lines → profile on a 2θ grid.

The model holds no numbers of its own: :meth:`PowderModel.parameters` lists every parameter
(with units and bounds) and :meth:`PowderModel.evaluate` turns a parameter vector into a
calculated pattern.  Parameter names:

* global: ``zero_deg`` (2θ zero shift), ``displacement_deg`` (Δ2θ = displacement·cosθ),
  ``bkg0..bkgN`` (Chebyshev background), ``U V W`` [deg²] and ``X Y`` [deg] (instrument);
* per phase ``<name>.``: ``scale``, the free lattice parameters (``a``, ``b``, ``c`` [Å],
  ``alpha``/``beta``/``gamma`` [deg]), ``D_nm`` (crystallite size), ``strain`` (ε),
  ``B_<site>`` [Å²] and ``occ_<site>`` (occupancy factor, 1 = as in the structure).

Intensity of reflection k, line l: S·ratio_l·m_k·|F_k|²·LP(θ) with
LP = (1 + cos²2θ·cos²2θ_m) / ((1 + cos²2θ_m)·sin²θ·cosθ); with this scale convention the
Hill–Howard weight fraction is W_i ∝ S_i·(ZMV)_i.

Examples
--------
>>> import numpy as np
>>> from sselab.xrd.library import mg3asn
>>> m = PowderModel([mg3asn()], np.linspace(20, 80, 3001))
>>> y = m.evaluate(m.parameters().value_array)
>>> int(np.argmax(y) > 0)
1
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..fitting import Parameter, Parameters
from ..exceptions import SselabError
from . import profiles
from .instrument import Instrument
from .reflections import ReflectionList
from .structures import Phase

_DEG = 180.0 / math.pi
#: D above which a crystallite adds no measurable breadth; the "no size broadening" value
D_INFINITE_NM = 1e5


@dataclass(frozen=True)
class Peaks:
    """Every (phase, reflection, line) peak at one parameter vector."""

    phase: np.ndarray
    centre: np.ndarray
    area: np.ndarray
    fwhm: np.ndarray
    eta: np.ndarray


class PowderModel:
    """Calculated powder pattern of several phases on a fixed 2θ grid.

    Parameters
    ----------
    phases : list of Phase
    two_theta_deg : array, ascending
    instrument : Instrument
    n_background : int
        Number of Chebyshev terms.
    window_fwhm : float
        Each peak is evaluated within ±window_fwhm·FWHM of its centre.
    """

    def __init__(
        self,
        phases: list[Phase],
        two_theta_deg: np.ndarray,
        instrument: Instrument | None = None,
        n_background: int = 6,
        window_fwhm: float = 25.0,
    ) -> None:
        if not phases:
            raise SselabError("no phases to model")
        names = [p.name for p in phases]
        if len(set(names)) != len(names):
            raise SselabError(f"phase names must be unique, got {names}")
        x = np.asarray(two_theta_deg, float)
        if x.size < 2 or np.any(np.diff(x) <= 0):
            raise SselabError("2θ must be strictly ascending with at least two points")
        self.phases = list(phases)
        self.x = x
        self.instrument = instrument or Instrument.cu_ka()
        self.n_background = int(n_background)
        self.window_fwhm = float(window_fwhm)
        self.x_range = (float(x[0]), float(x[-1]))
        lam_max = max(self.instrument.wavelengths_A)
        theta_max = math.radians(min(x[-1] + 2.0, 179.0) / 2)
        d_min = 0.97 * lam_max / (2 * math.sin(theta_max))
        self.reflections = [ReflectionList.from_phase(p, d_min) for p in self.phases]
        self._names: tuple[str, ...] = self.parameters().names
        self._index = {n: i for i, n in enumerate(self._names)}
        self._bkg_basis = profiles.chebyshev_basis(x, self.n_background, self.x_range)

    # -- parameters -------------------------------------------------------------------
    def parameters(self) -> Parameters:
        """Every parameter with its start value, bounds and unit (fixed ones included)."""
        inst = self.instrument
        ps = [
            Parameter("zero_deg", 0.0, -1.0, 1.0, fixed=True, unit="deg"),
            Parameter("displacement_deg", 0.0, -1.0, 1.0, fixed=True, unit="deg"),
        ]
        ps += [Parameter(f"bkg{i}", 0.0, fixed=True, unit="counts") for i in range(self.n_background)]
        ps += [
            Parameter("U", inst.U, -1.0, 1.0, fixed=True, unit="deg2"),
            Parameter("V", inst.V, -1.0, 1.0, fixed=True, unit="deg2"),
            Parameter("W", inst.W, 0.0, 1.0, fixed=True, unit="deg2", scale="linear"),
            Parameter("X", inst.X, 0.0, 2.0, fixed=True, unit="deg", scale="linear"),
            Parameter("Y", inst.Y, 0.0, 2.0, fixed=True, unit="deg", scale="linear"),
        ]
        for phase, refl in zip(self.phases, self.reflections):
            n = phase.name
            ps.append(Parameter(f"{n}.scale", 1e-4, 0.0, fixed=True))
            lp = phase.lattice_parameters
            for k in phase.free_lattice:
                v = lp[k]
                lo, hi = (0.95 * v, 1.05 * v) if k in "abc" else (v - 5.0, v + 5.0)
                ps.append(Parameter(f"{n}.{k}", v, lo, hi, fixed=True, unit="A" if k in "abc" else "deg", scale="linear"))
            ps.append(Parameter(f"{n}.D_nm", D_INFINITE_NM, 0.5, D_INFINITE_NM, fixed=True, unit="nm", scale="log"))
            ps.append(Parameter(f"{n}.strain", 0.0, 0.0, 0.1, fixed=True, scale="linear"))
            for lab in refl.labels:
                ps.append(Parameter(f"{n}.B_{lab}", 0.5, -5.0, 20.0, fixed=True, unit="A2", scale="linear"))
            for lab in refl.labels:
                ps.append(Parameter(f"{n}.occ_{lab}", 1.0, 0.0, 2.0, fixed=True, scale="linear"))
        return Parameters(ps)

    @property
    def names(self) -> tuple[str, ...]:
        return self._names

    def index(self, name: str) -> int:
        try:
            return self._index[name]
        except KeyError:
            raise SselabError(f"unknown parameter {name!r}") from None

    # -- evaluation -------------------------------------------------------------------
    def peaks(self, values: np.ndarray) -> Peaks:
        """Centres [deg], areas, FWHM [deg] and η of every peak."""
        v = values
        g = self._index
        inst = self.instrument
        cos2m = math.cos(math.radians(inst.monochromator_2theta_deg)) ** 2
        out: list[tuple[np.ndarray, ...]] = []
        for ip, (phase, refl) in enumerate(zip(self.phases, self.reflections)):
            n = phase.name
            lp = phase.lattice_parameters
            for k in phase.free_lattice:
                lp[k] = v[g[f"{n}.{k}"]]
            inv_d2 = refl.inv_d2(lp, phase.crystal_system)
            d = 1.0 / np.sqrt(inv_d2)
            occ = np.array([v[g[f"{n}.occ_{lab}"]] for lab in refl.labels])
            b_iso = np.array([v[g[f"{n}.B_{lab}"]] for lab in refl.labels])
            f2 = refl.f2(0.5 / d, occ, b_iso)
            scale = v[g[f"{n}.scale"]]
            D_A = 10.0 * v[g[f"{n}.D_nm"]]
            eps = v[g[f"{n}.strain"]]
            for lam, ratio in zip(inst.wavelengths_A, inst.ratios):
                sin_t = np.clip(lam / (2.0 * d), 0.0, 0.999999)
                valid = lam / (2.0 * d) < 0.999999
                th = np.arcsin(sin_t)
                cos_t, tan_t = np.cos(th), np.tan(th)
                lp_factor = (1 + np.cos(2 * th) ** 2 * cos2m) / ((1 + cos2m) * sin_t**2 * cos_t)
                centre = 2 * np.degrees(th) + v[g["zero_deg"]] + v[g["displacement_deg"]] * cos_t
                area = np.where(valid, scale * ratio * refl.multiplicity * f2 * lp_factor, 0.0)
                gg = np.sqrt(np.maximum(v[g["U"]] * tan_t**2 + v[g["V"]] * tan_t + v[g["W"]], 1e-8))
                gl = v[g["X"]] * tan_t + v[g["Y"]] / cos_t + _DEG * (inst.K * lam / (D_A * cos_t) + 4 * eps * tan_t)
                fwhm, eta = profiles.tch(gg, np.maximum(gl, 0.0))
                out.append((np.full(d.size, ip), centre, area, fwhm, eta))
        cols = [np.concatenate(c) for c in zip(*out)]
        return Peaks(cols[0].astype(int), cols[1], cols[2], cols[3], cols[4])

    def windows(self, values: np.ndarray, margin_deg: float = 0.2) -> tuple[np.ndarray, np.ndarray]:
        """Point windows of every peak at ``values`` (keep them fixed during one fit stage)."""
        pk = self.peaks(values)
        return profiles.windows(self.x, pk.centre, self.window_fwhm * pk.fwhm + margin_deg)

    def background(self, values: np.ndarray) -> np.ndarray:
        i0 = self._index["bkg0"]
        return self._bkg_basis @ values[i0 : i0 + self.n_background]

    def evaluate(
        self,
        values: np.ndarray,
        windows: tuple[np.ndarray, np.ndarray] | None = None,
        per_phase: bool = False,
    ) -> np.ndarray:
        """Calculated pattern (background included); with ``per_phase`` an array
        (n_phases, n_points) of each phase's peaks without background."""
        values = np.asarray(values, float)
        pk = self.peaks(values)
        peak, point = windows if windows is not None else profiles.windows(
            self.x, pk.centre, self.window_fwhm * pk.fwhm + 0.2
        )
        if per_phase:
            out = np.zeros((len(self.phases), self.x.size))
            for ip in range(len(self.phases)):
                sel = pk.phase[peak] == ip
                out[ip] = profiles.accumulate(self.x, peak[sel], point[sel], pk.centre, pk.area, pk.fwhm, pk.eta)
            return out
        return self.background(values) + profiles.accumulate(self.x, peak, point, pk.centre, pk.area, pk.fwhm, pk.eta)

    def tick_positions(self, values: np.ndarray) -> list[np.ndarray]:
        """2θ of each phase's reflections (first wavelength line) inside the grid."""
        pk = self.peaks(values)
        n_ref = [len(r) for r in self.reflections]
        out = []
        for ip, n in enumerate(n_ref):
            c = pk.centre[pk.phase == ip][:n]
            out.append(c[(c >= self.x[0]) & (c <= self.x[-1])])
        return out
