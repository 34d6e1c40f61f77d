"""The steady-state current of a DC polarisation, by a stated criterion or by extrapolation.

Criterion (configurable, always reported): over the last ``window`` of the record
(``window_fraction`` of its duration, at least ``min_points`` points, or ``window_s``),
a straight line is fitted to I(t); the relative change across the window is
``|slope·window| / mean``.  Steady state is *reached* when this change, plus twice its
standard error (so noise cannot fake a flat tail), is below ``max_relative_change``.

Is is then, by ``method``:

- ``"window"``: the mean current of the window;
- ``"fit"``: the constant of a fitted decay (:mod:`sselab.dc.decay`), i.e. the current
  extrapolated to t → ∞;
- ``"auto"`` (default): the window mean when steady state was reached, otherwise the
  extrapolated value (if the decay fit gives one with a finite error).

When steady state was not reached, the difference between the two estimates is added to
Is's standard error as a systematic part, and ``distance_from_steady_state`` says how far
the last current is above the extrapolated one.

Examples
--------
>>> import numpy as np
>>> from sselab.dc.transient import prepare
>>> from sselab.measurements import CurrentTransient
>>> t = np.linspace(0, 3600, 361)
>>> ct = CurrentTransient(time_s=t, current_A=1e-7 + 9e-7 * np.exp(-t / 200), potential_V=np.full(t.size, 0.5))
>>> ss = steady_state(prepare(ct))
>>> ss.reached, round(ss.Is_A * 1e7, 3)
(True, 1.0)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..exceptions import AnalysisError, SselabError
from .decay import DecayFit, fit_decay
from .transient import PreparedTransient


@dataclass(frozen=True)
class SteadyStateCriterion:
    """When a current counts as steady (see the module docstring)."""

    max_relative_change: float = 0.02
    window_fraction: float = 0.1
    window_s: float | None = None
    min_points: int = 10

    def __post_init__(self) -> None:
        if not (0 < self.max_relative_change < 1):
            raise AnalysisError("steady-state threshold must be between 0 and 1 (a relative change)")
        if not (0 < self.window_fraction <= 1):
            raise AnalysisError("steady-state window fraction must be in (0, 1]")
        if self.window_s is not None and self.window_s <= 0:
            raise AnalysisError("steady-state window must be positive")

    def describe(self) -> str:
        win = f"the last {self.window_s:g} s" if self.window_s else f"the last {100 * self.window_fraction:g}% of the record"
        return (
            f"relative change of the current over {win} (at least {self.min_points} points), "
            f"plus twice its standard error, below {100 * self.max_relative_change:g}%"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "max_relative_change": self.max_relative_change,
            "window_fraction": self.window_fraction,
            "window_s": self.window_s,
            "min_points": self.min_points,
            "description": self.describe(),
        }


@dataclass(frozen=True)
class SteadyState:
    """The steady-state current and how it was obtained."""

    Is_A: float
    Is_stderr_A: float | None
    method: str
    reached: bool
    relative_change: float
    relative_change_stderr: float
    window_s: float
    window_mean_A: float
    window_stderr_A: float
    distance_from_steady_state: float | None
    criterion: SteadyStateCriterion
    decay: DecayFit | None
    warnings: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "Is_A": self.Is_A,
            "Is_stderr_A": self.Is_stderr_A,
            "Is_method": self.method,
            "steady_state_reached": self.reached,
            "relative_change_in_window": self.relative_change,
            "relative_change_stderr": self.relative_change_stderr,
            "window_s": self.window_s,
            "window_mean_A": self.window_mean_A,
            "distance_from_steady_state": self.distance_from_steady_state,
            "criterion": self.criterion.to_dict(),
            "decay_fit": None if self.decay is None else self.decay.to_dict(),
            "warnings": list(self.warnings),
        }


def _window(t: np.ndarray, c: SteadyStateCriterion) -> np.ndarray:
    span = c.window_s if c.window_s else c.window_fraction * (t[-1] - t[0])
    idx = np.flatnonzero(t >= t[-1] - span)
    if idx.size < c.min_points:
        idx = np.arange(max(0, t.size - c.min_points), t.size)
    return idx


def steady_state(
    prepared: PreparedTransient,
    criterion: SteadyStateCriterion | None = None,
    method: str = "auto",
    decay_model: str = "auto",
) -> SteadyState:
    """Is of a prepared transient (see the module docstring)."""
    if method not in ("auto", "window", "fit"):
        raise AnalysisError(f"unknown steady-state method {method!r}; use auto, window or fit")
    c = criterion or SteadyStateCriterion()
    t = prepared.time_s[prepared.first_valid:]
    i = prepared.current_A[prepared.first_valid:]
    idx = _window(t, c)
    tw, iw = t[idx], i[idx]
    mean = float(np.mean(iw))
    X = np.stack([np.ones_like(tw), tw - tw.mean()], axis=1)
    beta, *_ = np.linalg.lstsq(X, iw, rcond=None)
    resid = iw - X @ beta
    dof = max(len(iw) - 2, 1)
    s2 = float(resid @ resid) / dof
    sxx = float(np.sum((tw - tw.mean()) ** 2))
    slope_se = math.sqrt(s2 / sxx) if sxx > 0 else math.inf
    span = float(tw[-1] - tw[0])
    rel = abs(beta[1] * span / mean) if mean else math.inf
    rel_se = slope_se * span / abs(mean) if mean else math.inf
    reached = rel + 2 * rel_se < c.max_relative_change
    win_se = math.sqrt(s2 / len(iw))
    warnings: list[str] = []
    decay = None
    try:
        decay = fit_decay(t, i, decay_model)
        warnings += decay.warnings
    except SselabError as exc:
        warnings.append(f"decay fit failed: {exc}")
    distance = None
    if decay is not None and decay.Is_A > 0:
        distance = (mean - decay.Is_A) / decay.Is_A
    use = method
    if method == "auto":
        fit_ok = decay is not None and decay.Is_stderr_A is not None and decay.Is_A > 0
        use = "window" if reached or not fit_ok else "fit"
    if use == "fit":
        if decay is None:
            raise AnalysisError(f"{prepared.source}: Is by extrapolation was asked for, but the decay could not be fitted")
        Is, se = decay.Is_A, decay.Is_stderr_A
    else:
        Is, se = mean, win_se
    if not reached:
        msg = f"steady state not reached: the current still changes by {100 * rel:.2g}% (±{100 * rel_se:.2g}%) over the last {span:.4g} s"
        if distance is not None:
            msg += f"; the last current is {100 * distance:.3g}% above the extrapolated steady state"
        warnings.append(msg)
        if decay is not None:
            other = decay.Is_A if use == "window" else mean
            se = math.sqrt((se or 0.0) ** 2 + (Is - other) ** 2)
    if Is <= 0:
        warnings.append(f"steady-state current {Is:.3g} A is not positive")
    return SteadyState(
        float(Is), se, "window mean" if use == "window" else f"extrapolated decay fit ({decay.model})",
        bool(reached), float(rel), float(rel_se), span, mean, win_se, distance, c, decay, tuple(warnings),
    )
