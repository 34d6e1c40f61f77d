"""Reflection lists and structure factors of a phase.

Symmetry-equivalent reflections are merged once (multiplicity); for each reflection and
each scatterer (site orbit × element) the geometric sum Σ exp(2πi h·x) is kept, so |F|²
for new occupancies and isotropic B costs one small matrix product.  Atomic scattering
factors are pymatgen's (the Cromer–Mann-type fit of ``ATOMIC_SCATTERING_PARAMS``:
f(s) = Z − 41.78214 s² Σ aᵢ exp(−bᵢ s²), s = sinθ/λ).

Examples
--------
>>> from sselab.xrd.library import mg3asn
>>> refl = ReflectionList.from_phase(mg3asn(), d_min=1.0)
>>> refl.hkl[:1].tolist(), int(refl.multiplicity[0])
([[1, 0, 0]], 6)
>>> reflections_for(mg3asn(), d_min=1.0) is reflections_for(mg3asn(), d_min=1.0)  # cached, read-only
True
"""

from __future__ import annotations

import threading
from functools import lru_cache
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from pymatgen.core import Element

from ..exceptions import SselabError
from ..memo import Bounded
from .structures import Phase, symmetry_key, tie_lattice

if TYPE_CHECKING:  # pragma: no cover
    from .atoms import CoordinateFreedom


def reciprocal_metric(a: float, b: float, c: float, alpha: float, beta: float, gamma: float) -> np.ndarray:
    """The reciprocal metric tensor G* (1/d² = hᵀ G* h); angles in degrees."""
    al, be, ga = np.radians([alpha, beta, gamma])
    G = np.array(
        [
            [a * a, a * b * np.cos(ga), a * c * np.cos(be)],
            [a * b * np.cos(ga), b * b, b * c * np.cos(al)],
            [a * c * np.cos(be), b * c * np.cos(al), c * c],
        ]
    )
    return np.linalg.inv(G)


