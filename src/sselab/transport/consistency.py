"""Cross-checks between transport numbers measured by different techniques.

- t_ion from DC polarisation vs σ_ion/(σ_ion + σ_el) from the conductivities;
- σ_el from DC vs σ_el from the AC low-frequency limit (mixed-conductor fit).

Each check reports the difference in combined standard errors (plus a relative tolerance for
what the errors do not cover, default 10% of the value) and says in words when the two
disagree.  The paper's as-BM sample (σ_ion 5.54e-4, σ_el 4.9e-8 S/cm → expected t_ion
0.9999, DC t_ion 0.077) is such a case.

Examples
--------
>>> r = check_transport(t_ion_dc=0.077, sigma_ion_S_per_cm=5.54e-4, sigma_el_S_per_cm=4.9e-8)
>>> r.consistent
False
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from ..verdict import Reason, Verdict

#: Number of combined standard errors beyond which two values disagree.
N_SIGMA = 3.0


@dataclass(frozen=True)
class Check:
    """One comparison of the same quantity from two techniques."""

    name: str
    value_a: float
    label_a: str
    value_b: float
    label_b: str
    combined_stderr: float
    n_sigma: float
    consistent: bool
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, self.label_a: self.value_a, self.label_b: self.value_b,
            "combined_stderr": self.combined_stderr, "n_sigma": self.n_sigma,
            "consistent": self.consistent, "message": self.message,
        }


@dataclass(frozen=True)
class ConsistencyReport:
    checks: tuple[Check, ...]
    reasons: tuple[Reason, ...] = ()

    @property
    def verdict(self) -> Verdict:
        """A disagreement is a ``warning`` (``inconsistent``: a finding about the sample, the
        numbers themselves may be right); a t_ion outside [0, 1] or failed inputs fail it."""
        out = list(self.reasons)
        for c in self.checks:
            if not c.consistent:
                out.append(Reason("inconsistent", c.message))
        return Verdict.of(out)

    @property
    def consistent(self) -> bool:
        return all(c.consistent for c in self.checks)

    @property
    def messages(self) -> tuple[str, ...]:
        return tuple(c.message for c in self.checks)

    def to_dict(self) -> dict[str, Any]:
        return {**self.verdict.to_dict(), "consistent": self.consistent, "checks": [c.to_dict() for c in self.checks], "messages": list(self.messages)}


def _compare(name: str, a: float, sa: float, la: str, b: float, sb: float, lb: str,
             rel_tol: float, unit: str, log: bool = False) -> Check:
    if log:  # conductivities: compare on a log scale (relative errors)
        d = math.log(a / b)
        s = math.sqrt((sa / a) ** 2 + (sb / b) ** 2 + rel_tol**2)
    else:
        d = a - b
        s = math.sqrt(sa**2 + sb**2 + (rel_tol * max(abs(a), abs(b))) ** 2)
    n = abs(d) / s if s > 0 else math.inf
    ok = n <= N_SIGMA
    fmt = (lambda x: f"{x:.3g}{unit}")
    if ok:
        msg = f"{name}: {la} {fmt(a)} and {lb} {fmt(b)} agree ({n:.1f} combined standard errors)"
    else:
        ratio = f", a factor {max(a / b, b / a):.3g} apart" if a > 0 and b > 0 else ""
        msg = (f"{name}: INCONSISTENT — {la} {fmt(a)} vs {lb} {fmt(b)}{ratio}, {n:.1f} combined standard errors; "
               "look for interfacial or grain-boundary resistance, a steady state not reached, or a wrong I0")
    return Check(name, a, la, b, lb, s, n, ok, msg)


def check_transport(
    *,
    t_ion_dc: float | None = None,
    t_ion_dc_stderr: float = 0.0,
    sigma_ion_S_per_cm: float | None = None,
    sigma_ion_stderr_S_per_cm: float = 0.0,
    sigma_el_S_per_cm: float | None = None,
    sigma_el_stderr_S_per_cm: float = 0.0,
    sigma_el_ac_S_per_cm: float | None = None,
    sigma_el_ac_stderr_S_per_cm: float = 0.0,
    rel_tol: float = 0.1,
    inputs: Verdict | None = None,
) -> ConsistencyReport:
    """Run every cross-check the given values allow (see the module docstring).

    ``inputs``: the verdict of the results the values came from (kept in the report's)."""
    checks = []
    reasons = list(inputs.reasons) if inputs is not None else []
    if t_ion_dc is not None and not (-0.02 <= t_ion_dc <= 1.02):
        reasons.append(Reason("out_of_range", f"t_ion_dc = {t_ion_dc:.3g} lies outside [0, 1]", "failed"))
    if t_ion_dc is not None and sigma_ion_S_per_cm is not None and sigma_el_S_per_cm is not None:
        si, se = sigma_ion_S_per_cm, sigma_el_S_per_cm
        tot = si + se
        t_cond = si / tot
        # ∂t/∂σi = σe/tot², ∂t/∂σe = −σi/tot²
        st = math.hypot(se * sigma_ion_stderr_S_per_cm, si * sigma_el_stderr_S_per_cm) / tot**2
        checks.append(_compare("t_ion", t_ion_dc, t_ion_dc_stderr, "t_ion_dc", t_cond, st,
                               "t_ion_from_conductivities", rel_tol * 0.5, ""))
    if sigma_el_S_per_cm is not None and sigma_el_ac_S_per_cm is not None:
        checks.append(_compare("sigma_el", sigma_el_S_per_cm, sigma_el_stderr_S_per_cm, "sigma_el_dc_S_per_cm",
                               sigma_el_ac_S_per_cm, sigma_el_ac_stderr_S_per_cm, "sigma_el_ac_S_per_cm",
                               rel_tol, " S/cm", log=True))
    return ConsistencyReport(tuple(checks), tuple(reasons))
