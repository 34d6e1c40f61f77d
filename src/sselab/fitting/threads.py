"""Keep BLAS single-threaded around the engine's many tiny matrix products.

Least-squares fits here multiply and solve matrices of a few dozen rows thousands of times.
A multi-threaded BLAS (OpenBLAS by default in numpy wheels) wakes its thread pool for each of
them, which costs far more than the arithmetic: on a busy 2-core machine the grid search of
one impedance spectrum took 24 ms with the default pool and 0.26 ms with one thread.  Batches
get their parallelism from vectorisation and, across processes, from the study executors.
Every technique's small linear algebra (circuit fits, DRT, Kramers–Kronig, Rietveld,
Williamson–Hall, XPS peak fits) runs inside this one context; it also works as a decorator
(``@single_threaded_blas()``).

Examples
--------
>>> import numpy as np
>>> with single_threaded_blas():
...     float(np.ones((3, 3)) @ np.ones(3) @ np.ones(3))
9.0
"""

from __future__ import annotations

import sys
import threading
from contextlib import contextmanager
from functools import lru_cache
from typing import Iterator


def _controller():
    # scipy ships its own BLAS; the controller sees the libraries loaded when it is made, so
    # it is remade once scipy.linalg is loaded.  scipy is not imported here: a circuit fit
    # does not need it, and importing it costs ~0.2 s of every command's start.
    return _controller_for("scipy.linalg" in sys.modules)


@lru_cache(maxsize=2)
def _controller_for(with_scipy: bool):
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # a pinned dependency; without it fits are right, only slower
        return None
    return ThreadpoolController()


_lock = threading.Lock()
_depth = 0
_limiter = None


@contextmanager
def single_threaded_blas() -> Iterator[None]:
    """A context in which BLAS uses one thread.

    The limit is process-wide (threadpoolctl sets the library's thread count), so contexts
    entered from several threads at once (the web workbench runs fits in a thread pool) share
    one: the first to enter sets it, the last to leave restores what was there before.
    Measured caveat: OpenBLAS does not always honour a thread count set from a thread other
    than the one that set the previous one (e.g. limit from the main thread, restore from a
    worker); the pool can then stay at one thread — slower large products, never wrong
    results.
    """
    global _depth, _limiter
    controller = _controller()
    if controller is None:
        yield
        return
    with _lock:
        if _depth == 0:
            _limiter = controller.limit(limits=1, user_api="blas")
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _limiter is not None:
                _limiter.restore_original_limits()
                _limiter = None
