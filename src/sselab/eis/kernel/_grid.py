"""The grid search of the automatic starts and their off-grid refinement
(:func:`sselab.eis.initial_grid.search`, :func:`~sselab.eis.initial_grid.refine`), compiled: the
same candidates, the same weighted linear solves and the same choice of the best, one spectrum
per row, rows in parallel.  Imported only when the kernel is chosen."""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from ._linear import _column, _cross, _rdot, _solve_cost
from ._numba import _exp, _exp_into
from ._polish import _polish


@njit(cache=True, error_model="numpy")
def _refine_row(s, log_w, weight, b, bb, cols, first, capacitor, tau, ns, decades, exps, sweeps, coef_out, polish):
    """Refine row s (see :func:`refine_rows`)."""
    _, N, p = cols.shape
    k = tau.shape[1]
    T, E = decades.size, exps.size
    cr = np.empty((p, N))
    ci = np.empty((p, N))
    for i in range(p):
        for n in range(N):
            cr[i, n] = cols[s, n, i].real
            ci[i, n] = cols[s, n, i].imag
    br = b[s].real.copy()
    bi = b[s].imag.copy()
    w_s = weight[s].copy()
    gram = np.empty((p, p))
    h = np.empty(p)
    for i in range(p):
        h[i] = _rdot(cr[i], ci[i], br, bi)
        for j in range(p):
            gram[i, j] = _rdot(cr[i], ci[i], cr[j], ci[j])
    work = np.empty((p, p))
    coef = np.empty(p)
    cost = _solve_cost(gram, h, bb[s], coef, work, p)
    g2 = np.empty((p, p))
    h2 = np.empty(p)
    cc = np.empty(p)
    cross = np.empty(p + 2)
    colr = np.empty(N)
    coli = np.empty(N)
    best_r = np.empty(N)
    best_i = np.empty(N)
    best_coef = np.empty(p)
    power = np.empty((E, N))
    for _ in range(sweeps):
        for j in range(k):
            jj = first + j
            best_cost = math.inf
            saw_nan = False
            best_t = 0.0
            best_n = 0.0
            for e in range(E):  # ω^n of each candidate exponent, for every τ
                nn = 1.0 if capacitor[j] else min(max(ns[s, j] + exps[e], 0.5), 1.0)
                if _exp_into(nn, log_w, power[e]):  # beyond the kernel exponential's range: libm
                    for n in range(N):
                        power[e, n] = _exp(nn * log_w[n])
            for t in range(T):
                tt = tau[s, j] * 10.0 ** decades[t]
                lt = math.log(tt)
                for e in range(E):
                    nn = 1.0 if capacitor[j] else min(max(ns[s, j] + exps[e], 0.5), 1.0)
                    _column(power[e], w_s, lt, nn, colr, coli)
                    _cross(colr, coli, cr, ci, br, bi, cross, p)
                    g2[:, :] = gram
                    h2[:] = h
                    for i in range(p):
                        g2[jj, i] = cross[i]
                        g2[i, jj] = cross[i]
                    g2[jj, jj] = cross[p]
                    h2[jj] = cross[p + 1]
                    cost_c = _solve_cost(g2, h2, bb[s], cc, work, p)
                    saw_nan = saw_nan or math.isnan(cost_c)
                    if cost_c < best_cost:  # the first of equal costs, as argmin
                        best_cost = cost_c
                        best_t = tt
                        best_n = nn
                        best_coef[:] = cc
                        best_r[:] = colr
                        best_i[:] = coli
            if best_cost < cost and not saw_nan:  # argmin would have picked the NaN: no move
                tau[s, j] = best_t
                ns[s, j] = best_n
                coef[:] = best_coef
                cost = best_cost
                cr[jj, :] = best_r
                ci[jj, :] = best_i
                # the Gram and right-hand side of the new column, for the next arc
                for i in range(p):
                    acc = _rdot(cr[i], ci[i], cr[jj], ci[jj])
                    gram[i, jj] = acc
                    gram[jj, i] = acc
                h[jj] = _rdot(cr[jj], ci[jj], br, bi)
    if polish > 0 and k > 0:
        _polish(log_w, w_s, br, bi, bb[s], cr, ci, gram, coef, cost, first, capacitor, tau[s], ns[s], polish)
    coef_out[s] = coef


@njit(cache=True, parallel=True, error_model="numpy")
def refine_rows(log_w, weight, b, bb, cols, first, capacitor, tau, ns, decades, exps, sweeps, coef_out,
                polish):
    """Refine every row in place: ``tau``, ``ns`` (S, k) and the coefficients ``coef_out`` (S, p),
    then polish it (:func:`._polish._polish`, at most ``polish`` trial points; 0 for none); rows
    in parallel on numba's threads."""
    for s in prange(cols.shape[0]):
        _refine_row(s, log_w, weight, b, bb, cols, first, capacitor, tau, ns, decades, exps, sweeps, coef_out, polish)


