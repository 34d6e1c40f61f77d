"""Batched work shared by several tasks of a serial run, done before they run one by one.

The DC tasks of a study (:func:`sselab.study.analyses.dc_transient`) each fit their current
decay with three models and several starts; alone, one record costs ~20–40 ms of engine
overhead.  :func:`dc_decays_ahead` reads and prepares every such record as its task will,
fits all their decays in a few batched engine calls (:func:`sselab.dc.decay.fit_decays`:
the same starts and independent fits, the same numbers) and keeps them for the tasks'
own :func:`~sselab.dc.decay.fit_decay` calls.  Each task then runs unchanged (it reads its
file again, inside its own reading log); a record that cannot be read or prepared here is
simply left to its task, which reports the error as before.
"""

from __future__ import annotations

from contextlib import ExitStack, contextmanager
from typing import Iterator

import numpy as np

from ..exceptions import SselabError
from .tasks import Task

#: fewer DC tasks than this run as before (a batch of one gains nothing)
MIN_BATCH = 2


@contextmanager
def dc_decays_ahead(tasks: list[Task]) -> Iterator[int]:
    """Within the block, the ``dc_transient`` tasks among ``tasks`` find their decay fits made;
    yields how many records were fitted ahead."""
    from ..dc.decay import prefitted
    from ..dc.transient import prepare
    from ..io import read

    records: list[tuple[np.ndarray, np.ndarray]] = []
    for task in tasks:
        if task.kind != "dc_transient" or not task.files:
            continue
        try:
            found = read(task.files[0], "transient")
            if not found:
                continue
            p = prepare(found[0], task.context.get("voltage_V"))
        except (SselabError, OSError, ValueError):
            continue
        records.append((p.time_s[p.first_valid:], p.current_A[p.first_valid:]))
    with ExitStack() as stack:
        if len(records) >= MIN_BATCH:
            stack.enter_context(prefitted(records, "auto"))
        yield len(records) if len(records) >= MIN_BATCH else 0
