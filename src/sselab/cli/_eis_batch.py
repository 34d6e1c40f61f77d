"""``sselab eis fit`` over many files on the machine's cores.

The batched fit stays one call in this process (its compiled kernels spread their rows over
the cores themselves).  Before it, forked workers read the files (:func:`read_all`: each file
read exactly as :func:`~sselab.cli._eis_input.load` reads it alone, the spectra sent back);
after it, forked workers write the JSON of the fits (:func:`render_json`: each worker takes a
run of consecutive fits, computes their curves and verdict tables
(:func:`~sselab.eis.verdicts.prepare_outputs`), their ``to_dict()`` and its text, and sends
the text back).  Every number is computed row by row, so the output is byte for byte the one
a single process writes (tests/cli/test_eis_fit_jobs.py).

Workers are used from :data:`MIN_FILES` files on, where ``fork`` exists (Linux, macOS): as many
as ``--jobs`` asks (the fit's compiled kernels then use their thread pool, :func:`fit_threads`),
by default as many as the cores available when one of them is free (:func:`workers`), else
none; ``--jobs 1`` keeps everything in this process.
"""

from __future__ import annotations

import copyreg
import os
from contextlib import contextmanager
from pathlib import Path
from types import MappingProxyType
from typing import Any, Callable, Iterator, Sequence

from ..exceptions import SselabError

#: below this many files everything runs in this process (forking costs ~20–50 ms)
MIN_FILES = 200
#: the most workers used without an explicit ``--jobs``
MAX_AUTO_JOBS = 4


def _proxy(mapping: dict) -> MappingProxyType:
    return MappingProxyType(mapping)


def _reduce_proxy(m: MappingProxyType) -> tuple[Callable, tuple[dict]]:
    return _proxy, (dict(m),)


# a measurement's metadata is a read-only mapping proxy, which pickle cannot send as it is:
# it travels as its dict and is wrapped again on arrival
copyreg.pickle(MappingProxyType, _reduce_proxy)


def workers(n_files: int, jobs: int | None) -> int:
    """How many processes read and write: 1 below :data:`MIN_FILES` files or without ``fork``;
    else ``jobs`` when given; by default the cores available to this process (at most
    :data:`MAX_AUTO_JOBS`) when one of them is free — the rule the fit's kernels use for their
    threads (:func:`sselab.eis.kernel.cores_free`: 1-minute load average, less this process's
    own part, at most the cores − 1, or else a core idle now) —
    and 1 on a busy machine, where forked workers only compete with the other processes for the
    same cores (measured at load 2.6–2.8 on 2 cores: 2,000 files 6.3–6.7 s wall with 2 workers
    against 5.4–5.8 s in one process, benchmarks/RESULTS.md)."""
    if jobs is not None and jobs < 1:
        raise SselabError(f"--jobs must be ≥ 1, got {jobs}")
    if n_files < MIN_FILES:
        return 1
    import multiprocessing  # only here: a one-file call does not load it

    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    if jobs is not None:
        return jobs
    from ..eis.kernel import cores_free, usable_cpus

    if not cores_free():
        return 1
    return max(1, min(len(usable_cpus()), MAX_AUTO_JOBS))


