"""Bruker powder patterns: .brml (zipped XML, DIFFRAC.SUITE) and .raw (binary RAW4.00).

No maintained Python reader handled these files (xrayutilities reads neither), so both are
hand-written.  RAW4.00 layout (a walk, not fixed offsets): 61-byte preamble, then
(uint32 type, uint32 length) segments; type 0 or 160 marks a range: scan type text at +32,
float64 start 2θ at +72, float64 step at +80, uint32 points at +88, float64 wavelength at
+112, uint32 datum size at +136 and header-extension size at +140; the data (first float32
of each datum) follow the 160-byte header and its extension.  Type 30 holds the tube
wavelengths (float64 Kα-average, Kα1, Kα2, Kβ, ratio at +72).  Layout as documented by
xylib's ``bruker_raw`` and GSAS-II's importer notes; checked on the shared TiO2.raw.

Examples
--------
>>> _sniff_raw(Path("a.raw"), b"RAW4.00\\x00")
True
"""

from __future__ import annotations

import struct
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np

from ...exceptions import ReaderError
from ...measurements import DiffractionPattern
from ..registry import register
from ..safezip import open_zip, read_member


def _sniff_raw(path: Path, head: bytes) -> bool:
    return head.startswith(b"RAW4.00")


def _sniff_brml(path: Path, head: bytes) -> bool:
    return head.startswith(b"PK") and path.suffix.lower() == ".brml"


@register("xrd-bruker-raw", [".raw"], ["diffraction"], sniff=_sniff_raw, priority=1)
def read_raw(path: Path, kind: str) -> list[DiffractionPattern]:
    buf = path.read_bytes()
    if not buf.startswith(b"RAW4.00"):
        version = buf[:7].split(b"\x00")[0].decode("latin-1", "replace")
        raise ReaderError(path, f"Bruker RAW version {version!r} is not supported (only RAW4.00); export as .brml or .xy")

    def unpack(fmt: str, at: int) -> tuple:
        try:
            return struct.unpack_from(fmt, buf, at)
        except struct.error:
            raise ReaderError(path, f"file ends at byte {len(buf)} inside a record at {at} (truncated)") from None

    wavelengths: tuple[float, ...] = ()
    ratio = 0.5
    out: list[DiffractionPattern] = []
    pos = 61
    while pos + 8 <= len(buf):
        (kind_id,) = unpack("<I", pos)
        if kind_id in (0, 160):
            scan_type = buf[pos + 32 : pos + 56].split(b"\x00")[0].decode("latin-1").strip()
            start, step = unpack("<dd", pos + 72)
            (n,) = unpack("<I", pos + 88)
            datum, extra = unpack("<II", pos + 136)
            data_at = pos + 160 + extra
            end = data_at + datum * n
            if n < 2 or datum < 4 or datum % 4 or end > len(buf) or not np.isfinite(step) or step == 0:
                raise ReaderError(path, f"range at byte {pos} is inconsistent (points {n}, datum {datum} bytes, file {len(buf)} bytes)")
            y = np.frombuffer(buf, np.float32, count=n * datum // 4, offset=data_at).reshape(n, datum // 4)[:, 0].astype(float)
            x = start + step * np.arange(n)
            wl = tuple(w for w in wavelengths[1:3] if w > 0)
            if len(wl) == 2 and ratio == 0:
                wl = wl[:1]
            out.append(
                DiffractionPattern(
                    source=str(path), instrument="xrd-bruker-raw", two_theta_deg=x, intensity=y,
                    sigma=np.sqrt(np.maximum(y, 1.0)), wavelength_A=wl,
                    notes=(f"range {len(out)}: {scan_type}",), metadata={"scan_type": scan_type, "kalpha2_ratio": ratio},
                )
            )
            pos = end
            continue
        (length,) = unpack("<I", pos + 4)
        if length < 8:
            raise ReaderError(path, f"segment at byte {pos} declares length {length} (corrupt file)")
        if kind_id == 30:
            vals = unpack("<5d", pos + 72)
            wavelengths, ratio = vals[:4], vals[4]
        pos += length
    if not out:
        raise ReaderError(path, "RAW4.00 file holds no measurement range")
    return out


@register("xrd-bruker-brml", [".brml"], ["diffraction"], sniff=_sniff_brml, priority=1)
def read_brml(path: Path, kind: str) -> list[DiffractionPattern]:
    with open_zip(path) as z:  # sizes, ratio and encryption checked before inflating
        names = sorted(n for n in z.namelist() if n.split("/")[-1].startswith("RawData") and n.endswith(".xml"))
        if not names:
            raise ReaderError(path, "BRML archive has no RawData*.xml")
        docs = [read_member(z, n, path) for n in names]
    out = []
    for name, doc in zip(names, docs):
        try:
            root = ET.fromstring(doc)
        except ET.ParseError as exc:
            raise ReaderError(path, f"{name}: malformed XML: {exc}") from None
        axes = [a.get("AxisId", "") for a in root.iter("ScanAxisInfo")]
        if "TwoTheta" not in axes:
            raise ReaderError(path, f"{name}: no TwoTheta scan axis (axes: {', '.join(axes) or 'none'})")
        col = 2 + axes.index("TwoTheta")
        rows = [d.text.split(",") for d in root.iter("Datum") if d.text]
        try:
            data = np.array([[float(r[col]), float(r[-1])] for r in rows])
        except (ValueError, IndexError):
            raise ReaderError(path, f"{name}: non-numeric or short <Datum> rows") from None
        if data.shape[0] < 2:
            raise ReaderError(path, f"{name}: fewer than two data points")
        wl = []
        ratio = 0.5
        for tag in ("WaveLengthAlpha1", "WaveLengthAlpha2"):
            el = next(root.iter(tag), None)
            if el is not None and el.get("Value"):
                wl.append(float(el.get("Value")))
        el = next(root.iter("WaveLengthRatio"), None)
        if el is not None and el.get("Value"):
            ratio = float(el.get("Value"))
        if ratio == 0:
            wl = wl[:1]
        x, y = data[:, 0], data[:, 1]
        out.append(
            DiffractionPattern(
                source=str(path), instrument="xrd-bruker-brml", two_theta_deg=x, intensity=y,
                sigma=np.sqrt(np.maximum(y, 1.0)), wavelength_A=tuple(wl),
                notes=(f"{name}",), metadata={"kalpha2_ratio": ratio},
            )
        )
    return out
