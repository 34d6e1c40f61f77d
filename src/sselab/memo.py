"""One bounded cache for the values sselab derives once per key and reuses (a circuit's compiled
program, a parameter set's transform, a structure's symmetry): a dict that is emptied when it
would hold more than ``limit`` entries, so a long-running process (the web workbench, a study of
many circuits) never grows without bound.  Emptying instead of evicting one entry keeps the hit
path a plain ``dict.get``; a miss only recomputes what the key determines.

Examples
--------
>>> squares = Bounded(limit=2)
>>> squares.get_or_make(3, lambda: 9), squares.get_or_make(3, lambda: -1)
(9, 9)
>>> for k in range(5):
...     _ = squares.get_or_make(k, lambda: k * k)
>>> len(squares) <= 3
True
"""

from __future__ import annotations

from typing import Any, Callable


class Bounded(dict):
    """A dict of values made on first use, emptied when it holds more than ``limit`` entries.
    ``None`` is not kept (it reads as "not made yet")."""

    def __init__(self, limit: int = 256) -> None:
        super().__init__()
        self.limit = limit

    def get_or_make(self, key: Any, make: Callable[[], Any]) -> Any:
        """``self[key]``, made by ``make()`` and kept when absent."""
        found = self.get(key)
        if found is None:
            found = make()
            if len(self) > self.limit:
                self.clear()
            self[key] = found
        return found
