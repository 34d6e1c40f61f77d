"""BioLogic EC-Lab text exports (``.mpt``, and ``.txt`` files that are one).

Read by hand rather than with galvani's ``MPTfile``, which rejects LF line endings (the
shared ``ca.mpt`` has them) and aborts on one bad row without saying where.  Handles CRLF and
LF, Latin-1 text (µ, ²), decimal commas, the header length from ``Nb header lines : N``
(the column names are line N), and ``Electrode surface area`` (→ ``area_cm2``).  The columns
go through the same rules as ``.mpr`` (:mod:`sselab.io.biologic_columns`).

Examples
--------
>>> from sselab.io import read
>>> [s.n_points for s in read("peis.mpt")]    # doctest: +SKIP
[32]
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from ...exceptions import ReaderError
from ..biologic_columns import BUILDERS, transient_from_columns
from ..checks import dropped_rows, with_reasons
from ..columns import _cut_last, to_float
from ..fastblock import foreign_line, loadtxt_block
from ..header_meta import area_from_lines, temperature_from_lines
from ..registry import register

NAME = "biologic-mpt"
_CUT_MARK = "\x00cut"  # internal marker in the notes: the last line was dropped
_NB = re.compile(r"Nb header lines\s*:\s*(\d+)")
_KINDS_BY_TITLE = (
    ("impedance", "spectrum"),
    ("chronoamperometry", "transient"),
    ("galvanostatic cycling", "galvanostatic"),
    ("chronopotentiometry", "galvanostatic"),
    ("battery capacity determination", "galvanostatic"),
    ("cyclic voltammetry", "voltammogram"),
    ("linear sweep voltammetry", "voltammogram"),
    ("open circuit voltage", "potential"),
    ("modulo bat", "mixed"),
    ("constant current", "galvanostatic"),
    ("constant voltage", "transient"),
)
_LOOP = re.compile(r"Loop\s+\d+\s+from point number\s+(\d+)\s+to\s+(\d+)")
#: EC-Lab versions that write the unit inside the brackets
_ALIASES = {"<Ewe/V>": "<Ewe>/V", "<I/mA>": "<I>/mA", "<Ece/V>": "<Ece>/V"}


def sniff(path: Path, head: bytes) -> bool:
    return head.startswith((b"EC-Lab ASCII FILE", b"BT-Lab ASCII FILE"))


def load(path: Path) -> tuple[dict[str, np.ndarray], list[str], list[str]]:
    """(columns, header lines, notes) of an EC-Lab text export."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ReaderError(path, f"cannot open: {exc.strerror or exc}") from None
    if b"\x00" in raw[:4096]:
        raise ReaderError(path, "binary file, not an EC-Lab text export")
    text = raw.decode("latin-1")
    lines = text.splitlines()
    notes = ["BioLogic EC-Lab text export, " + ("CRLF" if "\r\n" in text[:200] else "LF") + " line endings"]
    match = _NB.search("\n".join(lines[:3]))
    n_header = int(match.group(1)) if match else 1
    if n_header < 1 or n_header > len(lines):
        raise ReaderError(path, f"'Nb header lines : {n_header}' but the file has {len(lines)} lines (truncated?)")
    names = lines[n_header - 1].rstrip("\t\r\n ").split("\t")
    if len(names) < 2:
        raise ReaderError(path, f"line {n_header} should name the columns (tab-separated); found {lines[n_header - 1][:60]!r}")
    body = lines[n_header:]
    while body and not body[-1].strip():
        body.pop()
    if not body:
        raise ReaderError(path, "no data rows after the header")
    comma = "," in body[0] and "." not in body[0]
    first = body[0].rstrip("\t\r\n ").split("\t")
    if len(first) == len(names) + 1 and "freq/Hz" not in names and names[0].startswith("Re(Z)"):
        # EC-Lab versions that leave the first name out of the header line (impedance.py's
        # exampleDataBioLogic_MissingFreq.mpt): the rows hold one field more
        names = ["freq/Hz"] + names
        notes.append("header line names one column fewer than the rows hold and starts with 'Re(Z)/Ohm': "
                     "first column taken as 'freq/Hz'")
    if len(first) < len(names) and any(not n.strip() for n in names[len(first):]):
        # EC-Lab writes a stray tab and a name after the last column of some exports with Ece
        # (yadg's peis.issue_225 .mpt): every row holds fewer fields than the header names
        extra = names[len(first):]
        names = names[:len(first)]
        notes.append(f"header names {len(extra)} columns more than the rows hold ({', '.join(repr(n) for n in extra)}, "
                     "after an empty name): those names dropped")
    if not raw.endswith((b"\n", b"\r")) and len(body) > 2:
        last = body[-1].rstrip("\t\r\n ").split("\t")
        earlier = [ln.rstrip("\t\r\n ").split("\t") for ln in body[-201:-1]]
        if len(last) == len(names) and _cut_last(last, earlier):
            body = body[:-1]
            msg = (f"last line {n_header + len(body) + 1} has no line end and a number shorter than the rest of "
                   "its column (file cut inside a number?): dropped")
            notes.append(msg)
            notes.append(_CUT_MARK)
    data = _block(body, len(names), comma)
    if data is None:
        data = _rows(path, body, names, comma, n_header)
    if comma:
        notes.append("decimal commas")
    cols = {}
    for i, name in enumerate(names):
        name = name.strip()
        if name in _ALIASES:
            notes.append(f"column {name!r} read as {_ALIASES[name]!r}")
            name = _ALIASES[name]
        cols[name] = data[:, i]
    return cols, lines[: n_header - 1], notes