@dataclass(frozen=True, eq=False)
class ReflectionList:
    """Merged reflections of one phase (read-only arrays when made by :meth:`from_phase`).

    Attributes
    ----------
    hkl : (K, 3) int
    multiplicity : (K,) float
    geometry : (K, S) complex
        Σ over the atoms of scatterer s of occupancy₀ · exp(2πi h·x).
    labels : tuple of str
        Site labels (``"Mg1"``, ``"N1"``): one per orbit; ``scatterer_site`` maps scatterers to them.
    scatterer_site : (S,) int
    coeffs : (S, 4, 2) float
        Scattering-factor coefficients (a, b) per scatterer; ``z`` (S,) the atomic numbers.
    """

    hkl: np.ndarray
    multiplicity: np.ndarray
    geometry: np.ndarray
    labels: tuple[str, ...]
    scatterer_site: np.ndarray
    coeffs: np.ndarray
    z: np.ndarray
    member_hkl: np.ndarray = field(default_factory=lambda: np.empty((0, 3), int))
    member_of: np.ndarray = field(default_factory=lambda: np.empty(0, int))
    #: atoms' fractional coordinates (n_atoms, 3), occupancy₀ per scatterer and atom (S, n_atoms)
    frac: np.ndarray = field(default_factory=lambda: np.empty((0, 3)))
    occ_matrix: np.ndarray = field(default_factory=lambda: np.empty((0, 0)))
    #: free coordinates within the site symmetry (:func:`sselab.xrd.atoms.coordinate_freedom`)
    freedom: "CoordinateFreedom | None" = None
    #: the last :meth:`geometry_at` result (a cache; not part of the list)
    _last_geometry: tuple | None = field(default=None, init=False, repr=False, compare=False)

    @classmethod
    def from_phase(cls, phase: Phase, d_min: float) -> "ReflectionList":
        """All reflections with d ≥ ``d_min`` [Å] (d_min a little below λ/2 / sinθ_max)."""
        s = phase.structure
        recip = s.lattice.reciprocal_lattice_crystallographic
        pts = recip.get_points_in_sphere([[0, 0, 0]], [0, 0, 0], 1.0 / d_min)
        hkl = np.array([np.round(p[0]).astype(int) for p in pts if np.any(np.round(p[0]) != 0)], dtype=int)
        if hkl.size == 0:
            raise SselabError(f"phase {phase.name}: no reflections with d >= {d_min:.3g} Å")
        labels, site_of_atom = _orbits(phase)
        from .atoms import coordinate_freedom

        freedom = coordinate_freedom(phase, *reversed(_orbit_groups(phase)))
        frac = s.frac_coords
        scat_keys: list[tuple[int, str]] = []
        occ_rows: list[np.ndarray] = []
        for i, site in enumerate(s):
            for sp, occ in site.species.items():
                el = getattr(sp, "symbol", str(sp))
                key = (site_of_atom[i], el)
                if key not in scat_keys:
                    scat_keys.append(key)
                    occ_rows.append(np.zeros(len(s)))
                occ_rows[scat_keys.index(key)][i] += occ
        occ_matrix = np.array(occ_rows)  # (S, atoms)
        phase_f = np.exp(2j * np.pi * (hkl @ frac.T))  # (K, atoms)
        geometry = phase_f @ occ_matrix.T  # (K, S)
        coeffs = np.array([_coeffs(el) for _, el in scat_keys])
        z = np.array([Element(el).Z for _, el in scat_keys], dtype=float)
        # merge reflections with equal d and equal |F|² for random scattering powers
        lp = phase.lattice_parameters
        inv_d2 = np.einsum("ki,ij,kj->k", hkl, reciprocal_metric(**lp), hkl)
        rng = np.random.default_rng(1)
        probes = [np.abs(geometry @ rng.uniform(1, 2, geometry.shape[1])) ** 2 for _ in range(2)]
        if freedom.names:  # also at shifted free coordinates: merge only true equivalents, keep every reflection
            shifted = frac + freedom.basis @ rng.uniform(-0.02, 0.02, len(freedom.names))
            geometry_s = np.exp(2j * np.pi * (hkl @ shifted.T)) @ occ_matrix.T
            probes.append(np.abs(geometry_s @ rng.uniform(1, 2, geometry.shape[1])) ** 2)
        else:
            geometry_s = geometry
        scale = max(float(np.max(probes[0])), 1e-30)
        keys = np.column_stack([np.round(inv_d2, 8), *(np.round(p / scale, 7) for p in probes)])
        _, first, inverse, counts = np.unique(keys, axis=0, return_index=True, return_inverse=True, return_counts=True)
        inverse = inverse.ravel()
        order = np.argsort(inv_d2[first], kind="stable")
        reps = first[order]
        mult = counts[order].astype(float)
        # prefer the representative with non-negative indices (nicer labels)
        reps = np.array([_nice(hkl, np.flatnonzero(inverse == inverse[r])) for r in reps])
        geom = geometry[reps]
        keep = np.maximum(np.abs(geom).max(axis=1), np.abs(geometry_s[reps]).max(axis=1)) > 1e-8  # absences
        groups = inverse[reps][keep]
        position = np.full(int(inverse.max()) + 1, -1)
        position[groups] = np.arange(groups.size)
        in_kept = position[inverse] >= 0  # every member of every kept reflection (for texture averages)
        arrays = (hkl[reps][keep], mult[keep], geom[keep], labels, np.array([k[0] for k in scat_keys]), coeffs, z,
                  hkl[in_kept], position[inverse][in_kept], np.array(frac, float), occ_matrix)
        for a in (*arrays, freedom.values, freedom.basis):
            if isinstance(a, np.ndarray):
                a.setflags(write=False)  # shared by every model that uses the cached list
        return cls(*arrays, freedom=freedom)

    def geometry_at(self, coords: np.ndarray, derivatives: bool = False) -> tuple[np.ndarray, np.ndarray | None]:
        """Geometry (K, S) with the free coordinates at ``coords`` (P,) and, with
        ``derivatives``, ∂geometry/∂coords (K, S, P) (read-only arrays).

        The last result is kept: in every refinement stage that holds the coordinates fixed
        (all but the atoms stage, and always for a minor phase) each evaluation asks for the
        same coordinates, and this is the costliest part of a Jacobian's peak table."""
        fr = self.freedom
        if fr is None or not fr.names:
            return self.geometry, (np.zeros(self.geometry.shape + (0,), complex) if derivatives else None)
        coords = np.asarray(coords, float)
        last = self._last_geometry  # (coords bytes, derivatives, result): one tuple, read atomically
        key = coords.tobytes()
        if last is not None and last[0] == key and (last[1] or not derivatives):
            return last[2][0], (last[2][1] if derivatives else None)
        x = self.frac + fr.basis @ (coords - fr.values)
        ph = np.exp(2j * np.pi * (self.hkl @ x.T))  # (K, atoms)
        geom = ph @ self.occ_matrix.T
        dgeom = None
        if derivatives:
            hA = np.einsum("ki,aip->kap", self.hkl.astype(float), fr.basis)  # (K, atoms, P)
            dgeom = np.einsum("sa,kap->ksp", self.occ_matrix, (2j * np.pi) * ph[:, :, None] * hA)
            dgeom.setflags(write=False)
        geom.setflags(write=False)
        object.__setattr__(self, "_last_geometry", (key, derivatives, (geom, dgeom)))
        return geom, dgeom

    def __len__(self) -> int:
        return int(self.hkl.shape[0])

    def march_dollase(self, lattice: dict[str, float], system: str, direction: tuple[int, int, int],
                      r: float) -> tuple[np.ndarray, np.ndarray]:
        """March–Dollase factor P(r) per reflection and dP/dr (Dollase, J. Appl. Cryst. 19 (1986) 267):
        the mean over the reflection's members of (r² cos²α + sin²α / r)^(-3/2), α the angle between
        the member's normal and the preferred direction ``direction`` (in reciprocal-lattice indices)."""
        lp = tie_lattice(system, lattice)
        Gs = reciprocal_metric(lp["a"], lp["b"], lp["c"], lp["alpha"], lp["beta"], lp["gamma"])
        H = np.asarray(direction, float)
        h = self.member_hkl.astype(float)
        cos2 = (h @ Gs @ H) ** 2 / (np.einsum("ki,ij,kj->k", h, Gs, h) * float(H @ Gs @ H))
        cos2 = np.clip(cos2, 0.0, 1.0)
        sin2 = 1.0 - cos2
        t = r * r * cos2 + sin2 / r
        f = t**-1.5
        df = -1.5 * t**-2.5 * (2 * r * cos2 - sin2 / (r * r))
        n = np.bincount(self.member_of, minlength=len(self)).astype(float)
        return (np.bincount(self.member_of, f, len(self)) / n, np.bincount(self.member_of, df, len(self)) / n)

    def inv_d2(self, lattice: dict[str, float], system: str) -> np.ndarray:
        """1/d² [Å⁻²] for lattice parameters (the crystal system's ties applied)."""
        lp = tie_lattice(system, lattice)
        Gs = reciprocal_metric(lp["a"], lp["b"], lp["c"], lp["alpha"], lp["beta"], lp["gamma"])
        return np.einsum("ki,ij,kj->k", self.hkl, Gs, self.hkl)

    def f2(self, s: np.ndarray, occupancy: np.ndarray, b_iso: np.ndarray, geometry: np.ndarray | None = None) -> np.ndarray:
        """|F|² at s = sinθ/λ = 1/(2d) (K,), per-site occupancy factors and B [Å²]
        (``geometry`` from :meth:`geometry_at` when coordinates move)."""
        s2 = (s * s)[:, None]
        a, b = self.coeffs[:, :, 0], self.coeffs[:, :, 1]
        f = self.z[None, :] - 41.78214 * s2 * np.einsum("sj,ksj->ks", a, np.exp(-b[None] * s2[:, :, None]))
        site = self.scatterer_site
        f = f * occupancy[site][None, :] * np.exp(-b_iso[site][None, :] * s2)
        F = np.sum(f * (self.geometry if geometry is None else geometry), axis=1)
        return (F * F.conj()).real

    def f2_derivatives(
        self, s2: np.ndarray, occupancy: np.ndarray, b_iso: np.ndarray,
        geometry: np.ndarray | None = None, dgeometry: np.ndarray | None = None,
    ) -> tuple[np.ndarray, ...]:
        """|F|² at s² = (sinθ/λ)² (K,) with its analytic derivatives.

        Returns (f2, ∂f2/∂s² (K,), ∂f2/∂B_site (K, n_sites), ∂f2/∂occ_site (K, n_sites)),
        and ∂f2/∂coords (K, P) as a fifth item when ``dgeometry`` (from :meth:`geometry_at`) is given.
        """
        geo = self.geometry if geometry is None else geometry
        s2c = s2[:, None]
        a, b = self.coeffs[:, :, 0], self.coeffs[:, :, 1]
        e = np.exp(-b[None] * s2c[:, :, None])  # (K, S, 4)
        f0 = self.z[None, :] - 41.78214 * s2c * np.einsum("sj,ksj->ks", a, e)
        df0 = -41.78214 * np.einsum("sj,ksj->ks", a, e * (1.0 - b[None] * s2c[:, :, None]))
        site = self.scatterer_site
        occ, B = occupancy[site][None, :], b_iso[site][None, :]
        T = np.exp(-B * s2c)
        g = f0 * occ * T
        F = np.sum(g * geo, axis=1)
        Fc = F.conj()
        dF_ds2 = np.sum((df0 - B * f0) * occ * T * geo, axis=1)
        onehot = np.zeros((site.size, len(self.labels)))
        onehot[np.arange(site.size), site] = 1.0
        dF_dB = (-s2c * g * geo) @ onehot  # (K, n_sites)
        dF_docc = (f0 * T * geo) @ onehot
        out = (
            (F * Fc).real,
            2.0 * (Fc * dF_ds2).real,
            2.0 * (Fc[:, None] * dF_dB).real,
            2.0 * (Fc[:, None] * dF_docc).real,
        )
        if dgeometry is None:
            return out
        dF_dx = np.einsum("ks,ksp->kp", g, dgeometry)
        return (*out, 2.0 * (Fc[:, None] * dF_dx).real)


