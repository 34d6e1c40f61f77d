"""Total ion transport number from a DC polarisation with ion-blocking electrodes.

t_ion = (I0 − Is)/I0.  I0 is reported two ways: the first valid point, and the fitted decay
extrapolated to t = 0.  The first point is used unless it was recorded before the potential
reached its set point (then the extrapolation is used, and the output says so), or the user
chooses.  The standard error of t_ion propagates those of I0 and Is.

Examples
--------
>>> import numpy as np
>>> from sselab.measurements import CurrentTransient
>>> t = np.linspace(0, 7200, 241)
>>> ct = CurrentTransient(time_s=t, current_A=0.4e-6 + 0.6e-6 * np.exp(-t / 300),
...                       potential_V=np.full(t.size, 0.5))
>>> round(transference(ct).t_ion, 3)
0.6
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from ..exceptions import AnalysisError
from ..measurements import CurrentTransient
from .steady_state import SteadyState, SteadyStateCriterion, steady_state
from .transient import prepare
from ..verdict import Reason, Verdict

#: t_ion outside [−tol, 1 + tol] is not a transport number (tol covers noise on a t_ion of 0 or 1)
T_ION_RANGE_TOL = 0.02
#: a standard error of t_ion above this says nothing about it
T_ION_UNDETERMINED = 0.25


@dataclass(frozen=True)
class TransferenceResult:
    """t_ion with both I0 estimates, Is, and the steady-state verdict."""

    t_ion: float
    t_ion_stderr: float | None
    I0_A: float
    I0_stderr_A: float | None
    I0_method: str
    I0_first_point_A: float
    I0_extrapolated_A: float | None
    first_point_valid: bool
    set_potential_V: float | None
    steady: SteadyState
    source: str
    notes: tuple[str, ...]
    warnings: tuple[str, ...]

    @property
    def Is_A(self) -> float:
        return self.steady.Is_A

    @property
    def verdict(self) -> Verdict:
        """``failed`` when t_ion lies outside [0, 1] (``out_of_range``); warnings when the
        steady state was not reached (``not_steady``), t_ion's error is above
        ``T_ION_UNDETERMINED`` or missing (``undetermined``), and for the other notes."""
        reasons = []
        if not (-T_ION_RANGE_TOL <= self.t_ion <= 1 + T_ION_RANGE_TOL):
            reasons.append(Reason("out_of_range", f"t_ion = {self.t_ion:.3g} lies outside [0, 1]: not a transport "
                                  "number (the current did not decay, or the record is not a DC hold)", "failed"))
        if not self.steady.reached:
            reasons.append(Reason("not_steady", "the steady state was not reached: Is, and t_ion, are estimates"))
        if self.t_ion_stderr is None or not math.isfinite(self.t_ion_stderr) or self.t_ion_stderr > T_ION_UNDETERMINED:
            reasons.append(Reason("undetermined", f"t_ion is not determined by the data (standard error "
                                  f"{'n/a' if self.t_ion_stderr is None else format(self.t_ion_stderr, '.2g')})"))
        for w in self.warnings:
            if "steady state" not in w.lower():
                reasons.append(Reason("dc_note", w))
        return Verdict.of(reasons)

    def to_dict(self) -> dict[str, Any]:
        ss = self.steady.to_dict()
        return {
            **self.verdict.to_dict(),
            "source": self.source,
            "t_ion": self.t_ion,
            "t_ion_stderr": self.t_ion_stderr,
            "t_el": 1.0 - self.t_ion,
            "I0": self.I0_A,
            "I0_A": self.I0_A,
            "I0_stderr_A": self.I0_stderr_A,
            "I0_method": self.I0_method,
            "I0_first_point_A": self.I0_first_point_A,
            "I0_extrapolated_A": self.I0_extrapolated_A,
            "first_point_valid": self.first_point_valid,
            "Is": self.Is_A,
            "Is_A": self.Is_A,
            "Is_stderr_A": ss.pop("Is_stderr_A"),
            "steady_state_reached": self.steady.reached,
            "set_potential_V": self.set_potential_V,
            **{k: v for k, v in ss.items() if k not in ("Is_A", "steady_state_reached", "warnings")},
            "notes": list(self.notes),
            "warnings": list(self.warnings),
            "steady_state_warnings": list(self.steady.warnings),
        }


def transference(
    transient: CurrentTransient,
    criterion: SteadyStateCriterion | None = None,
    *,
    i0: str = "auto",
    is_method: str = "auto",
    decay_model: str = "auto",
    set_potential_V: float | None = None,
) -> TransferenceResult:
    """t_ion = (I0 − Is)/I0 of a CA record (see the module docstring).

    Parameters
    ----------
    i0 : {"auto", "first", "extrapolated"}
        Which I0 to use; "auto" takes the first valid point unless it precedes the set point.
    is_method : {"auto", "window", "fit"}
        How Is is found (:func:`sselab.dc.steady_state.steady_state`).
    """
    if i0 not in ("auto", "first", "extrapolated"):
        raise AnalysisError(f"unknown I0 choice {i0!r}; use auto, first or extrapolated")
    p = prepare(transient, set_potential_V)
    ss = steady_state(p, criterion, is_method, decay_model)
    first_valid = p.first_valid == 0
    first = float(p.current_A[0])
    first_ok = float(p.current_A[p.first_valid])
    extra = ss.decay.I_at_0_A if ss.decay is not None else None
    extra_se = ss.decay.I_at_0_stderr_A if ss.decay is not None else None
    noise = ss.decay.rms_residual_A if ss.decay is not None else ss.window_stderr_A
    warnings = list(ss.warnings)
    if i0 == "first" or (i0 == "auto" and first_valid):
        I0, I0_se, how = first_ok, noise, "first point" if first_valid else "first point at the set potential"
        if not first_valid and i0 == "first":
            how = f"first point at the set potential (point {p.first_valid}; the recorded first point precedes it)"
    else:
        if extra is None:
            raise AnalysisError(f"{p.source}: I0 by extrapolation needs a decay fit, which failed")
        I0, I0_se, how = extra, extra_se, f"decay fit ({ss.decay.model}) extrapolated to t = 0"
        if not first_valid:
            how += " (the first point precedes the set potential)"
    if extra is not None and first_valid and extra > 0 and abs(first - extra) / extra > 0.5:
        warnings.append(
            f"first point {first:.3g} A and extrapolated I0 {extra:.3g} A differ by more than 50%: "
            "the fast (ohmic) response may be faster than the sampling"
        )
    if not first_valid:
        warnings.append(
            f"first recorded point ({first * p.sign:.3g} A) was taken before the set potential was reached; "
            f"I0 = {I0:.3g} A from the {how.split(' (')[0]}"
        )
    if I0 <= 0:
        raise AnalysisError(f"{p.source}: I0 = {I0:.3g} A is not positive")
    Is, Is_se = ss.Is_A, ss.Is_stderr_A
    t_ion = (I0 - Is) / I0
    if Is_se is None or I0_se is None:
        t_se = None
    else:
        t_se = math.sqrt((Is_se / I0) ** 2 + (Is * I0_se / I0**2) ** 2)
    if Is > I0:
        warnings.append(f"Is ({Is:.3g} A) exceeds I0 ({I0:.3g} A): t_ion is negative, the current did not decay")
    sign = p.sign
    return TransferenceResult(
        float(t_ion), t_se, I0 * sign, I0_se, how, first * sign, None if extra is None else extra * sign,
        first_valid, p.set_potential_V,
        _signed(ss, sign), p.source, p.notes, tuple(warnings),
    )


def _signed(ss: SteadyState, sign: float) -> SteadyState:
    if sign > 0:
        return ss
    from dataclasses import replace

    return replace(ss, Is_A=-ss.Is_A, window_mean_A=-ss.window_mean_A)
