"""VersaStudio (Princeton Applied Research / AMETEK: VersaSTAT, PARSTAT, PMC) ``.par`` files.

A ``.par`` is an INI-like text of ``<Section>`` blocks (``<Application>``, ``<Instrument>``,
``<Action0>``...); the data sit in ``<SegmentN>`` blocks: ``Type``, ``Version``, a
``Definition=`` line naming the comma-separated columns (``Segment #, Point #, E(V), I(A),
Elapsed Time(s), ..., Frequency(Hz), ..., Z Real, Z Imag, ...``, ending in a stray ``0``),
then one row per point.  Each segment with ``Frequency(Hz)``, ``Z Real`` and ``Z Imag``
columns is one impedance spectrum (Z'' signed: capacitive < 0).  Segments without them
(DC techniques) are not read yet: a file holding only those is refused, saying so.

No maintained Python library reads ``.par``: pyimpspec has an application-internal
function (GPL), galvani and yadg do not cover it; hence this small strict reader.  Rows must
have one value per named column and every value must be a whole number token; the last
row of a segment cut short (no closing tag) is dropped with a ``rows_dropped`` warning,
a malformed row before it is a :class:`~sselab.exceptions.ReaderError` naming its line.

Examples
--------
>>> from sselab.io import read
>>> read("pyimpspec__data.par")[0].n_points     # doctest: +SKIP
29
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from ...exceptions import ReaderError
from ..checks import dropped_rows, make_spectrum
from ..columns import read_text
from ..registry import register

NAME = "versastudio-par"
_NUMBER = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")
_OPEN = re.compile(r"<(Segment\d+)>", re.I)


def sniff(path: Path, head: bytes) -> bool:
    """An ``<Application>`` block naming VersaStudio, or a ``<Segment1>`` with a ``Definition=``."""
    text = head.replace(b"\x00", b"")
    return text.lstrip(b"\xef\xbb\xbf \r\n").startswith(b"<Application>") and (
        b"VersaStudio" in text or b"<Instrument>" in text or b"<Segment" in text)


def _blocks(lines: list[str]) -> list[tuple[str, int, list[str], bool]]:
    """(name, 1-based line of the first body line, body lines, closed?) of every ``<SegmentN>``."""
    out = []
    i = 0
    while i < len(lines):
        m = _OPEN.fullmatch(lines[i].strip())
        if not m:
            i += 1
            continue
        name, start = m.group(1), i + 1
        close = f"</{name}>".lower()
        j = start
        while j < len(lines) and lines[j].strip().lower() != close and not _OPEN.fullmatch(lines[j].strip()):
            j += 1
        closed = j < len(lines) and lines[j].strip().lower() == close
        out.append((name, start + 1, lines[start:j], closed))
        i = j + 1 if closed else j
    return out


def _columns(definition: str) -> list[str]:
    names = [n.strip() for n in definition.split(",")]
    while names and _NUMBER.fullmatch(names[-1]):  # VersaStudio ends the list with a stray "0"
        names.pop()
    return names


def _segment(path: Path, name: str, first: int, body: list[str], closed: bool) -> tuple[dict, list] | None:
    """The columns of one segment as arrays, or None when it is not an impedance segment."""
    defn = next((k for k, ln in enumerate(body) if ln.lower().startswith("definition=")), None)
    if defn is None:
        raise ReaderError(path, f"{name}: no Definition= line naming the columns")
    cols = _columns(body[defn].split("=", 1)[1])
    want = {"f": "Frequency(Hz)", "re": "Z Real", "im": "Z Imag"}
    if not all(w in cols for w in want.values()):
        return None
    rows: list[list[float]] = []
    reasons = []
    data = [(first + k, ln) for k, ln in enumerate(body) if k > defn and ln.strip()]
    for n, (line_no, ln) in enumerate(data):
        tokens = [t.strip() for t in ln.split(",")]
        good = len(tokens) == len(cols) and all(_NUMBER.fullmatch(t) for t in tokens)
        if good:
            rows.append([float(t) for t in tokens])
            continue
        if n == len(data) - 1 and not closed:  # the file ends inside this row
            reasons.append(dropped_rows(1, f"{name}: last line {line_no} is cut short (no </{name}>)"))
            break
        why = f"{len(tokens)} values for {len(cols)} columns" if len(tokens) != len(cols) else "a value is not a number"
        raise ReaderError(path, f"{name} line {line_no}: {why}")
    if not rows:
        raise ReaderError(path, f"{name}: no complete data row")
    arr = np.array(rows)
    return {k: arr[:, cols.index(v)] for k, v in want.items()}, reasons


@register(NAME, (".par",), ("spectrum",), sniff=sniff, priority=10)
def read(path: Path, kind: str | None = None) -> list:
    """Read every impedance segment of a VersaStudio ``.par`` file (one spectrum each)."""
    lines = read_text(path).splitlines()
    if not lines or lines[0].lstrip("\ufeff").strip() != "<Application>":
        raise ReaderError(path, "does not start with <Application>: not a VersaStudio .par file")
    blocks = _blocks(lines)
    if not blocks:
        raise ReaderError(path, "no <SegmentN> data block (an experiment saved without data?)")
    out, skipped = [], []
    for name, first, body, closed in blocks:
        got = _segment(path, name, first, body, closed)
        if got is None:
            skipped.append(name)
            continue
        cols, reasons = got
        notes = [f"VersaStudio .par {name}: frequency from 'Frequency(Hz)', Z' from 'Z Real', "
                 "Z'' from 'Z Imag' [Ω]"] + [r.message for r in reasons]
        if skipped:
            notes.append(f"segments without impedance columns not read: {', '.join(skipped)}")
        out.append(make_spectrum(path, cols["f"], cols["re"] + 1j * cols["im"], instrument=NAME, notes=notes,
                                 reasons=reasons, label=name if len(blocks) > 1 else ""))
    if not out:
        raise ReaderError(path, f"{', '.join(skipped)}: no Frequency(Hz)/Z Real/Z Imag columns; only the "
                          "impedance segments of .par files are read (export DC data as text/CSV)")
    return out
