"""The kept fits' final state, compiled: weighted residuals and Jacobian at the solution, and
their covariances (by the Cholesky factor of the column-scaled Gram matrix where its 1-norm
condition number is at most :data:`GRAM_COND_MAX`, else the numpy engine's column-scaled SVD; row
by row).  Imported only when the kernel is chosen (:mod:`sselab.eis.kernel.dispatch`)."""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from ._numba import _circuit, _dot


#: the largest 1-norm condition number of the column-scaled Gram matrix JsᵀJs for which
#: :func:`_covariance` inverts it by its Cholesky factor instead of taking the SVD of Js: the
#: inverse is then within ~cond·(k + √m)·eps of the SVD's (relative to √(CᵢᵢCⱼⱼ); measured near
#: the threshold: 3e-10 for m = 200 residuals, 1e-9 for 2,000, 2.5e-9 for 8,000), and a
#: direction the SVD would drop (singular value below max·max(m, k)·eps, i.e. cond ≳ 1e26) is
#: never this well conditioned, so what is reported undetermined is the SVD's decision alone.
#: 200×7 Jacobians: 6.6× less time per covariance (2.1 vs 14 ms per 300).  Compiled into the
#: cached machine code as a constant: changing it at run time changes nothing
GRAM_COND_MAX = 1e6


@njit(cache=True, error_model="numpy")
def _gram_covariance(JT, col, f, cov):
    """``cov`` = f · (JᵀJ)⁻¹ from the transposed free-parameter Jacobian ``JT`` (k, m) through the
    Cholesky factor of the column-scaled Gram matrix, when
    every column norm ``col`` is positive and finite and that matrix is positive definite with a
    1-norm condition number at most :data:`GRAM_COND_MAX`; else False (``cov`` then garbage, to
    be overwritten by the SVD path)."""
    k = JT.shape[0]
    for j in range(k):
        if not (col[j] > 0 and math.isfinite(col[j])):
            return False
    G = np.empty((k, k))
    for a in range(k):  # rows of JT are contiguous: 1.0 µs for a 7 × 200 Jacobian's norms and Gram, 6.0 strided
        for b in range(a, k):
            G[a, b] = _dot(JT[a], JT[b]) / (col[a] * col[b])
            G[b, a] = G[a, b]
    L = np.zeros((k, k))
    for j in range(k):
        s = G[j, j]
        for q in range(j):
            s -= L[j, q] * L[j, q]
        if not s > 0:  # not positive definite (or NaN)
            return False
        L[j, j] = math.sqrt(s)
        for i in range(j + 1, k):
            s = G[i, j]
            for q in range(j):
                s -= L[i, q] * L[j, q]
            L[i, j] = s / L[j, j]
    Li = np.zeros((k, k))  # L⁻¹, lower triangular
    for j in range(k):
        Li[j, j] = 1.0 / L[j, j]
        for i in range(j + 1, k):
            s = 0.0
            for q in range(j, i):
                s -= L[i, q] * Li[q, j]
            Li[i, j] = s / L[i, i]
    norm_g = 0.0
    norm_inv = 0.0
    for b in range(k):  # G⁻¹ = L⁻ᵀ L⁻¹, and both matrices' largest column sums
        sg = 0.0
        si = 0.0
        for a in range(k):
            acc = 0.0
            for q in range(max(a, b), k):
                acc += Li[q, a] * Li[q, b]
            cov[a, b] = acc
            si += abs(acc)
            sg += abs(G[a, b])
        norm_g = max(norm_g, sg)
        norm_inv = max(norm_inv, si)
    if not norm_g * norm_inv <= GRAM_COND_MAX:
        return False
    for a in range(k):
        for b in range(k):
            cov[a, b] = cov[a, b] / (col[a] * col[b]) * f
    return True


