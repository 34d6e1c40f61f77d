"""Parameter vectors from the grid search's arc placements and linear coefficients, for many
spectra at once (:mod:`sselab.eis.initial_grid`).

The mapping from (arc time constants, exponents, lone elements' exponents, coefficients) to
the circuit's parameters depends only on the circuit and the design, so it is worked out once
per (design, lone-element variant) as index arrays (:func:`_plan`) and applied to every row
with a few array operations: the per-spectrum Python loop it replaces cost more than the
compiled search itself on 1,000 spectra.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Callable

import numpy as np

from .circuit import Circuit

if TYPE_CHECKING:
    from .initial_grid import Design

_LOCK = threading.Lock()
_PLANS: dict[tuple[str, tuple], tuple] = {}


def _plan(circuit: Circuit, d, tv: tuple):
    """Index arrays of one circuit and lone-element variant (see :func:`values_many`), kept."""
    key = (circuit.text, tv)
    with _LOCK:
        found = _PLANS.get(key)
    if found is None:
        found = _make_plan(circuit, d.arcs, d.lone, d.has_r, tv)
        with _LOCK:
            if len(_PLANS) > 256:
                _PLANS.clear()
            _PLANS[key] = found
    return found


def _make_plan(circuit: Circuit, arcs: tuple, lone: tuple, has_r: bool, tv: tuple):
    names = circuit.parameter_names
    index = names.index
    resistors = [index(el.label) for el in lone if el.type == "R"] if has_r else []
    arc_r, arc_c, arc_q, arc_n = [], [], [], []  # (arc j, parameter index)
    for j, node in enumerate(arcs):
        for el in node.children:
            if el.type == "R":
                arc_r.append((j, index(el.label)))
            elif el.type == "C":
                arc_c.append((j, index(el.label)))
            else:
                arc_q.append((j, index(el.label + ".Q")))
                arc_n.append((j, index(el.label + ".n")))
    tails = []  # (coefficient column, kind, parameter index, exponent index or -1, exponent)
    j = (1 if has_r else 0) + len(arcs)
    for label, m, _ in tv:
        etype = circuit.element_type(label)
        if etype == "CPE":
            tails.append((j, "CPE", index(label + ".Q"), index(label + ".n"), m))
        else:
            tails.append((j, etype, index(label), -1, m))
        j += 1

    def arr(pairs):
        a = np.array(pairs, np.int64).reshape(-1, 2)
        return a[:, 0], a[:, 1]

    return (np.array(resistors, np.int64), arr(arc_r), arr(arc_c), arr(arc_q), arr(arc_n), tuple(tails))


def values_many(circuit: Circuit, d, tau: np.ndarray, n_arcs: np.ndarray, tvs, coef: np.ndarray,
                spans: np.ndarray) -> np.ndarray:
    """Parameter values (S, n_params) of S rows: arc time constants ``tau`` (S, k) [s] and
    exponents ``n_arcs`` (S, k), each row's lone-element variant ``tvs[s]`` (a tuple of
    (label, exponent, column)), linear coefficients ``coef`` (S, p) and spectrum scale
    ``spans`` (S,).  Resistances are held at ≥ 1e-4·span; a non-positive tail coefficient
    gives Q (or C) = 1."""
    tau, n_arcs = np.asarray(tau, float), np.asarray(n_arcs, float)
    coef, spans = np.asarray(coef, float), np.asarray(spans, float)
    S = coef.shape[0]
    out = np.full((S, len(circuit.parameter_names)), np.nan)
    groups: dict[tuple, list[int]] = {}
    for s, tv in enumerate(tvs):
        groups.setdefault(tuple(tv), []).append(s)
    floor = 1e-4 * spans
    for tv, rows_list in groups.items():
        rows = np.array(rows_list) if len(groups) > 1 else slice(None)
        resistors, (rj, ri), (cj, ci), (qj, qi), (nj, ni), tails = _plan(circuit, d, tv)
        c, fl, t, n = coef[rows], floor[rows], tau[rows], n_arcs[rows]
        block = out[rows] if len(groups) > 1 else out
        first = 1 if d.has_r else 0
        if resistors.size:
            block[:, resistors] = (np.maximum(c[:, 0], fl) / resistors.size)[:, None]
        r = np.maximum(c[:, first:first + t.shape[1]], fl[:, None])  # (s, k)
        block[:, ri] = r[:, rj]
        block[:, ci] = t[:, cj] / r[:, cj]
        block[:, qi] = t[:, qj] ** n[:, qj] / r[:, qj]
        block[:, ni] = n[:, nj]
        for col, kind, pi, ei, m in tails:
            v = c[:, col]
            if kind == "CPE":
                with np.errstate(divide="ignore"):
                    block[:, pi] = np.where(v > 0, 1 / np.maximum(v, 1e-300), 1.0)
                block[:, ei] = m
            elif kind == "C":
                with np.errstate(divide="ignore"):
                    block[:, pi] = np.where(v > 0, 1 / np.where(v > 0, v, 1.0), 1.0)
            elif kind == "W":
                block[:, pi] = np.maximum(v, fl)
            else:
                block[:, pi] = np.maximum(v, 1e-12)
        if len(groups) > 1:
            out[rows] = block
    return out


def select(circuit: Circuit, d: Design, coef: np.ndarray, cost: np.ndarray, span: float, n_starts: int,
           index: np.ndarray | None = None) -> list[np.ndarray]:
    """Up to ``n_starts`` parameter vectors for one spectrum from its scored combinations
    (``coef``, ``cost`` of every combination, or of the combinations ``index`` only).

    The first half are simply the best-scoring combinations with distinct arc positions; the
    rest must each move some arc by at least a decade from every start already chosen, so
    that a start spending an arc on an unresolved process cannot crowd out the right basin
    (:func:`select_many` for one row).
    """
    combo = np.arange(len(cost)) if index is None else np.asarray(index)
    return list(select_many(circuit, d, np.asarray(coef, float)[None], np.asarray(cost, float)[None],
                            np.array([span], float), n_starts, combo[None])[0])


def select_many(circuit: Circuit, d: Design, coef: np.ndarray, cost: np.ndarray, spans: np.ndarray, n_starts: int,
                index: np.ndarray, polish: Callable | None = None) -> list[np.ndarray]:
    """:func:`select` for many spectra at once: ``coef`` (S, K, p), ``cost`` (S, K) and
    ``index`` (S, K) the scored combinations of each, ``spans`` (S,); the same picks in the
    same order, one array (≤ n_starts, n_params) per spectrum, the picks' values assembled in
    one :func:`values_many` call (the per-spectrum loop cost ~0.6 ms a spectrum).  ``polish``:
    called with (spectrum rows, combinations, τ, n, coefficients) of the picks after each
    spectrum's first, to move them in place before their values are assembled
    (:func:`~sselab.eis.initial_polish.polish_many`)."""
    coef, cost, index = np.asarray(coef, float), np.asarray(cost, float), np.asarray(index)
    S, K = cost.shape
    rows = np.arange(S)[:, None]
    if n_starts <= 1 or S == 0:  # the best combination alone (the first pick below, without the sorting)
        best = np.argmin(cost, axis=1) if K else np.zeros(S, int)
        return list(_values_of(circuit, d, index[rows[:, 0], best], coef[rows[:, 0], best], spans)[:, None])
    order = np.argsort(cost, axis=1, kind="stable")
    combo = index[rows, order]  # (S, K) combinations, best first
    from .kernel import helpers_compiled

    if helpers_compiled():  # the same picks by a compiled scan (the vectorised rules below: ~30 numpy calls)
        from .kernel._grid import pick_rows

        picks = np.full((S, n_starts), -1, np.int64)
        pick_rows(np.ascontiguousarray(combo, np.int64), _writeable(d, "positions"), _writeable(d, "position_keys"),
                  picks)
        return _picked(circuit, d, coef, spans, order, combo, picks, polish)
    position = d.positions[combo]  # (S, K, k)
    keys = d.position_keys[combo]
    n_best = (n_starts + 1) // 2
    # first occurrence of each distinct arc placement, in score order (np.unique's return_index)
    by_key = np.argsort(keys, axis=1, kind="stable")
    sk = keys[rows, by_key]
    lead = np.ones((S, K), bool)
    lead[:, 1:] = sk[:, 1:] != sk[:, :-1]
    first = np.zeros((S, K), bool)
    first[np.broadcast_to(rows, (S, K))[lead], by_key[lead]] = True
    rank = np.cumsum(first, axis=1)
    picks = np.full((S, n_starts), -1)
    for j in range(n_best):
        hit = first & (rank == j + 1)
        has = hit.any(axis=1)
        picks[has, j] = np.argmax(hit[has], axis=1)
    count = (picks[:, :n_best] >= 0).sum(axis=1)
    if position.shape[2]:
        far = np.ones((S, K), bool)
        live = count == n_best
        for j in range(n_best):
            far &= np.abs(position - position[np.arange(S), np.maximum(picks[:, j], 0)][:, None, :]).max(axis=2) >= 1.0
        after = np.where(picks[:, n_best - 1] >= 0, picks[:, n_best - 1] + 1, K)
        pos = np.arange(K)[None, :]
        for j in range(n_best, n_starts):
            cand = far & (pos >= after[:, None]) & live[:, None]
            has = cand.any(axis=1)
            nxt = np.argmax(cand, axis=1)
            picks[has, j] = nxt[has]
            count[has] += 1
            live &= has
            after = np.where(has, nxt + 1, after)
            far[has] &= np.abs(position[has] - position[np.flatnonzero(has), nxt[has]][:, None, :]).max(axis=2) >= 1.0
    return _picked(circuit, d, coef, spans, order, combo, picks, polish)


def _picked(circuit: Circuit, d, coef, spans, order, combo, picks, polish: Callable | None = None) -> list[np.ndarray]:
    """The values of the picks (S, n_starts: positions in score order, −1 none), per spectrum,
    those after each spectrum's first polished by ``polish`` when given."""
    S = len(picks)
    which_s, which_j = np.nonzero(picks >= 0)
    at = picks[which_s, which_j]
    chosen, c = combo[which_s, at], coef[which_s, order[which_s, at]]  # (fancy indexing: copies)
    tau, ns = _grid_point(d, chosen)
    if polish is not None:
        later = np.flatnonzero(which_j > 0)
        t, n, cc = tau[later], ns[later], c[later]
        polish(which_s[later], chosen[later], t, n, cc)
        tau[later], ns[later], c[later] = t, n, cc
    v = values_many(circuit, d, tau, ns, [d.combos[k][2] for k in chosen], c, spans[which_s])
    bounds = np.concatenate([[0], np.cumsum(np.bincount(which_s, minlength=S))])
    return [v[bounds[s]:bounds[s + 1]] for s in range(S)]


