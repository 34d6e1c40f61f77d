"""Conductivity σ = l / (R·A) with propagated uncertainty, and which element is the bulk.

The bulk element of a fitted circuit is either named by the user or chosen from the
effective capacitances of its R‖C / R‖CPE pairs, normalised by the cell constant
(C·l/A, in F/cm, Irvine, Sinclair & West, Adv. Mater. 2 (1990) 132):

=====================  ======================  ======================
process                C·l/A [F/cm]            typical C of a pellet
=====================  ======================  ======================
bulk                   < 1e-11                 pF
grain boundary         1e-11 … 1e-7            nF
electrode interface    ≥ 1e-7                  µF
=====================  ======================  ======================

When no arc is in the bulk range but the circuit has a resistor without a capacitor
(the high-frequency intercept, bulk arc above the measured range), that resistor is taken.

Examples
--------
>>> from sselab.transport.geometry import SampleGeometry
>>> g = SampleGeometry.from_text("0.65 mm", diameter="13 mm")
>>> res = conductivity(88.4, g, resistance_stderr_ohm=0.5)
>>> round(res.sigma_S_per_cm * 1e4, 2)
5.54
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, Mapping, Protocol

from ..exceptions import AnalysisError
from ..verdict import Reason, Verdict, verdict_of
from .geometry import SampleGeometry

#: Upper limit of C·l/A [F/cm] for a bulk process.
BULK_MAX_F_PER_CM = 1e-11
#: Upper limit of C·l/A [F/cm] for a grain-boundary (or surface-layer) process.
GRAIN_BOUNDARY_MAX_F_PER_CM = 1e-7
CAPACITANCE_RANGES = (
    "bulk: C·l/A < 1e-11 F/cm (pF); grain boundary: 1e-11 to 1e-7 F/cm (nF); "
    "electrode interface: >= 1e-7 F/cm (µF) [Irvine, Sinclair & West 1990]"
)


class _Estimate(Protocol):
    value: float
    stderr: float | None


class FittedCircuit(Protocol):
    """What conductivity needs from a circuit fit (``sselab.eis.CircuitFit``)."""

    effective_capacitance: Mapping[str, float]

    def __getitem__(self, name: str) -> _Estimate: ...

    @property
    def values(self) -> Mapping[str, float]: ...


@dataclass(frozen=True)
class ConductivityResult:
    """σ = l/(R·A) and its standard error.

    Attributes
    ----------
    sigma_S_per_cm, sigma_stderr_S_per_cm : float
    resistance_ohm, resistance_stderr_ohm : float
    geometry : SampleGeometry
    bulk_element : str or None
        The circuit element used as the bulk, when σ came from a fit.
    bulk_choice : str
        How the bulk element was chosen, in words.
    """

    sigma_S_per_cm: float
    sigma_stderr_S_per_cm: float | None
    resistance_ohm: float
    resistance_stderr_ohm: float | None
    geometry: SampleGeometry
    bulk_element: str | None = None
    bulk_choice: str = ""
    capacitances: Mapping[str, Any] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    reasons: tuple[Reason, ...] = ()

    @property
    def verdict(self) -> Verdict:
        """The fit's verdict for the bulk element (failed when the bulk resistance is not
        usable), the bulk choice when ambiguous, a missing standard error."""
        return Verdict.of(self.reasons)

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.verdict.to_dict(),
            "sigma_S_per_cm": self.sigma_S_per_cm,
            "sigma_stderr_S_per_cm": self.sigma_stderr_S_per_cm,
            "sigma_mS_per_cm": self.sigma_S_per_cm * 1e3,
            "resistance_ohm": self.resistance_ohm,
            "resistance_stderr_ohm": self.resistance_stderr_ohm,
            **self.geometry.to_dict(),
            "bulk_element": self.bulk_element,
            "bulk_choice": self.bulk_choice,
            "capacitances": dict(self.capacitances),
            "capacitance_ranges": CAPACITANCE_RANGES,
            "warnings": list(self.warnings),
        }


def conductivity(
    resistance_ohm: float,
    geometry: SampleGeometry,
    resistance_stderr_ohm: float | None = None,
    *,
    bulk_element: str | None = None,
    bulk_choice: str = "resistance given",
) -> ConductivityResult:
    """σ = l/(R·A) [S/cm]; relative errors of R, l and A added in quadrature.

    Examples
    --------
    >>> from sselab.transport.geometry import SampleGeometry
    >>> g = SampleGeometry(0.065e-2, 1.327e-4)
    >>> round(conductivity(100.0, g).sigma_S_per_cm, 7)
    0.0004898
    """
    if not (math.isfinite(resistance_ohm) and resistance_ohm > 0):
        raise AnalysisError(f"the resistance must be positive for a conductivity, got {resistance_ohm} Ω")
    sigma = geometry.thickness_cm / (resistance_ohm * geometry.area_cm2)
    # relative errors in quadrature by hypot: a collapsed R (1e-305 Ohm) gives a huge ratio whose
    # square would overflow (Python's ** raises); hypot returns it, or inf
    rel = [geometry.thickness_stderr_m / geometry.thickness_m, geometry.area_stderr_m2 / geometry.area_m2]
    warnings = []
    if resistance_stderr_ohm is None or not math.isfinite(resistance_stderr_ohm):
        resistance_stderr_ohm = None
        warnings.append("no standard error for the resistance: σ's error covers only the geometry")
    else:
        rel.append(resistance_stderr_ohm / resistance_ohm)
    reasons = tuple(Reason("no_stderr", w) for w in warnings)
    return ConductivityResult(
        sigma, sigma * math.hypot(*rel), resistance_ohm, resistance_stderr_ohm, geometry,
        bulk_element, bulk_choice, {}, tuple(warnings), reasons,
    )


def classify_capacitance(capacitance_F: float, geometry: SampleGeometry) -> str:
    """'bulk', 'grain boundary' or 'electrode' from C·l/A (see the module table)."""
    normalised = capacitance_F * geometry.cell_constant_per_cm
    if normalised < BULK_MAX_F_PER_CM:
        return "bulk"
    if normalised < GRAIN_BOUNDARY_MAX_F_PER_CM:
        return "grain boundary"
    return "electrode"


_RESISTOR = re.compile(r"^R[A-Za-z0-9_]*$")


def choose_bulk(fit: FittedCircuit, geometry: SampleGeometry, bulk: str | None = None) -> tuple[str, str, dict]:
    """(element, reason, capacitance table) for the bulk resistance of ``fit``.

    ``bulk`` given: it is used (and checked to exist).  Otherwise the resistor whose arc's
    C·l/A lies in the bulk range; several: the one with the smallest capacitance; none: a
    resistor with no capacitor (the high-frequency intercept).
    """
    caps = dict(getattr(fit, "effective_capacitance", {}) or {})
    table = {
        name: {
            "C_F": c,
            "C_per_cell_constant_F_per_cm": c * geometry.cell_constant_per_cm,
            "process": classify_capacitance(c, geometry),
        }
        for name, c in caps.items()
        if c is not None and math.isfinite(c)
    }
    names = list(fit.values)
    if bulk is not None:
        if bulk not in names:
            raise AnalysisError(f"bulk element {bulk!r} is not a parameter of the circuit; parameters: {', '.join(names)}")
        why = "stated by the user"
        if bulk in table and table[bulk]["process"] != "bulk":
            why += f" (its capacitance {table[bulk]['C_F']:.3g} F suggests {table[bulk]['process']}, not bulk)"
        return bulk, why, table
    in_bulk = [n for n, row in table.items() if row["process"] == "bulk"]
    if in_bulk:
        chosen = min(in_bulk, key=lambda n: table[n]["C_F"])
        c = table[chosen]["C_F"]
        return chosen, f"chosen by its effective capacitance {c:.3g} F (C·l/A = {c * geometry.cell_constant_per_cm:.3g} F/cm, bulk range < {BULK_MAX_F_PER_CM:g} F/cm)", table
    bare = [n for n in names if _RESISTOR.match(n) and n not in table]
    if len(bare) == 1:
        why = f"no arc has a bulk-like capacitance; {bare[0]} (resistor without capacitor, the high-frequency intercept) taken as bulk"
        if table:  # arcs that might hold the bulk instead (an eBE stack's R_ap): say so
            arcs = ", ".join(f"{n} ({row['process']})" for n, row in table.items())
            why += f"; the arcs {arcs} could hold it instead — check (state the bulk; for an eBE stack use deconvolve)"
        return bare[0], why, table
    if table:
        chosen = min(table, key=lambda n: table[n]["C_F"])
        return chosen, f"no arc in the bulk range; {chosen} has the smallest capacitance ({table[chosen]['C_F']:.3g} F, {table[chosen]['process']}) and was taken — check", table
    raise AnalysisError("cannot tell which element is the bulk: no effective capacitances and no single series resistor; state it (--bulk)")


def conductivity_from_fit(fit: FittedCircuit, geometry: SampleGeometry, bulk: str | None = None) -> ConductivityResult:
    """σ from the bulk resistance of a circuit fit, the bulk stated or chosen (see :func:`choose_bulk`)."""
    element, why, table = choose_bulk(fit, geometry, bulk)
    est = fit[element]
    for_bulk = getattr(fit, "verdict_for", None)
    fit_v = for_bulk([element]) if callable(for_bulk) else verdict_of(fit)
    if not (math.isfinite(est.value) and est.value > 0):
        reasons = fit_v.reasons + (Reason("bulk_not_positive", f"the bulk resistance {element} = {est.value:.3g} Ohm "
                                          "is not positive: no conductivity", "failed"),)
        return ConductivityResult(float("nan"), None, float(est.value), est.stderr, geometry, element, why, table,
                                  (), reasons)
    res = conductivity(float(est.value), geometry, est.stderr, bulk_element=element, bulk_choice=why)
    warnings = list(res.warnings)
    reasons = list(fit_v.reasons) + list(res.reasons)
    if "— check" in why or "suggests" in why:
        warnings.append(why)
        reasons.append(Reason("bulk_ambiguous", why))
    return ConductivityResult(
        res.sigma_S_per_cm, res.sigma_stderr_S_per_cm, res.resistance_ohm, res.resistance_stderr_ohm,
        geometry, element, why, table, tuple(warnings), tuple(reasons),
    )
