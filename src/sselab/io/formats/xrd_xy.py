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
from ..fastblock import foreign_line, loadtxt_block
from ..registry import register
from .xrd_common import make_pattern

_EXT = (".xy", ".xye", ".dat", ".xy.bz2", ".xye.bz2", ".xy.gz", ".xye.gz", ".dat.bz2")
#: A .csv is any table: read as a powder pattern unasked only when its head names the angle.
_CSV_EXT = (".csv", ".csv.gz")
_CSV_EVIDENCE = ("2theta", "2-theta", "2θ", "two_theta", "twotheta", "theta", "angle", "[measurement conditions]")
_TOKEN = re.compile(r"[-+]?((\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?|nan|inf(inity)?)", re.I)
_SPLIT = re.compile(r"[\s,;]+")
#: Largest decompressed file accepted (bytes).
MAX_BYTES = 256 * 1024 * 1024


def decompressed_bytes(path: Path) -> bytes:
    """The file's bytes, inflated when it ends in .bz2/.gz, at most ``MAX_BYTES`` (one clear
    error beyond: a compressed bomb never fills the memory)."""
    name = path.name.lower()
    try:
        if name.endswith(".bz2"):
            raw = bz2.BZ2Decompressor().decompress(path.read_bytes(), MAX_BYTES + 1)
        elif name.endswith(".gz"):
            with gzip.open(path, "rb") as fh:
                raw = fh.read(MAX_BYTES + 1)
        else:
            raw = path.read_bytes()
    except (OSError, EOFError, ValueError) as exc:
        raise ReaderError(path, f"cannot decompress: {exc}") from None
    if len(raw) > MAX_BYTES:
        raise ReaderError(path, f"more than {MAX_BYTES // 2**20} MB of text; refused")
    return raw


def _text(path: Path) -> str:
    raw = decompressed_bytes(path)
    if b"\x00" in raw[:4096]:
        raise ReaderError(path, "binary content, not a text column file")
    return raw.decode("utf-8", errors="replace")


def _row(line: str) -> list[float] | None:
    tokens = _SPLIT.split(line.strip())
    if len(tokens) < 2 or not all(_TOKEN.fullmatch(t) for t in tokens):
        return None
    return [float(t) for t in tokens]


_EDGE_SEP = re.compile(r"(?:^|\n)[ \t]*[,;]|[,;][ \t]*(?:\n|$)")


def _fast_rows(lines: list[str]) -> tuple[int, np.ndarray] | None:
    """(number of header lines, rows) when everything after the header is rows of numbers:
    one ``numpy.loadtxt`` call on the block after the last line holding a byte no number has
    (``None``, and the line-by-line pass, when any line above is a row or the call fails)."""
    first = foreign_line(lines) + 1
    if first >= len(lines) or any(_row(ln) is not None for ln in lines[:first]):
        return None
    block = "\n".join(lines[first:])
    if '"' in block or (("," in block or ";" in block) and _EDGE_SEP.search(block)):
        return None
    probe = next((ln for ln in lines[first:] if ln.strip()), "")
    width = len(_SPLIT.split(probe.strip()))
    if width < 2:
        return None
    data = loadtxt_block(block.replace(",", " ").replace(";", " "), None, width)
    return None if data is None else (first, data)


def _decimals(line: str) -> list[int]:
    return [len(t.split(".")[1]) if "." in t and "e" not in t.lower() else -1 for t in _SPLIT.split(line.strip())]


def _cut_last_row(text: str, lines: list[str], rows: list[list[float]], kept: list[str]) -> str | None:
    """Why the last row looks cut (file ends without a line end inside a number), or None."""
    if text.endswith(("\n", "\r")) or len(rows) < 3:
        return None
    last, prev = rows[-1], rows[-2]
    if len(last) < len(prev):
        return f"has {len(last)} of {len(prev)} columns"
    d_last, d_prev, d_prev2 = _decimals(kept[-1]), _decimals(kept[-2]), _decimals(kept[-3])
    for c, (a, b, b2) in enumerate(zip(d_last, d_prev, d_prev2)):
        if b == b2 and b >= 0 and a < b:
            return f"column {c + 1} has {max(a, 0)} decimals where every other row has {b}"
    return None


def _panalytical_wavelengths(header: list[str]) -> tuple[tuple[float, ...], str | None]:
    """PANalytical CSV exports name K-Alpha1/K-Alpha2 wavelengths and their ratio."""
    kv = {}
    for line in header:
        parts = [p.strip() for p in line.split(",")]
        if len(parts) >= 2 and re.fullmatch(r"[\d.]+", parts[1]):
            kv[parts[0].lower()] = float(parts[1])
    a1, a2, ratio = kv.get("k-alpha1 wavelength"), kv.get("k-alpha2 wavelength"), kv.get("ratio k-alpha2/k-alpha1")
    if a1 is None:
        return (), None
    if a2 is None or ratio == 0:
        return (a1,), "PANalytical header: Kα1 only (Kα2/Kα1 ratio 0)" if ratio == 0 else None
    return (a1, a2), f"PANalytical header: Kα1 {a1} Å, Kα2 {a2} Å, ratio {ratio:g}"


