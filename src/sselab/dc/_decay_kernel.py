"""Compiled residuals, Jacobians and Levenberg–Marquardt iteration of the decay models, for
batched fits of many records.

:func:`sselab.dc.decay._residuals` evaluates ``r`` and ``J`` with a dozen numpy passes over
(rows, points) arrays, gathering each row's times and currents first.  :func:`_row` does the same
arithmetic — the same operations on the same operands in the same order, elementwise — in one
compiled pass without the gathers, so the values are the numpy ones bit for bit wherever
numpy's ``exp``/``log``/``power`` are the C library's (every x86-64 CPU without AVX-512;
tests/dc/test_decay_kernel.py compares them): :func:`residuals` for the engine's final pass.

:func:`iterate` runs the whole iteration compiled, one start after another: the circuits'
:func:`sselab.eis.kernel._lm._lm_row` (the numpy solver's steps, so the same statuses and χ² to
rounding; parameters within ~1e-9 on determined fits) on this module's :func:`_decay_residuals`
— the numpy engine's wrapper (p(u), ∂r/∂p · dp/du) with the compiled transforms of
:mod:`sselab.eis.kernel._numba` (tanh, exp: the C library's rather than numpy's, the last bit
may differ).  On the 1,000 decays of the scale study it takes the fits' iteration from ~6.9 to
~1.9 s of CPU (benchmarks/RESULTS.md, "decaylm").  Only :mod:`sselab.dc.decay` imports this
module, and only for batches large enough to repay importing numba.
"""

from __future__ import annotations

import math
from collections import namedtuple
from pathlib import Path

import numpy as np
from numba import njit

from ..eis.kernel import _lm, _numba
from ..eis.kernel._lm import _lm_row, register
from ..eis.kernel._numba import _copy, _to_p
from ..fitting import levenberg_marquardt as lm

# this module's cached code inlines _lm.py's iteration and _numba.py's solves and transforms
_numba.drop_stale_caches(Path(__file__), (Path(_numba.__file__), Path(_lm.__file__)), ("_decay_kernel",),
                         "sselab_decay_kernel.stamp")


@njit(cache=True, nogil=True, error_model="numpy")
def _row(t, y, P, nexp, r, Jt):  # pragma: no cover - compiled
    """r = the model at the parameters P minus y, and Jt[j] = ∂r/∂P[j] (n, m: transposed, any
    layout), of one record with times t: exp1/exp2 with ``nexp`` = 1/2, the power law with 0."""
    if nexp == 0:
        c = P[0]
        a = P[1]
        t0 = P[2]
        p = P[3]
        t02 = t0 * t0
        for j in range(r.size):
            tj = t[j]
            base = 1.0 + tj / t0
            g = base ** (-p)
            r[j] = c + a * g - y[j]
            Jt[0, j] = 1.0
            Jt[1, j] = g
            Jt[2, j] = a * p * g / base * tj / t02
            Jt[3, j] = -a * g * math.log(base)
        return
    c = P[0]
    for j in range(r.size):
        tj = t[j]
        ri = c - y[j]
        Jt[0, j] = 1.0
        for k in range(nexp):
            a = P[1 + 2 * k]
            tau = P[2 + 2 * k]
            e = math.exp(-tj / tau)
            ri = ri + a * e
            Jt[1 + 2 * k, j] = e
            Jt[2 + 2 * k, j] = a * e * tj / (tau * tau)
        r[j] = ri


@njit(cache=True, nogil=True, error_model="numpy")
def _rows_into(T, Y, rows, P, nexp, r, J):  # pragma: no cover - compiled
    """r[i] and J[i] (m, n) of parameter row P[i] on record rows[i] (:func:`_row`)."""
    for i in range(r.shape[0]):
        _row(T[rows[i]], Y[rows[i]], P[i], nexp, r[i], J[i].T)


def _nexp(model: str) -> int:
    """:func:`_row`'s model code: exponentials of ``model``, 0 for the power law."""
    return {"exp1": 1, "exp2": 2, "power": 0}[model]


def residuals(model: str, T: np.ndarray, Y: np.ndarray):
    """``fun(P, rows)`` of the engine, as :func:`sselab.dc.decay._residuals` (same values)."""
    T = np.ascontiguousarray(T, float)
    Y = np.ascontiguousarray(Y, float)
    m = T.shape[1]
    nexp = _nexp(model)
    n = 1 + 2 * nexp if nexp else 4

    def fun(P: np.ndarray, rows: np.ndarray):
        P = np.ascontiguousarray(P, float)
        r = np.empty((P.shape[0], m))
        J = np.empty((P.shape[0], m, n))
        _rows_into(T, Y, np.ascontiguousarray(rows, np.int64), P, nexp, r, J)
        return r, J
    return fun