def _values_of(circuit: Circuit, d, chosen: np.ndarray, coef: np.ndarray, spans: np.ndarray) -> np.ndarray:
    """:func:`values_many` of grid combinations ``chosen`` (R,) at their grid τ and exponents."""
    tau, ns = _grid_point(d, chosen)
    return values_many(circuit, d, tau, ns, [d.combos[c][2] for c in chosen], coef, spans)


def _grid_point(d, chosen: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The arcs' grid τ (s) and exponents, (R, k) each, of grid combinations ``chosen`` (R,)."""
    k = len(d.arcs)
    tau = d.grid[d.position_index[chosen]] if k else np.zeros((chosen.size, 0))
    return tau.reshape(chosen.size, k), np.repeat(d.combo_n[chosen][:, None], k, axis=1)


def best_kept(coef: np.ndarray, cost: np.ndarray, keep: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The ``keep`` best-scoring combinations of each row (numpy's argpartition, in its order;
    all of them in order when ``keep`` is every one) and copies of their coefficients and costs:
    ``(tops (S, keep), coef (S, keep, p), cost (S, keep))``.  The copies are made by a compiled
    loop once the kernel is loaded (:func:`~sselab.eis.kernel.helpers_compiled`; the same
    values; numpy's fancy indexing cost ~1.4 ms per 300 spectra of serial time)."""
    from .kernel import helpers_compiled

    S, K = cost.shape
    tops = np.argpartition(cost, keep - 1, axis=1)[:, :keep] if keep < K else np.broadcast_to(np.arange(keep), (S, keep))
    if not helpers_compiled():
        rows = np.arange(S)[:, None]
        return tops, coef[rows, tops], cost[rows, tops]
    from .kernel._grid import gather_rows

    tops = np.ascontiguousarray(tops, np.int64)
    coefs, costs = np.empty((S, keep, coef.shape[2])), np.empty((S, keep))
    gather_rows(coef, cost, tops, coefs, costs)
    return tops, coefs, costs


def _writeable(d, name: str) -> np.ndarray:
    """A writeable contiguous copy of the design's array ``name`` (numba compiles read-only
    arrays as another type), kept with the design."""
    key = "_writeable_" + name
    found = d.__dict__.get(key)
    if found is None:
        found = d.__dict__[key] = np.array(getattr(d, name))
    return found
