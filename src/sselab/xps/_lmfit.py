"""The one adapter to lmfit: the only module of :mod:`sselab.xps` that imports it.

Callers describe parameters as :class:`ParamSpec` (value, bounds, vary) with an optional
structured :class:`Tie` (value = factor × source + offset).  This module turns ties into
lmfit constraint expressions itself, from parameter names it checks against a strict
identifier pattern and numbers it formats with ``repr``; no user text ever reaches
lmfit's expression evaluator (asteval).

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


def to_parameters(specs: Sequence[ParamSpec]) -> lmfit.Parameters:
    """lmfit Parameters from specs (ties become constructed expressions)."""
    params = lmfit.Parameters()
    for s in specs:
        if not _NAME.match(s.name):
            raise ParameterError(f"invalid parameter name {s.name!r}")
        value = min(max(float(s.value), s.min), s.max)
        params.add(s.name, value=value, min=s.min, max=s.max, vary=s.vary and s.tie is None)
    for s in specs:
        if s.tie is not None:
            if s.tie.source not in params:
                raise ParameterError(f"parameter {s.name!r} is tied to unknown {s.tie.source!r}")
            params[s.name].set(expr=_expr(s.tie))
    return params


def _pin_collapsed(fcn: Callable, start: lmfit.Parameters, out, max_nfev: int | None):
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
        return out
    again = out.params.copy()
    for k, bound in pinned:
        again[k].set(value=bound, vary=False)
    refit = lmfit.minimize(fcn, again, method="leastsq", max_nfev=max_nfev)
    if not refit.errorbars:
        return out
    for k, _ in pinned:  # reported as free parameters on their bound, without a standard error
        refit.params[k].stderr = None
    refit.var_names = list(out.var_names or ())
    refit.nvarys = out.nvarys
    refit.covar = None
    return refit


@single_threaded_blas()
def minimize(residual: Callable[[Mapping[str, float]], np.ndarray], specs: Sequence[ParamSpec],
             max_nfev: int | None = 4000) -> Minimized:
    """Least squares (Levenberg–Marquardt) of ``residual(values) -> weighted residuals``."""
    params = to_parameters(specs)

    def fcn(p: lmfit.Parameters) -> np.ndarray:
        # lmfit has just run ``update_constraints`` (every tie evaluated, bounds applied) before
        # calling us; ``valuesdict()`` would evaluate each tie's expression a second time (half
        # of a joint depth-profile fit's time) for the same numbers, so read the stored values.
        return residual({k: par._val for k, par in p.items()})

    try:
        out = lmfit.minimize(fcn, params, method="leastsq", max_nfev=max_nfev)
        if not out.errorbars:
            out = _pin_collapsed(fcn, params, out, max_nfev)
    except (ValueError, TypeError) as exc:
        raise FitError(f"least squares failed: {exc}") from None
    values = {k: float(p.value) for k, p in out.params.items()}
    stderr = {k: (float(p.stderr) if p.stderr is not None and np.isfinite(p.stderr) else None)
              for k, p in out.params.items()}
    n_free = int(out.nvarys)
    n_data = int(out.ndata)
    bounds = {k: (float(p.min), float(p.max), float(params[k].value), bool(params[k].vary and not params[k].expr))
              for k, p in out.params.items()}
    free = tuple(out.var_names or ())
    corr = np.full((len(free), len(free)), np.nan)
    cov = getattr(out, "covar", None)
    if cov is not None and np.shape(cov) == (len(free), len(free)):
        corr = np.asarray(cov, float)
    return Minimized(values, stderr, float(out.chisqr), float(out.chisqr / max(n_data - n_free, 1)),
                     n_data, n_free, bool(out.success), str(out.message), np.asarray(out.residual),
                     bounds, free, corr, int(out.nfev))