def _block(body: list[str], ncol: int, comma: bool) -> np.ndarray | None:
    """The rows as one float array, converted in one call; ``None`` when any row is not
    ``ncol`` whole-token numbers (then :func:`_rows` names the culprit)."""
    text = "\n".join(body)
    if text.endswith(("\t", " ")) or "\t\n" in text[:4096] or " \n" in text[:4096]:
        # EC-Lab ends rows with a tab (a multiline regex tries every tab of the text: 0.28 ms a file)
        text = "\n".join([line.rstrip("\t ") for line in body])
    if foreign_line([text]) >= 0:
        return None
    data = loadtxt_block(text.replace(",", ".") if comma else text, "\t", ncol)
    return data if data is not None and data.shape[0] == len(body) else None


def _rows(path: Path, body: list[str], names: list[str], comma: bool, n_header: int) -> np.ndarray:
    """Row by row, strict: the first row that is not ``len(names)`` numbers is an error naming it."""
    rows = []
    for k, line in enumerate(body):
        fields = line.rstrip("\t\r\n ").split("\t")
        lineno = n_header + k + 1
        if len(fields) != len(names):
            raise ReaderError(path, f"line {lineno} has {len(fields)} fields, expected {len(names)} (truncated file?)")
        try:
            rows.append([to_float(f, comma) for f in fields])
        except ValueError:
            bad = next(f for f in fields if not _is_number(f, comma))
            raise ReaderError(path, f"line {lineno}: {bad!r} is not a number") from None
    return np.array(rows, dtype=float)


def _is_number(text: str, comma: bool) -> bool:
    try:
        to_float(text, comma)
    except ValueError:
        return False
    return True


def file_kind(header: list[str]) -> str | None:
    """The measurement kind named by the technique line of the header, if recognised."""
    title = " ".join(header[2:6]).lower()
    for word, kind in _KINDS_BY_TITLE:
        if word in title:
            return kind
    return None


@register(NAME, (".mpt",), ("spectrum", "transient", "galvanostatic", "voltammogram", "potential"),
          sniff=sniff, priority=10)
