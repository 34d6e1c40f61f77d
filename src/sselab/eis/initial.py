"""Automatic initial values for a circuit fit, derived from the spectrum.

A user who gives only the file and the circuit should get the right fit.  The spectrum is
first described by a non-negative "DRT-lite" (an ohmic term, a ladder of RC elements on a
log τ grid, a series capacitance and a series inductance, solved by NNLS).  Its clusters
give each arc's resistance and apex time constant; the ohmic term gives the high-frequency
intercept; the capacitance and the lowest-frequency points give blocking and diffusion
tails.  These features are then mapped onto the circuit's elements, and a few variants
(ideality n, resistance splits) make a multi-start set that the batched engine fits at once.

Examples
--------
>>> import numpy as np
>>> from sselab.eis.circuit import Circuit
>>> c = Circuit("R0-p(R1,C1)")
>>> f = np.logspace(5, -1, 40)
>>> z = c.impedance(f, {"R0": 20.0, "R1": 500.0, "C1": 1e-6})
>>> starts = initial_values(c, f, z)
>>> bool(abs(starts[0, 1] / 500 - 1) < 0.2)
True
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping

import numpy as np

from .circuit import Circuit
from .language import Element, Node, Parallel, Series


@dataclass(frozen=True)
class Features:
    """What the spectrum shows: ohmic intercept, arcs (R [Ω], τ [s]) ordered by τ,
    series capacitance [F] (inf if none), series inductance [H], and low-frequency data."""

    r_inf: float
    arcs: tuple[tuple[float, float], ...]
    c_series: float
    l_series: float
    f_min: float
    f_max: float
    z_low: complex
    r_total: float
    tail: tuple[tuple[float, float], ...] = ()


TAIL_EXPONENTS = (0.5, 0.65, 0.8, 0.9)


def features(
    frequency_Hz: np.ndarray, z: np.ndarray, per_decade: int = 6, tail_exponents: tuple[float, ...] = ()
) -> Features:
    """Describe a spectrum by a non-negative RC ladder (see module docs).

    ``tail_exponents`` adds series constant-phase columns 1/(Q (jω)^n) for each n, so that a
    blocking-electrode or diffusion tail is not mistaken for large low-frequency arcs;
    ``Features.tail`` then lists (n, 1/Q) for each.
    """
    f = np.asarray(frequency_Hz, float)
    w = 2 * np.pi * f
    f_min, f_max = float(f.min()), float(f.max())
    lo, hi = np.log10(1 / (2 * np.pi * f_max)) - 1, np.log10(1 / (2 * np.pi * f_min)) + 1
    tau = np.logspace(lo, hi, max(int((hi - lo) * per_decade), 4))
    wt = np.outer(w, tau)
    re = 1 / (1 + wt**2)
    im = -wt / (1 + wt**2)
    scale = np.abs(z)
    tails = [np.exp(-n * (np.log(w) + 0.5j * np.pi)) for n in tail_exponents]
    cols_re = np.column_stack([np.ones_like(w), re] + [t.real for t in tails] + [np.zeros_like(w), np.zeros_like(w)])
    cols_im = np.column_stack([np.zeros_like(w), im] + [t.imag for t in tails] + [-1 / w, w])
    A = np.vstack([cols_re / scale[:, None], cols_im / scale[:, None]])
    b = np.concatenate([z.real / scale, z.imag / scale])
    norms = np.linalg.norm(A, axis=0)
    norms[norms == 0] = 1
    An = A / norms
    ridge = 1e-3 * np.eye(An.shape[1])
    ridge[0, 0] = ridge[-1, -1] = ridge[-2, -2] = 0
    from scipy.optimize import nnls  # here: scipy costs ~0.2 s to import and most fits never get here

    x, _ = nnls(np.vstack([An, ridge]), np.concatenate([b, np.zeros(An.shape[1])]), maxiter=2000)
    x = x / norms
    r_inf = float(x[0])
    nt = len(tail_exponents)
    g = x[1 : 1 + tau.size]
    tail = tuple((n, float(v)) for n, v in zip(tail_exponents, x[1 + tau.size : 1 + tau.size + nt]))
    inv_c, ind = float(x[-2]), float(x[-1])
    arcs = []
    total = g.sum()
    if total > 0 and g.size > 1:
        # clusters: runs of non-negligible weights separated by valleys
        level = 0.01 * g.max()
        k = 0
        n = g.size
        while k < n:
            if g[k] <= level:
                k += 1
                continue
            j = k
            while j + 1 < n and g[j + 1] > level:
                # split at a valley deeper than half of both neighbours' peaks
                j += 1
            seg = np.arange(k, j + 1)
            # further split the run at interior minima
            start = seg[0]
            for m in range(seg[0] + 1, seg[-1]):
                if m <= start:
                    continue
                left, right = g[start : m].max(), g[m + 1 : seg[-1] + 1].max()
                if g[m] < 0.5 * min(left, right) and g[m] <= g[m - 1] and g[m] <= g[m + 1]:
                    arcs.append(_cluster(g, tau, start, m))
                    start = m + 1
            arcs.append(_cluster(g, tau, start, seg[-1] + 1))
            k = j + 1
    c_series = 1 / inv_c if inv_c > 0 else float("inf")
    low = int(np.argmin(f))
    return Features(
        r_inf=max(r_inf, 0.0),
        arcs=tuple(sorted(a for a in arcs if a[0] > 0)),
        c_series=c_series,
        l_series=ind,
        f_min=f_min,
        f_max=f_max,
        z_low=complex(z[low]),
        r_total=float(r_inf + total),
        tail=tail,
    )


def _cluster(g: np.ndarray, tau: np.ndarray, a: int, b: int) -> tuple[float, float]:
    r = float(g[a:b].sum())
    t = float(np.exp(np.sum(g[a:b] * np.log(tau[a:b])) / r)) if r > 0 else float(tau[a])
    return (t, r)


def _top_level(node: Node) -> tuple[Node, ...]:
    return node.children if isinstance(node, Series) else (node,)


def _is_arc(node: Node) -> bool:
    if not isinstance(node, Parallel) or len(node.children) != 2:
        return False
    kinds = sorted(c.type for c in node.children if isinstance(c, Element))
    return len(kinds) == 2 and kinds[0] in ("C", "CPE") and kinds[1] == "R"


def _hooked(node: Node) -> bool:
    """A lone element with its own automatic start (ZARC, K, HN, TLM...): fitted like an arc."""
    from .elements import ELEMENTS

    return isinstance(node, Element) and ELEMENTS[node.type].start is not None


def _set_hooked(set_, el: Element, r: float, tau: float, n: float) -> None:
    from .elements import ELEMENTS

    etype = ELEMENTS[el.type]
    for name, v in zip(etype.parameter_names(el.label), etype.start(r, tau, n)):  # type: ignore[misc]
        set_(name, v)


def _assign(circuit: Circuit, feats: Features, n_cpe: float, arc_scale: float, pick: str = "largest") -> np.ndarray:
    values = np.full(circuit.n_params, np.nan)
    names = circuit.parameter_names

    def set_(name: str, v: float) -> None:
        values[names.index(name)] = v

    span = max(feats.r_total - feats.r_inf, abs(feats.z_low), 1e-12)
    tau_mid = 1 / (2 * np.pi * np.sqrt(feats.f_min * feats.f_max))
    tau_low = 1 / (2 * np.pi * feats.f_min)
    top = _top_level(circuit.tree)
    arcs_nodes = [n for n in top if _is_arc(n) or _hooked(n)]
    # choose arcs: the len(arcs_nodes) largest clusters, in τ order (high frequency first)
    clusters = list(feats.arcs)
    k = len(arcs_nodes)
    if k:
        if len(clusters) >= k and pick == "largest":
            chosen = sorted(sorted(clusters, key=lambda a: -a[1])[:k])
        elif len(clusters) >= k:
            chosen = sorted(clusters)[:k]  # the k fastest processes
        else:
            chosen = list(clusters)
            known = [np.log10(t) for t, _ in chosen] or [np.log10(tau_mid)]
            extra_taus = np.logspace(np.log10(1 / (2 * np.pi * feats.f_max)), np.log10(tau_low), k + 2)[1:-1]
            for t in extra_taus:
                if len(chosen) >= k:
                    break
                if min(abs(np.log10(t) - x) for x in known) > 0.7:
                    chosen.append((float(t), span / (2 * k)))
                    known.append(np.log10(t))
            while len(chosen) < k:
                t = chosen[-1][0] * 30 if chosen else tau_mid
                chosen.append((t, span / (2 * k)))
            chosen = sorted(chosen)
        for node, (tau, r) in zip(arcs_nodes, chosen):
            r *= arc_scale
            if isinstance(node, Element):
                _set_hooked(set_, node, r, tau, n_cpe)
                continue
            for el in node.children:
                if el.type == "R":
                    set_(el.label, r)
                elif el.type == "C":
                    set_(el.label, tau / r)
                else:
                    set_(el.label + ".Q", tau**n_cpe / r)
                    set_(el.label + ".n", n_cpe)
    lone_r = [n for n in top if isinstance(n, Element) and n.type == "R"]
    for el in lone_r:
        r_inf = feats.r_inf if feats.r_inf > 0 else 1e-3 * span
        set_(el.label, r_inf / len(lone_r))
    arc_total = sum(r for _, r in feats.arcs)
    leftover = max(feats.r_total - feats.r_inf - arc_total, 0.1 * span)
    w_low = 2 * np.pi * feats.f_min
    for node in top:
        if not isinstance(node, Element):
            continue
        lab = node.label
        c_low = feats.c_series if np.isfinite(feats.c_series) else -1 / (w_low * min(feats.z_low.imag, -1e-12))
        if node.type == "C":
            set_(lab, c_low)
        elif node.type == "CPE":
            strongest = max(feats.tail, key=lambda t: t[1] * w_low ** -t[0], default=None)
            if strongest is not None and strongest[1] > 0 and strongest[0] > 0.55:
                set_(lab + ".Q", 1 / strongest[1])
                set_(lab + ".n", strongest[0])
            else:
                set_(lab + ".Q", c_low * w_low ** (1 - 0.85))
                set_(lab + ".n", 0.85)
        elif node.type == "L":
            set_(lab, max(feats.l_series, 1e-3 * span / (2 * np.pi * feats.f_max)))
        elif node.type == "W":
            half = dict(feats.tail).get(0.5, 0.0)
            set_(lab, half / np.sqrt(2) if half > 0 else max(abs(feats.z_low.imag) * np.sqrt(w_low) * 0.5, 1e-12))
        elif node.type in ("Ws", "Wo", "G"):
            set_(lab + ".R", leftover)
            set_(lab + ".tau", tau_low / 3)
    # anything not covered (nested structures): generic values around the spectrum's scale
    for i, name in enumerate(names):
        if np.isfinite(values[i]):
            continue
        label, _, param = name.partition(".")
        etype = circuit.element_type(label)
        r_guess = span / max(sum(1 for n in names if circuit.element_type(n.partition(".")[0]) == "R"), 1)
        if _hooked(Element(label, etype, 0)):
            _set_hooked(set_, Element(label, etype, 0), r_guess, tau_mid, n_cpe)
        elif etype == "R":
            values[i] = r_guess
        elif etype == "C":
            values[i] = tau_mid / r_guess
        elif etype == "CPE":
            values[i] = n_cpe if param == "n" else tau_mid**n_cpe / r_guess
        elif etype == "L":
            values[i] = 1e-3 * span / (2 * np.pi * feats.f_max)
        elif etype == "W":
            values[i] = max(abs(feats.z_low.imag) * np.sqrt(w_low) * 0.5, 1e-12)
        else:
            values[i] = tau_mid if param == "tau" else r_guess
    return values


class Starts:
    """The automatic starts of one spectrum, best first: the best at once, the others only when
    asked for (most fits need just the best, see :func:`sselab.eis.fit.fit_starts`).

    Examples
    --------
    >>> s = Starts(np.array([1.0, 2.0]), lambda: np.array([[1.0, 2.0], [3.0, 4.0]]))
    >>> s.first.tolist(), s.all().shape
    ([1.0, 2.0], (2, 2))
    """

    def __init__(self, first: np.ndarray, make_all: Callable[[], np.ndarray]) -> None:
        self.first = np.asarray(first, float)
        self._make_all: Callable[[], np.ndarray] | None = make_all
        self._all: np.ndarray | None = None
        self._pending = None  # (block, row) when the extra starts can be made with others'

    def all(self) -> np.ndarray:
        """Every start (S, n_params), the first row equal to :attr:`first`."""
        if self._all is None:
            make, self._make_all = self._make_all, None
            self._all = np.atleast_2d(np.asarray(make(), float))  # type: ignore[misc]
        return self._all

    def release(self) -> None:
        """No more starts will be asked for: keep those made (the first alone when no others were),
        and let go of what would make the rest (a grid block's scores and spectra)."""
        if self._all is None:
            self._all = self.first[None]
        self._make_all = None
        self._pending = None

    def with_values(self, index_values: Mapping[int, float], only_first: bool = False) -> "Starts":
        """The same starts with parameters ``{index: value}`` set (user's initial/fixed values);
        ``only_first`` keeps just the best start."""

        def put(a: np.ndarray) -> np.ndarray:
            a = np.array(a, float)
            for i, v in index_values.items():
                a[..., i] = v
            return a

        if not index_values:
            return self if not only_first else Starts(self.first, lambda: self.first[None])
        first = put(self.first)
        return Starts(first, (lambda: first[None]) if only_first else (lambda: put(self.all())))


def starts_many(circuit: Circuit, frequency_Hz: np.ndarray, Z: np.ndarray, n_starts: int = 4) -> list[Starts]:
    """The :class:`Starts` of each row of ``Z`` (spectra, N) measured at ``frequency_Hz`` (N,).

    Series-of-arcs circuits: one variable-projection grid search for all rows
    (:mod:`sselab.eis.initial_grid`, scoring vectorised over spectra in blocks that bound the
    temporary Gram stacks); other shapes: the RC-ladder features of each spectrum.
    """
    from . import initial_grid
    from .initial_assemble import best_kept

    f = np.asarray(frequency_Hz, float)
    Z = np.atleast_2d(np.asarray(Z, complex))
    d = initial_grid.design(circuit, f) if initial_grid.applicable(circuit) else None
    if d is None:
        out = []
        for z in Z:
            every = _feature_starts(circuit, f, z, n_starts)
            out.append(Starts(every[0], lambda every=every: every))
        return out
    out = []
    per = max(1, MAX_BATCH_SOLVES // d.idx.shape[0])
    for lo in range(0, Z.shape[0], per):
        Zs = Z[lo : lo + per]
        spans = np.abs(Zs).max(axis=1)
        # every combination scored, and the best combination of each refined off the grid
        coef, cost, bests = initial_grid.search(circuit, d, f, Zs, spans, REFINE_BLOCK)
        keep = min(KEEP_COMBINATIONS, cost.shape[1])
        # the extra starts come from the best-scoring combinations: keep copies of those only,
        # so a chunk's pending Starts do not hold its whole (spectra × combinations) score
        if n_starts <= 1:
            out += [Starts(best, lambda best=best: best[None]) for best in bests]
            continue
        tops, coefs, costs = best_kept(coef, cost, keep)
        pending = _Pending(circuit, d, bests, coefs, costs, tops, spans, n_starts, f, Zs)
        for k in range(Zs.shape[0]):
            st = Starts(bests[k], lambda k=k, pending=pending: pending.make([k])[0])
            st._pending = (pending, k)
            out.append(st)
    return out


class _Pending:
    """The material for the extra starts of a block of spectra (their best-scoring grid
    combinations), assembled for any subset at once (:func:`all_many`)."""

    def __init__(self, circuit, d, bests, coefs, costs, tops, spans, n_starts, frequency_Hz, Z) -> None:
        self.circuit, self.d, self.bests, self.n_starts = circuit, d, bests, n_starts
        self.coefs, self.costs, self.tops, self.spans = coefs, costs, tops, spans
        self.frequency_Hz, self.Z = frequency_Hz, Z

    def make(self, rows: list[int], n_starts: int | None = None) -> list[np.ndarray]:
        """Every start of spectra ``rows``: the refined best, then the other picks of
        :func:`~sselab.eis.initial_grid.select` (``n_starts`` of them, default the block's),
        polished off the grid (:func:`~sselab.eis.initial_polish.polish_many`)."""
        from . import initial_grid
        from .initial_polish import polish_many

        r = np.asarray(rows, int)

        def polish(owner, chosen, tau, ns, coef) -> None:
            polish_many(self.d, self.frequency_Hz, self.Z, r[owner], chosen, tau, ns, coef)

        picks = initial_grid.select_many(self.circuit, self.d, self.coefs[r], self.costs[r], self.spans[r],
                                         n_starts or self.n_starts, self.tops[r], polish)
        return [np.vstack([self.bests[k][None], v[1:]]) for k, v in zip(rows, picks)]


def _by_block(starts: list["Starts"], unmade_only: bool):
    """The grid starts among ``starts`` grouped by their :class:`_Pending` block: (block, its
    rows, their places in ``starts``) per block; ``unmade_only``: skip those whose
    :meth:`Starts.all` is made already, else make it."""
    groups: dict[int, tuple[_Pending, list[int], list[int]]] = {}
    for i, s in enumerate(starts):
        pend = getattr(s, "_pending", None)
        if pend is None or (unmade_only and s._all is not None):
            continue
        if not unmade_only:
            s.all()
        pending, rows, where = groups.setdefault(id(pend[0]), (pend[0], [], []))
        rows.append(pend[1])
        where.append(i)
    return list(groups.values())


def all_many(starts: list["Starts"]) -> list[np.ndarray]:
    """``[s.all() for s in starts]``, the extra starts of spectra from one grid search made
    together (one vectorised selection instead of one per spectrum)."""
    for pending, rows, where in _by_block(starts, unmade_only=True):
        for i, a in zip(where, pending.make(rows)):
            starts[i]._all = np.atleast_2d(np.asarray(a, float))
            starts[i]._make_all = None
    return [s.all() for s in starts]


def widen_many(starts: list["Starts"], n_starts: int) -> list[np.ndarray]:
    """For each of ``starts`` (grid starts only), the further starts of a wider selection of
    ``n_starts`` (:func:`~sselab.eis.initial_grid.select`) not already among its
    :meth:`Starts.all`, appended to it; the rows added per spectrum (none for starts that
    do not come from the grid search)."""
    out = [np.empty((0, s.first.size)) for s in starts]
    for pending, rows, where in _by_block(starts, unmade_only=False):
        for i, wider in zip(where, pending.make(rows, n_starts)):
            have = starts[i]._all
            new = np.array([row for row in wider[1:] if not (have == row).all(axis=1).any()]).reshape(-1, have.shape[1])
            starts[i]._all = np.vstack([have, new])
            out[i] = new
    return out


#: (spectra × combinations) scored per numpy call, bounding the temporary Gram stacks
MAX_BATCH_SOLVES = 100_000
#: combinations kept per spectrum for its extra starts (the best-scoring ones)
KEEP_COMBINATIONS = 256
#: spectra refined per vectorised block (bounds the (spectra × candidates × points) arrays)
REFINE_BLOCK = 256


def initial_values(circuit: Circuit, frequency_Hz: np.ndarray, z: np.ndarray, n_starts: int = 4) -> np.ndarray:
    """Starting points (S, n_params) for fitting ``circuit`` to the spectrum, best first.

    Series-of-arcs circuits use the variable-projection grid search of
    :mod:`sselab.eis.initial_grid`; other shapes, and extra starts, come from the RC-ladder
    features mapped onto the circuit's elements.
    """
    [starts] = starts_many(circuit, frequency_Hz, z, n_starts)
    return starts.all() if n_starts > 1 else starts.first[None]


def _feature_starts(circuit: Circuit, frequency_Hz: np.ndarray, z: np.ndarray, n_starts: int) -> np.ndarray:
    top = _top_level(circuit.tree)
    has_tail = any(isinstance(n, Element) and n.type in ("C", "CPE", "W") for n in top)
    feats = features(frequency_Hz, z, tail_exponents=TAIL_EXPONENTS if has_tail else ())
    variants = [(0.9, 1.0, "largest"), (0.8, 1.0, "fastest"), (0.75, 1.0, "largest"), (0.95, 0.5, "fastest"),
                (0.8, 2.0, "largest"), (0.6, 1.0, "largest"), (1.0, 1.0, "fastest")]
    return np.array([_assign(circuit, feats, n, s, pick) for n, s, pick in variants[: max(n_starts, 1)]])
