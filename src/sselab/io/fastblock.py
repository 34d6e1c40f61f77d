"""One-call conversion of a block of numeric rows (the readers' fast path).

A text reader finds where its rows of numbers start, then converts them all with one
``numpy.loadtxt`` call (C speed; its parser takes decimal numbers, inf and nan as whole
fields and nothing else, so the whole-token rule of :func:`sselab.io.columns.to_float` holds);
when that call fails the reader goes line by line to name the bad row.

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
import warnings

import numpy as np

#: bytes no row of numbers holds (digits, signs, point/comma, exponent, nan/inf letters,
#: quotes, blanks and the delimiters can be in one; every non-ASCII byte is foreign)
NOT_ROW = np.ones(256, dtype=bool)
NOT_ROW[np.frombuffer(b'0123456789.,;+-eEnNaAiIfFtTyY"\t \n', dtype=np.uint8)] = False



def loadtxt_block(text: str | bytes, delimiter: str | None, ncol: int,
                  usecols: list[int] | None = None) -> np.ndarray | None:
    """``text`` as one float array by a single ``numpy.loadtxt`` call (its C parser takes decimal
    numbers, inf and nan as whole fields, nothing else), or ``None`` when a field is not a number
    or the array is not ``ncol`` wide; the caller then goes line by line to name the culprit."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            raw = text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass")
            data = np.loadtxt(io.BytesIO(raw), delimiter=delimiter, comments=None, ndmin=2,
                              dtype=float, usecols=usecols, encoding="utf-8")
    except ValueError:
        return None
    return data if data.shape[1] == ncol else None


def foreign_line(lines: list[str]) -> int:
    """Index of the last line holding a byte no row of numbers has (-1 if none), found in C."""
    raw = "\n".join(lines).encode("utf-8", "surrogatepass")
    bad = np.flatnonzero(NOT_ROW[np.frombuffer(raw, dtype=np.uint8)])
    return -1 if not bad.size else raw.count(b"\n", 0, int(bad[-1]))
