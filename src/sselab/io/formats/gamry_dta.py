"""Gamry Framework ``.DTA`` files: impedance (``ZCURVE`` table), CV and chronoamperometry
(``CURVE`` tables).

A DTA file is a list of tab-separated ``KEY  TYPE  VALUE  label`` lines; a ``TABLE`` line is
followed by the column names, their units and the rows (each starting with a tab).  Numbers
may use decimal commas (European Windows locales), which is detected.  Rows led by blanks
instead of a tab are read (and counted in the notes), never taken as the table's end; a
``CURVE TABLE n`` count that differs from the rows read is a ``declared_count_mismatch``
warning in the reading's verdict.  ``AREA`` (cm²) sets
``area_cm2``; ``SCANRATE`` (mV/s) sets the voltammogram's scan rate.  Gamry's ``Temp`` column
holds −327.67 when no probe is attached and is ignored.

Examples
--------
>>> from sselab.io import read
>>> cv = read("gamry_cv.DTA", kind="voltammogram")[0]    # doctest: +SKIP
>>> cv.scan_rate_V_per_s                                 # doctest: +SKIP
0.0499999
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ...exceptions import ReaderError
from ...measurements import CurrentTransient, Voltammogram
from ..biologic_columns import scan_rate
from ..checks import check_series, declared_count, make_spectrum, verdict_meta
from ..columns import read_text, to_float
from ..fastblock import loadtxt_block
from ..registry import register
from ..spectrum_columns import impedance_columns

NAME = "gamry-dta"


def sniff(path: Path, head: bytes) -> bool:
    return head.startswith(b"EXPLAIN") and b"\nTAG\t" in head[:200]


class DTA:
    """A parsed DTA file: ``keys`` (KEY → value text) and ``tables`` (name → (names, units, data))."""

    def __init__(self, path: Path) -> None:
        self.path = path
        text = read_text(path)
        self.lines = text.splitlines()
        if not self.lines or self.lines[0].strip() != "EXPLAIN":
            raise ReaderError(path, "not a Gamry DTA file (first line is not 'EXPLAIN')")
        self.keys: dict[str, list[str]] = {}
        self.tables: dict[str, tuple[list[str], list[str], np.ndarray]] = {}
        self.decimal_comma = False
        self.blank_led = 0
        self.reasons: list = []
        self._parse()

    @staticmethod
    def _blank_led(line: str, n_fields: int) -> bool:
        """A data row led by blanks instead of a tab (some Gamry versions, gamry-parser's
        eispot_data.dta): whitespace-split into the table's number of numeric-looking fields."""
        if not line[:1] == " ":
            return False
        parts = line.split()
        return len(parts) == n_fields and parts[0].lstrip("-").replace(".", "", 1).isdigit()

    def _parse(self) -> None:
        lines, i = self.lines, 1
        while i < len(lines):
            fields = lines[i].split("\t")
            if len(fields) >= 2 and fields[1] == "TABLE":
                i = self._table(fields, i)
                continue
            if fields and fields[0]:
                self.keys[fields[0]] = fields[1:]
            i += 1

    def _table(self, fields: list[str], i: int) -> int:
        name, lines, path = fields[0], self.lines, self.path
        if i + 2 >= len(lines):
            raise ReaderError(path, f"table {name} at line {i + 1} has no column header (truncated file?)")
        names = lines[i + 1].strip("\r\n").split("\t")[1:]
        units = lines[i + 2].strip("\r\n").split("\t")[1:]
        # one unit per column; a units line longer or shorter than the header (a damaged file) must
        # not index past a row's fields
        numeric = [j for j in range(len(names)) if j >= len(units) or units[j].strip() != "bits"]
        k = i + 3
        while k < len(lines) and lines[k].startswith("\t"):
            k += 1
        fast = self._fast(lines[i + 3:k], len(names), numeric) if k == len(lines) or not self._blank_led(lines[k], len(names)) else None
        if fast is not None:
            self._store(fields, name, names, units, fast, k - i - 3)
            return k
        rows, k = [], i + 3
        while k < len(lines) and (lines[k].startswith("\t") or self._blank_led(lines[k], len(names))):
            if lines[k].startswith("\t"):
                parts = lines[k].strip("\r\n").split("\t")[1:]
            else:
                parts = lines[k].split()
                self.blank_led += 1
            if len(parts) != len(names):
                raise ReaderError(path, f"line {k + 1} has {len(parts)} fields, expected {len(names)} (truncated file?)")
            rows.append(parts)
            k += 1
        if rows and not self.decimal_comma:
            self.decimal_comma = any("," in p for p in rows[0])
        data = np.empty((len(rows), len(names)))
        data[:] = np.nan
        for r, parts in enumerate(rows):
            for j in numeric:
                try:
                    data[r, j] = to_float(parts[j], self.decimal_comma)
                except ValueError:
                    raise ReaderError(path, f"line {i + 4 + r}: {parts[j]!r} is not a number") from None
        self._store(fields, name, names, units, data, len(rows))
        return k

    def _store(self, fields: list[str], name: str, names: list[str], units: list[str], data: np.ndarray, n: int) -> None:
        if len(fields) >= 3 and fields[2].strip().isdigit():
            declared = int(fields[2])
            if n != declared:
                self.reasons.append(declared_count(declared, n, f"table {name}"))
        self.tables[name] = (names, units, data)

    def _fast(self, block: list[str], n_names: int, numeric: list[int]) -> np.ndarray | None:
        """The tab-led rows of a table converted in one ``numpy.loadtxt`` call (numeric columns
        only), or ``None`` so the row-by-row pass names a bad row."""
        if not block or not numeric or any(ln.rstrip("\r\n").count("\t") != n_names for ln in block):
            return None
        comma = self.decimal_comma or "," in block[0]
        text = "\n".join(block)
        got = loadtxt_block(text.replace(",", ".") if comma else text, "\t", len(numeric), [j + 1 for j in numeric])
        if got is None or got.shape[0] != len(block):
            return None
        self.decimal_comma = comma
        data = np.full((len(block), n_names), np.nan)
        data[:, numeric] = got
        return data

    def number(self, key: str) -> float | None:
        """The numeric value of a ``KEY  QUANT  value`` line (``None`` if absent)."""
        fields = self.keys.get(key)
        if not fields or len(fields) < 2:
            return None
        try:
            return to_float(fields[1], "," in fields[1])
        except ValueError:
            return None

    def column(self, table: str, name: str) -> np.ndarray:
        names, _, data = self.tables[table]
        if name not in names:
            raise ReaderError(self.path, f"table {table} has no {name!r} column; columns: {', '.join(names)}")
        return data[:, names.index(name)]


