"""Batched work shared by several tasks of a serial run, done before they run one by one.

The DC tasks of a study (:func:`sselab.study.analyses.dc_transient`) each fit their current
decay with three models and several starts; alone, one record costs ~20–40 ms of engine
overhead.  :func:`dc_decays_ahead` reads and prepares every such record as its task will,
fits all their decays in a few batched engine calls (:func:`sselab.dc.decay.fit_decays`:
the same starts and independent fits, the same numbers) and keeps them for the tasks'
own :func:`~sselab.dc.decay.fit_decay` calls.  Each task then runs unchanged, except that
the measurements read here are kept for it (:func:`read_kept`: the same objects, its reading
log noted as :func:`sselab.io.read` notes it, only while the file is unchanged), so no file is
parsed twice; a record that cannot be read or prepared here is simply left to its task,
which reports the error as before.
"""

from __future__ import annotations

from contextlib import ExitStack, contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from ..exceptions import SselabError
from .tasks import Task

#: fewer DC tasks than this run as before (a batch of one gains nothing)
MIN_BATCH = 2

#: measurements read ahead: {(path, kind): ((size, mtime_ns), measurements)}, within dc_decays_ahead
_KEPT: ContextVar[dict[tuple[str, str], tuple[tuple[int, int], list[Any]]] | None] = ContextVar(
    "sselab_prefit_kept", default=None)


def _stamp(path: Path) -> tuple[int, int]:
    st = path.stat()
    return st.st_size, st.st_mtime_ns


def read_kept(path: str | Path, kind: str) -> list[Any] | None:
    """The measurements of ``path`` read ahead for ``kind`` (and its reading verdicts noted in
    the active reading log, as :func:`sselab.io.read` notes them), or None: not read ahead,
    or the file changed since."""
    kept = _KEPT.get()
    if not kept:
        return None
    hit = kept.get((str(path), kind))
    try:
        if hit is None or _stamp(Path(path)) != hit[0]:
            return None
    except OSError:
        return None
    from ..io.readlog import note_measurements

    note_measurements(path, hit[1])  # as sselab.io.read notes them
    return hit[1]


@contextmanager
def dc_decays_ahead(tasks: list[Task]) -> Iterator[int]:
    """Within the block, the ``dc_transient`` tasks among ``tasks`` find their decay fits made;
    yields how many records were fitted ahead."""
    from ..dc.decay import prefitted
    from ..dc.transient import prepared_kept

    with ExitStack() as stack:
        stack.enter_context(prepared_kept())  # each task's prepare() of its kept record: done here
        records, kept = _read_ahead(tasks)
        n = len(records) if len(records) >= MIN_BATCH else 0
        if n:
            stack.enter_context(prefitted(records, "auto"))
            token = _KEPT.set(kept)
            stack.callback(_KEPT.reset, token)
        yield n


def _read_ahead(tasks: list[Task]) -> tuple[list[tuple[np.ndarray, np.ndarray]],
                                            dict[tuple[str, str], tuple[tuple[int, int], list[Any]]]]:
    """The prepared DC records of ``tasks`` (time, current) and the measurements read for them."""
    from ..dc.transient import prepare
    from ..io import read

    records: list[tuple[np.ndarray, np.ndarray]] = []
    kept: dict[tuple[str, str], tuple[tuple[int, int], list[Any]]] = {}
    for task in tasks:
        if task.kind != "dc_transient" or not task.files:
            continue
        try:
            stamp = _stamp(Path(task.files[0]))
            found = read(task.files[0], "transient")
            if not found:
                continue
            kept[(str(task.files[0]), "transient")] = (stamp, found)
            p = prepare(found[0], task.context.get("voltage_V"))
        except (SselabError, OSError, ValueError):
            continue
        records.append((p.time_s[p.first_valid:], p.current_A[p.first_valid:]))
    return records, kept
