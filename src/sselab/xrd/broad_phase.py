"""Guard against a phase turned into background: the lower bound on crystallite size and its fallback.

With a weak phase (a few wt%) and a noisy pattern, least squares can lower a phase's crystallite
size D until its "peaks" are several degrees wide: they then take up the background's misfit, and
the phase's scale — hence its weight fraction (Hill & Howard) — grows by an order of magnitude.
On the virtual as-BM pattern at the paper's counting statistics (Rexp 4.49 %) 3 wt% Mg3N2 refined
to D = 0.6 nm and 40 wt% (benchmarks/RESULTS.md).  A peak wider than a few degrees 2θ is
background, not a phase, so:

- :func:`min_size_nm` is the lower bound of every ``<phase>.D_nm``: the size whose Scherrer breadth
  Kλ/(D cos θ) is :data:`MAX_PHASE_FWHM_DEG` at the middle of the refined range (≈ 3 nm with Cu Kα);
- :func:`run_guarded` runs the stages and, when a phase of several ran to that bound (or its size
  and strain breadth exceed :data:`MAX_PHASE_FWHM_DEG`), resets its cell, holds its D at the
  refined D of the largest phase (:data:`HELD_SIZE_NM` if none) and ε at 0 and refines the last
  stage again: its fraction then comes from peaks of the sample's breadth (on the as-BM case
  4.6–4.9 ± 1.2–1.3 wt% for 3 wt%), and the result says so (a warning starting :data:`BROAD_WARNING`);
- :func:`broad_phase_reasons` is the verdict rule (``phase_fraction_unreliable``, warning), used by
  :func:`sselab.xrd.verdicts.rietveld_verdict`: a phase held so, a phase whose peaks are broader
  than :data:`MAX_PHASE_FWHM_DEG`, or whose scale is correlated beyond :data:`BACKGROUND_CORRELATION`
  with a background coefficient.  A minor phase (not the largest) whose cell ran to its ±5 % bound
  is held the same way, its cell as given (warning text starting :data:`DRIFT_WARNING`).

Examples
--------
>>> from sselab.xrd.instrument import Instrument
>>> round(min_size_nm(Instrument.cu_ka(), 52.5), 2)
2.95
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

from ..verdict import Reason
from .instrument import Instrument

if TYPE_CHECKING:  # pragma: no cover
    from .rietveld import Refinement, RietveldResult

#: sample (size + strain) FWHM [deg 2θ] above which a phase's peaks are background, not a phase
MAX_PHASE_FWHM_DEG = 3.0
#: |correlation| of a phase's scale with a background coefficient above which its fraction is unreliable
BACKGROUND_CORRELATION = 0.9
#: size [nm] a phase broadened into background is held at (the start value of a refined size,
#: :meth:`sselab.xrd.rietveld.Refinement.free`): a few tenths of a degree 2θ of sample broadening
HELD_SIZE_NM = 100.0
#: D above which a crystallite adds no measurable breadth: the upper bound of a refined size and
#: the "no size broadening" value (the lower bound is :func:`min_size_nm`); here, not in
#: :mod:`sselab.xrd.model` (which imports this module), so that both use the one number
D_INFINITE_NM = 1e5
#: start of the warning text :func:`run_guarded` adds for each phase it held
BROAD_WARNING = "broadened into background:"
#: start of the warning text :func:`run_guarded` adds for a minor phase whose cell it held
DRIFT_WARNING = "cell drifted:"


def min_size_nm(inst: Instrument, two_theta_deg: float) -> float:
    """Smallest crystallite size [nm] refined: Scherrer breadth Kλ/(D cos θ) = :data:`MAX_PHASE_FWHM_DEG`
    at ``two_theta_deg`` (first wavelength of ``inst``)."""
    beta = math.radians(MAX_PHASE_FWHM_DEG)
    return inst.K * inst.wavelengths_A[0] / (beta * math.cos(math.radians(two_theta_deg / 2))) / 10.0


def sample_fwhm_deg(inst: Instrument, D_nm: float | None, strain: float | None, two_theta_deg: float) -> float:
    """Size (Scherrer) plus strain (4ε tan θ) breadth [deg 2θ] at ``two_theta_deg``: the sample's own
    broadening, an upper estimate of what it adds to the instrumental FWHM."""
    th = math.radians(two_theta_deg / 2)
    b = 0.0
    if D_nm is not None and D_nm > 0:
        b += inst.K * inst.wavelengths_A[0] / (D_nm * 10.0 * math.cos(th))
    if strain is not None and strain > 0:
        b += 4 * strain * math.tan(th)
    return math.degrees(b)


def _broad(job: "Refinement", params: Any = None) -> list[str]:
    """Phases (of several) whose refined D is at its lower bound or whose peaks are broader than
    allowed (at ``params``, default the job's)."""
    if len(job.model.phases) < 2:
        return []
    params = job.params if params is None else params
    mid = float(np.median(job.x))
    out = []
    for p in job.model.phases:
        D, eps = params[f"{p.name}.D_nm"], params[f"{p.name}.strain"]
        if D.fixed and eps.fixed:
            continue
        at_bound = not D.fixed and D.value <= D.min * 1.01
        if at_bound or sample_fwhm_deg(job.model.instrument, D.value, eps.value, mid) > MAX_PHASE_FWHM_DEG:
            out.append(p.name)
    return out


def _zmv(params: Any, phase: Any) -> float:
    """Hill–Howard weight S·Z·M·V of ``phase`` at ``params`` (its cell as given)."""
    return params[f"{phase.name}.scale"].value * phase.cell_mass_g_mol * phase.volume_A3


def _held_size(job: "Refinement", held: Sequence[str]) -> float:
    """Size [nm] to hold a phase broadened into background at: the refined D of the largest phase
    not held (the sample's microstructure: phases milled or annealed together), else :data:`HELD_SIZE_NM`."""
    sizes = [(_zmv(job.params, p), job.params[f"{p.name}.D_nm"]) for p in job.model.phases if p.name not in held]
    sizes = [(w, D.value) for w, D in sizes if not D.fixed and D.value < 0.5 * D_INFINITE_NM]
    return float(max(sizes)[1]) if sizes else HELD_SIZE_NM


#: a minor phase's cell counts as run to its ±5 % bound once it is this fraction of the way there
DRIFT_FRACTION = 0.8


def _drifted(job: "Refinement", params: Any = None) -> list[str]:
    """Phases (of several, not the largest) whose cell ran to its ±5 % bound (at least
    :data:`DRIFT_FRACTION` of the way): a weak phase's peaks matched to noise or to another
    phase's reflections.  Where such a fit stops inside that band depends on the optimiser's
    path (as-BM seed 305: at the bound, or at +4.8 % with the intermediate stages stopped at
    :data:`~sselab.xrd.rietveld.STAGE_FTOL`), so the band is tested, not only the bound."""
    if len(job.model.phases) < 2:
        return []
    p = job.params if params is None else params
    w = {ph.name: _zmv(p, ph) for ph in job.model.phases}
    largest = max(w, key=w.__getitem__)
    out = []
    for ph in job.model.phases:
        given = ph.lattice_parameters
        cell = [(p[f"{ph.name}.{k}"], given[k]) for k in ph.free_lattice]
        if ph.name != largest and any(not c.fixed and (c.value - v0 <= DRIFT_FRACTION * (c.min - v0)
                                                       or c.value - v0 >= DRIFT_FRACTION * (c.max - v0))
                                      for c, v0 in cell):
            out.append(ph.name)
    return out


def run_guarded(job: "Refinement", stages: Sequence[Sequence[str]], fixed: Sequence[str]) -> "RietveldResult":
    """Run ``stages``; a phase broadened into background (:func:`_broad`) or a minor phase whose cell
    ran to its bound (:func:`_drifted`) has its cell reset, its D held at :func:`_held_size` and ε at
    0 (a drifted phase's cell held too), and the last stage is refined again (once).  Returns the result."""
    res = job.run(stages, fixed)
    # every fit of the last stage (it is refitted on new peak windows): a phase that ran to a bound
    # in one of them is held, wherever the refits took it (as-BM seed 301: D at its bound, then 23 nm)
    held = list(dict.fromkeys(n for p in job.stage_params for n in _broad(job, p)))
    drifted = list(dict.fromkeys(n for p in job.stage_params for n in _drifted(job, p)))
    both = list(dict.fromkeys([*held, *drifted]))
    if both and stages:
        names = [f"{n}.{k}" for n in both for k in ("D_nm", "strain")]
        names += [f"{ph.name}.{k}" for ph in job.model.phases if ph.name in drifted for k in ph.free_lattice]
        size = _held_size(job, both)
        for ph in job.model.phases:  # back to its start: cell as given (it drifted while broad), D at `size`
            if ph.name in both:
                for k in ph.free_lattice:
                    job.params = job.params.replace(f"{ph.name}.{k}", value=ph.lattice_parameters[k])
                job.params = job.params.replace(f"{ph.name}.D_nm", value=size).replace(f"{ph.name}.strain", value=0.0)
        job.run_stage(stages[-1], (*fixed, *names))
        res = job.result()
    if both:
        from dataclasses import replace

        mid = float(np.median(job.x))
        extra = tuple(f"{n}: {BROAD_WARNING} its size ran to {min_size_nm(job.model.instrument, mid):.2g} nm "
                      f"(peaks wider than {MAX_PHASE_FWHM_DEG:g}° 2θ); refined again with D held at {size:.3g} nm, ε at 0"
                      for n in held)
        extra += tuple(f"{n}: {DRIFT_WARNING} its cell ran to the ±5 % bound; refined again with the cell held as given, "
                       f"D at {size:.3g} nm, ε at 0" for n in drifted if n not in held)
        res = replace(res, warnings=res.warnings + extra)
        from .verdicts import rietveld_verdict

        res = replace(res, verdict=rietveld_verdict(res, job.model.instrument))
    return res


def broad_phase_reasons(res: "RietveldResult", inst: Instrument) -> list[Reason]:
    """``phase_fraction_unreliable`` (warning) for each phase (of several) that was held by
    :func:`run_guarded`, whose size + strain breadth exceeds :data:`MAX_PHASE_FWHM_DEG` at the middle
    of the range, or whose scale is correlated beyond :data:`BACKGROUND_CORRELATION` with a
    background coefficient."""
    if len(res.phases) < 2:
        return []
    mid = float(np.median(res.two_theta_deg))
    free = list(res.fit.free_names)
    corr = np.asarray(res.fit.correlation, float)
    bkg = [i for i, n in enumerate(free) if n.startswith("bkg")]
    out = []
    for p in res.phases:
        why = []
        if any(w.startswith(f"{p.name}: {BROAD_WARNING}") for w in res.warnings):
            why.append(f"its crystallite size ran to the {min_size_nm(inst, mid):.2g} nm bound (peaks over "
                       f"{MAX_PHASE_FWHM_DEG:g}° 2θ wide, taking the background) and was held at {p.crystallite_size_nm or 0:.3g} nm")
        if any(w.startswith(f"{p.name}: {DRIFT_WARNING}") for w in res.warnings):
            why.append("its cell ran to the ±5 % bound (weak peaks matched to noise or another phase) and was "
                       "held as given")
        fwhm = sample_fwhm_deg(inst, p.crystallite_size_nm, p.microstrain, mid)
        if fwhm > MAX_PHASE_FWHM_DEG:
            why.append(f"its peaks are {fwhm:.1f}° 2θ wide from size and strain (over {MAX_PHASE_FWHM_DEG:g}°: background, not a phase)")
        name = f"{p.name}.scale"
        if name in free and bkg and corr.size:
            r = corr[free.index(name), bkg]
            r = r[np.isfinite(r)]
            if r.size and np.max(np.abs(r)) > BACKGROUND_CORRELATION:
                why.append(f"its scale is correlated with the background (|r| = {np.max(np.abs(r)):.2f} > {BACKGROUND_CORRELATION:g})")
        if why:
            out.append(Reason("phase_fraction_unreliable", f"{p.name}: weight fraction {100 * p.weight_fraction:.1f} wt% is "
                              "unreliable — " + "; ".join(why)))
    return out


#: verdict codes of a refinement that make a phase's weight fraction no finding (named first in the message)
UNRELIABLE_CODES = ("phase_fraction_unreliable", "phase_not_significant")


def unreliable_phases(verdict: Any) -> list[str]:
    """Names of phases whose fraction a verdict calls unreliable (:data:`UNRELIABLE_CODES`), each once."""
    names = [r.message.split(":", 1)[0] for r in getattr(verdict, "reasons", ()) if r.code in UNRELIABLE_CODES]
    return list(dict.fromkeys(names))
