"""Scienta SES text exports (``.txt``): ``[Info]``, ``[Region n]``, ``[Info n]``, ``[Data n]`` blocks.

Written from the files SES writes.  Each region ``n`` has

* ``[Region n]``: ``Region Name``, ``Dimension 1 name`` (e.g. ``Binding Energy [eV]`` or
  ``Kinetic Energy [eV]``), ``Dimension 1 size`` and ``Dimension 1 scale`` (the energies);
* ``[Info n]``: acquisition settings — ``Excitation Energy``, ``Energy Scale``
  (``Binding``/``Kinetic``: the scale of the exported axis), ``Energy Unit`` (the unit the
  *analyser* was set in: it says nothing about the exported axis), ``Pass Energy``,
  ``Number of Sweeps``, ``Step Time`` [ms], ``Low/High/Center Energy`` (kinetic, in the
  analyser's unit);
* ``[Data n]``: rows of energy then one intensity column per slice (detector angle or
  position); slices are summed.

Energy axis: taken from ``Energy Scale`` (or, when absent, the ``Dimension 1 name``).  A
binding scale is used as written; a kinetic scale becomes BE = hν − KE with the region's
``Excitation Energy``.  ``Energy Unit=Kinetic`` does **not** trigger a conversion (it did
in an earlier version, putting Ag 3d at 138–156 eV).  When the data rows' first column
disagrees with the region's scale by more than one step the file is refused.

Examples
--------
>>> from sselab.io import read                                 # doctest: +SKIP
>>> acq, = read("Ag_0001.txt", kind="xps")                       # doctest: +SKIP
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from ...exceptions import ReaderError
from ...measurements import XPSAcquisition, XPSRegion
from ..registry import register

_SECTION = re.compile(r"^\[(?P<name>[A-Za-z ]+?)(?:\s+(?P<n>\d+))?\]\s*$")


def _sniff(path: Path, head: bytes) -> bool:
    text = head.decode("latin-1", errors="replace")
    return text.lstrip().startswith("[Info]") and ("Number of Regions" in text or "[Region 1]" in text)


def _float(path: Path, value: str | None, what: str) -> float | None:
    if value is None or not value.strip():
        return None
    try:
        return float(value)
    except ValueError:
        raise ReaderError(path, f"{what} {value!r} is not a number") from None


def _sections(path: Path, text: str) -> dict[tuple[str, int], list[str]]:
    sections: dict[tuple[str, int], list[str]] = {}
    current: list[str] | None = None
    for line in text.splitlines():
        m = _SECTION.match(line.strip())
        if m:
            key = (m.group("name").strip().lower(), int(m.group("n") or 0))
            current = sections.setdefault(key, [])
            continue
        if current is not None:
            current.append(line)
    return sections


def _keys(lines: list[str]) -> dict[str, str]:
    out = {}
    for line in lines:
        if "=" in line:
            k, v = line.split("=", 1)
            out[k.strip()] = v.strip()
    return out


def parse(path: Path) -> XPSAcquisition:
    """Parse every region of a Scienta SES text export.

    Raises
    ------
    ReaderError
        A region without data, an unknown energy scale, a kinetic scale without an
        excitation energy, or data whose energies contradict the region's scale.
    """
    text = path.read_text(encoding="latin-1")
    sections = _sections(path, text)
    numbers = sorted(n for (name, n) in sections if name == "region")
    if not numbers:
        raise ReaderError(path, "no [Region n] block")
    regions, hvs, notes = [], [], []
    for n in numbers:
        reg = _keys(sections[("region", n)])
        info = _keys(sections.get(("info", n), []))
        name = info.get("Region Name") or reg.get("Region Name") or f"region {n}"
        rows = []
        for line in sections.get(("data", n), []):
            parts = line.split()
            if not parts:
                continue
            try:
                rows.append([float(p) for p in parts])
            except ValueError:
                raise ReaderError(path, f"region {name!r}: non-numeric data row {line.strip()[:40]!r}") from None
        if len(rows) < 3 or len({len(r) for r in rows}) != 1 or len(rows[0]) < 2:
            raise ReaderError(path, f"region {name!r}: [Data {n}] has {len(rows)} rows of unequal or too few columns")
        data = np.array(rows)
        energy, y = data[:, 0], data[:, 1:].sum(axis=1)
        declared = _float(path, reg.get("Dimension 1 size"), "Dimension 1 size")
        if declared is not None and int(declared) != len(energy):
            raise ReaderError(path, f"region {name!r}: {len(energy)} data rows but Dimension 1 size={int(declared)}")
        scale = reg.get("Dimension 1 scale")
        if scale:
            axis = np.array([float(v) for v in scale.split()])
            step = abs(float(np.median(np.diff(axis)))) if len(axis) > 1 else 0.0
            if len(axis) != len(energy) or np.max(np.abs(axis - energy)) > max(step, 1e-9):
                raise ReaderError(path, f"region {name!r}: the data energies disagree with 'Dimension 1 scale'")
        es = (info.get("Energy Scale") or "").strip().lower()
        if not es:
            dim = reg.get("Dimension 1 name", "").lower()
            es = "binding" if "binding" in dim else "kinetic" if "kinetic" in dim else ""
        if es not in ("binding", "kinetic"):
            raise ReaderError(path, f"region {name!r}: energy scale {es or 'not stated'!r}; expected Binding or Kinetic")
        hv = _float(path, info.get("Excitation Energy"), "Excitation Energy")
        if es == "kinetic":
            if hv is None:
                raise ReaderError(path, f"region {name!r}: kinetic energies but no Excitation Energy")
            be = hv - energy
        else:
            be = energy
        slices = data.shape[1] - 1
        meta = {"excitation_energy_eV": hv, "energy": "binding = hv - kinetic" if es == "kinetic"
                else "binding as written", "energy_scale": info.get("Energy Scale"),
                "energy_unit_of_analyser": info.get("Energy Unit"),
                "pass_energy_eV": _float(path, info.get("Pass Energy"), "Pass Energy"),
                "sweeps": _float(path, info.get("Number of Sweeps"), "Number of Sweeps"),
                "step_time_ms": _float(path, info.get("Step Time"), "Step Time"),
                "slices_summed": slices, "lens_mode": info.get("Lens Mode"),
                "acquisition_mode": info.get("Acquisition Mode"), "sample": info.get("Sample")}
        regions.append(XPSRegion(name=name, binding_energy_eV=be, counts=y, metadata=meta))
        hvs.append(hv)
        notes.append(f"{name}: Energy Scale={info.get('Energy Scale') or es} → "
                     + (f"BE = {hv:g} eV − KE" if es == "kinetic" else "binding energy as written")
                     + (f", {slices} slices summed" if slices > 1 else ""))
    hv0 = hvs[0] if len(set(hvs)) == 1 else None
    return XPSAcquisition(source=str(path), instrument="scienta-txt", regions=tuple(regions),
                          excitation_energy_eV=hv0, notes=tuple(notes))


@register("scienta-txt", extensions=(".txt",), kinds=("xps",), sniff=_sniff, priority=-10)
def read(path: Path, kind: str) -> list[XPSAcquisition]:
    """Registry entry: one SES export is one acquisition."""
    return [parse(path)]
