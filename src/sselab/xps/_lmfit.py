"""The one adapter to lmfit: the only module of :mod:`sselab.xps` that imports it.

Callers describe parameters as :class:`ParamSpec` (value, bounds, vary) with an optional
structured :class:`Tie` (value = factor × source + offset).  lmfit's Parameters hold the free
and fixed parameters (bounds, the bounded-variable transform, covariances); ties are resolved
here in Python, in dependency order, on every residual call (value = factor × source + offset,
clipped to the tied parameter's bounds, as lmfit clips), so lmfit's expression evaluator
(asteval) never runs inside a fit: re-evaluating the ties through it on every call was over
half the time of a joint depth-profile fit.  A tied parameter's standard error is |∏ factor| ×
the standard error of the free parameter at the root of its chain (0 for a fixed root), what
lmfit's propagation through the covariance gives for these linear ties.  :func:`to_parameters`
still builds the expression form (names checked against a strict identifier pattern, numbers
formatted with ``repr``) for callers that want lmfit Parameters with the ties in them; no user
text ever reaches asteval.

The minimisation is lmfit's ``leastsq`` method reproduced step for step (:func:`_leastsq`:
lmfit's own bounded-variable transform, MINPACK with lmfit's options, its covariance scaling)
with one change of bookkeeping: the forward-difference Jacobian is passed to MINPACK as a
function that computes MINPACK's own differences (same steps, same arithmetic) but evaluates,
per column, only the residual :class:`Block` s its parameter moves — one spectrum of a joint
depth-profile fit for that spectrum's areas and background — instead of the whole residual.
The iterates, values, covariances and messages are those of ``lmfit.minimize`` to the bit
(tests/xps/test_xps_lmfit_ties.py compares them).

Examples
--------
>>> import numpy as np
>>> x = np.linspace(0, 1, 20)
>>> specs = [ParamSpec("a", 1.0), ParamSpec("b", 0.5, tie=Tie("a", factor=2.0))]
>>> out = minimize(lambda v: v["a"] * x + v["b"] - 3 * x - 6.0, specs)
>>> round(out.values["a"], 6), round(out.values["b"], 6)
(3.0, 6.0)
"""

from __future__ import annotations

import math
import re
from copy import deepcopy
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Mapping, Sequence

import numpy as np

from ..exceptions import FitError, ParameterError
from ..fitting.threads import single_threaded_blas

if TYPE_CHECKING:  # lmfit (and the scipy.optimize it pulls in) is imported on the first fit, not with sselab.xps
    import lmfit

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,80}$")


@dataclass(frozen=True)
class Tie:
    """value = factor × value(source) + offset."""

    source: str
    factor: float = 1.0
    offset: float = 0.0


@dataclass(frozen=True)
class ParamSpec:
    name: str
    value: float
    min: float = -np.inf
    max: float = np.inf
    vary: bool = True
    tie: Tie | None = None


@dataclass(frozen=True)
class Minimized:
    values: Mapping[str, float]
    stderr: Mapping[str, float | None]
    chi2: float
    reduced_chi2: float
    n_data: int
    n_free: int
    success: bool
    message: str
    residual: np.ndarray = field(repr=False)
    #: per parameter: (min, max, start, free) — free is False for fixed and tied parameters
    bounds: Mapping[str, tuple[float, float, float, bool]] = field(default_factory=dict, repr=False)
    #: covariance matrix of the free parameters, in ``free_names`` order (NaN when singular)
    free_names: tuple[str, ...] = ()
    covariance: np.ndarray = field(default_factory=lambda: np.empty((0, 0)), repr=False)
    n_eval: int = 0


def _expr(tie: Tie) -> str:
    if not _NAME.match(tie.source):
        raise ParameterError(f"invalid parameter name {tie.source!r} in a link")
    for v in (tie.factor, tie.offset):
        if not math.isfinite(v):
            raise ParameterError(f"link factor/offset must be finite, got {v}")
    expr = tie.source if tie.factor == 1.0 else f"{float(tie.factor)!r} * {tie.source}"
    return expr if tie.offset == 0.0 else f"{expr} + ({float(tie.offset)!r})"


def _check(specs: Sequence[ParamSpec]) -> dict[str, ParamSpec]:
    names: dict[str, ParamSpec] = {}
    for s in specs:
        if not _NAME.match(s.name):
            raise ParameterError(f"invalid parameter name {s.name!r}")
        names[s.name] = s
    for s in specs:
        if s.tie is not None:
            _expr(s.tie)  # checks the source name and the numbers
            if s.tie.source not in names:
                raise ParameterError(f"parameter {s.name!r} is tied to unknown {s.tie.source!r}")
    return names


