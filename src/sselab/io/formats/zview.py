"""ZPlot/ZView (Scribner) ``.z`` impedance files.

The header runs to ``End Comments``; then come the column names (``Freq(Hz)  Ampl  Bias
Time(Sec)  Z'(a)  Z''(b)  GD  Err  Range``, absent in old files, where that standard order is
assumed) and tab- or comma-separated rows.  "Z60W Data File" exports (Autolab's ZPlot-style
``.txt``) have no ``End Comments``: the quoted column-name line is found by meaning and the
integer line before it is the declared number of points.  A declared count (``Data Points:
n``) that differs from the rows read is a ``declared_count_mismatch`` warning.  Z'' is signed in this format (capacitive < 0); the
sign check of :mod:`sselab.io.spectrum_columns` still runs and says what it found.

Examples
--------
>>> from sselab.io import read
>>> read("Circuit1_EIS_1.z")[0].n_points     # doctest: +SKIP
48
"""

from __future__ import annotations

import re
from pathlib import Path

from ...exceptions import ReaderError
from ..checks import declared_count, make_spectrum, table_reasons
from ..columns import parse_table, read_text
from ..header_meta import temperature_from_lines
from ..registry import register
from ..spectrum_columns import impedance_from_parts

NAME = "zview"
_STANDARD = ["Freq(Hz)", "Ampl", "Bias", "Time(Sec)", "Z'(a)", "Z''(b)", "GD", "Err", "Range"]


def sniff(path: Path, head: bytes) -> bool:
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n\"")
    return start.startswith((b"ZPLOT", b"Z60W")) or b"Measured Data, ZPlot" in head


_DECLARED = re.compile(r"Data Points:\s*(\d+)", re.I)


def _no_end_comments(lines: list[str], path: Path) -> tuple[int, int | None]:
    """(index of the column-name line, declared count) of a "Z60W Data File" (ZPlot-style
    export written by Autolab and others) without ``End Comments``: the column names are
    the quoted line naming Freq and Z'; the line before it, when a bare integer, is the
    number of points."""
    for i, ln in enumerate(lines[:200]):
        if "freq" in ln.lower() and "z'" in ln.lower():
            prev = lines[i - 1].strip() if i > 0 else ""
            return i, int(prev) if prev.isdigit() else None
    raise ReaderError(path, "no 'End Comments' line and no column-name line (Freq, Z', Z''): "
                      "not a ZPlot/ZView file, or a truncated header")


def _index(header: list[str], pattern: str, path: Path) -> int:
    for i, name in enumerate(header):
        if re.fullmatch(pattern, name.strip().replace(" ", ""), re.I):
            return i
    raise ReaderError(path, f"no column matching {pattern!r} among {', '.join(header)}")


@register(NAME, (".z",), ("spectrum",), sniff=sniff, priority=10)
def read(path: Path, kind: str | None = None) -> list:
    """Read the spectrum of a ZPlot/ZView ``.z`` file."""
    text = read_text(path)
    lines = text.splitlines()
    end = next((i for i, ln in enumerate(lines) if ln.strip().lower().startswith("end comments")), None)
    declared = None
    if end is None:
        names_at, declared = _no_end_comments(lines, path)
        header_lines = lines[:names_at]
        block = [lines[names_at].strip().strip('"')] + lines[names_at + 1 :]
        how = "no 'End Comments' (Z60W export): column names found by meaning"
    else:
        header_lines = lines[:end]
        block = lines[end + 1 :]
        how = ""
        # the column-name line may sit just before "End Comments" (ZView 3) or just after it
        if end > 0 and "Freq" in lines[end - 1] and "Z'" in lines[end - 1]:
            block = [lines[end - 1]] + block
        m = _DECLARED.search("\n".join(header_lines))
        declared = int(m.group(1)) if m else None
    if block and "freq" in block[0].lower():
        block[0] = "\t".join(_split_names(block[0]))
    table = parse_table("\n".join(block), path, min_columns=6)
    header = table.header or _STANDARD[: table.data.shape[1]]
    fi = _index(header, r"freq.*", path)
    if table.header and len(table.header) != table.data.shape[1]:
        header = _STANDARD[: table.data.shape[1]]
    ri = _index(header, r"z'(\(.*\))?", path)
    ii = _index(header, r"z''(\(.*\))?", path)
    z, notes = impedance_from_parts(table.data[:, ri], table.data[:, ii], header[ii])
    notes = [
        "ZPlot/ZView .z" + ("" if table.header else " without column names (standard column order assumed)"),
        f"frequency from {header[fi]!r} [Hz], Z' from {header[ri]!r}, Z'' from {header[ii]!r} [Ω]",
    ] + ([how] if how else []) + notes + ["points in the file's order"]
    more, reasons = table_reasons(table)
    notes += more
    if declared is not None and declared != table.data.shape[0]:
        reasons.append(declared_count(declared, table.data.shape[0], "the header"))
        notes.append(reasons[-1].message)
    return [make_spectrum(path, table.data[:, fi], z, instrument=NAME, notes=notes, reasons=reasons,
                          temperature_K=temperature_from_lines(l for l in header_lines if "Temp" in l))]


def _split_names(line: str) -> list[str]:
    """Column names of a ZPlot header line: tab/comma separated, or blank separated where a
    name itself may hold one blank (``Freq (Hz)``, ``Time(Sec)``)."""
    line = line.strip().strip('"')
    if "\t" in line or "," in line:
        return [n.strip() for n in re.split(r"[\t,]", line) if n.strip()]
    return [n.strip() for n in re.split(r"\s{2,}", line) if n.strip()]
