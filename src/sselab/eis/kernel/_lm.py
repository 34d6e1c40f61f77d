"""The compiled Levenberg–Marquardt iteration of :func:`sselab.fitting.levenberg_marquardt.solve`,
one problem per row, rows in parallel, on the circuit kernel of :mod:`._numba`.

The iteration is the numpy solver's step for step — the same damping rule, acceptance test and
stopping tests in the same order — so both paths reach the same χ² up to rounding
(tests/eis_batch/test_kernel.py).  Only :mod:`sselab.eis.kernel.dispatch` calls it; its cached
machine code inlines :mod:`._numba`'s and is dropped with :mod:`._final`'s and :mod:`._grid`'s
when that file changes (:func:`._numba._drop_stale_dependents`).

:func:`_lm_row` is written once for any model: a named tuple of the problem's data and scratch
whose class picks, when numba types the call, the model's :func:`evaluate` and :func:`finish`
(:func:`register`; the circuit here, the DC decay models in :mod:`sselab.dc._decay_kernel`,
whose cached code inlines this file's and is dropped by its own stamp).  A type, not a function
passed as an argument: numba caches no code that takes or holds a function value ("dynamic
globals"), and inlined, the circuit's iteration runs as fast as when it was written for it alone
(benchmarks/RESULTS.md, "decaylm").
"""

from __future__ import annotations

import math
from collections import namedtuple

import numpy as np
from numba import njit, prange
from numba.core import types
from numba.extending import overload

from ._numba import _copy, _dot, _residuals, _solve_overwriting

#: geodesic acceleration from the last step's curvature (:func:`sselab.fitting.levenberg_marquardt.solve`,
#: whose GEODESIC_CALM, GEODESIC_COS and GEODESIC_ALPHA these equal: tests/eis_batch/test_stop_window.py)
GEODESIC_CALM = 10
GEODESIC_COS = 0.9
GEODESIC_ALPHA = 0.75

#: reassociation only (no finite-math assumptions): lets LLVM vectorise the reductions, a
#: rounding-level change of the summation order (BLAS's products in the numpy path reorder too)
_REASSOC = {"reassoc"}


def evaluate(model, x, r, J):  # pragma: no cover - typed by an @overload per model type
    """r (m,) = the weighted residuals of ``model`` at u = x and J (k, m) = ∂r/∂u, transposed."""
    raise NotImplementedError("compiled code only")


def finish(model, x, fresh, r, r_spare, J_spare, res, jac):  # pragma: no cover - as evaluate
    """After the iteration, ended at u = x with residuals r (``fresh``: the model's scratch holds
    x's evaluation, not a rejected trial point's; ``r_spare``, ``J_spare``: free scratch), what
    the model keeps of its final state into ``res`` and ``jac``."""
    raise NotImplementedError("compiled code only")


def register(cls, evaluate_impl, finish_impl) -> None:
    """Make ``evaluate_impl`` and ``finish_impl`` (njit functions with :func:`evaluate`'s and
    :func:`finish`'s arguments) the :func:`evaluate` and :func:`finish` of models that are
    instances of the named tuple class ``cls``: :func:`_lm_row` then iterates such a model.

    Both are inlined (numba's IR inlining) into :func:`_lm_row`: a call the circuit's model,
    passed by value, otherwise pays on every evaluation cost its iteration ~6 % of its time.
    Inline only such one-call forwarders: ``inline="always"`` on :func:`_lm_row` or on the decay
    residuals (loops) gave wrong steps (benchmarks/RESULTS.md, "decaylm")."""

    def _is(model) -> bool:
        return isinstance(model, types.BaseNamedTuple) and model.instance_class is cls

    @overload(evaluate, inline="always")
    def _evaluate(model, x, r, J):
        if _is(model):
            return lambda model, x, r, J: evaluate_impl(model, x, r, J)
        return None

    @overload(finish, inline="always")
    def _finish(model, x, fresh, r, r_spare, J_spare, res, jac):
        if _is(model):
            return lambda model, x, fresh, r, r_spare, J_spare, res, jac: finish_impl(model, x, fresh, r, r_spare,
                                                                                        J_spare, res, jac)
        return None


