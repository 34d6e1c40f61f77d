"""Electronic conductivity from steady-state currents at several voltages (Ohm's law).

Each transient gives (V_set, Is) (:mod:`sselab.dc.steady_state`).  A weighted straight
line I = V/R_el + I_offset is fitted (errors of Is as weights when known); R_el = 1/slope,
σ_el = l/(R_el·A).  The intercept is reported (as current and as voltage, V_offset =
−I_offset·R_el) and tested against zero; linearity is checked by R² and, with ≥ 4 voltages,
by the significance of a quadratic term.

Examples
--------
>>> import numpy as np
>>> from sselab.measurements import CurrentTransient
>>> from sselab.transport.geometry import SampleGeometry
>>> t = np.linspace(0, 3600, 200)
>>> cts = [CurrentTransient(time_s=t, current_A=v / 1e6 * (1 + np.exp(-t / 100)), potential_V=np.full(t.size, v))
...        for v in (0.5, 1.0, 2.0)]
>>> res = electronic_conductivity(cts, SampleGeometry(0.065e-2, 1.327e-4))
>>> round(res.R_el_ohm / 1e6, 4)
1.0
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
from scipy.special import stdtrit  # Student-t quantile; scipy.stats costs ~0.7 s to import

from ..exceptions import AnalysisError
from ..fitting.linear import line_fit
from ..measurements import CurrentTransient
from ..transport.geometry import SampleGeometry
from .steady_state import SteadyState, SteadyStateCriterion, steady_state
from .transient import prepare
from ..verdict import Reason, Verdict


@dataclass(frozen=True)
class ElectronicResult:
    """R_el and σ_el from the I_ss–V line, with intercept and linearity checks."""

    R_el_ohm: float
    R_el_stderr_ohm: float | None
    sigma_el_S_per_cm: float
    sigma_el_stderr_S_per_cm: float | None
    intercept_A: float
    intercept_stderr_A: float | None
    r_squared: float | None
    voltages_V: tuple[float, ...]
    steady_currents_A: tuple[float, ...]
    steady_current_stderr_A: tuple[float | None, ...]
    steady_state_reached: tuple[bool, ...]
    geometry: SampleGeometry
    points: tuple[dict, ...]
    warnings: tuple[str, ...]

    @property
    def verdict(self) -> Verdict:
        """``failed`` when R_el is not positive (``non_physical``: the steady current does not
        grow with the voltage); warnings for holds without a steady state (``not_steady``), a
        line that is not one (R² < 0.98, ``not_linear``) and the other notes."""
        reasons = [Reason("dc_note", w) for w in self.warnings if "steady state" not in w.lower()]
        if not (self.R_el_ohm > 0):
            reasons.append(Reason("non_physical", f"R_el = {self.R_el_ohm:.3g} Ohm is not positive: the steady current "
                                  "does not grow with the voltage", "failed"))
        missing = [f"{v:g} V" for v, ok in zip(self.voltages_V, self.steady_state_reached) if not ok]
        if missing:
            reasons.append(Reason("not_steady", "no steady state at " + ", ".join(missing) + ": σ_el is an upper bound"))
        if self.r_squared is not None and self.r_squared < 0.98:
            reasons.append(Reason("not_linear", f"the steady currents do not lie on a line (R² = {self.r_squared:.3f})"))
        return Verdict.of(reasons)

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.verdict.to_dict(),
            "sigma_el": self.sigma_el_S_per_cm,
            "sigma_el_S_per_cm": self.sigma_el_S_per_cm,
            "sigma_el_stderr_S_per_cm": self.sigma_el_stderr_S_per_cm,
            "R_el": self.R_el_ohm,
            "R_el_ohm": self.R_el_ohm,
            "R_el_stderr_ohm": self.R_el_stderr_ohm,
            "intercept_A": self.intercept_A,
            "intercept_stderr_A": self.intercept_stderr_A,
            "intercept_V": -self.intercept_A * self.R_el_ohm,
            "r_squared": self.r_squared,
            "steady_state_reached": all(self.steady_state_reached),
            **self.geometry.to_dict(),
            "points": list(self.points),
            "warnings": list(self.warnings),
        }


def steady_points(
    transients: Sequence[CurrentTransient],
    criterion: SteadyStateCriterion | None = None,
    *,
    is_method: str = "auto",
    voltages_V: Sequence[float] | None = None,
) -> list[dict[str, Any]]:
    """One point per DC hold: {"source", "voltage_V", "Is_A" (signed as recorded),
    "Is_stderr_A", "steady_state_reached", ..., "warnings"} — the input of
    :func:`electronic_from_points` (a study pipeline passes the same numbers from the holds'
    own transference analyses instead of fitting every decay twice)."""
    if voltages_V is not None and len(voltages_V) != len(transients):
        raise AnalysisError(f"{len(voltages_V)} voltages given for {len(transients)} transients")
    points = []
    for k, ct in enumerate(transients):
        p = prepare(ct, None if voltages_V is None else float(voltages_V[k]))
        if p.set_potential_V is None:
            raise AnalysisError(f"{p.source}: the applied potential is unknown (no potential column); state the voltages")
        ss: SteadyState = steady_state(p, criterion, is_method)
        info = {k2: v for k2, v in ss.to_dict().items() if k2 not in ("decay_fit", "warnings")}
        points.append({"source": p.source, "voltage_V": p.set_potential_V, **info, "Is_A": ss.Is_A * p.sign,
                       "warnings": list(ss.warnings)})
    return points


def electronic_conductivity(
    transients: Sequence[CurrentTransient],
    geometry: SampleGeometry,
    criterion: SteadyStateCriterion | None = None,
    *,
    is_method: str = "auto",
    voltages_V: Sequence[float] | None = None,
) -> ElectronicResult:
    """σ_el from DC holds at several voltages (see the module docstring)."""
    return electronic_from_points(steady_points(transients, criterion, is_method=is_method, voltages_V=voltages_V),
                                  geometry)


def electronic_from_points(points: Sequence[dict[str, Any]], geometry: SampleGeometry) -> ElectronicResult:
    """σ_el from per-hold steady states ({"voltage_V", "Is_A", "Is_stderr_A",
    "steady_state_reached", "source", "warnings"}, see :func:`steady_points`)."""
    missing = [pt.get("source", f"hold {k}") for k, pt in enumerate(points) if pt.get("voltage_V") is None]
    if missing:
        raise AnalysisError(f"{missing[0]}: the applied potential is unknown (no potential column); state the voltages")
    V = [float(pt["voltage_V"]) for pt in points]
    I = [float(pt["Is_A"]) for pt in points]
    E = [pt.get("Is_stderr_A") for pt in points]
    reached = [bool(pt.get("steady_state_reached")) for pt in points]
    warnings: list[str] = [f"{pt.get('source', '')} ({pt['voltage_V']:.3g} V): {w}"
                           for pt in points for w in pt.get("warnings", ())]
    points = [{k: v for k, v in pt.items() if k != "warnings"} for pt in points]
    v = np.asarray(V)
    i = np.asarray(I)
    if len(np.unique(np.round(v, 4))) < 2:
        raise AnalysisError(f"R_el needs steady-state currents at 2 or more different voltages; got {len(np.unique(np.round(v, 4)))}")
    weighted = all(e is not None and e > 0 for e in E)
    line = line_fit(v, i, np.asarray(E, float) if weighted else None)
    w, dof, cov, have_err = line.weights, line.dof, line.covariance, line.errors_known
    G, b = line.slope, line.intercept
    if G <= 0:
        raise AnalysisError(f"steady-state current does not rise with voltage (slope {G:.3g} S): no electronic resistance")
    R = 1.0 / G
    R_se = math.sqrt(cov[1, 1]) / G**2 if have_err else None
    b_se = math.sqrt(cov[0, 0]) if have_err else None
    r2 = line.r2
    if dof == 0:
        warnings.append("only 2 voltages: no linearity check")
    if r2 is not None and r2 < 0.99:
        warnings.append(f"I_ss–V line is not linear (R² = {r2:.4f})")
    if len(v) >= 4:
        Xq = np.stack([np.ones_like(v), v, v**2], axis=1)
        Aq = Xq.T @ (Xq * w[:, None])
        bq = np.linalg.solve(Aq, Xq.T @ (w * i))
        rq = i - Xq @ bq
        dq = len(v) - 3
        covq = np.linalg.inv(Aq) * (float(np.sum(w * rq**2)) / dq if dq > 0 else 1.0)
        tq = abs(bq[2]) / math.sqrt(covq[2, 2]) if covq[2, 2] > 0 else 0.0
        if dq > 0 and tq > stdtrit(dq, 0.99):
            warnings.append(f"I_ss–V curve bends (quadratic term significant, t = {tq:.1f}): R_el depends on voltage")
    if b_se is not None and abs(b) > 2 * b_se and abs(b) > 0.05 * abs(G * v.max()):
        warnings.append(f"intercept {b:.3g} A (= {-b * R:.3g} V) differs from zero: offset or polarisation of the electrodes")
    res_sigma = geometry.thickness_cm / (R * geometry.area_cm2)
    rel2 = (geometry.thickness_stderr_m / geometry.thickness_m) ** 2 + (geometry.area_stderr_m2 / geometry.area_m2) ** 2
    s_se = res_sigma * math.sqrt(rel2 + (R_se / R) ** 2) if R_se is not None else None
    if not all(reached):
        warnings.append(f"steady state not reached at {sum(not r for r in reached)} of {len(reached)} voltages")
    return ElectronicResult(
        R, R_se, res_sigma, s_se, b, b_se, r2, tuple(map(float, v)), tuple(map(float, i)), tuple(E), tuple(reached),
        geometry, tuple(points), tuple(warnings),
    )
