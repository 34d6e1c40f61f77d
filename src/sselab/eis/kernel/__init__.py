"""Compiled circuit fitting: the batched Levenberg–Marquardt of :mod:`sselab.fitting` with the
circuit's impedance and analytic Jacobian compiled by numba, generated from the circuit tree
(:mod:`.program`), kept step for step equal to the numpy path that stays the reference (the
covariances of the final pass excepted: within ~1e-9 of the numpy engine's SVD, see
:data:`._final.GRAM_COND_MAX`).

Which path fits is chosen per batched solve, or for a whole batched call (:func:`batch`), by :func:`sselab.eis.kernel.dispatch.fit_best_model`:

* ``SSELAB_FIT_KERNEL=numpy`` — always numpy;
* ``SSELAB_FIT_KERNEL=numba`` — numba whenever it is installed and the circuit's elements all
  have compiled formulas;
* ``SSELAB_FIT_KERNEL=torch`` — the iteration on PyTorch's GPU (:mod:`._torch`; the CPU without
  one, ``SSELAB_TORCH_DEVICE`` to choose), where PyTorch is installed; opt-in only (:func:`torch_chosen`);
* ``auto`` (default) — numba for solves of at least :data:`AUTO_MIN_ROWS` problems, and for
  every step of a batched call over that many spectra (:func:`batch`) (importing
  numba and loading the cached kernels costs 1–3 s on this 2-core machine, what compiled fits
  save on ~1,000 spectra), and for smaller solves too after :func:`load` (a long-running
  process — a server, a notebook, a benchmark — pays the one-time cost on purpose; a single
  fit then runs ~3× faster, 1.6 vs 5.1 ms on the eBE stack).  Otherwise numpy, and always
  numpy without numba: a one-file CLI call never pays the import.  Without :func:`load`
  the choice depends on the solve or the batched call alone, never on what the process happened to do before:
  the engines agree on χ² to rounding (tests/eis_batch/test_kernel.py), but a degenerate fit
  (a resistor collapsing to 0, a capacitance diverging) may end in another equivalent
  parameterisation on each, and a result should not depend on an earlier, unrelated batch.
  Each fit records its ``engine``.  ``SSELAB_FIT_KERNEL=numba`` compiles every solve,
  ``numpy`` none.

Every :class:`~sselab.eis.fit.CircuitFit` says which path fitted it (``engine``).  The same
choice applies to the off-grid refinement of the automatic starts
(:func:`sselab.eis.initial_grid.refine`, compiled in :mod:`._grid`).
"""

from __future__ import annotations

import contextvars
import math
import os
import threading
import time
from contextlib import contextmanager, nullcontext
from functools import lru_cache

#: batched solves with fewer problems than this use numpy under "auto"
AUTO_MIN_ROWS = 1000

BACKENDS = ("auto", "numba", "numpy", "torch")

#: compiled calls over at least this many rows use numba's thread pool when
#: ``SSELAB_FIT_THREADS`` is above 1 (that many threads, at most numba's pool: :func:`pooled`),
#: or when it is unset (or ``auto``) and the machine has a core free (1-minute load average at
#: most the core count − 1, or a core idle now: :func:`cores_free`, :func:`parallel_for`); with
#: ``SSELAB_FIT_THREADS=1`` every compiled call runs in the calling thread.  The rows are
#: independent problems: pooled and serial fits are identical.  The pool used to
#: cost ~25–35 % more CPU per fit (libgomp's idle workers spin; measured 2,785 vs 3,326 fits
#: per CPU-second): :mod:`._numba` now asks for passive waiting (``OMP_WAIT_POLICY``), after
#: which the pooled CPU rate equals the serial one (3,770 vs 3,217 under load 12); the wall
#: gain needs idle cores, which this shared machine rarely had (benchmarks/RESULTS.md)
PARALLEL_MIN_ROWS = 64

#: held around every pooled compiled call (:func:`pooled`): numba's thread pool, whose default
#: ("workqueue") layer must not be entered from two threads at once (the web workbench fits in a
#: thread pool, a split batch in several threads: :func:`split_threads`).  Serial calls share
#: nothing and release the GIL (``nogil``): they run side by side without it
LOCK = threading.Lock()


