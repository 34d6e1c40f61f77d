"""JSON for the store's JSON columns: plain types only, NaN/inf as ``null``, numpy as Python.

:func:`dumps` is the engines' ``json_serializer`` (:func:`sselab.store.connect.make_engine`):
one pass of the C encoder in the common case, numpy values converted on the way; only a
value holding NaN/inf (or odd dict keys) takes the slower :func:`jsonable` walk
first.  So a
result dict is serialised exactly once per write, and it never needs a cleaning copy.

Example
-------
>>> import numpy as np
>>> dumps({"R_ohm": np.float32(2.5), "curve": np.array([1.0, np.nan]), "n": np.int64(3)})
'{"R_ohm": 2.5, "curve": [1.0, null], "n": 3}'
>>> jsonable({"x": (1, float("inf"))})
{'x': [1, None]}
"""

from __future__ import annotations

import json
from typing import Any

from ..exceptions import StoreError
from ..jsonsafe import json_safe


def jsonable(obj: Any) -> Any:
    """A copy of ``obj`` that every JSON column accepts: NaN/inf → None, numpy → plain types
    (:func:`sselab.jsonsafe.json_safe`, strict: anything else is a :class:`StoreError`)."""
    try:
        return json_safe(obj, strict=True)
    except TypeError as exc:
        raise StoreError(f"cannot store a value in a JSON column: {exc}") from None


class Encoded(str):
    """JSON text already made by :func:`dumps` (e.g. in a worker process), which a JSON column
    writes as it is: ``dumps(Encoded(dumps(obj))) == dumps(obj)``, with no second encoding."""

    __slots__ = ()


def _default(obj: Any) -> Any:
    if hasattr(obj, "tolist") and callable(obj.tolist):  # numpy arrays and scalars
        return obj.tolist()
    raise StoreError(f"cannot store a value of type {type(obj).__name__} in a JSON column: {obj!r}")


def dumps(obj: Any) -> str:
    """``obj`` as JSON text: ``json.dumps(jsonable(obj))``, in one C pass when ``obj`` is finite.

    (The one difference: bool and ``None`` dict keys become ``"true"``/``"null"`` rather than
    ``"True"``/``"None"``.)  :class:`Encoded` text is returned as it is.
    """
    if type(obj) is Encoded:
        return str(obj)
    try:
        return json.dumps(obj, allow_nan=False, default=_default)
    except (ValueError, TypeError):  # NaN/inf somewhere, or non-string keys: the careful walk
        return json.dumps(jsonable(obj), allow_nan=False)


def round_trip(obj: Any) -> Any:
    """``obj`` as a JSON column gives it back (``json.loads(dumps(obj))``): two C passes,
    several times faster than :func:`jsonable`'s walk on a large result, and the same value
    (but for bool or ``None`` dict keys, see :func:`dumps`)."""
    return json.loads(dumps(obj))