def _chunks(n: int, n_workers: int) -> list[range]:
    """Consecutive runs of indices, several per worker (so that a slow run does not hold the rest)."""
    size = max(25, -(-n // (4 * n_workers)))
    return [range(i, min(i + size, n)) for i in range(0, n, size)]


#: what the forked workers read (set just before they are forked, cleared after)
_JOB: dict[str, Any] = {}


def _serial_kernels() -> None:
    """Pool initializer: a forked worker never enters the compiled kernels' thread pool (GNU
    libgomp, which the parent may have started for the fit, does not survive a fork).  Ctrl+C
    is the parent's to handle (it ends the pool; a worker would print a traceback each) and
    the pool's SIGTERM ends a worker at once, as in :mod:`sselab.study.executors`."""
    import signal

    os.environ["SSELAB_FIT_THREADS"] = "1"
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _map(func: Callable[[range], Any], n: int, n_workers: int) -> list:
    """``[func(chunk) for chunk in chunks]`` over forked workers, in order.  A worker that dies
    (killed, out of memory) is an error here, not a wait without end (as with
    ``multiprocessing.Pool``, which loses its task); on Ctrl+C or any error the workers are
    terminated at once."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    chunks = _chunks(n, n_workers)  # no more processes than runs (--jobs 500 forks no idle ones)
    pool = ProcessPoolExecutor(min(n_workers, len(chunks)), mp_context=multiprocessing.get_context("fork"),
                               initializer=_serial_kernels)
    try:
        out = list(pool.map(func, chunks))
    except BaseException as exc:
        for proc in list((getattr(pool, "_processes", None) or {}).values()):
            try:
                proc.terminate()
            except (OSError, ValueError, AttributeError):  # already gone
                pass
        pool.shutdown(wait=False, cancel_futures=True)
        if isinstance(exc, BrokenProcessPool):
            raise SselabError("a worker process ended abruptly (killed, or out of memory); --jobs 1 runs in one process") from None
        raise
    pool.shutdown()
    return out


@contextmanager
def fit_threads(n_workers: int, asked: bool) -> Iterator[None]:
    """While the batched fit runs: its compiled kernels use numba's thread pool when ``--jobs``
    was ``asked`` for (above 1) and ``SSELAB_FIT_THREADS`` is not set: ``n_workers`` threads
    (capped at numba's pool, :func:`sselab.eis.kernel.pooled`); otherwise the kernels decide by
    themselves (threads when a core is free, the rule :func:`workers` follows).
    Pooled and serial fits are the same fits (independent rows)."""
    if n_workers <= 1 or not asked or "SSELAB_FIT_THREADS" in os.environ:
        yield
        return
    os.environ["SSELAB_FIT_THREADS"] = str(n_workers)
    try:
        yield
    finally:
        os.environ.pop("SSELAB_FIT_THREADS", None)


def _read_chunk(chunk: range) -> list[tuple[list | None, str | None, list[str]]]:
    from ._eis_input import load

    files, options = _JOB["files"], _JOB["options"]
    out: list[tuple[list | None, str | None, list[str]]] = []
    for k in chunk:
        notes: list[str] = []
        try:
            out.append((load(files[k], notes=notes, **options), None, notes))
        except SselabError as exc:
            out.append((None, str(exc).splitlines()[0], notes))
    return out


def read_all(files: Sequence[Path], n_workers: int,
             **options: Any) -> list[tuple[list | None, str | None, list[str]]]:
    """For each file, ``(load(file, **options), None, notes)`` or ``(None, the first line of its
    SselabError, notes)``, read by ``n_workers`` forked processes; ``notes``: what ``load``
    prints on stderr reading the file alone, for the caller to print (in file order)."""
    _JOB.update(files=files, options=options)
    try:
        return [r for part in _map(_read_chunk, len(files), n_workers) for r in part]
    finally:
        _JOB.clear()


def is_failure(batch: Any, row: int) -> bool:
    """Whether row ``row`` of a :func:`~sselab.eis.batch.fit_circuit_batch` result is a
    :class:`~sselab.eis.batch.FitFailure`, without building the fit of a row that is not (the
    batch keeps each row as a failure or as a lazily built fit; reading the row builds it)."""
    from ..eis.batch import FitFailure

    entries = getattr(batch, "_entries", None)
    return isinstance(entries[row] if entries is not None else batch[row], FitFailure)


def _render_chunk(chunk: range) -> tuple[bytes, list[str]]:
    """The items of ``chunk`` as they stand in the output list (each one level down, joined by
    ``,`` and a line break), encoded; and the verdict status of each fit."""
    from ..eis.verdicts import prepare_outputs
    from ..jsonsafe import dumps_json
    from .eis import final_fit

    entries, batch, rows, errors, every = (_JOB[k] for k in ("entries", "batch", "rows", "errors", "every"))
    fits = {i: final_fit(batch[rows[i]], entries[i][1], every) for i in chunk if i not in errors}
    prepare_outputs(list(fits.values()))
    texts, statuses = [], []
    for i in chunk:
        path, item = entries[i]
        if i in errors:
            texts.append(dumps_json({"file": str(path), "error": errors[i]}))
            continue
        fit = fits[i]
        texts.append(dumps_json({**item.describe(), **fit.to_dict()}))
        statuses.append(fit.verdict.status)
    # an item's text one level down: every line break gains two blanks (JSON strings hold none);
    # done here, in the workers, with the encoding: the parent only joins the runs (measured on
    # 10,000 fits: 0.25 s of indenting, joining and encoding 48 MB in the parent alone)
    return ",\n  ".join(t.replace("\n", "\n  ") for t in texts).encode("utf-8"), statuses


def render_json(entries: Sequence[tuple[Path, Any]], batch: Any, rows: dict[int, int], errors: dict[int, str],
                every: bool, n_workers: int) -> tuple[list[bytes], list[str]]:
    """The ``--json`` text of all entries (a list: each fit's ``{**describe(), **to_dict()}`` or
    the file's error), UTF-8 encoded in pieces to be written one after the other (joined, they
    are the text :func:`~sselab.jsonsafe.dumps_json` gives for that list, and a line break), and
    the verdict status of every fit, written by ``n_workers`` forked processes.  ``batch``: the
    batched fit, ``rows``: the batch row of each entry that was fitted, ``errors``: the entries
    that have no fit; each worker builds its fits (:func:`~sselab.cli.eis.final_fit`).  The
    pieces are not joined here: one 48 MB string for 10,000 fits costs ~0.1 s of fresh pages."""
    _JOB.update(entries=entries, batch=batch, rows=rows, errors=errors, every=every)
    try:
        parts = _map(_render_chunk, len(entries), n_workers)
    finally:
        _JOB.clear()
    pieces = [b"[\n  "]
    for k, (text, _) in enumerate(parts):
        pieces += [b",\n  ", text] if k else [text]
    pieces.append(b"\n]\n")
    return pieces, [s for _, statuses in parts for s in statuses]
