"""Two/three-column powder patterns: .xy, .xye, .csv, .dat (optionally .bz2/.gz compressed),
2θ [deg] (or Q [1/Å] when the header says so) · intensity · σ; and a tiny .xye writer.

Examples
--------
>>> import tempfile, numpy as np
>>> from pathlib import Path
>>> from sselab.measurements import DiffractionPattern
>>> p = Path(tempfile.mkdtemp()) / "a.xye"
>>> _ = write_xye(p, DiffractionPattern(two_theta_deg=np.array([10.0, 10.02]), intensity=np.array([5.0, 6.0])))
>>> read(p, "diffraction")[0].intensity.tolist()
[5.0, 6.0]
"""

from __future__ import annotations

import bz2
import gzip
import io
import math
import re
from pathlib import Path

import numpy as np

from ...exceptions import ReaderError
from ...measurements import DiffractionPattern
from ..registry import register

_EXT = (".xy", ".xye", ".csv", ".dat", ".xy.bz2", ".xye.bz2", ".xy.gz", ".xye.gz", ".dat.bz2", ".csv.gz")
_NUM = re.compile(r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?([\s,;]+[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?)+\s*$")


def _text(path: Path) -> str:
    name = path.name.lower()
    try:
        if name.endswith(".bz2"):
            raw = bz2.decompress(path.read_bytes())
        elif name.endswith(".gz"):
            raw = gzip.decompress(path.read_bytes())
        else:
            raw = path.read_bytes()
    except (OSError, EOFError, ValueError) as exc:
        raise ReaderError(path, f"cannot decompress: {exc}") from None
    if b"\x00" in raw[:4096]:
        raise ReaderError(path, "binary content, not a text column file")
    return raw.decode("utf-8", errors="replace")


@register("xrd-xy", _EXT, ["diffraction"], priority=0)
def read(path: Path, kind: str) -> list[DiffractionPattern]:
    text = _text(path)
    header: list[str] = []
    rows: list[list[float]] = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        if _NUM.match(line):
            rows.append([float(t) for t in re.split(r"[\s,;]+", line.strip())])
        elif not rows:
            header.append(line)
        elif line.lstrip().startswith(("#", "!", ";")):
            continue
        else:
            raise ReaderError(path, f"line {n}: not numeric: {line.strip()[:60]!r}")
    if len(rows) < 2:
        raise ReaderError(path, "fewer than two numeric rows of 2θ and intensity")
    width = min(len(r) for r in rows)
    if width < 2:
        raise ReaderError(path, "needs at least two columns (2θ, intensity)")
    data = np.array([r[:width] for r in rows])
    x, y = data[:, 0], data[:, 1]
    sigma = data[:, 2] if width >= 3 and np.all(data[:, 2] > 0) else None
    notes = []
    head = " ".join(header).lower()
    wavelength: tuple[float, ...] = ()
    m = re.search(r"(?:wavelength|lambda)\D{0,10}(\d+\.\d+)", head)
    if m:
        wavelength = (float(m.group(1)),)
    if re.search(r"\bq\b|q\s*\(|1/a|a\^-1|nm\^-1", head) and "2theta" not in head.replace(" ", ""):
        lam = wavelength[0] if wavelength else 1.540598
        if np.any(x * lam / (4 * math.pi) >= 1):
            raise ReaderError(path, f"Q column exceeds 4π/λ for λ = {lam} Å")
        x = 2 * np.degrees(np.arcsin(x * lam / (4 * math.pi)))
        notes.append(f"first column read as Q [1/Å], converted to 2θ with λ = {lam} Å")
    if np.any(~np.isfinite(x)) or np.any(np.diff(x) == 0):
        raise ReaderError(path, "2θ column has repeated or non-finite values")
    if np.any(x <= 0) or np.any(x >= 180):
        raise ReaderError(path, "first column is not 2θ in degrees (values outside 0–180)")
    if np.any(np.diff(x) < 0):
        order = np.argsort(x)
        x, y = x[order], y[order]
        sigma = sigma[order] if sigma is not None else None
        notes.append("sorted by 2θ")
    notes.append("σ from the third column" if sigma is not None else "no σ column")
    return [
        DiffractionPattern(
            source=str(path), instrument="xrd-xy", two_theta_deg=x, intensity=y, sigma=sigma,
            wavelength_A=wavelength, notes=tuple(notes), metadata={"header": header[:20]},
        )
    ]


def write_xye(path: str | Path, pattern: DiffractionPattern) -> Path:
    """Write 2θ, intensity, σ (σ = √max(I, 1) when the pattern has none)."""
    path = Path(path)
    sigma = pattern.sigma if pattern.sigma is not None else np.sqrt(np.maximum(pattern.intensity, 1.0))
    buf = io.StringIO()
    wl = ", ".join(f"{w:.6f}" for w in pattern.wavelength_A)
    buf.write(f"# 2theta_deg intensity sigma; wavelength_A: {wl}; source: {pattern.source}\n")
    np.savetxt(buf, np.column_stack([pattern.two_theta_deg, pattern.intensity, sigma]), fmt="%.5f %.6g %.6g")
    path.write_text(buf.getvalue())
    return path
