"""One-call conversion of a block of numeric rows (the readers' fast path).

A text reader finds where its rows of numbers start, then converts them all with one
``numpy.loadtxt`` call (C speed; its parser takes decimal numbers, inf and nan as whole
fields and nothing else, so the whole-token rule of :func:`sselab.io.columns.to_float` holds);
when that call fails the reader goes line by line to name the bad row.

Before ``loadtxt``, a block whose bytes are only digits, signs, points, exponents, the
delimiter and blanks is read as one JSON array of rows by ``orjson`` (:func:`_json_rows`,
6× faster: 20 vs 120 µs for 100 rows of 3 numbers).  Its float parser is correctly rounded, as
``loadtxt``'s is (checked bit for bit on 3 million numbers of written spectra and 320,000
17-to-30-digit and exact halfway decimals, tests/io/test_io_fastblock.py); JSON's number syntax
is a subset of what ``loadtxt`` takes, so a block it reads is one ``loadtxt`` reads to the same
array, and anything else (``nan``, ``+1``, ``.5``, ``1.``, ``1e400``, a blank line, ragged rows)
makes it give up and ``loadtxt`` decide, as before.  ``-0`` (an integer to JSON, so +0.0) is
the one JSON number whose value would differ: a block holding it goes to ``loadtxt``.

Examples
--------
>>> loadtxt_block("1 2\\n3 4\\n", None, 2).tolist()
[[1.0, 2.0], [3.0, 4.0]]
>>> loadtxt_block("1 2\\n3 x\\n", None, 2) is None
True
>>> foreign_line(["f (Hz) Z", "1 2", "3 4"])
0
"""

from __future__ import annotations

import io
import re
import warnings
from itertools import chain

import numpy as np

from .fields import _numeric, _split

try:  # the fast path only; without orjson every block goes to numpy.loadtxt
    from orjson import loads as _json_loads
except ImportError:  # pragma: no cover - orjson is a pinned dependency
    _json_loads = None

#: the bytes a row of numbers can hold (digits, signs, point/comma, exponent, nan/inf letters,
#: quotes, blanks and the delimiters; any other byte, non-ASCII ones too, is foreign)
ROW_BYTES = b'0123456789.,;+-eEnNaAiIfFtTyY"\t \n'


def last_foreign(raw: bytes) -> int:
    """Index of the last byte of ``raw`` no row of numbers holds (-1 if none): ``bytes.rstrip``
    walks back over the row bytes in C and copies only what is left (the header)."""
    return len(raw.rstrip(ROW_BYTES)) - 1



def loadtxt_block(text: str | bytes, delimiter: str | None, ncol: int,
                  usecols: list[int] | None = None, offset: int = 0) -> np.ndarray | None:
    """``text`` as one float array by a single ``numpy.loadtxt`` call (its C parser takes decimal
    numbers, inf and nan as whole fields, nothing else), or ``None`` when a field is not a number
    or the array is not ``ncol`` wide; the caller then goes line by line to name the culprit.
    ``offset``: the byte where the block starts in ``text``."""
    raw = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    data = _json_rows(raw[offset:] if offset else raw, delimiter, usecols)
    if data is not None:
        return data if data.shape[1] == ncol else None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            buf = io.BytesIO(raw)
            buf.seek(offset)  # the block starts there (no copy of the bytes before it is needed)
            data = np.loadtxt(buf, delimiter=delimiter, comments=None, ndmin=2,
                              dtype=float, usecols=usecols, encoding="utf-8")
    except ValueError:
        return None
    return data if data.shape[1] == ncol else None


#: the bytes of a block of JSON numbers separated by commas and blanks (no letters but exponents)
_JSON_BYTES = b"0123456789.+-eE,\t\r\n "
#: ``-0`` as a whole JSON integer (orjson gives the integer 0, loadtxt -0.0)
_MINUS_ZERO = re.compile(rb"-0(?![0-9.eE])")
#: blanks at the start and end of lines, and runs of blanks (blank-separated tables)
_EDGE_BLANKS = re.compile(rb"^[ \t]+|[ \t]+$", re.M)
_BLANK_RUNS = re.compile(rb"[ \t]+")