@njit(cache=True, nogil=True, error_model="numpy")
def refine_rows_serial(log_w, weight, b, bb, cols, first, capacitor, tau, ns, decades, exps, sweeps, coef_out,
                       polish):
    """:func:`refine_rows` in the calling thread."""
    for s in range(cols.shape[0]):
        _refine_row(s, log_w, weight, b, bb, cols, first, capacitor, tau, ns, decades, exps, sweeps, coef_out, polish)


@njit(cache=True, parallel=True, error_model="numpy")
def score_rows(gram, h, bb, idx, coef, cost, bad):
    """The grid's linear sub-problems compiled (:func:`sselab.eis.initial_grid.score`): for every
    spectrum s and combination c the normal equations gram[s][idx[c]][:, idx[c]] (+ 1e-12·trace
    ridge) solved by Cholesky into ``coef`` (S, K, p), clipped at 0, and the cost
    bb − 2 coef·h + coefᵀ G coef into ``cost`` (S, K); ``bad`` (S, K) marks a broken-down
    factorisation (numpy then solves those by least squares, as the reference does)."""
    for s in prange(gram.shape[0]):
        _score_row(s, gram, h, bb, idx, coef, cost, bad)


@njit(cache=True, nogil=True, error_model="numpy")
def score_rows_serial(gram, h, bb, idx, coef, cost, bad):
    """:func:`score_rows` in the calling thread."""
    for s in range(gram.shape[0]):
        _score_row(s, gram, h, bb, idx, coef, cost, bad)


@njit(cache=True, error_model="numpy")
def _score_row(s, gram, h, bb, idx, coef, cost, bad):
    """Score row s (see :func:`score_rows`)."""
    _score_one(gram[s], h[s], bb[s], idx, coef[s], cost[s], bad[s])


@njit(cache=True, error_model="numpy")
def _score_one(gram, h, bb, idx, coef, cost, bad):
    """One spectrum's combinations scored: Gram ``gram`` (C, C), right-hand side ``h`` (C,), bb;
    ``coef`` (K, p), ``cost`` (K,), ``bad`` (K,) filled (see :func:`score_rows`)."""
    K, p = idx.shape
    if p == 3:  # the common case (a resistor and two arcs, or one arc and two tails), written out
        _score_three(gram, h, bb, idx, coef, cost, bad)
        return
    G = np.empty((p, p))
    L = np.zeros((p, p))
    H = np.empty(p)
    y = np.empty(p)
    x = np.empty(p)
    for c in range(K):
        tr = 0.0
        for i in range(p):
            H[i] = h[idx[c, i]]
            for j in range(p):
                G[i, j] = gram[idx[c, i], idx[c, j]]
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
        bad[c] = not finite
        lin = 0.0
        quad = 0.0
        for i in range(p):
            xi = max(x[i], 0.0)
            coef[c, i] = xi
            lin += xi * H[i]
        for i in range(p):
            acc = 0.0
            for j in range(p):
                acc += G[i, j] * coef[c, j]
            quad += coef[c, i] * acc
        cost[c] = bb - 2 * lin + quad


