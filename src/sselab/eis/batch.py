"""Fit one circuit to many spectra at once: one batched Levenberg–Marquardt per chunk.

:func:`fit_circuit_batch` gives, for every spectrum, the same :class:`~sselab.eis.fit.CircuitFit`
as :func:`~sselab.eis.fit.fit_circuit` (same automatic starts, same engine, same choice of
the best start, same canonical arc order), but advances all (spectrum × start) problems of
a chunk together, so the Python overhead of the solver is paid once per chunk instead of
once per spectrum.  The automatic starts (the variable-projection grid search of
:mod:`sselab.eis.initial_grid`) are likewise computed for all spectra sharing a frequency
grid in one batched solve (:func:`~sselab.eis.initial.starts_many`).  Spectra are grouped by point count (each row carries its own frequency
grid, so different grids of equal length share a batch).  A spectrum that cannot be fitted
gives a :class:`FitFailure` in its place; the others still fit.

Memory
------
Working memory is bounded by ``chunk_size`` (spectra per batched solve).  Per row
(one spectrum × one start, N points, n parameters, m = 2N residuals) the solver and the
model hold about ``(2·m·n + 2·m)·8`` bytes of real Jacobians/residuals (current and trial),
``3·N·n·16`` bytes of complex element derivatives and temporaries, plus the per-row
``A``/``M`` matrices: for N = 100, n = 7 about 30 kB.  The first stage fits one start per
spectrum; only spectra whose residuals are not noise-like get their other starts (see
:func:`~sselab.eis.fit.fit_starts`), so the per-spectrum figure is ≈ 30 kB plus, while a
chunk is pending, its spare starts' material (the 256 best-scoring grid combinations,
≈ 8 kB): a 2048-spectrum chunk peaks well under the 250 MB measured with tracemalloc in
``tests/eis_batch/test_batch_memory.py`` for the all-starts solver.  What is *kept* per
spectrum is its result: the data (N·24 bytes), the residual vector (m·8 bytes), covariance
(n²·8) and ~2 kB of Python objects, ≈ 6 kB for N = 100.  So 100,000 spectra × 100 points:
inputs 240 MB + results ≈ 600 MB + one chunk ≈ 250 MB ≈ 1.1 GB peak, under the 2 GB budget;
larger campaigns should stream (fit and store chunk by chunk with
:func:`iter_fit_circuit_batch`), which keeps the peak at one chunk.

Examples
--------
>>> import numpy as np
>>> from sselab.eis import simulate_spectrum
>>> f = np.logspace(6, -1, 50)
>>> spectra = [simulate_spectrum("R0-p(R1,CPE1)", {"R0": 10, "R1": r, "CPE1.Q": 1e-9, "CPE1.n": 0.9}, f)
...            for r in (1e3, 1e4)]
>>> fits = fit_circuit_batch(spectra, "R0-p(R1,CPE1)")
>>> [round(fit["R1"].value) for fit in fits]
[1000, 10000]
"""

from __future__ import annotations

import contextvars
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from operator import itemgetter
from collections.abc import Sequence
from typing import Any, Iterator, Mapping

import numpy as np

from ..exceptions import FitError, SselabError
from ..fitting.threads import single_threaded_blas
from ..measurements import Spectrum
from ..verdict import Reason, Verdict
from .circuit import Circuit, circuit_of
from .fit import CircuitFit, _validate
from .multistart import FitList, fit_starts
from .initial import Starts, starts_many
from .weights import WEIGHTINGS


@dataclass(frozen=True)
class FitFailure:
    """A spectrum that could not be fitted: where it came from and why."""

    index: int
    source: str
    error: str
    error_type: str = "FitError"

    success = False

    def to_dict(self) -> dict[str, Any]:
        """``{"source", "error", "error_type"}``, the JSON object a failing file gets."""
        return {"source": self.source, "error": self.error, "error_type": self.error_type,
                **self.verdict.to_dict()}

    @property
    def verdict(self) -> Verdict:
        """Always ``failed`` (code ``fit_error``): there is no fit."""
        return Verdict((Reason("fit_error", f"no fit: {self.error}", "failed"),))


@dataclass
class _Prepared:
    index: int
    spectrum: Spectrum
    starts: Starts


