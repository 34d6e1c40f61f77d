"""PANalytical .xrdml (XML) via xrayutilities' ``XRDMLFile`` (2θ scans; counts or counts/s).

Examples
--------
>>> _sniff(Path("x.xrdml"), b'<?xml version="1.0"?><xrdMeasurements')
True
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from ...exceptions import ReaderError
from ...measurements import DiffractionPattern
from ..registry import register


def _sniff(path: Path, head: bytes) -> bool:
    return b"<xrdMeasurements" in head


@register("xrd-xrdml", [".xrdml"], ["diffraction"], sniff=_sniff, priority=1)
def read(path: Path, kind: str) -> list[DiffractionPattern]:
    try:
        import warnings

        import xrayutilities.io.panalytical_xml as pxml

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            f = pxml.XRDMLFile(str(path))
    except Exception as exc:
        raise ReaderError(path, f"not a readable XRDML file: {exc}") from None
    if not f.scans:
        raise ReaderError(path, "XRDML file holds no scan")
    text = path.read_text(errors="replace")
    wl = tuple(float(m) for m in re.findall(r"<kAlpha[12] unit=\"Angstrom\">([\d.]+)<", text)[:2])
    ratio = re.search(r"<ratioKAlpha2KAlpha1>([\d.]+)<", text)
    out = []
    for i, scan in enumerate(f.scans):
        names = list(scan.ddict)
        axis = next((n for n in ("2Theta", "2theta") if n in names), None)
        if axis is None:
            raise ReaderError(path, f"scan {i} has no 2Theta axis (axes: {', '.join(names)})")
        x = np.asarray(scan[axis], float).ravel()
        y = np.empty(0)
        for key in ("counts", "detector"):
            if key in names and np.asarray(scan[key]).size == x.size:
                y = np.asarray(scan[key], float).ravel()
                break
        if y.size != x.size or x.size < 2:
            raise ReaderError(path, f"scan {i} has no intensities matching its {x.size} 2θ positions")
        notes = [f"scan {i} of {len(f.scans)}"]
        if ratio is not None and float(ratio.group(1)) == 0.0 and wl:
            wl_used: tuple[float, ...] = wl[:1]
            notes.append("Kα2/Kα1 ratio 0 in the file: Kα1 only (monochromator)")
        else:
            wl_used = wl
        out.append(
            DiffractionPattern(
                source=str(path), instrument="xrd-xrdml", two_theta_deg=x, intensity=y,
                sigma=np.sqrt(np.maximum(y, 1.0)), wavelength_A=wl_used, notes=tuple(notes),
            )
        )
    return out
