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

import codecs
import math
import re
from json.encoder import encode_basestring_ascii
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


def _json_escape(exc: UnicodeEncodeError) -> tuple[str, int]:
    """Codec error handler: a run of non-ASCII characters escaped as ``json.dumps`` escapes them
    (``\\u2013``; surrogate pairs beyond the BMP)."""
    return encode_basestring_ascii(exc.object[exc.start:exc.end])[1:-1], exc.end


codecs.register_error("sselab_json_ascii", _json_escape)
#: a single-digit negative exponent of a whole value (before a line end: never inside a string,
#: which holds no raw line break): orjson writes 1.5e-7, Python 1.5e-07
_UNPADDED = re.compile(rb"e-([1-9])(?=,?\n)")
_PADDED = {d: b"e-0" + d for d in (b"%d" % k for k in range(1, 10))}


def _padded(m: re.Match) -> bytes:
    return _PADDED[m.group(1)]


_NUMBER_BYTES = b"-0123456789.e+"


def _python_floats(raw: bytes) -> bytes:
    """orjson's indented text with its floats spelt as Python's ``repr`` spells them: the digits
    are the same (both shortest round-trip); orjson writes 1e-5 ≤ |x| < 1e-4 fixed (0.00001,
    Python 1e-05) and negative exponents unpadded (1.5e-7, Python 1.5e-07).  Only whole values
    are changed: a token after a blank that runs to the line end (strings hold no raw line break)."""
    if b"e-" in raw:
        raw = _UNPADDED.sub(_padded, raw)
    if b"0.0000" not in raw:
        return raw
    parts, done = [], 0
    i = raw.find(b"0.0000")
    while i >= 0:
        start = i - 1 if raw[i - 1:i] == b"-" else i
        end = raw.find(b"\n", i)
        end = len(raw) if end < 0 else end
        tok = raw[start:end - 1] if raw[end - 1:end] == b"," else raw[start:end]
        if raw[start - 1:start] == b" " and not tok.translate(None, _NUMBER_BYTES):
            parts += (raw[done:start], float.__repr__(float(tok)).encode())
            done = start + len(tok)
        i = raw.find(b"0.0000", max(i + 6, done))
    parts.append(raw[done:])
    return b"".join(parts)


def _plain(o: Any) -> Any:
    """orjson's ``default``: numpy values and container subclasses as :func:`json_safe` makes them;
    anything else is refused (the text then comes from :func:`dumps_indented`)."""
    if isinstance(o, (dict, list, tuple)) or hasattr(o, "tolist") and callable(o.tolist):
        return json_safe(o)
    raise TypeError


def dumps_json(obj: Any) -> str:
    """``json.dumps(json_safe(obj), indent=2, allow_nan=False)``, the same text, written by orjson
    (5–10× faster than :func:`~sselab.jsonsafe.dumps_indented`): its floats are the same shortest
    round-trip digits, re-spelt where Python spells them otherwise (:func:`_python_floats`),
    and non-ASCII characters are escaped as ``json.dumps`` escapes them.  Anything orjson does not
    take as :func:`json_safe` would (a subclass of str/int/float, a dataclass, a date, non-str
    keys, an integer beyond 64 bits, a lone number) goes to :func:`dumps_indented`.

    >>> import json, numpy as np
    >>> obj = {"a": [1, 2.5e-5, None, True, "Ω–"], "b": {}, "c": [], "n": np.float64("nan"), "d": [1e-9, 1e300]}
    >>> dumps_json(obj) == json.dumps(json_safe(obj), indent=2, allow_nan=False)
    True
    """
    if _orjson is None or not isinstance(obj, (dict, list)):
        return dumps_indented(obj)
    try:
        raw = _orjson.dumps(obj, default=_plain, option=_ORJSON_OPTIONS)
    except TypeError:  # orjson.JSONEncodeError is a TypeError
        return dumps_indented(obj)
    raw = _python_floats(raw)
    if raw.isascii():
        text = raw.decode("ascii")
    else:
        text = raw.decode("utf-8").encode("ascii", "sselab_json_ascii").decode("ascii")
    return text.replace("\x7f", "\\u007f") if "\x7f" in text else text


try:
    import orjson as _orjson

    _ORJSON_OPTIONS = (_orjson.OPT_INDENT_2 | _orjson.OPT_PASSTHROUGH_SUBCLASS | _orjson.OPT_PASSTHROUGH_DATACLASS
                       | _orjson.OPT_PASSTHROUGH_DATETIME)
except ImportError:  # pragma: no cover - orjson is a pinned dependency
    _orjson = None
