"""The X-ray line table (``data/xray_lines.csv``; energies from Chantler et al. 2005, NIST,
relative weights within a family from NIST EPQ — sources in the file's header) and the
detector's resolution.

Families: ``K`` (Ka, Kb), ``L`` (La, Lb1, Lb2, Lb3, Lb4, Lg1, Lg3, Ll, Ln), ``M`` (Ma, Mb,
Mg, Mz, M2N4).  A family's main line is its weight-1 line (Ka, La, Ma).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..exceptions import ParameterError

_CSV = Path(__file__).with_name("data") / "xray_lines.csv"
MAIN = {"K": "Ka", "L": "La", "M": "Ma"}
LIGHT = ("Be", "B", "C", "N", "O", "F")

#: Fano-limited resolution of a silicon drift detector: FWHM² = FWHM(Mn Kα)² + 2.4 eV·(E − 5898.7 eV)
#: (2.355² × 3.8 eV per pair × Fano 0.114).  130 eV at Mn Kα is a typical SDD.
FANO_EV = 2.355 ** 2 * 3.8 * 0.114
MN_KA_EV = 5898.7


@dataclass(frozen=True)
class Line:
    element: str
    z: int
    atomic_weight: float
    name: str  # "Ka", "La", ...
    energy_keV: float
    weight: float

    @property
    def family(self) -> str:
        return self.name[0]

    @property
    def label(self) -> str:
        return f"{self.element}_{self.name}"


@lru_cache(maxsize=1)
def table() -> dict[str, list[Line]]:
    """All lines by element symbol."""
    out: dict[str, list[Line]] = {}
    with open(_CSV, newline="") as fh:
        rows = csv.DictReader(line for line in fh if not line.startswith("#"))
        for r in rows:
            ln = Line(r["element"], int(r["Z"]), float(r["atomic_weight"]), r["line"], float(r["energy_keV"]),
                      float(r["weight"]))
            out.setdefault(ln.element, []).append(ln)
    return out


def element(symbol: str) -> list[Line]:
    """Lines of ``symbol`` (raises :class:`ParameterError` for an unknown element)."""
    t = table()
    if symbol not in t:
        raise ParameterError(f"unknown element {symbol!r}")
    return t[symbol]


def atomic_weight(symbol: str) -> float:
    return element(symbol)[0].atomic_weight


def family(symbol: str, fam: str) -> list[Line]:
    return [ln for ln in element(symbol) if ln.family == fam]


def edge_keV(symbol: str, fam: str) -> float:
    """Approximate ionisation edge of a family: its highest line energy (Kβ lies ~1 % below
    the K edge; for L and M this is a lower bound), used for overvoltages only."""
    return max(ln.energy_keV for ln in family(symbol, fam)) * 1.01


def fwhm_keV(energy_keV, fwhm_mn_eV: float = 130.0):
    """Detector FWHM [keV] at ``energy_keV`` (Fano law through the stated Mn Kα FWHM)."""
    e = np.asarray(energy_keV, float) * 1e3
    return np.sqrt(np.maximum(fwhm_mn_eV ** 2 + FANO_EV * (e - MN_KA_EV), 400.0)) * 1e-3


def best_family(symbol: str, beam_keV: float | None) -> str:
    """The family to quantify with: K when excited with overvoltage ≥ 1.5, else L, else M."""
    fams = [f for f in ("K", "L", "M") if family(symbol, f)]
    if beam_keV is None:
        return fams[0]
    for f in fams:
        if beam_keV / edge_keV(symbol, f) >= 1.5:
            return f
    return fams[-1]
