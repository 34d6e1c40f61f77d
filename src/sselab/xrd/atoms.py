"""Free atomic coordinates within each site's symmetry.

For every orbit (symmetry-equivalent set of sites) the space group's operations
(spglib via pymatgen, in the structure's own fractional axes) give

* the site-symmetry group of the orbit's representative r: operations g = (R, t) with
  R·r + t ≡ r (mod 1); an allowed shift δ of r satisfies R·δ = δ for all of them, so the free
  shifts span the null space of the stacked (R − I).  That basis is put in column-echelon
  form, so each free parameter is one coordinate of r (``x``, ``y`` or ``z``) and the others
  follow it (4f (x, x, 0) of P4₂/mnm has one parameter ``x``; 1a (0, 0, 0) has none);
* for every atom of the orbit the operation that maps r onto it, so a shift δ of r moves
  that atom by R·δ.

A parameter vector u of a phase (all its free coordinates) shifts atom i by A_i·u with
A_i (3, P) from :func:`coordinate_freedom`.

Examples
--------
>>> from sselab.xrd.library import mg3n2
>>> fr = coordinate_freedom(mg3n2())
>>> [n for n in fr.names]
['x_Mg1', 'y_Mg1', 'z_Mg1', 'z_N2']
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Mapping

import numpy as np

from ..exceptions import SselabError
from ..memo import Bounded
from .structures import Phase, symmetry_key

if TYPE_CHECKING:  # pragma: no cover
    from .model import PowderModel

_TOL = 1e-3


@dataclass(frozen=True, eq=False)
class CoordinateFreedom:
    """The free coordinates of a phase.

    Attributes
    ----------
    names : tuple of str
        ``"<axis>_<site label>"`` per free coordinate (``"x_O1"``).
    values : (P,) float
        Their values in the structure (the representative's fractional coordinate).
    basis : (n_atoms, 3, P) float
        Shift of each atom (fractional) per unit change of each free coordinate.
    """

    names: tuple[str, ...]
    values: np.ndarray
    basis: np.ndarray


#: space-group operations by structure (:func:`_operations`): pymatgen's analysis costs ~0.1 s
#: and a refinement with ``refine_atoms`` asked for the same structure's 2–3 times
_OPERATIONS = Bounded()


def _operations(s) -> tuple[np.ndarray, np.ndarray, int]:
    """(rotations (n, 3, 3), translations (n, 3)) of ``s``'s symmetry operations in its
    fractional axes and the general multiplicity (operations of the space group); cached by
    :func:`~sselab.xrd.structures.symmetry_key` (exact occupancies: ``species_string`` rounds
    them).  Raises what pymatgen raises for a cell it cannot analyse."""
    def make() -> tuple[np.ndarray, np.ndarray, int]:
        from pymatgen.symmetry.analyzer import SpacegroupAnalyzer

        sga = SpacegroupAnalyzer(s, symprec=_TOL)
        ops = sga.get_symmetry_operations(cartesian=False)
        return (np.array([op.rotation_matrix for op in ops]), np.array([op.translation_vector for op in ops]),
                len(sga.get_space_group_operations()))

    return _OPERATIONS.get_or_make(symmetry_key(s), make)


def _wrap(d: np.ndarray) -> np.ndarray:
    return d - np.round(d)


def _echelon(N: np.ndarray) -> tuple[np.ndarray, list[int]]:
    """Column-echelon form of a (3, k) basis: column j is 1 at pivot row p_j, 0 at the other pivots."""
    B = N.T.copy()  # rows = basis vectors
    pivots: list[int] = []
    row = 0
    for col in range(3):
        if row >= B.shape[0]:
            break
        piv = row + int(np.argmax(np.abs(B[row:, col])))
        if abs(B[piv, col]) < 1e-8:
            continue
        B[[row, piv]] = B[[piv, row]]
        B[row] /= B[row, col]
        for r in range(B.shape[0]):
            if r != row:
                B[r] -= B[r, col] * B[row]
        pivots.append(col)
        row += 1
    B[np.abs(B) < 1e-10] = 0.0
    return B[: len(pivots)].T, pivots


def coordinate_freedom(phase: Phase, orbits: list[list[int]] | None = None,
                       labels: tuple[str, ...] | None = None) -> CoordinateFreedom:
    """Free coordinates of every orbit of ``phase`` (see the module text).

    ``orbits`` (atom indices per orbit, ordered as ``labels``) default to those of
    :func:`sselab.xrd.reflections._orbits`.  A structure whose symmetry cannot be analysed
    gets no free coordinates.
    """
    s = phase.structure
    n_atoms = len(s)
    if orbits is None or labels is None:
        from .reflections import _orbit_groups

        labels, orbits = _orbit_groups(phase)
    try:
        rots, trans, _ = _operations(s)
    except Exception:  # disordered or odd cells: coordinates stay as given
        return CoordinateFreedom((), np.zeros(0), np.zeros((n_atoms, 3, 0)))
    frac = s.frac_coords
    names: list[str] = []
    values: list[float] = []
    blocks: list[tuple[list[int], list[np.ndarray], np.ndarray]] = []
    for lab, members in zip(labels, orbits):
        r = frac[members[0]]
        images = np.einsum("oij,j->oi", rots, r) + trans
        stab = np.all(np.abs(_wrap(images - r)) < 5 * _TOL, axis=1)
        M = np.concatenate([rots[o] - np.eye(3) for o in np.flatnonzero(stab)])
        _, sv, vt = np.linalg.svd(M)
        null = vt[np.sum(sv > 1e-6):].T  # (3, k)
        if null.shape[1] == 0:
            continue
        basis, pivots = _echelon(null)
        maps = []
        for m in members:
            hit = np.flatnonzero(np.all(np.abs(_wrap(images - frac[m])) < 5 * _TOL, axis=1))
            if hit.size == 0:  # not an image of the representative: leave this orbit fixed
                break
            maps.append(rots[hit[0]] @ basis)
        else:
            for p in pivots:
                names.append(f"{'xyz'[p]}_{lab}")
                values.append(float(r[p]))
            blocks.append((members, maps, basis))
    P = len(names)
    A = np.zeros((n_atoms, 3, P))
    col = 0
    for members, maps, basis in blocks:
        k = basis.shape[1]
        for m, Am in zip(members, maps):
            A[m, :, col : col + k] = Am
        col += k
    return CoordinateFreedom(tuple(names), np.array(values), A)


def refined_phase(phase: Phase, coordinates: dict[str, float], occupancy: dict[str, float] | None = None) -> Phase:
    """A copy of ``phase`` with its free coordinates set (names as :func:`coordinate_freedom`,
    symmetry-equivalent atoms moved with them) and each site's occupancy multiplied by its
    factor in ``occupancy`` (by site label; a site's total is capped at 1)."""
    from pymatgen.core import Structure

    from .reflections import _orbit_groups

    labels, orbits = _orbit_groups(phase)
    fr = coordinate_freedom(phase, orbits, labels)
    u = np.array([coordinates.get(n, v) for n, v in zip(fr.names, fr.values)], float)
    s = phase.structure
    frac = s.frac_coords + (fr.basis @ (u - fr.values) if fr.names else 0.0)
    factor = np.ones(len(s))
    for lab, members in zip(labels, orbits):
        factor[members] = (occupancy or {}).get(lab, 1.0)
    species = []
    for site, f in zip(s, factor):  # a site cannot hold more than one atom: a factor beyond that is capped
        total = sum(site.species.values()) * f
        cap = min(1.0, total) / total if total > 0 else 1.0
        species.append({sp: occ * f * cap for sp, occ in site.species.items()})
    new = Structure(s.lattice, species, frac % 1.0)
    return Phase(phase.name, new, phase.crystal_system, phase.source)


def site_table(phase: Phase, result) -> list[dict]:
    """Table 1-style rows of a refined phase (``result`` a :class:`~sselab.xrd.rietveld.PhaseResult`):
    per site its label, element(s), Wyckoff multiplicity, fractional x, y, z of the representative
    (refined coordinates applied) with esds of the free ones, B [Å²] and occupancy factor with esds,
    and FullProf's occupancy (factor × multiplicity / general multiplicity of the space group)."""
    from .reflections import _orbit_groups

    labels, orbits = _orbit_groups(phase)
    fr = coordinate_freedom(phase, orbits, labels)
    refined = refined_phase(phase, dict(result.coordinates))
    try:
        general = _operations(phase.structure)[2]
    except Exception:
        general = len(phase.structure)
    rows = []
    for lab, members in zip(labels, orbits):
        xyz = refined.structure.frac_coords[members[0]] % 1.0
        esd: dict[str, float | None] = {}
        for axis in "xyz":
            name = f"{axis}_{lab}"
            if name in fr.names:
                xyz[" xyz".index(axis) - 1] = result.coordinates.get(name, xyz[" xyz".index(axis) - 1])
                esd[axis] = result.coordinates_stderr.get(name)
        occ = result.occupancy.get(lab, 1.0)
        rows.append({
            "site": lab, "element": phase.structure[members[0]].species_string, "multiplicity": len(members),
            "x": float(xyz[0]), "y": float(xyz[1]), "z": float(xyz[2]),
            "x_stderr": esd.get("x"), "y_stderr": esd.get("y"), "z_stderr": esd.get("z"),
            "B_A2": result.b_iso_A2.get(lab), "B_stderr_A2": result.b_iso_stderr_A2.get(lab),
            "occupancy_factor": occ, "occupancy_stderr": result.occupancy_stderr.get(lab),
            "occupancy_fullprof": occ * len(members) / general,
        })
    return rows


def check_ties(model: "PowderModel", ties: Mapping[str, tuple[str, float, float]]) -> dict[str, tuple[str, float, float]]:
    """Validate ``{slave: (master, c0, c1)}`` (slave = c0 + c1·master); e.g. a fixed total of two
    occupancies is ``{"P.occ_B1": ("P.occ_A1", 1.0, -1.0)}``, linked ones ``(master, 0, 1)``."""
    out = {}
    for slave, (master, c0, c1) in ties.items():
        model.index(slave), model.index(master)
        if slave == master or master in ties:
            raise SselabError(f"tie {slave} -> {master}: a parameter cannot be tied to itself or to a tied one")
        out[str(slave)] = (str(master), float(c0), float(c1))
    return out
