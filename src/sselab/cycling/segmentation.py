"""Split a galvanostatic record into half-cycles by the sign of the applied current.

Conventions (stated once, used everywhere in :mod:`sselab.cycling`)
--------------------------------------------------------------------
* **Plating = negative current on the working electrode** (reduction at the WE, metal
  deposited on it); stripping = positive current.  The cell voltage is reported as the
  signed overpotential of a symmetric cell: negative while plating, positive while stripping.
* A point is *active* when ``|I| > zero_fraction * I_nominal`` and it belongs to a run of at
  least ``min_points`` (5) consecutive points of one sign whose current is steady (relative
  spread, MAD / median, below ``max_spread``); such steady runs must cover at least 20 % of
  the record's time, else there is no current step to analyse (an error).  ``I_nominal`` is the median ``|I|`` of steady
  points.  Everything else is *inactive*: rests (``I ≈ 0`` with noise) and impedance blocks
  interleaved in the record (an EIS block's current swings from point to point, so it never
  forms a steady run; points with ``metadata["frequency_Hz"] > 0`` per point are excluded too).
* A half-cycle is a maximal run of active points of one sign.  Two runs of the same sign
  separated only by inactive points are merged when the gap is shorter than
  ``merge_gap_fraction`` (5 %) of their combined span (a noise dip or short interruption) and their
  currents agree within 25 %; otherwise they stay separate half-cycles.  Runs shorter than
  ``min_duration_fraction`` (10 %) of the median duration of the runs at the nominal current
  (±25 %) are dropped first, with a warning: switching transients, and the DC offset
  current of impedance blocks (mb.mpr: −0.67 µA for 4 min between ±2.8 µA, 1 h steps).
* The first half-cycle is a *formation step* when its duration differs from the median
  duration of the later half-cycles of its sign by more than 50 % or its current by more
  than 25 %; it gets cycle number 0 and is left out of the cycle statistics.
* Cycles are numbered from 1: a cycle is a half-cycle of the sign of the first regular
  half-cycle followed by the next half-cycle of the opposite sign.  A half-cycle whose
  duration is < 80 % of the median of its sign at the end of the record is flagged
  ``truncated`` (a file cut mid-record): reported, never silently counted as complete.

Examples
--------
>>> import numpy as np
>>> from sselab.measurements import GalvanostaticRecord
>>> t = np.arange(0, 400.0)
>>> i = np.where((t // 100) % 2 == 0, -1e-5, 1e-5)
>>> seg = segment(GalvanostaticRecord(time_s=t, current_A=i, voltage_V=np.sign(i) * 0.1))
>>> [h.cycle for h in seg.half_cycles], seg.n_cycles
([1, 1, 2, 2], 2)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..exceptions import AnalysisError
from ..measurements import GalvanostaticRecord

PLATING = -1
STRIPPING = 1


@dataclass(frozen=True)
class HalfCycle:
    """One half-cycle: points ``start:stop`` of the record (``stop`` exclusive)."""

    index: int
    start: int
    stop: int
    sign: int
    current_A: float
    t_start_s: float
    t_end_s: float
    cycle: int = 0
    formation: bool = False
    truncated: bool = False

    @property
    def kind(self) -> str:
        return "plating" if self.sign == PLATING else "stripping"

    @property
    def duration_s(self) -> float:
        return self.t_end_s - self.t_start_s

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index, "cycle": self.cycle, "kind": self.kind,
            "start_point": self.start, "stop_point": self.stop,
            "current_A": self.current_A, "t_start_s": self.t_start_s, "t_end_s": self.t_end_s,
            "duration_s": self.duration_s, "formation": self.formation, "truncated": self.truncated,
        }


@dataclass(frozen=True)
class Segmentation:
    """Half-cycles of a record, the nominal current, and what was decided on the way."""

    half_cycles: tuple[HalfCycle, ...]
    nominal_current_A: float
    first_sign: int
    active: np.ndarray = field(repr=False)
    warnings: tuple[str, ...] = ()

    @property
    def n_cycles(self) -> int:
        """Complete cycles: numbered cycles with both halves present and neither truncated."""
        done = 0
        for c in {h.cycle for h in self.half_cycles if h.cycle > 0}:
            halves = [h for h in self.half_cycles if h.cycle == c]
            if len({h.sign for h in halves}) == 2 and not any(h.truncated for h in halves):
                done += 1
        return done


def _runs(labels: np.ndarray) -> list[tuple[int, int, int]]:
    """(start, stop, label) of maximal runs of equal labels."""
    if labels.size == 0:
        return []
    edges = np.flatnonzero(np.diff(labels)) + 1
    starts = np.r_[0, edges]
    stops = np.r_[edges, labels.size]
    return [(int(a), int(b), int(labels[a])) for a, b in zip(starts, stops)]


def segment(
    record: GalvanostaticRecord,
    *,
    zero_fraction: float = 0.2,
    min_points: int = 5,
    max_spread: float = 0.1,
    merge_gap_fraction: float = 0.05,
    min_duration_fraction: float = 0.1,
) -> Segmentation:
    """Split ``record`` into half-cycles (see the module docstring for every rule).

    Raises
    ------
    AnalysisError
        No current, no steady current step, or current of one sign only.
    """
    t = np.asarray(record.time_s, float)
    i = np.asarray(record.current_A, float)
    v = np.asarray(record.voltage_V, float)
    src = record.source or "record"
    if i.size == 0 or t.size != i.size or v.size != i.size:
        raise AnalysisError(f"{src}: needs time, current and voltage arrays of equal non-zero length "
                            f"(got {t.size}, {i.size}, {v.size})")
    finite = np.isfinite(t) & np.isfinite(i) & np.isfinite(v)
    freq = record.metadata.get("frequency_Hz") if record.metadata else None
    if freq is not None and np.shape(freq) == i.shape:
        finite &= ~(np.asarray(freq, float) > 0)

    # 1. candidate steady runs of one sign (no threshold yet: sign of finite points)
    sign = np.where(finite, np.sign(i), 0).astype(int)
    steady = np.zeros(i.size, bool)
    for a, b, s in _runs(sign):
        if s == 0 or b - a < min_points:
            continue
        mag = np.abs(i[a:b])
        med = np.median(mag)
        if med > 0 and np.median(np.abs(mag - med)) / med <= max_spread:
            steady[a:b] = True
    span = t[finite][-1] - t[finite][0] if finite.sum() > 1 else 0.0
    covered = sum(t[b - 1] - t[a] for a, b, _ in _runs(steady.astype(int)) if steady[a])
    if not steady.any() or span <= 0 or covered < 0.2 * span:
        raise AnalysisError(f"{src}: no steady current step found (is the current column the applied "
                            "current? an all-zero or purely noisy current cannot be segmented)")
    nominal = float(np.median(np.abs(i[steady])))

    # 2. active points: steady, above the zero threshold
    active = steady & (np.abs(i) > zero_fraction * nominal)
    lab = np.where(active, np.sign(i), 0).astype(int)
    runs = [(a, b, s) for a, b, s in _runs(lab) if s != 0 and b - a >= min_points]
    if not runs:
        raise AnalysisError(f"{src}: no current step above {zero_fraction:.0%} of the nominal current")

    # 2b. drop brief runs (transients, impedance blocks): shorter than 10 % of the median
    #     duration of the runs at the nominal current
    durations = np.array([t[b - 1] - t[a] for a, b, _ in runs])
    at_nominal = np.array([abs(abs(np.median(i[a:b])) / nominal - 1) <= 0.25 for a, b, _ in runs])
    ref_duration = np.median(durations[at_nominal]) if at_nominal.any() else np.median(durations)
    long_enough = durations >= min_duration_fraction * ref_duration
    n_short = int((~long_enough).sum())
    runs = [r for r, keep in zip(runs, long_enough) if keep]

    # 3. merge same-sign runs separated by a short inactive gap at the same current
    merged: list[list[int]] = []
    for a, b, s in runs:
        if merged and merged[-1][2] == s:
            pa, pb, _ = merged[-1]
            gap = t[a] - t[pb - 1]
            combined = t[b - 1] - t[pa]
            same_i = abs(np.median(i[a:b]) / np.median(i[pa:pb]) - 1) <= 0.25
            if same_i and gap <= merge_gap_fraction * combined:
                merged[-1][1] = b
                continue
        merged.append([a, b, s])

    signs = {s for _, _, s in merged}
    if len(signs) < 2:
        kind = "negative (plating)" if PLATING in signs else "positive (stripping)"
        raise AnalysisError(f"{src}: the current is {kind} only ({len(merged)} step(s) of one sign); "
                            "plating/stripping needs both signs")

    warnings: list[str] = []
    if n_short:
        warnings.append(f"{n_short} brief current run(s) (< {min_duration_fraction:.0%} of the usual step "
                        "duration: transients or impedance blocks) ignored")
    halves = [dict(start=a, stop=b, sign=s, current_A=float(np.median(i[a:b])),
                   t_start_s=float(t[a]), t_end_s=float(t[b - 1])) for a, b, s in merged]

    def med_dur(sign_: int, skip: int) -> float:
        d = [h["t_end_s"] - h["t_start_s"] for k, h in enumerate(halves) if h["sign"] == sign_ and k != skip]
        return float(np.median(d)) if d else float("nan")

    def med_cur(sign_: int, skip: int) -> float:
        c = [abs(h["current_A"]) for k, h in enumerate(halves) if h["sign"] == sign_ and k != skip]
        return float(np.median(c)) if c else float("nan")

    # 4. formation step
    formation = False
    if len(halves) >= 4:
        h0 = halves[0]
        d_ref, c_ref = med_dur(h0["sign"], 0), med_cur(h0["sign"], 0)
        dur0 = h0["t_end_s"] - h0["t_start_s"]
        if (np.isfinite(d_ref) and d_ref > 0 and abs(dur0 / d_ref - 1) > 0.5) or (
            np.isfinite(c_ref) and abs(abs(h0["current_A"]) / c_ref - 1) > 0.25
        ):
            formation = True
            warnings.append(f"first half-cycle ({dur0:.0f} s at {h0['current_A']:.3g} A) treated as a "
                            "formation step (cycle 0), left out of the cycle statistics")

    # 5. truncated last half-cycles
    truncated = set()
    for k in (len(halves) - 1,):
        h = halves[k]
        ref = med_dur(h["sign"], k)
        if np.isfinite(ref) and ref > 0 and (h["t_end_s"] - h["t_start_s"]) < 0.8 * ref:
            truncated.add(k)
            warnings.append(f"last half-cycle lasts {h['t_end_s'] - h['t_start_s']:.0f} s, < 80 % of the "
                            f"usual {ref:.0f} s: record cut mid-step; it is reported but its cycle is "
                            "not counted as complete")

    # 6. cycle numbering
    regular = [k for k in range(len(halves)) if not (formation and k == 0)]
    first_sign = halves[regular[0]]["sign"]
    cycles = [0] * len(halves)
    c = 0
    open_cycle = False
    for k in regular:
        if halves[k]["sign"] == first_sign:
            c += 1
            cycles[k] = c
            open_cycle = True
        elif open_cycle:
            cycles[k] = c
            open_cycle = False
        else:
            warnings.append(f"half-cycle {k} ({'plating' if halves[k]['sign'] < 0 else 'stripping'}) "
                            "follows a half-cycle of the same sign: left unpaired (cycle 0)")
    out = tuple(
        HalfCycle(index=k, cycle=cycles[k], formation=(formation and k == 0), truncated=k in truncated, **h)
        for k, h in enumerate(halves)
    )
    incomplete = [cyc for cyc in set(cycles) if cyc > 0 and sum(1 for x in cycles if x == cyc) < 2]
    if incomplete:
        warnings.append(f"cycle {max(incomplete)} has one half-cycle only: not counted as complete")
    return Segmentation(out, nominal, first_sign, active, tuple(warnings))
