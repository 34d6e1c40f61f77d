"""Fields of a delimited text row: splitting, the whole-token number rule, and the choice of
delimiter and decimal sign for a table (shared by :mod:`sselab.io.columns` and the readers).

Examples
--------
>>> _split("1,5;2,5;", ";"), to_float("1,5", True)
(['1,5', '2,5'], 1.5)
>>> _choose_delimiter(["f;Z", "1,0;2,5", "2,0;2,4", "3,0;2,3"])
(';', True, 2)
"""

from __future__ import annotations

import re
from functools import lru_cache

_DELIMITERS = ("\t", ";", ",", None)  # None: runs of blanks


def _split(line: str, delim: str | None) -> list[str]:
    if delim is None:
        return line.split()
    fields = [f.strip() for f in line.rstrip("\r\n").split(delim)]
    while fields and fields[-1] == "":  # trailing delimiter (BioLogic writes one)
        fields.pop()
    return fields


#: A number is a whole token: optional sign, digits with one decimal point, optional exponent,
#: or nan/inf.  Python's float() alone would also take "1_000" and stray blanks.
_NUMBER = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?|[-+]?(nan|inf|infinity)", re.I)


def to_float(text: str, decimal_comma: bool) -> float:
    """A number from ``text`` (the whole token); raises ValueError when it is not one."""
    text = text.strip().strip('"').strip()
    if decimal_comma:
        text = text.replace(",", ".")
    if not text:
        raise ValueError("empty field")
    if not _NUMBER.fullmatch(text):
        raise ValueError(f"not a number: {text!r}")
    return float(text)


def _floats(fields: list[str], decimal_comma: bool) -> list[float] | None:
    try:
        return [to_float(f, decimal_comma) for f in fields]
    except ValueError:
        return None


def _numeric(fields: list[str], decimal_comma: bool) -> bool:
    return _floats(fields, decimal_comma) is not None


_NUM_TOKEN = r'\s*"?\s*(?:[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|[-+]?(?:nan|inf|infinity))\s*"?\s*'
_NUM_TOKEN_COMMA = _NUM_TOKEN.replace(r"\d+\.?\d*|\.\d+", r"\d+[.,]?\d*|[.,]\d+")


def _row_regex(delim: str | None, comma: bool, ncol: int) -> re.Pattern:
    """A regex matching one row of ``ncol`` whole-token numbers (trailing delimiter allowed)."""
    tok = f"(?i:{_NUM_TOKEN_COMMA if comma else _NUM_TOKEN})"
    sep = r"\s+" if delim is None else re.escape(delim)
    tail = "" if delim is None else f"(?:{sep}\\s*)*"
    return re.compile(tok + f"(?:{sep}{tok}){{{ncol - 1}}}" + tail)


#: A plain number (ASCII digits, one decimal point, optional exponent): every token it matches
#: is one :func:`to_float` takes, so a row of them needs no per-field check.
_PLAIN = r"[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?"  # one way to match (no backtracking blow-up)
_PLAIN_COMMA = _PLAIN.replace(r"\.", "[.,]")


@lru_cache(maxsize=64)
def _plain_rows(delim: str | None, comma: bool, ncol: int) -> re.Pattern:
    """A regex matching one or more ``\\n``-joined rows of ``ncol`` plain numbers separated by
    ``delim`` (no quotes, no blanks around them; blank-separated: spaces/tabs).  A sufficient
    condition only: a row it matches splits (:func:`_split`) into ``ncol`` fields that are all
    numbers by :func:`to_float`; rows it does not match are checked field by field."""
    num = _PLAIN_COMMA if comma else _PLAIN
    if delim is None:
        row = f"[ \t]*{num}(?:[ \t]+{num}){{{ncol - 1}}}[ \t]*"
    else:
        row = f"{num}(?:{re.escape(delim)}{num}){{{ncol - 1}}}"
    return re.compile(f"{row}(?:\n{row})*")


def _numeric_run(body: list[str], delim: str | None, comma: bool, ncol: int) -> int:
    """How many lines at the end of ``body`` split into ``ncol`` numeric fields: one regex
    match over the whole probe when every line is a plain row, else line by line."""
    if _plain_rows(delim, comma, ncol).fullmatch("\n".join(body)):
        return len(body)
    run = 0
    for ln in reversed(body):
        fields = _split(ln, delim)
        if len(fields) != ncol or not _numeric(fields, comma):
            break
        run += 1
    return run


def _choose_delimiter(lines: list[str]) -> tuple[str | None, bool, int]:
    """Pick the delimiter giving the longest run of numeric lines (same field count >= 2)
    at the end of the file (the last line may be short: a truncated row, reported later).

    Returns (delimiter, decimal_comma, number of columns).
    """
    probe: list[str] = []
    for ln in reversed(lines):  # the last 50 non-blank lines, without a pass over the file
        if ln.strip():
            probe.append(ln)
            if len(probe) == 50:
                break
    probe.reverse()
    if not probe:
        return None, False, 0
    body = probe[:-1] if len(probe) > 1 else probe
    best: tuple[int, str | None, bool, int] = (0, None, False, 0)
    for delim in _DELIMITERS:
        ncol = len(_split(body[-1], delim))
        if ncol < 2:  # a run of one-field lines never wins
            continue
        for comma in ((False,) if delim == "," else (False, True)):
            run = _numeric_run(body, delim, comma, ncol)
            if run > best[0]:
                best = (run, delim, comma, ncol)
    return best[1], best[2], best[3]
