"""Validation shared by every reader: the one place that decides what a usable file is.

:func:`make_spectrum` checks frequencies and impedances and builds a :class:`Spectrum`;
:func:`check_series` does the same for time series (transients, cycling, CV).  Every problem
is a :class:`ReaderError` naming the file and the problem in one line.

Point order: readers keep the file's order (usually high → low frequency, or by time); no
reader sorts.  Analyses that need an order sort for themselves.

Examples
--------
>>> import numpy as np
>>> s = make_spectrum("a.csv", [1e3, 1.0], [10 - 1j, 12 - 5j], min_points=2)
>>> s.n_points
2
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable

import numpy as np

from ..exceptions import ReaderError
from ..measurements import Spectrum
from ..verdict import Reason, Verdict

#: Fewest points a spectrum may have.
MIN_SPECTRUM_POINTS = 3


def make_spectrum(
    path: Path | str,
    frequency_Hz: Iterable[float],
    impedance_ohm: Iterable[complex],
    *,
    instrument: str = "",
    notes: Iterable[str] = (),
    temperature_K: float | None = None,
    area_cm2: float | None = None,
    metadata: dict[str, Any] | None = None,
    label: str = "",
    min_points: int = MIN_SPECTRUM_POINTS,
    reasons: Iterable[Reason] = (),
) -> Spectrum:
    """Validate and build a :class:`Spectrum` (arrays already in Hz and Ω, Z = Z' + jZ'').

    ``label`` (e.g. ``"spectrum 3"``) is put in front of each problem for multi-spectrum files.

    Raises
    ------
    ReaderError
        Empty, too few points, NaN/inf, zero/negative or duplicate frequencies.
    """
    f = np.asarray(frequency_Hz, dtype=float)
    z = np.asarray(impedance_ohm, dtype=complex)
    where = f"{label}: " if label else ""
    if f.size == 0:
        raise ReaderError(path, f"{where}no data points")
    if f.shape != z.shape:
        raise ReaderError(path, f"{where}{f.size} frequencies but {z.size} impedances")
    if f.size < min_points:
        raise ReaderError(path, f"{where}only {f.size} points; a spectrum needs at least {min_points}")
    if not (np.isfinite(f).all() and np.isfinite(z).all()):  # a complex value is finite when both parts are
        bad = ~np.isfinite(f) | ~np.isfinite(z.real) | ~np.isfinite(z.imag)
        i = int(np.argmax(bad))
        raise ReaderError(path, f"{where}NaN or infinite value at point {i + 1} of {f.size}")
    if (f <= 0).any():
        i = int(np.argmax(f <= 0))
        raise ReaderError(path, f"{where}frequency {f[i]:g} Hz at point {i + 1} is not positive")
    if has_duplicates(f):
        uniq, counts = np.unique(f, return_counts=True)
        dup = uniq[counts > 1]
        raise ReaderError(
            path, f"{where}duplicate frequencies ({', '.join(f'{d:g}' for d in dup[:3])} Hz"
            f"{' ...' if dup.size > 3 else ''}); is this several spectra in one file?"
        )
    return Spectrum(
        source=str(path), instrument=instrument, temperature_K=temperature_K, area_cm2=area_cm2,
        notes=tuple(notes), metadata=verdict_meta(metadata or {}, reasons), frequency_Hz=f, impedance_ohm=z,
    )


def has_duplicates(x: np.ndarray) -> bool:
    """Whether ``np.unique(x).size < x.size`` (NaNs count as equal, as ``np.unique`` takes them),
    with one sort instead of ``np.unique``'s sort, mask and the ``numpy.ma`` import."""
    s = np.sort(np.asarray(x).ravel())
    return bool((s[1:] == s[:-1]).any() or np.count_nonzero(np.isnan(s)) > 1)


def verdict_meta(metadata: dict[str, Any], reasons: Iterable[Reason]) -> dict[str, Any]:
    """``metadata`` with ``reading_verdict`` set from ``reasons`` added to any already there."""
    reasons = tuple(reasons)
    out = dict(metadata)
    if not reasons and not metadata.get("reading_verdict"):  # most files: nothing to merge
        out["reading_verdict"] = Verdict.ok().to_dict()
        return out
    old = Verdict.from_dict(metadata.get("reading_verdict"))
    out["reading_verdict"] = old.merge(Verdict.of(reasons)).to_dict()
    return out


def with_reasons(measurement: Any, reasons: Iterable[Reason]) -> Any:
    """A copy of ``measurement`` whose reading verdict also holds ``reasons``."""
    from dataclasses import replace

    reasons = list(reasons)
    if not reasons and "reading_verdict" in measurement.metadata:
        return measurement
    return replace(measurement, metadata=verdict_meta(dict(measurement.metadata), reasons))


def dropped_rows(count: int, why: str, total: int | None = None) -> Reason:
    """The ``rows_dropped`` warning: how many rows were left out and why."""
    of = f" of {total}" if total is not None else ""
    return Reason("rows_dropped", f"{count}{of} rows dropped: {why}", "warning")


def declared_count(declared: int, found: int, what: str) -> Reason:
    """The ``declared_count_mismatch`` warning: the file says ``declared`` points, ``found`` were read."""
    return Reason("declared_count_mismatch", f"{what} declares {declared} points but {found} were read "
                  "(file cut or experiment aborted?)", "warning")


def check_series(path: Path | str, columns: dict[str, np.ndarray], min_points: int = 2, label: str = "") -> None:
    """Check time-series columns (same length, finite, enough points, time not decreasing)."""
    where = f"{label}: " if label else ""
    sizes = {name: np.asarray(v).size for name, v in columns.items()}
    n = next(iter(sizes.values()), 0)
    if n == 0:
        raise ReaderError(path, f"{where}no data points")
    if len(set(sizes.values())) != 1:
        raise ReaderError(path, f"{where}columns of different lengths {sizes}")
    if n < min_points:
        raise ReaderError(path, f"{where}only {n} points; need at least {min_points}")
    for name, values in columns.items():
        values = np.asarray(values, dtype=float)
        if not np.isfinite(values).all():
            i = int(np.argmax(~np.isfinite(values)))
            raise ReaderError(path, f"{where}NaN or infinite {name} at point {i + 1} of {n}")
    if "time" in columns:
        t = np.asarray(columns["time"], dtype=float)
        if (np.diff(t) < 0).any():
            i = int(np.argmax(np.diff(t) < 0)) + 1
            raise ReaderError(path, f"{where}time goes backwards at point {i + 1} ({t[i - 1]:g} → {t[i]:g} s)")


def table_reasons(table: Any) -> tuple[list[str], list[Reason]]:
    """Notes and verdict reasons for what :func:`sselab.io.columns.parse_table` left out or
    found declared: a cut last line (``rows_dropped``), a point-count line that differs
    from the rows read (``declared_count_mismatch``)."""
    notes: list[str] = []
    reasons: list[Reason] = []
    for d in getattr(table, "dropped", ()):
        notes.append(d)
        reasons.append(Reason("rows_dropped", d, "warning"))
    declared = getattr(table, "declared_rows", None)
    if declared is not None:
        n = int(table.data.shape[0])
        notes.append(f"point-count line between header and numbers: {declared}")
        if declared != n:
            reasons.append(declared_count(declared, n, "the point-count line"))
    return notes, reasons
