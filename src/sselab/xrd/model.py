"""The powder-pattern model: phases × reflections × wavelength lines → profile on a 2θ grid.

The model holds no numbers of its own: :meth:`PowderModel.parameters` lists every parameter
(with units and bounds), :meth:`PowderModel.evaluate` turns a parameter vector into a
calculated pattern and :meth:`PowderModel.evaluate_jacobian` adds its analytic Jacobian.
Parameter names:

* global: ``zero_deg`` (2θ zero shift), ``displacement_deg`` (Δ2θ = displacement·cosθ),
  ``transparency_deg`` (Δ2θ = transparency·sin2θ, Bragg–Brentano specimen transparency),
  ``axial_deg`` (Δ2θ = −axial·cot2θ, the centroid shift of axial divergence),
  ``bkg0..bkgN`` (Chebyshev background), ``U V W`` [deg²] and ``X Y`` [deg] (instrument),
  ``asym_P1 asym_P2`` (Bérar–Baldinozzi asymmetry, :func:`~sselab.xrd.profiles.asymmetry_basis`);
* per phase ``<name>.``: ``scale``, the free lattice parameters (``a``, ``b``, ``c`` [Å],
  ``alpha``/``beta``/``gamma`` [deg]), ``D_nm`` (crystallite size), ``strain`` (ε),
  ``B_<site>`` [Å²], ``occ_<site>`` (occupancy factor, 1 = as in the structure) and the
  site's free fractional coordinates ``x_<site>``/``y_<site>``/``z_<site>`` (:mod:`~sselab.xrd.atoms`).

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

from typing import Mapping

import math
from dataclasses import dataclass

import numpy as np

from ..fitting import Parameter, Parameters
from ..exceptions import SselabError
from . import profiles
from .broad_phase import D_INFINITE_NM, min_size_nm
from .instrument import Instrument
from .peaks import peak_table
from .reflections import reflections_for
from .structures import Phase

#: bounds of isotropic B [Å²]: wide, so that an unphysical negative B (absorption, roughness,
#: texture — FullProf reports −9 Å² in the reference paper's Table 1) is refined and reported, not clipped
B_MIN_A2, B_MAX_A2 = -20.0, 50.0


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
        preferred_orientation: Mapping[str, tuple[int, int, int]] | None = None,
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
        self.preferred_orientation = {k: tuple(int(i) for i in v) for k, v in (preferred_orientation or {}).items()}
        unknown = set(self.preferred_orientation) - set(names)
        if unknown:
            raise SselabError(f"preferred orientation for unknown phase(s) {sorted(unknown)}; phases: {names}")
        if any(not any(v) or len(v) != 3 for v in self.preferred_orientation.values()):
            raise SselabError("a preferred-orientation direction needs three indices h,k,l, not all zero")
        self.x = x
        #: Le Bail mode: phase index → intensity per reflection used in place of |F|² (see xrd.lebail)
        self.lebail: dict[int, np.ndarray] = {}
        self.instrument = instrument or Instrument.cu_ka()
        self.n_background = int(n_background)
        self.window_fwhm = float(window_fwhm)
        self.x_range = (float(x[0]), float(x[-1]))
        lam_max = max(self.instrument.wavelengths_A)
        theta_max = math.radians(min(x[-1] + 2.0, 179.0) / 2)
        d_min = 0.97 * lam_max / (2 * math.sin(theta_max))
        self.reflections = [reflections_for(p, d_min) for p in self.phases]  # cached, read-only
        self._names: tuple[str, ...] = self.parameters().names
        self._index = {n: i for i, n in enumerate(self._names)}
        self._bkg_basis = profiles.chebyshev_basis(x, self.n_background, self.x_range)
        self._jac_structure: dict | None = None

    # -- parameters -------------------------------------------------------------------
    def parameters(self) -> Parameters:
        """Every parameter with its start value, bounds and unit (fixed ones included)."""
        inst = self.instrument
        ps = [
            Parameter("zero_deg", 0.0, -1.0, 1.0, fixed=True, unit="deg"),
            Parameter("displacement_deg", 0.0, -1.0, 1.0, fixed=True, unit="deg"),
            Parameter("transparency_deg", 0.0, -1.0, 1.0, fixed=True, unit="deg", scale="linear"),
            Parameter("axial_deg", 0.0, -0.5, 0.5, fixed=True, unit="deg", scale="linear"),
        ]
        ps += [Parameter(f"bkg{i}", 0.0, fixed=True, unit="counts") for i in range(self.n_background)]
        ps += [
            Parameter("U", inst.U, -1.0, 1.0, fixed=True, unit="deg2"),
            Parameter("V", inst.V, -1.0, 1.0, fixed=True, unit="deg2"),
            Parameter("W", inst.W, 0.0, 1.0, fixed=True, unit="deg2", scale="linear"),
            Parameter("X", inst.X, 0.0, 2.0, fixed=True, unit="deg", scale="linear"),
            Parameter("Y", inst.Y, 0.0, 2.0, fixed=True, unit="deg", scale="linear"),
            # Bérar–Baldinozzi low-angle asymmetry (profiles.asymmetry_basis); 0 = symmetric peaks
            Parameter("asym_P1", 0.0, -2.0, 2.0, fixed=True, scale="linear"),
            Parameter("asym_P2", 0.0, -2.0, 2.0, fixed=True, scale="linear"),
            # Suortti (1972) Bragg–Brentano surface roughness (sselab.xrd.roughness); q = 0: none
            Parameter("rough_p", 0.5, 0.0, 1.0, fixed=True, scale="linear"),
            Parameter("rough_q", 0.0, -1.0, 3.0, fixed=True, scale="linear"),
            # Kα2/Kα1 intensity ratio (second line of the instrument; unused with one line)
            Parameter("ka2_ratio", inst.ratios[1] if len(inst.ratios) > 1 else 0.0, 0.0, 1.0, fixed=True, scale="linear"),
        ]
        # a peak wider than a few degrees 2θ is background, not a phase (sselab.xrd.broad_phase)
        size_min = min_size_nm(inst, float(np.median(self.x)))
        for phase, refl in zip(self.phases, self.reflections):
            n = phase.name
            ps.append(Parameter(f"{n}.scale", 1e-4, 0.0, fixed=True))
            lp = phase.lattice_parameters
            for k in phase.free_lattice:
                v = lp[k]
                lo, hi = (0.95 * v, 1.05 * v) if k in "abc" else (v - 5.0, v + 5.0)
                ps.append(Parameter(f"{n}.{k}", v, lo, hi, fixed=True, unit="A" if k in "abc" else "deg", scale="linear"))
            ps.append(Parameter(f"{n}.D_nm", D_INFINITE_NM, size_min, D_INFINITE_NM, fixed=True, unit="nm", scale="log"))
            ps.append(Parameter(f"{n}.strain", 0.0, 0.0, 0.1, fixed=True, scale="linear"))
            ps.append(Parameter(f"{n}.po_r", 1.0, 0.2, 5.0, fixed=True, scale="linear"))  # March–Dollase r
            for lab in refl.labels:
                ps.append(Parameter(f"{n}.B_{lab}", 0.5, B_MIN_A2, B_MAX_A2, fixed=True, unit="A2", scale="linear"))
            for lab in refl.labels:
                ps.append(Parameter(f"{n}.occ_{lab}", 1.0, 0.0, 2.0, fixed=True, scale="linear"))
            fr = refl.freedom
            for name, x0 in zip(fr.names if fr else (), fr.values if fr else ()):  # free coordinates (sselab.xrd.atoms)
                ps.append(Parameter(f"{n}.{name}", float(x0), float(x0) - 0.1, float(x0) + 0.1, fixed=True, scale="linear"))
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
        return peak_table(self, values)[0]

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
        p1, p2 = values[self._index["asym_P1"]], values[self._index["asym_P2"]]
        if per_phase:
            out = np.zeros((len(self.phases), self.x.size))
            for ip in range(len(self.phases)):
                sel = pk.phase[peak] == ip
                out[ip] = profiles.accumulate(self.x, peak[sel], point[sel], pk.centre, pk.area, pk.fwhm, pk.eta)
                if p1 or p2:
                    ya, yb = profiles.asymmetry_basis(self.x, peak, point, pk.centre, pk.area, pk.fwhm, pk.eta, pk.phase == ip)
                    out[ip] += p1 * ya + p2 * yb
            return out
        y = self.background(values) + profiles.accumulate(self.x, peak, point, pk.centre, pk.area, pk.fwhm, pk.eta)
        if p1 or p2:
            ya, yb = profiles.asymmetry_basis(self.x, peak, point, pk.centre, pk.area, pk.fwhm, pk.eta)
            y += p1 * ya + p2 * yb
        return y

    def evaluate_jacobian(
        self, values: np.ndarray, windows: tuple[np.ndarray, np.ndarray], free: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Calculated pattern and its analytic Jacobian ∂y/∂p (n_points, len(free)) for the
        parameter indices ``free``, on fixed peak ``windows`` (as from :meth:`windows`).

        Chain rule in two levels: per-peak derivatives of (centre, area, FWHM, η) from
        :func:`~sselab.xrd.peaks.peak_table`, times the profile's derivatives on the window
        points, which are sums of six peak-independent shape functions
        (:mod:`~sselab.xrd.profiles`); so the whole Jacobian is six sparse × dense
        products with only the columns each one touches.  Gaussian terms are taken within
        ±:attr:`GAUSS_WINDOW_FWHM` FWHM of the peak as it was when first called with these
        windows (beyond that e^(−ln2·u²) < 1e-30).  Index structure and work buffers are
        cached per window set, so successive calls within one fit allocate little.
        """
        values = np.asarray(values, float)
        free = np.asarray(free, int)
        pk, D = peak_table(self, values, derivatives=True)
        st = self._jacobian_structure(windows, pk)
        inv_h = 2.0 / pk.fwhm
        shapes = []
        for key, shape_fn in (("", profiles.lorentz_shapes), ("_g", profiles.gauss_shapes)):
            buf, pk_idx = st["buf" + key], st["peak" + key]
            dx = np.subtract(st["xp" + key], np.take(pk.centre, pk_idx, out=buf[0]), out=buf[0])
            shapes.append(shape_fn(dx, np.take(inv_h, pk_idx, out=buf[-1]), out=buf))
        Lsh, Gsh = shapes
        coef = profiles.pv_coefficients(pk.area, pk.fwhm, pk.eta)
        Df = D[:, :, free]  # (centre, area, fwhm, eta) × peaks × free
        groups = (  # (shape row, per-peak rhs (2, n_pk, n_free), value coefficients)
            (0, coef["area"][:, :, None] * Df[1][None] + coef["eta"][:, :, None] * Df[3][None], coef["y"]),
            (1, coef["centre"][:, :, None] * Df[0][None], None),
            (2, coef["fwhm"][:, :, None] * Df[2][None], None),
        )
        J = np.zeros((self.x.size, free.size))
        y = np.zeros(self.x.size)
        for row, rhs, value in groups:
            for kind, sh, key in ((0, Lsh, ""), (1, Gsh, "_g")):
                r = rhs[kind]
                cols = np.flatnonzero(np.any(r != 0.0, axis=0))
                if cols.size == 0 and value is None:
                    continue
                r = r[:, cols]
                if value is not None:
                    r = np.column_stack([r, value[kind]])
                out = np.asarray(st["T" + key][row] @ r)
                J[:, cols] += out[:, : cols.size]
                if value is not None:
                    y += out[:, -1]
        i0 = self._index["bkg0"]
        for j, i in enumerate(free):
            if i0 <= i < i0 + self.n_background:
                J[:, j] = self._bkg_basis[:, i - i0]
        ia, ib = self._index["asym_P1"], self._index["asym_P2"]
        p1, p2 = values[ia], values[ib]
        if p1 or p2 or ia in free or ib in free:
            # the correction is linear in P1, P2 (exact columns); its small dependence on the
            # peaks' centre/area/width is left out of the other columns (a Gauss–Newton approximation)
            ya, yb = profiles.asymmetry_basis(self.x, *windows, pk.centre, pk.area, pk.fwhm, pk.eta)
            y += p1 * ya + p2 * yb
            for j, i in enumerate(free):
                if i == ia:
                    J[:, j] = ya
                elif i == ib:
                    J[:, j] = yb
        return self.background(values) + y, J

    #: Gaussian terms are evaluated within ±this many FWHM (at window time) of a peak
    GAUSS_WINDOW_FWHM = 5.0

    def _jacobian_structure(self, windows: tuple[np.ndarray, np.ndarray], pk: Peaks) -> dict:
        """Index structure and buffers for :meth:`evaluate_jacobian`, cached per window set; the
        sparse shape matrices (``"T"``, ``"T_g"``) hold the buffers the shapes are written into."""
        from scipy.sparse import csr_matrix

        peak, point = windows
        c = self._jac_structure
        if c is not None and c["windows"][0] is peak and c["windows"][1] is point and c["n_pk"] == pk.centre.size:
            return c
        if peak.size and np.any(np.diff(peak) < 0):
            raise SselabError("peak windows must be grouped by peak (as windows() returns them)")
        n_pk = pk.centre.size
        xp = self.x[point]
        near = np.flatnonzero(np.abs(xp - pk.centre[peak]) <= self.GAUSS_WINDOW_FWHM * pk.fwhm[peak] + 0.05)
        c = {"windows": windows, "n_pk": n_pk}
        for key, sel in (("", slice(None)), ("_g", near)):
            counts = np.bincount(peak[sel], minlength=n_pk)
            c["counts" + key] = counts
            c["peak" + key] = peak[sel]
            c["xp" + key] = xp[sel]
            c["indices" + key] = point[sel].astype(np.int32)
            c["indptr" + key] = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)
        c["buf"] = [np.empty(peak.size) for _ in range(6)]
        c["buf_g"] = [np.empty(near.size) for _ in range(5)]
        for key in ("", "_g"):  # (points × peaks) shape matrices over the first three buffers, built once
            c["T" + key] = [csr_matrix((c["buf" + key][i], c["indices" + key], c["indptr" + key]),
                                       shape=(n_pk, self.x.size)).T for i in range(3)]
        self._jac_structure = c
        return c

    def tick_positions(self, values: np.ndarray) -> list[np.ndarray]:
        """2θ of each phase's reflections (first wavelength line) inside the grid."""
        pk = self.peaks(values)
        n_ref = [len(r) for r in self.reflections]
        out = []
        for ip, n in enumerate(n_ref):
            c = pk.centre[pk.phase == ip][:n]
            out.append(c[(c >= self.x[0]) & (c <= self.x[-1])])
        return out
