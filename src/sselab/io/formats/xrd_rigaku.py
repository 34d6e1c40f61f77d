"""Rigaku powder patterns: .ras (text, also .ras.bz2/.ras.gz) and .rasx (zip of Profile*.txt + XML).

Hand-written: xrayutilities' ``RASFile`` reads .ras but returns the intensity column without its
attenuator factor and takes the declared point count on trust (a short block silently yields a
short scan); it does not read .rasx.  Both layouts are simple:

* .ras — per scan ``*RAS_HEADER_START`` … ``*RAS_HEADER_END`` (``*KEY "value"`` lines), then
  ``*RAS_INT_START`` … ``*RAS_INT_END`` rows of ``2θ intensity factor``.
* .rasx — ``Data<i>/Profile<j>.txt`` (tab-separated ``2θ intensity factor``) and
  ``Data<i>/MesurementConditions<j>.xml`` (``ScanInformation``: axis, unit, speed, step, count;
  ``XrayGenerator``: Kα wavelengths and ``WaveType``).

Intensity = column 2 × column 3 (the attenuator factor); σ = √(column 2) × factor.  A scan in
``cps`` is converted to counts with the counting time step/speed.  The declared point count
(``MEAS_DATA_COUNT`` / ``DataCount``) must match the rows read.  ``WaveType``/``WAVE_TYPE`` ``Ka1``
means a monochromated Kα1 beam (one wavelength), otherwise Kα1+Kα2.

Examples
--------
>>> _header_value('*MEAS_SCAN_STEP "0.0040000000"')
('MEAS_SCAN_STEP', '0.0040000000')
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np

from ...exceptions import ReaderError
from ...measurements import DiffractionPattern
from ..registry import register
from ..safezip import open_zip, read_member
from .xrd_common import make_pattern

_TWO_THETA_AXES = ("2-theta", "twotheta", "2theta")


def _header_value(line: str) -> tuple[str, str]:
    key, _, val = line[1:].partition(" ")
    return key.strip(), val.strip().strip('"')


def _rows(path: Path, lines: list[str], label: str, first_line: int) -> np.ndarray:
    rows = []
    for k, line in enumerate(lines):
        parts = line.replace(",", " ").split()
        if not parts:
            continue
        try:
            vals = [float(t) for t in parts]
        except ValueError:
            raise ReaderError(path, f"{label}: line {first_line + k}: not numeric: {line.strip()[:60]!r}") from None
        if len(vals) < 2:
            raise ReaderError(path, f"{label}: line {first_line + k}: fewer than two numbers")
        rows.append(vals[:3] if len(vals) >= 3 else vals + [1.0])
    if not rows:
        raise ReaderError(path, f"{label}: no data rows")
    return np.array(rows)


def _build(path: Path, reader: str, data: np.ndarray, meta: dict, label: str, declared: int | None,
           wl: tuple[float, ...], notes: list[str]) -> DiffractionPattern:
    axis = meta.get("axis", "")
    if axis and not any(a in axis.lower().replace(" ", "") for a in _TWO_THETA_AXES):
        raise ReaderError(path, f"{label}: scan axis {axis!r} is not 2θ (a rocking curve or other scan, not a pattern)")
    if declared is not None and declared != data.shape[0]:
        raise ReaderError(path, f"{label}: header declares {declared} points but {data.shape[0]} rows were read (file cut or edited)")
    x, raw, fac = data[:, 0], data[:, 1], data[:, 2]
    unit = meta.get("unit", "counts").lower()
    if unit == "cps":
        speed, step = meta.get("speed"), meta.get("step")
        if not speed or not step:
            raise ReaderError(path, f"{label}: intensities in cps but no scan speed/step to know the counting time")
        t = step / speed * 60.0
        raw = raw * t
        notes.append(f"cps × counting time {t:g} s (step {step:g}° / {speed:g}°/min) = counts")
    y = raw * fac
    sigma = np.sqrt(np.maximum(raw, 1.0)) * fac
    if np.any(fac != 1):
        notes.append(f"intensity × attenuator factor (up to {fac.max():g})")
    return make_pattern(path, reader, x, y, sigma, wavelength_A=wl, notes=notes, label=label,
                        metadata={"scan_axis": axis})


def _wl(a1: str | None, a2: str | None, wave_type: str | None, notes: list[str]) -> tuple[float, ...]:
    vals = [float(v) for v in (a1, a2) if v and re.fullmatch(r"[\d.]+", v) and float(v) > 0]
    if wave_type and wave_type.strip().lower() == "ka1" and vals:
        notes.append("wave type Kα1 (monochromated): one wavelength")
        return tuple(vals[:1])
    return tuple(vals)


def _ras_text(path: Path) -> str:
    from .xrd_xy import decompressed_bytes

    return decompressed_bytes(path).decode("latin-1")


@register("xrd-rigaku-ras", [".ras", ".ras.bz2", ".ras.gz"], ["diffraction"],
          sniff=lambda p, h: h.lstrip().startswith(b"*RAS_DATA_START"), priority=1)
def read_ras(path: Path, kind: str) -> list[DiffractionPattern]:
    lines = _ras_text(path).splitlines()
    out = []
    i = 0
    while i < len(lines):
        if not lines[i].startswith("*RAS_HEADER_START"):
            i += 1
            continue
        head: dict[str, str] = {}
        i += 1
        while i < len(lines) and not lines[i].startswith("*RAS_HEADER_END"):
            if lines[i].startswith("*"):
                k, v = _header_value(lines[i])
                head[k] = v
            i += 1
        while i < len(lines) and not lines[i].startswith("*RAS_INT_START"):
            i += 1
        start = i + 1
        j = start
        while j < len(lines) and not lines[j].startswith("*RAS_INT_END"):
            j += 1
        label = f"scan {len(out)}"
        if j >= len(lines):
            raise ReaderError(path, f"{label}: no *RAS_INT_END (file cut)")
        data = _rows(path, lines[start:j], label, start + 1)

        def num(key: str) -> float | None:
            v = head.get(key, "")
            return float(v) if re.fullmatch(r"[-+]?[\d.]+(e[-+]?\d+)?", v, re.I) else None

        declared = num("MEAS_DATA_COUNT")
        notes = [f"{label}: {head.get('MEAS_SCAN_AXIS_X', '?')} scan"]
        wl = _wl(head.get("HW_XG_WAVE_LENGTH_ALPHA1"), head.get("HW_XG_WAVE_LENGTH_ALPHA2"),
                 head.get("MEAS_COND_XG_WAVE_TYPE"), notes)
        meta = {"axis": head.get("MEAS_SCAN_AXIS_X", ""), "unit": head.get("MEAS_SCAN_UNIT_Y", "counts"),
                "speed": num("MEAS_SCAN_SPEED"), "step": num("MEAS_SCAN_STEP")}
        out.append(_build(path, "xrd-rigaku-ras", data, meta, label, None if declared is None else int(declared), wl, notes))
        i = j + 1
    if not out:
        raise ReaderError(path, "no *RAS_HEADER_START … *RAS_INT_END scan in this file")
    return out


def _xml_text(root: ET.Element, name: str) -> str | None:
    el = next((e for e in root.iter() if e.tag.rsplit("}", 1)[-1] == name), None)
    return None if el is None or el.text is None else el.text.strip()


@register("xrd-rigaku-rasx", [".rasx"], ["diffraction"], priority=1)
def read_rasx(path: Path, kind: str) -> list[DiffractionPattern]:
    with open_zip(path) as z:  # member sizes, ratio and encryption checked before inflating
        infos = {i.filename: i for i in z.infolist()}
        profiles = sorted(n for n in infos if re.fullmatch(r"Data\d+/Profile\d+\.txt", n))
        if not profiles:
            raise ReaderError(path, "RASX archive has no Data*/Profile*.txt")
        parts = []
        for n in profiles:
            conds = [re.sub(r"Profile(\d+)\.txt$", rf"{w}Conditions\1.xml", n) for w in ("Mesurement", "Measurement")]
            cond = next((c for c in conds if c in infos), None)
            parts.append((n, read_member(z, n, path), read_member(z, cond, path) if cond else None))
    out = []
    for name, prof, cond in parts:
        label = name
        notes = [name]
        meta: dict = {}
        declared = None
        wl: tuple[float, ...] = ()
        if cond is not None:
            try:
                root = ET.fromstring(cond)
            except ET.ParseError as exc:
                raise ReaderError(path, f"{name}: malformed conditions XML: {exc}") from None
            step_axis = _xml_text(root, "StepAxisName")  # set in <RSMInformation> of a reciprocal-space map
            if step_axis and len(parts) > 1:
                raise ReaderError(path, f"area measurement ({len(parts)} scans stepped in {step_axis}, "
                                        "<RSMInformation>): a reciprocal-space map, not a powder pattern")
            scan = next((e for e in root.iter() if e.tag.rsplit("}", 1)[-1] == "ScanInformation"), root)

            def num(key: str) -> float | None:
                v = _xml_text(scan, key)
                try:
                    return float(v) if v else None
                except ValueError:
                    return None

            meta = {"axis": _xml_text(scan, "AxisName") or "", "unit": _xml_text(scan, "IntensityUnit") or "counts",
                    "speed": num("Speed"), "step": num("Step")}
            dc = num("DataCount")
            declared = None if dc is None else int(dc)
            wl = _wl(_xml_text(root, "WavelengthKalpha1"), _xml_text(root, "WavelengthKalpha2"),
                     _xml_text(root, "WaveType"), notes)
        else:
            notes.append("no measurement-conditions XML: wavelength unknown")
        text = prof.decode("utf-8-sig", errors="replace")
        data = _rows(path, text.splitlines(), label, 1)
        out.append(_build(path, "xrd-rigaku-rasx", data, meta, label, declared, wl, notes))
    return out
