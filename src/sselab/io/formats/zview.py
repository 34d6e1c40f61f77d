"""ZPlot/ZView (Scribner) ``.z`` impedance files.

The header runs to ``End Comments``; then come the column names (``Freq(Hz)  Ampl  Bias
Time(Sec)  Z'(a)  Z''(b)  GD  Err  Range``, absent in old files, where that standard order is
assumed) and tab- or comma-separated rows.  Z'' is signed in this format (capacitive < 0); the
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
from ..checks import make_spectrum
from ..columns import parse_table, read_text
from ..header_meta import temperature_from_lines
from ..registry import register
from ..spectrum_columns import impedance_from_parts

NAME = "zview"
_STANDARD = ["Freq(Hz)", "Ampl", "Bias", "Time(Sec)", "Z'(a)", "Z''(b)", "GD", "Err", "Range"]


def sniff(path: Path, head: bytes) -> bool:
    return head.lstrip().startswith(b"ZPLOT") or b"Measured Data, ZPlot" in head


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
    if end is None:
        raise ReaderError(path, "no 'End Comments' line: not a ZPlot/ZView .z file, or truncated header")
    header_lines = lines[:end]
    block = lines[end + 1 :]
    # the column-name line may sit just before "End Comments" (ZView 3) or just after it
    if end > 0 and "Freq" in lines[end - 1] and "Z'" in lines[end - 1]:
        block = [lines[end - 1]] + block
    table = parse_table("\n".join(block), path, min_columns=6)
    header = table.header or _STANDARD[: table.data.shape[1]]
    fi = _index(header, r"freq.*", path)
    ri = _index(header, r"z'(\(.*\))?", path)
    ii = _index(header, r"z''(\(.*\))?", path)
    z, notes = impedance_from_parts(table.data[:, ri], table.data[:, ii], header[ii])
    notes = [
        "ZPlot/ZView .z" + ("" if table.header else " without column names (standard column order assumed)"),
        f"frequency from {header[fi]!r} [Hz], Z' from {header[ri]!r}, Z'' from {header[ii]!r} [Ω]",
    ] + notes + ["points in the file's order"]
    return [make_spectrum(path, table.data[:, fi], z, instrument=NAME, notes=notes,
                          temperature_K=temperature_from_lines(l for l in header_lines if "Temp" in l))]
