"""Automatic equivalent-circuit selection with its evidence.

Candidates come from two sources: a small grammar of physically meaningful forms for
solid-electrolyte cells (bulk, grain boundary, electrode/interface arcs; blocking-electrode
and diffusion tails; a mixed ionic–electronic path), and the number of processes the DRT
finds (k peaks → k arcs, plus a tail when the spectrum ends capacitive).  Each candidate is
fitted with automatic initial values and judged:

rejected when
    the fit did not converge; a parameter is undetermined (standard error > value) or sits
    on a bound — except a series resistance below 1 % of the total, which is negligible (at
    its lower bound 0 it says the data do not resolve it); a CPE exponent n < 0.5 in an arc
    (not a semicircle any more); arcs' effective capacitances are not increasing from the fastest to the slowest process
    (bulk < grain boundary < electrode: faster processes have smaller capacitance);
ranked by
    BIC among the plausible candidates (lower is better), AIC reported too.

When a spectrum is inductive at its highest frequency (Z'' > 0: leads, cables), every form
gets a series inductance L0.

For a temperature series the same topology must serve every spectrum (an Arrhenius plot of
a resistance that changes meaning between temperatures is wrong): candidates are ranked by
summed BIC over the series and rejected if implausible at any temperature.

Examples
--------
>>> import numpy as np
>>> from sselab.eis import simulate_spectrum, paper_frequencies
>>> truth = {"R0": 10, "R1": 1e4, "CPE1.Q": 1e-10, "CPE1.n": 0.9, "R2": 3e4, "CPE2.Q": 1e-7, "CPE2.n": 0.8}
>>> s = simulate_spectrum("R0-p(R1,CPE1)-p(R2,CPE2)", truth, paper_frequencies(), noise=0.003, seed=1)
>>> suggest([s]).best.circuit
'R0-p(R1,CPE1)-p(R2,CPE2)'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from ..exceptions import AnalysisError, SselabError
from ..measurements import Spectrum
from .fit import CircuitFit, fit_circuit

#: The grammar's forms (name, circuit).
GRAMMAR: tuple[tuple[str, str], ...] = (
    ("one arc", "R0-p(R1,CPE1)"),
    ("bulk + grain boundary", "R0-p(R1,CPE1)-p(R2,CPE2)"),
    ("bulk + grain boundary + interface", "R0-p(R1,CPE1)-p(R2,CPE2)-p(R3,CPE3)"),
    ("arc + blocking electrode", "R0-p(R1,CPE1)-CPE2"),
    ("two arcs + blocking electrode", "R0-p(R1,CPE1)-p(R2,CPE2)-CPE3"),
    ("three arcs + blocking electrode", "R0-p(R1,CPE1)-p(R2,CPE2)-p(R3,CPE3)-CPE4"),
    ("arc + semi-infinite diffusion", "R0-p(R1,CPE1)-W2"),
    ("two arcs + semi-infinite diffusion", "R0-p(R1,CPE1)-p(R2,CPE2)-W3"),
    ("three arcs + semi-infinite diffusion", "R0-p(R1,CPE1)-p(R2,CPE2)-p(R3,CPE3)-W4"),
    ("arc + finite-space diffusion", "R0-p(R1,CPE1)-Wo2"),
    ("mixed ionic-electronic (Jamnik-Maier-like)", "p(C0,R_el,R_ion-CPE_int)"),
)


@dataclass(frozen=True)
class Candidate:
    """One candidate circuit with its fits (one per spectrum) and the verdict."""

    circuit: str
    origin: str
    fits: tuple[CircuitFit, ...]
    rejections: tuple[str, ...]
    bic: float
    aic: float

    @property
    def plausible(self) -> bool:
        return not self.rejections

    def to_dict(self) -> dict[str, Any]:
        """Plain dict: "circuit", "topology", "origin", "plausible", "scores" (BIC and AIC summed
        over the spectra, χ² and reduced χ² per spectrum), "rejections" (the reasons, empty
        when plausible) and "parameters" (one {name: {value, stderr, unit}} per spectrum)."""
        return {
            "circuit": self.circuit,
            "topology": topology(self.circuit),
            "origin": self.origin,
            "plausible": self.plausible,
            "scores": {
                "bic": _finite(self.bic),
                "aic": _finite(self.aic),
                "chi2": [_finite(f.chi2) for f in self.fits],
                "reduced_chi2": [_finite(f.result.reduced_chi2) for f in self.fits],
                "n_parameters": len(self.fits[0].result.parameters) if self.fits else None,
            },
            "rejections": list(self.rejections),
            "parameters": [
                {p.name: {"value": _finite(p.value), "stderr": _finite(p.stderr), "unit": p.unit} for p in f.result.parameters}
                for f in self.fits
            ],
        }


def _finite(x: float | None) -> float | None:
    """JSON has no inf/NaN: None stands for them."""
    return float(x) if x is not None and np.isfinite(x) else None


@dataclass(frozen=True)
class Suggestion:
    """Candidates best first: plausible ones by BIC, then the rejected ones."""

    candidates: tuple[Candidate, ...]
    n_spectra: int
    drt_peaks: tuple[int, ...] = field(default_factory=tuple)

    @property
    def best(self) -> Candidate:
        return self.candidates[0]

    def to_dict(self) -> dict[str, Any]:
        return {
            "best": self.best.circuit,
            "criterion": "BIC among physically plausible candidates",
            "n_spectra": self.n_spectra,
            "drt_peaks": list(self.drt_peaks),
            "candidates": [c.to_dict() for c in self.candidates],
        }


def topology(circuit: str) -> str:
    """The circuit's structure without its labels, parallel branches sorted: two circuits are
    the same model exactly when their topologies are equal.

    Examples
    --------
    >>> topology("R0-p(CPE1,R1)-W1") == topology("R_s-p(R_b,CPE_b)-W2")
    True
    >>> topology("R0-p(R1,CPE1)-W2")
    'R-p(CPE,R)-W'
    """
    from .language import Element, Parallel, parse

    def key(node) -> str:
        if isinstance(node, Element):
            return node.type
        if isinstance(node, Parallel):
            return "p(" + ",".join(sorted(key(c) for c in node.children)) + ")"
        return "-".join(key(c) for c in node.children)

    return key(parse(circuit))


def _arc_blocks(fit: CircuitFit) -> list[tuple[str, float, float]]:
    """(resistor, effective capacitance, characteristic frequency) of each arc, fastest first."""
    caps = fit.effective_capacitance
    freqs = fit.characteristic_frequency
    return sorted(((r, caps[r], freqs[r]) for r in caps), key=lambda t: -t[2])


def judge(fit: CircuitFit) -> list[str]:
    """Reasons to reject a fit as physically implausible (empty when plausible)."""
    reasons = []
    res = fit.result
    if not res.success:
        reasons.append(f"did not converge ({res.message})")
    # a series resistance too small to resolve beside the arcs is negligible, not a wrong model
    from .initial_grid import top_level
    from .language import Element

    lone_r = {n.label for n in top_level(fit.model.tree) if isinstance(n, Element) and n.type == "R"}
    total = sum(abs(v) for k, v in fit.values.items() if "." not in k and k.startswith("R"))
    undetermined = [
        n for n in res.undetermined
        if not (n in lone_r and fit[n].value + 2 * (fit[n].stderr or 0) < 0.01 * total)
    ]
    if undetermined:
        reasons.append("undetermined: " + ", ".join(undetermined))
    at_bound = [
        p.name for p in res.parameters
        if p.at_bound and not p.name.endswith(".n") and not (p.name in lone_r and abs(p.value) < 0.01 * total)
    ]
    if at_bound:
        reasons.append("at a bound: " + ", ".join(at_bound))
    for r, cap in fit.model.rc_pairs():
        n = fit.values.get(f"{cap}.n")
        if n is not None and n < 0.5:
            reasons.append(f"{cap}.n = {n:.2f} < 0.5: not an arc")
    blocks = _arc_blocks(fit)
    for (r1, c1, _), (r2, c2, _) in zip(blocks, blocks[1:]):
        if c2 <= c1:
            reasons.append(f"capacitance not increasing with time constant: C({r1}) = {c1:.2g} F ≥ C({r2}) = {c2:.2g} F")
    return reasons


def _drt_candidates(spectra: Sequence[Spectrum]) -> tuple[list[tuple[str, str]], tuple[int, ...]]:
    try:
        from .drt import drt
    except ImportError:  # pragma: no cover - DRT is part of the package
        return [], ()
    out, counts = [], []
    for s in spectra:
        try:
            k = len(drt(s).peaks)
        except SselabError:
            continue
        counts.append(k)
    if not counts:
        return [], ()
    k = int(np.median(counts))
    k = min(max(k, 1), 4)
    arcs = "-".join(f"p(R{i},CPE{i})" for i in range(1, k + 1))
    s0 = spectra[0]
    low = np.argmin(s0.frequency_Hz)
    phase_low = -np.angle(s0.impedance_ohm[low], deg=True)
    out.append((f"DRT: {k} peak(s)", f"R0-{arcs}"))
    if phase_low > 45:
        out.append((f"DRT: {k} peak(s) + capacitive tail ({phase_low:.0f}° at lowest f)", f"R0-{arcs}-CPE{k + 1}"))
    return out, tuple(counts)


def _inductive(spectra: Sequence[Spectrum]) -> bool:
    """True when any spectrum is inductive (Z'' > 0) at its highest frequency."""
    return any(float(np.asarray(s.impedance_ohm)[np.argmax(s.frequency_Hz)].imag) > 0 for s in spectra)


def suggest(spectra: Sequence[Spectrum], extra: Sequence[str] = (), use_drt: bool = True) -> Suggestion:
    """Rank candidate circuits for one spectrum or a temperature series (one topology)."""
    spectra = list(spectra)
    if not spectra:
        raise AnalysisError("no spectra to choose a circuit for")
    pool: dict[str, str] = {}
    drt_counts: tuple[int, ...] = ()
    if use_drt:
        from_drt, drt_counts = _drt_candidates(spectra)
        for origin, c in from_drt:
            pool.setdefault(c, origin)
    for origin, c in GRAMMAR:
        pool.setdefault(c, f"grammar: {origin}")
    if _inductive(spectra):  # cables and leads: every form gets a series inductance
        pool = {(c if "L" in topology(c).split("-") else f"L0-{c}"): f"{o} + series inductance" for c, o in pool.items()}
    for c in extra:
        pool.setdefault(c, "user")
    candidates = []
    for circuit, origin in pool.items():
        fits, reasons = [], []
        for s in spectra:
            try:
                fit = fit_circuit(s, circuit)
            except SselabError as exc:
                reasons.append(str(exc).splitlines()[0])
                break
            fits.append(fit)
            for r in judge(fit):
                label = f" at {s.temperature_K - 273.15:.0f} °C" if s.temperature_K and len(spectra) > 1 else ""
                reasons.append(r + label)
        bic = float(sum(f.result.bic for f in fits)) if len(fits) == len(spectra) else float("inf")
        aic = float(sum(f.result.aic for f in fits)) if len(fits) == len(spectra) else float("inf")
        candidates.append(Candidate(circuit, origin, tuple(fits), tuple(dict.fromkeys(reasons)), bic, aic))
    candidates.sort(key=lambda c: (not c.plausible, c.bic))
    return Suggestion(tuple(candidates), len(spectra), drt_counts)