#: one circuit problem of :func:`lm_batch`: its spectrum, parameters and the circuit's scratch
_Circuit = namedtuple("_Circuit", ("ops", "w", "logw", "zr", "zi", "wr", "wi", "base", "free", "kind", "ta", "tb",
                                   "zs", "lo", "hi", "dz", "P", "dpdu"))


@njit(cache=True, error_model="numpy", inline="always")
def _circuit_evaluate(c, x, r, J):
    _residuals(c.ops, c.w, c.logw, c.zr, c.zi, c.wr, c.wi, c.base, c.free, c.kind, c.ta, c.tb, x, c.zs, c.lo, c.hi,
               c.dz, c.P, c.dpdu, r, J)


@njit(cache=True, error_model="numpy")
def _circuit_finish(c, x, fresh, r, r_spare, J_spare, res, jac):
    if not fresh:  # dz is the rejected trial point's: evaluated again at the solution (same numbers)
        _circuit_evaluate(c, x, r_spare, J_spare)
    _keep_final(r, c.dz, c.free, c.wr, c.wi, res, jac)


register(_Circuit, _circuit_evaluate, _circuit_finish)


@njit(cache=True, error_model="numpy", fastmath=_REASSOC)
def _dot2(a, b, c):
    """(a·b, a·c) in one pass over a: each sum vectorised as :func:`_dot`'s, so the same numbers
    (tests/eis_batch/test_kernel.py), ~25 % less time for the normal equations."""
    s = 0.0
    t = 0.0
    for i in range(a.size):
        s += a[i] * b[i]
        t += a[i] * c[i]
    return s, t


@njit(cache=True, error_model="numpy", fastmath=_REASSOC)
def _all_finite(J):
    """Whether every element of the 2-D array J is finite (its sum is: inf − inf and NaN stay NaN
    in any order of summation)."""
    s = 0.0
    for a in range(J.shape[0]):
        for i in range(J.shape[1]):
            s += J[a, i]
    return math.isfinite(s)


