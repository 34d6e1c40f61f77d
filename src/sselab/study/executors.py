"""Run tasks serially, in local processes, or on a Dask cluster — the same task functions in all.

:func:`execute` yields ``(task, Outcome)`` as tasks finish; the caller (the pipeline) writes each
outcome to the store in its own transaction, so a crash loses at most the tasks in flight.
A failing task becomes an ``Outcome`` with ``error`` set; it never stops the run.

Local workers die with their parent: each watches its parent process id (every
:data:`PARENT_POLL_S` seconds) and exits when the parent is gone (killed by SIGKILL/SIGTERM),
and ignores Ctrl+C, which the parent handles by terminating them (:func:`stop_pool`).

>>> from sselab.study.tasks import make_task
>>> t = make_task(id="x", kind="no-such-kind", sample="s", technique="eis", files=(), settings={}, context={})
>>> [o.error.split(":")[0] for _, o in execute([t])]
['AnalysisError']
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

from ..exceptions import SselabError
from .tasks import Task, run_task


@dataclass(frozen=True)
class Outcome:
    """What one task produced: its result dict, or the one-line error; and how long it took.

    A *settled* outcome (:func:`settled`, made where the task ran) also carries the result as
    the store writes it: ``stored``, its JSON text, and ``values``, its key numbers; its
    ``result`` is then the result as the store gives it back (a JSON round trip) less the
    bulky ``"curves"`` — what the pipeline keeps in memory for the later stages.
    """

    result: dict[str, Any] | None
    error: str | None
    duration_s: float
    stored: str | None = None
    values: tuple[Any, ...] | None = None


def kept_result(result: dict[str, Any]) -> dict[str, Any]:
    """``result`` as the pipeline keeps it in memory for the later stages: as the store gives
    it back (a JSON round trip: NaN → None, numpy → plain), less the bulky ``"curves"``.  The
    one rule for a result settled in a worker and one encoded by the writing process."""
    from ..store.jsonio import round_trip

    return round_trip({k: v for k, v in result.items() if k != "curves"})


def settled(out: Outcome) -> Outcome:
    """``out`` with its result encoded for the store, once, where it was computed (see
    :class:`Outcome`): a worker hands back text and plain numbers, cheap to pickle, and the
    process that writes the store neither encodes it nor copies it again.  A result that
    cannot be encoded stays as it is (the store then reports it as before)."""
    if out.result is None or out.stored is not None:
        return out
    from ..store.jsonio import dumps
    from ..store.records import extract_values

    try:
        light = kept_result(out.result)
        return Outcome(light, out.error, out.duration_s, stored=dumps(out.result), values=extract_values(out.result))
    except Exception:  # noqa: BLE001 - left to the store, which names the task that failed
        return out


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


def _dask(tasks: list[Task], scheduler: Any, jobs: int | None) -> Iterator[tuple[Task, Outcome]]:
    from .dask_executor import iter_tasks

    for i, item in iter_tasks(tasks, run_safely, scheduler=scheduler, jobs=jobs, return_exceptions=True):
        if isinstance(item, BaseException):  # e.g. KilledWorker: the task crashed worker after worker
            item = Outcome(None, f"{type(item).__name__}: {item}".splitlines()[0], 0.0)
        yield tasks[i], item


#: How often a worker checks that its parent is alive [s].
PARENT_POLL_S = 0.5
#: How long :func:`stop_pool` waits for terminated workers and the pool's manager thread [s].
STOP_WAIT_S = 5.0


def _watch_parent(parent: int) -> None:
    while True:
        time.sleep(PARENT_POLL_S)
        if os.getppid() != parent:
            os._exit(1)  # the parent died: no orphaned worker keeps computing


def _worker_init(parent: int, warm: tuple[str, ...] = ()) -> None:
    """Runs first in every worker: Ctrl+C is the parent's to handle, SIGTERM (:func:`stop_pool`)
    ends the worker at once, whatever handler the parent had; exit when the parent dies;
    then :func:`_warm_up` for the task kinds in ``warm``."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if os.getppid() != parent:
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True, name="sselab-parent-watch").start()
    if warm:
        _warm_up(warm)


