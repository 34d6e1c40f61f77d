"""Choose numpy or the compiled kernel for one batched multi-start solve, with one interface.

:func:`fit_best_model` is :func:`sselab.fitting.engine.fit_best` for a circuit model: the same
starts clipped and transformed, the same per-problem choice of the start kept, and the same
final evaluation, covariance and :class:`~sselab.fitting.result.FitResult` (numpy, from the
engine); only the iteration runs compiled when the kernel is chosen.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ...fitting import engine
from ...fitting import levenberg_marquardt as lm
from ...fitting.parameters import Parameters
from ...fitting.threads import single_threaded_blas
from ...fitting.transforms import Transform
from . import LOCK, compiled_for, parallel_for
from .program import program, stack_depth, supported

if TYPE_CHECKING:
    from ..fit import _Model


def choose(model: "_Model", n_rows: int) -> str:
    """``"numba"`` or ``"numpy"`` for a solve of ``n_rows`` problems of ``model``'s circuit."""
    if not supported(model.circuit):
        return "numpy"
    return "numba" if compiled_for(n_rows) else "numpy"


def _compiled_outcome(model: "_Model", template: Parameters, starts: np.ndarray, data_rows: np.ndarray,
                      max_iter: int, ftol: float, xtol: float, stol: float) -> tuple[np.ndarray, lm.Outcome]:
    from . import _numba

    free = template.free_mask
    transform = Transform(template)
    base = np.ascontiguousarray(starts)
    x = np.ascontiguousarray(transform.to_u(starts[:, free]))
    ops = program(model.circuit)
    B = x.shape[0]
    cost = np.empty(B)
    status = np.zeros(B, np.int64)
    n_iter = np.zeros(B, np.int64)
    w, z = model.w, model.z
    wr, wi = np.broadcast_to(model.wr, z.shape), np.broadcast_to(model.wi, z.shape)
    with LOCK:
        solve = _numba.lm_batch if parallel_for(B) else _numba.lm_batch_serial
        solve(ops, stack_depth(ops), np.ascontiguousarray(np.broadcast_to(w, z.shape)), np.ascontiguousarray(z.real),
              np.ascontiguousarray(z.imag), np.ascontiguousarray(wr), np.ascontiguousarray(wi),
              np.ascontiguousarray(data_rows, np.int64), base, np.flatnonzero(free).astype(np.int64),
              transform.kind.astype(np.int64), transform.a, transform.b, x, max_iter, ftol, xtol, 1e-12, stol, 1e-3,
              cost, status, n_iter)
    final = base.copy()
    final[:, free] = transform.to_p(x)
    n_eval = int(n_iter.max(initial=0)) + 1
    return final, lm.Outcome(x, cost, np.empty((B, 0)), np.empty((B, 0, 0)), status, n_iter, n_eval)


def fit_best_model(model: "_Model", params: Parameters, *, starts: np.ndarray, groups: np.ndarray,
                   data_rows: np.ndarray, max_iter: int = 200, ftol: float = 1e-10, xtol: float = 1e-10,
                   stol: float = 0.0, backend: str | None = None) -> tuple[list[int], engine.Estimates, str]:
    """Multi-start fits of a circuit model: row b of ``starts`` fits spectrum ``data_rows[b]``
    of ``model`` and belongs to problem ``groups[b]``.  Returns (the row kept per problem,
    their final state as :class:`~sselab.fitting.engine.Estimates`, the backend used)."""
    data_rows = np.asarray(data_rows)

    def fun(P: np.ndarray, rows: np.ndarray):
        return model(P, data_rows[rows])

    use = backend or choose(model, len(starts))
    if use == "numpy" or not params.free_mask.any():
        kept, est = engine.fit_best_arrays(fun, params, starts=starts, groups=groups, max_iter=max_iter, ftol=ftol,
                                           xtol=xtol, stol=stol)
        return kept, est, "numpy"
    with single_threaded_blas():
        template = params
        clipped = template.clipped(np.atleast_2d(np.asarray(starts, dtype=float)))
        final, outcome = _compiled_outcome(model, template, clipped, data_rows, max_iter, ftol, xtol, stol)
        kept = engine._kept_rows(np.asarray(groups), outcome)
        est = engine._final_arrays(fun, template, final, outcome, np.array(kept), True)
    return kept, est, "numba"
