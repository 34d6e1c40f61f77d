"""Eco Chemie / Metrohm Autolab FRA ``.dfr`` impedance files (``VERSION8.0`` text).

Layout, as the FRA software writes it and as pyimpspec (``parse_dfr``) reads it: a
``VERSION<n>`` line, the number of points, one line of unknown meaning, then nine lines per
point — frequency [Hz], Z' [Ω], −Z'' [Ω], E_dc, I_dc, time and three more — and a trailer
(dates, flags) that holds no data.  There is no maintained parser beyond pyimpspec's own
function (a GPL application, not a library to depend on), so this is a small strict one.

Strictness: every value of a point must be a whole number token; a file that ends before
the declared number of points is read up to its last complete point with a
``declared_count_mismatch`` and ``rows_dropped`` warning (never a silently short spectrum);
a non-number inside a point is a :class:`~sselab.exceptions.ReaderError` naming the line.

Examples
--------
>>> from sselab.io import read
>>> read("pyimpspec__data.dfr")[0].n_points     # doctest: +SKIP
29
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from ...exceptions import ReaderError
from ..checks import declared_count, dropped_rows, make_spectrum
from ..columns import read_text
from ..registry import register

NAME = "autolab-dfr"
_PER_POINT = 9
_VERSION = re.compile(rb"\A\s*VERSION\d+(\.\d+)?\s*[\r\n]", re.I)
_NUMBER = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")
#: most points a .dfr may declare (FRA sweeps hold tens to a few hundred)
MAX_POINTS = 1_000_000


def sniff(path: Path, head: bytes) -> bool:
    """A ``VERSION<n>`` first line followed by an integer point count."""
    if not _VERSION.match(head):
        return False
    lines = head.split(b"\n", 3)
    return len(lines) > 2 and lines[1].strip().isdigit()


def _number(token: str, path: Path, line: int) -> float:
    if not _NUMBER.fullmatch(token):
        raise ReaderError(path, f"line {line}: {token[:40]!r} is not a number (not an Autolab .dfr point?)")
    return float(token)


@register(NAME, (".dfr",), ("spectrum",), sniff=sniff, priority=10)
def read(path: Path, kind: str | None = None) -> list:
    """Read the impedance spectrum of an Autolab FRA ``.dfr`` file."""
    lines = read_text(path).splitlines()
    if not lines or not re.fullmatch(r"VERSION\d+(\.\d+)?", lines[0].strip(), re.I):
        raise ReaderError(path, "first line is not VERSION<n>: not an Autolab .dfr file")
    version = lines[0].strip()
    if len(lines) < 3 or not lines[1].strip().isdigit():
        raise ReaderError(path, "line 2 should be the number of points")
    declared = int(lines[1].strip())
    if not 0 < declared <= MAX_POINTS:
        raise ReaderError(path, f"line 2 declares {declared} points (expected 1 to {MAX_POINTS})")
    body = lines[3:]
    whole = min(declared, len(body) // _PER_POINT)
    values = np.empty((whole, 3))
    for k in range(whole):
        first = 4 + k * _PER_POINT  # 1-based line number of the point's frequency
        for j in range(_PER_POINT):  # all nine must be numbers: a shifted layout is an error, not data
            v = _number(body[k * _PER_POINT + j].strip(), path, first + j)
            if j < 3:
                values[k, j] = v
    reasons, notes = [], [f"Autolab FRA .dfr ({version}): frequency [Hz], Z' [Ω], -Z'' [Ω] per point"]
    if whole < declared:
        partial = len(body) - whole * _PER_POINT
        reasons.append(declared_count(declared, whole, "line 2"))
        if partial:
            reasons.append(dropped_rows(1, f"the last point has {partial} of its {_PER_POINT} lines (file cut?)"))
        notes += [r.message for r in reasons]
    else:
        trailer = len(body) - whole * _PER_POINT
        if trailer:
            notes.append(f"{trailer} trailer lines after the points (dates, flags) not read")
    z = values[:, 1] - 1j * values[:, 2]
    return [make_spectrum(path, values[:, 0], z, instrument=NAME, notes=notes, reasons=reasons)]
