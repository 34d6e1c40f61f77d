"""The polish of a refined automatic start: after the grid search and its local refinement
(:func:`sselab.eis.initial_grid.refine`), each arc's ln τ and exponent n move off the grid to
the nearest least-squares point, the linear coefficients (the resistances) solved at every
trial point.

That is variable projection: Levenberg–Marquardt steps in the arcs' (ln τ, n) alone, on
Kaufman's Jacobian (each column's derivative with the part the linear coefficients absorb
projected out).  The grid places τ a tenth of a decade and n 0.08 apart at best; the fit
then spends its first iterations walking the rest of the way, at the full model's cost per
iteration.  The polish walks it in the arcs' two or four parameters instead, and a start
nearer the minimum needs fewer of the extra starts (:mod:`sselab.eis.multistart`).

This is the numpy reference, one spectrum at a time; :func:`sselab.eis.kernel._polish._polish`
takes the same steps compiled (the same decisions; the numbers to rounding).
"""

from __future__ import annotations

import numpy as np

#: at most this many trial points per spectrum: on 2,000 random two-arc spectra (benchmarks'
#: set (b)) the batched fit then took 62 LM iterations per spectrum instead of 81 for about ten
#: trial points each, and 46 fits ended lower by more than one noise variance, 9 higher
#: (benchmarks/RESULTS.md, sessions 16 and 17)
POLISH_EVALUATIONS = 20
#: ... and at most this many for each of the other starts (:func:`polish_many`): on set (b) 8
#: against 20 cost ~3 % less time for the same fits (9 lower and 8 higher by more than one noise
#: variance of 2,000); 4 saved nothing more and lost fits (8 lower, 16 higher against 8)
POLISH_EXTRA_EVALUATIONS = 8
#: stop once an accepted step lowers the cost by less than this fraction of it
POLISH_FTOL = 1e-4
#: each arc's τ stays within this many decades of the refined point: further, the polish crossed
#: into another basin of a wrongly attributed start (a random two-arc spectrum whose second arc
#: moved 2.4 decades fitted 25 times its noise floor after all four starts)
POLISH_DECADES = 1.0
#: every arc's coefficient (its resistance) stays above this fraction of max |Z|, the floor
#: :func:`~sselab.eis.initial_assemble.values_many` holds resistances at
POLISH_FLOOR = 1e-4


def polish(log_w: np.ndarray, w: np.ndarray, b: np.ndarray, bb: float, cols: np.ndarray, first: int,
           capacitor: np.ndarray, tau: np.ndarray, ns: np.ndarray, coef: np.ndarray, cost: float,
           evaluations: int = POLISH_EVALUATIONS) -> float:
    """Polish one spectrum's refined start in place; returns its cost (the weighted squared
    residual, dimensionless).

    ``log_w`` (N,) ln ω (ω in rad/s), ``w`` (N,) the weights 1/|Z| (1/Ω), ``b`` (N,) the weighted
    data Z·w and ``bb`` = |b|², ``cols`` (N, p) the weighted columns of the start's linear
    model (arc j's column is ``first + j``), ``capacitor`` (k,) which arcs hold a capacitor
    (n fixed at 1), ``tau`` (k,) the arcs' τ (s), ``ns`` (k,) their exponents, ``coef`` (p,) the
    linear coefficients (Ω) and ``cost`` theirs.  ``cols``, ``tau``, ``ns`` and ``coef`` are
    updated in place.  At most ``evaluations`` trial points; a trial is taken only where it
    lowers the cost and keeps every arc's coefficient above :data:`POLISH_FLOOR` of max |Z|;
    each τ within :data:`POLISH_DECADES` of where it started, n within [0.5, 1]."""
    k, p = tau.size, coef.size
    arcs = first + np.arange(k)
    free_n = ~np.asarray(capacitor, bool)
    # (ln τ, n) of every arc, then the free ones: the step's coordinates
    size = np.where(free_n, 2, 1)
    slot_t = np.cumsum(size) - size
    slot_n = (slot_t + 1)[free_n]
    lt0 = np.log(tau)
    reach = POLISH_DECADES * np.log(10.0)
    floor = POLISH_FLOOR * np.max(1 / w)
    ridge = np.eye(p)

    def solve(gram: np.ndarray, rhs: np.ndarray) -> np.ndarray:  # the grid's ridge: 1e-12 of the trace
        return np.linalg.solve(gram + 1e-12 * np.trace(gram) * ridge, rhs)

    gram = (cols.conj().T @ cols).real
    lam, used = 1e-3, 0
    while used < evaluations:
        r = cols @ coef - b
        arc = cols[:, arcs]  # (N, k)
        u = arc * (1 - arc / w[:, None])  # ∂col/∂ln τ = −n u, ∂col/∂n = −u (ln ωτ + jπ/2)
        J = np.empty((log_w.size, size.sum()), complex)
        J[:, slot_t] = -ns * coef[arcs] * u
        J[:, slot_n] = (-coef[arcs] * u * (log_w[:, None] + np.log(tau) + 0.5j * np.pi))[:, free_n]
        J -= cols @ solve(gram, (cols.conj().T @ J).real)  # Kaufman's projection
        g = (J.conj().T @ r).real
        H = (J.conj().T @ J).real
        if not np.isfinite(g).all():
            break
        gain = -1.0
        while used < evaluations and lam < 1e10:
            step = np.linalg.solve(H + lam * np.diag(np.maximum(np.diag(H), 1e-300)), -g)
            lt_new = np.clip(np.log(tau) + step[slot_t], lt0 - reach, lt0 + reach)
            n_new = np.ones(k)
            n_new[free_n] = np.clip(ns[free_n] + step[slot_n], 0.5, 1.0)
            trial = cols.copy()
            trial[:, arcs] = w[:, None] / (1 + np.exp(n_new * (log_w[:, None] + lt_new)) * np.exp(0.5j * np.pi * n_new))
            tg, th = (trial.conj().T @ trial).real, (trial.conj().T @ b).real
            tc = np.maximum(solve(tg, th), 0)
            cost_t = bb - 2 * tc @ th + tc @ tg @ tc
            used += 1
            if cost_t < cost and np.all(tc[arcs] > floor):
                gain, cost = cost - cost_t, cost_t
                cols[:], gram, coef[:] = trial, tg, tc
                tau[:], ns[:] = np.exp(lt_new), n_new
                lam = max(lam / 3, 1e-12)
                break
            lam *= 4
        if gain < 0 or gain <= POLISH_FTOL * cost:
            break
    return cost