def _json_rows(block: bytes, delimiter: str | None, usecols: list[int] | None) -> np.ndarray | None:
    """``block`` (rows of numbers, one per line) as a 2-D float array parsed by orjson as one JSON
    array of rows, or ``None`` when it is not made of JSON numbers only, the rows are ragged or
    a line is blank: then :func:`numpy.loadtxt` decides (see the module docs for why both agree)."""
    if _json_loads is None:
        return None
    if delimiter is None:
        if b"," in block:
            return None
        block = _BLANK_RUNS.sub(b",", _EDGE_BLANKS.sub(b"", block))
    elif delimiter != ",":
        if len(delimiter) != 1 or b"," in block or delimiter.encode() not in b"\t;":
            return None
        block = block.replace(delimiter.encode(), b",")
    block = block.rstrip()
    if not block or block.translate(None, _JSON_BYTES) or (b"-0" in block and _MINUS_ZERO.search(block)):
        return None
    try:
        rows = _json_loads(b"[[" + block.replace(b"\n", b"],[") + b"]]")
        ncol = len(rows[0])
        if ncol == 0 or len(set(map(len, rows))) != 1:  # ragged, or a blank line
            return None
        data = np.fromiter(chain.from_iterable(rows), float, len(rows) * ncol).reshape(len(rows), ncol)
    except (ValueError, TypeError, OverflowError):  # orjson.JSONDecodeError is a ValueError
        return None
    if usecols is not None:
        try:
            data = data[:, usecols]
        except IndexError:
            return None
    return data


#: the bytes of a block of plain numbers with each delimiter (no blanks, quotes, nan/inf or decimal commas)
_PLAIN_BLOCK = {d: b"0123456789.+-eE\n" + d.encode() for d in (",", ";", "\t")}
#: line breaks of ``str.splitlines`` other than ``\n``
_OTHER_BREAKS = ("\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029")
#: how far down :func:`header_block` looks for the header
_HEAD_LINES = 100
#: the first bytes a row of plain numbers can have
_ROW_START = frozenset(b"0123456789+-.")


def header_block(text: str, min_columns: int = 2) -> tuple[list[str], np.ndarray, list[str], str, int] | None:
    """The common table in one pass: (header fields, data, preamble lines, delimiter, line number
    of the first row) when ``text`` is a header line (within the first :data:`_HEAD_LINES`), then
    only rows of plain numbers in JSON's syntax separated by one ``,``, ``;`` or tab, at least 3
    of them, all as wide, each ending in ``\n``; the header has as many fields, is not numbers
    and holds a byte no row of numbers has; no line above it is numbers; no line break but
    ``\n`` anywhere.  ``None`` otherwise, and :func:`sselab.io.columns.parse_table` decides line
    by line.  On such a text that reading finds the same: its one-call block starts after the
    same line (the last with a foreign byte, :func:`last_foreign`), is parsed by the same orjson
    numbers (:func:`_json_rows`), and its delimiter choice has one candidate (the rows split into
    one field on every other delimiter and on blanks); tests/io/test_io_fast_tables.py compares."""
    raw = text.encode("utf-8", "surrogatepass")
    if _json_loads is None or not raw.endswith(b"\n") or raw.endswith(b"\n\n"):
        return None
    start = raw.find(b"\n") + 1
    for _ in range(_HEAD_LINES):  # the first line that starts with a number after a line with a foreign byte
        if start <= 0 or start >= len(raw):
            return None
        if raw[start] in _ROW_START:
            if last_foreign(raw[:start]) > raw.rfind(b"\n", 0, start - 1):  # as it is when the rest is rows
                break
        start = raw.find(b"\n", start) + 1
    else:
        return None
    block = raw[start:]
    first = block[:block.find(b"\n")]
    delim = "," if b"," in first else ";" if b";" in first else "\t" if b"\t" in first else None
    if delim is None or block.translate(None, _PLAIN_BLOCK[delim]):
        return None
    data = _json_rows(block, delim, None)
    if data is None or data.shape[0] < 3 or data.shape[1] < min_columns:
        return None
    ncol = data.shape[1]
    head = text[:len(text) - len(block)]  # the block is ASCII: as many characters as bytes
    if any(sep in head for sep in _OTHER_BREAKS):
        return None
    lines = head.split("\n")[:-1]
    fields = _split(lines[-1], delim)
    if len(fields) != ncol or _numeric(fields, False):
        return None
    preamble = [ln for ln in lines[:-1] if ln.strip()]
    if any(_numeric(_split(ln, delim), False) for ln in preamble):
        return None  # numbers above the header: the line-by-line pass says what is wrong
    return fields, data, preamble, delim, len(lines) + 1


def foreign_line(lines: list[str]) -> int:
    """Index of the last line holding a byte no row of numbers has (-1 if none), found in C."""
    raw = "\n".join(lines).encode("utf-8", "surrogatepass")
    last = last_foreign(raw)
    return -1 if last < 0 else raw.count(b"\n", 0, last)