@njit(cache=True, error_model="numpy")
def _covariance(JT, chi2, scale, cov, weak):
    """One problem's covariance, :func:`sselab.fitting.engine._covariances` for one row: ``cov``
    (k, k) from the free-parameter Jacobian, given transposed as ``JT`` (k, m), by the SVD of the
    column-scaled Jacobian (singular values below max·max(m, k)·eps dropped), scaled by χ²/(m − k) when
    ``scale``; ``weak`` (k,) marks the parameter each dropped direction loads most (its rows and
    columns NaN).  False when the scaled Jacobian is not finite (``cov`` then untouched).
    A well-conditioned Jacobian takes the Cholesky factor of its Gram matrix instead of the SVD
    (:func:`_gram_covariance`, the same covariance to ~2e-9 relative, no direction dropped)."""
    k, m = JT.shape
    eps = np.finfo(np.float64).eps
    col = np.empty(k)
    for j in range(k):
        col[j] = math.sqrt(_dot(JT[j], JT[j]))
    f = chi2 / max(m - k, 1) if scale else 1.0
    if _gram_covariance(JT, col, f, cov):
        return True
    for j in range(k):  # the norms summed in order, as the engine's: the SVD below sees its scaled Jacobian bit
        acc = 0.0       # for bit (where two parameters load a dropped direction equally, rounding names one)
        for i in range(m):
            acc += JT[j, i] * JT[j, i]
        col[j] = math.sqrt(acc)
    safe = np.where(col > 0, col, 1.0)
    Js = np.empty((m, k))
    for j in range(k):
        for i in range(m):
            v = JT[j, i] / safe[j]
            if not math.isfinite(v):
                return False
            Js[i, j] = v
    # the SVD of Js itself, as the engine's: an SVD of its QR triangle is cheaper but rounds
    # differently, and where two parameters load a singular direction equally (a collapsed
    # resistor in series with another) rounding picks the one reported undetermined
    _, sv, Vt = np.linalg.svd(Js, full_matrices=False)
    tol = sv.max() * max(m, k) * eps
    for a in range(k):
        for b in range(k):
            acc = 0.0
            for q in range(sv.size):
                if sv[q] > tol:
                    acc += Vt[q, a] * (1.0 / sv[q] ** 2) * Vt[q, b]
            cov[a, b] = acc / (safe[a] * safe[b]) * f
    for q in range(sv.size):
        if not sv[q] > tol:
            best = 0
            for a in range(k):
                if abs(Vt[q, a]) > abs(Vt[q, best]):
                    best = a
            weak[best] = True
    for a in range(k):
        if weak[a] or col[a] == 0:
            for b in range(k):
                cov[a, b] = np.nan
                cov[b, a] = np.nan
    return True


@njit(cache=True, nogil=True, error_model="numpy")
def final_rows(ops, depth, w, zr, zi, wr, wi, data_row, P, free, scale, r, chi2, cov, weak, finite):
    """The kept fits' final state in one pass: weighted residuals ``r`` (B, 2N) at parameter rows
    ``P`` (B, n) against spectrum ``data_row[b]``, χ² = r·r, and the covariance of the free
    parameters ``free`` as :func:`_covariance` (the Jacobian never stored for the batch)."""
    for b in range(P.shape[0]):
        _final_row(b, ops, depth, w, zr, zi, wr, wi, data_row, P, free, scale, r, chi2, cov, weak, finite)


@njit(cache=True, parallel=True, error_model="numpy")
def final_rows_parallel(ops, depth, w, zr, zi, wr, wi, data_row, P, free, scale, r, chi2, cov, weak, finite):
    """:func:`final_rows`, rows on numba's threads."""
    for b in prange(P.shape[0]):
        _final_row(b, ops, depth, w, zr, zi, wr, wi, data_row, P, free, scale, r, chi2, cov, weak, finite)


