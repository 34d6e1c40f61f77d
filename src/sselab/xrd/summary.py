"""A finished refinement as a result: :func:`summarise` (called by
:meth:`sselab.xrd.rietveld.Refinement.result`)."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from ..exceptions import FitError
from .model import D_INFINITE_NM
from .rietveld import PhaseResult, RietveldResult, agreement
from .stages import WINDOW_REFITS, WINDOWS_UNSETTLED

if TYPE_CHECKING:  # pragma: no cover
    from .rietveld import Refinement


def summarise(job: "Refinement") -> RietveldResult:
    """The :class:`~sselab.xrd.rietveld.RietveldResult` of ``job``'s last fit (agreement factors,
    Hill–Howard weight fractions, per-phase values, warnings, R_Bragg and the verdict)."""
    model, res = job.model, job.last_fit
    if res is None:
        raise FitError("no stage has been run")
    v = job.params.value_array
    est = {e.name: e for e in res.parameters}
    yc = model.evaluate(v)
    n_free = int(job.params.free_mask.sum())
    rp, rwp, rexp, chi2 = agreement(job.y, yc, job.sigma, n_free)
    warnings = list(res.warnings)
    if not getattr(job, "windows_settled", True):
        warnings.append(f"{WINDOWS_UNSETTLED} the last stage still changed them after {WINDOW_REFITS} refits; "
                        "the values may depend on the refinement's path by a small fraction of their standard errors")
    if job.dropped:
        warnings.append(f"dropped {job.dropped} points with NaN/inf 2θ, intensity or σ before refining")
    cells = [p.with_lattice(**{k: est[f"{p.name}.{k}"].value for k in p.free_lattice}) for p in model.phases]
    zmv = [est[f"{p.name}.scale"].value * c.cell_mass_g_mol * c.volume_A3 for p, c in zip(model.phases, cells)]
    zmv_arr = np.array(zmv)
    wf = zmv_arr / zmv_arr.sum() if zmv_arr.sum() > 0 else np.full(len(zmv), np.nan)
    rel = np.array([(est[f"{p.name}.scale"].relative_stderr or 0.0) for p in model.phases])
    with np.errstate(all="ignore"):
        wf_err = np.sqrt(wf**2 * ((rel * (1 - wf)) ** 2 + np.sum((wf * rel) ** 2) - (wf * rel) ** 2))
    phases = []
    for i, (p, refl) in enumerate(zip(model.phases, model.reflections)):
        n = p.name
        lat = {k: est[f"{n}.{k}"].value for k in p.free_lattice}
        refined = cells[i]
        lp = refined.lattice_parameters
        stderr = {k: (est[f"{n}.{k}"].stderr if k in lat else None) for k in lp}
        for k in lp:
            if stderr[k] is None and k not in lat and k in "bc" and "a" in lat and lp[k] == lp["a"]:
                stderr[k] = est[f"{n}.a"].stderr
        D, eps = est[f"{n}.D_nm"], est[f"{n}.strain"]
        size_fixed_inf = D.fixed and D.value >= D_INFINITE_NM
        b_iso = {lab: est[f"{n}.B_{lab}"].value for lab in refl.labels}
        occ = {lab: est[f"{n}.occ_{lab}"].value for lab in refl.labels}
        for lab, b in b_iso.items():
            if b < 0:
                warnings.append(f"{n}.B_{lab} = {b:.3g} Å² is negative (unphysical; check absorption, roughness or the background)")
        for lab, o in occ.items():
            if o > 1.0 + 1e-9:
                warnings.append(f"{n}.occ_{lab} = {o:.3g} exceeds 1 (more than full occupancy)")
        if not D.fixed and D.value > 0.5 * D_INFINITE_NM:
            warnings.append(f"{n}: crystallite size too large to measure (no size broadening beyond the instrument)")
        phases.append(
            PhaseResult(
                n, p.formula, lp, stderr, refined.volume_A3, refined.density_g_cm3,
                est[f"{n}.scale"].value, float(wf[i]), float(wf_err[i]) if np.isfinite(wf_err[i]) else None,
                None if size_fixed_inf else D.value, None if size_fixed_inf else D.stderr,
                None if (eps.fixed and eps.value == 0) else eps.value, eps.stderr,
                b_iso, occ,
                b_iso_stderr_A2={lab: est[f"{n}.B_{lab}"].stderr for lab in refl.labels},
                occupancy_stderr={lab: est[f"{n}.occ_{lab}"].stderr for lab in refl.labels},
                coordinates={c: est[f"{n}.{c}"].value for c in (refl.freedom.names if refl.freedom else ())},
                coordinates_stderr={c: est[f"{n}.{c}"].stderr for c in (refl.freedom.names if refl.freedom else ())},
                **_volume_and_density_stderr(p, lp, refined.volume_A3, refined.density_g_cm3, res, job.ties),
            )
        )
    out = RietveldResult(
        tuple(phases), rp, rwp, rexp, chi2, int(job.y.size), n_free, est["zero_deg"].value, res,
        tuple(dict.fromkeys(warnings)), job.x, job.y, yc, model.background(v),
        model.evaluate(v, per_phase=True), tuple(model.tick_positions(v)),
        {n: float(x) for n, x in zip(model.names, v)},
    )
    from .rbragg import r_bragg
    from .verdicts import rietveld_verdict

    rb = r_bragg(model, v, job.y)
    out = replace(out, phases=tuple(replace(p, R_Bragg=r) for p, r in zip(out.phases, rb)))
    return replace(out, verdict=rietveld_verdict(out, model.instrument))


def _cell_volume(lp: dict[str, float]) -> float:
    ca, cb, cg = np.cos(np.radians([lp["alpha"], lp["beta"], lp["gamma"]]))
    return float(lp["a"] * lp["b"] * lp["c"] * np.sqrt(1 - ca * ca - cb * cb - cg * cg + 2 * ca * cb * cg))


def _volume_and_density_stderr(phase, lp: dict[str, float], volume: float, density: float, res,
                               ties: dict[str, tuple[str, float, float]] | None = None) -> dict[str, float | None]:
    """σ(V) = √(gᵀCg), g = ∂V/∂(free parameters) (central differences, the crystal system's ties
    applied; 1e-10 relative), C their covariance from the fit; σ(ρ) = ρ·σ(V)/V (ρ = ZM/(N_A V)).
    A lattice parameter tied to another (``ties`` {slave: (master, c0, c1)}, slave = c0 + c1·master)
    counts through its master: c1·∂V/∂slave is added to the master's entry.
    Cubic: σ(V) = 3V·σ(a)/a.  None when no lattice parameter was refined or its error is unknown."""
    from .structures import tie_lattice

    where = {name: j for j, name in enumerate(res.free_names)}
    g: dict[int, float] = {}
    for k in phase.free_lattice:
        master, _, c1 = (ties or {}).get(f"{phase.name}.{k}", (f"{phase.name}.{k}", 0.0, 1.0))
        if master not in where:  # held (or tied to a held parameter): no error from it
            continue
        h = 1e-5 * max(abs(lp[k]), 1.0)
        up, down = dict(lp), dict(lp)
        up[k] += h
        down[k] -= h
        dv = (_cell_volume(tie_lattice(phase.crystal_system, up))
              - _cell_volume(tie_lattice(phase.crystal_system, down))) / (2 * h)
        g[where[master]] = g.get(where[master], 0.0) + c1 * dv
    if not g or res.covariance.size == 0:
        return {"volume_stderr_A3": None, "density_stderr_g_cm3": None}
    idx = list(g)
    gv = np.array([g[j] for j in idx])
    var = float(gv @ np.asarray(res.covariance, float)[np.ix_(idx, idx)] @ gv)
    if not np.isfinite(var) or var < 0:
        return {"volume_stderr_A3": None, "density_stderr_g_cm3": None}
    sv = float(np.sqrt(var))
    return {"volume_stderr_A3": sv, "density_stderr_g_cm3": density * sv / volume}
