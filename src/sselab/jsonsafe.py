"""One JSON-safe conversion for everything sselab prints, serves or stores.

NaN and ±inf become ``None`` (JSON has no such numbers), numpy arrays and scalars become
plain Python, tuples become lists, dict keys become strings.  The CLI's ``--json``, the web
workbench's responses and the results database's JSON columns all use it; the store asks
for ``strict=True`` so that a value it could not read back (a ``Path``, an object) is an
error rather than silently passed on.

Examples
--------
>>> import numpy as np
>>> json_safe({"x": (1, float("inf")), "a": np.array([1.5, np.nan]), 2: np.int64(3)})
{'x': [1, None], 'a': [1.5, None], '2': 3}
"""

from __future__ import annotations

import math
from typing import Any


def json_safe(obj: Any, strict: bool = False) -> Any:
    """A copy of ``obj`` that ``json.dumps(..., allow_nan=False)`` accepts.

    With ``strict``, a value that is not a dict, list, tuple, numpy value, str, int, float,
    bool or None raises :class:`TypeError`; otherwise it is returned unchanged.
    """
    if isinstance(obj, dict):
        return {str(k): json_safe(v, strict) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_safe(v, strict) for v in obj]
    if hasattr(obj, "tolist") and callable(obj.tolist):  # numpy arrays and scalars
        return json_safe(obj.tolist(), strict)
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if strict and not (obj is None or isinstance(obj, (str, int))):
        raise TypeError(f"not a JSON value: {type(obj).__name__} {obj!r}")
    return obj


def dumps_indented(obj: Any) -> str:
    """``json.dumps(json_safe(obj), indent=2, allow_nan=False)``, the same text, written in one
    recursive pass (the standard library's indented encoder runs in pure Python, a generator
    per container; this writes the same pieces into one list, several times faster).

    Anything :func:`json_safe` would leave for ``json.dumps`` to refuse (a ``Path``, an object)
    goes the standard way and raises its ``TypeError``.

    >>> import json, numpy as np
    >>> obj = {"a": [1, 2.5, None, True, "Ω"], "b": {}, "c": [], 3: np.float64("nan"), "d": {"e": (np.int64(4),)}}
    >>> dumps_indented(obj) == json.dumps(json_safe(obj), indent=2, allow_nan=False)
    True
    """
    parts: list[str] = []
    try:
        _encode(obj, "\n", parts)
    except _Unsupported:
        import json

        return json.dumps(json_safe(obj), indent=2, allow_nan=False)
    return "".join(parts)


class _Unsupported(Exception):
    """A value the fast writer leaves to ``json.dumps`` (which raises the standard error)."""


def _encode(o: Any, nl: str, parts: list[str]) -> None:
    """Append the indented JSON text of ``json_safe(o)`` to ``parts``; ``nl``: a line break and the
    current indentation."""
    t = type(o)
    if t is str:
        parts.append(_quote(o))
    elif t is float:
        parts.append(_float_repr(o) if _isfinite(o) else "null")
    elif t is dict:
        if not o:
            parts.append("{}")
            return
        if not all(type(k) is str for k in o):
            o = {str(k): v for k, v in o.items()}  # as json_safe makes the keys (later equal keys win)
        inner = nl + "  "
        sep = "{" + inner
        for k, v in o.items():
            tv = type(v)
            if tv is str:  # plain values written here, without a call
                parts += (sep, _quote(k), ": ", _quote(v))
            elif tv is float:
                parts += (sep, _quote(k), ": ", _float_repr(v) if _isfinite(v) else "null")
            elif v is None:
                parts += (sep, _quote(k), ": null")
            else:
                parts += (sep, _quote(k), ": ")
                _encode(v, inner, parts)
            sep = "," + inner
        parts.append(nl + "}")
    elif t is list or t is tuple:
        if not o:
            parts.append("[]")
            return
        inner = nl + "  "
        if all(type(v) is float for v in o):  # a row of numbers (a matrix row, a range): one join
            parts.append("[" + inner + ("," + inner).join([_float_repr(v) if _isfinite(v) else "null" for v in o])
                         + nl + "]")
            return
        sep = "[" + inner
        for v in o:
            parts.append(sep)
            _encode(v, inner, parts)
            sep = "," + inner
        parts.append(nl + "]")
    elif o is None:
        parts.append("null")
    elif o is True:
        parts.append("true")
    elif o is False:
        parts.append("false")
    elif t is int:
        parts.append(_int_repr(o))
    else:  # subclasses and numpy values: json_safe's rules, in its order
        if isinstance(o, dict):
            _encode(dict(o), nl, parts)
        elif isinstance(o, (list, tuple)):
            _encode(list(o), nl, parts)
        elif hasattr(o, "tolist") and callable(o.tolist):
            _encode(o.tolist(), nl, parts)  # _encode applies json_safe's rules itself
        elif isinstance(o, float):
            parts.append(_float_repr(o) if _isfinite(o) else "null")
        elif isinstance(o, str):
            parts.append(_quote(o))
        elif isinstance(o, int):
            parts.append(_int_repr(o))
        else:
            raise _Unsupported


from json.encoder import encode_basestring_ascii as _quote  # noqa: E402  (the standard writer's own quoting)

_float_repr = float.__repr__
_int_repr = int.__repr__
_isfinite = math.isfinite
