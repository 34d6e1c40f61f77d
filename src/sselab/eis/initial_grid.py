"""Initial values for series-of-arcs circuits by a variable-projection grid search.

For a circuit whose top level is a series of resistors, arcs ``p(R, C|CPE)``, and lone
C, CPE, L or W elements, the impedance is *linear* in the resistances and in 1/Q, 1/C, L,
σ once the arcs' time constants τ (and the CPE exponents) are fixed:

    Z = R∞ + Σ_k R_k / (1 + (jωτ_k)^n) + (jω)^−m / Q + jωL + σ(1 − j)/√ω

So every combination of τ's from a grid spanning the measured window (and a few exponents)
is scored by one small weighted linear least-squares solve, all combinations at once from a
precomputed Gram matrix, and the best few become the starts of the non-linear fit, the best
one refined on a finer local grid (:func:`refine`) and then polished off the grid
(:mod:`.initial_polish`).  This
finds the right basin even when arcs overlap or a blocking tail dominates, where peak
picking on −Z'' fails.

Examples
--------
>>> import numpy as np
>>> from sselab.eis.circuit import Circuit
>>> c = Circuit("R0-p(R1,CPE1)-CPE2")
>>> f = np.logspace(6, -1, 70)
>>> z = c.impedance(f, {"R0": 1.0, "R1": 5e5, "CPE1.Q": 2e-11, "CPE1.n": 0.92, "CPE2.Q": 1e-6, "CPE2.n": 0.85})
>>> d = design(c, f)
>>> coef, cost = score(d, z)
>>> s = select(c, d, coef[0], cost[0], float(abs(z).max()), 1)
>>> bool(abs(s[0][1] / 5e5 - 1) < 0.3)
True
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from itertools import combinations
from math import comb

import numpy as np

from .circuit import Circuit
from .initial_assemble import select, select_many, values_many  # noqa: F401  (the selections live there)
from . import initial_polish
from .language import Element, Node, Parallel, Series

ARC_EXPONENTS = (0.9, 0.75)
TAIL_EXPONENTS = (0.9, 0.75, 0.6)
MAX_COMBINATIONS = 4000


def top_level(node: Node) -> tuple[Node, ...]:
    return node.children if isinstance(node, Series) else (node,)


def is_arc(node: Node) -> bool:
    """True for a two-branch p(R, C) or p(R, CPE)."""
    if not isinstance(node, Parallel) or len(node.children) != 2:
        return False
    kinds = sorted(c.type for c in node.children if isinstance(c, Element))
    return len(kinds) == 2 and kinds[0] in ("C", "CPE") and kinds[1] == "R"


def applicable(circuit: Circuit) -> bool:
    """Whether the circuit is a series of R, arcs and lone C/CPE/L/W elements."""
    return all(
        is_arc(n) or (isinstance(n, Element) and n.type in ("R", "C", "CPE", "L", "W"))
        for n in top_level(circuit.tree)
    )


def _cpe_col(w: np.ndarray, m: float) -> np.ndarray:
    return np.exp(-m * (np.log(w) + 0.5j * np.pi))


@dataclass(frozen=True)
class Design:
    """The unweighted basis columns of a circuit on one frequency grid, and every
    combination of columns to score (one per choice of arc time constants and exponents)."""

    cols: np.ndarray  # (N, C) complex
    arcs: tuple[Node, ...]
    lone: tuple[Element, ...]
    has_r: bool
    grid: np.ndarray  # candidate τ [s]
    combos: tuple[tuple[float, tuple[int, ...], tuple[tuple[str, float, int], ...]], ...]
    idx: np.ndarray  # (K, p) column indices of each combination
    positions: np.ndarray  # (K, k) log10 τ of each combination's arcs
    position_keys: np.ndarray  # (K,) one integer per distinct arc placement
    outer: np.ndarray | None  # (N, P) Re(c̄ᵢ cⱼ) per point of the P column pairs some combination uses
    position_index: np.ndarray | None = None  # (K, k) grid index of each combination's arc τ
    combo_n: np.ndarray | None = None  # (K,) each combination's arc exponent
    pairs: np.ndarray | None = None  # (2, P) flat Gram indices i·C + j and j·C + i of those pairs


#: designs of recently seen (circuit, frequency grid) pairs: a series shares one grid
_DESIGNS: dict[tuple[str, bytes], Design | None] = {}
_MAX_DESIGNS = 16
_DESIGNS_LOCK = threading.Lock()


def design(circuit: Circuit, frequency_Hz: np.ndarray) -> Design | None:
    """The basis and the combinations for ``circuit`` at ``frequency_Hz`` [Hz] (None when
    nothing is to be chosen); remembered for the last few circuit/grid pairs (read-only)."""
    f = np.ascontiguousarray(frequency_Hz, dtype=float)
    key = (circuit.text, f.tobytes())
    with _DESIGNS_LOCK:  # fits may run in several threads (the web workbench)
        found = _DESIGNS.get(key)
    if found is None and key not in _DESIGNS:
        found = _build_design(circuit, f)
        with _DESIGNS_LOCK:
            while len(_DESIGNS) >= _MAX_DESIGNS:
                _DESIGNS.pop(next(iter(_DESIGNS)))
            _DESIGNS[key] = found
    return found


def _build_design(circuit: Circuit, f: np.ndarray) -> Design | None:
    w = 2 * np.pi * f
    top = top_level(circuit.tree)
    arcs = tuple(n for n in top if is_arc(n))
    lone = tuple(n for n in top if isinstance(n, Element))
    k = len(arcs)
    lo, hi = np.log10(1 / (2 * np.pi * f.max())), np.log10(1 / (2 * np.pi * f.min()))
    step = 0.5
    while True:
        grid = 10 ** np.arange(lo - 1.0, hi + 0.5 + 1e-9, step)  # bulk arcs often peak above f_max
        if comb(grid.size, k) * len(ARC_EXPONENTS) <= MAX_COMBINATIONS or step >= 2:
            break
        step *= 2
    # base columns: constant, arcs (τ, n), tails per lone element kind
    cols: list[np.ndarray] = [np.ones_like(w, dtype=complex)]
    arc_index = {}
    for n in ARC_EXPONENTS:
        for t_i, tau in enumerate(grid):
            arc_index[(t_i, n)] = len(cols)
            cols.append(1 / (1 + _cpe_col(w, -n) * tau**n))
    tail_variants: list[list[tuple[str, float, int]]] = [[]]
    for el in lone:
        if el.type == "R":
            continue
        options = []
        if el.type == "CPE":
            for m in TAIL_EXPONENTS:
                options.append((el.label, m, len(cols)))
                cols.append(_cpe_col(w, m))
        elif el.type == "C":
            options.append((el.label, 1.0, len(cols)))
            cols.append(_cpe_col(w, 1.0))
        elif el.type == "W":
            options.append((el.label, 0.5, len(cols)))
            cols.append((1 - 1j) / np.sqrt(w))
        else:  # L
            options.append((el.label, -1.0, len(cols)))
            cols.append(1j * w)
        tail_variants = [tv + [o] for tv in tail_variants for o in options]
    has_r = any(el.type == "R" for el in lone)
    combos, idx = [], []
    for n in ARC_EXPONENTS:
        for taus in combinations(range(grid.size), k):
            for tv in tail_variants:
                combos.append((n, taus, tuple(tv)))
                idx.append(([0] if has_r else []) + [arc_index[(t, n)] for t in taus] + [o[2] for o in tv])
    if not combos:
        return None
    tau_index = np.array([c[1] for c in combos], np.int64).reshape(len(combos), k)
    keys = (tau_index * grid.size ** np.arange(k, dtype=np.int64)).sum(axis=1)
    c = np.array(cols).T
    idx_a = np.array(idx)
    C = c.shape[1]
    # the Gram entries some combination reads (pairs of columns sharing one): a third of C² for
    # two arcs, so the per-point products and the sums scoring them shrink as much
    ii = np.broadcast_to(idx_a[:, :, None], idx_a.shape + idx_a.shape[1:])
    jj = np.broadcast_to(idx_a[:, None, :], ii.shape)
    flat = np.unique(np.minimum(ii, jj) * C + np.maximum(ii, jj))
    pi, pj = flat // C, flat % C
    outer = pairs = None
    if c.shape[0] * flat.size <= _OUTER_LIMIT:
        outer = np.ascontiguousarray((c[:, pi].conj() * c[:, pj]).real)
        pairs = np.stack([pi * C + pj, pj * C + pi])
    out = Design(c, arcs, lone, has_r, grid, tuple(combos), idx_a, np.log10(grid)[tau_index], keys, outer,
                 tau_index, np.array([cb[0] for cb in combos], float), pairs)
    for a in (out.cols, out.grid, out.idx, out.positions, out.position_keys, out.position_index, out.combo_n) + (
            (outer, pairs) if outer is not None else ()):
        a.setflags(write=False)
    return out


#: largest N·P for which the per-point products Re(c̄ᵢ cⱼ) of the P used pairs are kept (8 bytes each)
_OUTER_LIMIT = 4_000_000


def score(d: Design, Z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Non-negative linear coefficients (S, K, p) and weighted cost (S, K) of every
    combination for each spectrum row of ``Z`` (S, N), modulus-weighted."""
    Z = np.atleast_2d(Z)
    w2 = 1 / np.abs(Z) ** 2  # squared modulus weights (S, N)
    N, C = d.cols.shape
    # summed point by point in order for each spectrum (einsum's loop; the compiled search sums
    # the same way, bit for bit): a spectrum's entries, so its starts and its fit, do not depend
    # on the other spectra of the batch.  One BLAS product for all of them (~11 µs less per
    # spectrum here, ~2 µs compiled) rounded with how many shared the call, and a fit from a
    # start 1e-15 away could end 1e-8 away along a flat direction, 2.5e-5 after a polish of the
    # starts (benchmarks/RESULTS.md, session 16)
    if d.outer is not None:  # Re(c̄ᵢ cⱼ) per point, kept with the design: the Gram is a real product
        used = np.einsum("sn,nq->sq", w2, d.outer)  # (S, P): only the entries some combination reads
        gram = np.zeros((Z.shape[0], C * C))
        gram[:, d.pairs[0]] = used
        gram[:, d.pairs[1]] = used
        gram = gram.reshape(-1, C, C)
    else:
        A = d.cols[None, :, :] * np.sqrt(w2)[:, :, None]
        gram = (A.conj().transpose(0, 2, 1) @ A).real
    h = ((w2 * Z.real)[:, None, :] @ d.cols.real + (w2 * Z.imag)[:, None, :] @ d.cols.imag)[:, 0]  # Re(Σ w² c̄ z)
    bb = np.full(Z.shape[0], float(N))  # Σ w²|z|² = N under modulus weighting
    from .kernel import compiled_for

    if compiled_for(Z.shape[0]):  # the same solves compiled (sselab.eis.kernel._grid), one spectrum per row
        return _score_compiled(d, gram, h, bb)
    G = gram[:, d.idx[:, :, None], d.idx[:, None, :]]  # (S, K, p, p)
    H = h[:, d.idx]
    Gr = G.copy()  # + 1e-12·trace on the diagonal: a ridge against exactly collinear columns
    diag = np.einsum("skii->ski", Gr)
    diag += 1e-12 * diag.sum(axis=-1, keepdims=True)
    coef = np.maximum(solve_spd(Gr, H), 0)
    cost = bb[:, None] - 2 * np.einsum("ski,ski->sk", coef, H) + np.einsum("ski,skij,skj->sk", coef, G, coef)
    return coef, cost