def _notes(dta: DTA, what: str) -> list[str]:
    tag = dta.keys.get("TAG", ["?"])[0]
    notes = [f"Gamry DTA ({tag}), {what}"]
    if dta.decimal_comma:
        notes.append("decimal commas")
    if dta.blank_led:
        notes.append(f"{dta.blank_led} rows led by blanks instead of a tab, split on blanks")
    notes.extend(r.message for r in dta.reasons)
    return notes


def _spectrum(dta: DTA, path: Path) -> list:
    if "ZCURVE" not in dta.tables:
        raise ReaderError(path, f"no ZCURVE (impedance) table; tables: {', '.join(dta.tables) or 'none'}")
    names, units, data = dta.tables["ZCURVE"]
    header = [f"{n} ({u})" if u.strip() in ("Hz", "ohm") else n for n, u in zip(names, units)]
    f, z, notes = impedance_columns(header, data, path)
    return [make_spectrum(path, f, z, instrument=NAME, notes=_notes(dta, "ZCURVE table") + notes,
                          area_cm2=dta.number("AREA"), reasons=dta.reasons)]


def _curves(dta: DTA, path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    names = [n for n in dta.tables if n.startswith("CURVE")]
    if not names:
        raise ReaderError(path, f"no CURVE table; tables: {', '.join(dta.tables) or 'none'}")
    t = np.concatenate([dta.column(n, "T") for n in names])
    e = np.concatenate([dta.column(n, "Vf") for n in names])
    i = np.concatenate([dta.column(n, "Im") for n in names])
    note = f"time 'T' [s], potential 'Vf' [V vs ref], current 'Im' [A] from {', '.join(names)}"
    check_series(path, {"time": t, "current": i, "potential": e})
    return t, e, i, [note]


@register(NAME, (".dta",), ("spectrum", "voltammogram", "transient"), sniff=sniff, priority=10)
def read(path: Path, kind: str | None = None) -> list:
    """Read the measurements of ``kind`` from a Gamry DTA file (``None``: from its tables)."""
    dta = DTA(path)
    if kind is None:
        tag = (dta.keys.get("TAG") or [""])[0].upper()
        kind = "spectrum" if "ZCURVE" in dta.tables else "transient" if "CHRONO" in tag else "voltammogram"
    if kind == "spectrum":
        return _spectrum(dta, path)
    t, e, i, notes = _curves(dta, path)
    notes = _notes(dta, "CURVE table") + notes
    if kind == "transient":
        return [CurrentTransient(source=str(path), instrument=NAME, area_cm2=dta.number("AREA"),
                                 notes=tuple(notes), time_s=t, current_A=i, potential_V=e,
                                 metadata=verdict_meta({}, dta.reasons))]
    rate_mV = dta.number("SCANRATE")
    if rate_mV is not None:
        rate = rate_mV * 1e-3
        notes.append(f"scan rate {rate:.4g} V/s from the SCANRATE header")
    else:
        rate = scan_rate(t, e)
        notes.append("scan rate from the median |dE/dt| of the data" if rate else "scan rate unknown")
    meta = {}
    if "Cycle" in dta.tables.get("CURVE", ([],))[0]:
        meta["cycles"] = sorted({int(c) for c in dta.column("CURVE", "Cycle")})
    return [Voltammogram(source=str(path), instrument=NAME, area_cm2=dta.number("AREA"), notes=tuple(notes),
                         metadata=verdict_meta(meta, dta.reasons), time_s=t, potential_V=e, current_A=i, scan_rate_V_per_s=rate)]
