"""PalmSens PSTrace ``.pssession`` files (JSON, usually UTF-16 with a byte-order mark).

A session holds ``Measurements``; each has a ``Title`` and a ``DataSet`` whose ``Type``
names the technique (``PalmSens.Data.DataSetEIS`` for impedance) and whose ``Values`` are
arrays tagged with a unit type (``PalmSens.Units.Hertz``, ``...ZRe``, ``...ZIm``) holding
``{"V": value}`` items.  Each EIS measurement is one spectrum: Z = ZRe − j·ZIm (PSTrace stores
−Z'', positive for a capacitive cell).  Other techniques are not read yet; a session with
none of them is refused, saying so.

Parser: the standard library's :mod:`json` (strict, maintained).  PalmSens' own SDK
(``pypalmsens``) reads sessions through the .NET runtime — too heavy a dependency for a file
reader — so only the documented JSON layout is used here.  A cut or damaged file is a
:class:`~sselab.exceptions.ReaderError` (JSON cannot be read in part); arrays of unequal
length, a missing or doubled Hz/ZRe/ZIm array, or a non-number value are errors too.

Examples
--------
>>> from sselab.io import read
>>> [s.n_points for s in read("pyimpspec__data.pssession")]     # doctest: +SKIP
[29]
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from ...exceptions import ReaderError
from ..checks import make_spectrum
from ..registry import register

NAME = "palmsens-pssession"
_UNITS = {"f": "PalmSens.Units.Hertz", "re": "PalmSens.Units.ZRe", "im": "PalmSens.Units.ZIm"}


def _text(raw: bytes) -> str:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16", errors="strict")
    if len(raw) > 1 and raw[1:2] == b"\x00":
        return raw.decode("utf-16-le", errors="strict")
    return raw.decode("utf-8-sig", errors="strict")


def sniff(path: Path, head: bytes) -> bool:
    """JSON whose first key says ``"Type":"PalmSens.DataFiles.SessionFile"`` (any encoding)."""
    flat = head.replace(b"\x00", b"")
    return b'"PalmSens.DataFiles.SessionFile"' in flat or (flat.lstrip(b"\xff\xfe\xef\xbb\xbf ").startswith(b"{")
                                                           and b'"MethodForMeasurement"' in flat)


def _values(path: Path, title: str, arr: dict[str, Any], what: str) -> np.ndarray:
    items = arr.get("DataValues")
    if not isinstance(items, list):
        raise ReaderError(path, f"{title}: the {what} array has no DataValues list")
    out = np.empty(len(items))
    for i, item in enumerate(items):
        v = item.get("V") if isinstance(item, dict) else None
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise ReaderError(path, f"{title}: {what} value {i + 1} is {v!r}, not a finite number")
        out[i] = v
    return out


def _spectrum(path: Path, meas: dict[str, Any], index: int, n_eis: int) -> Any:
    title = str(meas.get("Title") or f"measurement {index + 1}")
    found: dict[str, list[dict[str, Any]]] = {k: [] for k in _UNITS}
    for arr in meas["DataSet"].get("Values") or []:
        unit = (arr.get("Unit") or {}).get("Type") if isinstance(arr, dict) else None
        for key, name in _UNITS.items():
            if unit == name:
                found[key].append(arr)
    for key, arrs in found.items():
        if len(arrs) != 1:
            raise ReaderError(path, f"{title}: {len(arrs)} arrays of unit {_UNITS[key]} (expected exactly one)")
    f, re_, im = (_values(path, title, found[k][0], k) for k in ("f", "re", "im"))
    if not f.size == re_.size == im.size:
        raise ReaderError(path, f"{title}: {f.size} frequencies, {re_.size} Z' and {im.size} Z'' values")
    notes = [f"PalmSens .pssession measurement {index + 1} ({title!r}): frequency [Hz], ZRe [Ω], ZIm = -Z'' [Ω]"]
    return make_spectrum(path, f, re_ - 1j * im, instrument=NAME, notes=notes,
                         label=title if n_eis > 1 else "",
                         metadata={"title": title, "device": meas.get("DeviceUsed"),
                                   "timestamp": meas.get("TimeStamp")})


@register(NAME, (".pssession",), ("spectrum",), sniff=sniff, priority=10)
def read(path: Path, kind: str | None = None) -> list:
    """Read every EIS measurement of a PalmSens session (one spectrum each)."""
    try:
        text = _text(path.read_bytes())
    except UnicodeDecodeError as exc:
        raise ReaderError(path, f"not UTF-16/UTF-8 text at byte {exc.start}: not a .pssession (or damaged)") from None
    text = text.strip("\ufeff\x00 \r\n\t")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ReaderError(path, f"JSON broken at line {exc.lineno} column {exc.colno} ({exc.msg}): "
                          "file cut or damaged") from None
    except RecursionError:
        raise ReaderError(path, "JSON nested too deeply: not a .pssession") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("Measurements"), list):
        raise ReaderError(path, "no 'Measurements' list: not a PalmSens session file")
    eis, other = [], []
    for m in doc["Measurements"]:
        ds = m.get("DataSet") if isinstance(m, dict) else None
        kind_name = str((ds or {}).get("Type", "")) if isinstance(ds, dict) else ""
        (eis if "EIS" in kind_name else other).append(m if "EIS" in kind_name else kind_name or "unknown")
    if not eis:
        raise ReaderError(path, f"{len(other)} measurement(s), none EIS ({', '.join(sorted(set(other)))[:120]}); "
                          "only impedance measurements of .pssession files are read (export others as CSV)")
    return [_spectrum(path, m, i, len(eis)) for i, m in enumerate(eis)]