def read(path: Path, kind: str | None = None) -> list:
    """Read the measurements of ``kind`` from an EC-Lab text export (``None``: the technique's).

    With no kind: the technique named in the header decides (a modulo-bat file is a spectrum
    when it has impedance rows, else a galvanostatic record); a file without a recognised
    technique is a spectrum only when it has a ``freq/Hz`` column, and is refused otherwise
    (never guessed to be a transient).
    """
    cols, header, notes = load(path)
    reasons = []
    if _CUT_MARK in notes:
        notes.remove(_CUT_MARK)
        reasons.append(dropped_rows(1, "last line cut inside a number"))
    found = file_kind(header)
    if kind is None:
        if found == "mixed":
            kind = "spectrum" if "freq/Hz" in cols else "galvanostatic"
        elif found is not None:
            kind = found
        elif "freq/Hz" in cols:
            kind = "spectrum"
        elif (kind := kind_from_columns(cols)) is not None:
            notes.append(f"the header names no technique; read as {kind}: {_WHY[kind]}")
        else:
            raise ReaderError(path, "the header names no technique sselab knows and there is no 'freq/Hz' column; "
                              "give the kind (transient, galvanostatic, voltammogram, potential)")
    if found == "spectrum" and kind != "spectrum":
        # a PEIS/GEIS export's <I>/<Ewe> columns are the DC level under each frequency, not a record in time
        raise ReaderError(path, f"an impedance (EIS) file holds no {kind}: its current/potential columns are the DC "
                          "level under each frequency; read it as kind='spectrum'")
    if kind == "spectrum" and "freq/Hz" not in cols:
        hint = f"; read it as kind={found!r}" if found and found != "mixed" else ""
        raise ReaderError(path, f"no impedance data (no 'freq/Hz' column){hint}")
    extra = {"temperature_K": temperature_from_lines(header), "eis_only": found == "spectrum"} if kind == "spectrum" else {}
    loops = loops_from_lines(header)
    n_rows = len(next(iter(cols.values())))
    if kind == "transient" and len(loops) > 1 and loops[-1][1] == n_rows - 1:
        # one transient per loop, as the .mpr of the same run (its loop module) is read
        items = []
        for k, (a, b) in enumerate(loops):
            part = {name: v[a:b + 1] for name, v in cols.items()}
            [item] = transient_from_columns(part, path, NAME, notes + [f"loop {k + 1} of {len(loops)} (rows {a}–{b})"],
                                            area_cm2=area_from_lines(header))
            items.append(item.with_meta(metadata={**item.metadata, "loop": k}))
    else:
        items = BUILDERS[kind](cols, path, NAME, notes, area_cm2=area_from_lines(header), **extra)
    return [with_reasons(m, reasons) for m in items]


_WHY = {"potential": "a potential column and no current, control or frequency column",
        "galvanostatic": "a 'control/V/mA' (set current or voltage) column with 'Ns' sequences, as in GCPL"}


def kind_from_columns(cols: dict) -> str | None:
    """A kind from the columns alone, only on positive evidence (a header-less export)."""
    names = set(cols)
    current = any(n.startswith(("I/", "<I>/", "control", "|I|")) for n in names)
    if not current and names & {"Ewe/V", "<Ewe>/V"}:
        return "potential"
    if "control/V/mA" in names and "Ns" in names and names & {"I/mA", "<I>/mA"} and names & {"Ewe/V", "<Ewe>/V"}:
        return "galvanostatic"
    return None


def loops_from_lines(header: list[str]) -> list[tuple[int, int]]:
    """``Loop k from point number a to b`` lines of the header: (a, b) row ranges, if they
    tile the rows from 0 without gaps; else ``[]``."""
    loops = [(int(m.group(1)), int(m.group(2))) for m in map(_LOOP.search, header) if m]
    ok = bool(loops) and loops[0][0] == 0 and all(b + 1 == a2 for (_, b), (a2, _) in zip(loops, loops[1:]))
    return loops if ok and all(a <= b for a, b in loops) else []
