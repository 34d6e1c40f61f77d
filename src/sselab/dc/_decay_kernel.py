"""Compiled residuals and Jacobians of the decay models, for batched fits of many records.

:func:`sselab.dc.decay._residuals` evaluates ``r`` and ``J`` with a dozen numpy passes over
(rows, points) arrays, gathering each row's times and currents first; for a study's thousand
DC records that is about half of the fitting time.  These kernels do the same arithmetic —
the same operations on the same operands in the same order, elementwise, into arrays
allocated by numpy — in one compiled pass without the gathers, so the values are the numpy
ones bit for bit wherever numpy's ``exp``/``log``/``power`` are the C library's (every x86-64
CPU without AVX-512; tests/dc/test_decay_kernel.py compares them).  Only
:mod:`sselab.dc.decay` imports this module, and only for batches large enough to repay
importing numba.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit


@njit(cache=True, nogil=True, error_model="numpy")
def _exp_into(T, Y, rows, P, nexp, r, J):  # pragma: no cover - compiled
    b, m = r.shape
    for i in range(b):
        row = rows[i]
        c = P[i, 0]
        for j in range(m):
            t = T[row, j]
            ri = c - Y[row, j]
            J[i, j, 0] = 1.0
            for k in range(nexp):
                a = P[i, 1 + 2 * k]
                tau = P[i, 2 + 2 * k]
                e = math.exp(-t / tau)
                ri = ri + a * e
                J[i, j, 1 + 2 * k] = e
                J[i, j, 2 + 2 * k] = a * e * t / (tau * tau)
            r[i, j] = ri


@njit(cache=True, nogil=True, error_model="numpy")
def _power_into(T, Y, rows, P, r, J):  # pragma: no cover - compiled
    b, m = r.shape
    for i in range(b):
        row = rows[i]
        c = P[i, 0]
        a = P[i, 1]
        t0 = P[i, 2]
        p = P[i, 3]
        t02 = t0 * t0
        for j in range(m):
            t = T[row, j]
            base = 1.0 + t / t0
            g = base ** (-p)
            r[i, j] = c + a * g - Y[row, j]
            J[i, j, 0] = 1.0
            J[i, j, 1] = g
            J[i, j, 2] = a * p * g / base * t / t02
            J[i, j, 3] = -a * g * math.log(base)


def residuals(model: str, T: np.ndarray, Y: np.ndarray):
    """``fun(P, rows)`` of the engine, as :func:`sselab.dc.decay._residuals` (same values)."""
    T = np.ascontiguousarray(T, float)
    Y = np.ascontiguousarray(Y, float)
    m = T.shape[1]
    if model == "power":
        def fun(P: np.ndarray, rows: np.ndarray):
            P = np.ascontiguousarray(P, float)
            r = np.empty((P.shape[0], m))
            J = np.empty((P.shape[0], m, 4))
            _power_into(T, Y, np.ascontiguousarray(rows, np.int64), P, r, J)
            return r, J
        return fun
    nexp = 1 if model == "exp1" else 2

    def fun(P: np.ndarray, rows: np.ndarray):
        P = np.ascontiguousarray(P, float)
        r = np.empty((P.shape[0], m))
        J = np.empty((P.shape[0], m, 1 + 2 * nexp))
        _exp_into(T, Y, np.ascontiguousarray(rows, np.int64), P, nexp, r, J)
        return r, J
    return fun


def warm_up() -> None:
    """Load both kernels (from numba's cache, or compile them) for the argument types
    :func:`residuals` passes, so that the first batch of a process does not wait for it."""
    T = np.linspace(1.0, 2.0, 4).reshape(1, -1)
    rows = np.zeros(1, np.int64)
    for model, k in (("exp2", 5), ("power", 4)):
        residuals(model, T, T)(np.ones((1, k)), rows)
