"""Column detection shared by the text readers: delimiters, decimal commas, headers, units.

:func:`parse_table` turns the text of a delimited file (CSV, TSV, ``;``-separated, blank
separated, with or without a header, with or without a free-text preamble) into a header and
a float array.  :func:`split_unit` and :func:`unit_factor` turn header names such as
``"Frequency (kHz)"``, ``"Re(Z)/Ohm"`` or ``"I/mA"`` into a name and an SI factor, and
:func:`find_column` picks a column by role (frequency, Z', Z'', |Z|, phase, time, current,
potential).

Examples
--------
>>> table = parse_table("f;Z';Z''\\n1,0;2,5;-3\\n2,0;2,4;-2\\n", "x.csv")
>>> table.header, table.data.shape, table.decimal_comma
(['f', "Z'", "Z''"], (2, 3), True)
>>> split_unit("Frequency (kHz)")
('Frequency', 'kHz')
>>> unit_factor("kHz", "frequency")
1000.0
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import compress
from pathlib import Path

import numpy as np

from ..exceptions import ReaderError
from .fastblock import _OTHER_BREAKS, header_block, last_foreign, loadtxt_block
from .fields import _choose_delimiter, _floats, _numeric, _row_regex, _split, to_float  # noqa: F401  (to_float: re-exported)

_DELIM_NAMES = {"\t": "tab", ";": "semicolon", ",": "comma", None: "blank"}

#: SI factor of each unit, per quantity; looked up case-sensitively first (mHz vs MHz).
UNITS: dict[str, dict[str, float]] = {
    "frequency": {"Hz": 1.0, "mHz": 1e-3, "kHz": 1e3, "MHz": 1e6, "GHz": 1e9},
    "impedance": {
        "Ohm": 1.0, "ohm": 1.0, "Ω": 1.0, "Ohms": 1.0, "ohms": 1.0, "Ω": 1.0,
        "mOhm": 1e-3, "mohm": 1e-3, "mΩ": 1e-3,
        "kOhm": 1e3, "kohm": 1e3, "kΩ": 1e3, "KOhm": 1e3, "Kohm": 1e3, "kΩ": 1e3,
        "MOhm": 1e6, "Mohm": 1e6, "MΩ": 1e6, "MΩ": 1e6, "GOhm": 1e9, "GΩ": 1e9,
    },
    "phase": {"deg": 1.0, "°": 1.0, "degree": 1.0, "degrees": 1.0, "rad": 180.0 / np.pi},
    "time": {"s": 1.0, "sec": 1.0, "Sec": 1.0, "ms": 1e-3, "min": 60.0, "h": 3600.0, "hr": 3600.0, "d": 86400.0},
    "current": {
        "A": 1.0, "mA": 1e-3, "µA": 1e-6, "μA": 1e-6, "uA": 1e-6, "nA": 1e-9, "pA": 1e-12,
    },
    "potential": {"V": 1.0, "mV": 1e-3, "µV": 1e-6, "μV": 1e-6, "uV": 1e-6, "kV": 1e3},
}

_UNIT_RE = re.compile(r"^(?P<name>.*?)(?P<space>\s*)[\(\[](?P<unit>[^()\[\]]*)[\)\]]\s*$")


@dataclass(frozen=True)
class Table:
    """A parsed text table: header names (``None`` if headerless), float data (rows × cols),
    the preamble lines before the header, and what was detected.

    ``declared_rows``: a point count written on its own line between header and numbers
    (RelaxIS, ``.P00``, ZPlot-style exports), else ``None``.  ``dropped``: notes on rows left
    out (a cut last line), each also a reason for the reading's verdict.
    """

    header: list[str] | None
    data: np.ndarray
    preamble: list[str] = field(default_factory=list)
    delimiter: str | None = None
    decimal_comma: bool = False
    first_data_line: int = 1
    declared_rows: int | None = None
    dropped: tuple[str, ...] = ()

    @property
    def delimiter_name(self) -> str:
        return _DELIM_NAMES[self.delimiter]


def read_text(path: Path) -> str:
    """The text of ``path`` (UTF-8, falling back to Latin-1 as instrument software writes)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ReaderError(path, f"cannot open: {exc.strerror or exc}") from None
    if not raw or raw.isspace():  # no copy of a large file
        raise ReaderError(path, "file is empty")
    if b"\x00" in raw[:4096]:
        raise ReaderError(path, "binary file, not a text table (wrong file type?)")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    return text.lstrip("\ufeff")


_EXP = re.compile(r"[eE][-+]?(\d*)$")


def _sig_digits(text: str) -> int:
    mant = _EXP.sub("", text.strip().strip('"')).lstrip("+-").replace(".", "").replace(",", "")
    return len(mant.lstrip("0")) or 1