def to_parameters(specs: Sequence[ParamSpec]) -> lmfit.Parameters:
    """lmfit Parameters from specs (ties become constructed expressions)."""
    import lmfit

    _check(specs)
    params = lmfit.Parameters()
    for s in specs:
        value = min(max(float(s.value), s.min), s.max)
        params.add(s.name, value=value, min=s.min, max=s.max, vary=s.vary and s.tie is None)
    for s in specs:
        if s.tie is not None:
            params[s.name].set(expr=_expr(s.tie))
    return params


@dataclass(frozen=True)
class _Tied:
    name: str
    source: str
    factor: float
    offset: float
    min: float
    max: float


def _tie_order(specs: Sequence[ParamSpec]) -> tuple[lmfit.Parameters, list[_Tied]]:
    """lmfit Parameters of the untied parameters, and the ties in evaluation order (every
    tie after the tie, if any, that sets its source)."""
    import lmfit

    names = _check(specs)
    params = lmfit.Parameters()
    for s in specs:
        if s.tie is None:
            params.add(s.name, value=min(max(float(s.value), s.min), s.max), min=s.min, max=s.max, vary=s.vary)
    order: list[_Tied] = []
    state: dict[str, int] = {}  # 1 visiting, 2 done

    def visit(name: str) -> None:
        s = names[name]
        if s.tie is None or state.get(name) == 2:
            return
        if state.get(name) == 1:
            raise ParameterError(f"parameter links form a cycle through {name!r}")
        state[name] = 1
        visit(s.tie.source)
        state[name] = 2
        order.append(_Tied(name, s.tie.source, float(s.tie.factor), float(s.tie.offset), s.min, s.max))

    for s in specs:
        visit(s.name)
    return params, order


def _apply_ties(values: dict[str, float], ties: Sequence[_Tied]) -> dict[str, float]:
    """Fill ``values`` with the tied parameters (the arithmetic of lmfit's expressions:
    ``factor * source + (offset)``, then clipped to the bounds)."""
    for t in ties:
        v = values[t.source]
        if t.factor != 1.0:
            v = t.factor * v
        if t.offset != 0.0:
            v = v + t.offset
        values[t.name] = t.min if v < t.min else (t.max if v > t.max else v)
    return values


def _tied_stderr(out, ties: Sequence[_Tied]) -> dict[str, float | None]:
    """Standard errors of the tied parameters after a fit: None without error bars, else
    |∏ factor| × the root's standard error (0 for a fixed root)."""
    if not out.errorbars:
        return {t.name: None for t in ties}
    scale: dict[str, tuple[str, float]] = {}
    for t in ties:
        root, f = scale.get(t.source, (t.source, 1.0))
        scale[t.name] = (root, f * t.factor)
    err = {}
    for t in ties:
        root, f = scale[t.name]
        p = out.params[root]
        err[t.name] = abs(f) * float(p.stderr) if p.vary and p.stderr is not None else 0.0
    return err


@dataclass(frozen=True)
class Block:
    """Rows of the residual that only the parameters named in ``reads`` (or the parameters
    they are tied to) move: ``residual(values)`` returns those rows.  A fit given blocks
    evaluates, for each column of its finite-difference Jacobian, only the blocks that column's
    parameter moves (one spectrum of a joint fit for its own area), with the same numbers."""

    reads: frozenset[str]
    residual: Callable[[Mapping[str, float]], np.ndarray]


class _Abort(Exception):
    pass


_EPS = math.sqrt(max(1e-10, float(np.finfo(float).eps)))  # MINPACK fdjac2's step for lmfit's epsfcn
_NAN = ("The model function generated NaN values and the fit aborted! Please check your model "
        "function and/or set boundaries on parameters where applicable.")


@dataclass
class _Out:
    """What lmfit's MinimizerResult gives this module."""

    params: lmfit.Parameters
    var_names: list[str]
    nvarys: int
    ndata: int
    chisqr: float
    covar: np.ndarray | None
    errorbars: bool
    success: bool
    message: str
    residual: np.ndarray
    nfev: int


def _finite(r: np.ndarray) -> np.ndarray:
    r = np.asarray(r, dtype=np.float64).ravel()
    if not math.isfinite(r.sum()):
        raise ValueError(_NAN)
    return r