def _warm_up(kinds: tuple[str, ...]) -> None:
    """Import what chunks of these task kinds need — in a worker started while the parent
    still reads the manifest and builds the tasks, so no chunk pays for it later.  Only speed
    depends on it."""
    try:
        if "eis_fit" in kinds:
            from ..eis import batch, fit, verdicts  # noqa: F401 - what eis_fit_many imports
        if "dc_transient" in kinds:
            from ..dc import decay, steady_state, transient  # noqa: F401 - what dc_transient imports
    except Exception:  # noqa: BLE001 - the chunk imports it again and reports what fails
        pass


def _warm_kernels() -> None:
    """In a worker: load the compiled decay kernels (numba, from its cache) ahead of the first
    DC chunk (see :func:`warm_pool`)."""
    try:
        from ..dc._decay_kernel import warm_up

        warm_up()
    except Exception:  # noqa: BLE001 - the first batch loads them again and reports what fails
        pass


def dc_chunk_size(n_dc: int, workers: int) -> int:
    """Records per chunk of ``n_dc`` DC tasks on ``workers`` workers (see :data:`DC_CHUNK`)."""
    return max(2, min(DC_CHUNK, -(-n_dc // (2 * workers))))


def local_pool(jobs: int, warm: bool = False) -> ProcessPoolExecutor:
    """A process pool to pass to :func:`execute` for several stages, so that its worker
    processes (and their imports of numpy, scipy and the analyses) start once per run.
    Its workers exit by themselves when this process dies.

    ``warm``: the workers start at once and import what circuit fits and DC holds need
    (:func:`_warm_up`) while this process goes on (reading the manifest, say); then
    :func:`warm_pool` when the study's tasks are known."""
    from . import analyses  # noqa: F401 - imported before the workers fork, so they inherit it

    kinds = ("dc_transient", "eis_fit") if warm else ()
    pool = ProcessPoolExecutor(max_workers=jobs, initializer=_worker_init, initargs=(os.getpid(), kinds))
    if warm:
        pool.submit(int)  # a no-op: the workers (forked all at once) start now and warm up
    return pool


def warm_pool(pool: ProcessPoolExecutor, counts: dict[str, int]) -> None:
    """Have ``pool``'s workers load the compiled decay kernels when the run's DC chunks will
    use them: ``counts``, the first-stage tasks of each kind (e.g. ``{"eis_fit": 1100,
    "dc_transient": 1000}``).  One request per worker, queued behind nothing else yet; a
    worker that takes two loads once."""
    from ..dc.decay import _compiled

    workers = max(1, getattr(pool, "_max_workers", 1))
    n_dc = counts.get("dc_transient", 0)
    if n_dc >= 4 and _compiled(dc_chunk_size(n_dc, workers)):
        try:
            for _ in range(workers):
                pool.submit(_warm_kernels)
        except BrokenProcessPool:  # a worker died warming up: the first stage says so (_on_pool)
            pass


def stop_pool(pool: ProcessPoolExecutor, now: bool = False) -> None:
    """Shut ``pool`` down; ``now``: cancel queued tasks and terminate running ones at once
    (on Ctrl+C, SIGTERM or an error) instead of waiting for them."""
    if not now:
        pool.shutdown(wait=True, cancel_futures=True)
        return
    procs = list((getattr(pool, "_processes", None) or {}).values())
    for proc in procs:
        try:
            proc.terminate()
        except (OSError, ValueError, AttributeError):  # already gone
            pass
    manager = getattr(pool, "_executor_manager_thread", None)
    pool.shutdown(wait=False, cancel_futures=True)
    # The pool's manager thread notices the terminated workers and closes the pool's pipes.
    # Waiting for it (bounded) keeps the interpreter's exit from racing it: CPython 3.11's exit
    # hook wrote to a pipe the thread was closing and printed "Exception ignored ... Bad file
    # descriptor" after 5 of 130 SIGTERMed `sselab run`s on a loaded machine.
    deadline = time.monotonic() + STOP_WAIT_S
    if manager is not None:
        manager.join(timeout=STOP_WAIT_S)
    for proc in procs:
        try:
            proc.join(timeout=max(0.0, deadline - time.monotonic()))
            if proc.exitcode is None:  # still running after SIGTERM: no worker outlives the run
                proc.kill()
                proc.join(timeout=1.0)
        except (OSError, ValueError, AssertionError):  # already reaped (or never started)
            pass


def execute(tasks: Iterable[Task], jobs: int | None = 1, scheduler: Any = None,
            pool: ProcessPoolExecutor | None = None, settle: bool = False) -> Iterator[tuple[Task, Outcome]]:
    """Run ``tasks``; yield ``(task, outcome)`` in completion order.

    ``settle``: the outcomes of tasks run in chunks (circuit fits, DC holds) come
    :func:`settled`, encoded for the store where they ran.

    ``scheduler`` (a Dask address, ``distributed.Client`` or cluster; see
    :mod:`sselab.study.dask_executor`) wins over ``jobs``; ``jobs`` > 1 uses a local process
    pool: ``pool`` (from :func:`local_pool`, kept open by the caller) or one made for this call.
    A single task runs in this process.  Outcomes stream out as tasks finish, on every
    executor, so the caller can store each at once.
    """
    tasks = list(tasks)
    if scheduler is not None:
        yield from _dask(tasks, scheduler, jobs)
    elif jobs is None or jobs <= 1 or len(tasks) <= 1:
        yield from _serial(tasks, settle)
    elif pool is not None:
        yield from _on_pool(pool, tasks, settle)
    else:
        own = local_pool(min(jobs, len(tasks)))
        done = False
        try:
            yield from _on_pool(own, tasks, settle)
            done = True
        finally:
            stop_pool(own, now=not done)


#: eis_fit tasks fitted together per batched call in a serial run (bounds what a crash loses)
EIS_BATCH = 512
#: smallest chunk of circuit fits sent to a worker (the last ones; a batched call has a fixed cost)
EIS_MIN_CHUNK = 40


def run_eis_chunk(tasks: list[Task], settle: bool = False) -> list[Outcome]:
    """Circuit fits of ``tasks`` (all :func:`~sselab.study.analyses.batchable_eis_fit`) together, by
    :func:`~sselab.study.analyses.eis_fit_many` (a batched fit costs ~1–2 ms per spectrum against
    ~20 ms for a task run alone); if the batched path itself fails, one by one.  The batch's
    duration is shared equally by its tasks.  Runs here (serial) or in a worker (pool);
    ``settle``: the outcomes :func:`settled`."""
    from . import analyses

    t0 = time.perf_counter()
    try:
        outs = analyses.eis_fit_many(tasks)
    except Exception:  # noqa: BLE001 - an unexpected bug in the batched path: run them one by one
        return [settled(run_safely(t)) if settle else run_safely(t) for t in tasks]
    each = (time.perf_counter() - t0) / max(len(tasks), 1)
    return [settled(Outcome(result, error, each)) if settle else Outcome(result, error, each) for result, error in outs]


def _batchable_eis(tasks: list[Task]) -> list[Task]:
    from . import analyses

    fits = [t for t in tasks if analyses.batchable_eis_fit(t)]
    return fits if len(fits) >= 2 else []


def _serial(tasks: list[Task], settle: bool = False) -> Iterator[tuple[Task, Outcome]]:
    """Run ``tasks`` here: the circuit fits together (:func:`run_eis_chunk`, at most
    :data:`EIS_BATCH` per call), the rest one by one (the DC records' decay fits made ahead in
    one batch: :mod:`sselab.study.prefit`)."""
    fits = _batchable_eis(tasks)
    for lo in range(0, len(fits), EIS_BATCH):
        chunk = fits[lo : lo + EIS_BATCH]
        yield from zip(chunk, run_eis_chunk(chunk, settle))
    batched = {id(t) for t in fits}
    rest = [t for t in tasks if id(t) not in batched]
    from .prefit import dc_decays_ahead

    with dc_decays_ahead(rest):  # the DC records' decay fits, batched (same numbers)
        for t in rest:
            yield t, settled(run_safely(t)) if settle and t.kind == "dc_transient" else run_safely(t)


#: largest group of DC tasks one worker runs together (their decay fits batched; from
#: :data:`sselab.dc.decay.COMPILED_MIN_RECORDS` records on, compiled: a study of 1,000 records
#: on two workers sends them in 4 chunks of 250)
DC_CHUNK = 256


def run_dc_chunk(tasks: list[Task], settle: bool = False) -> list[Outcome]:
    """Worker side: DC tasks run one by one after their decay fits are made in one batch
    (``settle``: their outcomes :func:`settled`)."""
    from .prefit import dc_decays_ahead

    with dc_decays_ahead(tasks):
        return [settled(run_safely(t)) if settle else run_safely(t) for t in tasks]


def _on_pool(pool: ProcessPoolExecutor, tasks: list[Task], settle: bool = False) -> Iterator[tuple[Task, Outcome]]:
    dc = [t for t in tasks if t.kind == "dc_transient"]
    if len(dc) < 4:
        dc = []
    fits = _batchable_eis(tasks) if len(tasks) >= 4 else []
    try:
        futures = _submit(pool, tasks, dc, fits, settle)
    except BrokenProcessPool:  # a worker died before (warming up, or in an earlier stage)
        raise SselabError(_DIED.format(f"before {tasks[0].id} started")) from None
    for fut in as_completed(futures):
        what = futures[fut]
        try:
            outcome = fut.result()
        except BrokenProcessPool:
            raise SselabError(_DIED.format(f"while running {(what[0] if isinstance(what, list) else what).id}")) from None
        if isinstance(what, list):
            yield from zip(what, outcome)
        else:
            yield what, outcome


_DIED = ("a worker process died (killed or out of memory?) {}; "
         "run again to continue: finished analyses are stored and skipped")


def _submit(pool: ProcessPoolExecutor, tasks: list[Task], dc: list[Task], fits: list[Task],
            settle: bool) -> dict[Any, Any]:
    """Submit ``tasks`` to ``pool`` (``dc``, ``fits``: those run in chunks); future → task or chunk."""
    chunked = {id(t) for t in (*dc, *fits)}
    futures: dict[Any, Any] = {pool.submit(run_safely, t): t for t in tasks if id(t) not in chunked}
    workers = max(1, getattr(pool, "_max_workers", 2))
    # like tasks in a few chunks per worker (their fits batched): the DC holds first (the longest
    # chunks, of equal size: their decay fits are batched), then the circuit fits in shrinking
    # chunks, so that the workers finish together and the last results to store are few
    size = dc_chunk_size(len(dc), workers)
    for lo in range(0, len(dc), size):
        futures[pool.submit(run_dc_chunk, dc[lo:lo + size], settle)] = dc[lo:lo + size]
    lo = 0
    smallest = min(EIS_MIN_CHUNK, -(-len(fits) // (2 * workers)))  # a small study: 2 chunks per worker, as before
    while lo < len(fits):
        size = max(2, min(EIS_BATCH, max(smallest, -(-(len(fits) - lo) // (2 * workers)))))
        futures[pool.submit(run_eis_chunk, fits[lo:lo + size], settle)] = fits[lo:lo + size]
        lo += size
    return futures
