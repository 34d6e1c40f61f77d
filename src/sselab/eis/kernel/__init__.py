"""Compiled circuit fitting: the batched Levenberg–Marquardt of :mod:`sselab.fitting` with the
circuit's impedance and analytic Jacobian compiled by numba, generated from the circuit tree
(:mod:`.program`), kept step for step equal to the numpy path that stays the reference.

Which path fits is chosen per batched solve by :func:`sselab.eis.kernel.dispatch.fit_best_model`:

* ``SSELAB_FIT_KERNEL=numpy`` — always numpy;
* ``SSELAB_FIT_KERNEL=numba`` — numba whenever it is installed and the circuit's elements all
  have compiled formulas;
* ``auto`` (default) — numba for every solve once numba is loaded in the process (small solves
  run in the calling thread, :data:`PARALLEL_MIN_ROWS`), and for solves of at least
  :data:`AUTO_MIN_ROWS_COLD` problems before (importing numba and loading the cached kernels
  costs 1–3 s on this 2-core machine, what compiled fits save on ~1,000 spectra), numpy
  otherwise or without numba.

Every :class:`~sselab.eis.fit.CircuitFit` says which path fitted it (``engine``).  The same
choice applies to the off-grid refinement of the automatic starts
(:func:`sselab.eis.initial_grid.refine`, compiled in :mod:`._grid`).
"""

from __future__ import annotations

import os
import threading
from functools import lru_cache

#: batched solves with fewer problems than this use numpy under "auto" (numba already loaded):
#: since the serial kernels (no thread-pool start-up) a single fit is 2.6× faster compiled
AUTO_MIN_ROWS = 1
#: the same before numba is loaded in this process
AUTO_MIN_ROWS_COLD = 1000

BACKENDS = ("auto", "numba", "numpy")

#: compiled calls over fewer rows than this run in the calling thread (numba's thread pool costs
#: more to wake than a few rows take; measured in benchmarks/bench_fit.py)
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
    """Whether a compiled call over ``n_rows`` rows uses numba's threads: at least
    :data:`PARALLEL_MIN_ROWS` rows and ``SSELAB_FIT_THREADS`` not ``1``."""
    return n_rows >= PARALLEL_MIN_ROWS and os.environ.get("SSELAB_FIT_THREADS", "").strip() != "1"


def compiled_for(n_rows: int) -> bool:
    """Whether a batched step over ``n_rows`` problems runs compiled (see the module docs)."""
    want = requested()
    if want == "numpy" or not numba_available():
        return False
    return want == "numba" or n_rows >= auto_min_rows()


def auto_min_rows() -> int:
    """The smallest solve "auto" compiles: :data:`AUTO_MIN_ROWS`, or :data:`AUTO_MIN_ROWS_COLD`
    while numba is not loaded yet."""
    import sys

    return AUTO_MIN_ROWS if "numba" in sys.modules else AUTO_MIN_ROWS_COLD


@lru_cache(maxsize=1)
def numba_available() -> bool:
    """Whether numba can be imported (without importing it when it is not installed)."""
    from importlib.util import find_spec

    return find_spec("numba") is not None