def _csv_sniff(path: Path, head: bytes) -> bool:
    """Positive evidence that a .csv holds a powder pattern: the head names 2θ/angle (a
    header-less two-column CSV may as well be an XPS spectrum in kinetic energy, #15)."""
    if path.name.lower().endswith(".gz"):
        return False  # compressed: no readable head, the user states the kind
    text = head.decode("utf-8", errors="replace").lower()
    return any(word in text for word in _CSV_EVIDENCE)


@register("xrd-csv", _CSV_EXT, ["diffraction"], sniff=_csv_sniff, priority=0)
def read_csv(path: Path, kind: str) -> list[DiffractionPattern]:
    """A .csv powder pattern: the same parsing as :func:`read` (claimed unasked only on a header
    naming the angle; ``kind="diffraction"`` reads a header-less one)."""
    return read(path, kind)


@register("xrd-xy", _EXT, ["diffraction"], priority=0)
def read(path: Path, kind: str) -> list[DiffractionPattern]:
    text = _text(path)
    header: list[str] = []
    rows: list[list[float]] = []
    kept: list[str] = []
    warnings: list[str] = []
    lines = text.splitlines()
    fast = _fast_rows(lines)
    for n, line in enumerate(lines, 1):
        if fast is not None and n > fast[0]:
            break  # the rows below were converted in one call
        if not line.strip():
            continue
        row = _row(line)
        if row is not None:
            rows.append(row)
            kept.append(line)
        elif not rows:
            header.append(line)
        elif line.lstrip().startswith(("#", "!", ";")):
            continue
        elif n == len(lines) and not text.endswith(("\n", "\r")) and _TOKEN.fullmatch(line.strip()):
            warnings.append(f"last row {line.strip()[:40]!r} dropped: one number where rows have {len(rows[-1])} (file cut?)")
        else:
            raise ReaderError(path, f"line {n}: not numeric: {line.strip()[:60]!r}")
    if fast is not None:
        kept = []
        for ln in reversed(lines[fast[0]:]):  # the last three rows, for the cut-row check
            if ln.strip():
                kept.insert(0, ln)
                if len(kept) == 3:
                    break
        rows = [[float(t) for t in _SPLIT.split(ln.strip())] for ln in kept]
    cut = _cut_last_row(text, lines, rows, kept)
    if cut:
        warnings.append(f"last row {kept[-1].strip()[:40]!r} dropped: the file ends inside it ({cut}; file cut?)")
        rows, kept = rows[:-1], kept[:-1]
    if fast is not None:
        data = fast[1][:-1] if cut else fast[1]
    else:
        if len(rows) < 2:
            raise ReaderError(path, "fewer than two numeric rows of 2θ and intensity")
        if any(len(r) != len(rows[0]) for r in rows):
            short = next(i for i, r in enumerate(rows) if len(r) != len(rows[0]))
            raise ReaderError(path, f"rows have different numbers of columns (row {short + 1}: {kept[short].strip()[:40]!r})")
        data = np.array(rows)
    if data.shape[0] < 2:
        raise ReaderError(path, "fewer than two numeric rows of 2θ and intensity")
    width = data.shape[1]
    x, y = data[:, 0], data[:, 1]
    sigma = data[:, 2] if width >= 3 else None
    notes = []
    if sigma is not None and np.any(sigma[np.isfinite(sigma)] <= 0):
        notes.append(f"third column not used as σ: {int(np.sum(sigma <= 0))} values ≤ 0")
        sigma = None
    head = " ".join(header).lower()
    wavelength, wl_note = _panalytical_wavelengths(header)
    if wl_note:
        notes.append(wl_note)
    m = re.search(r"(?:wavelength|lambda)\D{0,10}(\d+\.\d+)", head)
    lines_unknown = False
    if m and not wavelength:
        wavelength = (float(m.group(1)),)
        lines_unknown = True  # a bare number: Kα1 of a tube (with Kα2) or one line; the file does not say
    if re.search(r"\bq\b|q\s*\(|1/a|a\^-1|nm\^-1", head) and "2theta" not in head.replace(" ", ""):
        lam = wavelength[0] if wavelength else 1.540598
        if np.any(x * lam / (4 * math.pi) >= 1):
            raise ReaderError(path, f"Q column exceeds 4π/λ for λ = {lam} Å")
        x = 2 * np.degrees(np.arcsin(x * lam / (4 * math.pi)))
        notes.append(f"first column read as Q [1/Å], converted to 2θ with λ = {lam} Å")
    if np.all(np.isfinite(x)) and np.any(np.diff(x) < 0) and len(np.unique(x)) == x.size:
        order = np.argsort(x)
        x, y = x[order], y[order]
        sigma = sigma[order] if sigma is not None else None
        notes.append("sorted by 2θ")
    notes.append("σ from the third column" if sigma is not None else "no σ column")
    return [
        make_pattern(path, "xrd-xy", x, y, sigma, wavelength_A=wavelength, notes=notes, warnings=warnings,
                     metadata={"header": header[:20], "wavelength_lines_unknown": lines_unknown})
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