@njit(cache=True, error_model="numpy")
def _score_three(gram, h, bb, idx, coef, cost, bad):
    """:func:`_score_one` for three columns, the same operations in the same order (bit for bit
    its results: the loops' ``0.0 +`` starts kept), without the loop and temporary overhead.

    Each combination's Gram entries and right-hand side are gathered first into rows (one per
    entry, a column per combination), so that the solves, straight-line code over contiguous
    rows, run several combinations per vector instruction (square roots and divisions included):
    306 combinations of a two-arc design 16.1 → 7.8 µs, bit for bit the same."""
    K = idx.shape[0]
    G = np.empty((12, K))
    for c in range(K):
        a, b, e = idx[c, 0], idx[c, 1], idx[c, 2]
        G[0, c], G[1, c], G[2, c] = gram[a, a], gram[a, b], gram[a, e]
        G[3, c], G[4, c], G[5, c] = gram[b, a], gram[b, b], gram[b, e]
        G[6, c], G[7, c], G[8, c] = gram[e, a], gram[e, b], gram[e, e]
        G[9, c], G[10, c], G[11, c] = h[a], h[b], h[e]
    X = np.empty((3, K))
    for c in range(K):
        g00, g01, g02 = G[0, c], G[1, c], G[2, c]
        g10, g11, g12 = G[3, c], G[4, c], G[5, c]
        g20, g21, g22 = G[6, c], G[7, c], G[8, c]
        h0, h1, h2 = G[9, c], G[10, c], G[11, c]
        ridge = 1e-12 * (((0.0 + g00) + g11) + g22)
        d0 = g00 + ridge - 0.0
        l00 = math.sqrt(d0) if d0 >= 0 else math.nan
        l10 = (g10 - 0.0) / l00
        l20 = (g20 - 0.0) / l00
        d1 = g11 + ridge - (0.0 + l10 * l10)
        l11 = math.sqrt(d1) if d1 >= 0 else math.nan
        l21 = (g21 - (0.0 + l20 * l10)) / l11
        d2 = g22 + ridge - ((0.0 + l20 * l20) + l21 * l21)
        l22 = math.sqrt(d2) if d2 >= 0 else math.nan
        y0 = (h0 - 0.0) / l00
        y1 = (h1 - (0.0 + l10 * y0)) / l11
        y2 = (h2 - ((0.0 + l20 * y0) + l21 * y1)) / l22
        x2 = (y2 - 0.0) / l22
        x1 = (y1 - (0.0 + l21 * x2)) / l11
        x0 = (y0 - ((0.0 + l10 * x1) + l20 * x2)) / l00
        bad[c] = not (math.isfinite(x2) & math.isfinite(x1) & math.isfinite(x0))  # no branches: vectorised
        c0, c1, c2 = max(x0, 0.0), max(x1, 0.0), max(x2, 0.0)
        X[0, c], X[1, c], X[2, c] = c0, c1, c2
        lin = ((0.0 + c0 * h0) + c1 * h1) + c2 * h2
        quad = 0.0 + c0 * (((0.0 + g00 * c0) + g01 * c1) + g02 * c2)
        quad += c1 * (((0.0 + g10 * c0) + g11 * c1) + g12 * c2)
        quad += c2 * (((0.0 + g20 * c0) + g21 * c1) + g22 * c2)
        cost[c] = bb - 2 * lin + quad
    for c in range(K):
        coef[c, 0], coef[c, 1], coef[c, 2] = X[0, c], X[1, c], X[2, c]


@njit(cache=True, error_model="numpy")
def _search_row(s, outer, pi, pj, w2, zr, zi, cols_r, cols_i, cols_c, idx, tau_index, combo_n, grid, log_w, first,
                capacitor, decades, exps, sweeps, coef, cost, bad, best, weight, b, bb, cols, tau, ns, coef_best,
                polish):
    """Row s of :func:`search_rows`."""
    N, C = cols_c.shape
    # the used pairs' Gram entries Σₙ w²ₙ Re(c̄ᵢcⱼ)ₙ, summed point by point in order (each entry;
    # vectorised across the entries): numpy's einsum sums them in this order too
    # (initial_grid.score), and neither depends on the other spectra of the batch, as one BLAS
    # product over all of them did
    used = np.zeros(pi.size)
    n = 0
    while n + 4 <= N:  # four points per pass over the entries, added one after the other (the same order)
        w_a, w_b, w_c, w_d = w2[s, n], w2[s, n + 1], w2[s, n + 2], w2[s, n + 3]
        for q in range(pi.size):
            acc = used[q] + w_a * outer[n, q]
            acc = acc + w_b * outer[n + 1, q]
            acc = acc + w_c * outer[n + 2, q]
            used[q] = acc + w_d * outer[n + 3, q]
        n += 4
    while n < N:
        wn = w2[s, n]
        for q in range(pi.size):
            used[q] += wn * outer[n, q]
        n += 1
    gram = np.zeros((C, C))
    for q in range(pi.size):
        gram[pi[q], pj[q]] = used[q]
        gram[pj[q], pi[q]] = used[q]
    # Re(Σ w² c̄ z) as numpy's matmul of the strided .real/.imag views sums it: each column's two
    # sums in point order, the columns side by side (contiguous in cols_r, cols_i rows: vectorised
    # across columns, the same additions in the same order as a loop per column)
    h = np.zeros(C)  # the real parts' sums, then h
    acc_i = np.zeros(C)
    for n in range(N):
        wz_r = w2[s, n] * zr[s, n]
        wz_i = w2[s, n] * zi[s, n]
        for c in range(C):
            h[c] += wz_r * cols_r[n, c]
            acc_i[c] += wz_i * cols_i[n, c]
    for c in range(C):
        h[c] += acc_i[c]
    _score_one(gram, h, float(N), idx, coef[s], cost[s], bad[s])
    K, p = idx.shape
    for c in range(K):
        if bad[s, c]:  # numpy replaces it by least squares first: the caller refines this row
            best[s] = -1
            return
    j = 0
    for c in range(K):
        if cost[s, c] != cost[s, c]:  # argmin stops at the first NaN
            j = c
            break
        if cost[s, c] < cost[s, j]:
            j = c
    best[s] = j
    for n in range(N):
        for i in range(p):
            z = cols_c[n, idx[j, i]]
            cols[s, n, i] = complex(z.real * weight[s, n], z.imag * weight[s, n])
    for a in range(tau_index.shape[1]):
        tau[s, a] = grid[tau_index[j, a]]
        ns[s, a] = 1.0 if capacitor[a] else combo_n[j]
    _refine_row(s, log_w, weight, b, bb, cols, first, capacitor, tau, ns, decades, exps, sweeps, coef_best, polish)


