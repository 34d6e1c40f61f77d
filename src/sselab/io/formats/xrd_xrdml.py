"""PANalytical .xrdml (XML, schema 1.0–2.1; also compressed .xrdml.gz/.xrdml.bz2) — 2θ scans as counts.

Written here rather than through xrayutilities' ``XRDMLFile`` because that reader divides every
scan by its counting time (counts/s, so σ = √I would be wrong by √t), ignores
``beamAttenuationFactors`` for ``<intensities>`` files' σ, spreads 2θ evenly over however many
numbers it finds (a scan with missing counts gets a stretched 2θ scale) and flattens area scans
into one long "pattern".  What this reader does:

* ``<counts>`` (raw detector counts) × ``beamAttenuationFactors`` = intensity; σ = √counts × factor.
* ``<intensities>`` (schema ≥ 1.5: counts already corrected for attenuation) = intensity;
  σ = √(intensity × factor) when factors are listed, else √intensity.
* 2θ from ``listPositions`` (count must match) or evenly between ``startPosition`` and
  ``endPosition``; for a position-sensitive detector in scanning mode the step implied by the
  point count must divide the detector's ``activeLength`` (PIXcel 255, X'Celerator 127 channels) —
  when it does not, numbers are missing or extra and the file is refused.
* Area measurements (ω × 2θ maps) are refused as patterns; :func:`read_area_map` returns them as maps.
* Scans that are 2θ-only at fixed 2θ (rocking curves) are refused.

Examples
--------
>>> _sniff(Path("x.xrdml"), b'<?xml version="1.0"?><xrdMeasurements')
True
"""

from __future__ import annotations

import bz2
import gzip
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ...exceptions import ReaderError
from ...measurements import DiffractionPattern
from ..registry import register
from .xrd_common import make_pattern

#: Largest decompressed .xrdml.gz/.xrdml.bz2 accepted (bytes).
MAX_XML_BYTES = 256 * 1024 * 1024


def _sniff(path: Path, head: bytes) -> bool:
    return b"<xrdMeasurements" in head


def _tag(el: ET.Element) -> str:
    return el.tag.rsplit("}", 1)[-1]


def _kids(el: ET.Element, name: str) -> list[ET.Element]:
    return [c for c in el if _tag(c) == name]


def _kid(el: ET.Element, name: str) -> ET.Element | None:
    return next((c for c in el if _tag(c) == name), None)


def _numbers(path: Path, el: ET.Element, what: str) -> np.ndarray:
    try:
        return np.array([float(t) for t in (el.text or "").split()])
    except ValueError:
        bad = next(t for t in (el.text or "").split() if not _isnum(t))
        raise ReaderError(path, f"<{what}> holds a non-number {bad[:20]!r}") from None


def _isnum(t: str) -> bool:
    try:
        float(t)
        return True
    except ValueError:
        return False


def _root(path: Path) -> ET.Element:
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        try:
            with gzip.open(path, "rb") as fh:
                raw = fh.read(MAX_XML_BYTES + 1)
        except (OSError, EOFError) as exc:
            raise ReaderError(path, f"cannot decompress gzip: {exc}") from None
    elif raw[:3] == b"BZh":
        try:
            raw = bz2.BZ2Decompressor().decompress(raw, MAX_XML_BYTES + 1)
        except (OSError, ValueError) as exc:
            raise ReaderError(path, f"cannot decompress bzip2: {exc}") from None
    if len(raw) > MAX_XML_BYTES:
        raise ReaderError(path, f"decompresses to more than {MAX_XML_BYTES // 2**20} MB; refused")
    try:
        return ET.fromstring(raw)
    except ET.ParseError as exc:
        raise ReaderError(path, f"malformed or truncated XML: {exc}") from None


def _wavelengths(meas: ET.Element) -> tuple[tuple[float, ...], float | None]:
    used = _kid(meas, "usedWavelength")
    if used is None:
        return (), None
    vals = {}
    for name in ("kAlpha1", "kAlpha2", "ratioKAlpha2KAlpha1"):
        el = _kid(used, name)
        if el is not None and _isnum((el.text or "").strip()):
            vals[name] = float(el.text)
    wl = tuple(vals[k] for k in ("kAlpha1", "kAlpha2") if k in vals)
    return wl, vals.get("ratioKAlpha2KAlpha1")


