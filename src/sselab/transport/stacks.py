"""Which carriers does the electrolyte conduct?  The cell-stack comparison of impedance spectra.

The evidence (Fig. 3b of the reference paper; Huggins, Ionics 8 (2002) 300):

- **ion-blocking** electrodes (Au|SE|Au): ions pile up at the electrodes, so a pure ionic
  conductor shows a capacitive low-frequency tail (−phase → 90°, |Z| rising without bound);
  an electronic path in parallel bends that tail onto the real axis at R_dc = R_el.
- **reversible** electrodes (Mg|SE|Mg) pass ions and electrons: the spectrum closes on the
  real axis at the total resistance.
- **half-blocking** (Au|SE|Mg) lies between the two.

The ion-blocking spectrum is fitted twice, with a blocking tail ``R0-p(R1,CPE1)-CPE2`` and
with an electronic leak across it ``R0-p(R1,CPE1)-p(R_el,CPE2)``; the leak is accepted when
it lowers the BIC by more than 10 and R_el is determined (relative error < 50 %).  Then
R_dc = R0 + R1 + R_el carries only electrons, and because ions and electrons share the bulk
in parallel at high frequency, R_bulk = R0 + R1 = R_ion ‖ R_dc, so
σ_ion = (l/A)(1/R_bulk − 1/R_dc), σ_el = (l/A)/R_dc.  Without an accepted leak, σ_el is
below l/(A·|Z(f_min)|) (an upper bound).  The carrier type follows from
t_el = σ_el/(σ_ion + σ_el): ionic when t_el < 0.01, electronic when t_el > 0.99, mixed
otherwise; a reversible spectrum closing near R_bulk is reported as consistent.

Examples
--------
>>> import numpy as np
>>> from sselab.eis import simulate_spectrum
>>> f = np.logspace(6, -2, 81)
>>> s = simulate_spectrum("R0-p(R1,CPE1)-p(R2,CPE2)",
...     {"R0": 10, "R1": 1000, "CPE1.Q": 1e-10, "CPE1.n": 0.95, "R2": 2e4, "CPE2.Q": 1e-5, "CPE2.n": 0.9}, f)
>>> d = diagnose_stacks(s, thickness_cm=0.065, area_cm2=1.327)
>>> d.conductor, round(d.R_dc_ohm / 21010, 2)
('mixed', 1.0)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..exceptions import AnalysisError
from ..measurements import Spectrum
from ..verdict import Verdict

BLOCKING = "R0-p(R1,CPE1)-CPE2"
LEAKY = "R0-p(R1,CPE1)-p(R_el,CPE2)"
#: BIC improvement that accepts the electronic leak [1].
BIC_MARGIN = 10.0
#: t_el below which the conductor is called ionic, above 1 − this electronic.
T_EL_LIMIT = 0.01


@dataclass(frozen=True)
class StackDiagnosis:
    conductor: str
    sigma_ion_S_per_cm: float | None
    sigma_el_S_per_cm: float | None
    sigma_el_upper_S_per_cm: float | None
    t_el: float | None
    R_bulk_ohm: float
    R_dc_ohm: float | None
    low_frequency_phase_deg: float
    evidence: tuple[str, ...]
    verdict: Verdict
    fits: dict[str, Any] = field(default_factory=dict)
    #: first-order standard errors from the used fit's R0, R1 (and R_el) standard errors
    #: (None when one of them has none)
    sigma_ion_stderr_S_per_cm: float | None = None
    sigma_el_stderr_S_per_cm: float | None = None
    t_el_stderr: float | None = None

    def to_dict(self) -> dict[str, Any]:
        out = {"conductor": self.conductor, "sigma_ion_S_per_cm": self.sigma_ion_S_per_cm,
               "sigma_ion_stderr_S_per_cm": self.sigma_ion_stderr_S_per_cm,
               "sigma_el_S_per_cm": self.sigma_el_S_per_cm, "sigma_el_stderr_S_per_cm": self.sigma_el_stderr_S_per_cm,
               "sigma_el_upper_S_per_cm": self.sigma_el_upper_S_per_cm, "t_el": self.t_el}
        if self.t_el is not None:
            out["t_el_stderr"] = self.t_el_stderr
        return {**out, "R_bulk_ohm": self.R_bulk_ohm, "R_dc_ohm": self.R_dc_ohm,
                "low_frequency_phase_deg": self.low_frequency_phase_deg, "evidence": list(self.evidence),
                "fits": self.fits, **self.verdict.to_dict()}


def _low_f_phase(s: Spectrum) -> float:
    order = np.argsort(s.frequency_Hz)
    k = max(3, s.n_points // 10)
    return float(np.mean(-np.angle(s.impedance_ohm[order][:k], deg=True)))


def diagnose_stacks(blocking: Spectrum, *, thickness_cm: float, area_cm2: float,
                    reversible: Spectrum | None = None, half_blocking: Spectrum | None = None) -> StackDiagnosis:
    """Classify the electrolyte as ionic, electronic or mixed conductor from an ion-blocking
    spectrum (and, when given, reversible and half-blocking ones) — see the module docstring."""
    from ..eis.fit import fit_circuit

    if thickness_cm <= 0 or area_cm2 <= 0:
        raise AnalysisError("stack comparison needs a positive thickness and area")
    k = thickness_cm / area_cm2
    evidence: list[str] = []
    v = Verdict.ok()
    phase = _low_f_phase(blocking)
    closed = fit_circuit(blocking, BLOCKING)
    leaky = fit_circuit(blocking, LEAKY)
    d_bic = closed.result.bic - leaky.result.bic
    r_el = leaky.result["R_el"]
    rel = r_el.relative_stderr
    leak = d_bic > BIC_MARGIN and rel is not None and rel < 0.5
    fit_closed = closed.result["R0"].value + closed.result["R1"].value
    R_bulk = (leaky.result["R0"].value + leaky.result["R1"].value) if leak else fit_closed
    evidence.append(f"ion-blocking spectrum: −phase {phase:.0f}° over the lowest decade")
    z_min = float(np.abs(blocking.impedance_ohm[np.argmin(blocking.frequency_Hz)]))
    if leak:
        R_dc = R_bulk + r_el.value
        sigma_el = k / R_dc
        sigma_ion = k * (1.0 / R_bulk - 1.0 / R_dc)
        evidence.append(f"its low-frequency tail bends onto the real axis: an electronic path R_el = {r_el.value:.4g} Ω "
                        f"(BIC lower by {d_bic:.0f} than a blocking tail), R_dc = {R_dc:.4g} Ω")
        upper = None
    else:
        R_dc = None
        sigma_el, upper = None, k / z_min
        sigma_ion = k / R_bulk
        evidence.append(f"a capacitive blocking tail (no electronic leak resolved): σ_el < {upper:.3g} S/cm "
                        f"(l/(A·|Z|) at the lowest frequency)")
    if leak:
        t_el = sigma_el / (sigma_el + sigma_ion) if sigma_ion > 0 else 1.0
    else:
        t_el = None
    if leak and sigma_ion <= 0:
        conductor = "electronic"
        evidence.append("R_dc equals the bulk resistance: no ionic contribution resolved")
    elif t_el is None:
        conductor = "ionic" if phase > 45 else "undetermined"
        if conductor == "undetermined":
            v = v.add("no_blocking_tail", f"the ion-blocking spectrum shows neither a capacitive tail nor a resolved "
                      f"leak (−phase {phase:.0f}°): extend it to lower frequencies", "warning")
    else:
        conductor = "ionic" if t_el < T_EL_LIMIT else "electronic" if t_el > 1 - T_EL_LIMIT else "mixed"
    if reversible is not None:
        z_rev = float(np.real(reversible.impedance_ohm[np.argmin(reversible.frequency_Hz)]))
        evidence.append(f"reversible stack closes at Z' = {z_rev:.4g} Ω at its lowest frequency")
    if half_blocking is not None:
        evidence.append(f"half-blocking stack: −phase {_low_f_phase(half_blocking):.0f}° over its lowest decade")
    used = leaky if leak else closed  # its R0 + R1 (and R_el) are what the diagnosis uses
    broken = {"non_finite", "not_converged", "no_stderr"} & set(used.result.verdict.codes)
    if broken:
        v = v.add("fit_failed", f"the {'electronic-leak' if leak else 'blocking-tail'} fit used for the diagnosis "
                  f"failed ({', '.join(sorted(broken))})", "failed")
    fits = {"blocking": closed.to_dict(), "leaky": leaky.to_dict(), "delta_bic": d_bic}
    errs = _stderrs(used.result, leak, R_bulk, R_dc, sigma_ion, sigma_el, t_el)
    for what, value, err in (("σ_ion", sigma_ion, errs[0]), ("σ_el", sigma_el, errs[1])):
        if value is not None and err is not None and err > abs(value):
            v = v.add("undetermined", f"{what} is not determined by the data ({value:.3g} ± {err:.2g} S/cm: the "
                      f"{'electronic-leak' if leak else 'blocking-tail'} fit leaves R0 + R1 undetermined)", "warning")
    return StackDiagnosis(conductor, _fin(sigma_ion), _fin(sigma_el), _fin(upper), _fin(t_el), float(R_bulk),
                          _fin(R_dc), phase, tuple(evidence), v, fits, *errs)


def _stderrs(result: Any, leak: bool, R_bulk: float, R_dc: float | None, sigma_ion: float,
             sigma_el: float | None, t_el: float | None) -> tuple[float | None, float | None, float | None]:
    """Standard errors of σ_ion, σ_el and t_el to first order: relative errors of R_bulk = R0 + R1
    and R_dc = R_bulk + R_el (correlations neglected); None where a resistance has no stderr."""
    names = ("R0", "R1", "R_el") if leak else ("R0", "R1")
    e = {n: result[n].stderr for n in names}
    if any(x is None or not math.isfinite(x) for x in e.values()):
        return None, None, None
    rel_ion = math.hypot(e["R0"], e["R1"]) / R_bulk
    if not leak or R_dc is None or sigma_el is None:
        return _fin(abs(sigma_ion) * rel_ion), None, None
    rel_el = math.sqrt(e["R0"] ** 2 + e["R1"] ** 2 + e["R_el"] ** 2) / R_dc
    # t = σ_el/(σ_ion+σ_el): ∂t/∂σ_el = σ_ion/(σ_ion+σ_el)², ∂t/∂σ_ion = −σ_el/(σ_ion+σ_el)², so
    # σ_t = t(1 − t)·√(rel_ion² + rel_el²) (the shared R0, R1 covariance neglected)
    t_err = None if t_el is None else t_el * (1 - t_el) * math.hypot(rel_ion, rel_el)
    return _fin(abs(sigma_ion) * rel_ion), _fin(sigma_el * rel_el), _fin(t_err)


def _fin(x: float | None) -> float | None:
    return None if x is None or not math.isfinite(x) else float(x)
