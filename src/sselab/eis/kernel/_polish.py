"""The polish of a refined automatic start (:func:`sselab.eis.initial_polish.polish`), compiled:
each arc's ln τ and n moved off the grid to the nearest least-squares point, one spectrum at a
time (called by :mod:`._grid`'s refinement of each row)."""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from ._linear import _column, _rdot, _solve_cost, _solve_ridge
from ._numba import _exp, _exp_into, _solve_overwriting

_HALF_PI = 0.5 * math.pi
#: the numpy reference's constants (sselab.eis.initial_polish; a test holds them equal): stop
#: once an accepted step lowers the cost by less than this fraction, ...
POLISH_FTOL = 1e-4
#: ... keep each arc's τ within this many decades of the refined point ...
POLISH_DECADES = 1.0
#: ... and each arc's resistance above this fraction of max |Z|
POLISH_FLOOR = 1e-4


@njit(cache=True, error_model="numpy")
def _polish(log_w, w_s, br, bi, bb, cr, ci, gram, coef, cost, first, capacitor, tau, ns, evaluations):
    """Move the refined start off the grid to the nearest least-squares point in each arc's ln τ
    and n, the linear coefficients solved at every point (variable projection: Levenberg–Marquardt
    steps on Kaufman's Jacobian, the columns' derivatives with the part the coefficients absorb
    projected out), at most ``evaluations`` trial points, each τ within :data:`POLISH_DECADES` of the
    refined point and n in [0.5, 1]; a step is taken only where it lowers the cost and leaves every
    arc's resistance above :data:`POLISH_FLOOR` of max |Z|.  Updates the row's state in place
    (columns ``cr``/``ci``, their ``gram``, ``coef``, ``tau``, ``ns``); returns the cost.  The same
    steps as :func:`sselab.eis.initial_polish.polish` (numpy), to rounding."""
    p, N = cr.shape
    k = tau.size
    q = 0
    for j in range(k):
        q += 1 if capacitor[j] else 2
    Jr = np.empty((q, N))
    Ji = np.empty((q, N))
    rr = np.empty(N)
    ri = np.empty(N)
    H = np.empty((q, q))
    g = np.empty(q)
    M = np.empty((q, q))
    rhs = np.empty(q)
    step = np.empty(q)
    x = np.empty(p)
    t = np.empty(p)
    work = np.empty((p, p))
    tcr = np.empty((p, N))
    tci = np.empty((p, N))
    tg = np.empty((p, p))
    th = np.empty(p)
    tc = np.empty(p)
    power = np.empty(N)
    lt_new = np.empty(k)
    n_new = np.empty(k)
    lt0 = np.empty(k)  # the refined point: each ln τ stays within POLISH_DECADES of it
    for j in range(k):
        lt0[j] = math.log(tau[j])
    reach = POLISH_DECADES * math.log(10.0)
    span = 0.0  # max |Z|: each arc's resistance stays above POLISH_FLOOR of it
    for n in range(N):
        span = max(span, 1.0 / w_s[n])
    lam = 1e-3
    used = 0
    while used < evaluations:
        for n in range(N):  # the residuals A·coef − b
            sr = -br[n]
            si = -bi[n]
            for i in range(p):
                sr += coef[i] * cr[i, n]
                si += coef[i] * ci[i, n]
            rr[n] = sr
            ri[n] = si
        m = 0
        # ∂(coef_j col_j)/∂ln τ = −n coef_j u and ∂/∂n = −coef_j u (ln ωτ + jπ/2), u = col (1 − col/w)
        for j in range(k):
            jj = first + j
            lt = math.log(tau[j])
            nn = ns[j]
            cj = coef[jj]
            for n in range(N):
                ar = cr[jj, n]
                ai = ci[jj, n]
                er = 1.0 - ar / w_s[n]
                ei = -ai / w_s[n]
                ur = ar * er - ai * ei
                ui = ar * ei + ai * er
                Jr[m, n] = -nn * cj * ur
                Ji[m, n] = -nn * cj * ui
                if not capacitor[j]:
                    lwt = log_w[n] + lt
                    Jr[m + 1, n] = -cj * (ur * lwt - ui * _HALF_PI)
                    Ji[m + 1, n] = -cj * (ur * _HALF_PI + ui * lwt)
            m += 1 if capacitor[j] else 2
        for a in range(q):  # Kaufman's projection
            for i in range(p):
                t[i] = _rdot(cr[i], ci[i], Jr[a], Ji[a])
            _solve_ridge(gram, t, x, work, p)
            for n in range(N):
                sr = 0.0
                si = 0.0
                for i in range(p):
                    sr += x[i] * cr[i, n]
                    si += x[i] * ci[i, n]
                Jr[a, n] -= sr
                Ji[a, n] -= si
        finite = True
        for a in range(q):
            g[a] = _rdot(Jr[a], Ji[a], rr, ri)
            finite = finite and math.isfinite(g[a])
            for c in range(a, q):
                H[a, c] = _rdot(Jr[a], Ji[a], Jr[c], Ji[c])
                H[c, a] = H[a, c]
        if not finite:
            break
        gain = -1.0
        while used < evaluations and lam < 1e10:
            for a in range(q):
                for c in range(q):
                    M[a, c] = H[a, c]
                M[a, a] += lam * max(H[a, a], 1e-300)
                rhs[a] = -g[a]
            _solve_overwriting(M, rhs, step)
            m = 0
            for j in range(k):
                lt_new[j] = min(max(math.log(tau[j]) + step[m], lt0[j] - reach), lt0[j] + reach)
                if capacitor[j]:
                    n_new[j] = 1.0
                    m += 1
                else:
                    n_new[j] = min(max(ns[j] + step[m + 1], 0.5), 1.0)
                    m += 2
            for i in range(p):
                for n in range(N):
                    tcr[i, n] = cr[i, n]
                    tci[i, n] = ci[i, n]
            for j in range(k):
                if _exp_into(n_new[j], log_w, power):
                    for n in range(N):
                        power[n] = _exp(n_new[j] * log_w[n])
                _column(power, w_s, lt_new[j], n_new[j], tcr[first + j], tci[first + j])
            for i in range(p):
                th[i] = _rdot(tcr[i], tci[i], br, bi)
                for c in range(i, p):
                    tg[i, c] = _rdot(tcr[i], tci[i], tcr[c], tci[c])
                    tg[c, i] = tg[i, c]
            cost_t = _solve_cost(tg, th, bb, tc, work, p)
            used += 1
            ok = cost_t < cost
            for j in range(k):
                ok = ok and tc[first + j] > POLISH_FLOOR * span
            if ok:
                gain = cost - cost_t
                cost = cost_t
                for i in range(p):
                    coef[i] = tc[i]
                    for c in range(p):
                        gram[i, c] = tg[i, c]
                    for n in range(N):
                        cr[i, n] = tcr[i, n]
                        ci[i, n] = tci[i, n]
                for j in range(k):
                    tau[j] = math.exp(lt_new[j])
                    ns[j] = n_new[j]
                lam = max(lam / 3.0, 1e-12)
                break
            lam *= 4.0
        if gain < 0 or gain <= POLISH_FTOL * cost:
            break
    return cost


