"""Background jobs: fits run in a small thread pool, never on the request thread.

``POST /api/fit`` (or ``/api/drt``) submits a job and returns its id at once; the page polls
``GET /api/jobs/{id}`` for ``status`` (``queued`` → ``running`` → ``done`` | ``error``),
``elapsed_s``, a ``progress`` line, ``progress_percent`` (0–100, from the work's stages, see
:class:`Stages`) and finally the ``result``.  Threads (not processes) are
enough: the least-squares work is in NumPy/LAPACK, which releases the GIL, and the event
loop that answers requests keeps running.  Finished jobs are kept (up to ``keep``) so a
result can be saved after it was shown.

Cancelling (``POST /api/jobs/{id}/cancel``, the page's Cancel button, and every job when the
server stops): a queued job never starts; a running one is marked ``cancelled`` at once, its
``progress`` callback raises :class:`JobCancelled` at the work's next stage, and whatever it
still returns is discarded.

Example
-------
>>> jobs = JobManager(workers=1)
>>> job = jobs.submit("sum", lambda progress: sum(range(10)))
>>> done = jobs.wait(job.id, timeout=5)
>>> done.result, done.to_dict()["progress_percent"]
(45, 100.0)
>>> jobs.shutdown()
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable

from ..exceptions import SselabError


class JobCancelled(SselabError):
    """Raised inside a job's work (by its ``progress`` callback) once the job was cancelled."""


@dataclass
class Job:
    """One unit of background work and what is known about it."""

    id: str
    kind: str
    status: str = "queued"
    progress: str = "queued"
    percent: float = 0.0
    submitted: float = field(default_factory=time.monotonic)
    started: float | None = None
    finished: float | None = None
    result: Any = None
    error: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    cancel_requested: threading.Event = field(default_factory=threading.Event, repr=False)

    def to_dict(self) -> dict[str, Any]:
        end = self.finished or time.monotonic()
        return {
            "id": self.id, "kind": self.kind, "status": self.status, "progress": self.progress,
            "progress_percent": round(self.percent, 1),
            "elapsed_s": round(end - (self.started or self.submitted), 3),
            "result": self.result if self.status == "done" else None, "error": self.error,
        }


class Stages:
    """Progress of work done in named stages: stage ``k`` of ``n`` starts at ``100·k/n`` %.

    Parameters
    ----------
    progress : callable
        The ``progress(text, percent)`` a job's work receives.
    names : sequence of str
        The stages, in order.

    Examples
    --------
    >>> seen = []
    >>> stages = Stages(lambda text, percent: seen.append((text, percent)), ["read", "fit"])
    >>> stages.next(); stages.next("fit: 4 starts")
    >>> seen
    [('1/2 read', 0.0), ('2/2 fit: 4 starts', 50.0)]
    """

    def __init__(self, progress: Callable[..., None], names: list[str]) -> None:
        self._progress = progress
        self.names = list(names)
        self.done = 0

    def next(self, text: str | None = None) -> None:
        """Start the next stage (``text`` replaces its name in the progress line)."""
        if self.done >= len(self.names):
            raise IndexError(f"only {len(self.names)} stages")
        k, n = self.done, len(self.names)
        self._progress(f"{k + 1}/{n} {text or self.names[k]}", 100.0 * k / n)
        self.done += 1


class JobManager:
    """A thread pool with job bookkeeping (thread-safe)."""

    def __init__(self, workers: int = 2, keep: int = 200) -> None:
        self._pool = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="sselab-job")
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()
        self._done = threading.Condition(self._lock)
        self._busy = 0
        self.keep = keep

    def submit(self, kind: str, work: Callable[..., Any], **meta: Any) -> Job:
        """Run ``work(progress)`` in the pool.

        ``progress(text, percent=None)`` updates the job's line and, when given, its percentage
        (clipped to 0–100; it never goes backwards).  A finished job is at 100 %.
        """
        job = Job(id=uuid.uuid4().hex, kind=kind, meta=meta)
        with self._lock:
            self._jobs[job.id] = job
            while len(self._jobs) > self.keep:
                self._jobs.popitem(last=False)

        def progress(text: str, percent: float | None = None) -> None:
            if job.cancel_requested.is_set():
                raise JobCancelled(f"job {job.id[:8]} was cancelled")
            job.progress = text
            if percent is not None:
                job.percent = max(job.percent, min(100.0, max(0.0, float(percent))))

        def run() -> None:
            if job.cancel_requested.is_set():
                return
            job.started = time.monotonic()
            job.status, job.progress = "running", "running"
            with self._lock:
                self._busy += 1
            try:
                result = work(progress)
            except SselabError as exc:
                job.error = (str(exc).splitlines() or [type(exc).__name__])[0]
                status = "error"
            except Exception as exc:  # noqa: BLE001 - reported to the page, not swallowed silently
                job.error = f"{type(exc).__name__}: {exc}"
                status = "error"
            else:
                job.result = result
                job.percent = 100.0
                status = "done"
            finally:
                with self._lock:
                    self._busy -= 1
            if job.cancel_requested.is_set():  # cancelled while running: its result is not shown
                job.result, job.error, status = None, "cancelled", "cancelled"
            job.finished = job.finished or time.monotonic()
            job.progress = status
            job.status = status  # last: a poller that sees "done" sees the result and 100 % too
            with self._done:
                self._done.notify_all()

        self._pool.submit(run)
        return job

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def wait(self, job_id: str, timeout: float = 60.0) -> Job:
        """Block until a job has finished (for tests and scripts)."""
        deadline = time.monotonic() + timeout
        with self._done:
            while True:
                job = self._jobs.get(job_id)
                if job is None:
                    raise KeyError(job_id)
                if job.status in ("done", "error", "cancelled"):
                    return job
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"job {job_id} still {job.status} after {timeout} s")
                self._done.wait(left)

    def cancel(self, job_id: str) -> Job | None:
        """Cancel a queued or running job (see the module notes); ``None`` for an unknown id.
        A finished job stays as it is."""
        with self._done:
            job = self._jobs.get(job_id)
            if job is None or job.status in ("done", "error", "cancelled"):
                return job
            job.cancel_requested.set()
            job.error, job.progress, job.status = "cancelled", "cancelled", "cancelled"
            job.finished = time.monotonic()
            self._done.notify_all()
            return job

    def running(self) -> int:
        """How many jobs are queued or running."""
        with self._lock:
            return sum(j.status in ("queued", "running") for j in self._jobs.values())

    def busy_threads(self) -> int:
        """How many worker threads are still inside a job's work (cancelled ones included)."""
        with self._lock:
            return self._busy

    def shutdown(self) -> None:
        """Cancel every queued and running job and stop the pool without waiting for it."""
        with self._lock:
            ids = [j.id for j in self._jobs.values() if j.status in ("queued", "running")]
        for job_id in ids:
            self.cancel(job_id)
        self._pool.shutdown(wait=False, cancel_futures=True)
