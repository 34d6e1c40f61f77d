"""Phase identification: refine every candidate together, then test each by leaving it out.

A candidate is *present* when its scale is significant (value / stderr ≥ ``min_sigma``) and
dropping it raises Rwp by at least ``min_rwp_gain`` (percentage points); an absent candidate
has no weight fraction (``None``: the refined wt% of a phase that is not there is not a
finding) but a detection limit (``detection_limit_wt_percent``, :mod:`~sselab.xrd.detection`:
"absent (< 0.8 wt%)"), and each candidate says why in ``detection``.  Peaks of the residual above
``peak_sigma``·σ are split into those at reflections of a present phase (``misfit_peaks_deg``:
strain, texture or profile misfit of a phase that *is* there) and those no candidate explains
(``unexplained_peaks_deg``).  The verdict: :func:`sselab.xrd.verdicts.identify_verdict`.

Examples
--------
>>> import numpy as np
>>> from sselab.xrd.library import mg3asn, mgo
>>> from sselab.xrd.simulate import simulate_pattern
>>> pat = simulate_pattern([mg3asn()], np.arange(20, 80, 0.02), seed=3)
>>> res = identify(pat, [mg3asn(), mgo()])
>>> [c.name for c in res.candidates if c.present]
['Mg3AsN']
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Sequence

import numpy as np

from ..measurements import DiffractionPattern
from .instrument import Instrument
from .detection import detection_limits
from .rietveld import Refinement, RietveldResult, _sigma, agreement
from .structures import Phase
from .verdicts import identify_verdict
from ..verdict import Verdict

STAGES: tuple[tuple[str, ...], ...] = (
    ("*.scale", "bkg*"),
    ("*.scale", "bkg*", "zero_deg", "*.a", "*.b", "*.c", "*.beta"),
    ("*.scale", "bkg*", "zero_deg", "*.a", "*.b", "*.c", "*.beta", "*.D_nm", "*.strain"),
)


@dataclass(frozen=True)
class Candidate:
    name: str
    present: bool
    weight_fraction: float | None
    scale_significance: float
    rwp_without: float
    rwp_gain: float
    weight_fraction_stderr: float | None = None
    detection: str = ""
    #: wt% at which the phase would pass the presence tests (:mod:`~sselab.xrd.detection`);
    #: None when it cannot be estimated
    detection_limit_wt_percent: float | None = None
    detection_limit_counting_wt_percent: float | None = None
    detection_limit_rwp_wt_percent: float | None = None
    detection_limit_by: str | None = None
    strongest_reflection_2theta_deg: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True, eq=False)
class Identification:
    candidates: tuple[Candidate, ...]
    Rwp: float
    unexplained_peaks_deg: tuple[float, ...]
    refinement: RietveldResult
    misfit_peaks_deg: tuple[float, ...] = ()
    verdict: Verdict = field(default_factory=Verdict.ok)

    @property
    def present(self) -> list[str]:
        return [c.name for c in self.candidates if c.present]

    def to_dict(self) -> dict[str, Any]:
        return {
            "present": self.present,
            "candidates": [c.to_dict() for c in self.candidates],
            "Rwp": self.Rwp,
            "unexplained_peaks_2theta_deg": list(self.unexplained_peaks_deg),
            "misfit_peaks_2theta_deg": list(self.misfit_peaks_deg),
            **self.verdict.to_dict(),
        }


def identify(
    pattern: DiffractionPattern,
    phases: Sequence[Phase],
    instrument: Instrument | None = None,
    *,
    min_sigma: float = 5.0,
    min_rwp_gain: float = 0.3,
    peak_sigma: float = 6.0,
    n_background: int = 6,
    stages: Sequence[Sequence[str]] = STAGES,
) -> Identification:
    """Which of ``phases`` are in ``pattern``; see the module docstring for the tests."""
    job = Refinement(pattern, phases, instrument, n_background=n_background)
    for stage in stages:
        before = (job.params, job.last_fit)
        res = job.run_stage(stage)
        if before[1] is not None and not res.chi2 <= before[1].chi2:
            # a stage that fits worse (a minor phase's size/strain started far off and ran away)
            # is undone: the simpler model that fitted better stands
            job.params, job.last_fit = before
    full = job.result()
    start = {n: v for n, v in full.values.items()}
    cands = []
    for p in phases:
        est = full.fit[f"{p.name}.scale"]
        signif = est.value / est.stderr if est.stderr else 0.0
        if len(phases) > 1:
            rest = [q for q in phases if q.name != p.name]
            sub = Refinement(pattern, rest, instrument, n_background=n_background,
                             start={k: v for k, v in start.items() if not k.startswith(p.name + ".")})
            sub.run_stage(STAGES[0])
            rwp_without = sub.result().Rwp
        else:
            y = full.y_obs
            rwp_without = agreement(y, full.y_background, _sigma(pattern)[np.argsort(pattern.two_theta_deg)][: y.size], 1)[1]
        gain = rwp_without - full.Rwp
        ph = full.phase(p.name)
        present = bool(signif >= min_sigma and gain >= min_rwp_gain)
        why = (f"scale {signif:.1f} σ from 0 (needs ≥ {min_sigma:g}), leaving it out raises Rwp by {gain:.2f} "
               f"(needs ≥ {min_rwp_gain:g})")
        cands.append(Candidate(p.name, present, ph.weight_fraction if present else None, float(signif), rwp_without, gain,
                               ph.weight_fraction_stderr if present else None, ("present: " if present else "absent: ") + why))
    on = [i for i, c in enumerate(cands) if c.present] or list(range(len(cands)))
    limits = detection_limits(job.model, job.params.value_array, job.sigma, [i for i, c in enumerate(cands) if c.present],
                              start=job.model.parameters().value_array, min_sigma=min_sigma,
                              min_rwp_gain=min_rwp_gain, y_obs=job.y, Rwp=full.Rwp)
    for i, (c, lim) in enumerate(zip(cands, limits)):
        x = lim["detection_limit_wt_percent"]
        text = (f"absent (< {x:.2g} wt%): " if x is not None else "absent: ") if not c.present else "present: "
        cands[i] = replace(c, detection=text + c.detection.partition(": ")[2], detection_limit_wt_percent=x,
                           **{k: w for k, w in lim.items() if k != "detection_limit_wt_percent"})
    inst = job.model.instrument
    pk = job.model.peaks(job.params.value_array)
    mine = np.isin(pk.phase, on) & (pk.area > 0)
    misfit, unexplained = [], []
    for x in _unexplained(full, peak_sigma):
        # a residual peak within one refined FWHM of a present phase's own peak is that peak's misfit
        near = mine & (np.abs(pk.centre - x) < np.maximum(pk.fwhm, 0.05))
        (misfit if near.any() else unexplained).append(x)
    out = Identification(tuple(cands), full.Rwp, tuple(unexplained), full, tuple(misfit))
    return replace(out, verdict=identify_verdict(out, inst))


def _unexplained(res: RietveldResult, peak_sigma: float) -> list[float]:
    from scipy.signal import find_peaks

    sigma = np.sqrt(np.maximum(res.y_calc, 1.0))
    z = (res.y_obs - res.y_calc) / sigma
    k = 5
    smooth = np.convolve(z, np.ones(k) / np.sqrt(k), mode="same")  # σ of a k-point sum
    idx, _ = find_peaks(smooth, height=peak_sigma, prominence=peak_sigma, distance=max(int(0.3 / np.median(np.diff(res.two_theta_deg))), 1))
    return [round(float(res.two_theta_deg[i]), 3) for i in idx]
