"""Checking and preparing a chronoamperometry record before any analysis.

What is checked: a current column with enough finite points, currents of the sign of the
applied potential, and leading points recorded before the potential reached its set point
(BioLogic records the first point of a CA step while the potentiostat is still ramping; in
the Mo|LiBNH|Mo record of ``ca.mpr`` that point is 18.6 µA at 0.146 V of 0.300 V).

Examples
--------
>>> import numpy as np
>>> from sselab.measurements import CurrentTransient
>>> t = np.arange(10.0)
>>> ct = CurrentTransient(time_s=t, current_A=5e-6 * np.exp(-t) + 1e-6,
...                       potential_V=[0.1] + [0.5] * 9)
>>> p = prepare(ct)
>>> p.first_valid, p.set_potential_V
(1, 0.5)
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

import numpy as np

from ..exceptions import AnalysisError
from ..measurements import CurrentTransient

#: A point is "at the set potential" when within this fraction of it ...
SET_POINT_REL_TOL = 0.05
#: ... or within this many volts.
SET_POINT_ABS_TOL_V = 0.005
#: a record with more than this fraction of its points (after the leading ones) off the set
#: potential is not a potentiostatic hold (cv.mpr: 1.5–5.5 V; real holds: < 1 %)
HOLD_MAX_OFF_FRACTION = 0.1
MIN_POINTS = 8
#: a record whose current (second half: peak-to-peak / |median|) varies by less than this and by
#: less than :data:`GALVANOSTATIC_RATIO` times its potential does is current-controlled
#: (geis.mpr's DC points: 7.5e-5 vs 6e-2; yadg cp.mpr: 9.6e-4 vs 5.1e-2; real holds: I varies ≥ 3 %
#: while V varies ≤ 0.2 %)
GALVANOSTATIC_MAX_CURRENT_SPREAD = 0.01
GALVANOSTATIC_RATIO = 0.1


@dataclass(frozen=True)
class PreparedTransient:
    """A transient ready for analysis: time from the step start, current made positive.

    ``time_s[i]`` is measured from the first recorded point; ``current_A`` is multiplied by
    ``sign`` so that it is positive for a positive driving potential.  Points before
    ``first_valid`` were recorded before the set potential was reached.
    """

    time_s: np.ndarray
    current_A: np.ndarray
    sign: float
    set_potential_V: float | None
    first_valid: int
    notes: tuple[str, ...]
    source: str


def _refuse_current_controlled(src: str, i: np.ndarray, v: np.ndarray) -> None:
    """Raise when the current, not the potential, is what the record holds constant."""
    half = len(i) // 2
    med_i, med_v = abs(float(np.median(i[half:]))), abs(float(np.nanmedian(v[half:])))
    if med_i == 0 or med_v == 0:
        return
    spread_i = float(np.ptp(i[half:])) / med_i
    spread_v = float(np.nanmax(v[half:]) - np.nanmin(v[half:])) / med_v
    if spread_i < GALVANOSTATIC_MAX_CURRENT_SPREAD and spread_i < GALVANOSTATIC_RATIO * spread_v:
        raise AnalysisError(
            f"{src}: not a potentiostatic hold: the current is held constant ({100 * spread_i:.2g} % spread over the "
            f"second half, while the potential moves {100 * spread_v:.2g} %) — a galvanostatic (current-controlled) "
            "record; DC polarisation (t_ion, σ_el) needs the current at a fixed potential")


#: within :func:`prepared_kept`: {(id(transient), set potential): (transient, prepared)}
_KEPT: ContextVar[dict[tuple[int, float | None], tuple[CurrentTransient, PreparedTransient]] | None] = ContextVar(
    "sselab_prepared_kept", default=None)


@contextmanager
def prepared_kept() -> Iterator[None]:
    """Within the block, :func:`prepare` of the same transient object and set potential is
    done once (a study's batched decay prefit prepares each record its task prepares again)."""
    token = _KEPT.set({})
    try:
        yield
    finally:
        _KEPT.reset(token)


def prepare(transient: CurrentTransient, set_potential_V: float | None = None) -> PreparedTransient:
    """Check a transient and return a :class:`PreparedTransient` (see module docstring).

    Raises
    ------
    AnalysisError
        No current column, too few points, non-monotonic time, currents of the wrong sign.
    """
    kept = _KEPT.get()
    if kept is None:
        return _prepare(transient, set_potential_V)
    key = (id(transient), set_potential_V)
    hit = kept.get(key)
    if hit is not None and hit[0] is transient:
        return hit[1]
    out = _prepare(transient, set_potential_V)
    kept[key] = (transient, out)  # the transient kept alive with it: its id is not reused
    return out


def _prepare(transient: CurrentTransient, set_potential_V: float | None) -> PreparedTransient:
    src = transient.source or "transient"
    t = np.asarray(transient.time_s, float)
    i = np.asarray(transient.current_A, float)
    if i.size == 0:
        raise AnalysisError(f"{src}: no current values (the file has no current column?)")
    if t.size != i.size:
        raise AnalysisError(f"{src}: {t.size} times but {i.size} currents")
    ok = np.isfinite(t) & np.isfinite(i)
    if ok.sum() < MIN_POINTS:
        raise AnalysisError(f"{src}: {int(ok.sum())} usable points; a DC polarisation needs at least {MIN_POINTS}")
    v = np.asarray(transient.potential_V, float)
    v = v[ok] if v.size == t.size else np.empty(0)
    t, i = t[ok], i[ok]
    if np.any(np.diff(t) <= 0):
        raise AnalysisError(f"{src}: time is not strictly increasing")
    notes: list[str] = []
    first_valid = 0
    vset = set_potential_V
    if vset is None and v.size and np.any(np.isfinite(v)):
        vset = float(np.nanmedian(v[len(v) // 2:]))
        notes.append(f"set potential {vset:.4g} V (median of the second half of the record)")
    if vset is not None and v.size:
        tol = max(SET_POINT_REL_TOL * abs(vset), SET_POINT_ABS_TOL_V)
        off = np.abs(v - vset) > tol
        limit = max(1, len(v) // 10)
        while first_valid < limit and off[first_valid]:
            first_valid += 1
        lead = int(np.argmin(off)) if not off.all() else off.size  # the leading run before the set point
        off_after = float(np.mean(off[lead:])) if lead < off.size else 1.0
        if off_after > HOLD_MAX_OFF_FRACTION and off[lead:].sum() > 2:
            raise AnalysisError(
                f"{src}: not a potentiostatic hold: the potential spans {np.nanmin(v):.4g}–{np.nanmax(v):.4g} V and "
                f"{100 * off_after:.0f} % of the points are off the set point {vset:.4g} V by more than {1000 * tol:.3g} mV "
                "(a sweep, e.g. a cyclic voltammogram?); DC polarisation (t_ion, σ_el) needs a hold at one potential"
            )
        _refuse_current_controlled(src, i, v)
        if first_valid:
            notes.append(
                f"{first_valid} leading point(s) recorded before the set potential was reached "
                f"(first point at {v[0]:.4g} V, {i[0]:.4g} A, set point {vset:.4g} V): not used as I0"
            )
    if vset is not None and abs(vset) > 0:
        sign = float(np.sign(vset))
    else:
        sign = float(np.sign(np.median(i[first_valid:]))) or 1.0
    cur = i * sign
    tail = cur[first_valid:]
    if np.median(tail) <= 0:
        what = f"the applied potential is {vset:+.4g} V" if vset is not None else "the currents change sign"
        raise AnalysisError(
            f"{src}: currents of the wrong sign: median current {np.median(i[first_valid:]):.3g} A while {what}; "
            "check the cell connection or the sign convention of the file"
        )
    if np.mean(tail < 0) > 0.2:
        notes.append(f"{100 * np.mean(tail < 0):.0f}% of the currents have the opposite sign (noise around zero?)")
    if sign < 0:
        notes.append("negative potential and currents: analysed with signs reversed")
    return PreparedTransient(t - t[0], cur, sign, vset, first_valid, tuple(notes), src)