@njit(cache=True, parallel=True, error_model="numpy")
def search_rows(outer, pi, pj, w2, zr, zi, cols_r, cols_i, cols_c, idx, tau_index, combo_n, grid, log_w, first, capacitor,
                decades, exps, sweeps, coef, cost, bad, best, weight, b, bb, cols, tau, ns, coef_best,
                polish):
    """The grid search in one call, rows on numba's threads: per spectrum s the Gram matrix from
    the used pairs' entries Σₙ w²[s, n]·``outer``[n, q] (at ``pi``, ``pj`` and mirrored, the rest
    0) and the right-hand side from the squared weights ``w2`` (S, N), the data ``zr``, ``zi``
    (S, N) and the design's columns (N, C), every combination scored (:func:`score_rows`:
    ``coef``, ``cost``, ``bad``), the best (``best``; −1 where a factorisation broke down: the
    caller redoes that row as the reference does) refined and polished off the grid
    (:func:`refine_rows` with the weighted columns ``cols`` of that combination from ``cols_c``
    (N, C): ``tau``, ``ns``, ``coef_best``)."""
    for s in prange(w2.shape[0]):
        _search_row(s, outer, pi, pj, w2, zr, zi, cols_r, cols_i, cols_c, idx, tau_index, combo_n, grid, log_w, first,
                    capacitor, decades, exps, sweeps, coef, cost, bad, best, weight, b, bb, cols, tau, ns, coef_best,
                    polish)


@njit(cache=True, nogil=True, error_model="numpy")
def search_rows_serial(outer, pi, pj, w2, zr, zi, cols_r, cols_i, cols_c, idx, tau_index, combo_n, grid, log_w, first,
                       capacitor, decades, exps, sweeps, coef, cost, bad, best, weight, b, bb, cols, tau, ns, coef_best,
                       polish):
    """:func:`search_rows` in the calling thread."""
    for s in range(w2.shape[0]):
        _search_row(s, outer, pi, pj, w2, zr, zi, cols_r, cols_i, cols_c, idx, tau_index, combo_n, grid, log_w, first,
                    capacitor, decades, exps, sweeps, coef, cost, bad, best, weight, b, bb, cols, tau, ns, coef_best,
                    polish)


@njit(cache=True, nogil=True, error_model="numpy")
def gather_rows(coef, cost, tops, coefs, costs):
    """coefs[s, j] = coef[s, tops[s, j]] and costs[s, j] = cost[s, tops[s, j]] (numpy's
    ``coef[rows, tops]``) without the fancy-indexing temporaries."""
    for s in range(tops.shape[0]):
        for j in range(tops.shape[1]):
            t = tops[s, j]
            costs[s, j] = cost[s, t]
            for i in range(coef.shape[2]):
                coefs[s, j, i] = coef[s, t, i]


@njit(cache=True, nogil=True, error_model="numpy")
def pick_rows(combo, positions, keys, picks):
    """The extra-start picks of :func:`sselab.eis.initial_assemble.select_many`, one spectrum
    per row: ``combo`` (S, K) its combinations in score order, ``positions`` (all, k) their
    log10 τ, ``keys`` (all,) their arc placements; ``picks`` (S, n) (−1 on entry) receives
    positions in score order: first the best of each of the first ⌈n/2⌉ distinct placements,
    then (when there were that many) each next combination after the last pick whose arcs are
    a decade or more from every pick (max |Δ log10 τ| ≥ 1), until none is left."""
    S, K = combo.shape
    n = picks.shape[1]
    n_best = (n + 1) // 2
    k = positions.shape[1]
    for s in range(S):
        count = 0
        for j in range(K):  # first occurrences of distinct placements, in score order
            if count == n_best:
                break
            key = keys[combo[s, j]]
            seen = False
            for q in range(count):
                if keys[combo[s, picks[s, q]]] == key:
                    seen = True
                    break
            if not seen:
                picks[s, count] = j
                count += 1
        if k == 0 or count < n_best:
            continue
        after = picks[s, n_best - 1] + 1
        while count < n and after < K:
            hit = -1
            for j in range(after, K):
                far = True
                for q in range(count):
                    gap = 0.0
                    for a in range(k):
                        g = abs(positions[combo[s, j], a] - positions[combo[s, picks[s, q]], a])
                        if g > gap:
                            gap = g
                    if not gap >= 1.0:
                        far = False
                        break
                if far:
                    hit = j
                    break
            if hit < 0:
                break
            picks[s, count] = hit
            count += 1
            after = hit + 1