def _prepare_chunk(
    indices: Sequence[int], spectra: Sequence[Spectrum], c: Circuit, n_starts: int, initial: Mapping[str, float],
    fixed: Mapping[str, float], complete: bool,
) -> tuple[list[_Prepared], list[tuple[int, FitFailure]], tuple[np.ndarray, np.ndarray] | None]:
    """Validate the spectra and build their starts (one vectorised grid search per frequency grid);
    with the chunk's stacked frequencies and impedances (S, N) when every spectrum got its starts
    (else None), for :func:`~sselab.eis.multistart.fit_starts`."""
    failed: list[tuple[int, FitFailure]] = []
    by_grid: dict[bytes, list[int]] = {}
    clean, f_all, z_all = _clean(indices, spectra, c)
    if f_all is not None and clean.all() and (f_all == f_all[0]).all():  # the common case: every spectrum clean, on one grid
        groups = [(list(indices), z_all)]
    else:
        for i, ok in zip(indices, clean):
            if not ok:  # not every check of _validate passed (tested for the whole chunk at once)
                try:
                    _validate(spectra[i], c)
                except (SselabError, ValueError, TypeError, AttributeError) as exc:
                    failed.append((i, _failure(i, spectra[i], exc)))
                    continue
            by_grid.setdefault(np.ascontiguousarray(spectra[i].frequency_Hz).tobytes(), []).append(i)
        groups = [(m, np.stack([spectra[i].impedance_ohm for i in m])) for m in by_grid.values()]
    items: list[_Prepared] = []
    index_values = {c.parameter_index(k): v for k, v in {**initial, **fixed}.items()}
    for members, Z in groups:
        f = spectra[members[0]].frequency_Hz
        try:
            all_starts = starts_many(c, f, Z, n_starts=1 if complete else n_starts)
        except (SselabError, ValueError, FloatingPointError, np.linalg.LinAlgError):
            all_starts = []
            for i in members:  # isolate the spectrum that breaks the batched search
                try:
                    all_starts.append(starts_many(c, f, spectra[i].impedance_ohm, 1 if complete else n_starts)[0])
                except (SselabError, ValueError, FloatingPointError, np.linalg.LinAlgError) as exc:
                    all_starts.append(exc)
        for i, auto in zip(members, all_starts):
            if isinstance(auto, BaseException):
                failed.append((i, _failure(i, spectra[i], auto)))
                continue
            if index_values or complete:
                auto = auto.with_values(index_values, complete)
            items.append(_Prepared(i, spectra[i], auto))
    stacked = (f_all, z_all) if groups and groups[0][1] is z_all and len(items) == len(indices) else None
    return items, failed, stacked


def _clean(indices: Sequence[int], spectra: Sequence[Spectrum], c: Circuit) -> tuple[np.ndarray, Any, Any]:
    """Per spectrum of a chunk (equal point counts), whether it passes every check of
    :func:`~sselab.eis.fit._validate`, tested on the stacked arrays; False sends a spectrum
    to the one-by-one check, which says what is wrong.  With the stacked frequencies and
    impedances (S, N) (None when they could not be stacked)."""
    try:
        f = np.stack([np.asarray(spectra[i].frequency_Hz, float) for i in indices])
        z = np.stack([np.asarray(spectra[i].impedance_ohm, complex) for i in indices])
        _validate(spectra[indices[0]], c)  # the checks on the point count, the same for the chunk
    except (SselabError, ValueError, TypeError, AttributeError):
        return np.zeros(len(indices), bool), None, None
    with np.errstate(invalid="ignore"):
        ok = np.isfinite(f).all(axis=1) & np.isfinite(z).all(axis=1) & (f > 0).all(axis=1) & (z != 0).all(axis=1)
    return ok, f, z


def _failure(i: int, spectrum: Any, exc: BaseException) -> FitFailure:
    src = getattr(spectrum, "source", "") or f"spectrum {i}"
    return FitFailure(i, src, str(exc), type(exc).__name__)