def polish_many(d, frequency_Hz: np.ndarray, Z: np.ndarray, owner: np.ndarray, chosen: np.ndarray, tau: np.ndarray,
                ns: np.ndarray, coef: np.ndarray, evaluations: int | None = None) -> None:
    """Polish grid combinations in place, as :func:`polish` does a refined start: start r is
    combination ``chosen[r]`` of the design ``d`` (:func:`sselab.eis.initial_grid.design` for
    ``frequency_Hz`` (N,), Hz) fitted to spectrum ``owner[r]`` (a row of ``Z`` (S, N), Ω), with
    its arcs' ``tau`` (R, k) (s) and exponents ``ns`` (R, k) and its linear coefficients ``coef``
    (R, p) from the grid's scoring; at most ``evaluations`` trial points each (default
    :data:`POLISH_EXTRA_EVALUATIONS`).  Compiled where the kernel runs
    (:func:`sselab.eis.kernel._polish.polish_rows`), numpy's :func:`polish` per start otherwise."""
    from .initial_grid import _refine_constants, _search_constants
    from .kernel import compiled_for

    evaluations = POLISH_EXTRA_EVALUATIONS if evaluations is None else evaluations
    R = len(chosen)
    if not R or not len(d.arcs) or evaluations <= 0:
        return
    log_w, capacitor, _ = _refine_constants(d, frequency_Hz)
    spectra, owner = np.unique(owner, return_inverse=True)  # the weights of the spectra polished only
    Z = np.atleast_2d(np.asarray(Z, complex))[spectra]
    weight = 1 / np.abs(Z)
    b = Z * weight
    bb = np.einsum("sn,sn->s", b.conj(), b).real
    first = 1 if d.has_r else 0
    ns[:, capacitor] = 1.0
    if compiled_for(R):
        from .kernel import parallel_for, pooled
        from .kernel._polish import polish_rows, polish_rows_serial

        cols_r, cols_i, _, _, _, idx = _search_constants(d)[:6]
        par = parallel_for(R)
        with pooled(R, par):
            run = polish_rows if par else polish_rows_serial
            run(log_w, np.ascontiguousarray(weight), np.ascontiguousarray(b.real), np.ascontiguousarray(b.imag), bb,
                np.asarray(owner, np.int64), np.asarray(chosen, np.int64), idx, cols_r, cols_i, first, capacitor, tau,
                ns, coef, evaluations)
        return
    cols = d.cols[:, d.idx[chosen]].transpose(1, 0, 2) * weight[owner][:, :, None]  # (R, N, p) weighted
    for r, s in enumerate(owner):
        h = (cols[r].conj().T @ b[s]).real
        cost = bb[s] - 2 * coef[r] @ h + coef[r] @ (cols[r].conj().T @ cols[r]).real @ coef[r]
        polish(log_w, weight[s], b[s], bb[s], cols[r], first, capacitor, tau[r], ns[r], coef[r], cost, evaluations)
