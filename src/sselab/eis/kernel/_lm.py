"""The compiled Levenberg–Marquardt iteration of :func:`sselab.fitting.levenberg_marquardt.solve`,
one problem per row, rows in parallel, on the circuit kernel of :mod:`._numba`.

The iteration is the numpy solver's step for step — the same damping rule, acceptance test and
stopping tests in the same order — so both paths reach the same χ² up to rounding
(tests/eis_batch/test_kernel.py).  Only :mod:`sselab.eis.kernel.dispatch` calls it; its cached
machine code inlines :mod:`._numba`'s and is dropped with :mod:`._final`'s and :mod:`._grid`'s
when that file changes (:func:`._numba._drop_stale_dependents`).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from ._numba import _residuals, _solve_overwriting

#: geodesic acceleration from the last step's curvature (:func:`sselab.fitting.levenberg_marquardt.solve`,
#: whose GEODESIC_CALM, GEODESIC_COS and GEODESIC_ALPHA these equal: tests/eis_batch/test_stop_window.py)
GEODESIC_CALM = 10
GEODESIC_COS = 0.9
GEODESIC_ALPHA = 0.75

#: reassociation only (no finite-math assumptions): lets LLVM vectorise the reductions, a
#: rounding-level change of the summation order (BLAS's products in the numpy path reorder too)
_REASSOC = {"reassoc"}


@njit(cache=True, error_model="numpy", fastmath=_REASSOC)
def _dot(a, b):
    s = 0.0
    for i in range(a.size):
        s += a[i] * b[i]
    return s


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
def _lm_row(ops, w, logw, zr, zi, wr, wi, base, free, kind, ta, tb, x, max_iter, ftol, xtol, gtol, stol, lam0,
            depth, window, res, jac):
    """One problem's Levenberg–Marquardt from u = x (updated in place): (cost, status, iterations).

    ``res`` (2N,) and ``jac`` (k, 2N) receive the weighted residuals and the weighted Jacobian
    ∂r/∂p of the free parameters at the last accepted point, as :mod:`._final` computes them
    there (same operations), so the final pass need not evaluate the circuit again."""
    N = w.size
    n = base.size
    k = free.size
    m = 2 * N
    zs = np.empty((depth, N), np.complex128)
    lo = np.empty(depth, np.int64)
    hi = np.empty(depth, np.int64)
    dz = np.zeros((n, N), np.complex128)
    P = np.empty(n)
    dpdu = np.empty(k)
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
    _residuals(ops, w, logw, zr, zi, wr, wi, base, free, kind, ta, tb, x, zs, lo, hi, dz, P, dpdu, r, J)
    cost = 0.5 * _dot(r, r)
    if not (math.isfinite(cost) and _all_finite(J)):
        _keep_final(r, dz, free, wr, wi, res, jac)
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
        M[:, :] = A
        for a in range(k):
            M[a, a] += lam * diag[a]
        _solve_overwriting(M, g, sol)
        conv_s = False
        if stol > 0 and lam <= 1e-2:
            if not have_gn:  # the Gauss–Newton step depends on the point only
                M[:, :] = A
                for a in range(k):
                    M[a, a] += 1e-12 * diag[a]
                _solve_overwriting(M, g, gn)
                have_gn = True
            gain = 0.5 * _dot(g, gn)
            conv_s = gain >= 0 and gain * max(m - k, 1) <= stol * cost
        tot[:] = sol
        if bent and lam <= 1e-2:
            _accelerate(J, A, diag, lam, sol, curv, d_last, M, q, x_new, tot)
        for a in range(k):
            x_new[a] = x[a] - tot[a]
        _residuals(ops, w, logw, zr, zi, wr, wi, base, free, kind, ta, tb, x_new, zs, lo, hi, dz, P, dpdu, r_new,
                   J_new)
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
            x[:] = x_new
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
    if not fresh:  # dz is the rejected trial point's: evaluated again at the solution (same numbers)
        _residuals(ops, w, logw, zr, zi, wr, wi, base, free, kind, ta, tb, x, zs, lo, hi, dz, P, dpdu, r_new, J_new)
    _keep_final(r, dz, free, wr, wi, res, jac)
    return cost, status, n_iter


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
    M[:, :] = A
    for a in range(k):
        M[a, a] += lam * diag[a]
    _solve_overwriting(M, scratch, q)
    aa = 0.0
    for a in range(k):
        aa += diag[a] * q[a] * q[a]
    if 4.0 * aa <= GEODESIC_ALPHA * GEODESIC_ALPHA * vv:
        for a in range(k):
            tot[a] = sol[a] + 0.5 * q[a]


@njit(cache=True, error_model="numpy")
def _keep_final(r, dz, free, wr, wi, res, jac):
    """res = r and jac[j, i] = ∂r_i/∂p_free[j] (weighted, transposed: contiguous over the
    residuals; the same products as ``_final._final_row``'s Jf)."""
    N = wr.size
    res[:] = r
    for j in range(free.size):
        row = dz[free[j]]
        for i in range(N):
            jac[j, i] = row[i].real * wr[i]
        for i in range(N):
            jac[j, N + i] = row[i].imag * wi[i]


@njit(cache=True, error_model="numpy")
def _lm_batch_row(b, ops, depth, w, logw, zr, zi, wr, wi, data_row, base, free, kind, ta, tb, x, max_iter, ftol, xtol,
                  gtol, stol, lam0, window, cost, status, n_iter, res, jac):
    """Row b of :func:`lm_batch` (fitted in place, its outcome written to ``cost``, ``status``,
    ``n_iter``, ``res[b]``, ``jac[b]``)."""
    d = data_row[b]
    c, s, it = _lm_row(ops, w[d], logw[d], zr[d], zi[d], wr[d], wi[d], base[b], free, kind, ta, tb, x[b],
                       max_iter, ftol, xtol, gtol, stol, lam0, depth, window, res[b], jac[b])
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
