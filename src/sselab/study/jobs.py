"""How many local worker processes a run uses unless told: one rule for ``sselab run`` and
``sselab demo`` (and anything else that runs a study on this machine)."""

from __future__ import annotations

import os

#: the default never asks for more workers than this (a study's batched fits keep few busy)
MAX_DEFAULT_JOBS = 4


def default_jobs() -> int:
    """The CPUs this process may run on, at most :data:`MAX_DEFAULT_JOBS` (at least 1).

    On the 2-core benchmark machine ``sselab run`` of the 2,100-file study takes 11–13 s wall
    with 2 workers against 17 s with one, the stored results identical
    (``benchmarks/RESULTS.md``).

    Returns
    -------
    int
        Number of local worker processes.
    """
    try:
        n = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        n = os.cpu_count() or 1
    return max(1, min(MAX_DEFAULT_JOBS, n))
