"""SpecsLab (2 / Prodigy) CORBA-XML exports (``.xml``, "XMLSerializer2" with ``specs.de`` types).

Written from the file structure: each ``RegionData`` struct holds the region's ``name``, its
``RegionDef`` (``kinetic_energy`` of the first point, ``scan_delta``, ``values_per_curve``,
``excitation_energy``, ``pass_energy``, ``dwell_time``, ``num_scans``), ``mcd_head`` /
``mcd_tail`` and the detectors of the multi-channel detector (``Detector`` structs with
their ``shift``, in units of the pass energy), then ``cycles`` → ``scans`` → ``counts``:
the raw counts of all detectors interleaved, ``(head + values + tail) × n_detectors``.

Channel physics (fixed analyser transmission): channel j of a scan is recorded at the
analyser's kinetic energy KE_j = KE_0 + (j − head)·δ and detector d sees electrons of
KE_j + s_d·E_pass.  The counts at spectrum point i (KE_i = KE_0 + i·δ) are therefore summed
over the detectors from channel j = i + head − round(s_d·E_pass/δ); head and tail are exactly
the channels needed for the outermost detectors, and a channel outside the record is an
error, not a guess.  Binding energy = hν − KE.  Scans and cycles are summed (counts stay
counts); ``metadata["scans"]`` says how many were read, ``dwell_time_s`` the dwell per point.

Examples
--------
>>> from sselab.io import read                                     # doctest: +SKIP
>>> acq, = read("In-situ_PBTTT_XPS_SPECS.xml", kind="xps")           # doctest: +SKIP
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np

from ...exceptions import ReaderError
from ...measurements import XPSAcquisition, XPSRegion
from ..registry import register


def _sniff(path: Path, head: bytes) -> bool:
    text = head.decode("latin-1", errors="replace")
    return "XMLSerializer" in text and "specs.de" in text


def _named(el: ET.Element, name: str) -> ET.Element | None:
    for child in el:
        if child.get("name") == name:
            return child
    return None


def _value(path: Path, el: ET.Element, name: str, region: str, cast=float):
    child = _named(el, name)
    if child is None or child.text is None:
        raise ReaderError(path, f"region {region!r}: no {name!r}")
    try:
        return cast(child.text.strip())
    except ValueError:
        raise ReaderError(path, f"region {region!r}: {name} {child.text.strip()!r} is not a number") from None


def _region(path: Path, rd: ET.Element, group: str) -> tuple[XPSRegion, str]:
    name = (_named(rd, "name").text or "").strip() if _named(rd, "name") is not None else "region"
    rdef = _named(rd, "region")
    if rdef is None:
        raise ReaderError(path, f"region {name!r}: no RegionDef")
    ke0 = _value(path, rdef, "kinetic_energy", name)
    base = _value(path, rdef, "kinetic_energy_base", name) if _named(rdef, "kinetic_energy_base") is not None else 0.0
    delta = _value(path, rdef, "scan_delta", name)
    n = _value(path, rdef, "values_per_curve", name, int) * _value(path, rdef, "curves_per_scan", name, int)
    hv = _value(path, rdef, "excitation_energy", name)
    ep = _value(path, rdef, "pass_energy", name)
    dwell = _value(path, rdef, "dwell_time", name)
    declared_scans = _value(path, rdef, "num_scans", name, int)
    mode_el = _named(rdef, "scan_mode")
    mode = (_named(mode_el, "name").text or "") if mode_el is not None and _named(mode_el, "name") is not None else ""
    if base != 0.0:
        raise ReaderError(path, f"region {name!r}: kinetic_energy_base = {base:g} (not 0) is not supported")
    if mode != "FixedAnalyzerTransmission":
        raise ReaderError(path, f"region {name!r}: scan mode {mode or 'unknown'!r}; only FixedAnalyzerTransmission "
                                "is read")
    if delta <= 0 or n < 3:
        raise ReaderError(path, f"region {name!r}: {n} points of step {delta:g} eV is not a spectrum")
    head = _value(path, rd, "mcd_head", name, int)
    tail = _value(path, rd, "mcd_tail", name, int)
    shifts = [float(s.text) for s in rd.iter("double") if s.get("name") == "shift"]
    if not shifts:
        raise ReaderError(path, f"region {name!r}: no detector shifts")
    nd = len(shifts)
    offsets = [int(round(s * ep / delta)) for s in shifts]
    scans = []
    for seq in rd.iter("sequence"):
        if seq.get("name") != "counts":
            continue
        values = np.array([float(v) for c in seq for v in (c.text or "").split()])
        if values.size == 0:
            continue
        if values.size != nd * (head + n + tail):
            raise ReaderError(path, f"region {name!r}: a scan holds {values.size} counts, expected "
                                    f"{nd} detectors × ({head} + {n} + {tail})")
        raw = values.reshape(head + n + tail, nd)
        total = np.zeros(n)
        i = np.arange(n)
        for d, off in enumerate(offsets):
            j = i + head - off
            if j.min() < 0 or j.max() >= raw.shape[0]:
                raise ReaderError(path, f"region {name!r}: detector {d} (shift {shifts[d]:g}) falls outside the "
                                        "recorded channels")
            total += raw[j, d]
        scans.append(total)
    if not scans:
        raise ReaderError(path, f"region {name!r}: no counts recorded")
    ke = ke0 + delta * np.arange(n)
    be = np.round(hv - ke, 9)
    meta = {"excitation_energy_eV": hv, "energy": "binding = hv - kinetic", "pass_energy_eV": ep,
            "dwell_time_s": dwell, "scans": len(scans), "scans_declared": declared_scans,
            "detectors": nd, "group": group, "intensity_unit": "counts"}
    note = f"{name}: {len(scans)} of {declared_scans} scans summed, {nd} detectors combined, BE = {hv:g} eV − KE"
    return XPSRegion(name=name, binding_energy_eV=be, counts=np.sum(scans, axis=0), metadata=meta), note


def parse(path: Path) -> XPSAcquisition:
    """Parse every region of every group of a SpecsLab XML export."""
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as exc:
        raise ReaderError(path, f"not well-formed XML ({exc})") from None
    regions, notes = [], []
    for group in root.iter("struct"):
        if group.get("type_name") != "RegionGroup":
            continue
        gname = _named(group, "name")
        gname = (gname.text or "").strip() if gname is not None else ""
        seq = _named(group, "regions")
        for rd in (seq if seq is not None else []):
            if rd.get("type_name") == "RegionData":
                region, note = _region(path, rd, gname)
                regions.append(region)
                notes.append(note)
    if not regions:
        raise ReaderError(path, "no RegionData in the file")
    hvs = {r.metadata["excitation_energy_eV"] for r in regions}
    return XPSAcquisition(source=str(path), instrument="specs-xml", regions=tuple(regions),
                          excitation_energy_eV=hvs.pop() if len(hvs) == 1 else None, notes=tuple(notes))


@register("specs-xml", extensions=(".xml",), kinds=("xps",), sniff=_sniff, priority=-10)
def read(path: Path, kind: str) -> list[XPSAcquisition]:
    """Registry entry: one export is one acquisition."""
    return [parse(path)]
