"""Plating/stripping analysis of a symmetric cell: overpotentials, charge, polarisation growth.

Overpotential definitions (signed cell voltage over one half-cycle; plating < 0 by the
convention of :mod:`sselab.cycling.segmentation`):

* ``end`` — the voltage at the last point of the half-cycle;
* ``mean`` — the time-weighted mean (trapezoidal integral / duration);
* ``max_abs`` — the voltage of largest magnitude (signed);
* ``median_last_10pct`` — the median of the points in the last 10 % of the half-cycle's
  duration (robust to noise; the default for trends and events).

Per cycle: polarisation = η_stripping − η_plating (positive for a normal cell), and its
growth per cycle and per hour from a Theil–Sen fit (robust to jumps and outliers) over the
regular cycles before any short circuit.  Time of a cycle = the mid-time of its two halves.

Examples
--------
>>> from sselab.cycling.simulate import simulate_cycling
>>> res = plating_stripping(simulate_cycling(n_cycles=5, eta_plating_V=-0.1, eta_stripping_V=0.1))
>>> res.n_cycles, round(res.cycles[0].plating["end"], 3)
(5, -0.1)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..exceptions import AnalysisError
from ..verdict import Reason, Verdict
from ..measurements import GalvanostaticRecord
from .events import Jump, ShortCircuit, detect_jumps, detect_short_circuit
from .segmentation import PLATING, STRIPPING, HalfCycle, Segmentation, segment
from .trend import LineFit, theil_sen

DEFINITIONS = ("end", "mean", "max_abs", "median_last_10pct")
C_PER_MAH = 3.6


def overpotentials(t: np.ndarray, v: np.ndarray) -> dict[str, float]:
    """The four named overpotentials of one half-cycle (module docstring)."""
    t = np.asarray(t, float)
    v = np.asarray(v, float)
    dur = t[-1] - t[0]
    mean = float(np.trapezoid(v, t) / dur) if dur > 0 else float(np.mean(v))
    last = v[t >= t[-1] - 0.1 * dur] if dur > 0 else v[-1:]
    return {
        "end": float(v[-1]),
        "mean": mean,
        "max_abs": float(v[np.argmax(np.abs(v))]),
        "median_last_10pct": float(np.median(last)),
    }


@dataclass(frozen=True)
class HalfCycleResult:
    """Numbers for one half-cycle."""

    half: HalfCycle
    overpotential_V: dict[str, float]
    charge_C: float
    current_density_mA_per_cm2: float | None

    def to_dict(self) -> dict[str, Any]:
        d = self.half.to_dict()
        d.update({f"eta_{k}_V": v for k, v in self.overpotential_V.items()})
        d.update({"charge_C": self.charge_C, "charge_mAh": self.charge_C / C_PER_MAH,
                  "current_density_mA_per_cm2": self.current_density_mA_per_cm2})
        return d


@dataclass(frozen=True)
class CycleResult:
    """One cycle: its plating and stripping half-cycles (either may be missing)."""

    cycle: int
    time_h: float
    plating: dict[str, float]
    stripping: dict[str, float]
    plating_charge_C: float | None
    stripping_charge_C: float | None
    complete: bool

    def polarisation_V(self, definition: str) -> float:
        return self.stripping.get(definition, np.nan) - self.plating.get(definition, np.nan)

    def to_dict(self) -> dict[str, Any]:
        row: dict[str, Any] = {"cycle": self.cycle, "time_h": self.time_h, "complete": self.complete}
        for name in DEFINITIONS:
            row[f"plating_{name}_V"] = self.plating.get(name)
            row[f"stripping_{name}_V"] = self.stripping.get(name)
            row[f"polarisation_{name}_V"] = (self.polarisation_V(name) if self.complete
                                            or (self.plating and self.stripping) else None)
        row["plating_charge_C"] = self.plating_charge_C
        row["stripping_charge_C"] = self.stripping_charge_C
        row["plating_charge_mAh"] = None if self.plating_charge_C is None else self.plating_charge_C / C_PER_MAH
        row["stripping_charge_mAh"] = (None if self.stripping_charge_C is None
                                       else self.stripping_charge_C / C_PER_MAH)
        return row


@dataclass(frozen=True)
class PlatingStrippingResult:
    """Everything :func:`plating_stripping` found; ``to_dict()`` is what ``--json`` prints."""

    source: str
    definition: str
    nominal_current_A: float
    area_cm2: float | None
    half_cycles: tuple[HalfCycleResult, ...]
    cycles: tuple[CycleResult, ...]
    n_cycles: int
    growth_per_cycle: LineFit
    growth_per_hour: LineFit
    plating_growth_per_cycle: LineFit
    stripping_growth_per_cycle: LineFit
    short_circuit: ShortCircuit
    jumps: tuple[Jump, ...]
    warnings: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())

    @property
    def verdict(self) -> Verdict:
        """Warnings for a short circuit, no complete cycle and the segmentation's notes; a
        coulombic efficiency |Q_strip / Q_plate| above ``CE_WARNING`` is a warning, above
        ``CE_FAILED`` a failure (``implausible_ce``: not a symmetric plating/stripping record)."""
        from .voltammetry import CE_FAILED, CE_WARNING

        reasons = [Reason("cycling_note", w) for w in self.warnings]
        if self.short_circuit.cycle is not None:
            reasons.append(Reason("short_circuit", f"a short circuit from cycle {self.short_circuit.cycle}: later "
                                  "overpotentials are those of the short, not of the interface"))
        for c in self.cycles:
            if c.complete and c.plating_charge_C and c.stripping_charge_C is not None:
                ce = abs(c.stripping_charge_C / c.plating_charge_C)
                if ce > CE_WARNING:
                    reasons.append(Reason("implausible_ce", f"cycle {c.cycle}: coulombic efficiency {ce:.3g} ≫ 1",
                                          "failed" if ce > CE_FAILED else "warning"))
        return Verdict.of(reasons)

    @property
    def current_density_mA_per_cm2(self) -> float | None:
        return None if not self.area_cm2 else self.nominal_current_A * 1e3 / self.area_cm2

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.verdict.to_dict(),
            "source": self.source,
            "convention": "plating = negative current on the working electrode; eta signed (plating < 0)",
            "definition_for_trends": self.definition,
            "nominal_current_A": self.nominal_current_A,
            "area_cm2": self.area_cm2,
            "current_density_mA_per_cm2": self.current_density_mA_per_cm2,
            "n_half_cycles": len(self.half_cycles),
            "n_cycles": self.n_cycles,
            "short_circuit_cycle": self.short_circuit.cycle,
            "short_circuit": self.short_circuit.to_dict(),
            "jump_cycles": [j.cycle for j in self.jumps],
            "jumps": [j.to_dict() for j in self.jumps],
            "polarisation_growth_V_per_cycle": self.growth_per_cycle.slope,
            "polarisation_growth_V_per_cycle_stderr": self.growth_per_cycle.slope_stderr,
            "polarisation_growth_V_per_h": self.growth_per_hour.slope,
            "polarisation_growth_V_per_h_stderr": self.growth_per_hour.slope_stderr,
            "plating_growth_V_per_cycle": self.plating_growth_per_cycle.slope,
            "stripping_growth_V_per_cycle": self.stripping_growth_per_cycle.slope,
            "growth_fit_method": self.growth_per_cycle.method,
            "cycles": [c.to_dict() for c in self.cycles],
            "half_cycles": [h.to_dict() for h in self.half_cycles],
            "warnings": list(self.warnings),
            "notes": list(self.notes),
        }


def plating_stripping(
    record: GalvanostaticRecord,
    *,
    area_cm2: float | None = None,
    definition: str = "median_last_10pct",
    r_ohm: float | None = None,
    segmentation: Segmentation | None = None,
) -> PlatingStrippingResult:
    """Analyse a symmetric-cell galvanostatic record.

    Parameters
    ----------
    record
        Time [s], current [A], voltage [V].
    area_cm2
        Electrode area [cm²] for the current density; defaults to ``record.area_cm2``.
    definition
        Overpotential used for the polarisation trend and the events (see :data:`DEFINITIONS`).
    r_ohm
        Ohmic (electrolyte) resistance [Ω], if known: enables the "V ≈ I·R_ohm" short criterion.
    segmentation
        A precomputed :func:`~sselab.cycling.segmentation.segment` result (else computed).

    Raises
    ------
    AnalysisError
        Unknown definition, or a record that cannot be segmented.
    """
    if definition not in DEFINITIONS:
        raise AnalysisError(f"unknown overpotential definition {definition!r}; use one of {DEFINITIONS}")
    seg = segmentation or segment(record)
    area = area_cm2 if area_cm2 is not None else record.area_cm2
    if area is not None and not area > 0:
        raise AnalysisError(f"electrode area must be positive, got {area} cm2")
    t = np.asarray(record.time_s, float)
    i = np.asarray(record.current_A, float)
    v = np.asarray(record.voltage_V, float)

    halves: list[HalfCycleResult] = []
    for h in seg.half_cycles:
        sl = slice(h.start, h.stop)
        tt, vv, ii = t[sl], v[sl], i[sl]
        ok = np.isfinite(vv)
        eta = overpotentials(tt[ok], vv[ok])
        q = float(np.trapezoid(ii, tt))
        jd = None if not area else h.current_A * 1e3 / area
        halves.append(HalfCycleResult(h, eta, q, jd))

    by_cycle: dict[int, dict[int, HalfCycleResult]] = {}
    for r in halves:
        if r.half.cycle > 0:
            by_cycle.setdefault(r.half.cycle, {})[r.half.sign] = r
    cycles: list[CycleResult] = []
    for c in sorted(by_cycle):
        pair = by_cycle[c]
        p, s = pair.get(PLATING), pair.get(STRIPPING)
        mids = [0.5 * (x.half.t_start_s + x.half.t_end_s) for x in (p, s) if x is not None]
        complete = p is not None and s is not None and not (p.half.truncated or s.half.truncated)
        cycles.append(CycleResult(
            cycle=c, time_h=float(np.mean(mids)) / 3600.0,
            plating=dict(p.overpotential_V) if p else {},
            stripping=dict(s.overpotential_V) if s else {},
            plating_charge_C=p.charge_C if p else None,
            stripping_charge_C=s.charge_C if s else None,
            complete=complete,
        ))

    full = [c for c in cycles if c.complete]
    num = np.array([c.cycle for c in full], int)
    pol = np.array([c.polarisation_V(definition) for c in full])
    th = np.array([c.time_h for c in full])
    cur = np.full(num.size, seg.nominal_current_A)
    short = detect_short_circuit(pol, num, current_A=cur, r_ohm=r_ohm)
    jumps = tuple(detect_jumps(pol, num))
    pre = num < short.cycle if short.cycle is not None else np.ones(num.size, bool)
    g_cyc = theil_sen(num[pre], pol[pre])
    g_h = theil_sen(th[pre], pol[pre])
    g_p = theil_sen(num[pre], np.array([c.plating[definition] for c in full])[pre] if full else [])
    g_s = theil_sen(num[pre], np.array([c.stripping[definition] for c in full])[pre] if full else [])

    warnings = list(seg.warnings)
    if not full:
        warnings.append("no complete cycle: only per-half-cycle results are reported")
    notes = [f"{len(seg.half_cycles)} half-cycles at nominal |I| = {seg.nominal_current_A:.4g} A; "
             f"trends use eta '{definition}' and Theil-Sen fits"
             + (f" over cycles before the short at {short.cycle}" if short.cycle else "")]
    notes.extend(record.notes)
    return PlatingStrippingResult(
        source=record.source, definition=definition, nominal_current_A=seg.nominal_current_A,
        area_cm2=area, half_cycles=tuple(halves), cycles=tuple(cycles), n_cycles=seg.n_cycles,
        growth_per_cycle=g_cyc, growth_per_hour=g_h, plating_growth_per_cycle=g_p,
        stripping_growth_per_cycle=g_s, short_circuit=short, jumps=jumps,
        warnings=tuple(warnings), notes=tuple(notes),
    )
