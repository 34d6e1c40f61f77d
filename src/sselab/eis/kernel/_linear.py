"""The weighted arc columns and their small linear least squares, compiled: shared by the grid
search and its refinement (:mod:`._grid`) and the polish of the refined start (:mod:`._polish`)."""

from __future__ import annotations

import math

from numba import njit

from ._numba import _solve_overwriting


@njit(cache=True, error_model="numpy")
def _solve_cost(gram, h, bb, coef, work, p):
    """coef = max((gram + ridge)⁻¹ h, 0) (:func:`_solve_ridge`) and its cost
    bb − 2 coef·h + coefᵀ gram coef."""
    _solve_ridge(gram, h, coef, work, p)
    for i in range(p):
        coef[i] = max(coef[i], 0.0)
    quad = 0.0
    lin = 0.0
    for i in range(p):
        lin += coef[i] * h[i]
        for j in range(p):
            quad += coef[i] * gram[i, j] * coef[j]
    return bb - 2 * lin + quad


@njit(cache=True, error_model="numpy", fastmath={"reassoc"})
def _cross(colr, coli, cr, ci, br, bi, out, p):
    """out[i] = Re(c̄ol · c_i) for the p columns, then |col|² and Re(c̄ol · b) in out[p], out[p+1]
    (reductions reassociated: vectorised)."""
    N = colr.size
    for i in range(p):
        acc = 0.0
        for n in range(N):
            acc += colr[n] * cr[i, n] + coli[n] * ci[i, n]
        out[i] = acc
    acc = 0.0
    acc_h = 0.0
    for n in range(N):
        acc += colr[n] * colr[n] + coli[n] * coli[n]
        acc_h += colr[n] * br[n] + coli[n] * bi[n]
    out[p] = acc
    out[p + 1] = acc_h


@njit(cache=True, error_model="numpy", fastmath={"reassoc"})
def _column(power, weight, lt, nn, colr, coli):
    """The weighted arc column weight / (1 + (jωτ)^n), τ = e^lt, as real and imaginary parts,
    from ``power`` = ω^n: (ωτ)^n = ω^n·e^{n·lt} (one exponential per candidate, not per point;
    equal to e^{n(ln ω + lt)} to an ulp or two)."""
    cph = math.cos(0.5 * math.pi * nn)
    sph = math.sin(0.5 * math.pi * nn)
    scale = math.exp(nn * lt)
    for n in range(power.size):
        e = power[n] * scale
        re = 1.0 + e * cph
        im = e * sph
        d = weight[n] / (re * re + im * im)
        colr[n] = re * d
        coli[n] = -im * d


@njit(cache=True, error_model="numpy", fastmath={"reassoc"})
def _rdot(ar, ai, br, bi):
    """Re(ā · b) of complex vectors held as real and imaginary parts."""
    acc = 0.0
    for n in range(ar.size):
        acc += ar[n] * br[n] + ai[n] * bi[n]
    return acc


@njit(cache=True, error_model="numpy")
def _solve_ridge(gram, rhs, out, work, p):
    """out = (gram + ridge)⁻¹ rhs, the ridge 1e-12 of the trace (``work`` (p, p) takes the copy
    that is factored in place)."""
    tr = 0.0
    for i in range(p):
        tr += gram[i, i]
    for i in range(p):
        for j in range(p):
            work[i, j] = gram[i, j]
        work[i, i] += 1e-12 * tr
    _solve_overwriting(work, rhs, out)
