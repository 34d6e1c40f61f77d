"""Built-in phases of the Mg–As–N(–O, Zr) system, built from space group + Wyckoff positions.

Nothing is downloaded: each phase is made with ``Structure.from_spacegroup`` from
literature lattice constants and coordinates (sources in each builder's docstring and in
:data:`SOURCES`).  Users add their own with a CIF path wherever a phase name is accepted.

Verification status (checked against the cited text in this project, or not):
As and LaB6 were checked against the source; Mg3AsN is the paper's own value; Mg3N2, MgO,
m-ZrO2, t-ZrO2 and Mg3As2 carry the literature reference they are commonly quoted from
but the original was not re-read here (see :data:`SOURCES`).

Examples
--------
>>> sorted(BUILTIN)[:3]
['As', 'LaB6', 'Mg3As2']
>>> round(get_phase("MgO").density_g_cm3, 2)
3.58
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Sequence

from pymatgen.core import Lattice

from ..exceptions import SselabError
from .structures import Phase, antiperovskite, from_cif, from_spacegroup


def _build(name: str, group: str, lattice: Lattice, species: list, coords: list, source: str) -> Phase:
    return Phase(name, from_spacegroup(group, lattice, species, coords), source=source)


def mg3asn(a: float = 4.2307) -> Phase:
    """Mg3AsN antiperovskite, Pm-3m, a = 4.2307 Å (as-ball-milled; Hoffmann et al., Mater.
    Horiz. 2025, 12, 9026, Table 1 setting N 1a, As 1b, Mg 3d)."""
    return antiperovskite("Mg", "As", "N", a, name="Mg3AsN")


#: phase → (lattice constants as built, source, checked against the source text here?)
SOURCES: dict[str, tuple[str, str, bool]] = {
    "Mg3AsN": ("a = 4.2307 Å", "Hoffmann et al., Mater. Horiz. 12 (2025) 9026, Table 2 (as-milled)", True),
    "Mg3N2": ("a = 9.9528 Å", "Partin, Williams & O'Keeffe, J. Solid State Chem. 132 (1997) 56", False),
    "Mg3As2": ("a = 12.355 Å", "Wyckoff, Crystal Structures vol. 2 (anti-bixbyite type); other reports 12.33 Å", False),
    "As": ("a = 3.7598, c = 10.5475 Å, z = 0.22707 (299 K)", "Schiferl & Barrett, J. Appl. Cryst. 2 (1969) 30", True),
    "MgO": ("a = 4.2112 Å", "ICDD PDF 45-0946; NBS Circ. 539 vol. 1 p. 37 (PDF 04-0829, 26 °C) gives 4.213 Å", False),
    "ZrO2-m": ("a = 5.1505, b = 5.2116, c = 5.3173 Å, β = 99.23°",
               "Howard, Hill & Reichert, Acta Cryst. B44 (1988) 116 (neutron, room temperature)", False),
    "ZrO2-t": ("a = 3.5984, c = 5.1520 Å", "Igawa & Ishii, J. Am. Ceram. Soc. 84 (2001) 1169", False),
    "LaB6": ("a = 4.156826 Å (22.5 °C)",
             "NIST SRM 660c certificate; SRM 660b: 4.15691(8) Å (Black et al., Powder Diffr. 26 (2011) 155)", True),
}


def mg3n2() -> Phase:
    """Mg3N2, anti-bixbyite, Ia-3 (no. 206), a = 9.9528 Å; Mg 48e (0.3890, 0.1520, 0.3823),
    N1 8b (¼,¼,¼), N2 24d (0.9687, 0, ¼).  After Partin, Williams & O'Keeffe, J. Solid State
    Chem. 132 (1997) 56 (coordinates rounded; X-ray density 2.72 g/cm³)."""
    return _build(
        "Mg3N2", "Ia-3", Lattice.cubic(9.9528), ["Mg", "N", "N"],
        [[0.3890, 0.1520, 0.3823], [0.25, 0.25, 0.25], [0.9687, 0.0, 0.25]],
        "Partin et al., J. Solid State Chem. 132 (1997) 56",
    )


def mg3as2() -> Phase:
    """Mg3As2 (the 800 °C decomposition product), anti-bixbyite Ia-3 (no. 206), a = 12.355 Å
    (the room-temperature cubic α form; Wyckoff, Crystal Structures vol. 2, and
    Pearson's Handbook); coordinates taken as in anti-bixbyite Mg3N2 (approximate, density
    3.14 g/cm³).  The hexagonal P-3m1 form is a high-temperature phase and not built in."""
    return _build(
        "Mg3As2", "Ia-3", Lattice.cubic(12.355), ["Mg", "As", "As"],
        [[0.3890, 0.1520, 0.3823], [0.25, 0.25, 0.25], [0.9687, 0.0, 0.25]],
        "Wyckoff, Crystal Structures vol. 2 (anti-bixbyite type, a = 12.355 Å)",
    )


def arsenic() -> Phase:
    """Grey arsenic, R-3m (no. 166, hexagonal axes), a = 3.7598, c = 10.5475 Å, As 6c (0,0,z),
    z = 0.22707, all at 299 K (Schiferl & Barrett, J. Appl. Cryst. 2 (1969) 30, checked
    against the abstract)."""
    return _build(
        "As", "R-3m", Lattice.hexagonal(3.7598, 10.5475), ["As"], [[0.0, 0.0, 0.22707]],
        "Schiferl & Barrett, J. Appl. Cryst. 2 (1969) 30",
    )


def mgo() -> Phase:
    """Periclase MgO, Fm-3m (no. 225), a = 4.2112 Å, Mg 4a, O 4b (ICDD PDF 45-0946, not
    re-read here; the older card 04-0829, Swanson & Tatge, NBS Circ. 539 vol. 1 (1953) 37,
    gives 4.213 Å at 26 °C)."""
    return _build("MgO", "Fm-3m", Lattice.cubic(4.2112), ["Mg", "O"], [[0, 0, 0], [0.5, 0.5, 0.5]], "ICDD PDF 45-946")


def zro2_monoclinic() -> Phase:
    """Baddeleyite m-ZrO2, P2_1/c (no. 14), a = 5.1505, b = 5.2116, c = 5.3173 Å,
    β = 99.23°; Zr (0.2754, 0.0395, 0.2083), O1 (0.0700, 0.3317, 0.3447),
    O2 (0.4496, 0.7569, 0.4792): Howard, Hill & Reichert, Acta Cryst. B44 (1988) 116
    (room-temperature neutron powder data; formerly misattributed here to Hann, Suitch &
    Pentecost 1985)."""
    return _build(
        "ZrO2-m", "P2_1/c", Lattice.monoclinic(5.1505, 5.2116, 5.3173, 99.23), ["Zr", "O", "O"],
        [[0.2754, 0.0395, 0.2083], [0.0700, 0.3317, 0.3447], [0.4496, 0.7569, 0.4792]],
        "Howard, Hill & Reichert, Acta Cryst. B44 (1988) 116",
    )


def zro2_tetragonal() -> Phase:
    """t-ZrO2, P4_2/nmc (no. 137, origin choice 1), a = 3.5984, c = 5.1520 Å; Zr 2a (0,0,0),
    O 4d (0, ½, 0.2047) (metastable tetragonal zirconia at room temperature, e.g. milling
    media; Igawa & Ishii, J. Am. Ceram. Soc. 84 (2001) 1169)."""
    return _build(
        "ZrO2-t", "P4_2/nmc", Lattice.tetragonal(3.5984, 5.1520), ["Zr", "O"],
        [[0, 0, 0], [0, 0.5, 0.2047]],
        "Igawa & Ishii, J. Am. Ceram. Soc. 84 (2001) 1169",
    )


def lab6(a: float = 4.156826) -> Phase:
    """LaB6 line-profile standard, Pm-3m, La 1a (0,0,0), B 6f (0.1992, ½, ½).

    ``a`` defaults to the NIST SRM 660c certificate, 0.4156826 nm at 22.5 °C (this library
    had 4.15689 Å labelled 660c before, close to SRM 660b).  Other lots: SRM 660b
    0.415691(8) nm (Black et al., Powder Diffr. 26 (2011) 155), SRM 660a 0.41569162 nm;
    pass the one of your bottle."""
    return _build(
        "LaB6", "Pm-3m", Lattice.cubic(a), ["La", "B"], [[0, 0, 0], [0.1992, 0.5, 0.5]],
        "NIST SRM 660c certificate" if a == 4.156826 else f"LaB6 standard, a = {a} Å",
    )


BUILTIN: dict[str, Callable[[], Phase]] = {
    "Mg3AsN": mg3asn,
    "Mg3N2": mg3n2,
    "Mg3As2": mg3as2,
    "As": arsenic,
    "MgO": mgo,
    "ZrO2-m": zro2_monoclinic,
    "ZrO2-t": zro2_tetragonal,
    "LaB6": lab6,
}
_ALIASES = {"zro2": "ZrO2-m", "zro2_m": "ZrO2-m", "zro2-mono": "ZrO2-m", "zro2_t": "ZrO2-t", "zro2-tet": "ZrO2-t"}


def library_folder(folder: str | Path) -> dict[str, Path]:
    """The CIFs of a phase-library folder by phase name (file stem; case-insensitive lookup).

    Raises
    ------
    SselabError
        Not a folder, or two CIFs with the same name.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise SselabError(f"phase library {folder} is not a folder")
    out: dict[str, Path] = {}
    for cif in sorted(folder.rglob("*.cif")):
        if cif.stem.lower() in {k.lower() for k in out}:
            raise SselabError(f"phase library {folder}: two CIFs named {cif.stem!r}")
        out[cif.stem] = cif
    return out


