"""Two-column XPS exports (CSV, tab or whitespace separated ``.csv``/``.txt``/``.xy``/``.dat``).

Columns: energy, intensity (further columns are ignored).  A header line that names the
energy column decides its meaning: "kinetic" → binding energy = hν − KE, which needs the
excitation energy in a comment line (``# excitation energy: 1486.6 eV``); otherwise the
energy is binding energy.  A ``# region: As 3d`` line names the region; without it the
file's stem is used.  Several regions may follow each other, each starting with its own
``# region:`` line.

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

_NUM = re.compile(r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*([,;\t ]\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*)+$")


def _sniff(path: Path, head: bytes) -> bool:
    text = head.decode("latin-1", errors="replace").lower()
    return "binding energy" in text or "kinetic energy" in text or "# region:" in text


def parse(path: Path) -> XPSAcquisition:
    """Parse a two-column export into one acquisition."""
    text = path.read_text(encoding="utf-8", errors="replace")
    hv = None
    kinetic = False
    sputter = None
    blocks: list[tuple[str, list[tuple[float, float]], float | None]] = []
    name, rows = path.stem, []
    for lineno, line in enumerate(text.splitlines(), 1):
        s = line.strip()
        if not s:
            continue
        low = s.lower()
        if not _NUM.match(s):
            m = re.search(r"excitation energy\s*[:=]\s*([-+0-9.eE]+)", low)
            if m:
                hv = float(m.group(1))
            m = re.search(r"sputter time\s*[:=]\s*([-+0-9.eE]+)\s*(s|min)?", low)
            if m:
                sputter = float(m.group(1)) * (60.0 if m.group(2) == "min" else 1.0)
            m = re.match(r"#\s*region\s*:\s*(.+)$", s, re.IGNORECASE)
            if m:
                if rows:
                    blocks.append((name, rows, sputter))
                name, rows = m.group(1).strip(), []
            if "kinetic" in low:
                kinetic = True
            elif rows and not low.startswith("#"):
                raise ReaderError(path, f"line {lineno}: non-numeric row {s[:40]!r} inside the data")
            continue
        parts = [p for p in re.split(r"[,;\t ]+", s) if p]
        rows.append((float(parts[0]), float(parts[1])))
    if rows:
        blocks.append((name, rows, sputter))
    if not blocks:
        raise ReaderError(path, "no energy/intensity rows found")
    regions = []
    for name, rows, t in blocks:
        if len(rows) < 3:
            raise ReaderError(path, f"region {name!r} has {len(rows)} rows; need at least 3")
        e, y = np.array(rows).T
        if kinetic:
            if hv is None:
                raise ReaderError(path, "kinetic energies but no '# excitation energy: ... eV' line")
            e = hv - e
        regions.append(XPSRegion(name=name, binding_energy_eV=e, counts=y, sputter_time_s=t,
                                 metadata={"excitation_energy_eV": hv,
                                           "energy": "binding = hv - kinetic" if kinetic else "binding as written"}))
    return XPSAcquisition(source=str(path), instrument="xps-csv", regions=tuple(regions),
                          excitation_energy_eV=hv,
                          notes=(f"two-column export: {len(regions)} regions: {', '.join(r.name for r in regions)}",))


@register("xps-csv", extensions=(".csv", ".txt", ".xy", ".dat"), kinds=("xps",), sniff=_sniff, priority=-5)
def read(path: Path, kind: str) -> list[XPSAcquisition]:
    """Registry entry: a two-column export is one acquisition."""
    return [parse(path)]