@njit(cache=True, error_model="numpy")
def _final_row(b, ops, depth, w, zr, zi, wr, wi, data_row, P, free, scale, r, chi2, cov, weak, finite):
    """Row b of :func:`final_rows`."""
    N = w.shape[1]
    n = P.shape[1]
    k = free.size
    zs = np.empty((depth, 2 * N))  # complex rows split: real parts [:N], imaginary parts [N:]
    lo = np.empty(depth, np.int64)
    hi = np.empty(depth, np.int64)
    dz = np.zeros((n, 2 * N))
    JT = np.empty((k, 2 * N))  # the free parameters' weighted Jacobian, transposed
    d = data_row[b]
    _circuit(ops, w[d], np.log(w[d]), P[b], zs, lo, hi, dz)
    acc = 0.0
    for i in range(N):
        r[b, i] = (zs[0, i] - zr[d, i]) * wr[d, i]
        r[b, N + i] = (zs[0, N + i] - zi[d, i]) * wi[d, i]
    for i in range(2 * N):
        acc += r[b, i] * r[b, i]
    chi2[b] = acc
    for j in range(k):
        row = dz[free[j]]
        for i in range(N):
            JT[j, i] = row[i] * wr[d, i]
            JT[j, N + i] = row[N + i] * wi[d, i]
    finite[b] = _covariance(JT, acc, scale, cov[b], weak[b])


@njit(cache=True, nogil=True, error_model="numpy")
def kept_rows(res, jac, lm_row, scale, r, chi2, cov, weak, finite):
    """:func:`final_rows` from the iteration's own final state: row b is the solve's row
    ``lm_row[b]``, whose residuals ``res`` and Jacobian ``jac`` the kernel kept at its last
    accepted point (:func:`._lm._keep_final`) — the point the final values are (no circuit
    evaluation here; the same numbers as :func:`final_rows` at those values)."""
    for b in range(lm_row.size):
        _kept_row(b, res, jac, lm_row, scale, r, chi2, cov, weak, finite)


@njit(cache=True, parallel=True, error_model="numpy")
def kept_rows_parallel(res, jac, lm_row, scale, r, chi2, cov, weak, finite):
    """:func:`kept_rows`, rows on numba's threads."""
    for b in prange(lm_row.size):
        _kept_row(b, res, jac, lm_row, scale, r, chi2, cov, weak, finite)


@njit(cache=True, error_model="numpy")
def _kept_row(b, res, jac, lm_row, scale, r, chi2, cov, weak, finite):
    """Row b of :func:`kept_rows`."""
    q = lm_row[b]
    acc = 0.0
    for i in range(res.shape[1]):
        r[b, i] = res[q, i]
    for i in range(res.shape[1]):
        acc += r[b, i] * r[b, i]
    chi2[b] = acc
    finite[b] = _covariance(jac[q], acc, scale, cov[b], weak[b])  # jac (B, k, 2N): transposed, as _covariance takes it


@njit(cache=True, nogil=True, error_model="numpy")
def residual_runs(r, n_points, z_out, p_out):
    """Per row of ``r`` (B, 2N): the lower runs-test z and the lower longest-run p of its real
    and imaginary halves (:func:`sselab.eis.multistart._residual_runs`: the formulas of
    :func:`sselab.fitting.diagnostics.runs_z` and ``longest_run_p``, z = −inf where a half has
    fewer than two residuals of one sign), without the numpy temporaries."""
    n = n_points
    denom = float(n * n * max(n - 1, 1))
    for b in range(r.shape[0]):
        z_min = math.inf
        p_min = math.inf
        for part in range(2):
            o = part * n
            n_pos = 0
            runs = 1
            longest = 1
            current = 1
            prev = r[b, o] > 0
            n_pos += 1 if prev else 0
            for i in range(1, n):
                s = r[b, o + i] > 0
                n_pos += 1 if s else 0
                if s != prev:
                    runs += 1
                    current = 1
                else:
                    current += 1
                    if current > longest:
                        longest = current
                prev = s
            n_neg = n - n_pos
            prod = 2.0 * n_pos * n_neg
            mean = 1 + prod / n
            var = prod * (prod - n) / denom
            z = (runs - mean) / math.sqrt(var) if (n_pos >= 2 and n_neg >= 2) else -math.inf
            p = -math.expm1(-n * 2.0 ** (-float(longest)))
            z_min = min(z_min, z)
            p_min = min(p_min, p)
        z_out[b] = z_min
        p_out[b] = p_min
