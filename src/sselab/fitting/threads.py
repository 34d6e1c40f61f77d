"""Keep BLAS single-threaded around the engine's many tiny matrix products.

Least-squares fits here multiply and solve matrices of a few dozen rows thousands of times.
A multi-threaded BLAS (OpenBLAS by default in numpy wheels) wakes its thread pool for each of
them, which costs far more than the arithmetic: on a busy 2-core machine the grid search of
one impedance spectrum took 24 ms with the default pool and 0.26 ms with one thread.  Batches
get their parallelism from vectorisation and, across processes, from the study executors.

Examples
--------
>>> import numpy as np
>>> with single_threaded_blas():
...     float(np.ones((3, 3)) @ np.ones(3) @ np.ones(3))
9.0
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from functools import lru_cache


@lru_cache(maxsize=1)
def _controller():
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # optional at run time: fits are right, only slower, without it
        return None
    return ThreadpoolController()


def single_threaded_blas() -> AbstractContextManager:
    """A context in which BLAS uses one thread (restored on exit); a no-op without threadpoolctl."""
    controller = _controller()
    if controller is None:
        return nullcontext()
    return controller.limit(limits=1, user_api="blas")