@njit(cache=True, error_model="numpy")
def _lm_row(model, x, m, max_iter, ftol, xtol, gtol, stol, lam0, window, res, jac):
    """One problem's Levenberg–Marquardt from u = x (updated in place): (cost, status, iterations).

    ``model`` holds the problem's data and scratch arrays; its type picks the model's
    :func:`evaluate` (m residuals and their Jacobian at a point) and :func:`finish` (its final
    state into ``res`` and ``jac``) at compile time: the circuit's below, the decay models' in
    :mod:`sselab.dc._decay_kernel`."""
    k = x.size
    r = np.empty(m)
    J = np.empty((k, m))  # transposed: rows are parameters, contiguous over the residuals
    r_new = np.empty(m)
    J_new = np.empty((k, m))
    x_new = np.empty(k)
    A = np.empty((k, k))
    M = np.empty((k, k))
    g = np.empty(k)
    diag = np.empty(k)
    sol = np.empty(k)
    gn = np.empty(k)
    tot = np.empty(k)  # minus the step taken: sol, or sol + q/2 with geodesic acceleration
    q = np.empty(k)
    curv = np.empty(m)  # r(u + d) − r(u) − J d of the last accepted step d (≈ ½ r''[d, d]) ...
    d_last = np.empty(k)  # ... and d, while calm (`bent`)
    bent = False
    evaluate(model, x, r, J)
    cost = 0.5 * _dot(r, r)
    if not (math.isfinite(cost) and _all_finite(J)):
        finish(model, x, True, r, r_new, J_new, res, jac)
        return cost, -2, 0
    lam = lam0
    nu = 2.0
    status = 0
    n_iter = 0
    use_window = stol > 0 and window > 0
    ring = np.full(max(window, 1), np.inf)  # the cost before each of the last `window` accepted steps
    n_acc = 0
    calm = 0  # accepted steps in a row with λ ≤ 1e-2 (rejections neither count nor reset)
    fresh = True  # g, A, diag (and gn once solved) belong to the current point
    have_gn = False
    conv_g = False
    for _ in range(max_iter):
        if fresh:  # after a rejected step the point, so these, are unchanged: kept
            for a in range(k):  # g = Jᵀr and A = JᵀJ, two products per pass over J[a]
                g[a], A[a, a] = _dot2(J[a], r, J[a])
                b = a + 1
                while b + 1 < k:
                    s, t = _dot2(J[a], J[b], J[b + 1])
                    A[a, b] = A[b, a] = s
                    A[a, b + 1] = A[b + 1, a] = t
                    b += 2
                if b < k:
                    s = _dot(J[a], J[b])
                    A[a, b] = A[b, a] = s
            gmax = 0.0
            dmax = A[0, 0]
            for a in range(k):
                gmax = max(gmax, abs(g[a]))
                dmax = max(dmax, A[a, a])
            conv_g = gmax <= gtol * max(cost, 1e-300)
            floor = 1e-12 * max(dmax, 1e-300)
            for a in range(k):
                diag[a] = max(A[a, a], floor)
            have_gn = False
        _solve_damped(A, diag, lam, g, M, sol)
        conv_s = False
        if stol > 0 and lam <= 1e-2:
            if not have_gn:  # the Gauss–Newton step depends on the point only
                _solve_damped(A, diag, 1e-12, g, M, gn)
                have_gn = True
            gain = 0.5 * _dot(g, gn)
            conv_s = gain >= 0 and gain * max(m - k, 1) <= stol * cost
        _copy(tot, sol)
        if bent and lam <= 1e-2:
            _accelerate(J, A, diag, lam, sol, curv, d_last, M, q, x_new, tot)
        for a in range(k):
            x_new[a] = x[a] - tot[a]
        evaluate(model, x_new, r_new, J_new)
        cost_new = 0.5 * _dot(r_new, r_new)
        accept = cost_new < cost and math.isfinite(cost_new) and _all_finite(J_new)
        fresh = accept
        n_iter += 1
        reduction = cost - cost_new if accept else 0.0
        conv_f = accept and reduction <= ftol * cost
        s2 = 0.0
        xx = 0.0
        sds = 0.0
        gs = 0.0
        for a in range(k):
            st = -sol[a]
            s2 += tot[a] * tot[a]
            xx += x[a] * x[a]
            sds += diag[a] * st * st
            gs += g[a] * st
        conv_x = s2 <= (xtol * (math.sqrt(xx) + xtol)) ** 2
        pred = 0.5 * (lam * sds - gs)
        rho = reduction / pred if (accept and pred > 0) else 0.0
        if accept:
            factor = max(1 / 3, 1 - (2 * min(max(rho, 0.0), 1.0) - 1) ** 3)
            nu = 2.0
        else:
            factor = nu
            nu = 2 * nu
        lam_step = lam
        lam = min(max(lam * factor, 1e-12), 1e300)
        conv_w = False
        if accept:
            if use_window:
                ring[n_acc % window] = cost
                n_acc += 1
                calm = calm + 1 if lam_step <= 1e-2 else 0
                bent = calm >= GEODESIC_CALM
                if bent:  # the curvature along this step, for the next (J is the old point's)
                    for i in range(m):
                        curv[i] = r_new[i] - r[i]
                    for a in range(k):
                        d_last[a] = -tot[a]
                        Ja = J[a]
                        for i in range(m):
                            curv[i] -= Ja[i] * d_last[a]
            _copy(x, x_new)
            cost = cost_new
            r, r_new = r_new, r
            J, J_new = J_new, J
            if use_window and calm >= window:
                conv_w = (ring[n_acc % window] - cost) * max(m - k, 1) <= stol * cost
        if conv_g:
            status = 3
        elif conv_s:
            status = 4
        elif conv_x:
            status = 2
        elif conv_f:
            status = 1
        elif conv_w:
            status = 5
        elif not accept and lam > 1e16:
            status = -1
        if status != 0:
            break
    finish(model, x, fresh, r, r_new, J_new, res, jac)
    return cost, status, n_iter


