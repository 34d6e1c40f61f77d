"""The least-squares engine every technique calls: single, multi-start and batched fits.

A model supplies ``fun(P, rows) -> (r, J)``: weighted residuals ``r`` (b, m) and their
Jacobian with respect to *all* parameters ``J = ∂r/∂p`` (b, m, n) for parameter sets ``P``
(b, n) of the problems ``rows``; ``J`` may be ``None`` and the engine then differentiates
numerically.  The engine moves only free parameters, in the bounded-to-unbounded variables
of :mod:`sselab.fitting.transforms`, with the batched Levenberg–Marquardt solver, and returns
frozen :class:`~sselab.fitting.result.FitResult` objects.

Examples
--------
>>> import numpy as np
>>> from sselab.fitting import Parameter, Parameters, fit
>>> x = np.linspace(0, 4, 30); y = 3.0 * np.exp(-0.7 * x)
>>> def fun(P, rows):
...     a, k = P[:, :1], P[:, 1:2]
...     r = a * np.exp(-k * x) - y
...     J = np.stack([np.exp(-k * x), -a * x * np.exp(-k * x)], axis=-1)
...     return r, J
>>> res = fit(fun, Parameters([Parameter("a", 1.0, min=0), Parameter("k", 1.0, min=0)]))
>>> round(res["a"].value, 6), round(res["k"].value, 6)
(3.0, 0.7)
"""

from __future__ import annotations

import math
from functools import cached_property
from typing import Callable, Sequence

import numpy as np

from ..exceptions import FitError
from . import levenberg_marquardt as lm
from .diagnostics import correlated_pairs
from .parameters import Parameters
from .result import FitResult, ParameterEstimate
from .threads import single_threaded_blas
from .transforms import Transform, transform_for

Model = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray | None]]


def _numeric_jacobian(fun: Model, P: np.ndarray, rows: np.ndarray, r0: np.ndarray, free: np.ndarray) -> np.ndarray:
    b, n = P.shape
    J = np.zeros((b, r0.shape[1], n))
    for i in np.flatnonzero(free):
        h = 1e-7 * np.maximum(np.abs(P[:, i]), 1e-12)
        Pp = P.copy()
        Pp[:, i] += h
        rp, _ = fun(Pp, rows)
        J[:, :, i] = (rp - r0) / h[:, None]
    return J


