"""Which files a piece of code read, and how well: the reading verdicts seen by :func:`sselab.io.read`.

The study pipeline runs an analysis inside :func:`recording` and stores, for each file read,
the merged reading verdict of the measurements :func:`~sselab.io.read` returned (a
``rows_dropped`` warning, say), so the store keeps how each measurement was read.

>>> from sselab.verdict import Verdict, Reason
>>> with recording() as log:
...     note("a.csv", Verdict.of([Reason("rows_dropped", "2 rows dropped")]))
>>> log["a.csv"]["status"]
'warning'
>>> note("b.csv", Verdict())   # outside recording(): nothing is kept
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from ..verdict import Verdict

_LOG: ContextVar[dict[str, Verdict] | None] = ContextVar("sselab_read_log", default=None)


class ReadLog(dict):
    """``{path: verdict dict}`` of the files read while :func:`recording` was active."""


@contextmanager
def recording() -> Iterator[ReadLog]:
    """Collect the reading verdicts of the files read inside the block (per thread/context)."""
    seen: dict[str, Verdict] = {}
    out = ReadLog()
    token = _LOG.set(seen)
    try:
        yield out
    finally:
        _LOG.reset(token)
        out.update({path: v.to_dict() for path, v in seen.items()})


def note(path: Any, verdict: Verdict) -> None:
    """Record that ``path`` was read with ``verdict`` (merged with an earlier reading of it)."""
    seen = _LOG.get()
    if seen is None:
        return
    key = str(path)
    seen[key] = seen[key].merge(verdict) if key in seen else verdict


def note_measurements(path: Any, measurements: Any) -> None:
    """:func:`note` the reading verdict each of ``measurements`` keeps in its metadata (nothing
    is built outside :func:`recording`)."""
    if _LOG.get() is None:
        return
    for m in measurements:
        note(path, Verdict.from_dict(m.metadata.get("reading_verdict")))
