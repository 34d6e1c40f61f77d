"""Run a study's tasks on a Dask cluster (dask.distributed), locally or on an existing one.

:func:`run_tasks` maps a picklable function over tasks and returns the results in input
order, whatever order the workers finish in:

- ``scheduler="tcp://host:8786"`` (or a :class:`distributed.Client`): use that cluster;
- ``jobs=N`` (N > 1) and no scheduler: start a :class:`distributed.LocalCluster` of N
  single-threaded worker processes for the call, and close it afterwards;
- neither: run serially in this process (no Dask at all).

Robustness: a task whose worker process dies (killed, out of memory, segfault) is
rescheduled by the Dask scheduler on another worker (up to the ``distributed.scheduler.
allowed-failures`` setting, default 3, then :class:`distributed.KilledWorker`); a task that
*raises* is retried ``retries`` times (Dask's ``retries=``).  Each task is one future, so a
result is delivered exactly once: nothing is lost or duplicated.  Results land wherever the
caller puts them (the study runner writes them to its store from the client process, so a
distributed run fills the same database as a local one).

HPC clusters (dask-jobqueue)
----------------------------
On SLURM or PBS, start the workers as batch jobs and hand the scheduler to ``run_tasks``::

    from dask_jobqueue import SLURMCluster        # or PBSCluster
    from distributed import Client
    cluster = SLURMCluster(cores=1, processes=1, memory="4GB", walltime="01:00:00",
                           queue="normal", account="mylab")
    cluster.scale(jobs=32)                        # 32 single-core workers
    client = Client(cluster)
    results = run_tasks(tasks, run_task, scheduler=client)

or from the shell: ``dask scheduler`` on a login node, ``srun dask worker tcp://LOGIN:8786
--nthreads 1`` in a job array, then ``sselab run study.yaml --scheduler tcp://LOGIN:8786``.
``pip install dask-jobqueue`` is only needed on the cluster.  Use one thread per worker:
the fits are numpy-bound and hold the GIL between small array operations.

Examples
--------
>>> run_tasks([1, 2, 3], abs)           # serial
[1, 2, 3]
>>> run_tasks([-1, 2, -3], abs, jobs=2)  # doctest: +SKIP
[1, 2, 3]
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

Progress = Callable[[int, int], None]


def _serial(tasks: Sequence[Any], func: Callable[[Any], Any], progress: Progress | None) -> list[Any]:
    out = []
    for i, t in enumerate(tasks):
        out.append(func(t))
        if progress is not None:
            progress(i + 1, len(tasks))
    return out


def _on_client(client: Any, tasks: Sequence[Any], func: Callable[[Any], Any], retries: int,
               progress: Progress | None) -> list[Any]:
    from distributed import as_completed

    futures = client.map(func, list(tasks), retries=retries, pure=False)
    index = {f.key: i for i, f in enumerate(futures)}
    results: list[Any] = [None] * len(futures)
    done = 0
    for fut in as_completed(futures):
        results[index[fut.key]] = fut.result()  # raises the task's error after its retries
        done += 1
        if progress is not None:
            progress(done, len(futures))
    return results


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
    if scheduler is None and (jobs is None or jobs <= 1):
        return _serial(tasks, func, progress)
    if not tasks:
        return []
    from distributed import Client, LocalCluster

    if scheduler is not None:
        if isinstance(scheduler, Client):
            return _on_client(scheduler, tasks, func, retries, progress)
        with Client(scheduler) as client:
            return _on_client(client, tasks, func, retries, progress)
    with LocalCluster(n_workers=int(jobs), threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        with Client(cluster) as client:
            return _on_client(client, tasks, func, retries, progress)