@njit(cache=True, error_model="numpy")
def _damped(A, diag, lam, M):
    """M = A + λ·diag(diag) (by loops: see :func:`._numba._copy`)."""
    k = diag.size
    for a in range(k):
        for b in range(k):
            M[a, b] = A[a, b]
        M[a, a] += lam * diag[a]


@njit(cache=True, error_model="numpy")
def _solve_damped(A, diag, lam, g, M, out):
    """out = (A + λ·diag(diag))⁻¹ g (M: scratch).  The matrix is symmetric, and positive definite
    in exact arithmetic (A = JᵀJ, λ·diag > 0): solved by its Cholesky factor, a third less time
    than LU with partial pivoting for the 7 × 7 systems of a two-arc circuit (0.23 vs 0.31 µs);
    where rounding leaves a pivot that is not positive (a Gauss–Newton system, λ = 1e-12, of an
    undetermined direction), by LU as before (:func:`._numba._solve_overwriting`).  Either agrees
    with the numpy engine's LAPACK solve to rounding (tests/eis_batch/test_kernel.py)."""
    _damped(A, diag, lam, M)
    if _cholesky_overwriting(M, g, out):
        return
    _damped(A, diag, lam, M)
    _solve_overwriting(M, g, out)


@njit(cache=True, error_model="numpy")
def _cholesky_overwriting(M, g, out):
    """out = M⁻¹ g by M's Cholesky factor, formed in M's lower triangle; False (out and M then
    garbage) where a pivot is not positive or not finite."""
    k = g.size
    for j in range(k):
        s = M[j, j]
        for q in range(j):
            s -= M[j, q] * M[j, q]
        if not (s > 0 and math.isfinite(s)):
            return False
        d = math.sqrt(s)
        M[j, j] = d
        for i in range(j + 1, k):
            t = M[i, j]
            for q in range(j):
                t -= M[i, q] * M[j, q]
            M[i, j] = t / d
    for i in range(k):
        t = g[i]
        for q in range(i):
            t -= M[i, q] * out[q]
        out[i] = t / M[i, i]
    for i in range(k - 1, -1, -1):
        t = out[i]
        for q in range(i + 1, k):
            t -= M[q, i] * out[q]
        out[i] = t / M[i, i]
    return True


@njit(cache=True, error_model="numpy")
def _accelerate(J, A, diag, lam, sol, curv, d_last, M, q, scratch, tot):
    """Geodesic acceleration of the velocity v = −sol (Transtrum & Sethna 2012) with the second
    directional derivative from the last accepted step d: r_vv ≈ 2t²·curv for v ≈ t·d, only
    when v and d are within GEODESIC_COS of parallel; a = −q, q = (A + λD)⁻¹Jᵀr_vv; tot =
    sol + q/2 where 2‖a‖ ≤ GEODESIC_ALPHA‖v‖, else left at sol (norms and angles in D's metric:
    :func:`sselab.fitting.levenberg_marquardt._accelerate`'s operations)."""
    k = sol.size
    vd = 0.0
    dd = 0.0
    vv = 0.0
    for a in range(k):  # in D's norm: an undetermined direction (diag ~ 0) has any value in sol
        vd -= diag[a] * sol[a] * d_last[a]
        dd += diag[a] * d_last[a] * d_last[a]
        vv += diag[a] * sol[a] * sol[a]
    if not (vd * vd >= GEODESIC_COS * GEODESIC_COS * dd * vv and dd > 0):
        return
    t = vd / dd
    for a in range(k):
        scratch[a] = 2.0 * t * t * _dot(J[a], curv)  # Jᵀr_vv
    _solve_damped(A, diag, lam, scratch, M, q)
    aa = 0.0
    for a in range(k):
        aa += diag[a] * q[a] * q[a]
    if 4.0 * aa <= GEODESIC_ALPHA * GEODESIC_ALPHA * vv:
        for a in range(k):
            tot[a] = sol[a] + 0.5 * q[a]


