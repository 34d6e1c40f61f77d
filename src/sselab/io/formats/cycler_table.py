"""Battery-cycler text exports: Maccor ``.txt``, PEC ``.csv`` and generic cycler tables.

Written here (no maintained Python parser covers these exports without pulling a whole
framework: cellpy reads them, but with its own data model and many dependencies).  A cycler
table is a delimited table (tab, comma or semicolon; decimal commas detected) under a free
header, whose column line names a time, a current and a voltage column and usually text
columns (step type ``Md``/``Instruction Name``/``Status``, dates).  Read as a
:class:`GalvanostaticRecord`:

- time from ``TestTime``/``Test Time``/``Total Time``/``Time``; values in seconds or
  ``hh:mm:ss(.xxx)`` (a ``Hours in hh:mm:ss`` header or the value's shape says so);
- current ``Current [A]``/``(mA)`` → A; voltage ``Voltage [V]``;
- Maccor writes unsigned currents with the mode in ``Md`` (C charge, D discharge, R rest):
  discharge rows are negated and the notes say so;
- step type and cycle are kept per point in ``metadata``;
- a last line cut short (a file copied while being written) is dropped with a
  ``rows_dropped`` warning; any other row that does not parse is an error naming the line.

Examples
--------
>>> from sselab.io import read
>>> rec = read("maccor_two.txt")[0]       # doctest: +SKIP
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from ...exceptions import ReaderError
from ...measurements import GalvanostaticRecord
from ..checks import check_series, dropped_rows, verdict_meta
from ..columns import read_text, split_unit, to_float, unit_factor
from ..registry import register

NAME = "cycler-table"
_TIME = re.compile(r"^(test ?time|total ?time|time|elapsed ?time|run ?time)\b", re.I)
_CURRENT = re.compile(r"^(current|i)\b", re.I)
_VOLTAGE = re.compile(r"^(voltage|potential|u|v)\b", re.I)
_STEP = re.compile(r"^(md|mode|instruction name|status|step ?type|state)$", re.I)
_CYCLE = re.compile(r"^(cycle|cycle c|cycle index|cycle number)$", re.I)
_HMS = re.compile(r"^(?:(\d+)\.)?(\d+):(\d{1,2}):(\d{1,2}(?:[.,]\d*)?)$")


def _names(line: str) -> tuple[str | None, list[str]]:
    for delim in ("\t", ";", ","):
        parts = [p.strip().strip('"') for p in line.rstrip("\r\n").split(delim)]
        if len(parts) >= 3:
            return delim, parts
    return None, []


def _find(names: list[str], pattern: re.Pattern) -> int | None:
    for i, n in enumerate(names):
        if pattern.match(n.strip()):
            return i
    return None


#: every name _TIME takes holds this: a line without it is no column line (rows of numbers are skipped at C speed)
_TIME_WORD = re.compile("time", re.I)


def _header(lines: list[str]) -> tuple[int, str, list[str]] | None:
    for k, line in enumerate(lines[:300]):
        if not _TIME_WORD.search(line):
            continue
        delim, names = _names(line)
        if delim and all(_find(names, p) is not None for p in (_TIME, _CURRENT, _VOLTAGE)) \
                and _find(names, _STEP) is not None:
            return k, delim, names
    return None


def sniff(path: Path, head: bytes) -> bool:
    """A column line naming time, current, voltage and a step-type/mode column."""
    if b"\x00" in head:
        return False
    text = head.decode("latin-1", errors="replace")
    return _TIME_WORD.search(text) is not None and _header(text.splitlines()[:-1]) is not None


def _seconds(text: str, comma: bool) -> float:
    m = _HMS.match(text.strip())
    if m:
        days, h, mnt, sec = m.groups()
        return (int(days or 0) * 24 + int(h)) * 3600 + int(mnt) * 60 + float(sec.replace(",", "."))
    return to_float(text, comma)


@register(NAME, (".txt", ".csv", ".tsv"), ("galvanostatic",), sniff=sniff, priority=3)
def read(path: Path, kind: str | None = None) -> list:
    """Read the whole record of a cycler export (see the module doc)."""
    text = read_text(path)
    lines = text.splitlines()
    found = _header(lines)
    if found is None:
        raise ReaderError(path, "no column line naming time, current, voltage and step type")
    at, delim, names = found
    it, ii, iv = _find(names, _TIME), _find(names, _CURRENT), _find(names, _VOLTAGE)
    istep, icyc = _find(names, _STEP), _find(names, _CYCLE)
    need = max(it, ii, iv)
    rows = [(k, ln) for k, ln in enumerate(lines[at + 1:], start=at + 2) if ln.strip()]
    sample = [ln.split(delim) for _, ln in rows[:50]]
    comma = delim != "," and any("," in f and "." not in f for r in sample for f in r[it:it + 1] + r[iv:iv + 1])
    t, i, v, step, cyc = [], [], [], [], []
    reasons, notes = [], [f"cycler export ({'tab' if delim == chr(9) else delim!r}-separated), column line {at + 1}"]
    for n, (lineno, ln) in enumerate(rows):
        parts = ln.rstrip("\r\n").split(delim)
        last = n == len(rows) - 1
        try:
            if len(parts) < len(names) and last:
                raise ValueError("short")
            if len(parts) <= need:
                raise ValueError("short")
            row = (_seconds(parts[it], comma), to_float(parts[ii], comma), to_float(parts[iv], comma))
        except ValueError:
            if last:
                notes.append(f"last line {lineno} is cut short ({len(parts)} of {len(names)} fields): dropped")
                reasons.append(dropped_rows(1, f"last line {lineno} cut short (file copied while being written?)"))
                break
            raise ReaderError(path, f"line {lineno}: not a row of {len(names)} fields with numbers in "
                              f"{names[it]!r}, {names[ii]!r}, {names[iv]!r}") from None
        t.append(row[0]), i.append(row[1]), v.append(row[2])
        step.append(parts[istep].strip() if istep is not None and istep < len(parts) else "")
        cyc.append(parts[icyc].strip() if icyc is not None and icyc < len(parts) else "")
    if not t:
        raise ReaderError(path, "no data rows under the column line")
    name_i, unit_i = split_unit(names[ii])
    f_i = unit_factor(unit_i, "current", path)
    name_v, unit_v = split_unit(names[iv])
    f_v = unit_factor(unit_v, "potential", path)
    t_arr, i_arr, v_arr = np.array(t), np.array(i) * f_i, np.array(v) * f_v
    notes.append(f"time from {names[it]!r} [s or hh:mm:ss], current from {names[ii]!r} "
                 f"({unit_i or 'A assumed'}), voltage from {names[iv]!r} ({unit_v or 'V assumed'})")
    if comma:
        notes.append("decimal commas")
    modes = np.array(step)
    if names[istep].lower() in ("md", "mode") and (i_arr >= 0).all() and (modes == "D").any():
        i_arr = np.where(modes == "D", -i_arr, i_arr)
        notes.append("Maccor currents are unsigned: rows with mode 'D' (discharge) negated")
    check_series(path, {"time": t_arr, "current": i_arr, "voltage": v_arr})
    meta = verdict_meta({"step_type": step}, reasons)
    if icyc is not None:
        meta["cycle"] = cyc
    return [GalvanostaticRecord(source=str(path), instrument=NAME, notes=tuple(notes), metadata=meta,
                                time_s=t_arr, current_A=i_arr, voltage_V=v_arr)]
