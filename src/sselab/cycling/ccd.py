"""Critical current density (CCD) from stepped-current plating/stripping.

A symmetric Mg|SE|Mg cell is cycled at current densities raised step by step (a few cycles
per step); the CCD is the highest current density the cell sustains before it shorts.  Each
half-cycle gives an apparent resistance R_k = |η_k| / |I_k| (η the end-of-half-cycle
overpotential, the median of its last 10 % of points); a short is the cycle where R_k
collapses below ``fraction`` (0.3) of the running median of the previous ``window``
half-cycles and stays down (the rule of :func:`sselab.cycling.events.detect_short_circuit`,
on R instead of η so that rising steps do not hide it, from the second half-cycle on).  The CCD is the density of the last step
completed before the short; the failing step's density is reported beside it.  Without a
short the CCD is only a lower bound (the highest density tested), and the verdict says so.

Examples
--------
>>> rec = simulate_stepped_cycling([0.01, 0.02, 0.05, 0.1, 0.2], area_cm2=1.327, short_at_mA_per_cm2=0.1)
>>> r = critical_current_density(rec, area_cm2=1.327)
>>> r.ccd_mA_per_cm2, r.failure_mA_per_cm2
(0.05, 0.1)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from ..exceptions import AnalysisError
from ..measurements import GalvanostaticRecord
from ..verdict import Verdict

#: Relative tolerance for two half-cycles to belong to the same current step.
STEP_TOLERANCE = 0.05


@dataclass(frozen=True)
class CCDResult:
    ccd_mA_per_cm2: float | None
    failure_mA_per_cm2: float | None
    short_half_cycle: int | None
    steps_mA_per_cm2: tuple[float, ...]
    half_cycles: tuple[dict[str, Any], ...]
    verdict: Verdict

    def to_dict(self) -> dict[str, Any]:
        return {"ccd_mA_per_cm2": self.ccd_mA_per_cm2, "failure_mA_per_cm2": self.failure_mA_per_cm2,
                "short_half_cycle": self.short_half_cycle, "steps_mA_per_cm2": list(self.steps_mA_per_cm2),
                "half_cycles": list(self.half_cycles), **self.verdict.to_dict()}


def _half_cycles(t: np.ndarray, i: np.ndarray, v: np.ndarray) -> list[tuple[int, int]]:
    """(start, stop) of runs of one current sign, ignoring rests (|I| < 1 % of the largest)."""
    level = np.max(np.abs(i))
    sign = np.where(np.abs(i) > 0.01 * level, np.sign(i), 0).astype(int)
    runs, start = [], None
    for k in range(sign.size + 1):
        s = sign[k] if k < sign.size else 0
        if start is not None and s != sign[start]:
            if k - start >= 3:
                runs.append((start, k))
            start = None
        if start is None and s != 0:
            start = k
    return runs


def critical_current_density(record: GalvanostaticRecord, *, area_cm2: float, fraction: float = 0.3,
                             window: int = 4) -> CCDResult:
    """CCD [mA/cm²] of a stepped-current plating/stripping record (module docstring)."""
    if area_cm2 is None or not area_cm2 > 0:
        raise AnalysisError("critical current density needs the electrode area (--area), > 0 cm²")
    t, i, v = (np.asarray(a, float) for a in (record.time_s, record.current_A, record.voltage_V))
    if t.size < 10 or not np.any(i != 0):
        raise AnalysisError(f"{record.source or 'record'}: no current steps to analyse")
    halves = _half_cycles(t, i, v)
    if len(halves) < 4:
        raise AnalysisError(f"{record.source or 'record'}: {len(halves)} half-cycles; a CCD test needs several "
                            "plating/stripping half-cycles per current step")
    rows = []
    for k, (a, b) in enumerate(halves):
        tail = slice(b - max(1, (b - a) // 10), b)
        cur = float(np.median(i[a:b]))
        eta = float(np.median(v[tail]))
        rows.append({"half_cycle": k + 1, "current_A": cur, "j_mA_per_cm2": abs(cur) * 1e3 / area_cm2,
                     "eta_V": eta, "R_apparent_ohm": abs(eta / cur) if cur else float("nan")})
    j = np.array([r["j_mA_per_cm2"] for r in rows])
    steps: list[float] = []
    for x in j:
        if not steps or abs(x - steps[-1]) > STEP_TOLERANCE * max(x, steps[-1]):
            steps.append(float(x))
    if len(steps) < 2:
        raise AnalysisError(f"{record.source or 'record'}: one current density only ({steps[0]:.3g} mA/cm² in all "
                            f"{len(rows)} half-cycles): a constant-current cycling record, not a stepped CCD test "
                            "(sselab cycling analyses it)")
    R = np.array([r["R_apparent_ohm"] for r in rows])
    short_k = _collapse(R, fraction, window)
    verdict = Verdict.ok()
    step_of = lambda x: min(steps, key=lambda s: abs(s - x))  # noqa: E731
    if short_k is None:
        ccd, fail = None, None
        verdict = verdict.add("no_short", f"no short up to {max(steps):.3g} mA/cm²: the CCD is above the highest "
                              "density tested (a lower bound only)", "warning")
        ccd = float(max(steps))
    else:
        fail = step_of(j[short_k - 1])
        below = [s for s in steps if s < fail - 1e-12]
        ccd = below[-1] if below else None
        if ccd is None:
            verdict = verdict.add("short_at_first_step", "the cell shorted at the first current step: the CCD is "
                                  "below the lowest density tested", "failed")
    if len(steps) < 3:
        verdict = verdict.add("few_steps", f"only {len(steps)} current steps: the CCD is coarse", "warning")
    return CCDResult(None if ccd is None else round(ccd, 12), None if fail is None else round(fail, 12),
                     short_k, tuple(round(s, 12) for s in steps), tuple(rows), verdict)


def _collapse(R: np.ndarray, fraction: float, window: int, stay: float = 0.8) -> int | None:
    """1-based half-cycle where R falls below ``fraction`` × the median of up to ``window``
    previous half-cycles (one is enough: a short in the second half-cycle counts) and stays
    there for ``stay`` of the rest; the rule of :func:`~sselab.cycling.events.detect_short_circuit`
    without its minimum history."""
    for k in range(1, R.size):
        hist = R[max(0, k - window):k]
        hist = hist[np.isfinite(hist)]
        if hist.size == 0 or not np.isfinite(R[k]):
            continue
        thr = fraction * float(np.median(hist))
        later = R[k:][np.isfinite(R[k:])]
        if R[k] < thr and np.mean(later < thr) >= stay:
            return k + 1
    return None


def simulate_stepped_cycling(steps_mA_per_cm2: Sequence[float], *, area_cm2: float, cycles_per_step: int = 3,
                             half_cycle_s: float = 1800.0, r_ohm: float = 300.0, r_interface_ohm: float = 2000.0,
                             short_at_mA_per_cm2: float | None = None, r_short_ohm: float = 5.0,
                             noise_V: float = 1e-4, seed: int = 0, points_per_half: int = 60) -> GalvanostaticRecord:
    """A stepped-current plating/stripping record with known truth: the overpotential is
    I (R + R_int) until the step ``short_at_mA_per_cm2``, whose second half-cycle shorts
    (the voltage falls to I·R_short and stays)."""
    rng = np.random.default_rng(seed)
    t_all, i_all, v_all = [], [], []
    t0, shorted = 0.0, False
    for j in steps_mA_per_cm2:
        cur = j * 1e-3 * area_cm2
        for c in range(cycles_per_step):
            for sign in (-1, 1):
                if short_at_mA_per_cm2 is not None and j >= short_at_mA_per_cm2 - 1e-15 and (c > 0 or sign > 0):
                    shorted = True
                tt = t0 + np.linspace(0, half_cycle_s, points_per_half, endpoint=False)
                r = r_short_ohm if shorted else (r_ohm + r_interface_ohm * (1 - np.exp(-(tt - t0) / (0.2 * half_cycle_s))))
                t_all.append(tt)
                i_all.append(np.full(tt.size, sign * cur))
                v_all.append(sign * cur * r + noise_V * rng.standard_normal(tt.size))
                t0 += half_cycle_s
    return GalvanostaticRecord(time_s=np.concatenate(t_all), current_A=np.concatenate(i_all),
                               voltage_V=np.concatenate(v_all), source="simulated CCD test")