def _cut_last(fields: list[str], rows_text: list[list[str]]) -> bool:
    """A last line without a line end that was cut inside its last number (``head -c``, a copy
    still being written).  Only the last field can be cut; it is taken as cut when it is
    shorter than its column's fixed width, has fewer exponent digits than every earlier value
    of its column (``1.5e-0`` cut from ``1.5e-03``), or has fewer significant digits than every
    earlier value of a column written at full precision (≥ 6 digits each)."""
    recent = rows_text[-200:]
    if not recent or not fields:
        return False
    j = len(fields) - 1
    f = fields[j]
    col = [r[j] for r in recent if len(r) > j]
    if not col:
        return False
    widths = {len(v) for v in col}
    if len(widths) == 1 and len(f) < next(iter(widths)):
        return True
    exps = [m.group(1) for m in map(_EXP.search, col) if m]
    mine = _EXP.search(f)
    if exps and len(exps) == len(col) and (mine is None or len(mine.group(1)) < min(len(e) for e in exps)):
        return True
    least = min(_sig_digits(v) for v in col)
    return least >= 6 and _sig_digits(f) < least


class _Body:
    """(line index, fields) of the non-blank lines of a table, split on demand."""

    __slots__ = ("lines", "nonblank", "delim")

    def __init__(self, lines: list[str], nonblank: list[int], delim: str | None) -> None:
        self.lines, self.nonblank, self.delim = lines, nonblank, delim

    def __getitem__(self, k: int) -> tuple[int, list[str]]:
        i = self.nonblank[k]
        return i, _split(self.lines[i], self.delim)

    def __len__(self) -> int:
        return len(self.nonblank)


def parse_table(text: str, path: Path | str, min_columns: int = 2) -> Table:
    """Parse a delimited numeric table with an optional header and preamble.

    The data block is the run of numeric lines at the end of the file; the header is the
    last non-blank line before it with the same number of fields (a lone integer between
    them is a declared point count).  Strict: a malformed row with numeric rows before it
    is a :class:`ReaderError` naming the line (never a silent loss of the rows above it); a
    short or non-numeric row inside the block is an error naming the line; a last line
    without a line end that was cut inside a number is dropped and reported in ``dropped``.
    Time and memory are linear in the file size.  The common table (a header, then rows of
    plain numbers) is read in one pass (:func:`sselab.io.fastblock.header_block`).
    """
    quick = header_block(text, min_columns)
    if quick is not None:
        fields, data, preamble, delim, first_row = quick
        return Table([h.strip().strip('"') for h in fields], data, preamble, delim, False, first_row)
    ends_with_newline = text.endswith(("\n", "\r"))
    lines = text.splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
        ends_with_newline = True
    if not lines:
        raise ReaderError(path, "file is empty")
    delim, comma, ncol = _choose_delimiter(lines)
    if ncol < min_columns:
        raise ReaderError(path, f"no table with at least {min_columns} columns found")
    nonblank = list(compress(range(len(lines)), map(str.strip, lines)))
    body = _Body(lines, nonblank, delim)
    fast = _fast_block(lines, nonblank, delim, comma, ncol, text)
    if fast is not None:
        start, data = fast
    else:
        start, data = _careful_block(path, lines, nonblank, body, delim, comma, ncol)
    return _finish(path, lines, nonblank, body, start, data, delim, comma, ncol, ends_with_newline)


def _fast_block(lines: list[str], nonblank: list[int], delim: str | None, comma: bool,
                ncol: int, text: str | None = None) -> tuple[int, np.ndarray] | None:
    """(index into ``nonblank`` where the numeric block starts, its values): the block follows the
    last line holding a byte no row of numbers has (:func:`sselab.io.fastblock.last_foreign`, one
    pass in C) and is converted by ``numpy.loadtxt`` in one call; ``None`` when that conversion
    fails or gives another shape, and then :func:`_careful_block` finds and names the culprit.
    Only fields made of the row bytes reach ``loadtxt``, whose parser takes exactly the numbers
    :data:`_NUMBER` takes among them."""
    if text is not None and not any(sep in text for sep in _OTHER_BREAKS):
        raw = text.encode("utf-8", "surrogatepass")  # its b"\n" are exactly the line breaks of ``lines``
    else:
        raw = "\n".join(lines).encode("utf-8", "surrogatepass")
    last_bad = last_foreign(raw)
    first_line = 0 if last_bad < 0 else raw.count(b"\n", 0, last_bad) + 1
    offset = 0 if last_bad < 0 else raw.find(b"\n", last_bad) + 1  # first byte of first_line
    k0 = bisect_left(nonblank, first_line)
    lead = _split(lines[nonblank[k0]], delim) if k0 < len(nonblank) else []
    if len(lead) == 1 and lead[0].isdigit():  # a declared point count above the rows (RelaxIS, .P00)
        offset = raw.find(b"\n", raw.find(lead[0].encode(), offset)) + 1
        k0 += 1
    if k0 >= len(nonblank) or offset <= 0 and k0 > 0:
        return None
    if k0 >= 2 and len(_split(lines[nonblank[k0 - 1]], delim)) == ncol \
            and _numeric(_split(lines[nonblank[k0 - 2]], delim), comma):
        return None  # a bad row with rows above it: the careful pass names it
    block, start = raw, offset  # no copy of the block unless it must change
    if raw.find(b'"', offset) >= 0:
        block, start = raw[offset:].replace(b'"', b" "), 0
    if delim is not None:
        tail = re.escape(delim.encode())
        if re.search(tail + rb"\s*$", block[-200:]) or re.search(tail + rb"\s*\n", block[start:start + 2000]):
            block = re.sub(rb"(?:\s*" + tail + rb")+[ \t]*$", b"", block[start:], flags=re.M)  # trailing delimiters
            start = 0
    if comma:
        block, start = block[start:].replace(b",", b"."), 0
    data = loadtxt_block(block, delim, ncol, offset=start)
    if data is None or data.shape[0] != len(nonblank) - k0:
        return None
    return k0, data