def _axes(path: Path, points: ET.Element, n: int, label: str) -> dict[str, np.ndarray | float]:
    out: dict[str, np.ndarray | float] = {}
    for pos in _kids(points, "positions"):
        name = pos.get("axis", "")
        lst, start, end, common = (_kid(pos, k) for k in ("listPositions", "startPosition", "endPosition", "commonPosition"))
        if lst is not None:
            vals = _numbers(path, lst, f"{name} listPositions")
            if vals.size != n:
                raise ReaderError(path, f"{label}: {vals.size} {name} positions but {n} intensities (numbers missing)")
            out[name] = vals
        elif start is not None and end is not None:
            out[name] = np.linspace(float(start.text), float(end.text), n)
        elif common is not None:
            out[name] = float(common.text)
    return out


def _psd_check(path: Path, meas: ET.Element, x: np.ndarray, label: str) -> str | None:
    """For a scanning PSD the 2θ step must divide the detector's active length."""
    det = next((e for e in meas.iter() if _tag(e) == "detector"), None)
    if det is None:
        return None
    mode, active = _kid(det, "mode"), _kid(det, "activeLength")
    if mode is None or (mode.text or "").strip() != "Scanning" or active is None or x.size < 50:
        return None
    text = (active.text or "").strip()
    step = (x[-1] - x[0]) / (x.size - 1)
    channels = float(text) / step
    decimals = len(text.split(".")[1]) if "." in text else 0
    tol = max(0.6 * 10.0**-decimals / step, 0.005) + channels * 2e-6
    if abs(channels - round(channels)) > tol:
        raise ReaderError(
            path,
            f"{label}: {x.size} intensities between 2θ {x[0]:.4f} and {x[-1]:.4f}° give a step of {step:.6f}°, "
            f"which does not divide the detector's active length {text}° ({channels:.2f} channels): "
            "counts are missing or extra, so 2θ cannot be assigned",
        )
    return f"2θ step {step:.7f}° = active length {text}°/{round(channels)} channels"


def _scan_data(path: Path, scan: ET.Element, label: str) -> tuple[dict, np.ndarray, np.ndarray, list[str]]:
    points = _kid(scan, "dataPoints")
    if points is None:
        raise ReaderError(path, f"{label}: no <dataPoints>")
    notes: list[str] = []
    ints, cnts = _kid(points, "intensities"), _kid(points, "counts")
    if ints is None and cnts is None:
        raise ReaderError(path, f"{label}: neither <intensities> nor <counts>")
    y = _numbers(path, ints if ints is not None else cnts, "intensities" if ints is not None else "counts")
    att_el = _kid(points, "beamAttenuationFactors")
    att = np.ones_like(y)
    if att_el is not None:
        att = _numbers(path, att_el, "beamAttenuationFactors")
        if att.size != y.size:
            raise ReaderError(path, f"{label}: {att.size} beamAttenuationFactors but {y.size} intensities")
        if np.any(att <= 0):
            raise ReaderError(path, f"{label}: beamAttenuationFactors ≤ 0")
    if ints is not None:
        sigma = np.sqrt(np.maximum(y * att, 1.0))  # raw counts = intensities / factor
        notes.append("<intensities> read as counts (already corrected for attenuation)")
    else:
        sigma = np.sqrt(np.maximum(y, 1.0)) * att
        y = y * att
        if att_el is not None:
            notes.append(f"<counts> × beamAttenuationFactors (up to {att.max():g}) = intensity")
        else:
            notes.append("<counts> read as counts")
    axes = _axes(path, points, y.size, label)
    ct = _kid(points, "commonCountingTime")
    if ct is not None:
        notes.append(f"counting time {float(ct.text):g} s per step")
    return axes, y, sigma, notes


