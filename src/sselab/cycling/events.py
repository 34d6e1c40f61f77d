"""Failure events in a per-cycle overpotential series: short circuits and sudden jumps.

Criteria (stated, with their defaults)
--------------------------------------
* **Short circuit** begins at the first cycle ``k`` (after ``window`` cycles of history) where
  the magnitude ``|η_k|`` falls below ``fraction`` (0.3) of the running median of the
  previous ``window`` (5) cycles *and stays there*: at least 80 % of the cycles from ``k`` on
  are below that same threshold.  With a known ohmic resistance, a cycle is also "ohmic"
  when ``|η| ≤ ohmic_factor · |I| · R_ohm`` (1.5×): the voltage is what the current through
  the electrolyte's resistance alone would give, so no interfacial polarisation is left —
  the signature of a (soft) short.
* **Jump** at cycle ``k`` (contact loss, delamination): the step ``d_k = η_k − η_{k−1}``
  departs from the local trend (median of the neighbouring steps within ``window``) by more
  than ``max(k_sigma · σ_d, min_relative · |η_{k−1}|)`` with σ_d = 1.4826·MAD of all steps
  (``k_sigma`` = 6, ``min_relative`` = 0.15), and the new level persists: the median of the
  next ``persist`` (3) cycles differs from the median of the previous ``persist`` cycles, once
  the trend is removed, by at least half the step in the same direction (a one-cycle spike
  is not a jump).

Examples
--------
>>> import numpy as np
>>> eta = np.r_[np.full(10, 0.5), np.full(5, 0.01)]
>>> detect_short_circuit(eta).cycle
11
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class ShortCircuit:
    """Where a short begins (1-based cycle, ``None`` if none) and why it was called."""

    cycle: int | None
    criterion: str
    reference_V: float | None = None
    value_V: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"cycle": self.cycle, "criterion": self.criterion,
                "reference_V": self.reference_V, "value_V": self.value_V}


@dataclass(frozen=True)
class Jump:
    """A step change of the overpotential at a (1-based) cycle."""

    cycle: int
    step_V: float
    threshold_V: float

    def to_dict(self) -> dict[str, Any]:
        return {"cycle": self.cycle, "step_V": self.step_V, "threshold_V": self.threshold_V,
                "direction": "up" if self.step_V > 0 else "down"}


def detect_short_circuit(
    eta_V: np.ndarray,
    cycles: np.ndarray | None = None,
    *,
    fraction: float = 0.3,
    window: int = 5,
    stay_fraction: float = 0.8,
    current_A: np.ndarray | None = None,
    r_ohm: float | None = None,
    ohmic_factor: float = 1.5,
) -> ShortCircuit:
    """First cycle where ``|η|`` collapses and stays collapsed (module docstring)."""
    y = np.abs(np.asarray(eta_V, float))
    n = y.size
    cyc = np.arange(1, n + 1) if cycles is None else np.asarray(cycles, int)
    crit = (f"|eta| < {fraction:g} x running median of the previous {window} cycles and stays "
            f"(>= {stay_fraction:.0%} of later cycles)")
    if r_ohm is not None and current_A is not None:
        ohmic = ohmic_factor * np.abs(np.asarray(current_A, float)) * float(r_ohm)
        crit += f"; or |eta| <= {ohmic_factor:g} x |I| x R_ohm ({r_ohm:g} ohm)"
        below_ohmic = y <= ohmic
        for k in range(n):
            if below_ohmic[k] and np.mean(below_ohmic[k:]) >= stay_fraction:
                return ShortCircuit(int(cyc[k]), crit, float(ohmic[k] / ohmic_factor), float(y[k]))
    for k in range(window, n):
        hist = y[k - window:k]
        hist = hist[np.isfinite(hist)]
        if hist.size < max(2, window // 2) or not np.isfinite(y[k]):
            continue
        ref = float(np.median(hist))
        thr = fraction * ref
        if y[k] < thr:
            later = y[k:][np.isfinite(y[k:])]
            if np.mean(later < thr) >= stay_fraction:
                return ShortCircuit(int(cyc[k]), crit, ref, float(y[k]))
    return ShortCircuit(None, crit)


def detect_jumps(
    eta_V: np.ndarray,
    cycles: np.ndarray | None = None,
    *,
    k_sigma: float = 6.0,
    min_relative: float = 0.15,
    window: int = 5,
    persist: int = 3,
) -> list[Jump]:
    """Step changes of the series relative to its local trend (module docstring)."""
    y = np.asarray(eta_V, float)
    n = y.size
    cyc = np.arange(1, n + 1) if cycles is None else np.asarray(cycles, int)
    if n < 4:
        return []
    d = np.diff(y)
    fd = d[np.isfinite(d)]
    if fd.size == 0:
        return []
    sigma = 1.4826 * float(np.median(np.abs(fd - np.median(fd))))
    jumps: list[Jump] = []
    for k in range(1, n):
        step = d[k - 1]
        if not np.isfinite(step):
            continue
        lo, hi = max(0, k - 1 - window), min(d.size, k + window)
        neigh = np.r_[d[lo:k - 1], d[k:hi]]
        neigh = neigh[np.isfinite(neigh)]
        trend = float(np.median(neigh)) if neigh.size else 0.0
        dev = step - trend
        thr = max(k_sigma * sigma, min_relative * abs(y[k - 1]))
        if abs(dev) <= thr:
            continue
        before = y[max(0, k - persist):k]
        after = y[k:k + persist]
        before, after = before[np.isfinite(before)], after[np.isfinite(after)]
        if before.size == 0 or after.size == 0:
            continue
        # remove the trend between the centres of the two windows (except the step itself)
        shift = float(np.median(after) - np.median(before)) - trend * (0.5 * (before.size + after.size) - 1)
        if np.sign(shift) == np.sign(dev) and abs(shift) >= 0.5 * abs(dev):
            jumps.append(Jump(int(cyc[k]), float(step), float(thr)))
    return jumps
