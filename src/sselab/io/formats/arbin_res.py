"""Arbin MITS Pro ``.res`` cycler files (a Microsoft Access / Jet database).

Parser: access-parser (pure Python, reads Jet 3/4 and ACE databases without the Access
runtime).  The usual route, mdbtools' ``mdb-export`` (used by navani, cellpy), is a C tool
from the operating system, not a Python dependency sselab can pin; access-parser reads the
same tables.  Data come from ``Channel_Normal_Table``: ``Test_Time`` [s], ``Current`` [A],
``Voltage`` [V], one row per ``Data_Point``, sorted by test and data point; each ``Test_ID``
is one :class:`GalvanostaticRecord`.  ``Cycle_Index`` and ``Step_Index`` are kept per point in
``metadata`` (``cycle``, ``step``).  A database without that table, or one access-parser
cannot read, is refused with how to export it (MITS Pro / Data Watcher → Excel or CSV).

Examples
--------
>>> from sselab.io import read
>>> read("arbin_example.res")[0].time_s.size     # doctest: +SKIP
2150
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from ...exceptions import ReaderError
from ...measurements import GalvanostaticRecord
from ..checks import check_series
from ..registry import register

NAME = "arbin-res"
TABLE = "Channel_Normal_Table"
_NEEDED = ("Test_ID", "Data_Point", "Test_Time", "Current", "Voltage")
_EXPORT = "export it from MITS Pro / Data Watcher as Excel or CSV, or with mdbtools: mdb-export FILE Channel_Normal_Table"


def sniff(path: Path, head: bytes) -> bool:
    """A Jet/ACE database header (``Standard Jet DB`` / ``Standard ACE DB`` at byte 4)."""
    return head[4:19] in (b"Standard Jet DB", b"Standard ACE DB")


def _table(path: Path) -> dict[str, list]:
    try:
        from access_parser import AccessParser
    except ImportError:  # pragma: no cover - a dependency
        raise ReaderError(path, f"reading Arbin .res needs access-parser; or {_EXPORT}") from None
    quiet = logging.getLogger("access_parser")
    level, quiet.level = quiet.level, logging.CRITICAL
    try:
        db = AccessParser(str(path))
        if TABLE not in db.catalog:
            raise ReaderError(path, f"no {TABLE} in this Access database: not an Arbin .res ({_EXPORT})")
        return db.parse_table(TABLE)
    except ReaderError:
        raise
    except Exception as exc:  # noqa: BLE001 - access-parser raises many types on damaged files
        why = " ".join(str(exc).split())[:100]
        raise ReaderError(path, f"the Access database cannot be read ({type(exc).__name__}: {why}); {_EXPORT}") from None
    finally:
        quiet.level = level


def _column(path: Path, table: dict[str, list], name: str) -> np.ndarray:
    try:
        return np.asarray(table[name], dtype=float)
    except (TypeError, ValueError):
        raise ReaderError(path, f"{TABLE}.{name} holds non-numbers (damaged database?)") from None


@register(NAME, (".res",), ("galvanostatic",), sniff=sniff, priority=5)
def read(path: Path, kind: str | None = None) -> list:
    """Read the cycling records (one per test) of an Arbin ``.res`` file."""
    table = _table(path)
    missing = [c for c in _NEEDED if c not in table]
    if missing:
        raise ReaderError(path, f"{TABLE} lacks {', '.join(missing)}: not an Arbin data table ({_EXPORT})")
    cols = {c: _column(path, table, c) for c in _NEEDED}
    sizes = {len(v) for v in cols.values()}
    if len(sizes) != 1 or 0 in sizes:
        raise ReaderError(path, f"{TABLE} is empty or its columns differ in length ({sorted(sizes)})")
    extra = {key: _column(path, table, col) for col, key in (("Cycle_Index", "cycle"), ("Step_Index", "step"))
             if col in table and len(table[col]) == len(cols["Test_ID"])}
    out = []
    tests = np.unique(cols["Test_ID"])
    for test in tests:
        sel = np.flatnonzero(cols["Test_ID"] == test)
        sel = sel[np.argsort(cols["Data_Point"][sel], kind="stable")]
        t, i, v = cols["Test_Time"][sel], cols["Current"][sel], cols["Voltage"][sel]
        label = f"test {int(test)}" if tests.size > 1 else ""
        check_series(path, {"time": t, "current": i, "voltage": v}, label=label)
        notes = [f"Arbin .res (access-parser), {TABLE} test {int(test)}: {sel.size} rows ordered by Data_Point",
                 "time from 'Test_Time' [s], current from 'Current' [A], voltage from 'Voltage' [V]"]
        meta = {key: [int(x) for x in arr[sel]] for key, arr in extra.items()}
        meta["test_id"] = int(test)
        out.append(GalvanostaticRecord(source=str(path), instrument=NAME, notes=tuple(notes), metadata=meta,
                                       time_s=t, current_A=i, voltage_V=v))
    return out
