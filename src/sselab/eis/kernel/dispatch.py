"""Choose numpy or the compiled kernel for one batched multi-start solve, with one interface.

:func:`fit_best_model` is :func:`sselab.fitting.engine.fit_best` for a circuit model: the same
starts clipped and transformed, the same per-problem choice of the start kept, and the same
final evaluation, covariance and :class:`~sselab.fitting.result.FitResult` (numpy, from the
engine); only the iteration runs compiled when the kernel is chosen.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from ...fitting import engine
from ...fitting import levenberg_marquardt as lm
from ...fitting.parameters import Parameters
from ...fitting.threads import single_threaded_blas
from ...fitting.transforms import transform_for
from . import compiled_for, numba_available, parallel_for, pooled, torch_chosen
from .program import compiled, supported

if TYPE_CHECKING:
    from ..fit import _Model


def choose(model: "_Model", n_rows: int) -> str:
    """``"torch"``, ``"numba"`` or ``"numpy"`` for a solve of ``n_rows`` problems of ``model``'s
    circuit (:func:`sselab.eis.kernel.torch_chosen`, then :func:`~sselab.eis.kernel.compiled_for`)."""
    if not supported(model.circuit):
        return "numpy"
    if torch_chosen():
        return "torch"
    return "numba" if compiled_for(n_rows) else "numpy"


def _data(model: "_Model") -> tuple[np.ndarray, ...]:
    """The kernel's contiguous (spectra, N) arrays of ``model``: ω, Re Z, Im Z and the real and
    imaginary weights, made once per model (both solves and the final pass share them)."""
    found = getattr(model, "_kernel_data", None)
    if found is None:
        z = model.z
        found = tuple(np.ascontiguousarray(a if a.shape == z.shape else np.broadcast_to(a, z.shape), float)
                      for a in (model.w, z.real, z.imag, model.wr, model.wi))
        model._kernel_data = found
    return found


def _compiled_outcome(model: "_Model", template: Parameters, starts: np.ndarray, data_rows: np.ndarray,
                      max_iter: int, ftol: float, xtol: float, stol: float,
                      window: int = 0) -> tuple[np.ndarray, lm.Outcome, tuple[np.ndarray, np.ndarray]]:
    from . import _lm, _transform

    free = template._arrays()[0]  # (read-only, not copied: indexing only)
    transform = transform_for(template)
    free_idx, kind = _kernel_indices(transform, free)
    base = np.ascontiguousarray(starts, float)
    x = np.empty((base.shape[0], free_idx.size))
    _transform.to_u_rows(kind, transform.a, transform.b, base, free_idx, x)  # transform.to_u, compiled
    ops, depth = compiled(model.circuit)
    B = x.shape[0]
    cost = np.empty(B)
    status = np.zeros(B, np.int64)
    n_iter = np.zeros(B, np.int64)
    N = model.z.shape[1]
    res, jac = _scratch(B, 2 * N, free_idx.size)  # each row's final state, read by _compiled_final
    par = parallel_for(B)
    with pooled(B, par):
        solve = _lm.lm_batch if par else _lm.lm_batch_serial
        solve(ops, depth, *_data(model), np.ascontiguousarray(data_rows, np.int64), base, free_idx, kind, transform.a, transform.b, x, max_iter, ftol, xtol, 1e-12, stol, 1e-3,
              window, cost, status, n_iter, res, jac)
    final = base.copy()
    _transform.to_p_rows(kind, transform.a, transform.b, x, free_idx, final)  # transform.to_p, compiled
    n_eval = int(n_iter.max(initial=0)) + 1
    return final, lm.Outcome(x, cost, np.empty((B, 0)), np.empty((B, 0, 0)), status, n_iter, n_eval), (res, jac)


_SCRATCH = threading.local()
#: the most float64 values a thread's buffer keeps between solves (32 MB)
_SCRATCH_KEEP = 4 << 20


def _scratch(B: int, m: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Arrays (B, m) and (B, k, m) for the solve's final residuals and Jacobians, views of this
    thread's reused buffer: a fresh ~3 MB per 300 spectra cost its page faults on every solve.
    Valid until this thread's next solve (:func:`fit_best_model` reads them before that)."""
    need = B * m * (k + 1)
    buf = getattr(_SCRATCH, "buf", None)
    if buf is None or buf.size < need:
        buf = np.empty(need)
        if need <= _SCRATCH_KEEP:  # a larger one (a big chunk's extra starts) is not held on to
            _SCRATCH.buf = buf
    return buf[: B * m].reshape(B, m), buf[B * m : need].reshape(B, k, m)


