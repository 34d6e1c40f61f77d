"""Sequential Rietveld refinement over a series (annealing temperature, time, depth).

Each pattern is refined with the same phases and options, seeded from the last refinement that
did not fail (lattice, size, strain, B, zero carry over; scales and background are re-solved by
linear least squares on each pattern); when a seeded refinement fails it is redone from the
phases' own start values and the better of the two is kept.  A pattern whose refinement fails or raises stays in the
series with empty values and is named in the verdict; it never seeds the next one.

Examples
--------
>>> import numpy as np
>>> from sselab.xrd.library import mg3asn
>>> from sselab.xrd.simulate import simulate_pattern
>>> pats = [simulate_pattern([mg3asn(a)], np.arange(20, 80, 0.02), seed=i) for i, a in enumerate((4.22, 4.23))]
>>> seq = refine_sequential(pats, [mg3asn()], labels=["500 C", "600 C"])
>>> [round(v, 3) for v in seq.table()["Mg3AsN.a"]]
[4.22, 4.23]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from ..exceptions import SselabError
from ..measurements import DiffractionPattern
from ..verdict import Verdict, from_inputs, status_of
from .instrument import Instrument
from .rietveld import RietveldResult, refine
from .structures import Phase


@dataclass(frozen=True, eq=False)
class SequentialResult:
    """Refinements of a series, in order; ``errors`` by label for patterns that could not be refined."""

    labels: tuple[str, ...]
    results: tuple[RietveldResult | None, ...]
    errors: dict[str, str]
    verdict: Verdict

    def table(self, with_stderr: bool = False) -> dict[str, list[float | None]]:
        """Every refined parameter (and Rwp, wt%) against the series; ``None`` where not refined."""
        names: list[str] = []
        phases: list[str] = []
        for r in self.results:
            if r is not None:
                names += [e.name for e in r.fit.parameters if not e.fixed and e.name not in names]
                phases += [p.name for p in r.phases if p.name not in phases]
        out: dict[str, list[float | None]] = {"Rwp": [], **{n: [] for n in names}}
        out.update({f"{p}.weight_fraction": [] for p in phases})
        if with_stderr:
            out.update({f"{n}_stderr": [] for n in names})
        for r in self.results:
            ok = r is not None and status_of(r) != "failed"
            out["Rwp"].append(r.Rwp if ok else None)
            for n in names:
                e = r.fit[n] if ok and n in r.fit.names and not r.fit[n].fixed else None
                out[n].append(None if e is None else e.value)
                if with_stderr:
                    out[f"{n}_stderr"].append(None if e is None else e.stderr)
            wf = {p.name: p.weight_fraction for p in r.phases} if ok else {}
            for p in phases:
                out[f"{p}.weight_fraction"].append(wf.get(p))
        return out

    def to_dict(self) -> dict[str, Any]:
        rows = []
        for label, r in zip(self.labels, self.results):
            row: dict[str, Any] = {"label": label}
            if r is None:
                row.update(status="failed", error=self.errors.get(label, ""))
            else:
                row.update(r.to_dict())
            rows.append(row)
        return {"labels": list(self.labels), "patterns": rows, "table": self.table(with_stderr=True),
                **self.verdict.to_dict()}


def refine_sequential(
    patterns: Sequence[DiffractionPattern],
    phases: Sequence[Phase],
    instrument: Instrument | None = None,
    *,
    labels: Sequence[str] | None = None,
    **options: Any,
) -> SequentialResult:
    """Refine ``patterns`` in order, each seeded from the last good refinement (``options`` as
    :func:`~sselab.xrd.rietveld.refine`: stages, refine_b, n_background, two_theta_range, fixed)."""
    if labels is None:
        sources = [p.source for p in patterns]
        labels = sources if all(sources) and len(set(sources)) == len(sources) else [f"pattern {i}" for i in range(len(patterns))]
    labels = [str(x) for x in labels]
    if len(labels) != len(patterns) or len(set(labels)) != len(labels):
        raise SselabError("sequential refinement needs one distinct label per pattern")
    if not patterns:
        raise SselabError("no patterns to refine")
    results: list[RietveldResult | None] = []
    errors: dict[str, str] = {}
    seed: dict[str, float] | None = None
    for label, pat in zip(labels, patterns):
        res = None
        for start in ([seed, None] if seed else [None]):  # a seeded refinement that fails is redone from the phases' own start
            try:
                new = refine(pat, phases, instrument, start=start, **options)
            except SselabError as exc:
                errors[label] = str(exc)
                continue
            if res is None or (status_of(res) == "failed" and new.Rwp < res.Rwp):
                res = new
            if status_of(res) != "failed":
                errors.pop(label, None)
                break
        if res is None:
            results.append(None)
            continue
        results.append(res)
        if status_of(res) != "failed":
            seed = {k: v for k, v in res.values.items() if not k.startswith("bkg") and not k.endswith(".scale")}
    inputs = {lab: (r if r is not None else {"status": "failed", "reasons": [
        {"code": "refinement_error", "message": errors[lab], "severity": "failed"}]}) for lab, r in zip(labels, results)}
    dropped = [lab for lab in labels if status_of(inputs[lab]) == "failed"]
    verdict = from_inputs(inputs, dropped=dropped, what="pattern")
    if len(dropped) == len(labels):
        verdict = verdict.add("all_failed", "no pattern of the series refined", "failed")
    return SequentialResult(tuple(labels), tuple(results), errors, verdict)
