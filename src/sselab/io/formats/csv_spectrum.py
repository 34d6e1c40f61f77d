"""Impedance spectra in CSV/TXT tables with auto-detected columns, units and sign of Z''.

Accepted layouts: a header with frequency and either Z'/Re(Z) + Z''/Im(Z)/−Im(Z) or |Z| + phase
(units in the header: Hz/mHz/kHz/MHz, Ω/kΩ/MΩ, deg/rad); a headerless 3-column table f, Z',
Z'' (impedance.py's ``exampleData.csv``; Elchemea Analytical ``.i2b``: free-text lines, a point
count, then f, Z', Z'' rows); comma, semicolon, tab or blank separated; decimal
commas with non-comma separators; a free-text preamble (a ``Temperature: 60 °C`` line there
sets ``temperature_K``).  Points keep the file's order.

Examples
--------
>>> from sselab.io import read
>>> spectra = read("exampleData.csv")          # doctest: +SKIP
>>> spectra[0].notes[0]                        # doctest: +SKIP
"no header: columns taken as f [Hz], Z' [Ω], Z'' [Ω]"
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from ...exceptions import ReaderError
from ...verdict import Reason
from ..checks import has_duplicates, make_spectrum, table_reasons
from ..columns import parse_table, read_text
from ..header_meta import area_from_lines, temperature_from_lines
from ..registry import register
from ..spectrum_columns import headerless_impedance, impedance_columns, looks_like_impedance_header

NAME = "csv-spectrum"
_SPLIT = re.compile(r"[\t;,]|\s{2,}")


def _header_fields(line: str) -> list[str]:
    return [f.strip().strip('"').strip() for f in _SPLIT.split(line.strip()) if f.strip().strip('"')]


def sniff(path: Path, head: bytes) -> bool:
    """Positive evidence only: a header line naming, by meaning, a frequency and either
    Z'/Z'' or |Z|/phase; or a headerless 3-column numeric table whose first column is
    positive, monotonic and spans at least a decade (a frequency sweep)."""
    if b"\x00" in head or head.startswith((b"EC-Lab", b"BT-Lab", b"EXPLAIN")) or b"ZPLOT" in head[:20] or b"Z60W" in head[:40]:
        return False
    text = head.decode("latin-1", errors="replace")
    lines = text.splitlines()[:-1] or text.splitlines()  # the last line of the 4 kB head may be cut
    for line in lines[:80]:
        for fields in (_header_fields(line), line.split()):
            if 2 <= len(fields) <= 40 and looks_like_impedance_header(fields):
                return True
    return _headerless_sweep(lines)


def _is_sweep(f: np.ndarray) -> bool:
    """A frequency sweep: positive, monotonic, spanning at least a decade."""
    d = np.diff(f)
    return bool(f.size and (f > 0).all() and ((d < 0).all() or (d > 0).all()) and f.max() / f.min() >= 10)


def _headerless_sweep(lines: list[str]) -> bool:
    rows = []
    for line in lines:
        parts = [p for p in re.split(r"[\s,;]+", line.strip()) if p]
        if not parts:
            continue
        try:
            rows.append([float(p) for p in parts])
        except ValueError:
            return False
    if len(rows) < 5 or any(len(r) != 3 for r in rows):
        return False
    return _is_sweep(np.array([r[0] for r in rows]))


def _sweeps(f: np.ndarray, keys: list[np.ndarray]) -> list[np.ndarray]:
    """Index arrays of each sweep: split where a key (loop/cycle column) changes or the
    frequency goes back against the sweep direction (a new sweep starts)."""
    n = f.size
    cut = np.zeros(n, dtype=bool)
    for key in keys:
        cut[1:] |= key[1:] != key[:-1]
    step = np.diff(np.log(f))
    direction = np.sign(np.median(step)) if step.size else -1.0
    cut[1:] |= np.sign(step) == -(direction or -1.0)
    return np.split(np.arange(n), np.flatnonzero(cut))


_KEYS = re.compile(r"^(loop(_?index)?|cycle(number)?|sweep|spectrum|zcycle|ns)$")


@register(NAME, (".csv", ".txt", ".tsv", ".dat", ".i2b"), ("spectrum",), sniff=sniff, priority=1)
def read(path: Path, kind: str | None = None) -> list:
    """Read the spectra of a delimited text table (see the module doc).

    Rows with a frequency of exactly 0 (a DC segment before the sweep, separator rows between
    sweeps) are dropped and counted in the notes; a NaN, infinite or negative frequency is an
    error naming the point (damage, never dropped silently).  Several sweeps in one table (a loop/cycle column that
    changes, or the frequency restarting) become one spectrum each.
    """
    return spectra_from_text(read_text(path), path, NAME)


def spectra_from_text(text: str, path: Path, instrument: str, first_notes: tuple[str, ...] = ()) -> list:
    """The spectra of a delimited table given as text (shared with the spreadsheet reader)."""
    table = parse_table(text, path)
    if table.header is None:
        f, z, notes = headerless_impedance(table.data, path)
        key_cols: list[int] = []
    else:
        f, z, notes = impedance_columns(table.header, table.data, path)
        key_cols = [i for i, h in enumerate(table.header) if _KEYS.match(h.strip().lower().replace(" ", ""))]
    notes[:0] = list(first_notes) or [f"{table.delimiter_name}-separated table, {table.data.shape[0]} rows"]
    if table.decimal_comma:
        notes.append("decimal commas")
    more, reasons = table_reasons(table)
    notes += more
    if table.header is None and not _is_sweep(f[f != 0]):
        # read only because the kind was stated (sniff wants a sweep): say what the column is not
        reasons.append(Reason(
            "not_a_frequency_sweep", f"no header, and column 1 ({f.min():g} to {f.max():g}) is not a frequency sweep "
            "(positive, monotonic, a decade or more): is this an impedance spectrum?", "warning"))
    zero = f == 0
    kept: slice | np.ndarray = slice(None)  # every row kept: views, no copies (make_spectrum copies what it keeps)
    if zero.any():
        kept = ~zero
        notes.append(f"{int(zero.sum())} of {f.size} rows with frequency 0 (DC points or separators between sweeps) dropped")
    keys = [table.data[kept, i] for i in key_cols]
    f, z = f[kept], z[kept]
    if f.size == 0:
        raise ReaderError(path, "no row with a positive frequency")
    segments = _sweeps(f, keys) if has_duplicates(f) or keys else [slice(None)]
    if len(segments) > 1:
        how = f"changes of {', '.join(repr(table.header[i]) for i in key_cols)} and " if key_cols else ""
        notes.append(f"{len(segments)} sweeps, split on {how}frequency restarts")
    notes.append("points in the file's order")
    temperature = temperature_from_lines(table.preamble)
    area = area_from_lines(table.preamble)
    return [
        make_spectrum(
            path, f[seg], z[seg], instrument=instrument, notes=notes, reasons=reasons,
            temperature_K=temperature, area_cm2=area,
            metadata={"spectrum_index": k} if len(segments) > 1 else None,
            label=f"spectrum {k + 1} of {len(segments)}" if len(segments) > 1 else "",
        )
        for k, seg in enumerate(segments)
    ]