def _leastsq(start: lmfit.Parameters, ties: Sequence[_Tied], blocks: Sequence[Block],
             max_nfev: int | None) -> _Out:
    """lmfit's ``minimize(method="leastsq")`` step for step — the same bounded-variable
    transform (lmfit's own ``setup_bounds``/``from_internal``/``scale_gradient``), the same
    MINPACK options, forward differences with MINPACK's steps, the same covariance scaling —
    with the Jacobian's columns each evaluating only the blocks their parameter moves (the other
    rows of a column are exactly 0, as MINPACK's differences of equal numbers are)."""
    from scipy.optimize import leastsq as scipy_leastsq

    params = deepcopy(start)
    names = [n for n, p in params.items() if p.vary]
    for p in params.values():
        p.stderr, p.correl = None, None
    x0 = np.array([params[n].setup_bounds() for n in names], float)
    base = {k: p._val for k, p in params.items()}
    tie_of = {t.name: t.source for t in ties}

    def root(name: str) -> str:
        while name in tie_of:
            name = tie_of[name]
        return name

    moved_by = [{root(n) for n in b.reads} for b in blocks]
    affects = [[i for i, m in enumerate(moved_by) if n in m] for n in names]
    limit = max_nfev if max_nfev is not None else 200000 * (len(names) + 1)
    state = {"nfev": -2, "last": x0, "jac": (None, None)}
    cache: dict[bytes, tuple[dict[str, float], list[np.ndarray]]] = {}

    def count(x: np.ndarray) -> None:
        state["nfev"] += 1
        state["last"] = x
        if state["nfev"] > limit:
            raise _Abort

    def external(name: str, xi: float) -> float:
        par = params[name]
        v = float(par.from_internal(xi))
        return par.max if v > par.max else (par.min if v < par.min else v)

    def values_at(x: np.ndarray) -> dict[str, float]:
        v = dict(base)
        for n, xi in zip(names, x):
            v[n] = external(n, xi)
        return _apply_ties(v, ties)

    def evaluate(x: np.ndarray) -> tuple[dict[str, float], list[np.ndarray]]:
        key = x.tobytes()
        if key not in cache:
            v = values_at(x)
            cache[key] = (v, [_finite(b.residual(v)) for b in blocks])
            while len(cache) > 4:
                cache.pop(next(iter(cache)))
        return cache[key]

    def fcn(x: np.ndarray) -> np.ndarray:
        x = np.array(x, float, ndmin=1)
        count(x)
        return np.concatenate(evaluate(x)[1])

    def jac(x: np.ndarray) -> np.ndarray:
        x = np.array(x, float, ndmin=1)
        key = x.tobytes()
        if state["jac"][0] == key:
            return state["jac"][1]
        v0, parts = evaluate(x)
        edges = np.cumsum([0] + [r.size for r in parts])
        J = np.zeros((int(edges[-1]), len(names)))
        for j, n in enumerate(names):
            temp = float(x[j])
            h = _EPS * abs(temp)
            if h == 0.0:
                h = _EPS
            xj = x.copy()
            xj[j] = temp + h
            count(xj)
            v = dict(v0)
            v[n] = external(n, temp + h)
            _apply_ties(v, ties)
            for i in affects[j]:
                J[edges[i]:edges[i + 1], j] = (_finite(blocks[i].residual(v)) - parts[i]) / h
        state["jac"] = (key, J)
        return J

    max_fev = 2 * (max_nfev if max_nfev is not None else 2000 * (len(names) + 1))
    with np.errstate(all="ignore"):
        try:
            best, cov, _info, _msg, ier = scipy_leastsq(
                fcn, x0, Dfun=jac, full_output=1, col_deriv=0, ftol=1.5e-8, xtol=1.5e-8, gtol=0.0,
                maxfev=max_fev, epsfcn=1.e-10, factor=100, diag=None)
            aborted = False
        except _Abort:
            best, cov, ier, aborted = state["last"], None, -1, True
        best = np.array(best, float, ndmin=1)
        nfev = state["nfev"] - 1
        if nfev >= limit:
            nfev = limit - 1
        state["nfev"] = nfev
        limit = np.inf
        residual = fcn(best)
    for n, xi in zip(names, best):
        params[n].value = float(params[n].from_internal(xi))
    chisqr = float((residual**2).sum())
    redchi = chisqr / max(1, residual.size - len(names))
    chisqr = max(chisqr, 1.e-250 * residual.size)
    success = ier in (1, 2, 3, 4)
    message = {1: "Fit succeeded.", 2: "Fit succeeded.", 3: "Fit succeeded.",
               0: "Invalid Input Parameters. I.e. more variables than data points given, tolerance < 0.0, "
                  "or no data provided.",
               4: "One or more variable did not affect the fit.",
               5: f"Fit aborted: number of function evaluations > {max_fev}"}.get(ier, "Tolerance seems to be too small.")
    errorbars = cov is not None and not aborted
    covar = None
    if errorbars:
        g = [params[n].scale_gradient(best[i]) for i, n in enumerate(names)]
        grad2d = np.atleast_2d(g)
        covar = cov * np.dot(grad2d.T, grad2d)
        covar *= redchi
        for p in params.values():
            p.stderr = 0
        for i, n in enumerate(names):
            params[n].stderr = float(np.sqrt(covar[i, i]))
            errorbars = errorbars and (params[n].stderr > 0.0)
    else:
        message = f"{message} Could not estimate error-bars."
    return _Out(params, list(names), len(names), int(residual.size), chisqr, covar, bool(errorbars),
                bool(success), message, residual, int(state["nfev"]))


