"""Pawley whole-pattern fitting: cell, profile and background with every reflection's intensity
a least-squares parameter (Pawley, J. Appl. Cryst. 14 (1981) 357).

The calculated pattern is linear in the reflection intensities and the background, so for the
current cell, zero/displacement and profile they are solved exactly, by bounded linear least
squares (intensities ≥ 0, background free), and the non-linear parameters are then refined by
Gauss–Newton with the intensities held; the two steps alternate until χ² stops falling.  At the
end the esds come from the *joint* normal matrix of the non-linear parameters and every
intensity not at its bound, so the cell's esd carries its correlation with the intensities, as
in a Pawley program (a Le Bail fit, :mod:`~sselab.xrd.lebail`, ignores it).

Overlap: reflections of one phase whose Kα1 centres lie closer than ``overlap_fwhm`` × FWHM are
one intensity parameter with an **equal-|F|² constraint** (each member's intensity in proportion
to its multiplicity × Lorentz–polarisation, as it would be for equal |F|²); without it their
columns are (nearly) identical and the normal matrix singular.  Exactly coincident reflections
(cubic 221/300) are always such a group.  The phase scale is held fixed (it is one with the
intensities).  Intensities are reported as ``F2`` = scale × |F|²-equivalent per reflection,
relative values meaningful (the phase scale is the arbitrary start value).

Examples
--------
>>> import numpy as np
>>> from sselab.xrd.library import mg3asn
>>> from sselab.xrd.simulate import simulate_pattern
>>> pat = simulate_pattern([mg3asn(4.2239)], np.arange(20, 80, 0.02), seed=2)
>>> res = pawley(pat, [mg3asn()])
>>> round(res.phases[0].lattice["a"], 3)
4.224
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any, Mapping, Sequence

import numpy as np
from scipy.optimize import lsq_linear
from scipy.sparse import csr_matrix

from ..fitting.threads import single_threaded_blas
from ..measurements import DiffractionPattern
from . import profiles
from .instrument import Instrument
from .rietveld import DEFAULT_STAGES, Refinement, RietveldResult, agreement
from .stages import stage_ftol
from .structures import Phase


@dataclass(frozen=True, eq=False)
class PawleyResult(RietveldResult):
    """A :class:`~sselab.xrd.rietveld.RietveldResult` plus the extracted intensities: per
    reflection ``{"phase", "hkl", "d_A", "two_theta_deg", "multiplicity", "F2", "F2_stderr",
    "group"}`` (``group``: the intensity parameter it shares with overlapped reflections)."""

    reflections: tuple[Mapping[str, Any], ...] = field(default=(), repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "reflections": [dict(r) for r in self.reflections]}


def _design(job: Refinement, overlap_fwhm: float) -> tuple[np.ndarray, list[tuple[int, np.ndarray]], np.ndarray]:
    """Unit-intensity columns (n_points, n_groups), the groups [(phase, reflection indices)] and
    each reflection's share (1 for its group's parameter)."""
    m = job.model
    v = job.params.value_array
    saved = {ip: a.copy() for ip, a in m.lebail.items()}
    for ip, refl in enumerate(m.reflections):
        m.lebail[ip] = np.ones(len(refl))
    pk = m.peaks(v)
    for ip, a in saved.items():
        m.lebail[ip] = a
    n_lines = len(m.instrument.wavelengths_A)
    groups: list[tuple[int, np.ndarray]] = []
    col_of_peak = np.empty(pk.centre.size, int)
    offset = 0
    for ip, refl in enumerate(m.reflections):
        k = len(refl)
        c1, w1 = pk.centre[offset:offset + k], pk.fwhm[offset:offset + k]
        order = np.argsort(c1, kind="stable")
        start = 0
        for j in range(1, k + 1):  # chain reflections closer than overlap_fwhm × FWHM
            if j == k or c1[order[j]] - c1[order[j - 1]] > overlap_fwhm * min(w1[order[j]], w1[order[j - 1]]):
                members = np.sort(order[start:j])
                for line in range(n_lines):
                    col_of_peak[offset + line * k + members] = len(groups)
                groups.append((ip, members))
                start = j
        offset += n_lines * k
    peak, point = profiles.windows(m.x, pk.centre, m.window_fwhm * pk.fwhm + 0.2)
    vals = pk.area[peak] * profiles.pseudo_voigt(m.x[point] - pk.centre[peak], pk.fwhm[peak], pk.eta[peak])
    A = np.asarray(csr_matrix((vals, (point, col_of_peak[peak])), shape=(m.x.size, len(groups))).todense())
    p1, p2 = v[m.index("asym_P1")], v[m.index("asym_P2")]
    if p1 or p2:
        for g in range(len(groups)):
            ya, yb = profiles.asymmetry_basis(m.x, peak, point, pk.centre, pk.area, pk.fwhm, pk.eta, col_of_peak == g)
            A[:, g] += p1 * ya + p2 * yb
    return A, groups, pk.centre


def _solve_linear(job: Refinement, overlap_fwhm: float) -> tuple[np.ndarray, list[tuple[int, np.ndarray]], np.ndarray]:
    """Intensities (≥ 0) and background by bounded linear least squares; sets them in the job."""
    m = job.model
    A, groups, centre = _design(job, overlap_fwhm)
    B = m._bkg_basis
    M = np.column_stack([A, B]) / job.sigma[:, None]
    norm = np.linalg.norm(M, axis=0)
    norm[norm == 0] = 1.0
    lo = np.concatenate([np.zeros(A.shape[1]), np.full(B.shape[1], -np.inf)])
    sol = lsq_linear(M / norm, job.y / job.sigma, bounds=(lo, np.inf), method="bvls", tol=1e-12).x / norm
    for ip, refl in enumerate(m.reflections):
        m.lebail[ip] = np.zeros(len(refl))
    for g, (ip, members) in enumerate(groups):
        m.lebail[ip][members] = sol[g]
    job.params = job.params.with_values({f"bkg{i}": float(c) for i, c in enumerate(sol[A.shape[1]:])})
    return sol[: A.shape[1]], groups, A


@single_threaded_blas()
def pawley(
    pattern: DiffractionPattern,
    phases: Sequence[Phase],
    instrument: Instrument | None = None,
    *,
    cycles: int = 20,
    tolerance: float = 1e-5,
    overlap_fwhm: float = 0.1,
    stages: Sequence[Sequence[str]] | None = None,
    n_background: int = 6,
    two_theta_range: tuple[float, float] | None = None,
    start: Mapping[str, float] | None = None,
    **_: Any,
) -> PawleyResult:
    """Pawley fit of ``phases``' cells and profiles to ``pattern`` (see the module docstring).

    Parameters
    ----------
    overlap_fwhm : float
        Reflections of a phase closer than this fraction of their FWHM share one intensity
        (equal-|F|² constraint).
    stages : sequence of parameter-pattern tuples
        As :func:`~sselab.xrd.rietveld.refine`; ``*.scale`` is dropped from each (fixed).
    """
    job = Refinement(pattern, phases, instrument, n_background=n_background, two_theta_range=two_theta_range, start=start)
    stages = [tuple(p for p in st if not p.endswith(".scale")) for st in (stages or DEFAULT_STAGES)]
    stages = [st for st in stages if st]
    for i, stage in enumerate(stages[:-1]):
        _solve_linear(job, overlap_fwhm)
        job.run_stage(stage, ftol=stage_ftol(stages, i))
    chi_prev = np.inf
    for _ in range(cycles):
        _solve_linear(job, overlap_fwhm)
        chi = float(job.run_stage(stages[-1]).chi2)
        if chi_prev - chi < tolerance * chi:
            break
        chi_prev = chi
    intens, groups, A = _solve_linear(job, overlap_fwhm)
    job.run_stage(stages[-1])  # leaves last_fit at the final non-linear values
    return _joint_result(job, intens, groups, A)


def _joint_result(job: Refinement, intens: np.ndarray, groups: list[tuple[int, np.ndarray]], A: np.ndarray) -> PawleyResult:
    """Esds from the joint normal matrix (non-linear parameters + intensities off their bound)."""
    m, fit = job.model, job.last_fit
    res = job.result()
    v = job.params.value_array
    free = np.flatnonzero(job.params.free_mask)
    yc, J = m.evaluate_jacobian(v, m.windows(v), free)
    active = intens > 1e-12 * max(float(intens.max(initial=0.0)), 1e-300)
    Jall = np.column_stack([J, A[:, active]]) / job.sigma[:, None]
    r = (job.y - yc) / job.sigma
    n_par = Jall.shape[1]
    norm = np.linalg.norm(Jall, axis=0)
    norm[norm == 0] = 1.0
    N = (Jall / norm).T @ (Jall / norm)
    cond = np.linalg.cond(N)
    cov = np.linalg.pinv(N) / np.outer(norm, norm) * float(r @ r) / max(r.size - n_par, 1)
    se = np.sqrt(np.maximum(np.diag(cov), 0.0))
    names = [job.params.names[i] for i in free]
    new_se = dict(zip(names, se[: free.size]))
    params = tuple(replace(e, stderr=float(new_se[e.name])) if e.name in new_se else e for e in fit.parameters)
    fit = replace(fit, parameters=params)
    int_se = np.full(intens.size, np.nan)
    int_se[active] = se[free.size:]
    phases = []
    for p in res.phases:
        lp_se = dict(p.lattice_stderr)
        for k in lp_se:
            if f"{p.name}.{k}" in new_se:
                lp_se[k] = float(new_se[f"{p.name}.{k}"])
            elif lp_se[k] is not None and k in "bc" and f"{p.name}.a" in new_se:
                lp_se[k] = float(new_se[f"{p.name}.a"])
        phases.append(replace(p, lattice_stderr=lp_se, weight_fraction=float("nan"), weight_fraction_stderr=None, R_Bragg=None))
    n_free = int(free.size + active.sum())
    rp, rwp, rexp, chi2 = agreement(job.y, yc, job.sigma, n_free)
    rows = []
    centre = m.peaks(v).centre
    offset = 0
    n_lines = len(m.instrument.wavelengths_A)
    group_of = {}
    for g, (ip, members) in enumerate(groups):
        for k in members:
            group_of[(ip, int(k))] = g
    for ip, (phase, refl) in enumerate(zip(m.phases, m.reflections)):
        scale = v[m.index(f"{phase.name}.scale")]
        lp = dict(res.phases[ip].lattice)
        d = 1.0 / np.sqrt(refl.inv_d2(lp, phase.crystal_system))
        for k in range(len(refl)):
            g = group_of[(ip, k)]
            tt = float(centre[offset + k])
            if not (job.x[0] <= tt <= job.x[-1]):
                continue
            rows.append({"phase": phase.name, "hkl": [int(h) for h in refl.hkl[k]], "d_A": float(d[k]),
                         "two_theta_deg": tt, "multiplicity": float(refl.multiplicity[k]),
                         "F2": float(scale * intens[g]),
                         "F2_stderr": None if not np.isfinite(int_se[g]) else float(scale * int_se[g]), "group": g})
        offset += n_lines * len(refl)
    verdict = res.verdict.add("pawley_fit", "Pawley fit: reflection intensities are least-squares parameters, so there "
                              "are no weight fractions, B or occupancies; cell esds from the joint normal matrix")
    verdict = type(verdict)(tuple(r for r in verdict.reasons if r.code not in ("phase_not_significant",)))
    if cond > 1e14:
        verdict = verdict.add("pawley_ill_conditioned", f"joint normal matrix condition number {cond:.2g}: "
                              "overlapped intensities are poorly determined", severity="warning")
    base = {f.name: getattr(res, f.name) for f in fields(RietveldResult)}
    base.update(phases=tuple(phases), fit=fit, Rp=rp, Rwp=rwp, Rexp=rexp, chi2=chi2, n_free=n_free, y_calc=yc, verdict=verdict)
    return PawleyResult(**base, reflections=tuple(rows))
