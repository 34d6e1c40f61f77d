"""A batched Levenberg–Marquardt solver in plain numpy.

One call advances B independent least-squares problems at once (the B starts of a
multi-start fit, or B spectra of one circuit), each with its own damping and its own
convergence test, so a batch costs little more than its slowest member.  The problems are
unconstrained: bounds are handled by :mod:`sselab.fitting.transforms`.

Examples
--------
>>> import numpy as np
>>> t = np.linspace(0, 1, 20)
>>> y = np.stack([2 * np.exp(-3 * t), 1 * np.exp(-1 * t)])
>>> def fun(u, rows):
...     a, k = u[:, :1], u[:, 1:]
...     model = a * np.exp(-k * t)
...     r = model - y[rows]
...     J = np.stack([np.exp(-k * t), -a * t * np.exp(-k * t)], axis=-1)
...     return r, J
>>> out = solve(fun, np.ones((2, 2)))
>>> np.round(out.x, 6).tolist()
[[2.0, 3.0], [1.0, 1.0]]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

Residuals = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]

#: geodesic acceleration (see :func:`solve`, ``window`` > 0): after this many calm accepted steps
#: in a row, when the new step is within GEODESIC_COS of parallel to the last, and kept where
#: 2‖a‖ ≤ GEODESIC_ALPHA‖v‖ (D's norm); the compiled kernel's equal constants:
#: :mod:`sselab.eis.kernel._lm`
GEODESIC_CALM = 10
GEODESIC_COS = 0.9
GEODESIC_ALPHA = 0.75


@dataclass(frozen=True)
class Outcome:
    """Per-problem outcome: x (B, k), cost = ½Σr² (B,), status codes (B,), iterations (B,)."""

    x: np.ndarray
    cost: np.ndarray
    residuals: np.ndarray
    jacobian: np.ndarray
    status: np.ndarray
    n_iter: np.ndarray
    n_eval: int

    #: status meanings
    MESSAGES = {
        1: "converged: relative reduction of the cost below ftol",
        2: "converged: step below xtol",
        3: "converged: gradient below gtol",
        4: "converged: the Gauss–Newton model predicts less than stol of one noise variance still to gain",
        5: "converged: the last accepted steps together gained less than stol of one noise variance",
        0: "stopped: maximum number of iterations reached",
        -1: "stopped: damping grew without reducing the cost (no downhill step)",
        -2: "failed: model not finite at the initial values",
    }


def solve(
    fun: Residuals,
    x0: np.ndarray,
    *,
    max_iter: int = 200,
    ftol: float = 1e-10,
    xtol: float = 1e-10,
    gtol: float = 1e-12,
    stol: float = 0.0,
    lam0: float = 1e-3,
    window: int = 0,
) -> Outcome:
    """Minimise ½‖r(x)‖² for each row of ``x0``.

    The damping λ (relative to D = diag JᵀJ) follows Nielsen's gain-ratio rule (Nielsen 1999;
    Madsen, Nielsen & Tingleff 2004, §3.2): after a step it is scaled by
    max(1/3, 1 − (2ρ − 1)³), ρ = actual / predicted reduction, and doubled (then quadrupled, ...)
    after each rejected step.  A problem has converged when an accepted step lowers the cost
    by less than ``ftol`` (relative), moves x by less than ``xtol``, the gradient is below
    ``gtol``, or — with ``stol`` > 0, for models that describe their data to within noise —
    when the undamped Gauss–Newton step predicts less than ``stol`` of one noise variance
    still to gain (½ gᵀ(JᵀJ)⁻¹g · (m − k) ≤ stol · cost; status 4): a parameter running
    towards an unreachable bound (log R → −∞ for an undetermined series resistance) otherwise
    crawls on for a hundred iterations without changing the fit.  It is off by default: on a
    model far from its data (cost ≫ noise) one noise variance is a large amount, and a narrow
    curved valley (NIST MGH10) would be stopped early.

    With ``stol`` > 0 and ``window`` > 0, also measured progress: when the last ``window``
    accepted steps, all taken with λ ≤ 1e-2 (Gauss–Newton-like steps of a trusted model),
    together lowered the cost by less than ``stol`` of one noise variance
    ((c₋w − c)·(m − k) ≤ stol · c; status 5).  In a long curved valley of an undetermined
    pair (two overlapping arcs trading resistance) the Gauss–Newton model keeps predicting a
    third of a noise variance to gain while each step realises ~10⁻⁶ of it: 300 iterations
    gained 1 % of one noise variance in total on such a spectrum.

    With ``window`` > 0, once GEODESIC_CALM such steps were accepted in a row, the step also
    gets geodesic acceleration (Transtrum & Sethna 2012, arXiv:1201.5885): the velocity v (the
    damped step) plus half the acceleration a = −(JᵀJ + λD)⁻¹Jᵀr_vv, where r_vv, the second
    directional derivative of r along v, comes without another evaluation from the last
    accepted step d: r(x + d) − r(x) − Jd ≈ ½r''[d, d], scaled by t² for v ≈ t·d (used only when
    v and d are within GEODESIC_COS of parallel — along a curved valley they are; the step is
    v alone where 2‖a‖ > GEODESIC_ALPHA‖v‖; norms and angles in D's metric, where an
    undetermined direction weighs nothing).  The predicted reduction (for ρ) stays v's.  The
    crawl along the curved valley of two overlapping arcs (λ ~ 1e-5, ρ ~ 0.6 for a hundred
    steps, each realising a fraction of what the model predicts) bends and speeds up: 28 %
    fewer iterations on 1,000 random two-arc spectra (benchmarks/RESULTS.md, "hardset").

    Parameters
    ----------
    fun
        ``fun(x, rows) -> (r, J)`` with ``x`` of shape (b, k) for the problems ``rows``
        (indices into the batch), ``r`` (b, m) and ``J = ∂r/∂x`` (b, m, k).
    x0
        Initial values, (B, k).
    window
        Accepted steps over which the measured gain is judged (0: off; needs ``stol`` > 0); on, it
        also turns on the geodesic acceleration of calm steps.
    """
    x = np.array(x0, dtype=float, copy=True)
    B, k = x.shape
    r_all, J_all = fun(x, np.arange(B))
    m = r_all.shape[1]
    cost = 0.5 * np.einsum("bm,bm->b", r_all, r_all)
    status = np.zeros(B, dtype=int)
    n_iter = np.zeros(B, dtype=int)
    with np.errstate(invalid="ignore", over="ignore"):
        bad = ~np.isfinite(cost) | ~np.isfinite(J_all.sum(axis=(1, 2)))
    status[bad] = -2
    lam = np.full(B, lam0)
    active = ~bad
    n_eval = 1
    eye = np.eye(k)
    nu = np.full(B, 2.0)
    idx = np.flatnonzero(active)
    use_window = stol > 0 and window > 0
    # per problem: the cost before each of its last `window` accepted steps (a ring), how many
    # accepted steps in a row were damped no more than 1e-2, and how many were accepted
    ring = np.full((B, max(window, 1)), np.inf)
    n_acc = np.zeros(B, dtype=int)
    calm = np.zeros(B, dtype=int)
    # per problem: r(x + d) − r(x) − Jd of its last accepted step d and d, kept while calm (bent)
    curv = np.zeros((B, m)) if use_window else np.zeros((0, m))
    d_last = np.zeros((B, k))
    bent = np.zeros(B, bool)
    for _ in range(max_iter):
        if idx.size == 0:
            break
        every = idx.size == B  # the common case: no gathering copies
        Ja = J_all if every else J_all[idx]
        ra = r_all if every else r_all[idx]
        xa = x if every else x[idx]
        cost_a = cost if every else cost[idx]
        lam_a = lam if every else lam[idx]
        JT = Ja.transpose(0, 2, 1)
        A = JT @ Ja
        g = (JT @ ra[:, :, None])[:, :, 0]
        conv_g = np.abs(g).max(axis=1) <= gtol * np.maximum(cost_a, 1e-300)
        diag = np.diagonal(A, axis1=1, axis2=2)
        diag = np.maximum(diag, 1e-12 * np.maximum(diag.max(axis=1, keepdims=True), 1e-300))
        M = A + (lam_a[:, None] * diag)[:, :, None] * eye
        # with stol, near convergence (λ ≤ 1e-2), also what the undamped Gauss–Newton step would
        # still gain, ½ gᵀA⁻¹g: both systems in one batched solve
        gn_rows = np.flatnonzero(lam_a <= 1e-2) if stol > 0 else np.zeros(0, int)
        if gn_rows.size:
            G = A[gn_rows] + (1e-12 * diag[gn_rows])[:, :, None] * eye
            systems = np.concatenate([M, G])
            rhs = np.concatenate([g, g[gn_rows]])
        else:
            systems, rhs = M, g
        sol = _solve_systems(systems, rhs)
        step = -sol[: idx.size]
        conv_s = np.zeros(idx.size, bool)
        if gn_rows.size:
            gain = 0.5 * np.einsum("bi,bi->b", g[gn_rows], sol[idx.size:])
            conv_s[gn_rows] = (gain >= 0) & (gain * max(m - k, 1) <= stol * cost_a[gn_rows])
        taken = _accelerate(step, Ja, M, diag, curv, d_last, idx, bent[idx] & (lam_a <= 1e-2))
        x_new = xa + taken
        r_new, J_new = fun(x_new, idx)
        n_eval += 1
        cost_new = 0.5 * np.einsum("bm,bm->b", r_new, r_new)
        with np.errstate(invalid="ignore", over="ignore"):  # inf − inf in the sum is the NaN we test for
            accept = (cost_new < cost_a) & np.isfinite(cost_new) & np.isfinite(J_new.sum(axis=(1, 2)))
        n_iter[idx] += 1
        reduction = np.where(accept, cost_a - cost_new, 0.0)
        conv_f = accept & (reduction <= ftol * cost_a)
        step2 = step * step
        conv_x = (taken * taken).sum(axis=1) <= (xtol * (np.sqrt((xa * xa).sum(axis=1)) + xtol)) ** 2
        # Nielsen: predicted reduction of the damped step is ½(λ sᵀDs − gᵀs)
        pred = 0.5 * (lam_a * (diag * step2).sum(axis=1) - (g * step).sum(axis=1))
        rho = np.where(accept & (pred > 0), reduction / np.where(pred > 0, pred, 1.0), 0.0)
        nu_a = nu if every else nu[idx]
        factor = np.where(accept, np.maximum(1 / 3, 1 - (2 * np.minimum(np.maximum(rho, 0.0), 1.0) - 1) ** 3), nu_a)
        nu_new = np.where(accept, 2.0, 2 * nu_a)
        if every:
            nu = nu_new
        else:
            nu[idx] = nu_new
        lam_new = np.minimum(np.maximum(lam_a * factor, 1e-12), 1e300)
        if use_window:  # the curvature along each accepted calm step (before r_all, J_all move on)
            calm_new = np.where(accept, np.where(lam_a <= 1e-2, calm[idx] + 1, 0), calm[idx])
            now_bent = accept & (calm_new >= GEODESIC_CALM)
            b = np.flatnonzero(now_bent)
            if b.size:
                curv[idx[b]] = r_new[b] - ra[b] - np.einsum("bmk,bk->bm", Ja[b], taken[b])
                d_last[idx[b]] = taken[b]
            bent[idx] = np.where(accept, now_bent, bent[idx])
        if every and accept.all():
            x, cost, r_all, J_all, lam = x_new, cost_new, r_new, J_new, lam_new
        else:
            acc = idx[accept]
            x[acc] = x_new[accept]
            cost[acc] = cost_new[accept]
            r_all[acc] = r_new[accept]
            J_all[acc] = J_new[accept]
            lam[idx] = lam_new
        conv_w = np.zeros(idx.size, bool)
        if use_window:
            acc_i = idx[accept]
            ring[acc_i, n_acc[acc_i] % window] = cost_a[accept]
            n_acc[acc_i] += 1
            calm[idx] = calm_new
            oldest = ring[idx, n_acc[idx] % window]
            with np.errstate(invalid="ignore"):
                conv_w = accept & (calm[idx] >= window) & (
                    (oldest - cost[idx]) * max(m - k, 1) <= stol * cost[idx])
        done = np.where(conv_g, 3, np.where(conv_s, 4, np.where(conv_x, 2, np.where(conv_f, 1,
                        np.where(conv_w, 5, 0)))))
        done[(done == 0) & ~accept & (lam[idx] > 1e16)] = -1
        finished = done != 0
        if finished.any():
            status[idx[finished]] = done[finished]
            active[idx[finished]] = False
            idx = np.flatnonzero(active)
    return Outcome(x, cost, r_all, J_all, status, n_iter, n_eval)


def _accelerate(v: np.ndarray, Ja: np.ndarray, M: np.ndarray, diag: np.ndarray, curv: np.ndarray,
                d_last: np.ndarray, idx: np.ndarray, on: np.ndarray) -> np.ndarray:
    """The step of :func:`solve`'s active rows: the velocity ``v``, plus half its geodesic
    acceleration where ``on``, v is within GEODESIC_COS of parallel to the last step and
    2‖a‖ ≤ GEODESIC_ALPHA‖v‖, both in D's norm (see :func:`solve`)."""
    if not on.any():
        return v
    rows = np.flatnonzero(on)
    # in D's norm: an undetermined direction (diag ~ 0) has any value in v
    d, vr, D = d_last[idx[rows]], v[rows], diag[rows]
    vd, dd, vv = (D * vr * d).sum(axis=1), (D * d * d).sum(axis=1), (D * vr * vr).sum(axis=1)
    par = (vd * vd >= GEODESIC_COS * GEODESIC_COS * dd * vv) & (dd > 0)
    rows, vr, D, t, vv = rows[par], vr[par], D[par], vd[par] / dd[par], vv[par]
    if rows.size == 0:
        return v
    with np.errstate(invalid="ignore", over="ignore"):
        rhs = (2.0 * t * t)[:, None] * np.einsum("bmk,bm->bk", Ja[rows], curv[idx[rows]])
        a = -_solve_systems(M[rows], rhs)
        ok = 4.0 * (D * a * a).sum(axis=1) <= GEODESIC_ALPHA * GEODESIC_ALPHA * vv
    taken = v.copy()
    taken[rows[ok]] = vr[ok] + 0.5 * a[ok]
    return taken


def _solve_systems(systems: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    """``systems⁻¹ rhs`` for (B, k, k) systems and (B, k) right-hand sides; by the pseudo-inverse
    for the whole batch when one system is singular."""
    try:
        return np.linalg.solve(systems, rhs[:, :, None])[:, :, 0]
    except np.linalg.LinAlgError:
        return np.einsum("bij,bj->bi", np.linalg.pinv(systems), rhs)
