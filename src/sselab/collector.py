"""Python's cyclic garbage collector paused around work that makes many long-lived objects and
next to no cyclic garbage (imports, a command holding thousands of results): each full
collection there only traverses everything made so far again."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    """The collector paused within, and resumed on leaving as it was before (an exception
    included); reference counting frees what is not in a cycle as ever."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


@contextmanager
def restored() -> Iterator[None]:
    """Within, the collector may be tuned for the process (frozen objects, thresholds); on leaving
    the objects are unfrozen and the thresholds are those of before: a library call leaves the
    process's collector as it found it."""
    thresholds = gc.get_threshold()
    try:
        yield
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)