#: Reflection lists by (structure, d_min): a model over the same phases and 2θ range (every
#: refinement of a study's patterns) reuses them; least recently used beyond this many.
_CACHE_SIZE = 64
_CACHE: OrderedDict[tuple, ReflectionList] = OrderedDict()
_CACHE_LOCK = threading.Lock()


def structure_key(phase: Phase) -> tuple:
    """What a reflection list depends on: the lattice, and every site's position and species
    (:func:`~sselab.xrd.structures.symmetry_key`, the key of the symmetry caches too)."""
    return symmetry_key(phase.structure)


def reflections_for(phase: Phase, d_min: float) -> ReflectionList:
    """:meth:`ReflectionList.from_phase`, cached per (structure, ``d_min``).

    ``d_min`` follows from the wavelength and the top of the 2θ range
    (:class:`~sselab.xrd.model.PowderModel`), so models of the same phases, radiation and
    range share one list; its arrays are read-only.  The key is the structure's content (not
    the object), so an edited structure gets its own list.

    Examples
    --------
    >>> from sselab.xrd.library import mg3asn
    >>> refl = reflections_for(mg3asn(), 1.0)
    >>> refl.hkl.flags.writeable, len(refl) == len(ReflectionList.from_phase(mg3asn(), 1.0))
    (False, True)
    """
    key = (structure_key(phase), float(d_min))
    with _CACHE_LOCK:
        found = _CACHE.get(key)
        if found is not None:
            _CACHE.move_to_end(key)
            return found
    refl = ReflectionList.from_phase(phase, d_min)
    with _CACHE_LOCK:
        _CACHE[key] = refl
        _CACHE.move_to_end(key)
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return refl


