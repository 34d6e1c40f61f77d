"""The parameter transforms of :mod:`sselab.fitting.transforms`, compiled for the kernel's
solves: u(p) of the starts and p(u) of the solutions in one call each, instead of a dozen
small numpy operations per kind present (~30 µs each for a single fit).

p(u) is the kernel's own map, called (:func:`sselab.eis.kernel._numba._to_p`): the final
values are those the iteration evaluated last.  numba keys this module's cached code by this
file's time stamp only, so a changed ``_numba.py`` drops it (``_numba._drop_stale_dependents``,
as for ``_final``, ``_grid`` and ``_lm``).  Both agree with the numpy
:class:`~sselab.fitting.transforms.Transform` to rounding (math's tanh, exp and log here,
numpy's there; tests/eis_batch/test_kernel_transform.py).  Imported only with the kernel.
"""

from __future__ import annotations

import math

from numba import njit

from ...fitting.transforms import _BOX, _LOG, _LOG_BOX, _LOG_SHIFT, _LOWER, _TINY, _UPPER
from ._numba import _to_p


@njit(cache=True, error_model="numpy", inline="always")
def _floor(x, lo):
    """numpy's maximum(x, lo) for one value (NaN propagates)."""
    return x if (x > lo or x != x) else lo


@njit(cache=True, error_model="numpy", inline="always")
def _ceil(x, hi):
    """numpy's minimum(x, hi) for one value (NaN propagates)."""
    return x if (x < hi or x != x) else hi


@njit(cache=True, error_model="numpy", inline="always")
def _logit(x):
    x = _ceil(_floor(x, 1e-12), 1 - 1e-12)
    return math.log(x / (1 - x))


@njit(cache=True, nogil=True, error_model="numpy")
def to_u_rows(kind, a, b, P, free, x):
    """x[r, j] = u(P[r, free[j]]) for every row r (:meth:`Transform.to_u`)."""
    for r in range(P.shape[0]):
        for j in range(free.size):
            p = P[r, free[j]]
            k = kind[j]
            if k == _LOG:
                x[r, j] = math.log(_floor(p, _TINY))
            elif k == _LOG_SHIFT or k == _LOWER:
                x[r, j] = math.log(_floor(p - a[j], _TINY))
            elif k == _UPPER:
                x[r, j] = math.log(_floor(b[j] - p, _TINY))
            elif k == _LOG_BOX:
                x[r, j] = _logit((math.log(_floor(p, _TINY)) - a[j]) / (b[j] - a[j]))
            elif k == _BOX:
                x[r, j] = _logit((p - a[j]) / (b[j] - a[j]))
            else:  # _OPEN
                x[r, j] = p / a[j]


@njit(cache=True, nogil=True, error_model="numpy")
def to_p_rows(kind, a, b, x, free, P):
    """P[r, free[j]] = p(x[r, j]) for every row r (the kernel's ``_to_p``)."""
    for r in range(x.shape[0]):
        for j in range(free.size):
            P[r, free[j]] = _to_p(kind[j], a[j], b[j], x[r, j])[0]
