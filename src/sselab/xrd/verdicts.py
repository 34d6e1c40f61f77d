"""Verdicts on XRD results: the generic fit rules plus what a crystallographer would check.

Rietveld (:func:`rietveld_verdict`) — :func:`sselab.fitting.verdicts.fit_verdict` on the weighted
residuals (noise 1: residuals are (y_calc − y_obs)/σ), then:

``poor_agreement`` (failed)
    Rwp > ``RWP_FAILED`` % *and* χ² > ``CHI2_FAILED``: the model does not describe the pattern
    (a noisy pattern with Rwp ≈ Rexp is not failed).
``negative_B`` (warning)
    An isotropic B below 0 Å²: unphysical; reported as FullProf would, with its usual causes
    (absorption/surface roughness in Bragg–Brentano, preferred orientation, a wrong background).
``lattice_at_bound`` / ``size_at_lower_bound`` (failed)
    A cell parameter ran to its ±5 % bound, or a crystallite size to its lower bound (≈ 3 nm with
    Cu Kα, :func:`sselab.xrd.broad_phase.min_size_nm`); a minor phase of several is held instead
    (:func:`sselab.xrd.broad_phase.run_guarded`, ``phase_fraction_unreliable``): the refinement
    left the structure (peaks matched to the wrong reflections, or a phase smeared into background).
``occupancy_above_one`` (warning)
``phase_not_significant`` (warning)
    A phase's scale is less than ``MIN_SCALE_SIGMA`` standard errors from 0: its wt% is not a finding.
``shifts_correlated`` (warning)
    Two refined peak-shift terms (zero, displacement, transparency, axial) correlated beyond
    ``SHIFT_CORRELATION``: how the shift is split between them is not determined, and the cell
    follows the split (LaB6 SRM 660a on a D500: zero and displacement at r = −0.9992 carried a
    +70 ppm off the certificate; zero held at 0, +4 ppm — benchmarks/bench_xrd_published.py).
``phase_fraction_unreliable`` (warning)
    A phase (of several) broadened into background: its size ran to the lower bound
    (:func:`sselab.xrd.broad_phase.min_size_nm`, peaks over a few degrees 2θ wide) and was held,
    its size + strain breadth exceeds that, or its scale is correlated > 0.9 with a background
    coefficient — its weight fraction is not a finding (:mod:`sselab.xrd.broad_phase`).
``windows_not_settled`` (warning)
    The last stage still changed its peak windows (Lorentzian tails cut at ±25 FWHM) after
    :data:`~sselab.xrd.stages.WINDOW_REFITS` refits: the values may depend on the path there by a
    small fraction of their standard errors (:mod:`sselab.xrd.stages`).
``size_without_standard`` (warning)
    Crystallite size refined with an instrument profile that was assumed, not measured on a
    line-profile standard: D absorbs the unknown instrumental broadening.
``size_beyond_resolution`` (warning)
    D above :func:`resolvable_size_nm`, where size broadening falls below
    ``RESOLVABLE_FRACTION`` of the instrumental FWHM (a standard) or below the instrumental FWHM
    itself (no standard): read it as "D > limit".

Williamson–Hall (:func:`wh_verdict`): ``negative_microstrain`` (ε < 0: the instrument breadth
was over-subtracted or the size is anisotropic), ``size_without_standard``,
``size_beyond_resolution``, ``few_peaks`` (fewer than 5 peaks: the line has 2 parameters).

Examples
--------
>>> from sselab.xrd.instrument import Instrument
>>> round(resolvable_size_nm(Instrument.cu_ka(), 40.0, calibrated=True))
876
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from ..fitting.verdicts import fit_verdict
from ..verdict import Reason, Verdict
from . import profiles
from .broad_phase import broad_phase_reasons
from .instrument import Instrument
from .stages import WINDOWS_UNSETTLED

if TYPE_CHECKING:  # pragma: no cover
    from .identify import Identification
    from .rietveld import RietveldResult
    from .williamson_hall import WilliamsonHall

RWP_FAILED = 35.0
CHI2_FAILED = 25.0
MIN_SCALE_SIGMA = 3.0
#: |correlation| between two refined peak-shift terms above which the split is reported undetermined
SHIFT_CORRELATION = 0.99
SHIFT_TERMS = ("zero_deg", "displacement_deg", "transparency_deg", "axial_deg")
#: size broadening below this fraction of the instrumental FWHM is not resolved (with a standard)
RESOLVABLE_FRACTION = 0.2
#: fewest peaks for a Williamson–Hall line without a warning
MIN_WH_PEAKS = 5

NEGATIVE_B_CAUSES = ("likely causes: absorption or surface roughness (Bragg–Brentano), "
                     "preferred orientation, or a background that takes intensity at high angles")


def instrument_fwhm_deg(inst: Instrument, two_theta_deg: float) -> float:
    """The instrument's own FWHM [deg] at ``two_theta_deg`` (TCH from the Caglioti and Lorentzian terms)."""
    th = math.radians(two_theta_deg / 2)
    t = math.tan(th)
    g = math.sqrt(max(inst.U * t * t + inst.V * t + inst.W, 1e-10))
    lor = inst.X * t + inst.Y / math.cos(th)
    f, _ = profiles.tch(np.array([g]), np.array([lor]))
    return float(f[0])


