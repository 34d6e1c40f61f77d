"""Run a study's tasks on a Dask cluster (dask.distributed), locally or on an existing one.

:func:`iter_tasks` maps a picklable function over tasks and yields ``(index, result)`` as the
workers finish; :func:`run_tasks` collects them in input order:

- ``scheduler="tcp://host:8786"`` (or a :class:`distributed.Client`): use that cluster;
- ``jobs=N`` (N > 1) and no scheduler: start a :class:`distributed.LocalCluster` of N
  single-threaded worker processes for the call, and close it afterwards;
- neither: run serially in this process (no Dask at all).

:func:`connect` turns an address into a ``Client`` or one clear :class:`SselabError` (bad
address, nothing listening, workers running another sselab version).  The study pipeline
connects once per run and streams every finished task into its store from this (the client)
process, so a distributed run fills the same database as a local one, and a run interrupted
half-way keeps what finished (the next run skips it).

Robustness: a task whose worker process dies (killed, out of memory, segfault) is
rescheduled by the Dask scheduler on another worker (up to the ``distributed.scheduler.
allowed-failures`` setting, default 3, then :class:`distributed.KilledWorker`); a task that
*raises* is retried ``retries`` times (Dask's ``retries=``).  Each task is one future, so a
result is delivered exactly once: nothing is lost or duplicated.

What the workers need: the same sselab version (checked by :func:`connect`) and the input
files at the same absolute paths (a shared filesystem, as on any HPC cluster).  Each task
ships its file paths, settings and context (a few kB); only results travel back.

HPC clusters (dask-jobqueue)
----------------------------
On SLURM or PBS, start the workers as batch jobs and hand the scheduler to sselab::

    from dask_jobqueue import SLURMCluster        # or PBSCluster
    from distributed import Client
    from sselab.study.pipeline import run_study
    cluster = SLURMCluster(cores=1, processes=1, memory="4GB", walltime="01:00:00",
                           queue="normal", account="mylab")
    cluster.scale(jobs=32)                        # 32 single-core workers
    with Client(cluster) as client:
        run_study("study.yaml", scheduler=client)  # or: scheduler=cluster.scheduler_address

or from the shell: ``dask scheduler`` on a login node, ``srun dask worker tcp://LOGIN:8786
--nthreads 1`` in a job array, then ``sselab run study.yaml --scheduler tcp://LOGIN:8786``.
``pip install dask-jobqueue`` is only needed on the cluster.  Use one thread per worker:
the fits are numpy-bound and hold the GIL between small array operations.  The connection
timeout is dask's ``distributed.comm.timeouts.connect`` (30 s; environment variable
``DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT=5s``).

Examples
--------
>>> run_tasks([1, 2, 3], abs)           # serial
[1, 2, 3]
>>> run_tasks([-1, 2, -3], abs, jobs=2)  # doctest: +SKIP
[1, 2, 3]
>>> with connect("tcp://127.0.0.1:8786") as client:          # doctest: +SKIP
...     for i, result in iter_tasks(tasks, func, scheduler=client):
...         store(i, result)
"""

from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any, Callable, Sequence

from ..exceptions import SselabError

Progress = Callable[[int, int], None]


_M_MMAP_THRESHOLD = -3  # glibc mallopt parameter
_MMAP_THRESHOLD_BYTES = 32 * 1024 * 1024  # glibc's maximum on 64-bit
_malloc_tuned = False


def _tune_malloc() -> None:
    """Undo the slow-down that Dask's worker environment gives numpy-heavy tasks (once per process).

    Dask's nanny starts workers with ``MALLOC_TRIM_THRESHOLD_=65536``; setting it freezes
    glibc's adaptive mmap threshold at 128 kB, so every temporary array above that is mmapped
    and unmapped, page faults and all: the batched fits then took 1.8× the CPU time (0.86 vs
    0.48 s for 500 spectra here).  Raising the mmap threshold in the worker restores the speed
    and keeps Dask's trimming.  No-op off glibc or when the variable is not set.
    """
    global _malloc_tuned
    if _malloc_tuned:
        return
    _malloc_tuned = True
    if not sys.platform.startswith("linux") or "MALLOC_TRIM_THRESHOLD_" not in os.environ \
            or "MALLOC_MMAP_THRESHOLD_" in os.environ:
        return
    try:
        ctypes.CDLL(None).mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD_BYTES)
    except (OSError, AttributeError):  # not glibc
        pass


class _OnWorker:
    """``func`` as shipped to the workers: tunes malloc once (:func:`_tune_malloc`), then calls it."""

    def __init__(self, func: Callable[[Any], Any]) -> None:
        self.func = func
        self.__name__ = getattr(func, "__name__", "task")  # Dask names the tasks after it

    def __call__(self, task: Any) -> Any:
        _tune_malloc()
        return self.func(task)


def _sselab_version() -> str:
    from .. import __version__

    return str(__version__)