def _pin_collapsed(run: Callable[[lmfit.Parameters], _Out], start: lmfit.Parameters, out: _Out,
                   ties: Sequence[_Tied] = ()):
    """When lmfit cannot estimate error bars because free parameters ran onto a bound (a
    component whose area collapsed to 0 at one sputter step), pin those exactly on the bound
    and refit from the solution: the others get their standard errors, the pinned ones keep
    none and sit at the bound, where the verdict rules name them (``at_lower_bound``)."""
    pinned = []
    for k, p in out.params.items():
        if not p.vary or p.expr:
            continue
        scale = 1e-6 * max(abs(start[k].value), 1e-300)
        for bound in (p.min, p.max):
            if math.isfinite(bound) and abs(p.value - bound) <= scale:
                pinned.append((k, bound))
    if not pinned:
        return out, None
    again = out.params.copy()
    for k, bound in pinned:
        again[k].set(value=bound, vary=False)
    refit = run(again)
    if not refit.errorbars:
        return out, None
    tied_err = _tied_stderr(refit, ties)  # as lmfit propagated them: the pinned roots fixed (0)
    for k, _ in pinned:  # reported as free parameters on their bound, without a standard error
        refit.params[k].stderr = None
    refit.var_names = list(out.var_names or ())
    refit.nvarys = out.nvarys
    refit.covar = None
    return refit, tied_err


@single_threaded_blas()
def minimize(residual: Callable[[Mapping[str, float]], np.ndarray], specs: Sequence[ParamSpec],
             max_nfev: int | None = 4000, blocks: Sequence[Block] | None = None) -> Minimized:
    """Least squares (Levenberg–Marquardt) of ``residual(values) -> weighted residuals``.

    ``blocks``, when given, are the residual in parts (their concatenation is the residual:
    ``residual`` is then not called); see :class:`Block`."""
    params, ties = _tie_order(specs)
    if blocks is None:
        blocks = [Block(frozenset(s.name for s in specs), residual)]

    def run(p: lmfit.Parameters) -> _Out:
        return _leastsq(p, ties, blocks, max_nfev)

    try:
        out = run(params)
        tied_err = None
        if not out.errorbars:
            out, tied_err = _pin_collapsed(run, params, out, ties)
    except (ValueError, TypeError) as exc:
        raise FitError(f"least squares failed: {exc}") from None
    if tied_err is None:
        tied_err = _tied_stderr(out, ties)
    fitted = _apply_ties({k: float(p.value) for k, p in out.params.items()}, ties)
    values = {s.name: float(fitted[s.name]) for s in specs}
    stderr = {}
    for s in specs:
        if s.tie is not None:
            e = tied_err[s.name]
        else:
            e = out.params[s.name].stderr
        stderr[s.name] = float(e) if e is not None and np.isfinite(e) else None
    n_free = int(out.nvarys)
    n_data = int(out.ndata)
    start = _apply_ties({k: p.value for k, p in params.items()}, ties)
    bounds = {s.name: (float(s.min), float(s.max), float(start[s.name]), bool(s.tie is None and params[s.name].vary))
              for s in specs}
    free = tuple(out.var_names or ())
    corr = np.full((len(free), len(free)), np.nan)
    cov = getattr(out, "covar", None)
    if cov is not None and np.shape(cov) == (len(free), len(free)):
        corr = np.asarray(cov, float)
    return Minimized(values, stderr, float(out.chisqr), float(out.chisqr / max(n_data - n_free, 1)),
                     n_data, n_free, bool(out.success), str(out.message), np.asarray(out.residual),
                     bounds, free, corr, int(out.nfev))
