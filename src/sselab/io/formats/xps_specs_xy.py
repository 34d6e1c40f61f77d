"""SpecsLab Prodigy ``.xy`` exports (the "XY-Serializer" with meta data).

Written from the files Prodigy writes.  A global header (``# Energy Axis: Binding Energy``
or ``Kinetic Energy``, ``# Count Rate: Counts per Second`` or ``Counts``, ``# Separate
Scan Data``, ``# Transmission Function``) is followed by ``# Group:`` / ``# Region:``
blocks; each region carries ``Dwell Time`` [s], ``Excitation Energy``, ``Pass Energy``,
``Scan Mode``, ``Number of Scans``, and then one data block per cycle/curve/scan, each
with ``# ColumnLabels:`` (``energy counts/s [transmission]``).

What the reader does, all recorded in the region's metadata and the notes:

* energy: the export's ``Energy Axis``; kinetic → BE = hν − KE with the region's
  ``Excitation Energy``;
* several scans of one region exported separately are averaged (they share one axis);
  a region recorded at fixed energies (first column ``index``: a time series, not a
  spectrum) is skipped with a note;
* intensity: kept as exported (counts/s or counts); ``metadata["intensity_unit"]`` says
  which, with ``dwell_time_s`` and ``scans`` so that counts = cps × dwell × scans;
  a transmission column is kept as ``metadata["transmission"]``.

Examples
--------
>>> from sselab.io import read                                 # doctest: +SKIP
>>> acq, = read("MgFe2O4.xy", kind="xps")                        # doctest: +SKIP
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from ...exceptions import ReaderError
from ...measurements import XPSAcquisition, XPSRegion
from ..registry import register

_KV = re.compile(r"^#\s*([^:]+?)\s*:\s*(.*?)\s*$")


def _sniff(path: Path, head: bytes) -> bool:
    text = head.decode("latin-1", errors="replace")
    return "SpecsLab Prodigy" in text and "XY-Serializer" in text


def _region_blocks(lines: list[str]):
    """Yield (group, meta, [(labels, rows), ...]) per ``# Region:``."""
    group, meta, scans, labels, rows = "", None, [], None, []
    for line in lines:
        s = line.strip()
        if not s:
            continue
        if s.startswith("#"):
            m = _KV.match(s)
            if not m:
                continue
            key, value = m.group(1), m.group(2)
            if key == "Region":
                if meta is not None:
                    if rows:
                        scans.append((labels, rows))
                    yield group, meta, scans
                meta, scans, labels, rows = {"Region": value}, [], None, []
            elif key == "Group":
                group = value
            elif key == "ColumnLabels":
                if rows:
                    scans.append((labels, rows))
                labels, rows = value.split(), []
            elif meta is not None and key not in meta:
                meta[key] = value
            continue
        rows.append(s.split())
    if meta is not None:
        if rows:
            scans.append((labels, rows))
        yield group, meta, scans


def parse(path: Path) -> XPSAcquisition:
    """Parse a Prodigy XY export into one acquisition (one region per ``# Region:``)."""
    lines = path.read_text(encoding="latin-1").splitlines()
    header = {}
    for line in lines:
        if "# Group:" in line or "# Region:" in line:
            break
        m = _KV.match(line.strip())
        if m:
            header[m.group(1).strip()] = m.group(2)
    axis = header.get("Energy Axis", "").lower()
    if "binding" not in axis and "kinetic" not in axis:
        raise ReaderError(path, f"'# Energy Axis:' is {axis or 'missing'!r}; expected Binding or Kinetic Energy")
    unit = "counts/s" if "second" in header.get("Count Rate", "").lower() else "counts"
    regions, notes = [], [f"Prodigy XY: energy axis {header.get('Energy Axis')}, intensity in {unit}"]
    seen: dict[str, int] = {}
    for group, meta, scans in _region_blocks(lines):
        name = meta["Region"]
        if not scans:
            notes.append(f"{name}: no data rows; skipped")
            continue
        labels = scans[0][0] or []
        if labels and labels[0].lower() == "index":
            notes.append(f"{name}: recorded at fixed energies ({meta.get('Scan Mode')}); not a spectrum, skipped")
            continue
        try:
            arrays = [np.array(rows, dtype=float) for _, rows in scans]
        except ValueError:
            raise ReaderError(path, f"region {name!r}: a data row is not numeric") from None
        shapes = {a.shape for a in arrays}
        if len(shapes) != 1 or arrays[0].ndim != 2 or arrays[0].shape[1] < 2 or arrays[0].shape[0] < 3:
            raise ReaderError(path, f"region {name!r}: scans of different lengths or fewer than 2 columns")
        if any(np.max(np.abs(a[:, 0] - arrays[0][:, 0])) > 1e-6 for a in arrays[1:]):
            raise ReaderError(path, f"region {name!r}: its scans have different energy axes")
        declared = meta.get("Values/Curve")
        if declared and declared.isdigit() and int(declared) != arrays[0].shape[0]:
            notes.append(f"{name}: Values/Curve={declared} but {arrays[0].shape[0]} rows read")
        data = np.mean(arrays, axis=0)
        energy, y = data[:, 0], data[:, 1]
        hv = float(meta["Excitation Energy"]) if meta.get("Excitation Energy") else None
        if "kinetic" in axis:
            if hv is None:
                raise ReaderError(path, f"region {name!r}: kinetic energies but no Excitation Energy")
            be, conv = hv - energy, "binding = hv - kinetic"
        else:
            be, conv = energy, "binding as written"
        label = name if name not in seen else f"{name} ({seen[name] + 1})"
        seen[name] = seen.get(name, 0) + 1
        md = {"excitation_energy_eV": hv, "energy": conv, "intensity_unit": unit, "group": group,
              "dwell_time_s": float(meta["Dwell Time"]) if meta.get("Dwell Time") else None,
              "scans": len(arrays), "pass_energy_eV": float(meta["Pass Energy"]) if meta.get("Pass Energy") else None,
              "scan_mode": meta.get("Scan Mode"), "source": meta.get("Source"),
              "work_function_eV": float(meta["Eff. Workfunction"]) if meta.get("Eff. Workfunction") else None}
        if data.shape[1] >= 3 and labels[-1:] == ["transmission"]:
            md["transmission"] = tuple(data[:, -1])
        regions.append(XPSRegion(name=label, binding_energy_eV=be, counts=y, metadata=md))
        if len(arrays) > 1:
            notes.append(f"{label}: {len(arrays)} separately exported scans averaged")
    if not regions:
        raise ReaderError(path, "no region with an energy axis")
    hvs = {r.metadata["excitation_energy_eV"] for r in regions}
    return XPSAcquisition(source=str(path), instrument="specs-xy", regions=tuple(regions),
                          excitation_energy_eV=hvs.pop() if len(hvs) == 1 else None, notes=tuple(notes))


@register("specs-xy", extensions=(".xy",), kinds=("xps",), sniff=_sniff, priority=-10)
def read(path: Path, kind: str) -> list[XPSAcquisition]:
    """Registry entry: one Prodigy export is one acquisition."""
    return [parse(path)]