def connect(scheduler: Any, timeout_s: float | None = None, check_version: bool = True) -> Any:
    """A :class:`distributed.Client` for ``scheduler`` (an address, or a Client returned as is).

    Raises
    ------
    SselabError
        One line: dask not installed, malformed address, no scheduler answering within
        ``timeout_s`` (default: dask's ``distributed.comm.timeouts.connect``), or workers
        running another sselab version than this process.
    """
    try:
        from distributed import Client
    except ImportError as exc:
        raise SselabError(f"Dask execution needs dask.distributed ({exc}); pip install distributed") from None
    if isinstance(scheduler, Client):
        client = scheduler
    else:
        address = getattr(scheduler, "scheduler_address", scheduler)  # a cluster object works too
        try:
            client = Client(address, timeout=timeout_s) if timeout_s is not None else Client(address)
        except (OSError, ValueError, TypeError, TimeoutError) as exc:
            detail = (str(exc).splitlines() or [type(exc).__name__])[0]
            raise SselabError(f"cannot use the Dask scheduler {address!r}: {detail}") from None
    if check_version:
        try:
            versions = client.run(_sselab_version)
        except Exception as exc:  # noqa: BLE001 - a worker that cannot even import sselab
            _close_unless(client, scheduler)
            raise SselabError(f"the Dask workers cannot run sselab: {type(exc).__name__}: {exc}") from None
        mine = _sselab_version()
        other = sorted({v for v in versions.values() if v != mine})
        if other:
            _close_unless(client, scheduler)
            raise SselabError(f"the Dask workers run sselab {', '.join(other)}, this process {mine}: "
                              "install the same version on the cluster")
    return client


def _close_unless(client: Any, given: Any) -> None:
    if client is not given:
        client.close()


def iter_tasks(
    tasks: Sequence[Any],
    func: Callable[[Any], Any],
    scheduler: Any = None,
    jobs: int | None = None,
    *,
    retries: int = 2,
    return_exceptions: bool = False,
) -> Iterator[tuple[int, Any]]:
    """Yield ``(index, func(tasks[index]))`` in completion order (serially: in input order).

    ``return_exceptions=True`` yields a task's final exception (its retries spent, or
    :class:`distributed.KilledWorker` after it killed ``allowed-failures`` workers) in place of
    its result instead of raising it, so one poisonous task does not stop the others.
    Losing the scheduler mid-run raises :class:`SselabError` (what was yielded is kept).
    """
    tasks = list(tasks)
    if scheduler is None and (jobs is None or jobs <= 1):
        for i, t in enumerate(tasks):
            yield i, func(t)
        return
    if not tasks:
        return
    with ExitStack() as stack:
        if scheduler is not None:
            client = connect(scheduler)
            if client is not scheduler:
                stack.callback(client.close)
        else:
            from distributed import Client, LocalCluster

            cluster = stack.enter_context(LocalCluster(n_workers=int(jobs), threads_per_worker=1, processes=True,
                                                       dashboard_address=None))
            client = stack.enter_context(Client(cluster))
        yield from _on_client(client, tasks, func, retries, return_exceptions)


def _on_client(client: Any, tasks: list[Any], func: Callable[[Any], Any], retries: int,
               return_exceptions: bool) -> Iterator[tuple[int, Any]]:
    from distributed import as_completed

    futures = client.map(_OnWorker(func), tasks, retries=retries, pure=False)
    index = {f.key: i for i, f in enumerate(futures)}
    try:
        # with_results: results are fetched on the client's event loop as tasks finish, not
        # one blocking round trip per task from this thread
        for fut, value in as_completed(futures, with_results=True, raise_errors=False):
            if fut.status == "error":  # the task's own error after its retries, or KilledWorker
                exc = value[1]
                if not return_exceptions:
                    raise exc
                value = exc
            elif fut.status != "finished":  # cancelled or lost: the scheduler went away
                raise SselabError(f"Dask task {fut.key} was {fut.status} ({type(value).__name__}): "
                                  "is the scheduler still running?")
            yield index[fut.key], value
            fut.release()  # results already delivered need not stay in cluster memory
    except OSError as exc:  # the connection to the scheduler broke
        raise SselabError(f"lost the Dask scheduler: {type(exc).__name__}: {exc}") from None
    finally:
        client.cancel([f for f in futures if not f.done()])


def run_tasks(
    tasks: Sequence[Any],
    func: Callable[[Any], Any],
    scheduler: Any = None,
    jobs: int | None = None,
    *,
    retries: int = 2,
    progress: Progress | None = None,
) -> list[Any]:
    """Apply ``func`` to every task, on Dask when asked; results in input order.

    Parameters
    ----------
    tasks
        Picklable task objects (e.g. :class:`sselab.study.tasks.Task` or spectra).
    func
        A picklable (module-level) function of one task.
    scheduler
        Address of a running Dask scheduler (``"tcp://host:8786"``) or a ``Client``.
    jobs
        Worker processes of a local cluster when no scheduler is given; ``None`` or 1 runs
        serially in this process.
    retries
        Extra attempts for a task that raises (a dead worker's task is rescheduled anyway).
    progress
        Called as ``progress(done, total)`` after each task finishes.

    Returns
    -------
    list
        ``func(task)`` for each task, in the order of ``tasks``.
    """
    tasks = list(tasks)
    results: list[Any] = [None] * len(tasks)
    for done, (i, value) in enumerate(iter_tasks(tasks, func, scheduler, jobs, retries=retries), start=1):
        results[i] = value
        if progress is not None:
            progress(done, len(tasks))
    return results
