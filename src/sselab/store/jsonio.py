"""JSON for the store's JSON columns: plain types only, NaN/inf as ``null``, numpy as Python.

:func:`dumps` is the engines' ``json_serializer`` (:func:`sselab.store.connect.make_engine`):
one pass of orjson in the common case (NaN/inf written as ``null`` by orjson itself, numpy
values converted on the way: ~12 µs for an EIS fit's result against ~140 µs for the standard
encoder, which walked every result holding a NaN standard error first); what orjson does not
take as the standard encoder would (an integer beyond 64 bits, a subclass of str/int/list/dict,
a date, a dataclass) goes to ``json.dumps``, and only a value holding NaN/inf (or odd dict keys)
there takes the slower :func:`jsonable` walk first.  So a result dict is serialised exactly once
per write, and it never needs a cleaning copy.  The text is compact JSON (orjson spells some
floats otherwise than Python: 1e-5 for 1e-05; the numbers are the same).

Example
-------
>>> import numpy as np
>>> dumps({"R_ohm": np.float32(2.5), "curve": np.array([1.0, np.nan]), "n": np.int64(3)})
'{"R_ohm":2.5,"curve":[1.0,null],"n":3}'
>>> jsonable({"x": (1, float("inf"))})
{'x': [1, None]}
"""

from __future__ import annotations

import json
from typing import Any

import orjson

from ..exceptions import StoreError
from ..jsonsafe import json_safe


def jsonable(obj: Any) -> Any:
    """A copy of ``obj`` that every JSON column accepts: NaN/inf → None, numpy → plain types
    (:func:`sselab.jsonsafe.json_safe`, strict: anything else is a :class:`StoreError`)."""
    try:
        return json_safe(obj, strict=True)
    except TypeError as exc:
        raise StoreError(f"cannot store a value in a JSON column: {exc}") from None


#: a str/int/list/dict subclass, a date or a dataclass goes to _default, which refuses it: the
#: standard encoder then takes the whole value, as before
_ORJSON_OPTIONS = (orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_SUBCLASS | orjson.OPT_PASSTHROUGH_DATACLASS
                   | orjson.OPT_PASSTHROUGH_DATETIME)


class Encoded(str):
    """JSON text already made by :func:`dumps` (e.g. in a worker process), which a JSON column
    writes as it is: ``dumps(Encoded(dumps(obj))) == dumps(obj)``, with no second encoding."""

    __slots__ = ()


def _default(obj: Any) -> Any:
    if hasattr(obj, "tolist") and callable(obj.tolist):  # numpy arrays and scalars
        return obj.tolist()
    raise StoreError(f"cannot store a value of type {type(obj).__name__} in a JSON column: {obj!r}")


def dumps(obj: Any) -> str:
    """``obj`` as JSON text with the values of ``json.dumps(jsonable(obj))``, in one orjson pass
    in the common case (see the module docs).

    (The one difference: bool and ``None`` dict keys become ``"true"``/``"null"`` rather than
    ``"True"``/``"None"``.)  :class:`Encoded` text is returned as it is.
    """
    if type(obj) is Encoded:
        return str(obj)
    try:
        return orjson.dumps(obj, default=_default, option=_ORJSON_OPTIONS).decode()
    except TypeError:  # orjson.JSONEncodeError: the standard encoder's rules decide below
        pass
    try:
        return json.dumps(obj, allow_nan=False, default=_default)
    except (ValueError, TypeError):  # NaN/inf somewhere, or non-string keys: the careful walk
        return json.dumps(jsonable(obj), allow_nan=False)


def round_trip(obj: Any) -> Any:
    """``obj`` as a JSON column gives it back (``json.loads(dumps(obj))``): two C passes,
    several times faster than :func:`jsonable`'s walk on a large result, and the same value
    (but for bool or ``None`` dict keys, see :func:`dumps`)."""
    return loads(dumps(obj))


def loads(text: str | bytes) -> Any:
    """A JSON column's text as Python values (the engines' ``json_deserializer``): orjson, and
    ``json.loads`` where orjson refuses the text (an integer beyond 64 bits), the same values."""
    try:
        return orjson.loads(text)
    except ValueError:  # orjson.JSONDecodeError
        return json.loads(text)