def get_phase(name_or_path: str, libraries: Sequence[str | Path] = ()) -> Phase:
    """A phase by name from the ``libraries`` folders of CIFs (first match wins, their source
    recorded), else a built-in phase (case-insensitive), else a CIF path."""
    key = name_or_path.strip()
    for folder in libraries:
        found = {k.lower(): v for k, v in library_folder(folder).items()}
        if key.lower() in found:
            return from_cif(found[key.lower()], name=found[key.lower()].stem)
    lookup = {k.lower(): k for k in BUILTIN}
    lookup.update(_ALIASES)
    if key.lower() in lookup:
        return BUILTIN[lookup[key.lower()]]()
    if key.lower().endswith(".cif") or Path(key).is_file():
        return from_cif(key)
    where = f" or in {', '.join(map(str, libraries))}" if libraries else ""
    raise SselabError(f"unknown phase {name_or_path!r}: give a CIF path, a CIF name{where}, or one of {', '.join(BUILTIN)}")


def write_refined_cif(result, phases: Sequence[Phase], folder: str | Path) -> list[Path]:
    """Write each refined phase (refined cell; sites as given) as ``<folder>/<name>_refined.cif``,
    with the agreement factors and esds in comment lines.  Returns the paths written."""
    from pymatgen.io.cif import CifWriter

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for p in phases:
        pr = result.phase(p.name)
        from .atoms import refined_phase

        refined = refined_phase(p, dict(pr.coordinates), dict(pr.occupancy))
        refined = refined.with_lattice(**{k: pr.lattice[k] for k in p.free_lattice})
        esd = ", ".join(f"{k} {pr.lattice[k]:.6f}({pr.lattice_stderr.get(k) or 0:.6f})" for k in p.free_lattice)
        head = (f"# refined by sselab: Rp {result.Rp:.2f} %, Rwp {result.Rwp:.2f} %, Rexp {result.Rexp:.2f} %, "
                f"chi2 {result.chi2:.3f}; R_Bragg {pr.R_Bragg if pr.R_Bragg is not None else float('nan'):.2f} %\n"
                f"# cell with esd: {esd}; source structure: {p.source}\n"
                f"# B_iso (A^2): {', '.join(f'{k} {v:.3f}({pr.b_iso_stderr_A2.get(k) or 0:.3f})' for k, v in pr.b_iso_A2.items())}\n"
                f"# occupancy factor: {', '.join(f'{k} {v:.4f}({pr.occupancy_stderr.get(k) or 0:.4f})' for k, v in pr.occupancy.items())}\n"
                f"# free coordinates: {', '.join(f'{k} {v:.5f}({pr.coordinates_stderr.get(k) or 0:.5f})' for k, v in pr.coordinates.items()) or 'none'}\n")
        path = folder / f"{p.name}_refined.cif"
        tmp = path.with_suffix(".cif.tmp")
        tmp.write_text(head + str(CifWriter(refined.structure, symprec=0.01)))
        tmp.replace(path)
        out.append(path)
    return out
