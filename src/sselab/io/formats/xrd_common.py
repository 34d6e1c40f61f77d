"""What every XRD reader checks before it hands a pattern on (one place, no silent changes).

:func:`make_pattern` validates 2θ (finite, 0 ≤ 2θ < 180°, strictly monotonic; 2θ = 0 is a
valid first point) and intensities; points whose intensity or σ is NaN/inf are dropped *with a
warning naming them*; nothing else is altered.  Warnings are kept in ``notes`` (prefixed
``"warning: "``) and in ``metadata["reader_warnings"]`` so that ``sselab info`` and the store see them.

Examples
--------
>>> import numpy as np
>>> p = make_pattern("a.xy", "xrd-xy", [0.0, 0.02, 0.04], [1.0, float("nan"), 3.0])
>>> p.two_theta_deg.tolist(), p.metadata["reader_warnings"]
([0.0, 0.04], ('dropped 1 point with non-finite intensity/σ (at 2θ = 0.02°)',))
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable

import numpy as np

from ...exceptions import ReaderError
from ...measurements import DiffractionPattern


def make_pattern(
    path: Path | str,
    instrument: str,
    two_theta: Iterable[float],
    intensity: Iterable[float],
    sigma: Iterable[float] | None = None,
    *,
    wavelength_A: tuple[float, ...] = (),
    notes: Iterable[str] = (),
    warnings: Iterable[str] = (),
    metadata: dict[str, Any] | None = None,
    label: str = "",
) -> DiffractionPattern:
    """Validate and build a :class:`DiffractionPattern` (2θ in degrees, intensity in counts).

    Raises
    ------
    ReaderError
        Too few points, non-finite or out-of-range 2θ, 2θ not monotonic, arrays of unequal length.
    """
    where = f"{label}: " if label else ""
    x = np.asarray(two_theta, float).ravel()
    y = np.asarray(intensity, float).ravel()
    s = None if sigma is None else np.asarray(sigma, float).ravel()
    if x.size != y.size or (s is not None and s.size != x.size):
        raise ReaderError(path, f"{where}{x.size} 2θ positions but {y.size} intensities")
    if not np.all(np.isfinite(x)):
        raise ReaderError(path, f"{where}2θ column holds NaN/inf")
    if x.size and (x.min() < 0 or x.max() >= 180):
        raise ReaderError(path, f"{where}2θ outside 0–180° ({x.min():g} to {x.max():g}): not 2θ in degrees")
    warnings = list(warnings)
    bad = ~np.isfinite(y) if s is None else ~(np.isfinite(y) & np.isfinite(s))
    if bad.any():
        at = ", ".join(f"{v:g}" for v in x[bad][:5]) + (", …" if bad.sum() > 5 else "")
        warnings.append(f"dropped {int(bad.sum())} point{'s' if bad.sum() > 1 else ''} with non-finite intensity/σ (at 2θ = {at}°)")
        x, y, s = x[~bad], y[~bad], (None if s is None else s[~bad])
    if x.size < 2:
        raise ReaderError(path, f"{where}fewer than two data points")
    d = np.diff(x)
    notes = list(notes)
    if np.all(d < 0):
        x, y, s = x[::-1], y[::-1], (None if s is None else s[::-1])
        notes.append("2θ decreasing in the file: reversed")
    elif not np.all(d > 0):
        raise ReaderError(path, f"{where}2θ is not strictly increasing (repeated or unordered positions)")
    if s is not None and np.any(s <= 0):
        s = np.where(s > 0, s, 1.0)
        warnings.append("σ ≤ 0 at some points replaced by 1 count")
    meta = dict(metadata or {})
    meta["reader_warnings"] = tuple(warnings)
    return DiffractionPattern(
        source=str(path), instrument=instrument, two_theta_deg=x, intensity=y, sigma=s,
        wavelength_A=tuple(wavelength_A), notes=tuple(notes) + tuple(f"warning: {w}" for w in warnings),
        metadata=meta,
    )


def poisson_sigma(counts: np.ndarray) -> np.ndarray:
    """σ = √counts with a floor of 1 count (zero-count points keep a finite weight)."""
    return np.sqrt(np.maximum(np.asarray(counts, float), 1.0))
