"""BioLogic EC-Lab columns → measurements; shared by the ``.mpr`` and ``.mpt`` readers.

Both formats carry the same column names (``freq/Hz``, ``Re(Z)/Ohm``, ``-Im(Z)/Ohm``,
``time/s``, ``Ewe/V``, ``I/mA``, ``<I>/mA``, ``control/V/mA``, ``cycle number``, ``z cycle``,
``Ns``), so one set of rules turns a column dict into each kind:

- spectrum: rows with a positive frequency; split into one spectrum per ``cycle number`` /
  ``z cycle`` / ``Ns`` change and wherever the sweep restarts (frequency jumps back);
  rows without a frequency (DC parts of a multi-technique file) are dropped and counted.
  In a file whose technique is impedance only (PEIS/GEIS, ``eis_only=True``) a row with a
  zero, negative, NaN or infinite frequency is a damaged row: dropped, counted in the notes
  and a ``rows_dropped`` warning in the reading's verdict.
- potential: time and ``Ewe/V`` only (OCV, WAIT).
- transient / voltammogram / galvanostatic: rows without a frequency; time is made relative to
  the first point (the offset is kept in ``metadata["time_offset_s"]``); the measured current
  (``I/mA``, then ``<I>/mA``) is preferred over the set current (``control/V/mA``).

Examples
--------
>>> import numpy as np
>>> cols = {"freq/Hz": np.array([1e3, 1e2, 10.0]), "Re(Z)/Ohm": np.array([1., 2, 3]),
...         "-Im(Z)/Ohm": np.array([.1, .5, .2])}
>>> [s.n_points for s in spectra_from_columns(cols, "x.mpt", "biologic-mpt")]
[3]
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

import numpy as np

from ..exceptions import ReaderError
from ..measurements import CurrentTransient, GalvanostaticRecord, PotentialRecord, Voltammogram
from .checks import check_series, dropped_rows, make_spectrum
from .columns import split_unit, unit_factor
from .spectrum_columns import impedance_from_parts, impedance_from_polar

Columns = Mapping[str, np.ndarray]


def _get(cols: Columns, *names: str) -> tuple[str, np.ndarray] | None:
    for name in names:
        if name in cols:
            return name, np.asarray(cols[name], dtype=float)
    return None


def _segments(keys: list[np.ndarray], freq: np.ndarray, rows: np.ndarray | None = None) -> tuple[list[np.ndarray], int]:
    """Index arrays of each spectrum: split where the sweep restarts, or where a key changes
    after rows without a frequency (``rows``: the file row of each point).  A key that changes
    between adjacent rows while the frequency goes on in the sweep's direction does not split
    (EC-Lab resets ``z cycle`` inside a sweep: yadg's mb.issue_149); returns the segments and
    the number of such key changes ignored."""
    n = freq.size
    changed = np.zeros(n, dtype=bool)
    for key in keys:
        changed[1:] |= key[1:] != key[:-1]
    logf = np.log(freq)
    step = np.diff(logf)
    direction = np.sign(np.median(step)) if step.size else -1.0
    if direction == 0:
        direction = -1.0
    cut = np.zeros(n, dtype=bool)
    cut[1:] = np.sign(step) == -direction
    adjacent = np.zeros(n, dtype=bool)
    if rows is not None:
        adjacent[1:] = np.diff(rows) == 1
    ignored = changed & adjacent & ~cut
    cut |= changed & ~adjacent
    starts = np.flatnonzero(cut)
    return np.split(np.arange(n), starts), int(ignored.sum())


def spectra_from_columns(cols: Columns, path: Path | str, instrument: str, notes: list[str] | None = None,
                         area_cm2: float | None = None, temperature_K: float | None = None,
                         eis_only: bool = False) -> list:
    """One :class:`Spectrum` per impedance sweep in a BioLogic column dict.

    ``eis_only``: the file's technique is impedance only, so a row without a valid frequency
    is damage (warning), not a DC point of a multi-technique file (note).
    """
    notes = list(notes or [])
    reasons = []
    f_col = _get(cols, "freq/Hz")
    if f_col is None:
        raise ReaderError(path, "no impedance data (no 'freq/Hz' column); not an EIS file?")
    freq = f_col[1]
    rows = np.isfinite(freq) & (freq > 0)
    if not rows.any():
        raise ReaderError(path, "no impedance data (all frequencies are zero); not an EIS file?")
    n_dropped = int((~rows).sum())
    if n_dropped:
        bad = freq[~rows]
        parts = [(int(np.isnan(bad).sum()), "NaN"), (int(np.isinf(bad).sum()), "infinite"),
                 (int((bad == 0).sum()), "zero"), (int((bad < 0).sum()), "negative")]
        why = ", ".join(f"{n} {w}" for n, w in parts if n) + " frequency"
        if eis_only:
            notes.append(f"{n_dropped} of {freq.size} rows dropped: {why} in an impedance-only file")
            reasons.append(dropped_rows(n_dropped, why, freq.size))
        else:
            notes.append(f"{n_dropped} rows without a frequency (non-EIS points: {why}) left out")
    re_col = _get(cols, "Re(Z)/Ohm")
    im_col = _get(cols, "-Im(Z)/Ohm", "Im(Z)/Ohm")
    if re_col is not None and im_col is not None:
        z, sign_notes = impedance_from_parts(re_col[1][rows], im_col[1][rows], im_col[0], im_col[0].startswith("-"))
        notes.append(f"Z' from {re_col[0]!r}, Z'' from {im_col[0]!r}")
    else:
        mod, ph = _get(cols, "|Z|/Ohm"), _get(cols, "Phase(Z)/deg")
        if mod is None or ph is None:
            raise ReaderError(path, "impedance columns missing: need Re(Z)/-Im(Z) or |Z|/Phase(Z)")
        z, sign_notes = impedance_from_polar(mod[1][rows], ph[1][rows], ph[0])
    notes += sign_notes
    f = freq[rows]
    keys, key_names = [], []
    for name in ("cycle number", "z cycle", "Ns", "loop"):
        if name in cols:
            keys.append(np.asarray(cols[name])[rows])
            key_names.append(name)
    index = np.arange(freq.size)[rows]
    segments, ignored = _segments(keys, f, index)
    split_note = (
        f"{len(segments)} spectra, split on frequency resets and on changes of "
        f"{', '.join(repr(k) for k in key_names) or 'nothing'} after non-EIS rows; points in the file's order"
    )
    if ignored:
        split_note += (f"; {ignored} counter change(s) between adjacent rows inside a continuing sweep "
                       "not taken as a new spectrum")
    out = []
    time = _get(cols, "time/s")
    for k, seg in enumerate(segments):
        meta = {"spectrum_index": k, "first_row": int(index[seg[0]])}
        if time is not None:
            meta["time_s"] = float(time[1][index[seg[0]]])
        for name, key in zip(key_names, keys):
            meta[name.replace(" ", "_")] = float(key[seg[0]])
        out.append(
            make_spectrum(
                path, f[seg], z[seg], instrument=instrument, notes=notes + [split_note],
                metadata=meta, area_cm2=area_cm2, temperature_K=temperature_K, reasons=reasons,
                label=f"spectrum {k + 1} of {len(segments)}" if len(segments) > 1 else "",
            )
        )
    return out


def _dc_rows(cols: Columns) -> tuple[np.ndarray, int]:
    n = len(next(iter(cols.values())))
    if "freq/Hz" not in cols:
        return np.ones(n, dtype=bool), 0
    f = np.asarray(cols["freq/Hz"], dtype=float)
    rows = ~(f > 0)
    return rows, int((~rows).sum())


def _current(cols: Columns, path: Path | str, notes: list[str]) -> np.ndarray:
    for name in ("I/mA", "<I>/mA", "I/A", "<I>/A"):
        if name in cols:
            notes.append(f"current from {name!r} (measured current)")
            return np.asarray(cols[name], dtype=float) * unit_factor(split_unit(name)[1], "current", path)
    if "dq/mA.h" in cols and "time/s" in cols:
        t, dq = np.asarray(cols["time/s"], dtype=float), np.asarray(cols["dq/mA.h"], dtype=float)
        dt = np.diff(t)
        if t.size > 1 and np.all(dt > 0) and np.all(np.isfinite(dq)):
            # the mean current over each interval, as EC-Lab writes '<I>/mA' into its text export
            # (equal to 1e-15 on yadg's gcpl.pr_182.2 .mpr/.mpt pair); the first point has none: 0
            notes.append("current = dq/Δt from 'dq/mA.h' and 'time/s' (the .mpr has no current column; "
                         "EC-Lab's '<I>/mA' of the text export is the same quantity)")
            return np.r_[0.0, dq[1:] * 3.6 / dt]  # mA·h · 3600 s/h / s = mA → A
    for name in ("control/V/mA", "control/mA"):
        if name in cols:
            unit = split_unit(name)[1]
            factor = unit_factor(unit, "current", path)
            kind = "set (control) current: the file has no measured current column" if name.startswith("control") else "measured current"
            notes.append(f"current from {name!r} ({kind})")
            return np.asarray(cols[name], dtype=float) * factor
    raise ReaderError(path, f"no current column (expected 'I/mA' or '<I>/mA'); columns: {', '.join(cols)}")


def _potential(cols: Columns, path: Path | str, notes: list[str]) -> np.ndarray:
    for name in ("Ewe/V", "<Ewe>/V", "Ecell/V", "Ewe-Ece/V"):
        if name in cols:
            notes.append(f"potential from {name!r} (measured)")
            return np.asarray(cols[name], dtype=float)
    raise ReaderError(path, f"no potential column (expected 'Ewe/V'); columns: {', '.join(cols)}")


def _time(cols: Columns, path: Path | str, rows: np.ndarray, notes: list[str], meta: dict) -> np.ndarray:
    if "time/s" not in cols:
        raise ReaderError(path, "no 'time/s' column")
    t = np.asarray(cols["time/s"], dtype=float)[rows]
    if t.size:
        meta["time_offset_s"] = float(t[0])
        notes.append(f"time relative to the first point (file time {t[0]:.6g} s subtracted)")
        t = t - t[0]
    return t


def _dc_common(cols: Columns, path: Path | str, what: str) -> tuple[np.ndarray, list[str], dict, np.ndarray, np.ndarray, np.ndarray]:
    rows, n_eis = _dc_rows(cols)
    notes: list[str] = []
    if n_eis:
        notes.append(f"{n_eis} impedance points (positive frequency) left out; {int(rows.sum())} {what} points kept")
    meta: dict = {}
    t = _time(cols, path, rows, notes, meta)
    i = _current(cols, path, notes)[rows]
    e = _potential(cols, path, notes)[rows]
    check_series(path, {"time": t, "current": i, "potential": e})
    return rows, notes, meta, t, i, e


def transient_from_columns(cols: Columns, path: Path | str, instrument: str, notes: list[str] | None = None,
                           area_cm2: float | None = None) -> list:
    """A :class:`CurrentTransient` (chronoamperometry) from a BioLogic column dict."""
    rows, more, meta, t, i, e = _dc_common(cols, path, "DC")
    if "control/V" in cols:
        meta["control_potential_V"] = float(np.median(np.asarray(cols["control/V"], float)[rows]))
        more.append(f"set potential {meta['control_potential_V']:.4g} V (median of 'control/V')")
    return [CurrentTransient(source=str(path), instrument=instrument, area_cm2=area_cm2,
                             notes=tuple((notes or []) + more), metadata=meta,
                             time_s=t, current_A=i, potential_V=e)]


def galvanostatic_from_columns(cols: Columns, path: Path | str, instrument: str, notes: list[str] | None = None,
                               area_cm2: float | None = None) -> list:
    """A :class:`GalvanostaticRecord` from a BioLogic column dict (EIS rows left out)."""
    rows, more, meta, t, i, e = _dc_common(cols, path, "galvanostatic")
    return [GalvanostaticRecord(source=str(path), instrument=instrument, area_cm2=area_cm2,
                                notes=tuple((notes or []) + more), metadata=meta,
                                time_s=t, current_A=i, voltage_V=e)]


def potential_from_columns(cols: Columns, path: Path | str, instrument: str, notes: list[str] | None = None,
                           area_cm2: float | None = None) -> list:
    """A :class:`PotentialRecord` (OCV, rest) from a BioLogic column dict: time and Ewe only."""
    more: list[str] = []
    meta: dict = {}
    rows, _ = _dc_rows(cols)
    t = _time(cols, path, rows, more, meta)
    e = _potential(cols, path, more)[rows]
    check_series(path, {"time": t, "potential": e})
    return [PotentialRecord(source=str(path), instrument=instrument, area_cm2=area_cm2,
                            notes=tuple((notes or []) + more), metadata=meta, time_s=t, potential_V=e)]


def scan_rate(time_s: np.ndarray, potential_V: np.ndarray) -> float | None:
    """Scan rate [V/s]: the median of |dE/dt| over steps with dE ≠ 0 (``None`` if undefined)."""
    dt, de = np.diff(time_s), np.diff(potential_V)
    ok = (dt > 0) & (de != 0)
    if ok.sum() < 2:
        return None
    return float(np.median(np.abs(de[ok] / dt[ok])))


def voltammogram_from_columns(cols: Columns, path: Path | str, instrument: str, notes: list[str] | None = None,
                              area_cm2: float | None = None) -> list:
    """A :class:`Voltammogram` from a BioLogic column dict; scan rate from the set potential."""
    rows, more, meta, t, i, e = _dc_common(cols, path, "CV")
    control = np.asarray(cols["control/V"], float)[rows] if "control/V" in cols else e
    rate = scan_rate(t, control)
    if rate is not None:
        src = "'control/V'" if "control/V" in cols else "the measured potential"
        more.append(f"scan rate {rate:.4g} V/s (median |dE/dt| of {src})")
    if "cycle number" in cols:
        meta["cycles"] = sorted({int(c) for c in np.asarray(cols["cycle number"])[rows]})
    return [Voltammogram(source=str(path), instrument=instrument, area_cm2=area_cm2,
                         notes=tuple((notes or []) + more), metadata=meta,
                         time_s=t, potential_V=e, current_A=i, scan_rate_V_per_s=rate)]


BUILDERS = {
    "spectrum": spectra_from_columns,
    "transient": transient_from_columns,
    "galvanostatic": galvanostatic_from_columns,
    "voltammogram": voltammogram_from_columns,
    "potential": potential_from_columns,
}