def _score_compiled(d: "Design", gram: np.ndarray, h: np.ndarray, bb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    from .kernel import parallel_for, pooled
    from .kernel._grid import score_rows, score_rows_serial

    S, (K, p) = gram.shape[0], d.idx.shape
    coef, cost, bad = np.empty((S, K, p)), np.empty((S, K)), np.zeros((S, K), bool)
    idx = np.ascontiguousarray(d.idx, np.int64)
    par = parallel_for(S)
    with pooled(S, par):
        run = score_rows if par else score_rows_serial
        run(np.ascontiguousarray(gram), np.ascontiguousarray(h), bb, idx, coef, cost, bad)
    if bad.any():  # a broken-down factorisation: least squares, as solve_spd
        for s, c in zip(*np.nonzero(bad)):
            G = gram[s][np.ix_(idx[c], idx[c])]
            Gr = G + np.diag(np.full(p, 1e-12 * np.trace(G)))
            x = np.maximum(np.linalg.lstsq(Gr, h[s, idx[c]], rcond=None)[0], 0)
            coef[s, c] = x
            cost[s, c] = bb[s] - 2 * x @ h[s, idx[c]] + x @ G @ x
    return coef, cost


def solve_spd(A: np.ndarray, b: np.ndarray) -> np.ndarray:
    """x with A x = b for stacks of small symmetric positive-definite systems A (..., p, p),
    b (..., p): a Cholesky factorisation written out over p (vectorised over the stack), for
    the hundreds of thousands of 2×2–4×4 systems of a grid search, where LAPACK's per-matrix
    call costs far more than the arithmetic.  Rows whose factorisation breaks down (a
    singular system) are solved by least squares (:func:`numpy.linalg.lstsq`).

    Examples
    --------
    >>> A = np.array([[[4.0, 2.0], [2.0, 3.0]]]); b = np.array([[2.0, 1.0]])
    >>> np.round(solve_spd(A, b), 6).tolist()
    [[0.5, 0.0]]
    """
    p = A.shape[-1]
    L = np.zeros_like(A)
    with np.errstate(invalid="ignore", divide="ignore"):
        for j in range(p):
            d = A[..., j, j] - np.einsum("...k,...k->...", L[..., j, :j], L[..., j, :j])
            L[..., j, j] = np.sqrt(d)
            for i in range(j + 1, p):
                L[..., i, j] = (A[..., i, j] - np.einsum("...k,...k->...", L[..., i, :j], L[..., j, :j])) / L[..., j, j]
        y = np.zeros_like(b)
        for i in range(p):  # L y = b
            y[..., i] = (b[..., i] - np.einsum("...k,...k->...", L[..., i, :i], y[..., :i])) / L[..., i, i]
        x = np.zeros_like(b)
        for i in reversed(range(p)):  # Lᵀ x = y
            x[..., i] = (y[..., i] - np.einsum("...k,...k->...", L[..., i + 1:, i], x[..., i + 1:])) / L[..., i, i]
    bad = ~np.isfinite(x).all(axis=-1)
    if bad.any():
        x[bad] = np.stack([np.linalg.lstsq(a, v, rcond=None)[0] for a, v in zip(A[bad], b[bad])])
    return x


def _to_values(circuit: Circuit, d: Design, n: float, taus, tv, coef: np.ndarray, span: float) -> np.ndarray:
    """Parameter values of one grid combination (exponent ``n``, arc τ indices ``taus``, lone
    elements' exponents ``tv``) with linear coefficients ``coef`` (one row of :func:`values_many`)."""
    return values_many(circuit, d, d.grid[list(taus)][None], np.full((1, len(taus)), float(n)), [tv],
                       np.asarray(coef, float)[None], np.array([span], float))[0]


#: local refinement of the best combination: each arc's τ over ±0.3 decade in 0.15-decade
#: steps and its CPE exponent by ±0.08, one arc at a time, two sweeps
REFINE_DECADES = np.linspace(-0.3, 0.3, 5)
REFINE_EXPONENT = np.array([-0.08, 0.0, 0.08])
REFINE_SWEEPS = 2


def _refine_constants(d: Design, frequency_Hz: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(log ω, which arcs hold a capacitor, the exponent steps) of :func:`refine`, kept with the
    design for its frequency grid (a design is made per circuit and grid: ``frequency_Hz`` is
    the grid it was made for; another grid is computed afresh)."""
    f = np.asarray(frequency_Hz, float)
    key = f.tobytes()
    found = d.__dict__.get("_refine_constants")  # (a frozen dataclass keeps its __dict__)
    if found is None or found[3] != key:
        log_w = np.log(2 * np.pi * f)
        capacitor = np.array([any(el.type == "C" for el in node.children) for node in d.arcs])
        # writeable (numba compiles read-only arrays as other types); not to be modified
        found = (log_w, capacitor, REFINE_EXPONENT.astype(float), key)
        d.__dict__["_refine_constants"] = found
    return found[:3]


def refine(circuit: Circuit, d: Design, frequency_Hz: np.ndarray, Z: np.ndarray, combos: np.ndarray,
           spans: np.ndarray) -> np.ndarray:
    """Parameter values (S, n_params) of each spectrum's combination (rows of ``Z``, ``combos``)
    with its arcs' τ and n refined off the grid.

    The grid places arcs half a decade apart with two exponents; the non-linear fit then
    spends most of its iterations walking to the true τ and n.  Here each arc in turn is
    moved over a finer local grid (the other columns fixed), every candidate scored by the
    same weighted linear solve, the best kept; two sweeps, vectorised over spectra.  On 300
    simulated eBE-stack spectra the fit then needs 8.8 evaluations on average instead of 12.3
    (4.9 from the true values), at the same χ².  Each start is then polished off the grid
    (:func:`~sselab.eis.initial_polish.polish`: at most
    :data:`~sselab.eis.initial_polish.POLISH_EVALUATIONS` trial points, 0 for none).
    """
    Z = np.atleast_2d(np.asarray(Z, complex))
    combos = np.asarray(combos, int)
    k = len(d.arcs)
    if k == 0:
        return np.stack([_to_values(circuit, d, *d.combos[c], np.zeros(d.idx.shape[1]), sp)
                         for c, sp in zip(combos, spans)])
    log_w, capacitor, exponent = _refine_constants(d, frequency_Hz)
    weight = 1 / np.abs(Z)  # (S, N)
    b = Z * weight
    bb = np.einsum("sn,sn->s", b.conj(), b).real
    cols = d.cols[:, d.idx[combos]].transpose(1, 0, 2) * weight[:, :, None]  # (S, N, p) weighted
    S, _, p = cols.shape
    first = 1 if d.has_r else 0
    tau = d.grid[np.array([d.combos[c][1] for c in combos], int).reshape(S, k)]
    ns = np.where(capacitor[None, :], 1.0, np.array([d.combos[c][0] for c in combos])[:, None])
    from .kernel import compiled_for

    if compiled_for(S):  # the same sweeps compiled (sselab.eis.kernel._grid), one spectrum per row
        from .kernel import parallel_for, pooled
        from .kernel._grid import refine_rows, refine_rows_serial

        coef = np.empty((S, p))
        par = parallel_for(S)
        with pooled(S, par):
            run = refine_rows if par else refine_rows_serial
            run(log_w, np.ascontiguousarray(weight), np.ascontiguousarray(b), bb, np.ascontiguousarray(cols), first,
                capacitor, tau, ns, REFINE_DECADES, exponent, REFINE_SWEEPS, coef, initial_polish.POLISH_EVALUATIONS)
        return values_many(circuit, d, tau, ns, [d.combos[c][2] for c in combos], coef, spans)
    eye = np.eye(p)

    def solve(gram: np.ndarray, h: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        ridge = 1e-12 * np.einsum("...ii->...", gram)[..., None, None] * eye
        coef = np.maximum(np.linalg.solve(gram + ridge, h[..., None])[..., 0], 0)
        cost = bb.reshape((S,) + (1,) * (h.ndim - 2)) - 2 * np.einsum("...i,...i->...", coef, h) + np.einsum(
            "...i,...ij,...j->...", coef, gram, coef)
        return coef, cost

    ch = cols.conj().transpose(0, 2, 1)
    coef, cost = solve((ch @ cols).real, (ch @ b[:, :, None])[..., 0].real)
    rows = np.arange(S)
    for _ in range(REFINE_SWEEPS):
        for j in range(k):
            tt = (tau[:, j, None] * 10.0 ** REFINE_DECADES)[:, :, None]  # (S, T, 1)
            nn = (np.ones(REFINE_EXPONENT.size) if capacitor[j] else
                  np.clip(ns[:, j, None] + REFINE_EXPONENT, 0.5, 1.0))[..., None, :] * np.ones_like(tt)  # (S, T, E)
            tt = np.broadcast_to(tt, nn.shape).reshape(S, -1)
            nn = nn.reshape(S, -1)
            # (jωτ)^n = (ωτ)^n e^{jnπ/2}: a real exponential and one complex factor per candidate
            col = weight[:, None, :] / (1 + np.exp(nn[..., None] * (log_w + np.log(tt)[..., None]))
                                        * np.exp(0.5j * np.pi * nn)[..., None])  # (S, C, N)
            # only column jj changes: each candidate's normal equations from the fixed Gram block
            jj = first + j
            ch = cols.conj().transpose(0, 2, 1)
            gram = np.repeat((ch @ cols).real[:, None], col.shape[1], axis=1)  # (S, C, p, p)
            h = np.repeat((ch @ b[:, :, None])[..., 0].real[:, None], col.shape[1], axis=1)  # (S, C, p)
            cross = (col.conj() @ cols).real  # (S, C, p)
            gram[:, :, jj, :] = cross
            gram[:, :, :, jj] = cross
            gram[:, :, jj, jj] = np.einsum("scn,scn->sc", col.conj(), col).real
            h[:, :, jj] = np.einsum("scn,sn->sc", col.conj(), b).real
            cc, cost_c = solve(gram, h)
            best = np.argmin(cost_c, axis=1)
            better = cost_c[rows, best] < cost
            sel = rows[better]
            tau[sel, j], ns[sel, j] = tt[sel, best[sel]], nn[sel, best[sel]]
            coef[sel], cost[sel] = cc[sel, best[sel]], cost_c[sel, best[sel]]
            cols[sel, :, jj] = col[sel, best[sel]]
    for s in range(S):  # each start polished off the grid (initial_polish)
        initial_polish.polish(log_w, weight[s], b[s], bb[s], cols[s], first, capacitor, tau[s], ns[s], coef[s],
                              cost[s], initial_polish.POLISH_EVALUATIONS)
    return values_many(circuit, d, tau, ns, [d.combos[c][2] for c in combos], coef, spans)


def search(circuit: Circuit, d: Design, frequency_Hz: np.ndarray, Z: np.ndarray, spans: np.ndarray,
           block: int = 256) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`score` of every row of ``Z`` (S, N) and the parameter values (S, n_params) of each
    row's best combination refined off the grid (:func:`refine`, ``block`` rows per numpy
    call): ``(coef, cost, bests)``; compiled, all of it one call
    (:func:`sselab.eis.kernel._grid.search_rows`), bit for bit the same numbers."""
    from .kernel import compiled_for

    Z = np.atleast_2d(np.asarray(Z, complex))
    S = Z.shape[0]
    # fused only where each block's refinement would be compiled too (not under auto without load())
    if d.outer is None or not len(d.arcs) or not compiled_for(min(S, block)):
        coef, cost = score(d, Z)
        bests = np.concatenate([refine(circuit, d, frequency_Hz, Z[lo:lo + block], np.argmin(cost[lo:lo + block], axis=1),
                                       spans[lo:lo + block]) for lo in range(0, S, block)])
        return coef, cost, bests
    from .kernel import parallel_for, pooled
    from .kernel._grid import search_rows, search_rows_serial

    log_w, capacitor, exponent = _refine_constants(d, frequency_Hz)
    cols_r, cols_i, cols_c, pi, pj, idx, tau_index, combo_n, grid = _search_constants(d)
    N, ((K, p), k) = Z.shape[1], (d.idx.shape, len(d.arcs))
    weight = 1 / np.abs(Z)  # score's and refine's weights, as they make them
    w2 = 1 / np.abs(Z) ** 2
    b = Z * weight
    bb = np.einsum("sn,sn->s", b.conj(), b).real
    coef, cost, bad, best = np.empty((S, K, p)), np.empty((S, K)), np.zeros((S, K), bool), np.empty(S, np.int64)
    cols, tau, ns, coef_best = np.empty((S, N, p), complex), np.ones((S, k)), np.ones((S, k)), np.zeros((S, p))
    par = parallel_for(S)
    with pooled(S, par):
        run = search_rows if par else search_rows_serial
        run(d.outer, pi, pj, w2, np.ascontiguousarray(Z.real), np.ascontiguousarray(Z.imag), cols_r, cols_i,
            cols_c, idx, tau_index, combo_n, grid, log_w, 1 if d.has_r else 0, capacitor, REFINE_DECADES, exponent,
            REFINE_SWEEPS, coef, cost, bad, best, weight, b, bb, cols, tau, ns, coef_best,
            initial_polish.POLISH_EVALUATIONS)
    bests = values_many(circuit, d, tau, ns, [d.combos[c][2] for c in best], coef_best, spans)
    redo = np.flatnonzero(best < 0)
    if redo.size:  # a broken-down factorisation: the reference's least squares, then its refinement
        coef[redo], cost[redo] = score(d, Z[redo])
        bests[redo] = refine(circuit, d, frequency_Hz, Z[redo], np.argmin(cost[redo], axis=1), spans[redo])
    return coef, cost, bests


def _search_constants(d: Design) -> tuple[np.ndarray, ...]:
    """The design's arrays as :func:`search` and
    :func:`~sselab.eis.initial_polish.polish_many` pass them to the kernels (contiguous, writeable
    copies: numba compiles read-only arrays as another type), kept with the design; no pairs
    where the design keeps no per-point products (``d.outer`` None: not searched compiled)."""
    found = d.__dict__.get("_search_constants")
    if found is None:
        C = d.cols.shape[1]
        pairs = d.pairs[0] if d.pairs is not None else np.empty(0, np.int64)
        found = (np.ascontiguousarray(d.cols.real), np.ascontiguousarray(d.cols.imag), np.array(d.cols, complex),
                 pairs // C, pairs % C, np.array(d.idx, np.int64),
                 np.array(d.position_index, np.int64), np.array(d.combo_n, float), np.array(d.grid, float))
        d.__dict__["_search_constants"] = found
    return found