@register("xrd-xrdml", [".xrdml", ".xrdml.gz", ".xrdml.bz2"], ["diffraction"], sniff=_sniff, priority=1)
def read(path: Path, kind: str) -> list[DiffractionPattern]:
    root = _root(path)
    if _tag(root) != "xrdMeasurements":
        raise ReaderError(path, f"root element <{_tag(root)}>, not <xrdMeasurements>")
    out = []
    for m_i, meas in enumerate(_kids(root, "xrdMeasurement")):
        mtype = meas.get("measurementType", "Scan")
        scans = _kids(meas, "scan")
        if "Area" in mtype or "Map" in mtype:
            raise ReaderError(
                path, f"measurement {m_i} is an {mtype.lower()} ({len(scans)} scans stepped in "
                f"{meas.get('measurementStepAxis', '?')}): a map, not a powder pattern; use sselab.io.formats.xrd_xrdml.read_area_map",
            )
        wl, ratio = _wavelengths(meas)
        wl_notes = []
        if ratio == 0.0 and wl:
            wl, wl_notes = wl[:1], ["Kα2/Kα1 ratio 0 in the file: Kα1 only (monochromator)"]
        for s_i, scan in enumerate(scans):
            label = f"scan {s_i}" + (f" of measurement {m_i}" if m_i else "")
            axes, y, sigma, notes = _scan_data(path, scan, label)
            x = axes.get("2Theta")
            if not isinstance(x, np.ndarray):
                raise ReaderError(
                    path, f"{label}: 2θ is not scanned (scan axis {scan.get('scanAxis', '?')}; "
                    f"scanned axes: {', '.join(k for k, v in axes.items() if isinstance(v, np.ndarray)) or 'none'})",
                )
            warnings = []
            status = scan.get("status", "Completed")
            if status != "Completed":
                warnings.append(f"{label} status {status!r}: the scan did not finish")
            psd = _psd_check(path, meas, x, label)
            notes = [f"{label} of {len(scans)} ({mtype})"] + notes + wl_notes
            notes.append(psd or "2θ spread evenly between start and end positions (the file stores no step)")
            meta = {"scan_axis": scan.get("scanAxis", ""), "measurement_type": mtype, "kalpha2_ratio": ratio}
            if isinstance(axes.get("Omega"), float):
                meta["omega_deg"] = axes["Omega"]
            out.append(make_pattern(path, "xrd-xrdml", x, y, sigma, wavelength_A=wl, notes=notes,
                                    warnings=warnings, metadata=meta, label=label))
    if not out:
        raise ReaderError(path, "XRDML file holds no scan")
    return out


@dataclass(frozen=True)
class AreaMap:
    """An ω × 2θ area scan: one row per scan (``omega_deg[i]``), 2θ [deg] and counts per row."""

    omega_deg: np.ndarray
    two_theta_deg: np.ndarray
    counts: np.ndarray
    wavelength_A: tuple[float, ...]


def read_area_map(path: str | Path) -> AreaMap:
    """Read an XRDML area measurement (reciprocal-space map) as 2-D arrays.

    Raises
    ------
    ReaderError
        Not an area measurement, or scans of unequal length.
    """
    path = Path(path)
    root = _root(path)
    meas = next((m for m in _kids(root, "xrdMeasurement") if "Area" in m.get("measurementType", "")), None)
    if meas is None:
        raise ReaderError(path, "no area measurement in this XRDML file")
    om, tt, yy = [], [], []
    for s_i, scan in enumerate(_kids(meas, "scan")):
        axes, y, _, _ = _scan_data(path, scan, f"scan {s_i}")
        o = axes.get("Omega")
        x = axes.get("2Theta")
        if not isinstance(x, np.ndarray):
            raise ReaderError(path, f"scan {s_i}: 2θ is not scanned")
        om.append(o if isinstance(o, float) else float(np.mean(o)))
        tt.append(x)
        yy.append(y)
    if len({len(t) for t in tt}) != 1:
        raise ReaderError(path, "scans of the map have different lengths")
    return AreaMap(np.array(om), np.array(tt), np.array(yy), _wavelengths(meas)[0])
