"""Compiled circuit fitting: the batched Levenberg–Marquardt of :mod:`sselab.fitting` with the
circuit's impedance and analytic Jacobian compiled by numba, generated from the circuit tree
(:mod:`.program`), kept step for step equal to the numpy path that stays the reference.

Which path fits is chosen per batched solve by :func:`sselab.eis.kernel.dispatch.fit_best_model`:

* ``SSELAB_FIT_KERNEL=numpy`` — always numpy;
* ``SSELAB_FIT_KERNEL=numba`` — numba whenever it is installed and the circuit's elements all
  have compiled formulas;
* ``auto`` (default) — numba for solves of at least :data:`AUTO_MIN_ROWS` problems (below that
  importing numba, ~0.4 s, costs more than it saves), numpy otherwise or without numba.

Every :class:`~sselab.eis.fit.CircuitFit` says which path fitted it (``engine``).
"""

from __future__ import annotations

import os
from functools import lru_cache

#: batched solves with fewer problems than this use numpy under "auto"
AUTO_MIN_ROWS = 64

BACKENDS = ("auto", "numba", "numpy")


def requested() -> str:
    """The backend asked for in ``SSELAB_FIT_KERNEL`` (``auto`` when unset or unknown)."""
    value = os.environ.get("SSELAB_FIT_KERNEL", "auto").strip().lower()
    return value if value in BACKENDS else "auto"


@lru_cache(maxsize=1)
def numba_available() -> bool:
    """Whether numba can be imported (without importing it when it is not installed)."""
    from importlib.util import find_spec

    return find_spec("numba") is not None