@njit(cache=True, error_model="numpy")
def _polish_row(r, log_w, weight, br, bi, bb, owner, chosen, idx, cols_r, cols_i, first, capacitor, tau, ns, coef,
                evaluations):
    """Row r of :func:`polish_rows`."""
    p = idx.shape[1]
    N = log_w.size
    s = owner[r]
    cr = np.empty((p, N))
    ci = np.empty((p, N))
    for i in range(p):
        col = idx[chosen[r], i]
        for n in range(N):
            cr[i, n] = cols_r[n, col] * weight[s, n]
            ci[i, n] = cols_i[n, col] * weight[s, n]
    gram = np.empty((p, p))
    h = np.empty(p)
    for i in range(p):
        h[i] = _rdot(cr[i], ci[i], br[s], bi[s])
        for c in range(i, p):
            gram[i, c] = _rdot(cr[i], ci[i], cr[c], ci[c])
            gram[c, i] = gram[i, c]
    cost = bb[s]
    for i in range(p):
        cost -= 2 * coef[r, i] * h[i]
        for c in range(p):
            cost += coef[r, i] * gram[i, c] * coef[r, c]
    _polish(log_w, weight[s], br[s], bi[s], bb[s], cr, ci, gram, coef[r], cost, first, capacitor, tau[r], ns[r],
            evaluations)


@njit(cache=True, parallel=True, error_model="numpy")
def polish_rows(log_w, weight, br, bi, bb, owner, chosen, idx, cols_r, cols_i, first, capacitor, tau, ns, coef,
                evaluations):
    """Polish R grid combinations in place, rows on numba's threads: row r is combination
    ``chosen[r]`` (its columns ``idx[chosen[r]]`` of the design's ``cols_r``/``cols_i`` (N, C))
    fitted to spectrum ``owner[r]`` (``weight`` (S, N) its weights 1/|Z|, ``br``/``bi`` (S, N)
    its weighted data, ``bb`` (S,) their squared norm), with its arcs' ``tau``, ``ns`` (R, k) and
    coefficients ``coef`` (R, p)."""
    for r in prange(chosen.shape[0]):
        _polish_row(r, log_w, weight, br, bi, bb, owner, chosen, idx, cols_r, cols_i, first, capacitor, tau, ns, coef,
                    evaluations)


@njit(cache=True, nogil=True, error_model="numpy")
def polish_rows_serial(log_w, weight, br, bi, bb, owner, chosen, idx, cols_r, cols_i, first, capacitor, tau, ns, coef,
                       evaluations):
    """:func:`polish_rows` in the calling thread."""
    for r in range(chosen.shape[0]):
        _polish_row(r, log_w, weight, br, bi, bb, owner, chosen, idx, cols_r, cols_i, first, capacitor, tau, ns, coef,
                    evaluations)
