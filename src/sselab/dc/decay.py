"""Fitting the current decay of a DC polarisation and extrapolating to t = 0 and t → ∞.

Models (t from the step start, Is the steady-state current):

- ``"exp1"``: I = Is + a1·exp(−t/τ1)
- ``"exp2"``: I = Is + a1·exp(−t/τ1) + a2·exp(−t/τ2)
- ``"power"``: I = Is + a·(1 + t/t0)^(−p)  (slow, diffusion-like decays)

``"auto"`` fits all three and keeps the lowest BIC.  Currents are fitted scaled to their
maximum so residuals are O(1); errors of Is and I(0) come from the fit covariance.

Examples
--------
>>> import numpy as np
>>> t = np.linspace(0, 1000, 200); i = 1e-7 + 4e-7 * np.exp(-t / 100)
>>> d = fit_decay(t, i, model="exp1")
>>> round(d.Is_A * 1e7, 4), round(d.I_at_0_A * 1e7, 4)
(1.0, 5.0)
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Iterator

import numpy as np

from ..exceptions import AnalysisError, SselabError
from ..fitting import Parameter, Parameters, fit

MODELS = ("exp1", "exp2", "power")


@dataclass(frozen=True)
class DecayFit:
    """A fitted decay: Is, I(0), their errors, and what is left to decay at the end."""

    model: str
    Is_A: float
    Is_stderr_A: float | None
    I_at_0_A: float
    I_at_0_stderr_A: float | None
    parameters: dict
    rms_residual_A: float
    bic: float
    remaining_at_end_A: float
    time_constants_s: tuple[float, ...]
    warnings: tuple[str, ...]

    def predict(self, t: np.ndarray) -> np.ndarray:
        return _model(self.model, np.asarray(t, float), self.parameters)

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "Is_A": self.Is_A,
            "Is_stderr_A": self.Is_stderr_A,
            "I_at_0_A": self.I_at_0_A,
            "I_at_0_stderr_A": self.I_at_0_stderr_A,
            "parameters": dict(self.parameters),
            "time_constants_s": list(self.time_constants_s),
            "rms_residual_A": self.rms_residual_A,
            "remaining_decay_at_end_A": self.remaining_at_end_A,
            "bic": self.bic,
            "warnings": list(self.warnings),
        }


def _model(model: str, t: np.ndarray, p: dict) -> np.ndarray:
    if model == "power":
        return p["Is_A"] + p["a_A"] * (1 + t / p["t0_s"]) ** (-p["p"])
    out = np.full_like(t, p["Is_A"])
    for k in (1, 2):
        if f"a{k}_A" in p:
            out = out + p[f"a{k}_A"] * np.exp(-t / p[f"tau{k}_s"])
    return out


def _problem(model: str, t: np.ndarray, y: np.ndarray,
             starts: np.ndarray | None = None) -> tuple[tuple[str, ...], Parameters, np.ndarray]:
    """Names, parameters (bounds; values = the first start) and the starts of one decay fit:
    ``starts``, by default those of a variable-projection grid (:func:`_grid_starts`)."""
    dur = float(t[-1]) if t[-1] > 0 else 1.0
    tail = float(np.median(y[-max(3, len(y) // 20):]))
    amp = max(float(y[0] - tail), 1e-6)
    starts = _grid_starts(model, t, y) if starts is None else starts
    if model == "power":
        names = ("Is_A", "a_A", "t0_s", "p")
        params = Parameters([
            Parameter("Is_A", tail, unit="A"), Parameter("a_A", amp, min=0.0), Parameter("t0_s", dur / 100, min=0.0),
            Parameter("p", 0.5, min=0.0, max=10.0),
        ])
        return names, params, starts
    nexp = 1 if model == "exp1" else 2
    names = ("Is_A",) + sum(((f"a{k}_A", f"tau{k}_s") for k in range(1, nexp + 1)), ())
    plist = [Parameter("Is_A", tail, unit="A")]
    for k in range(1, nexp + 1):
        plist += [Parameter(f"a{k}_A", amp / nexp, min=0.0), Parameter(f"tau{k}_s", dur / 10 ** k, min=0.0)]
    return names, Parameters(plist), starts


#: points of a record the start search scores its grid on (every k-th point of longer records)
GRID_POINTS = 150

#: the grids of the start search, relative to the record's duration: time constants (exp1,
#: exp2 pairs τ1 < τ2), power-law t0 and exponents p
GRID_TAU = np.geomspace(1e-4, 10.0, 37)
GRID_T0 = np.geomspace(1e-5, 3.0, 25)
GRID_P = np.geomspace(0.05, 10.0, 16)

#: starts of an exp2 fit at most: the grid's best pair and its next-best local minima
GRID_MINIMA = 2


def _grid_starts(model: str, t: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The starts of a decay fit by variable projection: Is and the amplitudes enter the models
    linearly, so for every point of a grid of the nonlinear parameters (τ; τ1 < τ2; t0 × p)
    they are solved by linear least squares (amplitudes ≥ 0 kept feasible), and the grid point
    with the lowest χ² gives the start, in the engine's parameter order (one row; for exp2 and
    the power law also the grid's next-best local minimum, :func:`_other_minima`)."""
    return _grid_starts_many(model, t, np.asarray(y, float)[None, :])[0]


