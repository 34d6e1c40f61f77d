"""Compiled circuit fitting: the batched Levenberg–Marquardt of :mod:`sselab.fitting` with the
circuit's impedance and analytic Jacobian compiled by numba, generated from the circuit tree
(:mod:`.program`), kept step for step equal to the numpy path that stays the reference.

Which path fits is chosen per batched solve by :func:`sselab.eis.kernel.dispatch.fit_best_model`:

* ``SSELAB_FIT_KERNEL=numpy`` — always numpy;
* ``SSELAB_FIT_KERNEL=numba`` — numba whenever it is installed and the circuit's elements all
  have compiled formulas;
* ``auto`` (default) — numba for solves of at least :data:`AUTO_MIN_ROWS` problems (importing
  numba and loading the cached kernels costs 1–3 s on this 2-core machine, what compiled fits
  save on ~1,000 spectra), numpy otherwise or without numba.  The choice depends on the solve
  alone, never on what the process did before (whether numba happens to be loaded already):
  fewer than 1,000 spectra are fitted by numpy in a one-file CLI call, a serial ``sselab run``
  and a cluster worker alike (above that the batching decides; the engines agree to rounding
  and each fit records its ``engine``).  ``SSELAB_FIT_KERNEL=numba`` compiles small
  solves too (a single fit 2.6× faster once the kernels are loaded).

Every :class:`~sselab.eis.fit.CircuitFit` says which path fitted it (``engine``).  The same
choice applies to the off-grid refinement of the automatic starts
(:func:`sselab.eis.initial_grid.refine`, compiled in :mod:`._grid`).
"""

from __future__ import annotations

import os
import threading
from functools import lru_cache

#: batched solves with fewer problems than this use numpy under "auto"
AUTO_MIN_ROWS = 1000

BACKENDS = ("auto", "numba", "numpy")

#: with ``SSELAB_FIT_THREADS`` above 1, compiled calls over at least this many rows use numba's
#: thread pool; by default every compiled call runs in the calling thread.  The pool used to
#: cost ~25–35 % more CPU per fit (libgomp's idle workers spin; measured 2,785 vs 3,326 fits
#: per CPU-second): :mod:`._numba` now asks for passive waiting (``OMP_WAIT_POLICY``), after
#: which the pooled CPU rate equals the serial one (3,770 vs 3,217 under load 12); the wall
#: gain needs idle cores, which this shared machine rarely had (benchmarks/RESULTS.md)
PARALLEL_MIN_ROWS = 64

#: held around every compiled call: the kernels run their rows on numba's thread pool, whose
#: default ("workqueue") layer must not be entered from two threads at once (the web
#: workbench fits in a thread pool)
LOCK = threading.Lock()


def requested() -> str:
    """The backend asked for in ``SSELAB_FIT_KERNEL`` (``auto`` when unset or unknown)."""
    value = os.environ.get("SSELAB_FIT_KERNEL", "auto").strip().lower()
    return value if value in BACKENDS else "auto"


def parallel_for(n_rows: int) -> bool:
    """Whether a compiled call over ``n_rows`` rows uses numba's threads: ``SSELAB_FIT_THREADS``
    above 1 and at least :data:`PARALLEL_MIN_ROWS` rows."""
    try:
        threads = int(os.environ.get("SSELAB_FIT_THREADS", "1"))
    except ValueError:
        threads = 1
    return threads > 1 and n_rows >= PARALLEL_MIN_ROWS


def compiled_for(n_rows: int) -> bool:
    """Whether a batched step over ``n_rows`` problems runs compiled (see the module docs)."""
    want = requested()
    if want == "numpy" or not numba_available():
        return False
    return want == "numba" or n_rows >= auto_min_rows()


def auto_min_rows() -> int:
    """The smallest solve "auto" compiles (:data:`AUTO_MIN_ROWS`; see the module docs)."""
    return AUTO_MIN_ROWS


@lru_cache(maxsize=1)
def numba_available() -> bool:
    """Whether numba can be imported (without importing it when it is not installed)."""
    from importlib.util import find_spec

    return find_spec("numba") is not None