def _wrap(fun: Model, params: Parameters, transform: Transform, base: np.ndarray) -> lm.Residuals:
    free = params.free_mask

    def inner(u: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        P = base[rows].copy()
        P[:, free] = transform.to_p(u)
        with np.errstate(all="ignore"):
            r, Jp = fun(P, rows)
            if Jp is None:
                Jp = _numeric_jacobian(fun, P, rows, r, free)
            J = Jp[:, :, free] * transform.dp_du(u)[:, None, :]
        return r, J

    return inner


def _covariances(Jf: np.ndarray, chi2: np.ndarray, scale_covariance: bool) -> tuple[np.ndarray, list[set[int]], list[str]]:
    """Covariances (R, k, k) of R problems from their free-parameter Jacobians (R, m, k) by one
    stacked SVD of the column-scaled Jacobians, the columns each problem leaves undetermined
    (singular directions, NaN rows/columns) and, per problem, an error message if any."""
    R, m, k = Jf.shape
    cov = np.full((R, k, k), np.nan)
    weak: list[set[int]] = [set() for _ in range(R)]
    errors = [""] * R
    if not k:
        return cov, weak, errors
    with np.errstate(all="ignore"):
        col = np.linalg.norm(Jf, axis=1)  # (R, k)
        col_safe = np.where(col > 0, col, 1.0)
        Js = Jf / col_safe[:, None, :]
        finite = np.isfinite(Js).all(axis=(1, 2))
        for r in np.flatnonzero(~finite):
            errors[r] = "covariance could not be computed"
        if finite.any():
            rows = np.flatnonzero(finite)
            try:
                _, sv, Vt = np.linalg.svd(Js[rows], full_matrices=False)
            except np.linalg.LinAlgError:  # one problem's SVD failed: do them one by one
                if rows.size > 1:
                    for r in rows:
                        cov[r:r + 1], (weak[r],), (errors[r],) = _covariances(Jf[r:r + 1], chi2[r:r + 1],
                                                                           scale_covariance)
                else:
                    errors[rows[0]] = "covariance could not be computed"
                return cov, weak, errors
            tol = sv.max(axis=1, keepdims=True) * max(m, k) * np.finfo(float).eps
            keep = sv > tol
            inv_s2 = np.where(keep, 1 / np.where(keep, sv, 1.0) ** 2, 0.0)
            inv = np.einsum("rai,ra,raj->rij", Vt, inv_s2, Vt)
            c = inv / (col_safe[rows, :, None] * col_safe[rows, None, :])
            if scale_covariance:
                c = c * (chi2[rows] / max(m - k, 1))[:, None, None]
            for j, r in enumerate(rows):
                if not keep[j].all():
                    weak[r] = set(np.abs(Vt[j][~keep[j]]).argmax(axis=1).tolist())
                    for w in weak[r]:
                        c[j, w, :] = np.nan
                        c[j, :, w] = np.nan
                zero = col[r] == 0
                c[j][zero, :] = np.nan
                c[j][:, zero] = np.nan
            cov[rows] = c
    return cov, weak, errors


def _estimate(
    params: Parameters,
    values: np.ndarray,
    r: np.ndarray,
    cov: np.ndarray,
    weak: set[int],
    error: str,
    status: int,
    n_iter: int,
    n_eval: int,
    chi2: float | None = None,
) -> FitResult:
    items = list(params._items.values())  # (Mapping.values() looks each name up again)
    chi2 = float(r @ r) if chi2 is None else float(chi2)
    names = [p.name for p in items if not p.fixed]
    warnings: list[str] = [f"{names[j]} is not determined by the data (singular Jacobian)" for j in sorted(weak)]
    if error:
        warnings.append(error)
    estimates = []
    j = 0
    vals = np.asarray(values, float).tolist()  # Python floats, as float(values[i]) gives them
    variances = np.diagonal(cov).tolist() if cov.ndim == 2 else []
    for i, p in enumerate(items):
        name = p.name
        if p.fixed:
            estimates.append(ParameterEstimate(name, vals[i], None, p.unit, True, p.min, p.max))
            continue
        var = float(variances[j])
        se = math.sqrt(var) if math.isfinite(var) and var >= 0 else None
        est = ParameterEstimate(name, vals[i], se, p.unit, False, p.min, p.max)
        if est.at_bound:
            warnings.append(f"{name} = {values[i]:.6g} is at its bound")
        elif se is None and not any(w.startswith(name + " ") for w in warnings):
            warnings.append(f"{name} is not determined by the data (no standard error)")
        elif se is not None and vals[i] != 0 and abs(se / vals[i]) > 1:  # est.relative_stderr > 1
            warnings.append(f"{name} is ill-determined: standard error {se:.3g} exceeds its value")
        estimates.append(est)
        j += 1
    for i, j, r_ij in correlated_pairs(cov):
        warnings.append(f"{names[i]} and {names[j]} are almost fully correlated (r = {r_ij:.5f}): "
                        "the data determine only a combination of them")
    success = status > 0 and np.isfinite(chi2)
    message = lm.Outcome.MESSAGES.get(status, "unknown")
    if status == -1 and np.isfinite(chi2):
        # The damping blew up at a point where no step lowers the cost: a (local) minimum
        # reached to machine precision; treat as converged.
        success, message = True, "converged: no further decrease possible"
    return FitResult(
        tuple(estimates), cov, chi2, r.size, r, bool(success), message, int(n_iter), int(n_eval),
        tuple(warnings)
    )


#: ``iterate(base, u0, transform, free, max_iter, ftol, xtol, stol, window) -> Outcome``: a
#: compiled twin of :func:`sselab.fitting.levenberg_marquardt.solve` for one model, from the
#: clipped starts ``base`` (B, n) and their free values in the solver's variables ``u0`` (B, k)
#: (only its x, cost, status, n_iter and n_eval are read)
Iterate = Callable[..., lm.Outcome]


def _solve(fun, params, starts, max_iter, ftol, xtol, stol=0.0, window=0, iterate: Iterate | None = None):
    plist = [params] if isinstance(params, Parameters) else list(params)
    if not plist:
        raise FitError("nothing to fit")
    template = plist[0]
    if starts is None:
        starts = np.stack([p.value_array for p in plist])
    starts = template.clipped(np.atleast_2d(np.asarray(starts, dtype=float)))
    free = template.free_mask
    if not free.any():
        raise FitError("every parameter is fixed: nothing to fit")
    transform = transform_for(template)
    base = starts.copy()
    u0 = transform.to_u(starts[:, free])
    if iterate is None:
        outcome = lm.solve(_wrap(fun, template, transform, base), u0, max_iter=max_iter, ftol=ftol, xtol=xtol,
                           stol=stol, window=window)
    else:
        outcome = iterate(base, u0, transform, free, max_iter, ftol, xtol, stol, window)
    final = base.copy()
    final[:, free] = transform.to_p(outcome.x)
    return template, final, outcome


def _read_only(a: np.ndarray) -> np.ndarray:
    a.setflags(write=False)
    return a


class Estimates:
    """The final state of R fitted problems as arrays, their :class:`FitResult` objects built
    only when asked for (:meth:`result`): a batch whose results nobody reads pays for the
    arrays alone.

    Attributes
    ----------
    template : Parameters
    values : ndarray (R, n)
    residuals : ndarray (R, m)
    covariance : ndarray (R, k, k)
    chi2 : ndarray (R,)
        ``r @ r`` of each row, as :class:`FitResult` computes it.
    status, n_iter : ndarray (R,)
    n_eval : int
    """

    def __init__(self, template, values, residuals, covariance, weak, errors, status, n_iter, n_eval,
                 chi2=None) -> None:
        self.template = template
        self.values = values
        self.residuals = residuals
        self.covariance = covariance
        self.weak = weak
        self.errors = errors
        self.status = np.asarray(status)
        self.n_iter = np.asarray(n_iter)
        self.n_eval = int(n_eval)
        # given by a caller that summed r·r already (the compiled kernel, equal to rounding)
        self.chi2 = np.array([float(row @ row) for row in residuals]) if chi2 is None else np.asarray(chi2, float)

    def __len__(self) -> int:
        return self.values.shape[0]

    def result(self, j: int) -> FitResult:
        """The :class:`FitResult` of row ``j`` (the same object :func:`fit_best` returns)."""
        return _estimate(self.template, self.values[j], self.residuals[j], self.covariance[j], self.weak[j],
                         self.errors[j], int(self.status[j]), int(self.n_iter[j]), self.n_eval, self.chi2[j])

    @property
    def success(self) -> np.ndarray:
        """(R,) :attr:`FitResult.success` of every row."""
        finite = np.isfinite(self.chi2)
        return ((self.status > 0) | (self.status == -1)) & finite

    @cached_property
    def stderr(self) -> np.ndarray:
        """(R, n) standard errors (NaN where :class:`ParameterEstimate` has None, and for fixed ones);
        computed once (the arrays of an Estimates are not changed after it is made; read-only)."""
        free = self.template._arrays()[0]
        found = np.full(self.values.shape, np.nan)
        if len(found) <= _FEW_ROWS:  # the same square roots on Python floats
            cols = np.flatnonzero(free).tolist()
            for row, var in zip(found, np.diagonal(self.covariance, axis1=1, axis2=2).tolist()):
                row[cols] = [math.sqrt(v) if math.isfinite(v) and v >= 0 else math.nan for v in var]
        elif free.any():
            var = np.diagonal(self.covariance, axis1=1, axis2=2)
            with np.errstate(invalid="ignore"):
                found[:, free] = np.where(np.isfinite(var) & (var >= 0), np.sqrt(np.abs(var)), np.nan)
        return _read_only(found)

    @cached_property
    def undetermined(self) -> np.ndarray:
        """(R,) whether :attr:`FitResult.undetermined` is not empty; computed once, as :attr:`stderr`
        (a multi-start batch asks it per spectrum)."""
        free = self.template._arrays()[0]
        se, v = self.stderr[:, free], self.values[:, free]
        if len(v) <= _FEW_ROWS:  # the same IEEE operations on Python floats (a single fit's one row)
            bad = np.array([any(math.isnan(a) or b == 0 or abs(a / b) > 1.0 for a, b in zip(sr, vr))
                            for sr, vr in zip(se.tolist(), v.tolist())], bool).reshape(len(v))
        else:
            with np.errstate(all="ignore"):
                bad = (np.isnan(se) | (v == 0) | (np.abs(se / v) > 1.0)).any(axis=1)
        return _read_only(bad)

    @cached_property
    def at_bound(self) -> np.ndarray:
        """(R,) whether some free parameter is :attr:`ParameterEstimate.at_bound`; computed once."""
        free, lo, hi = self.template._arrays()
        lo, hi = lo[free], hi[free]
        v = self.values[:, free]
        tol = 1e-6
        if len(v) <= _FEW_ROWS:  # as ParameterEstimate.at_bound computes it, on Python floats
            bounds = [(a, b, math.isfinite(a), math.isfinite(b)) for a, b in zip(lo.tolist(), hi.tolist())]
            near = np.array([any((fa and x - a <= tol * (abs(a) + abs(x)) + 1e-300)
                                 or (fb and b - x <= tol * abs(b) + 1e-300) for x, (a, b, fa, fb) in zip(row, bounds))
                             for row in v.tolist()], bool).reshape(len(v))
        else:
            with np.errstate(all="ignore"):
                near_min = np.isfinite(lo) & (v - lo <= tol * (np.abs(lo) + np.abs(v)) + 1e-300)
                near_max = np.isfinite(hi) & (hi - v <= tol * np.abs(hi) + 1e-300)
            near = (near_min | near_max).any(axis=1)
        return _read_only(near)

#: below this many rows, :class:`Estimates` computes its per-row flags on Python floats (the
#: numpy calls' fixed cost dominates a single fit's)
_FEW_ROWS = 4


def _final_arrays(fun, template, final, outcome, rows, scale_covariance, covariances=None) -> Estimates:
    """Final residuals, Jacobian and covariance, only for ``rows``, as arrays (``covariances``:
    a function as :func:`_covariances`, which it defaults to)."""
    with np.errstate(all="ignore"):
        r, Jp = fun(final[rows], rows)
        if Jp is None:
            Jp = _numeric_jacobian(fun, final[rows], rows, r, np.ones(final.shape[1], bool))
    free = template.free_mask
    n_free = int(free.sum())
    if r.shape[1] <= n_free:
        raise FitError(f"{r.shape[1]} data values cannot determine {n_free} free parameters")
    cov, weak, errors = (covariances or _covariances)(Jp[:, :, free], np.einsum("rm,rm->r", r, r), scale_covariance)
    return Estimates(template, final[rows], r, cov, weak, errors, outcome.status[rows], outcome.n_iter[rows],
                     outcome.n_eval)


def _estimates(fun, template, final, outcome, rows, scale_covariance) -> list[FitResult]:
    """Final residuals, Jacobian and covariance, only for ``rows``."""
    est = _final_arrays(fun, template, final, outcome, rows, scale_covariance)
    return [est.result(j) for j in range(len(rows))]


def fit_batch(
    fun: Model,
    params: Parameters | Sequence[Parameters],
    *,
    starts: np.ndarray | None = None,
    max_iter: int = 200,
    ftol: float = 1e-10,
    xtol: float = 1e-10,
    scale_covariance: bool = True,
    stol: float = 0.0,
) -> list[FitResult]:
    """Fit B problems at once and return one :class:`FitResult` per problem.

    Parameters
    ----------
    fun
        ``fun(P, rows) -> (r, J or None)``; ``rows`` index the problems.
    params
        One :class:`Parameters` (shared bounds, fixed flags) or one per problem; their values
        are the starts unless ``starts`` (B, n) is given.  Bounds and fixed flags must be
        the same for every problem.
    """
    with single_threaded_blas():
        template, final, outcome = _solve(fun, params, starts, max_iter, ftol, xtol, stol)
        return _estimates(fun, template, final, outcome, np.arange(final.shape[0]), scale_covariance)


def fit_best(
    fun: Model,
    params: Parameters,
    *,
    starts: np.ndarray,
    groups: np.ndarray,
    max_iter: int = 200,
    ftol: float = 1e-10,
    xtol: float = 1e-10,
    scale_covariance: bool = True,
    stol: float = 0.0,
    iterate: Iterate | None = None,
) -> list[tuple[int, FitResult]]:
    """Multi-start fits of several problems in one batch: row b of ``starts`` belongs to
    problem ``groups[b]`` (0..G−1).  Returns, per problem, (row of the start kept, result).

    The start kept is the converged one with the lowest cost (the lowest cost if none
    converged); only kept rows get the final evaluation and covariance.  ``iterate``: a
    compiled iteration of the same model (:data:`Iterate`) instead of the numpy solver.
    """
    with single_threaded_blas():
        return _fit_best(fun, params, starts, groups, max_iter, ftol, xtol, scale_covariance, stol, iterate)


def _fit_best(fun, params, starts, groups, max_iter, ftol, xtol, scale_covariance, stol,
              iterate=None) -> list[tuple[int, FitResult]]:
    template, final, outcome = _solve(fun, params, starts, max_iter, ftol, xtol, stol, iterate=iterate)
    groups = np.asarray(groups)
    ok = ((outcome.status > 0) | (outcome.status == -1)) & np.isfinite(outcome.cost)
    cost = np.where(np.isfinite(outcome.cost), outcome.cost, np.inf)
    kept = []
    for g in range(int(groups.max()) + 1):
        mine = np.flatnonzero(groups == g)
        pool = mine[ok[mine]] if ok[mine].any() else mine
        kept.append(int(pool[np.argmin(cost[pool])]))
    rows = np.array(kept)
    return list(zip(kept, _estimates(fun, template, final, outcome, rows, scale_covariance)))


def fit_best_arrays(fun: Model, params: Parameters, *, starts: np.ndarray, groups: np.ndarray, max_iter: int = 200,
                    ftol: float = 1e-10, xtol: float = 1e-10, scale_covariance: bool = True,
                    stol: float = 0.0, window: int = 0) -> tuple[list[int], Estimates]:
    """:func:`fit_best` with the kept rows' results as :class:`Estimates` (built on demand);
    ``stol`` and ``window`` as in :func:`sselab.fitting.levenberg_marquardt.solve`."""
    with single_threaded_blas():
        template, final, outcome = _solve(fun, params, starts, max_iter, ftol, xtol, stol, window)
        kept = _kept_rows(np.asarray(groups), outcome)
        return kept, _final_arrays(fun, template, final, outcome, np.array(kept), scale_covariance)


def _kept_rows(groups: np.ndarray, outcome: lm.Outcome) -> list[int]:
    """Per problem 0..G−1, the converged row with the lowest cost (the lowest cost if none converged)."""
    if np.size(groups) == 1:  # one row, one problem (a single fit's first solve)
        return [0]
    ok = ((outcome.status > 0) | (outcome.status == -1)) & np.isfinite(outcome.cost)
    cost = np.where(np.isfinite(outcome.cost), outcome.cost, np.inf)
    order = np.lexsort((cost, ~ok, groups))  # by group, converged first, then cost (stable: first of ties)
    first = np.ones(order.size, bool)
    first[1:] = groups[order][1:] != groups[order][:-1]
    return order[first].tolist()


def fit(
    fun: Model,
    params: Parameters,
    *,
    starts: np.ndarray | None = None,
    max_iter: int = 200,
    ftol: float = 1e-10,
    scale_covariance: bool = True,
) -> FitResult:
    """Fit one problem; with ``starts`` (S, n) run S starts together and keep the best.

    ``fun`` is called with ``rows`` all zero (every start fits the same data); ``ftol``: stop
    when an accepted step lowers the cost by at most this fraction of it
    (:func:`sselab.fitting.levenberg_marquardt.solve`).
    """
    starts = params.value_array[None, :] if starts is None else np.atleast_2d(starts)

    def same_data(P: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        return fun(P, np.zeros_like(rows))

    [(_, result)] = fit_best(same_data, params, starts=starts, groups=np.zeros(len(starts), int), max_iter=max_iter,
                             ftol=ftol, scale_covariance=scale_covariance)
    return result
