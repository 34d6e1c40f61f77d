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
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            buf = io.BytesIO(text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text)
            buf.seek(offset)  # the block starts there (no copy of the bytes before it is needed)
            data = np.loadtxt(buf, delimiter=delimiter, comments=None, ndmin=2,
                              dtype=float, usecols=usecols, encoding="utf-8")
    except ValueError:
        return None
    return data if data.shape[1] == ncol else None


def foreign_line(lines: list[str]) -> int:
    """Index of the last line holding a byte no row of numbers has (-1 if none), found in C."""
    raw = "\n".join(lines).encode("utf-8", "surrogatepass")
    last = last_foreign(raw)
    return -1 if last < 0 else raw.count(b"\n", 0, last)