@njit(cache=True, error_model="numpy")
def _keep_final(r, dz, free, wr, wi, res, jac):
    """res = r and jac[j, i] = ∂r_i/∂p_free[j] (weighted, transposed: contiguous over the
    residuals; the same products as ``_final._final_row``'s JT)."""
    N = wr.size
    _copy(res, r)
    for j in range(free.size):
        row = dz[free[j]]
        for i in range(N):
            jac[j, i] = row[i] * wr[i]
        for i in range(N):
            jac[j, N + i] = row[N + i] * wi[i]


@njit(cache=True, error_model="numpy")
def _lm_batch_row(b, ops, depth, w, logw, zr, zi, wr, wi, data_row, base, free, kind, ta, tb, x, max_iter, ftol, xtol,
                  gtol, stol, lam0, window, cost, status, n_iter, res, jac):
    """Row b of :func:`lm_batch` (fitted in place, its outcome written to ``cost``, ``status``,
    ``n_iter``, ``res[b]``, ``jac[b]``)."""
    d = data_row[b]
    N = w.shape[1]
    n = base.shape[1]
    model = _Circuit(ops, w[d], logw[d], zr[d], zi[d], wr[d], wi[d], base[b], free, kind, ta, tb,
                     np.empty((depth, 2 * N)), np.empty(depth, np.int64), np.empty(depth, np.int64),
                     np.zeros((n, 2 * N)), np.empty(n), np.empty(free.size))
    c, s, it = _lm_row(model, x[b], 2 * N, max_iter, ftol, xtol, gtol, stol, lam0, window, res[b], jac[b])
    cost[b] = c
    status[b] = s
    n_iter[b] = it


@njit(cache=True, parallel=True, error_model="numpy")
def lm_batch(ops, depth, w, zr, zi, wr, wi, data_row, base, free, kind, ta, tb, x, max_iter, ftol, xtol, gtol,
             stol, lam0, window, cost, status, n_iter, res, jac):
    """Every row of ``x`` (B, k) fitted in place; its data are row ``data_row[b]`` of w, zr, ...;
    ``res`` (B, 2N) and ``jac`` (B, k, 2N) receive each row's final residuals and Jacobian
    (:func:`_lm_row`)."""
    logw = np.log(w)
    for b in prange(x.shape[0]):
        _lm_batch_row(b, ops, depth, w, logw, zr, zi, wr, wi, data_row, base, free, kind, ta, tb, x, max_iter, ftol,
                      xtol, gtol, stol, lam0, window, cost, status, n_iter, res, jac)


@njit(cache=True, nogil=True, error_model="numpy")
def lm_batch_serial(ops, depth, w, zr, zi, wr, wi, data_row, base, free, kind, ta, tb, x, max_iter, ftol, xtol, gtol,
                    stol, lam0, window, cost, status, n_iter, res, jac):
    """:func:`lm_batch` in the calling thread (small batches: no thread-pool start-up)."""
    logw = np.log(w)
    for b in range(x.shape[0]):
        _lm_batch_row(b, ops, depth, w, logw, zr, zi, wr, wi, data_row, base, free, kind, ta, tb, x, max_iter, ftol,
                      xtol, gtol, stol, lam0, window, cost, status, n_iter, res, jac)
