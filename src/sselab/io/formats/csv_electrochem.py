"""DC electrochemistry in CSV/TXT tables: transients, galvanostatic records, voltammograms.

The table needs a header naming a time column (``time``, ``t``; units s/min/h), a current
column (``I``, ``current``, ``<I>``; units A/mA/µA/nA) and a potential column (``E``, ``Ewe``,
``V``, ``voltage``, ``potential``; V or mV); units in ``/unit``, ``(unit)`` or ``[unit]``.
Without a unit SI is assumed and the notes say so.  Decimal commas and a free-text preamble
(``Temperature``, ``Electrode area`` lines) are handled as in the spectrum reader.  Time is
kept as written (not shifted to zero).

Examples
--------
>>> from sselab.io import read
>>> ca = read("hold.csv", kind="transient")[0]     # doctest: +SKIP
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from ...exceptions import ReaderError
from ...measurements import CurrentTransient, GalvanostaticRecord, Voltammogram
from ..biologic_columns import scan_rate
from ..checks import check_series, table_reasons, verdict_meta
from ..columns import find_column, parse_table, read_text
from ..header_meta import area_from_lines, temperature_from_lines
from ..registry import register

NAME = "csv-electrochem"
_TIME = re.compile(rb"(^|[\s,;\t\"])(time|t)\s*[\(/\[_]", re.I | re.M)
_FREQ = re.compile(rb"(^|[\s,;\t\"])(freq(uency)?)\b", re.I | re.M)
_CURRENT = re.compile(rb"(^|[\s,;\t\"])(<?i>?|current)\s*[\(/\[_,;\t]", re.I | re.M)


def sniff(path: Path, head: bytes) -> bool:
    """A text table whose header names a time and a current column."""
    if b"\x00" in head or head.startswith((b"EC-Lab", b"EXPLAIN")):
        return False
    if _FREQ.search(head):
        return False  # an impedance table (with time/current columns beside the sweep)
    return bool(_TIME.search(head) and _CURRENT.search(head))


def _columns(path: Path) -> tuple[dict[str, np.ndarray], list[str], list[str], list]:
    text = read_text(path)
    if text.lstrip().startswith(("EC-Lab", "BT-Lab", "EXPLAIN")):  # its own reader decides what it holds
        raise ReaderError(path, "an instrument export with its own reader, not a plain table")
    table = parse_table(text, path)
    if table.header is None:
        raise ReaderError(path, "no header row: name the time, current and potential columns (e.g. 'time (s), I (mA), E (V)')")
    notes = [f"{table.delimiter_name}-separated table, {table.data.shape[0]} rows"]
    if table.decimal_comma:
        notes.append("decimal commas")
    out = {}
    for role in ("time", "current", "potential"):
        col = find_column(table.header, role, role, path)
        if col is None:
            raise ReaderError(path, f"no {role} column among {', '.join(repr(h) for h in table.header)}")
        out[role] = table.data[:, col.index] * col.factor
        notes.append(f"{role} from {col.header!r}" + (f" in {col.unit}" if col.unit else " (SI unit assumed)"))
    check_series(path, out)
    more, reasons = table_reasons(table)
    return out, table.preamble, notes + more, reasons


@register(NAME, (".csv", ".txt", ".tsv", ".dat"), ("transient", "galvanostatic", "voltammogram"), sniff=sniff)
def read(path: Path, kind: str | None = None) -> list:
    """Read one measurement of ``kind`` (default ``"transient"``) from a delimited table."""
    cols, preamble, notes, reasons = _columns(path)
    common = dict(source=str(path), instrument=NAME, notes=tuple(notes), metadata=verdict_meta({}, reasons),
                  temperature_K=temperature_from_lines(preamble), area_cm2=area_from_lines(preamble))
    t, i, e = cols["time"], cols["current"], cols["potential"]
    if kind == "galvanostatic":
        return [GalvanostaticRecord(**common, time_s=t, current_A=i, voltage_V=e)]
    if kind == "voltammogram":
        rate = scan_rate(t, e)
        extra = (f"scan rate {rate:.4g} V/s (median |dE/dt|)",) if rate else ("scan rate unknown",)
        common["notes"] = common["notes"] + extra
        return [Voltammogram(**common, time_s=t, potential_V=e, current_A=i, scan_rate_V_per_s=rate)]
    return [CurrentTransient(**common, time_s=t, current_A=i, potential_V=e)]
