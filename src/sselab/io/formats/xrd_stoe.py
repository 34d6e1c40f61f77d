"""STOE WinXPOW binary .raw (``RAW_1.06Powdat``), the diffractometer of the reference paper.

Hand-written (no maintained Python reader; xrayutilities has none).  Little-endian layout in
512-byte blocks, as described by the public ComPlat converter and checked on a real file
(aimat-lab/xrdpattern ``stoe.raw``): magic at 0; Kα1, Kα2 wavelengths at 0x142 (two float32);
the intensity block starts at D = (uint16 @0x1DC − uint16 @0x1DA) × 512; in the block before it,
the point count (uint16 @D−0x1DE), 2θ start/end/step (float32 @D−0x1D4, @D−0x1CC, @D−0x1C4) and
the minimum/maximum intensity (uint32 @D−0x188, @D−0x184); then one uint32 count per point.

A range is accepted only when the point count agrees with start/end/step and the intensities'
minimum and maximum agree with the header's — a layout this reader does not know is refused,
never read as something else.  Only single-range files are read.

Examples
--------
>>> _sniff(Path("a.raw"), b"RAW_1.06Powdat\\x00\\x00")
True
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np

from ...exceptions import ReaderError
from ...measurements import DiffractionPattern
from ..registry import register
from .xrd_common import make_pattern, poisson_sigma

BLOCK = 512


def _sniff(path: Path, head: bytes) -> bool:
    return head.startswith(b"RAW_1.06Powdat") or head.startswith(b"RAW_1.0")


@register("xrd-stoe-raw", [".raw"], ["diffraction"], sniff=_sniff, priority=2)
def read(path: Path, kind: str) -> list[DiffractionPattern]:
    buf = path.read_bytes()
    magic = buf[:14].split(b"\x00")[0].decode("latin-1", "replace")
    if not magic.startswith("RAW_1.0"):
        raise ReaderError(path, f"not a STOE raw file (starts {magic!r})")
    if magic != "RAW_1.06Powdat":
        raise ReaderError(path, f"STOE raw variant {magic!r} is not supported (only RAW_1.06Powdat); export .xy from WinXPOW")
    if len(buf) < 2 * BLOCK:
        raise ReaderError(path, f"file of {len(buf)} bytes is shorter than a STOE header (truncated)")
    lam1, lam2 = struct.unpack_from("<2f", buf, 0x142)
    total, data_blocks = struct.unpack_from("<H", buf, 0x1DC)[0], struct.unpack_from("<H", buf, 0x1DA)[0]
    at = (total - data_blocks) * BLOCK
    if not (BLOCK <= at < len(buf)):
        raise ReaderError(path, f"header block counters ({total}, {data_blocks}) point outside the file ({len(buf)} bytes; truncated?)")
    (n,) = struct.unpack_from("<H", buf, at - 0x1DE)
    start, _, end, _, step, _ = struct.unpack_from("<6f", buf, at - 0x1D4)
    i_min, i_max = struct.unpack_from("<2I", buf, at - 0x188)
    if not (np.isfinite([start, end, step]).all() and step > 0 and end > start and n >= 2):
        raise ReaderError(path, f"scan range header is not a 2θ range (start {start}, end {end}, step {step}, {n} points)")
    if abs(round((end - start) / step) + 1 - n) > 1:
        raise ReaderError(path, f"{n} points do not fit 2θ {start:g}–{end:g}° in steps of {step:g}°")
    if at + 4 * n > len(buf):
        raise ReaderError(path, f"file ends inside the intensity block ({len(buf)} bytes, needs {at + 4 * n}): truncated")
    y = np.frombuffer(buf, "<u4", count=n, offset=at).astype(float)
    if i_max and (y.min() != i_min or y.max() != i_max):
        raise ReaderError(path, f"intensities (min {y.min():g}, max {y.max():g}) disagree with the header ({i_min}, {i_max}): unknown layout or corrupt file")
    x = np.linspace(start, end, n)
    wl = tuple(float(f"{w:.6g}") for w in (lam1, lam2) if 0.1 < w < 5)
    sample = buf[0x20:0x130].split(b"\x00")[0].decode("latin-1", "replace").strip()
    notes = [f"STOE {magic}: {n} points, step {step:.6g}°", f"title: {sample}" if sample else "no title",
             "the file records no Kα2/Kα1 ratio: with a Ge(111) primary monochromator (STADI P) state Kα1 only"]
    if abs((x[1] - x[0]) - step) > 1e-4 * step:
        notes.append(f"2θ spread evenly between {start:g} and {end:g}° (step {(end - start) / (n - 1):.6g}°)")
    return [make_pattern(path, "xrd-stoe-raw", x, y, poisson_sigma(y), wavelength_A=wl, notes=notes,
                         metadata={"title": sample})]
