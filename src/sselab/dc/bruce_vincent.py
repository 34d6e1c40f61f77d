"""Cation transference number by the Bruce–Vincent (Evans–Vincent–Bruce) method.

A symmetric cell with non-blocking electrodes (Mg|SE|Mg) is polarised by a small ΔV; the
current falls from I0 to the steady state Is as concentration gradients build up.  Impedance
spectra before and after the hold give the interfacial resistances R0 and Rss, and

    t+ = Is (ΔV − I0 R0) / (I0 (ΔV − Is Rss))        (Evans, Vincent, Bruce, Polymer 28 (1987) 2324)

which reduces to the uncorrected ratio t+ = Is/I0 when the interfaces do not change and
carry no resistance.  The derivation assumes a dilute binary electrolyte, a small ΔV (≪ kT/e
per ion, in practice ≤ 10–20 mV) and a stable interface; the result says when those are
doubtful.

For a cell whose bulk resistance is Rb with interfacial resistance Ri, I0 = ΔV/(Rb + Ri0) and
Is = ΔV/(Rb/t+ + Riss), and the formula returns t+ exactly (tested that way).

Examples
--------
>>> # Rb = 500 Ω, t+ = 0.4, interface 500 Ω → 700 Ω: I0 = ΔV/(Rb + R0), Is = ΔV/(Rb/t+ + Rss)
>>> r = bruce_vincent(delta_V=0.01, I0_A=0.01 / 1000, Is_A=0.01 / 1950, R0_ohm=500.0, Rss_ohm=700.0)
>>> round(r.t_plus, 6), r.verdict.codes
(0.4, ('interface_changed',))
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from ..exceptions import AnalysisError
from ..verdict import Verdict

#: ΔV above which the small-signal assumption of the method is doubtful [V].
MAX_DELTA_V = 0.05
#: Relative change of the interfacial resistance during the hold that is reported [1].
INTERFACE_CHANGE_WARN = 0.2


@dataclass(frozen=True)
class BruceVincentResult:
    """t+ (corrected) and Is/I0 (uncorrected) with propagated standard errors."""

    t_plus: float
    t_plus_stderr: float | None
    t_plus_uncorrected: float
    delta_V: float
    I0_A: float
    Is_A: float
    R0_ohm: float
    Rss_ohm: float
    verdict: Verdict

    def to_dict(self) -> dict[str, Any]:
        return {"method": "Bruce–Vincent (Evans, Vincent, Bruce 1987)", "t_plus": self.t_plus,
                "t_plus_stderr": self.t_plus_stderr, "t_plus_uncorrected": self.t_plus_uncorrected,
                "delta_V": self.delta_V, "I0_A": self.I0_A, "Is_A": self.Is_A, "R0_ohm": self.R0_ohm,
                "Rss_ohm": self.Rss_ohm, **self.verdict.to_dict()}


def bruce_vincent(delta_V: float, I0_A: float, Is_A: float, R0_ohm: float, Rss_ohm: float, *,
                  I0_stderr_A: float | None = None, Is_stderr_A: float | None = None,
                  R0_stderr_ohm: float | None = None, Rss_stderr_ohm: float | None = None) -> BruceVincentResult:
    """t+ from the polarisation ΔV [V], initial and steady currents [A] and the interfacial
    resistances before and after the hold [Ω] (from impedance fits)."""
    vals = {"ΔV": delta_V, "I0": I0_A, "Is": Is_A, "R0": R0_ohm, "Rss": Rss_ohm}
    for name, v in vals.items():
        if v is None or not math.isfinite(v):
            raise AnalysisError(f"Bruce–Vincent: {name} must be a finite number, got {v!r}")
    if delta_V == 0 or I0_A == 0:
        raise AnalysisError("Bruce–Vincent: ΔV and I0 must be non-zero")
    if R0_ohm < 0 or Rss_ohm < 0:
        raise AnalysisError("Bruce–Vincent: interfacial resistances must be ≥ 0 Ω")
    s = math.copysign(1.0, delta_V)  # work with magnitudes of one sign
    dV, I0, Is = abs(delta_V), s * I0_A, s * Is_A
    num, den = Is * (dV - I0 * R0_ohm), I0 * (dV - Is * Rss_ohm)
    v = Verdict.ok()
    if den == 0:
        raise AnalysisError("Bruce–Vincent: ΔV − Is·Rss is zero (the interface takes the whole polarisation)")
    t = num / den
    # first-order propagation of independent errors
    partial = {
        "I0": (I0_stderr_A, (-Is * R0_ohm * den - num * (dV - Is * Rss_ohm)) / den**2),
        "Is": (Is_stderr_A, ((dV - I0 * R0_ohm) * den - num * (-I0 * Rss_ohm)) / den**2),
        "R0": (R0_stderr_ohm, (-Is * I0) / den),
        "Rss": (Rss_stderr_ohm, num * I0 * Is / den**2),
    }
    known = [(e, d) for e, d in partial.values() if e is not None]
    stderr = math.sqrt(sum((e * d) ** 2 for e, d in known)) if known else None
    if dV > MAX_DELTA_V:
        v = v.add("large_polarisation", f"ΔV = {dV * 1e3:.0f} mV exceeds {MAX_DELTA_V * 1e3:.0f} mV: the "
                  "method assumes a small polarisation", "warning")
    if R0_ohm > 0 and abs(Rss_ohm - R0_ohm) / R0_ohm > INTERFACE_CHANGE_WARN:
        v = v.add("interface_changed", f"interfacial resistance changed by {100 * (Rss_ohm - R0_ohm) / R0_ohm:+.0f} % "
                  "during the hold: t+ depends on that correction", "warning")
    if Is > I0:
        v = v.add("current_rose", "the steady current exceeds the initial one: not a concentration-polarisation "
                  "decay", "failed")
    if not 0 <= t <= 1:
        v = v.add("t_out_of_range", f"t+ = {t:.3g} lies outside [0, 1]: the data break the method's assumptions",
                  "failed")
    return BruceVincentResult(t, stderr, Is / I0, delta_V, I0_A, Is_A, R0_ohm, Rss_ohm, v)