def _grid_starts_many(model: str, t: np.ndarray, Y: np.ndarray) -> list[np.ndarray]:
    """:func:`_grid_starts` of several records with the same times ``t`` (rows of ``Y``):
    the linear solves of all of them in one pass."""
    step, X, A, Ainv, nl = _grid(model, np.ascontiguousarray(t, float))
    Ys = np.ascontiguousarray(Y[:, ::step])
    b = np.einsum("gkn,rn->rgk", X, Ys)
    coef = np.einsum("gkl,rgl->rgk", Ainv, b)
    # χ² as the quadratic form for every grid point, then from the residuals for the best few
    chi2 = (np.einsum("rn,rn->r", Ys, Ys)[:, None] - 2 * np.einsum("rgk,rgk->rg", coef, b)
            + np.einsum("rgk,gkl,rgl->rg", coef, A, coef))
    dur = float(t[-1]) if t[-1] > 0 else 1.0
    out = []
    for c_r, chi2_r, ys in zip(coef, chi2, Ys):
        feasible = np.all(c_r[:, 1:] >= 0, axis=1) & np.isfinite(chi2_r)
        pool = np.flatnonzero(feasible) if feasible.any() else np.flatnonzero(np.isfinite(chi2_r))
        if pool.size == 0:
            pool = np.arange(len(chi2_r))
        best = [_best_of(pool, chi2_r, c_r, X, ys)]
        if model != "exp1":
            best += _other_minima(model, np.where(feasible, chi2_r, np.inf), best[0])
        rows = []
        for g in best:
            c = c_r[g].copy()
            c[1:] = np.maximum(c[1:], 1e-6)
            if model == "power":
                rows.append([c[0], c[1], nl[0][g] * dur, nl[1][g]])
            else:
                rows.append([c[0]] + sum(([c[1 + k], tau[g] * dur] for k, tau in enumerate(nl)), []))
        out.append(np.array(rows))
    return out


def _other_minima(model: str, chi2: np.ndarray, best: int) -> list[int]:
    """Other local minima of a 2-D grid (exp2: pairs τ1 < τ2; power: t0 × p), lowest χ²
    first, at most :data:`GRID_MINIMA` − 1.  For exp2, a decay split in two is a saddle of χ²
    and a second, small decay can fit better far from the first; for the power law, the
    grid's best point can lie on the bound p = 10 while a minimum inside fits better."""
    if model == "exp2":
        n = m = len(GRID_TAU)
        i, j = np.triu_indices(n, 1)
    else:
        n, m = len(GRID_T0), len(GRID_P)
        i, j = np.divmod(np.arange(n * m), m)
    M = np.full((n + 2, m + 2), np.inf)
    M[i + 1, j + 1] = chi2
    core = M[1:-1, 1:-1]
    low = np.isfinite(core)
    for di in (-1, 0, 1):
        for dj in (-1, 0, 1):
            if di or dj:
                low &= core <= M[1 + di:n + 1 + di, 1 + dj:m + 1 + dj]
    g = np.flatnonzero(low[i, j])
    g = g[g != best]
    return g[np.argsort(chi2[g], kind="stable")][:GRID_MINIMA - 1].tolist()


