"""A batched Levenberg–Marquardt solver in plain numpy.

One call advances B independent least-squares problems at once (the B starts of a
multi-start fit, or B spectra of one circuit), each with its own damping and its own
convergence test, so a batch costs little more than its slowest member.  The problems are
unconstrained: bounds are handled by :mod:`sselab.fitting.transforms`.

Examples
--------
>>> import numpy as np
>>> t = np.linspace(0, 1, 20)
>>> y = np.stack([2 * np.exp(-3 * t), 1 * np.exp(-1 * t)])
>>> def fun(u, rows):
...     a, k = u[:, :1], u[:, 1:]
...     model = a * np.exp(-k * t)
...     r = model - y[rows]
...     J = np.stack([np.exp(-k * t), -a * t * np.exp(-k * t)], axis=-1)
...     return r, J
>>> out = solve(fun, np.ones((2, 2)))
>>> np.round(out.x, 6).tolist()
[[2.0, 3.0], [1.0, 1.0]]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

Residuals = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


@dataclass(frozen=True)
class Outcome:
    """Per-problem outcome: x (B, k), cost = ½Σr² (B,), status codes (B,), iterations (B,)."""

    x: np.ndarray
    cost: np.ndarray
    residuals: np.ndarray
    jacobian: np.ndarray
    status: np.ndarray
    n_iter: np.ndarray
    n_eval: int

    #: status meanings
    MESSAGES = {
        1: "converged: relative reduction of the cost below ftol",
        2: "converged: step below xtol",
        3: "converged: gradient below gtol",
        0: "stopped: maximum number of iterations reached",
        -1: "stopped: damping grew without reducing the cost (no downhill step)",
        -2: "failed: model not finite at the initial values",
    }


def solve(
    fun: Residuals,
    x0: np.ndarray,
    *,
    max_iter: int = 200,
    ftol: float = 1e-10,
    xtol: float = 1e-10,
    gtol: float = 1e-12,
    lam0: float = 1e-3,
) -> Outcome:
    """Minimise ½‖r(x)‖² for each row of ``x0``.

    Parameters
    ----------
    fun
        ``fun(x, rows) -> (r, J)`` with ``x`` of shape (b, k) for the problems ``rows``
        (indices into the batch), ``r`` (b, m) and ``J = ∂r/∂x`` (b, m, k).
    x0
        Initial values, (B, k).
    """
    x = np.array(x0, dtype=float, copy=True)
    B, k = x.shape
    rows = np.arange(B)
    r, J = fun(x, rows)
    m = r.shape[1]
    cost = 0.5 * np.einsum("bm,bm->b", r, r)
    status = np.zeros(B, dtype=int)
    n_iter = np.zeros(B, dtype=int)
    bad = ~np.isfinite(cost) | ~np.isfinite(J).all(axis=(1, 2))
    status[bad] = -2
    lam = np.full(B, lam0)
    active = ~bad
    n_eval = 1
    eye = np.eye(k)
    r_all = r.copy()
    J_all = J.copy()
    for _ in range(max_iter):
        idx = np.flatnonzero(active)
        if idx.size == 0:
            break
        Ja, ra = J_all[idx], r_all[idx]
        A = np.einsum("bmi,bmj->bij", Ja, Ja)
        g = np.einsum("bmi,bm->bi", Ja, ra)
        gmax = np.abs(g).max(axis=1)
        conv_g = gmax <= gtol * np.maximum(cost[idx], 1e-300)
        diag = np.einsum("bii->bi", A)
        diag = np.maximum(diag, 1e-12 * np.maximum(diag.max(axis=1, keepdims=True), 1e-300))
        M = A + lam[idx, None, None] * diag[:, :, None] * eye
        try:
            step = -np.linalg.solve(M, g[..., None])[..., 0]
        except np.linalg.LinAlgError:
            step = -np.einsum("bij,bj->bi", np.linalg.pinv(M), g)
        x_new = x[idx] + step
        r_new, J_new = fun(x_new, idx)
        n_eval += 1
        cost_new = 0.5 * np.einsum("bm,bm->b", r_new, r_new)
        finite = np.isfinite(cost_new) & np.isfinite(J_new).all(axis=(1, 2))
        accept = finite & (cost_new < cost[idx])
        n_iter[idx] += 1
        reduction = np.where(accept, cost[idx] - cost_new, 0.0)
        conv_f = accept & (reduction <= ftol * cost[idx])
        conv_x = np.linalg.norm(step, axis=1) <= xtol * (np.linalg.norm(x[idx], axis=1) + xtol)
        acc = idx[accept]
        x[acc] = x_new[accept]
        cost[acc] = cost_new[accept]
        r_all[acc] = r_new[accept]
        J_all[acc] = J_new[accept]
        lam[acc] = np.maximum(lam[acc] / 3.0, 1e-12)
        rej = idx[~accept]
        lam[rej] = lam[rej] * 4.0
        done = np.zeros(idx.size, dtype=int)
        done[conv_g] = 3
        done[conv_x & (done == 0)] = 2
        done[conv_f & (done == 0)] = 1
        stuck = (~accept) & (lam[idx] > 1e16) & (done == 0)
        done[stuck] = -1
        finished = done != 0
        status[idx[finished]] = done[finished]
        active[idx[finished]] = False
    del m
    return Outcome(x, cost, r_all, J_all, status, n_iter, n_eval)
