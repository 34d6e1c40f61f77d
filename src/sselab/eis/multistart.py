"""Fit many spectra from their automatic starts: one batched solve from every spectrum's best
start, a second from the other starts for the spectra that need them, and the results kept as
arrays until someone reads them (:class:`FitList`).

Examples
--------
>>> import numpy as np
>>> from sselab.eis import simulate_spectrum
>>> from sselab.eis.batch import fit_circuit_batch
>>> f = np.logspace(6, -1, 50)
>>> s = simulate_spectrum("R0-p(R1,CPE1)", {"R0": 10, "R1": 1e3, "CPE1.Q": 1e-9, "CPE1.n": 0.9}, f)
>>> fits = fit_circuit_batch([s, s], "R0-p(R1,CPE1)")
>>> round(float(fits.table()["values"]["R1"][1]))
1000
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Mapping

import numpy as np

from ..fitting.diagnostics import longest_run_p, runs_z
from ..fitting.engine import Estimates
from ..fitting.parameters import Parameters
from ..measurements import Spectrum
from .circuit import Circuit
from .initial import Starts, all_many, widen_many
from .kernel.dispatch import fit_best_model

#: a fit whose residuals (real or imaginary part, in frequency order) form runs this unlikely
#: for independent noise (runs-test z below RUNS_Z_ACCEPT, or a same-sign stretch with
#: probability below LONGEST_RUN_P_ACCEPT) gets the remaining automatic starts too
RUNS_Z_ACCEPT = -2.0
LONGEST_RUN_P_ACCEPT = 0.01
#: below this many points the runs tests cannot see a misfit: every start is fitted
MIN_POINTS_EARLY_EXIT = 20
#: stop when the Gauss–Newton step predicts less than 1 % of one noise variance still to gain
#: (see :func:`sselab.fitting.levenberg_marquardt.solve`); saves the long crawl of an
#: undetermined resistance towards log R → −∞ (mean evaluations 14.3 → 12 on 300 spectra)
STOL = 1e-2
#: and when the last STOL_WINDOW accepted (Gauss–Newton-like) steps together gained less than
#: STOL of one noise variance (:func:`sselab.fitting.levenberg_marquardt.solve`, status 5): an
#: undetermined pair of overlapping arcs otherwise crawls along its valley for hundreds of
#: iterations while the model keeps predicting a third of a noise variance to gain
STOL_WINDOW = 30


def _numba_used(engine: str) -> bool:
    """Whether numba is loaded for a solve that ran on ``engine`` (its compiled helpers then cost
    nothing more to use): the numba kernel, or the GPU's solve, whose final pass is numba's."""
    from .kernel import numba_available

    return engine == "numba" or (engine == "torch" and numba_available())


def _residual_runs(r: np.ndarray, n_points: int, compiled: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Per fit (rows of ``r``): the lower runs-test z and the lower longest-run p of its real and
    imaginary residuals in frequency order (z = −inf where one part has too few of one sign);
    ``compiled``: the same in one compiled pass (:func:`sselab.eis.kernel._final.residual_runs`,
    ~70 µs less per single fit)."""
    if compiled and n_points > 0:
        from .kernel._final import residual_runs

        z_out, p_out = np.empty(len(r)), np.empty(len(r))
        residual_runs(np.ascontiguousarray(r, float), int(n_points), z_out, p_out)  # serial: no lock needed
        return z_out, p_out
    r = r.reshape(len(r), 2, n_points)  # real, imaginary
    z = runs_z(r)
    z = np.where(np.isnan(z), -np.inf, z).min(axis=1)
    return z, longest_run_p(r).min(axis=1)


