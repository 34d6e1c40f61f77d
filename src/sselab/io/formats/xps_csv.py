"""Two-column XPS exports (CSV, tab or whitespace separated ``.csv``/``.txt``/``.xy``/``.dat``).

Columns: energy, intensity (further columns are ignored).  The energy axis must be stated,
either by the header line that names the columns or by a comment line; the reader never
guesses it:

* binding energy: a first column named ``Binding Energy``, ``BE``, ``BE/eV``, ``B.E.``,
  ``E_b`` …, or a comment ``# energy axis: binding``;
* kinetic energy: ``Kinetic Energy``, ``KE``, ``KE/eV``, ``K.E.``, ``E_kin`` …, or
  ``# energy axis: kinetic``.  Binding energy = hν − KE, which needs the excitation energy:
  a comment ``# excitation energy: 1486.6 eV`` (also ``photon energy``, ``hv``) or, as
  LG4X writes it, a photon energy in the intensity column's header (``KE/eV,PE: 600 eV``);
* a photon-energy axis (``PE/eV``, ``Photon Energy``, ``hv``) is an absorption (NEXAFS/XAS)
  scan, not a photoemission spectrum, and is refused.

Without a recognised axis the file is refused with a message that says how to state it.
A ``# region: As 3d`` line names the region; without it the file's stem is used.  Several
regions may follow each other, each starting with its own ``# region:`` line.

Number rows are recognised by splitting on separators and converting each field with
``float`` — linear in the line length (an earlier regular expression backtracked
exponentially on long decimal-comma rows).

Examples
--------
>>> from sselab.io import read                                 # doctest: +SKIP
>>> acq, = read("as3d.csv", kind="xps")                          # doctest: +SKIP
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from ...exceptions import ReaderError
from ...measurements import XPSAcquisition, XPSRegion
from ..registry import register

_SPLIT = re.compile(r"[,;\t ]+")
_SPLIT_NOCOMMA = re.compile(r"[;\t ]+")
_HOWTO = ("state the energy axis in a header line naming the first column 'Binding Energy' (or 'BE/eV') "
          "or 'Kinetic Energy' (or 'KE/eV', with '# excitation energy: 1486.6 eV'), "
          "or add a line '# energy axis: binding'")
# first-column names, matched on the lower-cased, stripped label with any unit removed
_BINDING = re.compile(r"^(binding(\s*energy)?|be|b\.\s*e\.?|e_?b(ind)?|eb)$")
_KINETIC = re.compile(r"^(kinetic(\s*energy)?|ke|k\.\s*e\.?|e_?k(in)?|ek)$")
_PHOTON = re.compile(r"^(photon(\s*energy)?|pe|hv|h\s*nu|excitation(\s*energy)?|energy\s*\(photon\))$")
_HV = re.compile(r"(?:excitation|photon)\s*energy\s*[:=]\s*([-+]?\d+(?:\.\d*)?(?:e[-+]?\d+)?)|"
                 r"\bh\s*(?:v|nu)\s*[:=]\s*([-+]?\d+(?:\.\d*)?)")
_PE_IN_HEADER = re.compile(r"\bpe\s*[:=]\s*([-+]?\d+(?:\.\d*)?)\s*ev\b")


def _numbers(s: str) -> list[float] | None:
    """The fields of a number row, or None when the line is not all numbers (linear time)."""
    s = s.strip()
    # with ';' or tabs as separators a comma is a decimal comma, which this reader refuses
    sep = _SPLIT_NOCOMMA if (";" in s or "\t" in s) else _SPLIT
    parts = [p for p in sep.split(s) if p]
    if len(parts) < 2:
        return None
    try:
        return [float(p) for p in parts]
    except ValueError:
        return None


def _axis_of(label: str) -> str | None:
    """'binding', 'kinetic', 'photon' or None for a first-column label such as 'KE/eV'."""
    low = label.strip().strip('"\'').lower().lstrip("\ufeff")
    low = re.sub(r"\s*([/\[(]\s*e?v\s*[\])]?|\(ev\)|\[ev\])\s*$", "", low).strip()
    for kind, rx in (("binding", _BINDING), ("kinetic", _KINETIC), ("photon", _PHOTON)):
        if rx.match(low):
            return kind
    if "binding" in low:
        return "binding"
    if "kinetic" in low:
        return "kinetic"
    if "photon" in low:
        return "photon"
    return None


def _header_axis(s: str) -> tuple[str | None, float | None]:
    """Axis named by a header line (its first field) and a photon energy named in it."""
    fields = [f for f in re.split(r"[,;\t]+", s.strip().lstrip("#").strip()) if f.strip()]
    if len(fields) < 2:
        fields = [f for f in re.split(r"\s{2,}", s.strip().lstrip("#").strip()) if f]
    if not fields:
        return None, None
    axis = _axis_of(fields[0])
    m = _PE_IN_HEADER.search(s.lower())
    return axis, (float(m.group(1)) if (m and axis == "kinetic") else None)


def _sniff(path: Path, head: bytes) -> bool:
    raw = head.decode("latin-1", errors="replace")
    if "SpecsLab Prodigy" in raw or "Characteristic Energy eV" in raw or raw.lstrip().startswith("[Info]"):
        return False  # their own readers (specs-xy, casa-txt, scienta-txt)
    text = raw.lower()
    if "# region:" in text or "binding energy" in text:
        return True
    first = next((ln for ln in text.splitlines() if ln.strip()), "")
    return _header_axis(first)[0] in ("binding", "kinetic")


def parse(path: Path) -> XPSAcquisition:
    """Parse a two-column export into one acquisition.

    Raises
    ------
    ReaderError
        When the energy axis is not stated, is a photon-energy (absorption) axis, is
        kinetic without an excitation energy, or a row inside the data is not numeric.
    """
    text = path.read_text(encoding="utf-8", errors="replace")
    hv = None
    axis: str | None = None
    axis_from = ""
    sputter = None
    blocks: list[tuple[str, list[tuple[float, float]], float | None]] = []
    name, rows = path.stem, []
    for lineno, line in enumerate(text.splitlines(), 1):
        s = line.strip().lstrip("\ufeff")
        if not s:
            continue
        nums = _numbers(s)
        if nums is not None:
            rows.append((nums[0], nums[1]))
            continue
        low = s.lower()
        m = _HV.search(low)
        if m:
            hv = float(m.group(1) or m.group(2))
        m = re.search(r"sputter time\s*[:=]\s*([-+0-9.eE]+)\s*(s|min)?", low)
        if m:
            sputter = float(m.group(1)) * (60.0 if m.group(2) == "min" else 1.0)
        m = re.match(r"#\s*region\s*:\s*(.+)$", s, re.IGNORECASE)
        if m:
            if rows:
                blocks.append((name, rows, sputter))
            name, rows = m.group(1).strip(), []
            continue
        m = re.match(r"#\s*energy\s*axis\s*[:=]\s*(binding|kinetic)", low)
        if m:
            axis, axis_from = m.group(1), s
            continue
        if not low.startswith("#"):
            if rows:
                raise ReaderError(path, f"line {lineno}: non-numeric row {s[:40]!r} inside the data")
            found, pe = _header_axis(s)
            if found == "photon":
                raise ReaderError(path, f"line {lineno}: the first column {s.split(',')[0][:20]!r} is a photon "
                                        "energy: this is an absorption (NEXAFS/XAS) scan, not an XPS spectrum")
            if found is not None and axis is None:
                axis, axis_from = found, s
            if pe is not None and hv is None:
                hv = pe
    if rows:
        blocks.append((name, rows, sputter))
    if not blocks:
        raise ReaderError(path, "no energy/intensity rows found")
    if axis is None:
        raise ReaderError(path, "the energy axis is not stated (binding or kinetic?): " + _HOWTO)
    if axis == "kinetic" and hv is None:
        raise ReaderError(path, "kinetic energies but no excitation energy: add a line "
                                "'# excitation energy: 1486.6 eV'")
    regions = []
    for name, rows, t in blocks:
        if len(rows) < 3:
            raise ReaderError(path, f"region {name!r} has {len(rows)} rows; need at least 3")
        e, y = np.array(rows).T
        if axis == "kinetic":
            e = hv - e
        regions.append(XPSRegion(name=name, binding_energy_eV=e, counts=y, sputter_time_s=t,
                                 metadata={"excitation_energy_eV": hv, "energy_axis_from": axis_from,
                                           "energy": "binding = hv - kinetic" if axis == "kinetic"
                                           else "binding as written"}))
    conv = f"kinetic → binding with hν = {hv:g} eV" if axis == "kinetic" else "binding energy as written"
    return XPSAcquisition(source=str(path), instrument="xps-csv", regions=tuple(regions),
                          excitation_energy_eV=hv,
                          notes=(f"two-column export: {len(regions)} regions: {', '.join(r.name for r in regions)}",
                                 f"energy axis from {axis_from!r}: {conv}"))


@register("xps-csv", extensions=(".csv", ".txt", ".xy", ".dat"), kinds=("xps",), sniff=_sniff, priority=-5)
def read(path: Path, kind: str) -> list[XPSAcquisition]:
    """Registry entry: a two-column export is one acquisition."""
    return [parse(path)]