#: one decay problem of :func:`lm_rows`: its record, its parameters and scratch
_Decay = namedtuple("_Decay", ("t", "y", "nexp", "base", "free", "kind", "ta", "tb", "P", "dpdu", "Jp"))


@njit(cache=True, nogil=True, error_model="numpy")
def _decay_residuals(d, x, r, J):  # pragma: no cover - compiled
    """r and J = ∂r/∂u (k, m) at u = x, as the engine's wrapper of :func:`sselab.dc.decay._residuals`
    computes them: P = base with the free parameters p(x), J = ∂r/∂p · dp/du."""
    _copy(d.P, d.base)
    for j in range(d.free.size):
        d.P[d.free[j]], d.dpdu[j] = _to_p(d.kind[j], d.ta[j], d.tb[j], x[j])
    _row(d.t, d.y, d.P, d.nexp, r, d.Jp)
    for j in range(d.free.size):
        src = d.Jp[d.free[j]]
        f = d.dpdu[j]
        for i in range(r.size):
            J[j, i] = src[i] * f


@njit(cache=True, nogil=True, error_model="numpy")
def _decay_finish(d, x, fresh, r, r_spare, J_spare, res, jac):  # pragma: no cover - compiled
    """Nothing kept: the engine evaluates the kept rows again (:func:`sselab.fitting.engine._final_arrays`)."""


register(_Decay, _decay_residuals, _decay_finish)


@njit(cache=True, nogil=True, error_model="numpy")
def lm_rows(T, Y, nexp, base, free, kind, ta, tb, x, max_iter, ftol, xtol, gtol, stol, lam0, window, cost, status,
            n_iter):  # pragma: no cover - compiled
    """Every row b of ``x`` (B, k) fitted in place to record b of T, Y from the clipped start
    base[b] (:func:`sselab.eis.kernel._lm._lm_row`, the numpy solver's iteration step for step)."""
    m = T.shape[1]
    n = base.shape[1]
    P = np.empty(n)
    dpdu = np.empty(free.size)
    Jp = np.empty((n, m))
    none1 = np.empty(0)
    none2 = np.empty((0, 0))
    for b in range(x.shape[0]):
        d = _Decay(T[b], Y[b], nexp, base[b], free, kind, ta, tb, P, dpdu, Jp)
        c, s, it = _lm_row(d, x[b], m, max_iter, ftol, xtol, gtol, stol, lam0, window, none1, none2)
        cost[b] = c
        status[b] = s
        n_iter[b] = it


def iterate(model: str, T: np.ndarray, Y: np.ndarray):
    """The engine's ``iterate`` (:data:`sselab.fitting.engine.Iterate`) for the decays whose
    records are the rows of ``T`` and ``Y``, one per start: :func:`lm_rows`, with the numpy
    solver's defaults for what the engine does not pass (gtol 1e-12, λ₀ 1e-3)."""
    T = np.ascontiguousarray(T, float)
    Y = np.ascontiguousarray(Y, float)

    def run(base, u0, transform, free, max_iter, ftol, xtol, stol, window) -> lm.Outcome:
        x = np.array(u0, float, order="C")
        B = x.shape[0]
        cost = np.empty(B)
        status = np.zeros(B, np.int64)
        n_iter = np.zeros(B, np.int64)
        lm_rows(T, Y, _nexp(model), np.ascontiguousarray(base, float), np.flatnonzero(free).astype(np.int64),
                transform.kind.astype(np.int64), transform.a, transform.b, x, max_iter, ftol, xtol, 1e-12, stol,
                1e-3, window, cost, status, n_iter)
        return lm.Outcome(x, cost, np.empty((B, 0)), np.empty((B, 0, 0)), status, n_iter,
                          int(n_iter.max(initial=0)) + 1)
    return run


def warm_up() -> None:
    """Load the kernels (from numba's cache, or compile them) for the argument types
    :func:`residuals` and :func:`iterate` pass, so that the first batch of a process does not
    wait for it."""
    from ..fitting.transforms import transform_for
    from .decay import _problem

    t = np.linspace(1.0, 2.0, 8)
    T = t.reshape(1, -1)
    rows = np.zeros(1, np.int64)
    _, params, starts = _problem("exp2", t, t, np.ones((1, 5)))
    residuals("exp2", T, T)(starts, rows)
    transform = transform_for(params)
    iterate("exp2", T, T)(starts, transform.to_u(starts), transform, params.free_mask, 1, 0.0, 0.0, 0.0, 0)