def resolvable_size_nm(inst: Instrument, two_theta_deg: float, *, calibrated: bool) -> float:
    """Largest crystallite size [nm] whose Scherrer breadth Kλ/(D cosθ) is still resolved at
    ``two_theta_deg``: ``RESOLVABLE_FRACTION`` of the instrumental FWHM with a calibrated
    instrument, the whole instrumental FWHM without one."""
    frac = RESOLVABLE_FRACTION if calibrated else 1.0
    beta = math.radians(frac * instrument_fwhm_deg(inst, two_theta_deg))
    return inst.K * inst.wavelengths_A[0] / (beta * math.cos(math.radians(two_theta_deg / 2))) / 10.0


def _size_reasons(name: str, D: float | None, inst: Instrument, two_theta_deg: float) -> list[Reason]:
    if D is None:
        return []
    out = []
    calibrated = bool(inst.calibrated)
    if not calibrated:
        out.append(Reason("size_without_standard", f"{name}: crystallite size from an assumed instrument profile "
                          "(no line-profile standard such as LaB6): D includes unknown instrumental broadening"))
    limit = resolvable_size_nm(inst, two_theta_deg, calibrated=calibrated)
    if D > limit:
        out.append(Reason("size_beyond_resolution", f"{name}: D = {D:.0f} nm is beyond the ≈{limit:.0f} nm that "
                          f"peak broadening resolves here; read it as D > {limit:.0f} nm"))
    return out


def rietveld_verdict(res: "RietveldResult", inst: Instrument) -> Verdict:
    """The verdict of a Rietveld refinement (see the module docstring)."""
    v = fit_verdict(res.fit, noise=1.0)
    if res.Rwp > RWP_FAILED and res.chi2 > CHI2_FAILED:
        v = v.add("poor_agreement", f"Rwp {res.Rwp:.1f} % (Rexp {res.Rexp:.1f} %, χ² {res.chi2:.0f}): "
                  "the model does not describe the pattern; no refined value stands", "failed")
    for w in res.warnings:
        if w.startswith("dropped "):
            v = v.add("points_dropped", w)
        elif w.startswith(WINDOWS_UNSETTLED):
            v = v.add("windows_not_settled", w)
    mid = float(np.median(res.two_theta_deg))
    for e in res.fit.parameters:
        if e.fixed or not e.at_bound:
            continue
        if e.name.split(".")[-1] in ("a", "b", "c", "alpha", "beta", "gamma"):
            v = v.add("lattice_at_bound", f"{e.name} = {e.value:.5g} ran to its bound (start ± 5 %): the refinement "
                      "left the structure's cell — a wrong phase, or peaks matched to the wrong reflections", "failed")
        elif e.name.endswith(".D_nm") and e.value <= e.min * (1 + 1e-6):
            v = v.add("size_at_lower_bound", f"{e.name} ran to its lower bound {e.min:g} nm: the phase's peaks were "
                      "broadened into background", "failed")
    v = _shift_correlation(res, v)
    for p in res.phases:
        for lab, b in p.b_iso_A2.items():
            if b < 0:
                v = v.add("negative_B", f"{p.name}: B({lab}) = {b:.2f} Å² is negative (unphysical; {NEGATIVE_B_CAUSES})")
        for lab, o in p.occupancy.items():
            if o > 1 + 1e-9:
                v = v.add("occupancy_above_one", f"{p.name}: occupancy of {lab} = {o:.3f} exceeds 1")
        est = res.fit[f"{p.name}.scale"]
        if len(res.phases) > 1 and (est.stderr is None or est.value < MIN_SCALE_SIGMA * est.stderr):
            v = v.add("phase_not_significant", f"{p.name}: scale within {MIN_SCALE_SIGMA:g} standard errors of 0 — "
                      f"its {100 * p.weight_fraction:.1f} wt% is not a finding")
        for r in _size_reasons(p.name, p.crystallite_size_nm, inst, mid):
            v = v.merge(Verdict((r,)))
    return v.merge(Verdict(tuple(broad_phase_reasons(res, inst))))