def _kernel_indices(transform, free: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(free parameter indices, transform kinds) as the kernel's int64 arrays, kept with the
    shared transform (one per bounds/scales/fixed flags, so one free mask)."""
    found = getattr(transform, "_kernel_indices", None)
    if found is None or found[2] != free.tobytes():
        found = (np.flatnonzero(free).astype(np.int64), transform.kind.astype(np.int64), free.tobytes())
        transform._kernel_indices = found
    return found[0], found[1]


def fit_best_model(model: "_Model", params: Parameters, *, starts: np.ndarray, groups: np.ndarray,
                   data_rows: np.ndarray, max_iter: int = 200, ftol: float = 1e-10, xtol: float = 1e-10,
                   stol: float = 0.0, backend: str | None = None,
                   window: int = 0) -> tuple[list[int], engine.Estimates, str]:
    """Multi-start fits of a circuit model: row b of ``starts`` fits spectrum ``data_rows[b]``
    of ``model`` and belongs to problem ``groups[b]``.  Returns (the row kept per problem,
    their final state as :class:`~sselab.fitting.engine.Estimates`, the backend used)."""
    data_rows = np.asarray(data_rows)

    def fun(P: np.ndarray, rows: np.ndarray):
        return model(P, data_rows[rows])

    use = backend or choose(model, len(starts))
    if use == "numpy" or not params.free_mask.any():
        kept, est = engine.fit_best_arrays(fun, params, starts=starts, groups=groups, max_iter=max_iter, ftol=ftol,
                                           xtol=xtol, stol=stol, window=window)
        return kept, est, "numpy"
    with single_threaded_blas():
        template = params
        clipped = template.clipped(np.atleast_2d(np.asarray(starts, dtype=float)))
        if use == "torch":
            from . import _torch

            final, outcome, state = _torch.outcome(model, template, clipped, data_rows, max_iter, ftol, xtol, stol,
                                                   window)
        else:
            final, outcome, state = _compiled_outcome(model, template, clipped, data_rows, max_iter, ftol, xtol,
                                                       stol, window)
        kept = engine._kept_rows(np.asarray(groups), outcome)
        if use == "torch" and not numba_available():  # the numpy engine's final pass
            est = engine._final_arrays(fun, template, final, outcome, np.array(kept), True)
        else:
            est = _compiled_final(model, template, final, outcome, np.array(kept), np.asarray(data_rows), state)
    return kept, est, use


def _compiled_final(model: "_Model", template: Parameters, final: np.ndarray, outcome: lm.Outcome, rows: np.ndarray,
                    data_rows: np.ndarray, state: tuple[np.ndarray, np.ndarray] | None = None) -> engine.Estimates:
    """:func:`sselab.fitting.engine._final_arrays` compiled in one pass per kept row: residuals,
    χ² and covariance (:func:`._final.final_rows`).  With ``state`` = (residuals, Jacobian) that
    the compiled solve kept for every row at its last accepted point — the point ``final`` holds —
    they are reused instead of evaluated again (:func:`._final.kept_rows`, the same numbers)."""
    from . import _final

    free, _ = _kernel_indices(transform_for(template), template._arrays()[0])
    z = model.z
    B, N, k = len(rows), z.shape[1], free.size
    if 2 * N <= k:
        raise engine.FitError(f"{2 * N} data values cannot determine {k} free parameters")
    r, chi2 = np.empty((B, 2 * N)), np.empty(B)
    cov, weak, finite = np.zeros((B, k, k)), np.zeros((B, k), bool), np.ones(B, bool)
    par = parallel_for(B)
    with pooled(B, par):
        if state is not None:
            run = _final.kept_rows_parallel if par else _final.kept_rows
            run(state[0], state[1], np.ascontiguousarray(rows, np.int64), True, r, chi2, cov, weak, finite)
        else:
            P = np.ascontiguousarray(final[rows])
            ops, depth = compiled(model.circuit)
            run = _final.final_rows_parallel if par else _final.final_rows
            run(ops, depth, *_data(model), np.ascontiguousarray(data_rows[rows], np.int64), P, free, True, r, chi2,
                cov, weak, finite)
    cov[~finite] = np.nan
    return engine.Estimates(template, final[rows], r, cov, _RowSets(weak), _Messages(finite), outcome.status[rows],
                            outcome.n_iter[rows], outcome.n_eval, chi2=chi2)


class _RowSets(Sequence):
    """Per row of a boolean array (R, k), the set of its True columns, made when read."""

    def __init__(self, mask: np.ndarray) -> None:
        self.mask = mask

    def __len__(self) -> int:
        return len(self.mask)

    def __getitem__(self, j: int) -> set[int]:  # type: ignore[override]
        return set(np.flatnonzero(self.mask[j]).tolist())


class _Messages(Sequence):
    """Per row, "" or the covariance failure message (``finite`` False), made when read."""

    def __init__(self, finite: np.ndarray) -> None:
        self.finite = finite

    def __len__(self) -> int:
        return len(self.finite)

    def __getitem__(self, j: int) -> str:  # type: ignore[override]
        return "" if self.finite[j] else "covariance could not be computed"
