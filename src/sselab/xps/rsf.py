"""Relative sensitivity factors (RSFs): the built-in Scofield library and user libraries.

Built-in library (``data/rsf_scofield_al_ka.csv``, one row per element and line with its
source): Scofield's calculated photoionisation cross-sections for Al Kα, 1486.6 eV
(J. H. Scofield, J. Electron Spectrosc. Relat. Phenom. 8 (1976) 129), relative to C 1s = 1,
as CasaXPS's "ALSCOF" element library lists them — for 85 elements, every main line (whole
subshell, e.g. ``Ni 2p`` = 2p3/2 + 2p1/2, and each spin–orbit line, ``Ni 2p3/2``).  The
numbers were transcribed from KherveFitting's copy of that library
(``scripts/build_rsf_library.py`` says how), keeping only values that its two listings
(rows ``A-ALSCOF`` and ``C-Al1486``) give alike; lines where they differ are left out, not
guessed.  They are theoretical cross-sections: no IMFP, transmission or angular-asymmetry
correction is included (choose the quantification's ``correction``), and they hold for Al Kα
only.

User libraries (:func:`read_library`): a text file with one RSF per line, either
``Ni 2p = 22.18`` or CSV/TSV ``element,line,rsf`` (a header line and ``#`` comments allowed).

Examples
--------
>>> lookup("Ni 2p")[0]
22.18
>>> lookup("W4f7/2")[0]
5.48
"""

from __future__ import annotations

import csv
import re
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Mapping

from ..exceptions import AnalysisError, ParameterError

_LEVEL = re.compile(r"^\s*([A-Z][a-z]?)\s*(\d[spdf])\s*(\d/2)?(?![\w/])")
#: where the built-in values hold: Al Kα; another excitation energy needs other RSFs
AL_KA_EV = 1486.6


def normalise(label: str) -> str | None:
    """'Ni 2p3/2' for 'Ni2p3/2', 'ni 2p 3/2'…; 'W 4f' for 'W4f'; None when not a core level."""
    m = _LEVEL.match(label)
    if not m:
        return None
    return f"{m.group(1)} {m.group(2)}" + (m.group(3) or "")


@lru_cache(maxsize=1)
def library() -> Mapping[str, tuple[float, str]]:
    """{'Ni 2p': (22.18, source), …} of the built-in Al Kα Scofield library."""
    text = resources.files("sselab.xps").joinpath("data/rsf_scofield_al_ka.csv").read_text(encoding="utf-8")
    out = {}
    for row in csv.DictReader(text.splitlines()):
        out[f"{row['element']} {row['line']}"] = (float(row["rsf"]), row["source"])
    return out


def lookup(label: str, user: Mapping[str, float] | None = None) -> tuple[float, str]:
    """(RSF, source) of a region or line label: the user's table first, then the library.

    Raises
    ------
    AnalysisError
        No RSF: names the element and says how to give one.
    """
    key = normalise(label) or label.strip()
    for k, v in (user or {}).items():
        if (normalise(k) or k.strip()).replace(" ", "").lower() == key.replace(" ", "").lower():
            return float(v), "user"
    if key in library():
        return library()[key]
    what = f"{key} (element {key.split()[0]})" if normalise(label) else repr(label)
    raise AnalysisError(f"no sensitivity factor (RSF) for {what}; give one with --rsf \"{key}=VALUE\" or "
                        "--rsf-file LIBRARY (from your instrument's library), or leave the region out with --regions")


def read_library(path: str | Path) -> dict[str, float]:
    """A user RSF library: ``Ni 2p = 22.18`` lines or CSV/TSV ``element,line,rsf`` rows."""
    p = Path(path)
    if not p.is_file():
        raise ParameterError(f"RSF library {p} not found")
    out: dict[str, float] = {}
    for n, line in enumerate(p.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
        s = line.split("#", 1)[0].strip()
        if not s:
            continue
        if "=" in s:
            label, value = (t.strip() for t in s.split("=", 1))
        else:
            cells = [c.strip() for c in re.split(r"[,;\t]", s) if c.strip()]
            if len(cells) == 3:
                label, value = f"{cells[0]} {cells[1]}", cells[2]
            elif len(cells) == 2:
                label, value = cells
            else:
                raise ParameterError(f"{p}:{n}: expected 'Ni 2p = 22.18' or 'element,line,rsf'")
        try:
            v = float(value)
        except ValueError:
            if n == 1:
                continue  # a header line
            raise ParameterError(f"{p}:{n}: RSF {value!r} is not a number") from None
        if not (v > 0):
            raise ParameterError(f"{p}:{n}: RSF must be positive, got {v}")
        if normalise(label) is None:
            raise ParameterError(f"{p}:{n}: {label!r} is not a core level such as 'Ni 2p'")
        out[normalise(label)] = v
    if not out:
        raise ParameterError(f"RSF library {p} holds no values")
    return out
