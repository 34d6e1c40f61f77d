"""CasaXPS tab-separated text exports with several blocks ("Save Tab ASCII", one block per region).

Written from the files CasaXPS writes.  Each block is

* a title line, ``Cycle 4:Ni:Ni2p`` (the VAMAS block identifier; the last field names the region);
* ``<tab>Characteristic Energy eV<tab>1.486610e+003<tab>Acquisition Time s<tab>3.0e-001``;
* five rows ``Name``, ``Position``, ``FWHM``, ``Area``, ``Lineshape`` with one value per
  fitted component (empty when the region was not fitted), kept as
  ``metadata["casa_components"]``;
* a column header ``K.E.<tab>Counts<tab><tab>B.E.<tab>CPS[<tab>component…<tab>Background<tab>Envelope]``
  and the data rows.

Energies are read from the ``B.E.`` column (binding energy as CasaXPS computed it); only when
it is absent are they hν − ``K.E.`` with the block's characteristic energy.  Intensities are the
``Counts`` column (``CPS`` = counts / acquisition time is not used, so that counting statistics
stay right).

Examples
--------
>>> from sselab.io import read                                   # doctest: +SKIP
>>> acq, = read("vms_txt_export.txt", kind="xps")                 # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ...exceptions import ReaderError
from ...measurements import XPSAcquisition, XPSRegion
from ..registry import register

_ROWS = ("Name", "Position", "FWHM", "Area", "Lineshape")


def _sniff(path: Path, head: bytes) -> bool:
    lines = head.decode("latin-1", errors="replace").splitlines()
    return len(lines) > 2 and "Characteristic Energy eV" in lines[1] and "Acquisition Time" in lines[1]


def _num(path: Path, s: str, where: str) -> float:
    try:
        return float(s)
    except ValueError:
        raise ReaderError(path, f"{where}: {s!r} is not a number") from None


def _blocks(lines: list[str]):
    """Split into blocks: each starts at the line before a 'Characteristic Energy' line."""
    starts = [i - 1 for i, ln in enumerate(lines) if "Characteristic Energy eV" in ln and i > 0]
    for k, s in enumerate(starts):
        yield s, lines[s: starts[k + 1] if k + 1 < len(starts) else len(lines)]


def _block(path: Path, first: int, block: list[str]) -> tuple[XPSRegion, str]:
    title = block[0].strip()
    name = title.split(":")[-1].strip() or title
    info = block[1].split("\t")
    hv = tdwell = None
    for j, cell in enumerate(info[:-1]):
        if cell.strip() == "Characteristic Energy eV":
            hv = _num(path, info[j + 1].strip(), f"line {first + 2}")
        elif cell.strip() == "Acquisition Time s":
            tdwell = _num(path, info[j + 1].strip(), f"line {first + 2}")
    comps: dict[str, list[str]] = {}
    k = 2
    while k < len(block) and block[k].split("\t")[0].strip() in _ROWS:
        cells = block[k].split("\t")
        comps[cells[0].strip()] = [c.strip() for c in cells[1:] if c.strip()]
        k += 1
    if k >= len(block) or not block[k].startswith("K.E."):
        raise ReaderError(path, f"block {title!r} (line {first + 1}): no 'K.E.' column header")
    header = [c.strip() for c in block[k].split("\t")]
    rows = []
    for lineno, line in enumerate(block[k + 1:], first + k + 2):
        if not line.strip():
            continue
        cells = line.split("\t")
        rows.append([_num(path, c, f"line {lineno}") if c.strip() else np.nan for c in cells])
    if len(rows) < 3:
        raise ReaderError(path, f"block {title!r}: {len(rows)} data rows")
    width = max(len(r) for r in rows)
    data = np.array([r + [np.nan] * (width - len(r)) for r in rows])
    col = {h: i for i, h in enumerate(header) if h}
    if "Counts" not in col:
        raise ReaderError(path, f"block {title!r}: no 'Counts' column")
    y = data[:, col["Counts"]]
    if "B.E." in col:
        be, conv = data[:, col["B.E."]], "binding energy as exported (B.E. column)"
    else:
        if hv is None:
            raise ReaderError(path, f"block {title!r}: no B.E. column and no characteristic energy")
        be, conv = hv - data[:, col["K.E."]], "binding = hv - K.E."
    if not (np.all(np.isfinite(be)) and np.all(np.isfinite(y))):
        raise ReaderError(path, f"block {title!r}: empty cells in the energy or Counts column")
    components = []
    names = comps.get("Name", [])
    for j, cname in enumerate(names):
        def pick(row: str, cast=float):
            vals = comps.get(row, [])
            return cast(vals[j]) if j < len(vals) else None
        components.append({"name": cname, "position_eV": pick("Position"), "fwhm_eV": pick("FWHM"),
                           "area": pick("Area"), "lineshape": pick("Lineshape", str)})
    meta = {"excitation_energy_eV": hv, "energy": conv, "acquisition_time_s": tdwell, "casa_title": title,
            "casa_components": tuple(components)}
    return XPSRegion(name=name, binding_energy_eV=be, counts=y, metadata=meta), f"{title}: {conv}"


def parse(path: Path) -> XPSAcquisition:
    """Parse every block of a CasaXPS text export into one acquisition."""
    lines = path.read_text(encoding="latin-1").splitlines()
    regions, notes = [], []
    for first, block in _blocks(lines):
        region, note = _block(path, first, block)
        regions.append(region)
        notes.append(note)
    if not regions:
        raise ReaderError(path, "no CasaXPS block ('Characteristic Energy eV' line) found")
    names = [r.name for r in regions]
    if len(set(names)) < len(names):  # e.g. two samples' "Survey": name them by sample too
        regions = [XPSRegion(name=r.metadata["casa_title"].split(":", 1)[-1].strip() if names.count(r.name) > 1
                             else r.name, binding_energy_eV=r.binding_energy_eV, counts=r.counts,
                             metadata=dict(r.metadata)) for r in regions]
    hvs = {r.metadata["excitation_energy_eV"] for r in regions}
    return XPSAcquisition(source=str(path), instrument="casa-txt", regions=tuple(regions),
                          excitation_energy_eV=hvs.pop() if len(hvs) == 1 else None, notes=tuple(notes))


@register("casa-txt", extensions=(".txt", ".csv", ".dat"), kinds=("xps",), sniff=_sniff, priority=-10)
def read(path: Path, kind: str) -> list[XPSAcquisition]:
    """Registry entry: one export is one acquisition."""
    return [parse(path)]