def _careful_block(path: Path | str, lines: list[str], nonblank: list[int], body, delim: str | None,
                   comma: bool, ncol: int) -> tuple[int, np.ndarray]:
    """The numeric block found line by line from the end (one regex match per line), with an
    error naming the line that breaks it."""
    row_re = _row_regex(delim, comma, ncol)
    start = len(body)
    for k in range(len(body) - 1, -1, -1):
        if row_re.fullmatch(lines[nonblank[k]].strip()):
            start = k
            continue
        lineno, fields = body[k]
        nums = _floats(fields, comma)
        if k == len(body) - 1 and nums is not None and len(fields) < ncol:
            raise ReaderError(path, f"line {lineno + 1} has {len(fields)} fields, expected {ncol} (truncated file?)")
        if len(fields) == ncol and k >= 1 and _numeric(body[k - 1][1], comma):
            bad = next((f for f in fields if not _numeric([f], comma)), fields[0])
            raise ReaderError(path, f"line {lineno + 1}: {bad!r} is not a number")
        break
    if start == len(body):
        raise ReaderError(path, "no numeric data found")
    block = "\n".join(lines[i] for i in nonblank[start:]).replace('"', " ")
    if delim is not None:
        block = block.replace(delim, " ")
    if comma:
        block = block.replace(",", ".")
    return start, np.array(block.split(), dtype=float).reshape(-1, ncol)


def _finish(path: Path | str, lines: list[str], nonblank: list[int], body, start: int, data: np.ndarray,
            delim: str | None, comma: bool, ncol: int, ends_with_newline: bool) -> Table:
    """Cut last line, declared point count, header and preamble around the block at ``start``."""
    dropped: list[str] = []
    if not ends_with_newline and data.shape[0] > 1:
        last_fields = body[len(body) - 1][1]
        earlier = [body[k][1] for k in range(max(start, len(body) - 201), len(body) - 1)]
        if _cut_last(last_fields, earlier):
            data = data[:-1]
            dropped.append(f"last line {nonblank[-1] + 1} has no line end and a number shorter than the rest "
                           "of its column (file cut inside a number?): dropped")
    declared = None
    header = None
    head_at = start - 1
    if head_at >= 0 and len(body[head_at][1]) == 1 and body[head_at][1][0].isdigit() and head_at >= 1 \
            and len(body[head_at - 1][1]) == ncol and not _numeric(body[head_at - 1][1], comma):
        declared = int(body[head_at][1][0])
        head_at -= 1
    if head_at >= 0 and len(body[head_at][1]) == ncol and not _numeric(body[head_at][1], comma):
        header = [h.strip().strip('"') for h in body[head_at][1]]
        preamble_end = head_at
    else:
        preamble_end = start
    # rows of numbers above the block mean a malformed row cut it: say where, drop nothing
    for k in range(preamble_end):
        lineno, fields = body[k]
        if len(fields) >= 2 and _numeric(fields, comma):
            culprit = body[start - 1] if header is None else body[head_at]
            raise ReaderError(
                path, f"line {culprit[0] + 1} breaks the table ({len(culprit[1])} fields, expected {ncol}, "
                f"or not numbers) with data rows above it (line {lineno + 1}); fix or remove that line"
            )
    preamble = [lines[i] for i in nonblank[:preamble_end]]
    return Table(header, data, preamble, delim, comma, body[start][0] + 1, declared, tuple(dropped))


