"""Crystal phases: a thin frozen wrapper around a pymatgen ``Structure``.

Cell volume, formula mass, Z and X-ray density come from the structure; the antiperovskite
builder places X3AB on Pm-3m in either origin setting.

Examples
--------
>>> p = antiperovskite("Mg", "As", "N", 4.2307)
>>> round(p.density_g_cm3, 2), round(p.formula_mass_g_mol, 2), round(p.volume_A3, 2)
(3.55, 161.84, 75.72)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from pymatgen.core import Lattice, Structure

from ..exceptions import SselabError
from ..memo import Bounded

AVOGADRO = 6.02214076e23

#: independent lattice parameters refined per crystal system
FREE_LATTICE = {
    "cubic": ("a",),
    "tetragonal": ("a", "c"),
    "hexagonal": ("a", "c"),
    "trigonal": ("a", "c"),
    "orthorhombic": ("a", "b", "c"),
    "monoclinic": ("a", "b", "c", "beta"),
    "triclinic": ("a", "b", "c", "alpha", "beta", "gamma"),
}


@dataclass(frozen=True, eq=False)
class Phase:
    """A crystalline phase.

    Attributes
    ----------
    name : str
        Short name used in parameter names and reports (``"Mg3AsN"``).
    structure : pymatgen.core.Structure
    crystal_system : str
        ``"cubic"``, ``"tetragonal"``, ... (from pymatgen's symmetry analysis).
    source : str
        Where the structure came from (literature reference or CIF path).
    """

    name: str
    structure: Structure
    crystal_system: str = ""
    source: str = ""

    def __post_init__(self) -> None:
        if not self.crystal_system:
            object.__setattr__(self, "crystal_system", _crystal_system(self.structure))

    @property
    def lattice_parameters(self) -> dict[str, float]:
        """a, b, c [Å] and alpha, beta, gamma [deg]."""
        lat = self.structure.lattice
        return dict(zip(("a", "b", "c", "alpha", "beta", "gamma"), (*lat.abc, *lat.angles)))

    @property
    def free_lattice(self) -> tuple[str, ...]:
        """The lattice parameters that the crystal system leaves free."""
        return FREE_LATTICE.get(self.crystal_system, FREE_LATTICE["triclinic"])

    @property
    def volume_A3(self) -> float:
        return float(self.structure.volume)

    @property
    def cell_mass_g_mol(self) -> float:
        """Z·M: the mass of one unit cell's contents [g/mol]."""
        return float(self.structure.composition.weight)

    @property
    def Z(self) -> float:
        """Formula units per cell (of the reduced formula)."""
        comp = self.structure.composition
        return float(comp.num_atoms / comp.reduced_composition.num_atoms)

    @property
    def formula(self) -> str:
        return self.structure.composition.reduced_formula

    @property
    def formula_mass_g_mol(self) -> float:
        return self.cell_mass_g_mol / self.Z

    @property
    def density_g_cm3(self) -> float:
        """X-ray density ρ = Z·M / (N_A·V)."""
        return self.cell_mass_g_mol / (AVOGADRO * self.volume_A3 * 1e-24)

    def with_lattice(self, **changes: float) -> "Phase":
        """A copy with some lattice parameters changed (symmetry-tied ones follow).

        For cubic ``a`` sets b and c too; for tetragonal/hexagonal/trigonal ``a`` sets b.
        """
        p = self.lattice_parameters
        p.update({k: float(v) for k, v in changes.items()})
        p = tie_lattice(self.crystal_system, p)
        new = self.structure.copy()
        new.lattice = Lattice.from_parameters(p["a"], p["b"], p["c"], p["alpha"], p["beta"], p["gamma"])
        return Phase(self.name, new, self.crystal_system, self.source)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "formula": self.formula, "crystal_system": self.crystal_system}
        out.update({k + ("_A" if len(k) == 1 else "_deg"): v for k, v in self.lattice_parameters.items()})
        out.update(
            volume_A3=self.volume_A3,
            Z=self.Z,
            formula_mass_g_mol=self.formula_mass_g_mol,
            density_g_cm3=self.density_g_cm3,
            source=self.source,
        )
        return out


def tie_lattice(system: str, p: dict[str, float]) -> dict[str, float]:
    """Apply the crystal system's equalities to a lattice-parameter dict (a copy)."""
    p = dict(p)
    if system == "cubic":
        p["b"] = p["c"] = p["a"]
    elif system in ("tetragonal", "hexagonal", "trigonal"):
        p["b"] = p["a"]
    return p


def symmetry_key(structure: Structure) -> tuple:
    """What a symmetry analysis of ``structure`` depends on, exactly: lattice, fractional
    coordinates, each site's species with their occupancies (as floats: ``species_string`` rounds
    them to 3 digits, and two sites of 0.5001 and 0.5002 are not equivalent to spglib) and magnetic
    moments (a key for the caches of such analyses and of reflection lists)."""
    return (structure.lattice.matrix.tobytes(), np.asarray(structure.frac_coords).tobytes(),
            tuple(tuple(sorted((str(sp), float(occ)) for sp, occ in site.species.items())) for site in structure),
            repr(structure.site_properties.get("magmom")))


