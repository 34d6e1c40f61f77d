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
from dataclasses import dataclass, field
from typing import Callable, Mapping, Sequence

import lmfit
import numpy as np

from ..exceptions import FitError, ParameterError
from ..fitting.threads import single_threaded_blas

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


def _pin_collapsed(fcn: Callable, start: lmfit.Parameters, out, max_nfev: int | None,
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
    refit = lmfit.minimize(fcn, again, method="leastsq", max_nfev=max_nfev)
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
             max_nfev: int | None = 4000) -> Minimized:
    """Least squares (Levenberg–Marquardt) of ``residual(values) -> weighted residuals``."""
    params, ties = _tie_order(specs)

    def fcn(p: lmfit.Parameters) -> np.ndarray:
        # the values lmfit has just set (bounds applied); ties resolved here, not by asteval
        return residual(_apply_ties({k: par._val for k, par in p.items()}, ties))

    try:
        out = lmfit.minimize(fcn, params, method="leastsq", max_nfev=max_nfev)
        tied_err = None
        if not out.errorbars:
            out, tied_err = _pin_collapsed(fcn, params, out, max_nfev, ties)
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