def split_unit(name: str) -> tuple[str, str | None]:
    """Split a header into (name, unit): ``"I/mA"``, ``"Frequency (Hz)"``, ``"Z' [kOhm]"``.

    A slash inside parentheses does not split (``"Re(Z)/Ohm"`` → ``("Re(Z)", "Ohm")``).
    """
    name = name.strip()
    depth = 0
    for i in range(len(name) - 1, -1, -1):
        ch = name[i]
        if ch in ")]":
            depth += 1
        elif ch in "([":
            depth -= 1
        elif ch == "/" and depth == 0 and i > 0:
            return name[:i].strip(), name[i + 1 :].strip() or None
    match = _UNIT_RE.match(name)
    # "Z' (kOhm)", "Freq(Hz)" split; "Re(Z)" (no blank, not a unit) does not
    if match and match.group("name") and (match.group("space") or _known_unit(match.group("unit").strip())):
        return match.group("name").strip(), match.group("unit").strip()
    return name, None


def _known_unit(unit: str) -> bool:
    return any(_lookup(unit, table) is not None for table in UNITS.values())


def _lookup(unit: str, table: dict[str, float]) -> float | None:
    if unit in table:
        return table[unit]
    # case-insensitive fallback only where it cannot confuse milli with mega
    lowered = {k.lower(): v for k, v in table.items() if k.lower() not in ("mhz", "mohm", "mω")}
    return lowered.get(unit.lower())


def unit_factor(unit: str | None, quantity: str, path: Path | str = "") -> float:
    """SI factor of ``unit`` for ``quantity`` (a key of :data:`UNITS`); ``None`` → 1."""
    if unit is None or unit == "":
        return 1.0
    factor = _lookup(unit.strip(), UNITS[quantity])
    if factor is None:
        raise ReaderError(path, f"unknown {quantity} unit {unit!r}; expected one of {', '.join(UNITS[quantity])}")
    return factor


_PREFIX = re.compile(r"^\s*(data|col(umn)?|meas(ured)?)\s*:\s*", re.I)


def _norm(name: str) -> str:
    """Lower case without blanks, underscores, dots or a ``Data:``-style prefix; primes unified."""
    name = _PREFIX.sub("", name)
    name = name.lower().replace(" ", "").replace("_", "").replace(".", "").replace("’", "'").replace("′", "'")
    return name.replace("″", "''").replace('"', "''")


#: Regular expressions for each role, matched against the normalised name (unit removed).
ROLES: dict[str, str] = {
    "frequency": r"freq(uency)?|f|frequenz|fr|freqhz",
    "real": r"-?(re\(z\)|z'|zs'|zre(al)?|zr|real(z)?|re|z_?real|rez|z1|z'\(a\)|realpart|resistance)",
    "imag": r"-?(im\(z\)|z''|zs''|zim(ag)?|zimg|zimaginary|zi|imag(z)?|imaginary(z)?|im|imz|z2|z''\(b\)|imaginarypart|reactance)",
    "modulus": r"\|z\||zmod|mod\(z\)|modz|mod|abs\(z\)|absz|z",
    "phase": r"-?(phase(\(z\))?|zphz|zphase|phi|theta|phaseangle|ph)",
    "time": r"time.*|t|zeit|elapsedtime|testtime",
    "current": r"<?i>?|current.*|im|imeas|cur|i\(a\)",
    "potential": r"<?ewe>?|e|ecell|ewe-ece|v|u|vf|vmeas|potential.*|voltage.*|cellvoltage.*|cellpotential.*|<?ecell>?",
}


@dataclass(frozen=True)
class Column:
    """A column chosen for a role: index, header as written, unit, SI factor, sign."""

    index: int
    header: str
    unit: str | None
    factor: float
    negated: bool = False


@lru_cache(maxsize=None)
def _role_pattern(role: str) -> re.Pattern:
    return re.compile(rf"^(?:{ROLES[role]})$")


@lru_cache(maxsize=4096)
def _header_key(raw: str) -> tuple[str | None, str]:
    """(unit, normalised name) of a header field (many files share the same few headers)."""
    name, unit = split_unit(raw)
    return unit, _norm(name)


def find_column(header: list[str], role: str, quantity: str | None = None, path: Path | str = "") -> Column | None:
    """The first column whose name matches ``role`` (see :data:`ROLES`), or ``None``."""
    found = _find_column(tuple(header), role, quantity)  # many files share the same few headers
    if found is not None and found.factor is None:  # a unit unknown for the quantity: name the file
        unit_factor(found.unit, quantity, path)
    return found


@lru_cache(maxsize=4096)
def _find_column(header: tuple[str, ...], role: str, quantity: str | None) -> Column | None:
    """:func:`find_column` without the file (its ``factor`` None when the unit is unknown)."""
    pattern = _role_pattern(role)
    for i, raw in enumerate(header):
        unit, key = _header_key(raw)
        if pattern.match(key):
            negated = key.startswith("-")
            try:
                factor = unit_factor(unit, quantity) if quantity else 1.0
            except ReaderError:
                factor = None
            return Column(i, raw, unit, factor, negated)
    return None