def _shift_correlation(res: "RietveldResult", v: Verdict) -> Verdict:
    free = [e.name for e in res.fit.parameters if not e.fixed]
    shifts = [n for n in SHIFT_TERMS if n in free]
    corr = res.fit.correlation
    for i, a in enumerate(shifts):
        for b in shifts[i + 1:]:
            r = corr[free.index(a), free.index(b)] if corr.size else float("nan")
            if abs(r) > SHIFT_CORRELATION:
                v = v.add("shifts_correlated", f"{a} and {b} are correlated (r = {r:+.4f}): the data do not split the "
                          "peak shift between them and the cell follows the split; hold the zero at a calibrated "
                          "value (or refine one of them)")
    return v


def wh_verdict(wh: "WilliamsonHall", inst: Instrument) -> Verdict:
    """The verdict of a Williamson–Hall analysis (see the module docstring)."""
    v = Verdict.ok()
    if wh.strain < 0:
        v = v.add("negative_microstrain", f"microstrain ε = {wh.strain:.2e} is negative (unphysical): the instrumental "
                  "breadth was over-subtracted, or size broadening is anisotropic; ε is not a finding")
    if len(wh.peaks) < MIN_WH_PEAKS:
        v = v.add("few_peaks", f"only {len(wh.peaks)} peaks define the Williamson–Hall line (2 parameters)")
    mid = float(np.median([p.two_theta_deg for p in wh.peaks]))
    return v.merge(Verdict(tuple(_size_reasons("Williamson–Hall", wh.D_nm, inst, mid))))


def identify_verdict(ident: "Identification", inst: Instrument) -> Verdict:
    """Phase identification: the joint refinement's verdict, plus ``no_phase_present`` (failed)
    and ``phase_reflections_misfit`` (a present phase's own reflections poorly fitted)."""
    v = ident.refinement.verdict
    keep = tuple(r for r in v.reasons if r.code != "phase_not_significant")  # judged per candidate below
    if ident.present:
        # an absent candidate's own parameters (its a, D, strain running off at scale 0) are no
        # finding and no fault of the identification: its detection line says it is absent
        absent = [c.name for c in ident.candidates if not c.present]
        keep = tuple(r for r in keep if not any(r.message.startswith((f"{n}.", f"{n}:")) for n in absent))
    v = Verdict(keep)
    if not ident.present:
        v = v.add("no_phase_present", "none of the candidate phases is present by the significance tests", "failed")
    if ident.misfit_peaks_deg:
        v = v.add("phase_reflections_misfit", "residual peaks at reflections of the refined phases (2θ "
                  + ", ".join(f"{x:g}" for x in ident.misfit_peaks_deg)
                  + "°): strain, preferred orientation or a wrong profile, not unexplained phases")
    if ident.unexplained_peaks_deg:
        v = v.add("unexplained_peaks", "peaks no candidate explains at 2θ " + ", ".join(f"{x:g}" for x in ident.unexplained_peaks_deg) + "°")
    return v