@lru_cache(maxsize=1)
def _scattering_params() -> dict[str, list]:
    """pymatgen's ``ATOMIC_SCATTERING_PARAMS``, read from the JSON file it loads them from:
    importing ``pymatgen.analysis.diffraction.xrd`` for them would also import scipy.stats and
    matplotlib.pyplot (~1.5 s CPU in every process that refines a pattern)."""
    import json
    from importlib.resources import files

    return json.loads(files("pymatgen.analysis.diffraction").joinpath("atomic_scattering_params.json").read_bytes())


def _coeffs(element: str) -> np.ndarray:
    try:
        return np.array(_scattering_params()[element], dtype=float)
    except KeyError:
        raise SselabError(f"no X-ray scattering factor for element {element!r}") from None


def _nice(hkl: np.ndarray, members: np.ndarray) -> int:
    score = [(-(hkl[m] >= 0).sum(), -tuple(hkl[m]).__hash__() * 0, tuple(-hkl[m])) for m in members]
    return int(members[min(range(len(members)), key=lambda i: score[i])])


def _orbit_groups(phase: Phase) -> tuple[tuple[str, ...], list[list[int]]]:
    """Site labels and the atoms of each orbit (in label order)."""
    labels, site_of = _orbits(phase)
    groups: list[list[int]] = [[] for _ in labels]
    for i, g in enumerate(site_of):
        groups[g].append(i)
    return labels, groups


#: :func:`_orbits` per :func:`~sselab.xrd.structures.symmetry_key` (a symmetry analysis each)
_ORBITS = Bounded()  # structure key → (labels, orbit of each atom)


def _orbits(phase: Phase) -> tuple[tuple[str, ...], list[int]]:
    """Site labels per symmetry orbit and the orbit of each atom (cached per structure content)."""
    def make() -> tuple[tuple[str, ...], tuple[int, ...]]:
        labels, site_of = _analysed_orbits(phase)
        return labels, tuple(site_of)

    found = _ORBITS.get_or_make(symmetry_key(phase.structure), make)
    return found[0], list(found[1])


def _analysed_orbits(phase: Phase) -> tuple[tuple[str, ...], list[int]]:
    s = phase.structure
    groups: list[list[int]]
    try:
        from pymatgen.symmetry.analyzer import SpacegroupAnalyzer

        groups = SpacegroupAnalyzer(s, symprec=1e-3).get_symmetrized_structure().equivalent_indices
    except Exception:  # disordered or odd cells: one orbit per species string
        by: dict[str, list[int]] = {}
        for i, site in enumerate(s):
            by.setdefault(site.species_string, []).append(i)
        groups = list(by.values())
    site_of = [0] * len(s)
    labels: list[str] = []
    count: dict[str, int] = {}
    for g, members in enumerate(sorted(groups, key=min)):
        el = "".join(getattr(sp, "symbol", str(sp)) for sp in s[members[0]].species)
        count[el] = count.get(el, 0) + 1
        labels.append(f"{el}{count[el]}")
        for m in members:
            site_of[m] = g
    return tuple(labels), site_of
