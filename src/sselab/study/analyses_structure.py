"""Pipeline executors of the structure techniques: Rietveld refinement of powder patterns
(``xrd_refine``) and XPS depth profiles (``xps_profile``).

They call what ``sselab xrd refine`` and ``sselab xps profile`` call, with the manifest's
settings (the same defaults).  Registered by importing this module (:mod:`sselab.study.analyses`
does).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..exceptions import AnalysisError
from ..io import read
from .analyses import _one, _thin
from .tasks import Task, task_kind


@task_kind("xrd_refine")
def xrd_refine(task: Task) -> dict[str, Any]:
    """Rietveld refinement with the sample's candidate phases (``settings["phases"]``).

    The result is :meth:`sselab.xrd.RietveldResult.to_dict` (what ``sselab xrd refine --json``
    prints: ``phases`` [{name, a, b, c [Å], density [g/cm³], weight_fraction,
    crystallite_size_nm, microstrain, ...}], ``Rp``, ``Rwp``, ``Rexp``, ``chi2`` ...) plus
    ``main_phase`` (the first candidate), ``sites`` (with ``refine_atoms``: the main phase's
    positions, B, occupancies with esds, :func:`sselab.xrd.atoms.site_table`), ``williamson_hall`` (of the main phase's isolated
    reflections, or ``{"error": ...}``), ``ticks_deg`` (reflection positions per phase) and
    ``curves`` {two_theta_deg, observed, calculated, background} thinned for plots.
    """
    from dataclasses import replace

    from ..xrd import get_phase, refine, williamson_hall
    from ..xrd.rietveld import instrument_for

    s = task.settings
    pattern = _one(task, "diffraction")
    phases = [get_phase(name) for name in s["phases"]]
    lo, hi = s.get("two_theta_min_deg"), s.get("two_theta_max_deg")
    window = None if lo is None and hi is None else (-np.inf if lo is None else lo, np.inf if hi is None else hi)
    instrument = replace(instrument_for(pattern, None), K=s["scherrer_K"])
    atoms = bool(s.get("refine_atoms"))
    occupancies = ()
    if atoms:
        from ..xrd.reflections import _orbit_groups

        labels, orbits = _orbit_groups(phases[0])
        held = max(range(len(labels)), key=lambda i: len(orbits[i]))  # the largest site holds the scale
        occupancies = tuple(f"{phases[0].name}.occ_{lab}" for i, lab in enumerate(labels) if i != held)
    # atoms of the main phase only: minor phases' coordinates and B are not determined by a few % of a pattern
    minor_atoms = tuple(f"{p.name}.{k}" for p in phases[1:] for k in ("x_*", "y_*", "z_*", "B_*")) if atoms else ()
    res = refine(pattern, phases, instrument, n_background=s["n_background"], two_theta_range=window,
                 refine_b=s["refine_b"], refine_atoms=atoms, occupancies=occupancies, fixed=minor_atoms)
    out = {**res.to_dict(), "main_phase": phases[0].name}
    if atoms:  # Table 1: the main phase's sites (sselab.xrd.atoms.site_table)
        from ..xrd.atoms import site_table

        out["sites"] = site_table(phases[0], res.phases[0])
    if s.get("williamson_hall"):
        try:
            # the main phase alone: the other phases' refined peaks subtracted (outside the refined
            # 2θ window they are 0, as the refinement did not see them)
            others = None
            if len(phases) > 1:
                k = np.argsort(res.two_theta_deg)
                others = np.interp(pattern.two_theta_deg, res.two_theta_deg[k], res.y_phases[1:].sum(axis=0)[k],
                                   left=0.0, right=0.0)
            out["williamson_hall"] = williamson_hall(pattern, instrument, phase=phases[0], others_counts=others).to_dict()
            out["williamson_hall"]["other_phases_subtracted"] = [p.name for p in phases[1:]]
        except AnalysisError as exc:
            out["williamson_hall"] = {"error": str(exc)}
    out["ticks_deg"] = {p.name: np.asarray(t, float).tolist() for p, t in zip(res.phases, res.ticks)}
    x, yo, yc, yb = _thin(res.two_theta_deg, res.y_obs, res.y_calc, res.y_background, n=2000)
    out["curves"] = {"two_theta_deg": x, "observed": yo, "calculated": yc, "background": yb}
    return out


def _profile_steps(acquisitions: list[Any]) -> list[Any]:
    """One acquisition per sputter time (a VAMAS depth profile holds every step's blocks)."""
    steps: dict[float, list[Any]] = {}
    for acq in acquisitions:
        for r in acq.regions:
            steps.setdefault(float(r.sputter_time_s or 0.0), []).append(r)
    first = acquisitions[0]
    return [first.with_meta(regions=tuple(regions)) for _, regions in sorted(steps.items())]


@task_kind("xps_profile")
def xps_profile(task: Task) -> dict[str, Any]:
    """Depth profile of one XPS file: the manifest's peak model fitted at every sputter step.

    The result is :meth:`sselab.xps.DepthProfile.to_dict` (``sputter_time_s``, ``depth_nm``,
    ``element_atomic_percent`` {region: [% per step]}, ``component_atomic_percent``
    {"region:component": [% per step]}, ``fits``) plus ``charge_shift_eV`` per step,
    ``curves`` {region, sputter_time_s, binding_energy_eV, counts, envelope, background}: the
    ``spectrum_region`` setting's region (default: the first) at the first (surface) step,
    thinned; and ``surface_spectra``: the same for every region of that step.
    """
    from ..xps import charge_shift, depth_profile, shift_acquisition
    from ..xps.model import Component, Doublet, PeakModel
    from .settings import parse_shape

    s = task.settings
    if not s.get("model"):
        raise AnalysisError(f"{task.files[0]}: analysis.xps.model names no regions: give the components of each region")
    models = []
    for region, peaks in s["model"].items():
        comps = []
        for p in peaks:
            shape, params = parse_shape(p["shape"])
            comps.append(Component(p["name"], p["position_eV"], p.get("fwhm_eV") or 1.2, shape, params,
                                   position_range_eV=p["position_range_eV"],
                                   doublet=Doublet.for_level(region) if p.get("doublet") else None))
        models.append(PeakModel(region, tuple(comps), background=s["background"]))
    found = read(task.files[0], "xps")
    if not found:
        raise AnalysisError(f"{task.files[0]}: no XPS acquisition in the file")
    steps = _profile_steps(found)
    shifts = []
    for k, acq in enumerate(steps):
        shift = 0.0
        if any(r.name.replace(" ", "").lower() == "c1s" for r in acq.regions):
            shift = charge_shift(acq, reference_eV=s["charge_reference_eV"])
            steps[k] = shift_acquisition(acq, shift)
        shifts.append(shift)
    prof = depth_profile(steps, models, rate_nm_per_min=s["sputter_rate_nm_per_min"])
    out = {**prof.to_dict(), "charge_shift_eV": shifts}
    spectra = []
    for region, fits in prof.fits.items():
        f = fits[0]
        e, y, env, bg = _thin(f.energy_eV, f.data, f.envelope, f.background_curve, n=300)
        spectra.append({"region": region, "sputter_time_s": f.sputter_time_s, "binding_energy_eV": e,
                        "counts": y, "envelope": env, "background": bg})
    wanted = s.get("spectrum_region")
    out["curves"] = next((x for x in spectra if x["region"] == wanted), spectra[0])
    out["surface_spectra"] = spectra
    # every step of every region, thinned, for the workbench's region/depth selectors
    out["step_spectra"] = {region: [dict(zip(("binding_energy_eV", "counts", "envelope", "background"),
                                             _thin(f.energy_eV, f.data, f.envelope, f.background_curve, n=200)),
                                         sputter_time_s=f.sputter_time_s) for f in fits]
                           for region, fits in prof.fits.items()}
    return out