def _iter_lazy(spectra, circuit, weighting, n_starts, chunk_size, initial, fixed, bounds, canonical, max_iter):
    c = circuit_of(circuit)
    if weighting not in WEIGHTINGS:
        raise FitError(f"unknown weighting {weighting!r}; expected one of {', '.join(WEIGHTINGS)}")
    if chunk_size < 1:
        raise FitError(f"chunk_size must be at least 1, got {chunk_size}")
    initial, fixed = dict(initial or {}), dict(fixed or {})
    for name in list(initial) + list(fixed):
        c.parameter_index(name)
    complete = all(n in initial or n in fixed for n in c.parameter_names)
    # group indices by point count, keeping input order inside each group
    counts = [_points(s) for s in spectra]
    first = counts[0] if counts else 0
    groups: dict[int, list[int]] = {}
    if all(n == first for n in counts):
        groups[first] = list(range(len(counts)))
    else:
        for i, n in enumerate(counts):
            groups.setdefault(n, []).append(i)
    from .kernel import batch, split_threads

    def fit_part(part: list[int]) -> list[tuple[int, Any]]:
        items, done, stacked = _prepare_chunk(part, spectra, c, n_starts, initial, fixed, complete)
        done = list(done)
        if items:
            done.extend(_fit_items(items, c, weighting, fixed, bounds, canonical, max_iter, stacked))
        return done

    for idx in groups.values():
        for lo in range(0, len(idx), chunk_size):
            chunk = idx[lo : lo + chunk_size]
            # every step of this call chosen for the call's size (not each step's), and not across the yield
            with single_threaded_blas(), batch(len(spectra)):
                n_parts = split_threads(len(chunk))
                done = fit_part(chunk) if n_parts == 1 else _split(fit_part, chunk, n_parts)
            yield sorted(done, key=itemgetter(0))