def _best_of(pool: np.ndarray, chi2: np.ndarray, coef: np.ndarray, X: np.ndarray, ys: np.ndarray) -> int:
    """The grid point of ``pool`` with the lowest χ²: the quadratic form's best few, compared
    by their residuals (the quadratic form loses digits where the design is near-collinear)."""
    few = pool[np.argsort(chi2[pool], kind="stable")[:8]]
    r = np.einsum("gk,gkn->gn", coef[few], X[few]) - ys
    return int(few[np.argmin(np.einsum("gn,gn->g", r, r))])


#: the grids' designs by model and record times (a study's records share their times)
_GRIDS: dict[tuple[str, bytes], tuple] = {}


def _grid(model: str, t: np.ndarray) -> tuple[int, np.ndarray, np.ndarray, np.ndarray, tuple[np.ndarray, ...]]:
    """For the grid of ``model`` on the times ``t``: the subsampling step, the designs X
    (G, 1+K, n) of ``c + Σ a_k B_k``, their normal matrices (a tiny ridge keeps near-collinear
    grid points solvable) and the inverses, and the nonlinear parameters of each grid point (relative to the
    record's duration)."""
    key = (model, t.tobytes())
    hit = _GRIDS.get(key)
    if hit is not None:
        return hit
    step = max(1, len(t) // GRID_POINTS)
    dur = float(t[-1]) if t[-1] > 0 else 1.0
    x = t[::step] / dur
    if model == "power":
        t0, p = (g.ravel() for g in np.meshgrid(GRID_T0, GRID_P, indexing="ij"))
        B, nl = np.exp(-p[:, None] * np.log1p(x[None, :] / t0[:, None]))[:, None, :], (t0, p)
    else:
        E = np.exp(-x[None, :] / GRID_TAU[:, None])
        if model == "exp1":
            B, nl = E[:, None, :], (GRID_TAU,)
        else:
            i, j = np.triu_indices(len(GRID_TAU), 1)
            B, nl = np.stack([E[i], E[j]], axis=1), (GRID_TAU[i], GRID_TAU[j])
    G, K, n = B.shape
    X = np.concatenate([np.ones((G, 1, n)), B], axis=1)
    A = X @ X.transpose(0, 2, 1)
    A += 1e-12 * np.trace(A, axis1=1, axis2=2)[:, None, None] * np.eye(K + 1)
    if len(_GRIDS) >= 8:
        _GRIDS.clear()
    _GRIDS[key] = (step, X, A, np.linalg.inv(A), nl)
    return _GRIDS[key]


def _residuals(model: str, T: np.ndarray, Y: np.ndarray):
    """``fun(P, rows)`` of the engine for decays whose times and currents are the rows of
    ``T`` and ``Y`` picked by ``rows`` (one row for a single decay: ``rows`` all zero)."""
    if model == "power":
        def fun(P: np.ndarray, rows: np.ndarray):
            t_, y = T[rows], Y[rows]
            c, a, t0, p = (P[:, k:k + 1] for k in range(4))
            base = 1 + t_ / t0
            g = base ** (-p)
            r = c + a * g - y
            J = np.stack([np.ones_like(r), g, a * p * g / base * t_ / t0**2, -a * g * np.log(base)], axis=-1)
            return r, J
        return fun
    nexp = 1 if model == "exp1" else 2

    def fun(P: np.ndarray, rows: np.ndarray):
        t_, y = T[rows], Y[rows]
        r = P[:, :1] - y
        cols = [np.ones((P.shape[0], t_.shape[1]))]
        for k in range(nexp):
            a, tau = P[:, 1 + 2 * k:2 + 2 * k], P[:, 2 + 2 * k:3 + 2 * k]
            e = np.exp(-t_ / tau)
            r = r + a * e
            cols += [e, a * e * t_ / tau**2]
        return r, np.stack(cols, axis=-1)
    return fun


def _fit_one(model: str, t: np.ndarray, y: np.ndarray, scale: float) -> DecayFit:
    names, params, starts = _problem(model, t, y)
    res = fit(_residuals(model, t[None, :], y[None, :]), params, starts=starts)
    return _decay_fit(model, names, res, t, scale)


def _decay_fit(model: str, names: tuple[str, ...], res: Any, t: np.ndarray, scale: float) -> DecayFit:
    dur = float(t[-1]) if t[-1] > 0 else 1.0
    vals = res.values
    free = list(res.free_names)
    cov = np.asarray(res.covariance)
    # gradients of Is and I(0) with respect to the parameters, in scaled units
    g_is = np.array([1.0 if n == "Is_A" else 0.0 for n in free])
    if model == "power":
        g_i0 = np.array([1.0 if n in ("Is_A", "a_A") else 0.0 for n in free])
        i0 = vals["Is_A"] + vals["a_A"]
        taus: tuple[float, ...] = (vals["t0_s"],)
    else:
        g_i0 = np.array([1.0 if n == "Is_A" or n.startswith("a") else 0.0 for n in free])
        i0 = vals["Is_A"] + sum(vals[n] for n in names if n.startswith("a"))
        taus = tuple(sorted(vals[n] for n in names if n.startswith("tau")))

    def _se(g: np.ndarray) -> float | None:
        with np.errstate(invalid="ignore", over="ignore"):  # an infinite variance: no stderr, no warning
            v = float(g @ cov @ g) if cov.size else math.nan
        return math.sqrt(v) * scale if math.isfinite(v) and v >= 0 else None

    p_si = {n: (v * scale if n.endswith("_A") else v) for n, v in vals.items()}
    end = float(_model(model, np.array([t[-1]]), p_si)[0] - p_si["Is_A"])
    warnings = list(res.warnings)
    if not res.success:
        warnings.append(f"decay fit ({model}) did not converge: {res.message}")
    if taus and max(taus) > 3 * dur and model != "power":
        warnings.append(f"longest time constant {max(taus):.3g} s exceeds 3× the record ({dur:.3g} s): Is is an extrapolation far beyond the data")
    return DecayFit(
        model, p_si["Is_A"], _se(g_is), i0 * scale, _se(g_i0), p_si,
        math.sqrt(res.chi2 / res.n_data) * scale, res.bic, end, taus, tuple(warnings),
    )


def fit_decay(time_s: np.ndarray, current_A: np.ndarray, model: str = "auto") -> DecayFit:
    """Fit the decay (see module docstring) and return a :class:`DecayFit`."""
    if model not in MODELS + ("auto",):
        raise AnalysisError(f"unknown decay model {model!r}; use one of {', '.join(MODELS)} or auto")
    t = np.asarray(time_s, float)
    i = np.asarray(current_A, float)
    done = _PREFITTED.get(_key(t, i, model))
    if done is not None:
        return done
    scale = float(np.max(np.abs(i))) or 1.0
    y = i / scale
    tried = MODELS if model == "auto" else (model,)
    fits: list[DecayFit] = []
    for m in tried:
        if not _enough(m, t):
            continue
        try:
            fits.append(_fit_one(m, t, y, scale))
        except SselabError:
            continue
    return _best(fits, tried, t)


def _enough(model: str, t: np.ndarray) -> bool:
    return len(t) > (2 * int(model[-1]) + 2 if model.startswith("exp") else 5)


def _best(fits: list[DecayFit], tried: tuple[str, ...], t: np.ndarray) -> DecayFit:
    if not fits:
        raise AnalysisError(f"the current decay could not be fitted with {', '.join(tried)} ({len(t)} points)")
    return min(fits, key=lambda d: d.bic)


#: decays per batched engine call in :func:`fit_decays` (bounds the memory: ~0.2 MB per decay)
BATCH = 128

#: batches of at least this many decays are fitted compiled (:mod:`._decay_kernel`: the
#: iteration and the models, the same results to rounding, ~3.5 ms less CPU per record of 601
#: points; importing numba and loading the kernels, ~0.4 s, is repaid from ~100 records on)
COMPILED_MIN_RECORDS = 200

#: decays fitted ahead by :func:`prefitted` (key: model and the arrays' bytes)
_PREFITTED: dict[tuple[str, bytes, bytes], DecayFit] = {}


def _key(t: np.ndarray, i: np.ndarray, model: str) -> tuple[str, bytes, bytes]:
    return model, np.ascontiguousarray(t, float).tobytes(), np.ascontiguousarray(i, float).tobytes()


def _compiled(n_records: int) -> bool:
    """Whether a batch of ``n_records`` decays evaluates its models compiled: numba installed,
    ``SSELAB_FIT_KERNEL`` not ``numpy``, and at least :data:`COMPILED_MIN_RECORDS` records
    (``SSELAB_FIT_KERNEL=numba``: any batch)."""
    import os
    from importlib.util import find_spec

    want = os.environ.get("SSELAB_FIT_KERNEL", "auto").strip().lower()
    if want == "numpy" or find_spec("numba") is None:
        return False
    return want == "numba" or n_records >= COMPILED_MIN_RECORDS


def fit_decays(records: list[tuple[np.ndarray, np.ndarray]], model: str = "auto") -> list[DecayFit | AnalysisError]:
    """:func:`fit_decay` of many decays in a few batched engine calls (one per model and
    record length): the same starts, the same independent fits per decay, the same results
    to rounding, at ~1/10 of the per-call overhead.  A decay that cannot be fitted gives its
    :class:`~sselab.exceptions.AnalysisError` in its place.  Large batches are fitted
    compiled (:func:`_compiled`; the numpy solver's steps, the same results to rounding, see
    :mod:`._decay_kernel`)."""
    from ..fitting.engine import fit_best

    residuals, iterate = _residuals, None
    if _compiled(len(records)):
        from ._decay_kernel import iterate, residuals

    if model not in MODELS + ("auto",):
        raise AnalysisError(f"unknown decay model {model!r}; use one of {', '.join(MODELS)} or auto")
    tried = MODELS if model == "auto" else (model,)
    ts = [np.asarray(t, float) for t, _ in records]
    scales = [float(np.max(np.abs(np.asarray(i, float)))) or 1.0 for _, i in records]
    ys = [np.asarray(i, float) / s for (_, i), s in zip(records, scales)]
    fits: list[list[DecayFit]] = [[] for _ in records]
    for m in tried:
        by_len: dict[int, list[int]] = {}
        for k, t in enumerate(ts):
            if _enough(m, t):
                by_len.setdefault(len(t), []).append(k)
        chunks = [same[lo:lo + BATCH] for same in by_len.values() for lo in range(0, len(same), BATCH)]
        for members in chunks:
            grid = _grid_starts_many(m, ts[members[0]], np.stack([ys[k] for k in members])) \
                if all(np.array_equal(ts[k], ts[members[0]]) for k in members) else [None] * len(members)
            problems = [_problem(m, ts[k], ys[k], g) for k, g in zip(members, grid)]
            starts = np.concatenate([p[2] for p in problems])
            groups = np.repeat(np.arange(len(members)), [len(p[2]) for p in problems])
            T = np.stack([ts[k] for k in members])[groups]
            Y = np.stack([ys[k] for k in members])[groups]
            try:
                kept = fit_best(residuals(m, T, Y), problems[0][1], starts=starts, groups=groups,
                                iterate=iterate(m, T, Y) if iterate else None)
            except SselabError:  # the batch as a whole failed: fit its decays one by one
                for k in members:
                    try:
                        fits[k].append(_fit_one(m, ts[k], ys[k], scales[k]))
                    except SselabError:
                        continue
                continue
            for k, p, (_, res) in zip(members, problems, kept):
                try:
                    fits[k].append(_decay_fit(m, p[0], res, ts[k], scales[k]))
                except SselabError:
                    continue
    out: list[DecayFit | AnalysisError] = []
    for k, t in enumerate(ts):
        try:
            out.append(_best(fits[k], tried, t))
        except AnalysisError as exc:
            out.append(exc)
    return out


@contextmanager
def prefitted(records: list[tuple[np.ndarray, np.ndarray]], model: str = "auto") -> Iterator[None]:
    """Within this context :func:`fit_decay` of any of ``records`` (the same arrays) returns
    the fit :func:`fit_decays` made of it in one batch: what lets a study's DC tasks share
    one batched fit while each still runs its analysis unchanged."""
    keys = []
    for (t, i), res in zip(records, fit_decays(records, model)):
        if isinstance(res, DecayFit):
            key = _key(np.asarray(t, float), np.asarray(i, float), model)
            _PREFITTED[key] = res
            keys.append(key)
    try:
        yield
    finally:
        for key in keys:
            _PREFITTED.pop(key, None)