def requested() -> str:
    """The backend asked for in ``SSELAB_FIT_KERNEL`` (``auto`` when unset or unknown)."""
    value = os.environ.get("SSELAB_FIT_KERNEL", "auto").strip().lower()
    return value if value in BACKENDS else "auto"


def parallel_for(n_rows: int) -> bool:
    """Whether a compiled call over ``n_rows`` rows uses numba's threads: at least
    :data:`PARALLEL_MIN_ROWS` rows, not in one part of a split batch (:func:`serial`), and
    ``SSELAB_FIT_THREADS`` above 1 — or unset / ``auto`` with a core free (:func:`cores_free`)."""
    if n_rows < PARALLEL_MIN_ROWS or _SERIAL.get():
        return False
    value = os.environ.get("SSELAB_FIT_THREADS", "auto").strip().lower()
    if value in ("", "auto"):
        return cores_free()
    try:
        return int(value) > 1
    except ValueError:
        return False


#: True within one part of a batched call split over Python threads (:func:`serial`)
_SERIAL: contextvars.ContextVar[bool] = contextvars.ContextVar("sselab_fit_serial", default=False)


def split_threads(n_spectra: int) -> int:
    """Into how many parts, each fitted in its own Python thread with serial kernels, a batched
    call over ``n_spectra`` spectra is split (1: not split; its compiled calls may then use
    numba's pool): the threads numba's pool would use (``SSELAB_FIT_THREADS`` or every core)
    when the call runs compiled and pooled (:func:`compiled_for`, :func:`parallel_for`), at most
    one per :data:`PARALLEL_MIN_ROWS` spectra.  Splitting runs the whole pipeline (start search,
    solves, final pass, and the Python between them) side by side, where the pool runs only the
    compiled loops in parallel: on two cores (a 16-core machine pinned to two) the eBE set ran
    at 1.9× one thread's rate split against 1.3–1.8× pooled, the two-arc set at about the same
    as pooled (benchmarks/RESULTS.md).  Each spectrum is fitted as it would be unsplit: the rows
    are independent and every choice of engine is the call's (:func:`batch`)."""
    if _SERIAL.get() or not compiled_for(n_spectra) or not parallel_for(n_spectra):
        return 1
    n = thread_count()
    if n is None:
        n = len(usable_cpus())
    return max(1, min(n, n_spectra // PARALLEL_MIN_ROWS))


@contextmanager
def serial():
    """Within (this thread or task): every compiled call runs in the calling thread."""
    token = _SERIAL.set(True)
    try:
        yield
    finally:
        _SERIAL.reset(token)


#: rows per chunk of a pooled call, as a fraction of the rows per thread: threads take chunks
#: as they finish (numba's dynamic schedule) instead of one equal share each, so a thread whose
#: rows need many LM iterations does not leave the other idle at the end of the call
CHUNKS_PER_THREAD = 8


def thread_count() -> int | None:
    """The number of threads ``SSELAB_FIT_THREADS`` asks for (an integer above 1), else None
    (unset / ``auto`` / 1: numba's own count when a core is free, see :func:`parallel_for`)."""
    value = os.environ.get("SSELAB_FIT_THREADS", "").strip()
    try:
        n = int(value)
    except ValueError:
        return None
    return n if n > 1 else None


def pooled(n_rows: int, parallel: bool = True):
    """The context a pooled compiled call over ``n_rows`` rows runs in: numba's dynamic schedule
    with chunks of about n_rows / (threads · :data:`CHUNKS_PER_THREAD`) rows (at least one), on
    at most ``SSELAB_FIT_THREADS`` threads when it is a number (:func:`thread_count`; numba's
    pool has one per core otherwise); nothing for a serial call (``parallel`` False).  The rows
    are independent problems: the schedule changes only which thread fits which.  The chunk size
    and thread count are numba's per-thread settings, restored on leaving (an exception
    included); ``numba.parallel_chunksize`` is not used: it is one shared object that keeps the
    size and the one to restore on itself, so two threads entering it at once would restore each
    other's.  A pooled call holds :data:`LOCK`."""
    if not parallel:
        return nullcontext()
    import numba

    return _pool_settings(numba, n_rows, thread_count())


@contextmanager
def _pool_settings(numba, n_rows: int, threads: int | None):
    with LOCK:
        threads_before = numba.get_num_threads()
        if threads is not None:
            numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
        try:
            size = max(1, n_rows // (numba.get_num_threads() * CHUNKS_PER_THREAD))
            before = numba.set_parallel_chunksize(size)  # this thread's setting; returns the previous one
            try:
                yield
            finally:
                numba.set_parallel_chunksize(before)
        finally:
            numba.set_num_threads(threads_before)


def cores_free() -> bool:
    """Whether this process may use a second core: at least two cores available to it, and the
    1-minute load average less this process's own part of it (:func:`own_load`) at most their
    number − 1: other processes leave a core free (a busy shared machine stays serial: the pool
    then only adds switching).  Without discounting its own part, a process that has fitted for
    a minute saw its own busy thread as another's and stayed serial on an idle 2-core machine.

    The average trails the machine by a minute: right after a heavy command (load 1.2 on an idle
    2-core machine) a second one stayed in one process, 1,600 files/s against 2,690.  When it
    says busy, what the cores do now decides (:func:`idle_cores`: at least one idle)."""
    cores = len(usable_cpus())
    if cores < 2:
        return False
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):
        return False
    if load - own_load(cores) <= cores - 1:
        return True
    idle = idle_cores()
    return idle is not None and idle >= IDLE_CORES_FREE


#: :func:`idle_cores` watches the cores this long (s; /proc/stat counts in 10 ms ticks) ...
IDLE_SAMPLE_S = 0.1
#: ... and its answer is reused for this long (s): a batched call asks before each compiled step,
#: and on a busy machine each new sample sleeps the caller IDLE_SAMPLE_S (≤ 1 % of its time)
IDLE_KEEP_S = 10.0
#: idle cores (this process asleep meanwhile) that count as one free: a tick of rounding under 1
IDLE_CORES_FREE = 0.9
#: (monotonic time, idle cores) of the last :func:`idle_cores` sample
_IDLE: list[float] = [-math.inf, 0.0]


def usable_cpus() -> set[int]:
    """The CPUs this process may run on (its affinity; every CPU where that is unknown)."""
    try:
        return os.sched_getaffinity(0)
    except (AttributeError, OSError):
        return set(range(os.cpu_count() or 1))


def _cpu_ticks(cpus: set[int]) -> dict[int, tuple[int, int]] | None:
    """(idle + iowait, total) ticks of each CPU in ``cpus`` from /proc/stat; None where unreadable."""
    out: dict[int, tuple[int, int]] = {}
    try:
        with open("/proc/stat", encoding="ascii") as fh:
            for line in fh:
                if not line.startswith("cpu"):
                    break
                name, *fields = line.split()
                if name[3:].isdigit() and int(name[3:]) in cpus:
                    ticks = [int(f) for f in fields[:8]]
                    out[int(name[3:])] = (ticks[3] + ticks[4], sum(ticks))
    except (OSError, ValueError, IndexError):
        return None
    return out or None


def idle_cores() -> float | None:
    """How many of this process's cores are idle now: the idle share of each one's ticks over
    :data:`IDLE_SAMPLE_S` (this thread asleep meanwhile), summed; None where /proc/stat cannot
    say (not Linux).  Kept :data:`IDLE_KEEP_S`."""
    now = time.monotonic()
    if now - _IDLE[0] < IDLE_KEEP_S:
        return _IDLE[1]
    cpus = usable_cpus()
    before = _cpu_ticks(cpus)
    if before is None:
        return None
    time.sleep(IDLE_SAMPLE_S)
    after = _cpu_ticks(cpus)
    if after is None:
        return None
    idle = 0.0
    for cpu, (i0, t0) in before.items():
        i1, t1 = after.get(cpu, (i0, t0))
        if t1 > t0:
            idle += (i1 - i0) / (t1 - t0)
    _IDLE[:] = [time.monotonic(), idle]
    return idle


#: (monotonic wall, process CPU) seconds when this module loaded: the start of :func:`own_load`'s window
_STARTED = (time.monotonic(), time.process_time())


def own_load(cores: int = 1) -> float:
    """This process's estimated part of the 1-minute load average: its CPU time per wall second
    since this module loaded (at most ``cores``), weighted by the share of the load average's
    exponential window (time constant 60 s) that stretch covers; ~0 for a process just started."""
    wall = time.monotonic() - _STARTED[0]
    if wall <= 0:
        return 0.0
    busy = min(float(cores), (time.process_time() - _STARTED[1]) / wall)
    return busy * (1.0 - math.exp(-wall / 60.0))


def torch_chosen() -> bool:
    """Whether batched solves run on PyTorch's device (:mod:`._torch`), whatever their size:
    when ``SSELAB_FIT_KERNEL=torch`` asks and PyTorch is installed, never otherwise.  ``auto``
    does not choose it: on the one GPU measured (an H200 beside 16 CPU cores) the tensor
    iteration, bound by one kernel launch per array operation, fitted 50,000 eBE spectra at 5,935
    fits/s against numba's 7,591 on the cores (benchmarks/bench_gpu.py, RESULTS.md).  Nothing
    requires PyTorch."""
    if requested() != "torch":
        return False
    from . import _torch

    return _torch.installed()


def compiled_for(n_rows: int) -> bool:
    """Whether a batched step over ``n_rows`` problems runs compiled (see the module docs): under
    ``auto``, a step of at least :data:`AUTO_MIN_ROWS` rows, or any step of a batch that large
    (:func:`batch`), or any step after :func:`load`."""
    want = requested()
    if want == "numpy" or not numba_available():
        return False
    return want == "numba" or n_rows >= auto_min_rows() or _call_compiled()


def _call_compiled() -> bool:
    """Whether ``auto`` compiles whatever the step's size: after :func:`load`, or within a
    :func:`batch` of at least :data:`AUTO_MIN_ROWS` problems (the one rule of
    :func:`compiled_for` and :func:`helpers_compiled`)."""
    return _LOADED or _BATCH_ROWS.get() >= auto_min_rows()


#: the problems of the batched call the current step belongs to (:func:`batch`); 0 outside one
_BATCH_ROWS: contextvars.ContextVar[int] = contextvars.ContextVar("sselab_fit_batch_rows", default=0)


@contextmanager
def batch(n_rows: int):
    """Within: every step is a step of one batched call over ``n_rows`` problems, and ``auto``
    decides for the call, not the step.  A call over :data:`AUTO_MIN_ROWS` spectra or more
    (``sselab eis fit`` over many files, a study's EIS fits) pays numba's import and kernel
    loading anyway for its main solve; its smaller steps — the automatic starts' search and
    refinement, run per block of 256 spectra, and the extra starts of the few spectra that need
    them — then run compiled too instead of in numpy (2,000 eBE spectra: the start search 1.7 s →
    0.2 s CPU under a profiler).  The choice depends on the call alone (its size), never on what
    the process did before.  Per thread and task (a context variable): a server's other
    requests are not affected."""
    token = _BATCH_ROWS.set(max(int(n_rows), _BATCH_ROWS.get()))
    try:
        yield
    finally:
        _BATCH_ROWS.reset(token)


#: set by :func:`load`: ``auto`` then compiles solves of any size
_LOADED = False


def loaded() -> bool:
    """Whether :func:`load` was called in this process (``auto`` then fits even one spectrum
    compiled)."""
    return _LOADED


def helpers_compiled() -> bool:
    """Whether the compiled helpers that give numpy's results exactly (index scans and copies,
    :mod:`._grid`'s ``pick_rows`` and ``gather_rows``) run: once :func:`load` was called or within a
    :func:`batch` of at least :data:`AUTO_MIN_ROWS` problems, unless ``SSELAB_FIT_KERNEL=numpy``
    asks for no compiled code at all."""
    return requested() != "numpy" and numba_available() and _call_compiled()


def load() -> bool:
    """Load the compiled kernels now (numba's import and the cached machine code, ~1–3 s, or
    their compilation the first time on a machine) and let ``auto`` use them for solves of
    any size from here on; False (nothing changes) when numba is not installed."""
    global _LOADED
    if not numba_available():
        return False
    from . import _final, _grid, _lm, _numba  # noqa: F401

    _LOADED = True
    return True


def auto_min_rows() -> int:
    """The smallest solve "auto" compiles (:data:`AUTO_MIN_ROWS`; see the module docs)."""
    return AUTO_MIN_ROWS


@lru_cache(maxsize=1)
def numba_available() -> bool:
    """Whether numba can be imported (without importing it when it is not installed)."""
    from importlib.util import find_spec

    return find_spec("numba") is not None
