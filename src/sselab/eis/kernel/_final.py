"""The kept fits' final state, compiled: weighted residuals and Jacobian at the solution, and
their covariances (the numpy engine's column-scaled SVD, row by row).  Imported only when the
kernel is chosen (:mod:`sselab.eis.kernel.dispatch`)."""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from ._numba import _circuit


@njit(cache=True, error_model="numpy")
def weighted_batch(ops, depth, w, zr, zi, wr, wi, data_row, P, r, J):
    """Weighted residuals r (B, 2N) and their Jacobian ∂r/∂p J (B, 2N, n) of parameter rows ``P``
    (B, n) against spectrum ``data_row[b]`` (what :class:`sselab.eis.fit._Model` returns)."""
    N = w.shape[1]
    n = P.shape[1]
    zs = np.empty((depth, N), np.complex128)
    lo = np.empty(depth, np.int64)
    hi = np.empty(depth, np.int64)
    dz = np.zeros((n, N), np.complex128)
    for b in range(P.shape[0]):
        d = data_row[b]
        _circuit(ops, w[d], np.log(w[d]), P[b], zs, lo, hi, dz)
        for i in range(N):
            r[b, i] = (zs[0, i].real - zr[d, i]) * wr[d, i]
            r[b, N + i] = (zs[0, i].imag - zi[d, i]) * wi[d, i]
            for j in range(n):
                J[b, i, j] = dz[j, i].real * wr[d, i]
                J[b, N + i, j] = dz[j, i].imag * wi[d, i]


@njit(cache=True, error_model="numpy")
def covariance_rows(Jf, chi2, scale, cov, weak, finite):
    """The covariances of :func:`sselab.fitting.engine._covariances`, row by row: ``cov`` (R, k, k)
    from the free-parameter Jacobians ``Jf`` (R, m, k) by the SVD of the column-scaled
    Jacobian (singular values below max·max(m, k)·eps dropped), scaled by χ²/(m − k) when
    ``scale``; ``weak`` (R, k) marks the parameter each dropped direction loads most (its rows
    and columns NaN), ``finite`` (R,) False where the scaled Jacobian is not finite."""
    R, m, k = Jf.shape
    eps = np.finfo(np.float64).eps
    for r in range(R):
        col = np.empty(k)
        for j in range(k):
            acc = 0.0
            for i in range(m):
                acc += Jf[r, i, j] * Jf[r, i, j]
            col[j] = math.sqrt(acc)
        safe = np.where(col > 0, col, 1.0)
        Js = np.empty((m, k))
        ok = True
        for i in range(m):
            for j in range(k):
                v = Jf[r, i, j] / safe[j]
                Js[i, j] = v
                ok = ok and math.isfinite(v)
        finite[r] = ok
        if not ok:
            continue
        _, sv, Vt = np.linalg.svd(Js, full_matrices=False)
        tol = sv.max() * max(m, k) * eps
        f = chi2[r] / max(m - k, 1) if scale else 1.0
        for a in range(k):
            for b in range(k):
                acc = 0.0
                for q in range(sv.size):
                    if sv[q] > tol:
                        acc += Vt[q, a] * (1.0 / sv[q] ** 2) * Vt[q, b]
                cov[r, a, b] = acc / (safe[a] * safe[b]) * f
        for q in range(sv.size):
            if not sv[q] > tol:
                best = 0
                for a in range(k):
                    if abs(Vt[q, a]) > abs(Vt[q, best]):
                        best = a
                weak[r, best] = True
        for a in range(k):
            if weak[r, a] or col[a] == 0:
                for b in range(k):
                    cov[r, a, b] = np.nan
                    cov[r, b, a] = np.nan
