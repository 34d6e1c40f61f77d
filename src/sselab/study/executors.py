"""Run tasks serially, in local processes, or on a Dask cluster — the same task functions in all.

:func:`execute` yields ``(task, Outcome)`` as tasks finish; the caller (the pipeline) writes each
outcome to the store in its own transaction, so a crash loses at most the tasks in flight.
A failing task becomes an ``Outcome`` with ``error`` set; it never stops the run.

>>> from sselab.study.tasks import make_task
>>> t = make_task(id="x", kind="no-such-kind", sample="s", technique="eis", files=(), settings={}, context={})
>>> [o.error.split(":")[0] for _, o in execute([t])]
['AnalysisError']
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any

from ..exceptions import SselabError
from .tasks import Task, run_task


@dataclass(frozen=True)
class Outcome:
    """What one task produced: its result dict, or the one-line error; and how long it took."""

    result: dict[str, Any] | None
    error: str | None
    duration_s: float


def run_safely(task: Task) -> Outcome:
    """Run ``task`` (importing the registered executors first); errors become an Outcome."""
    from . import analyses  # noqa: F401 - registers the task kinds in this process

    t0 = time.perf_counter()
    try:
        return Outcome(run_task(task), None, time.perf_counter() - t0)
    except SselabError as exc:
        return Outcome(None, f"{type(exc).__name__}: {exc}", time.perf_counter() - t0)
    except Exception as exc:  # noqa: BLE001 - an unexpected bug in one analysis must not stop the study
        return Outcome(None, f"{type(exc).__name__}: {exc}", time.perf_counter() - t0)


def _dask(tasks: list[Task], scheduler: str, jobs: int | None) -> Iterator[tuple[Task, Outcome]]:
    try:
        from .dask_executor import run_tasks  # written alongside; optional
    except ImportError as exc:
        raise SselabError(f"Dask execution is not available in this installation ({exc})") from None
    results = list(run_tasks(tasks, run_safely, scheduler=scheduler, jobs=jobs))
    for task, item in zip(tasks, results):
        yield (item if isinstance(item, tuple) else (task, item))


def execute(tasks: Iterable[Task], jobs: int | None = 1, scheduler: str | None = None) -> Iterator[tuple[Task, Outcome]]:
    """Run ``tasks``; yield ``(task, outcome)`` in completion order.

    ``scheduler`` (a Dask address) wins over ``jobs``; ``jobs`` > 1 uses a process pool.
    """
    tasks = list(tasks)
    if scheduler:
        yield from _dask(tasks, scheduler, jobs)
    elif jobs is None or jobs <= 1 or len(tasks) <= 1:
        for t in tasks:
            yield t, run_safely(t)
    else:
        with ProcessPoolExecutor(max_workers=min(jobs, len(tasks))) as pool:
            futures = {pool.submit(run_safely, t): t for t in tasks}
            for fut in as_completed(futures):
                yield futures[fut], fut.result()
