"""Le Bail whole-pattern fitting: cell, profile and background without a structure.

Each reflection's intensity is free: it starts equal for all reflections and is replaced after
every least-squares cycle by its Rietveld partition of the observed counts (Le Bail, Duroy &
Fourquet, Mat. Res. Bull. 23 (1988) 447): I_k ← I_k · Σ_i c_k(i)(y_obs − y_bkg)/(y_calc − y_bkg) / Σ_i c_k(i),
summed over the emission lines of the reflection.  Between updates the intensities are held and
scale, background, zero/displacement, cell, size and strain are refined (atomic parameters are
not used).  The phase's structure only supplies its space group's reflection list.  Weight
fractions do not exist in a Le Bail fit and are reported as NaN.

Examples
--------
>>> import numpy as np
>>> from sselab.xrd.library import mg3asn
>>> from sselab.xrd.simulate import simulate_pattern
>>> pat = simulate_pattern([mg3asn(4.2239)], np.arange(20, 80, 0.02), seed=2)
>>> res = lebail(pat, [mg3asn()])
>>> round(res.phases[0].lattice["a"], 3)
4.224
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Mapping, Sequence

import numpy as np

from ..fitting.threads import single_threaded_blas
from ..measurements import DiffractionPattern
from . import profiles
from .instrument import Instrument
from .rietveld import DEFAULT_STAGES, Refinement, RietveldResult
from .stages import stage_ftol
from .structures import Phase


def _update_intensities(job: Refinement) -> float:
    """Le Bail partition of the observed counts; returns the largest relative change."""
    m = job.model
    v = job.params.value_array
    pk = m.peaks(v)
    peak, point = profiles.windows(m.x, pk.centre, m.window_fwhm * pk.fwhm + 0.2)
    bkg = m.background(v)
    net = m.evaluate(v) - bkg
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(net > 1e-12 * max(net.max(), 1e-300), np.maximum(job.y - bkg, 0.0) / net, 0.0)
    c = pk.area[peak] * profiles.pseudo_voigt(m.x[point] - pk.centre[peak], pk.fwhm[peak], pk.eta[peak])
    calc = np.bincount(peak, c, pk.centre.size)
    obs = np.bincount(peak, c * ratio[point], pk.centre.size)
    offset, change = 0, 0.0
    n_lines = len(m.instrument.wavelengths_A)
    for ip, refl in enumerate(m.reflections):
        k = len(refl)
        sl = slice(offset, offset + n_lines * k)
        o, cc = obs[sl].reshape(n_lines, k).sum(0), calc[sl].reshape(n_lines, k).sum(0)
        factor = np.where(cc > 0, o / np.where(cc > 0, cc, 1.0), 1.0)
        new = m.lebail[ip] * factor
        change = max(change, float(np.max(np.abs(factor[cc > 0] - 1), initial=0.0)))
        m.lebail[ip] = np.maximum(new, 0.0)
        offset += n_lines * k
    return change


@single_threaded_blas()
def lebail(
    pattern: DiffractionPattern,
    phases: Sequence[Phase],
    instrument: Instrument | None = None,
    *,
    cycles: int = 12,
    tolerance: float = 1e-3,
    stages: Sequence[Sequence[str]] | None = None,
    n_background: int = 6,
    two_theta_range: tuple[float, float] | None = None,
    start: Mapping[str, float] | None = None,
    **_: Any,
) -> RietveldResult:
    """Le Bail fit of ``phases``' cells and profiles to ``pattern`` (see the module docstring)."""
    job = Refinement(pattern, phases, instrument, n_background=n_background, two_theta_range=two_theta_range, start=start)
    for ip, refl in enumerate(job.model.reflections):
        job.model.lebail[ip] = np.ones(len(refl))
    job._linear_start()
    stages = list(stages or DEFAULT_STAGES)
    for i, stage in enumerate(stages[:-1]):
        _update_intensities(job)
        job.run_stage(stage, ftol=stage_ftol(stages, i))
    for _ in range(cycles):
        change = _update_intensities(job)
        job.run_stage(stages[-1])
        if change < tolerance:
            break
    res = job.result()
    phases_out = tuple(replace(p, weight_fraction=float("nan"), weight_fraction_stderr=None, R_Bragg=None) for p in res.phases)
    verdict = res.verdict.add("lebail_fit", "Le Bail fit: reflection intensities are free, so there are no weight "
                              "fractions, B or occupancies and R_Bragg is 0 by construction")
    verdict = type(verdict)(tuple(r for r in verdict.reasons if r.code not in ("phase_not_significant",)))
    return replace(res, phases=phases_out, verdict=verdict)
