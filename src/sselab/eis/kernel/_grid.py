"""The off-grid refinement of the automatic starts (:func:`sselab.eis.initial_grid.refine`),
compiled: the same candidates, the same weighted linear solves and the same choice of the
best, one spectrum per row, rows in parallel.  Imported only when the kernel is chosen."""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from ._numba import _solve_into


@njit(cache=True, error_model="numpy")
def _solve_cost(gram, h, bb, coef, work, p):
    """coef = max((gram + ridge)⁻¹ h, 0) and its cost bb − 2 coef·h + coefᵀ gram coef."""
    tr = 0.0
    for i in range(p):
        tr += gram[i, i]
    for i in range(p):
        for j in range(p):
            work[i, j] = gram[i, j]
        work[i, i] += 1e-12 * tr
    _solve_into(work, h, coef)
    for i in range(p):
        coef[i] = max(coef[i], 0.0)
    quad = 0.0
    lin = 0.0
    for i in range(p):
        lin += coef[i] * h[i]
        for j in range(p):
            quad += coef[i] * gram[i, j] * coef[j]
    return bb - 2 * lin + quad


@njit(cache=True, parallel=True, error_model="numpy")
def refine_rows(log_w, weight, b, bb, cols, first, capacitor, tau, ns, decades, exps, sweeps, coef_out):
    """Refine every row in place: ``tau``, ``ns`` (S, k) and the coefficients ``coef_out`` (S, p)."""
    S, N, p = cols.shape
    k = tau.shape[1]
    T, E = decades.size, exps.size
    for s in prange(S):
        c = cols[s].copy()
        gram = np.empty((p, p))
        h = np.empty(p)
        for i in range(p):
            acc = 0.0
            for n in range(N):
                acc += (c[n, i].conjugate() * b[s, n]).real
            h[i] = acc
            for j in range(p):
                acc = 0.0
                for n in range(N):
                    acc += (c[n, i].conjugate() * c[n, j]).real
                gram[i, j] = acc
        work = np.empty((p, p))
        coef = np.empty(p)
        cost = _solve_cost(gram, h, bb[s], coef, work, p)
        g2 = np.empty((p, p))
        h2 = np.empty(p)
        cc = np.empty(p)
        col = np.empty(N, np.complex128)
        best_col = np.empty(N, np.complex128)
        best_coef = np.empty(p)
        for _ in range(sweeps):
            for j in range(k):
                jj = first + j
                best_cost = math.inf
                saw_nan = False
                best_t = 0.0
                best_n = 0.0
                for t in range(T):
                    tt = tau[s, j] * 10.0 ** decades[t]
                    for e in range(E):
                        nn = 1.0 if capacitor[j] else min(max(ns[s, j] + exps[e], 0.5), 1.0)
                        phase = np.exp(0.5j * np.pi * nn)
                        lt = math.log(tt)
                        for n in range(N):
                            col[n] = weight[s, n] / (1 + math.exp(nn * (log_w[n] + lt)) * phase)
                        g2[:, :] = gram
                        h2[:] = h
                        for i in range(p):
                            acc = 0.0
                            for n in range(N):
                                acc += (col[n].conjugate() * c[n, i]).real
                            g2[jj, i] = acc
                            g2[i, jj] = acc
                        acc = 0.0
                        acc_h = 0.0
                        for n in range(N):
                            acc += (col[n].conjugate() * col[n]).real
                            acc_h += (col[n].conjugate() * b[s, n]).real
                        g2[jj, jj] = acc
                        h2[jj] = acc_h
                        cost_c = _solve_cost(g2, h2, bb[s], cc, work, p)
                        saw_nan = saw_nan or math.isnan(cost_c)
                        if cost_c < best_cost:  # the first of equal costs, as argmin
                            best_cost = cost_c
                            best_t = tt
                            best_n = nn
                            best_coef[:] = cc
                            best_col[:] = col
                if best_cost < cost and not saw_nan:  # argmin would have picked the NaN: no move
                    tau[s, j] = best_t
                    ns[s, j] = best_n
                    coef[:] = best_coef
                    cost = best_cost
                    for n in range(N):
                        c[n, jj] = best_col[n]
                    # the Gram and right-hand side of the new columns, for the next arc
                    for i in range(p):
                        acc = 0.0
                        for n in range(N):
                            acc += (c[n, i].conjugate() * c[n, jj]).real
                        gram[i, jj] = acc
                        gram[jj, i] = acc
                    h[jj] = 0.0
                    for n in range(N):
                        h[jj] += (c[n, jj].conjugate() * b[s, n]).real
        coef_out[s] = coef


@njit(cache=True, parallel=True, error_model="numpy")
def score_rows(gram, h, bb, idx, coef, cost, bad):
    """The grid's linear sub-problems compiled (:func:`sselab.eis.initial_grid.score`): for every
    spectrum s and combination c the normal equations gram[s][idx[c]][:, idx[c]] (+ 1e-12·trace
    ridge) solved by Cholesky into ``coef`` (S, K, p), clipped at 0, and the cost
    bb − 2 coef·h + coefᵀ G coef into ``cost`` (S, K); ``bad`` (S, K) marks a broken-down
    factorisation (numpy then solves those by least squares, as the reference does)."""
    S = gram.shape[0]
    K, p = idx.shape
    for s in prange(S):
        G = np.empty((p, p))
        L = np.zeros((p, p))
        H = np.empty(p)
        y = np.empty(p)
        x = np.empty(p)
        for c in range(K):
            tr = 0.0
            for i in range(p):
                H[i] = h[s, idx[c, i]]
                for j in range(p):
                    G[i, j] = gram[s, idx[c, i], idx[c, j]]
                tr += G[i, i]
            ridge = 1e-12 * tr
            for j in range(p):
                acc = 0.0
                for q in range(j):
                    acc += L[j, q] * L[j, q]
                L[j, j] = math.sqrt(G[j, j] + ridge - acc) if G[j, j] + ridge - acc >= 0 else math.nan
                for i in range(j + 1, p):
                    acc = 0.0
                    for q in range(j):
                        acc += L[i, q] * L[j, q]
                    L[i, j] = (G[i, j] - acc) / L[j, j]
            for i in range(p):
                acc = 0.0
                for q in range(i):
                    acc += L[i, q] * y[q]
                y[i] = (H[i] - acc) / L[i, i]
            finite = True
            for i in range(p - 1, -1, -1):
                acc = 0.0
                for q in range(i + 1, p):
                    acc += L[q, i] * x[q]
                x[i] = (y[i] - acc) / L[i, i]
                finite = finite and math.isfinite(x[i])
            bad[s, c] = not finite
            lin = 0.0
            quad = 0.0
            for i in range(p):
                xi = max(x[i], 0.0)
                coef[s, c, i] = xi
                lin += xi * H[i]
            for i in range(p):
                acc = 0.0
                for j in range(p):
                    acc += G[i, j] * coef[s, c, j]
                quad += coef[s, c, i] * acc
            cost[s, c] = bb[s] - 2 * lin + quad