def _noise_like(r: np.ndarray, n_points: int, compiled: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per fit: whether its residuals look like noise (never for fewer than
    MIN_POINTS_EARLY_EXIT points, where the runs tests cannot see a misfit), and the runs z
    and longest-run p that decided it."""
    z, p = _residual_runs(r, n_points, compiled)
    ok = (z > RUNS_Z_ACCEPT) & (p > LONGEST_RUN_P_ACCEPT) & (n_points >= MIN_POINTS_EARLY_EXIT)
    return ok, z, p


#: up to this many rows in a solve's block, each fit computes its own canonical permutation
#: instead of taking the block's (:meth:`FitList._permutations`: the vectorised call's fixed
#: cost is ~4 rows' worth)
FEW_PERMUTATIONS = 4


#: a spectrum whose best fit after its automatic starts still has structured residuals and has
#: not settled (not converged, a parameter undetermined or at a bound) gets the further starts
#: of a selection this wide: a small arc beside a large one (R 1e2 next to 1e5 Ω) is found from
#: one of 16 starts and from none of 4 (2 of the 3 failures among 1,000 random two-arc spectra)
RESCUE_STARTS = 16
#: ... and keeps a rescue start's fit only when it lowers χ² by more than this many noise variances
RESCUE_GAIN = 0.01


def _rescue(model, params, starts, again, blocks, which, start_row, engines, noise_like, z, p, n_points,
            max_iter) -> None:
    """The third stage of :func:`fit_starts` (see :data:`RESCUE_STARTS`), updating its
    bookkeeping in place; tried starts are appended to each spectrum's :class:`Starts`."""
    def settled(i: int) -> bool:
        est, j = blocks[which[i][0]], which[i][1]
        return bool(est.success[j] and not est.undetermined[j] and not est.at_bound[j])

    stuck = [i for i in again if not noise_like[i] and not settled(i)]
    if not stuck:
        return
    extra = widen_many([starts[i] for i in stuck], RESCUE_STARTS)
    todo = [(i, e) for i, e in zip(stuck, extra) if len(e)]
    if not todo:
        return
    counts = [len(e) for _, e in todo]
    base = [len(starts[i].all()) - len(e) for i, e in todo]
    owner = np.repeat([i for i, _ in todo], counts)
    groups = np.repeat(np.arange(len(todo)), counts)
    kept, est3, engine3 = fit_best_model(model, params, starts=np.concatenate([e for _, e in todo]), groups=groups,
                                         data_rows=owner, max_iter=max_iter, stol=STOL, window=STOL_WINDOW)
    blocks.append(est3)
    b3 = len(blocks) - 1
    first = np.concatenate([[0], np.cumsum(counts)[:-1]])
    dof = blocks[0].residuals.shape[1] - int(params.free_mask.sum())
    cur = [blocks[which[i][0]] for i, _ in todo]
    rows = [which[i][1] for i, _ in todo]
    chi2_now = np.array([c.chi2[r] for c, r in zip(cur, rows)])
    take = _better_b(chi2_now, np.array([c.success[r] for c, r in zip(cur, rows)]), est3.chi2, est3.success, dof)
    # only a clearly better basin replaces the fit (by more than RESCUE_GAIN of one noise
    # variance): another parameterisation of the same degenerate optimum (a real spectrum's
    # collapsed arc, χ² equal to 1e-11) keeps what the four starts reported
    with np.errstate(invalid="ignore"):
        take &= ~np.isfinite(chi2_now) | (est3.chi2 < chi2_now - RESCUE_GAIN * chi2_now / max(dof, 1))
    for g, (i, _) in enumerate(todo):
        if engine3 not in engines[i].split("+"):
            engines[i] = f"{engines[i]}+{engine3}"
        if take[g]:
            which[i] = (b3, g)
            start_row[i] = base[g] + int(kept[g] - first[g])
    ag = np.array([i for i, _ in todo])
    r_now = np.stack([blocks[which[i][0]].residuals[which[i][1]] for i in ag])
    noise_like[ag], z[ag], p[ag] = _noise_like(r_now, n_points, _numba_used(engine3))


#: fit templates (bounds, units, fixed flags and values) of recently fitted circuits, see :func:`_template`
_TEMPLATES: dict[tuple, Parameters] = {}
_MAX_TEMPLATES = 64


def _template(c: Circuit, first: np.ndarray, fixed: Mapping[str, float],
              bounds: Mapping[str, tuple[float, float]] | None) -> Parameters:
    """``c.parameters(first, fixed=fixed, bounds=bounds)``, the fit's template, shared by the fits
    of one circuit with the same fixed values and bounds.  The template's free values are never
    read by the solves (every start is passed to them), except as the scale of an unbounded
    linear parameter (:func:`sselab.fitting.transforms.transform_for`): a circuit with such a
    parameter, a non-finite start (which the template's checks reject) or unhashable options
    gets its template built afresh."""
    try:
        key = (c.text, tuple(sorted((k, float(v)) for k, v in fixed.items())),
               tuple(sorted((k, float(lo), float(hi)) for k, (lo, hi) in (bounds or {}).items())))
    except (TypeError, ValueError):
        return c.parameters(first, fixed=fixed, bounds=bounds)
    found = _TEMPLATES.get(key)
    if found is not None and np.isfinite(first).all():
        return found
    params = c.parameters(first, fixed=fixed, bounds=bounds)
    if all(p.fixed or p.scale == "log" or np.isfinite(p.min) or np.isfinite(p.max) for p in params.values()):
        if len(_TEMPLATES) >= _MAX_TEMPLATES:
            _TEMPLATES.pop(next(iter(_TEMPLATES)))
        _TEMPLATES[key] = params
    return params


def _better_b(chi2_a, ok_a, chi2_b, ok_b, dof: int) -> np.ndarray:
    """Per pair, whether fit b replaces fit a: the lower χ², except that a converged fit wins over
    one that did not converge unless the latter's χ² is lower by more than one noise variance
    (χ²/(m − k)): then the converged one sat in a worse minimum, and the better fit is reported
    (flagged as not converged)."""
    ca = np.where(np.isfinite(chi2_a), chi2_a, np.inf)
    cb = np.where(np.isfinite(chi2_b), chi2_b, np.inf)
    a_lo = ca <= cb
    lo_ok, hi_ok = np.where(a_lo, ok_a, ok_b), np.where(a_lo, ok_b, ok_a)
    lo_c, hi_c = np.where(a_lo, ca, cb), np.where(a_lo, cb, ca)
    with np.errstate(invalid="ignore"):
        keep_lo = lo_ok | ~hi_ok | (hi_c - lo_c > hi_c / max(dof, 1))
    return np.where(keep_lo, ~a_lo, a_lo)


class FitList(Sequence):
    """The :class:`~sselab.eis.fit.CircuitFit` of every spectrum of a multi-start batch, each built
    when first read (and kept); :meth:`table` gives values, standard errors and χ² of all of them
    as arrays without building any."""

    def __init__(self, c, weighting, spectra, params, starts, canonical, blocks, which, start_row, tried, engines,
                 noise_like, z, p) -> None:
        self.circuit, self.weighting, self.spectra, self.params = c, weighting, spectra, params
        self._starts, self._canonical, self._blocks = starts, canonical, blocks
        self._which, self._start_row, self._tried, self._engines = which, start_row, tried, engines
        self._noise_like, self._z, self._p = noise_like, z, p
        self._cache: dict[int, Any] = {}
        self._perms: dict[int, np.ndarray] = {}

    def __len__(self) -> int:
        return len(self.spectra)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        i = range(len(self))[i]
        if i not in self._cache:
            self._cache[i] = self._build(i)
        return self._cache[i]

    def _row(self, i: int) -> tuple[Estimates, int]:
        block, j = self._which[i]
        return self._blocks[block], j

    def _build(self, i: int):
        from .fit import _best_fit

        est, j = self._row(i)
        row = self._start_row[i]
        start = self._starts[i].first if row == 0 else self._starts[i].all()[row]
        block = self._which[i][0]
        # a small block's fits compute their own (one row: 25 µs against the vectorised call's 110)
        few = len(self._blocks[block].values) <= FEW_PERMUTATIONS
        perm = self._permutations(block)[j] if self._canonical and not few else None
        fit = _best_fit(self.circuit, self.weighting, self.spectra[i], self.params, est.result(j), start,
                        self._canonical, self._tried[i], self._engines[i], perm)
        # residual structure is judged once, by the verdict (sselab.fitting.verdicts: systematic_residuals);
        # the runs tests here only decide whether more starts are tried
        return fit

    def _permutations(self, block: int) -> np.ndarray:
        """The canonical permutation of every row of a block's final values, computed once for
        the block, for its fits and :meth:`table` alike (row by row it cost ~40 % of building
        2,000 CLI fits; the same permutations, tests/eis_batch/test_lazy_results.py)."""
        found = self._perms.get(block)
        if found is None:
            found = self._perms[block] = self.circuit.canonical_permutations(self._blocks[block].values)
        return found

    def table(self) -> dict[str, Any]:
        """Every fit as arrays (no :class:`CircuitFit` built): ``{"names", "values" {name: (S,)},
        "stderr" {name: (S,)}, "chi2", "success", "starts_tried", "engine", "source"}``, values and
        standard errors in the same (canonical) order the :class:`CircuitFit` objects report."""
        S, n = len(self), len(self.params)
        values, stderr = np.empty((S, n)), np.empty((S, n))
        chi2, success = np.empty(S), np.empty(S, bool)
        for b, est in enumerate(self._blocks):
            mine = [i for i in range(S) if self._which[i][0] == b]
            if not mine:
                continue
            rows = np.array([self._which[i][1] for i in mine])
            v, se = est.values[rows], est.stderr[rows]
            if self._canonical:
                perm = self._permutations(b)[rows]  # (a copy: changed below)
                fixed = ~self.params.free_mask
                moved = perm != np.arange(n)
                hold = (moved & fixed[perm]).any(axis=1) | (moved & fixed).any(axis=1)
                perm[hold] = np.arange(n)
                v, se = np.take_along_axis(v, perm, 1), np.take_along_axis(se, perm, 1)
            values[mine], stderr[mine] = v, se
            chi2[mine], success[mine] = est.chi2[rows], est.success[rows]
        names = list(self.params.names)
        return {"names": names, "values": {k: values[:, j] for j, k in enumerate(names)},
                "stderr": {k: stderr[:, j] for j, k in enumerate(names)}, "chi2": chi2, "success": success,
                "starts_tried": np.asarray(self._tried), "engine": list(self._engines),
                "source": [s.source for s in self.spectra]}


def fit_starts(
    c: Circuit,
    spectra: list[Spectrum],
    starts: list[Starts],
    *,
    weighting: str,
    fixed: Mapping[str, float],
    bounds: Mapping[str, tuple[float, float]] | None,
    canonical: bool,
    max_iter: int,
    stacked: tuple[np.ndarray, np.ndarray] | None = None,
) -> FitList:
    """Fit every spectrum (equal point counts) from its automatic starts.

    Multi-start only where a spectrum needs it: all spectra are first fitted from their best
    start in one batched solve; a spectrum whose fit converged, with every parameter
    determined and off its bounds, and with noise-like residuals
    (:func:`~sselab.fitting.diagnostics.runs_z` of the real and imaginary residuals above
    ``RUNS_Z_ACCEPT`` and no improbably long same-sign stretch,
    :func:`~sselab.fitting.diagnostics.longest_run_p`) is done; the others get their
    remaining starts in a second batched solve and keep the best of all.  On 300 simulated
    eBE-stack spectra the best grid start was also the best fit in 299; the one exception
    had runs z = −3.6 and was caught.  Real spectra, whose residuals are rarely pure noise,
    usually get every start.  The decisions use the fits' arrays
    (:class:`~sselab.fitting.engine.Estimates`); the result objects are built when read.
    ``stacked``: the spectra's frequencies (Hz) and impedances stacked (S, N), when the caller
    has them (:mod:`sselab.eis.batch`), so they are not stacked again.
    """
    from .fit import _Model

    if stacked is not None:
        w, zz = 2 * np.pi * stacked[0], stacked[1]
    else:
        w = np.stack([2 * np.pi * s.frequency_Hz for s in spectra])
        zz = np.stack([s.impedance_ohm for s in spectra])
    n_points = zz.shape[1]
    model = _Model(c, w, zz, weighting)
    params = _template(c, starts[0].first, fixed, bounds)
    S = len(spectra)
    first = np.stack([s.first for s in starts])
    _, est, first_engine = fit_best_model(model, params, starts=first, groups=np.arange(S), data_rows=np.arange(S),
                                          max_iter=max_iter, stol=STOL, window=STOL_WINDOW)
    blocks = [est]
    which = [(0, i) for i in range(S)]
    start_row = [0] * S
    noise_like, z, p = _noise_like(est.residuals, n_points, _numba_used(first_engine))
    # done after one start: converged, noise-like residuals, and every parameter determined and
    # off its bounds (a parameter driven to a bound — log R → −∞ — can mark a wrong basin whose
    # residuals still look like noise)
    settled = est.success & ~est.undetermined & ~est.at_bound
    engines = [first_engine] * S
    candidates = [i for i in range(S) if not (noise_like[i] and settled[i])]
    every = dict(zip(candidates, all_many([starts[i] for i in candidates])))
    again = [i for i in candidates if len(every[i]) > 1]
    if again:
        counts = [len(starts[i].all()) - 1 for i in again]
        owner = np.repeat(again, counts)
        rest = np.concatenate([starts[i].all()[1:] for i in again])
        local = np.concatenate([np.arange(1, n + 1) for n in counts])
        groups = np.repeat(np.arange(len(again)), counts)
        kept2, est2, engine2 = fit_best_model(model, params, starts=rest, groups=groups, data_rows=owner,
                                              max_iter=max_iter, stol=STOL, window=STOL_WINDOW)
        blocks.append(est2)
        ag = np.array(again)
        dof = est.residuals.shape[1] - int(params.free_mask.sum())
        take = _better_b(est.chi2[ag], est.success[ag], est2.chi2, est2.success, dof)
        for g, i in enumerate(again):
            engines[i] = first_engine if engine2 == first_engine else f"{first_engine}+{engine2}"
            if take[g]:
                which[i] = (1, g)
                start_row[i] = int(local[kept2[g]])
        r_again = np.stack([blocks[which[i][0]].residuals[which[i][1]] for i in again])
        noise_like[ag], z[ag], p[ag] = _noise_like(r_again, n_points, _numba_used(engine2))
        _rescue(model, params, starts, again, blocks, which, start_row, engines, noise_like, z, p, n_points,
                max_iter)
    retried = set(again)
    tried = [len(starts[i].all()) if i in retried else 1 for i in range(S)]
    for st in starts:  # no more starts are made: let go of the grid blocks behind them
        st.release()
    return FitList(c, weighting, spectra, params, starts, canonical, blocks, which, start_row, tried, engines,
                   noise_like, z, p)