def _split(fit_part, chunk: list[int], n_parts: int) -> list[tuple[int, Any]]:
    """``fit_part`` of ``n_parts`` consecutive slices of ``chunk``, each in its own thread with
    serial kernels (:func:`sselab.eis.kernel.split_threads`), in this context (the call's engine
    choice, :func:`sselab.eis.kernel.batch`); an exception is raised here as it would be unsplit."""
    from .kernel import serial

    def run(part: list[int]) -> list[tuple[int, Any]]:
        with serial():
            return fit_part(part)

    cuts = [len(chunk) * k // n_parts for k in range(n_parts + 1)]
    with ThreadPoolExecutor(n_parts, thread_name_prefix="sselab-fit") as pool:
        futures = [pool.submit(contextvars.copy_context().run, run, chunk[a:b]) for a, b in zip(cuts, cuts[1:])]
        return [entry for f in futures for entry in f.result()]


def _points(spectrum: Any) -> int:
    """The spectrum's point count (0 without frequencies; the check says what is wrong)."""
    f = getattr(spectrum, "frequency_Hz", ())
    return f.size if isinstance(f, np.ndarray) else int(np.size(f))


def iter_fit_circuit_batch(
    spectra: Sequence[Spectrum],
    circuit: str | Circuit,
    *,
    weighting: str = "modulus",
    n_starts: int = 4,
    chunk_size: int = 2048,
    initial: Mapping[str, float] | None = None,
    fixed: Mapping[str, float] | None = None,
    bounds: Mapping[str, tuple[float, float]] | None = None,
    canonical: bool = True,
    max_iter: int = 300,
) -> Iterator[list[tuple[int, CircuitFit | FitFailure]]]:
    """Fit chunk by chunk; yields ``[(input index, CircuitFit | FitFailure), ...]`` per chunk.

    Use it to stream results to a store without holding every fit in memory.  Starts are
    computed per chunk, so only one chunk's data and working arrays are alive at a time.
    """
    for chunk in _iter_lazy(spectra, circuit, weighting, n_starts, chunk_size, initial, fixed, bounds, canonical,
                            max_iter):
        yield [(i, e[0][e[1]] if isinstance(e, tuple) else e) for i, e in chunk]


def _fit_items(items, c, weighting, fixed, bounds, canonical, max_iter, stacked=None) -> list[tuple[int, Any]]:
    """``[(input index, (FitList, position) | FitFailure)]``: the fits are built when read;
    ``stacked``: the items' frequencies and impedances (S, N), or None."""
    try:
        fits = fit_starts(c, [it.spectrum for it in items], [it.starts for it in items], weighting=weighting,
                          fixed=fixed, bounds=bounds, canonical=canonical, max_iter=max_iter, stacked=stacked)
        return [(it.index, (fits, j)) for j, it in enumerate(items)]
    except (SselabError, ValueError, FloatingPointError, np.linalg.LinAlgError) as exc:
        if len(items) == 1:
            return [(items[0].index, _failure(items[0].index, items[0].spectrum, exc))]
    # a chunk-level failure: bisect so that only the offending spectra fail
    half = len(items) // 2
    lo, hi = (None, None) if stacked is None else ((a[:half] for a in stacked), (a[half:] for a in stacked))
    return _fit_items(items[:half], c, weighting, fixed, bounds, canonical, max_iter,
                      None if lo is None else tuple(lo)) + _fit_items(
        items[half:], c, weighting, fixed, bounds, canonical, max_iter, None if hi is None else tuple(hi)
    )


class FitBatch(Sequence):
    """The results of :func:`fit_circuit_batch` in input order: a :class:`CircuitFit` (built when
    first read) or a :class:`FitFailure` per spectrum; :meth:`table` gives every fit's values,
    standard errors and χ² as arrays without building the result objects."""

    def __init__(self, entries: list) -> None:
        self._entries = entries

    def __len__(self) -> int:
        return len(self._entries)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        e = self._entries[i]
        return e[0][e[1]] if isinstance(e, tuple) else e

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and list(self) == list(other)

    def table(self) -> dict[str, Any]:
        """``{"names", "values" {name: (S,)}, "stderr" {name: (S,)}, "chi2", "success",
        "starts_tried", "engine", "source", "error"}`` in input order; NaN values, ``success``
        False and the message in ``error`` for a :class:`FitFailure` (see :meth:`FitList.table`)."""
        S = len(self)
        out: dict[str, Any] | None = None
        lists: dict[int, tuple[FitList, list[tuple[int, int]]]] = {}
        one = self._entries[0][0] if S and isinstance(self._entries[0], tuple) else None
        if one is not None and len(one) == S and all(e[0] is one and e[1] == i if isinstance(e, tuple) else False
                                                     for i, e in enumerate(self._entries)):
            return {**one.table(), "error": [""] * S}  # one chunk of fits, in input order
        for i, e in enumerate(self._entries):
            if isinstance(e, tuple):
                lists.setdefault(id(e[0]), (e[0], []))[1].append((i, e[1]))
        for fl, pairs in lists.values():
            t = fl.table()
            if out is None:
                names = t["names"]
                out = {"names": names, "values": {k: np.full(S, np.nan) for k in names},
                       "stderr": {k: np.full(S, np.nan) for k in names}, "chi2": np.full(S, np.nan),
                       "success": np.zeros(S, bool), "starts_tried": np.zeros(S, int), "engine": [""] * S,
                       "source": [""] * S, "error": [""] * S}
            idx = np.array([i for i, _ in pairs])
            pos = np.array([j for _, j in pairs])
            for key in ("values", "stderr"):
                for k in out["names"]:
                    out[key][k][idx] = t[key][k][pos]
            for key in ("chi2", "success", "starts_tried"):
                out[key][idx] = t[key][pos]
            for key in ("engine", "source"):
                for i, j in pairs:
                    out[key][i] = t[key][j]
        if out is None:
            out = {"names": [], "values": {}, "stderr": {}, "chi2": np.full(S, np.nan), "success": np.zeros(S, bool),
                   "starts_tried": np.zeros(S, int), "engine": [""] * S, "source": [""] * S, "error": [""] * S}
        for i, e in enumerate(self._entries):
            if isinstance(e, FitFailure):
                out["source"][i], out["error"][i] = e.source, e.error
        return out


def fit_circuit_batch(
    spectra: Sequence[Spectrum],
    circuit: str | Circuit,
    *,
    weighting: str = "modulus",
    n_starts: int = 4,
    chunk_size: int = 2048,
    initial: Mapping[str, float] | None = None,
    fixed: Mapping[str, float] | None = None,
    bounds: Mapping[str, tuple[float, float]] | None = None,
    canonical: bool = True,
    max_iter: int = 300,
) -> "FitBatch":
    """Fit ``circuit`` to every spectrum; results in input order.

    Parameters
    ----------
    spectra
        Spectra of any point counts (grouped internally by count).
    circuit, weighting, n_starts, initial, fixed, bounds, canonical, max_iter
        As in :func:`~sselab.eis.fit.fit_circuit` (``initial``/``fixed`` apply to all).
    chunk_size
        Spectra per batched solve; bounds working memory (see module docs).

    Returns
    -------
    FitBatch
        A sequence: content identical to ``fit_circuit`` for each spectrum; a :class:`FitFailure`
        (``.success`` False, ``.to_dict()`` with "error") where it could not be fitted.  Each
        :class:`CircuitFit` is built when first read; :meth:`FitBatch.table` gives every fit's
        values, standard errors and χ² as arrays without building them.
    """
    out: list = [None] * len(spectra)
    for chunk in _iter_lazy(spectra, circuit, weighting, n_starts, chunk_size, initial, fixed, bounds, canonical,
                            max_iter):
        for i, r in chunk:
            out[i] = r
    return FitBatch(out)