#: crystal system per :func:`symmetry_key` (pymatgen's analysis costs ~30 ms a structure, and the
#: same structures are wrapped as phases many times: library, simulation, each refinement)
_SYSTEMS = Bounded()


def _crystal_system(structure: Structure) -> str:
    return _SYSTEMS.get_or_make(symmetry_key(structure), lambda: _analysed_system(structure))


def _analysed_system(structure: Structure) -> str:
    from pymatgen.symmetry.analyzer import SpacegroupAnalyzer

    try:
        system = SpacegroupAnalyzer(structure, symprec=1e-3).get_crystal_system()
    except Exception:  # pymatgen/spglib fail on some disordered cells
        return "triclinic"
    if system == "trigonal" and not np.isclose(structure.lattice.gamma, 120.0, atol=1e-3):
        return "triclinic"  # rhombohedral axes: keep every parameter free
    return str(system)


_BUILT: dict[tuple, Structure] = {}
_GROUPS: dict[str, Any] = {}


def from_spacegroup(group: str, lattice: Lattice, species: list, coords: list) -> Structure:
    """``Structure.from_spacegroup`` with its answers kept: pymatgen rebuilds (and
    de-duplicates) the group's symmetry operations on every call, ~0.1–0.3 s, and the same
    few phases are built many times per study (library, simulation, each refinement).
    Returns a copy, so callers may change it."""
    key = (str(group), tuple(np.round(lattice.matrix, 12).ravel().tolist()), repr(species), repr(coords))
    built = _BUILT.get(key)
    if built is None:
        from pymatgen.symmetry.groups import SpaceGroup

        if str(group) not in _GROUPS:  # pymatgen caches SpaceGroup objects weakly: kept alive here,
            try:  # a cell of another size reuses the group's operations (as from_spacegroup makes it)
                _GROUPS[str(group)] = (SpaceGroup.from_int_number(int(group)) if str(group).strip().isdigit()
                                       else SpaceGroup(str(group)))
            except Exception:  # noqa: BLE001 - an unknown symbol: from_spacegroup says so below
                pass
        built = Structure.from_spacegroup(group, lattice, species, coords)
        if len(_BUILT) < 256:
            _BUILT[key] = built
    return built.copy()


def antiperovskite(x: str, a_site: str, b_site: str, a: float, *, setting: str = "B", name: str | None = None) -> Phase:
    """X3AB antiperovskite in Pm-3m (e.g. Mg3AsN: X = Mg, A = As, B = N).

    Parameters
    ----------
    x, a_site, b_site : str
        Elements: X on the face/edge centres, A the large anion, B the octahedral centre.
    a : float
        Cubic lattice parameter [Å].
    setting : {"B", "A"}
        Origin on the B atom (the paper's Table 1: N 1a (0,0,0), As 1b (½,½,½),
        Mg 3d (0,0,½)), or on the A atom (As 1a, N 1b, Mg 3c (0,½,½)).  Both give the same
        pattern.

    Examples
    --------
    >>> antiperovskite("Mg", "As", "N", 4.2307, setting="A").formula
    'Mg3AsN'
    """
    if a <= 0:
        raise SselabError(f"antiperovskite lattice parameter must be positive, got {a}")
    if setting == "B":
        species, coords = [b_site, a_site, x], [[0, 0, 0], [0.5, 0.5, 0.5], [0, 0, 0.5]]
    elif setting == "A":
        species, coords = [a_site, b_site, x], [[0, 0, 0], [0.5, 0.5, 0.5], [0, 0.5, 0.5]]
    else:
        raise SselabError(f"antiperovskite setting must be 'A' or 'B', got {setting!r}")
    try:
        s = from_spacegroup("Pm-3m", Lattice.cubic(a), species, coords)
    except Exception as exc:
        raise SselabError(f"cannot build {x}3{a_site}{b_site}: {exc}") from None
    label = name or f"{x}3{a_site}{b_site}"
    return Phase(label, s, "cubic", f"antiperovskite builder, Pm-3m, origin on {setting} site")


def parse_antiperovskite(formula: str, a: float, setting: str = "B") -> Phase:
    """Build from a formula string ``"Mg3AsN"`` (X3AB; elements start with a capital)."""
    import re

    parts = re.fullmatch(r"([A-Z][a-z]?)3([A-Z][a-z]?)([A-Z][a-z]?)", formula.strip())
    if parts is None:
        raise SselabError(f"antiperovskite formula must look like X3AB (e.g. Mg3AsN), got {formula!r}")
    return antiperovskite(parts.group(1), parts.group(2), parts.group(3), a, setting=setting)


def from_cif(path: str | Path, name: str | None = None) -> Phase:
    """Load the first structure of a CIF file."""
    path = Path(path)
    if not path.is_file():
        raise SselabError(f"{path}: no such CIF file")
    try:
        from pymatgen.io.cif import CifParser

        structures = CifParser(str(path)).parse_structures(primitive=False)
    except Exception as exc:
        raise SselabError(f"{path}: cannot read CIF: {exc}") from None
    if not structures:
        raise SselabError(f"{path}: the CIF holds no structure")
    return Phase(name or path.stem, structures[0], source=str(path))
