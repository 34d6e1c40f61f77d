"""Neware battery-cycler files ``.nda`` / ``.ndax``, read with NewareNDA.

Parser: NewareNDA (maintained, reads both the old ``.nda`` binary and the zipped ``.ndax``);
the binary layout is undocumented, so a parser of our own would only copy theirs.  The
record becomes a :class:`GalvanostaticRecord`: time from the ``Timestamp`` column relative to
the first point (``Time`` restarts at every step), current ``Current(mA)`` → A, voltage
``Voltage`` [V].  Step type (``Status``: Rest, CC_Chg, CCCV_DChg, ...), cycle and step numbers
are kept per point in ``metadata``.  An ``.ndax`` is a zip archive: member sizes are checked
before anything is inflated.

Examples
--------
>>> from sselab.io import read
>>> rec = read("test.ndax")[0]      # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ...exceptions import ReaderError
from ...measurements import GalvanostaticRecord
from ..checks import check_series
from ..registry import register
from .spreadsheet import check_zip

NAME = "neware"


def sniff(path: Path, head: bytes) -> bool:
    if path.suffix.lower() == ".ndax":
        return head.startswith(b"PK\x03\x04")
    return head.startswith(b"NEWARE")


@register(NAME, (".nda", ".ndax"), ("galvanostatic",), sniff=sniff, priority=5)
def read(path: Path, kind: str | None = None) -> list:
    """Read the whole cycler record of a Neware file."""
    if path.suffix.lower() == ".ndax":
        check_zip(path)
    try:
        import NewareNDA
    except ImportError:  # pragma: no cover - a dependency
        raise ReaderError(path, "reading Neware files needs NewareNDA") from None
    try:
        df = NewareNDA.read(str(path))
    except Exception as exc:  # noqa: BLE001 - NewareNDA raises many types on damaged files
        raise ReaderError(path, f"NewareNDA cannot read this file ({type(exc).__name__}: {' '.join(str(exc).split())[:120]})") from None
    needed = ("Voltage", "Current(mA)")
    missing = [c for c in needed if c not in df.columns]
    if missing or len(df) == 0:
        raise ReaderError(path, f"no {', '.join(missing) or 'rows'} in this Neware file")
    notes = [f"Neware {path.suffix.lower()} (NewareNDA), {len(df)} rows",
             "voltage from 'Voltage' [V], current from 'Current(mA)' [mA → A]"]
    if "Timestamp" in df.columns:
        ts = df["Timestamp"].astype("datetime64[ns]").to_numpy()
        t = (ts - ts[0]).astype("timedelta64[ns]").astype(np.int64) / 1e9
        notes.append("time from 'Timestamp' relative to the first point ('Time' restarts each step)")
    else:
        t = np.asarray(df["Time"], float)
        notes.append("time from 'Time' as written")
    i = np.asarray(df["Current(mA)"], float) * 1e-3
    v = np.asarray(df["Voltage"], float)
    check_series(path, {"time": t, "current": i, "voltage": v})
    meta = {}
    for col, key in (("Status", "step_type"), ("Cycle", "cycle"), ("Step", "step")):
        if col in df.columns:
            meta[key] = [str(x) if col == "Status" else int(x) for x in df[col]]
    return [GalvanostaticRecord(source=str(path), instrument=NAME, notes=tuple(notes), metadata=meta,
                                time_s=t, current_A=i, voltage_V=v)]
