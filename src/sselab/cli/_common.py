"""Helpers shared by the command modules: JSON output and geometry options."""

from __future__ import annotations

import codecs
import math
import re
from json.encoder import encode_basestring_ascii
from typing import Any

import typer

from ..exceptions import SselabError
from ..jsonsafe import dumps_indented, json_safe


def check_option(flag: str, value: float | int | None, *, gt: float | None = None, ge: float | None = None,
                 lt: float | None = None, le: float | None = None, integer: bool = False) -> None:
    """Refuse an option value outside its domain with one line naming ``flag``.

    ``None`` (an option not given) passes; anything else must be finite and satisfy every
    bound given (``gt``: >, ``ge``: ≥, ``lt``: <, ``le``: ≤).

    >>> check_option("--step", 0.02, gt=0)
    >>> check_option("--step", 0, gt=0)
    Traceback (most recent call last):
    ...
    sselab.exceptions.SselabError: --step must be > 0, got 0
    """
    if value is None:
        return
    if isinstance(value, float) and not math.isfinite(value):
        raise SselabError(f"{flag} must be a finite number, got {value}")
    if integer and value != int(value):
        raise SselabError(f"{flag} must be a whole number, got {value}")
    for bound, ok, sign in ((gt, lambda v, b: v > b, ">"), (ge, lambda v, b: v >= b, "≥"),
                            (lt, lambda v, b: v < b, "<"), (le, lambda v, b: v <= b, "≤")):
        if bound is not None and not ok(value, bound):
            raise SselabError(f"{flag} must be {sign} {bound:g}, got {value:g}")


def assignments(items: list[str], flag: str, positive: bool = False) -> dict[str, float]:
    """``["NAME=VALUE", ...]`` from a repeatable option as ``{NAME: VALUE}`` (one clear error
    naming ``flag`` for anything else: no '=', no name, a value that is not a finite number,
    or — with ``positive`` — a value ≤ 0)."""
    out = {}
    for item in items:
        name, sep, value = item.partition("=")
        try:
            if not sep or not name.strip():
                raise ValueError
            number = float(value)
            if not math.isfinite(number):
                raise ValueError
        except ValueError:
            raise SselabError(f"{flag} expects NAME=VALUE with a finite number, got {item!r}") from None
        if positive and number <= 0:
            raise SselabError(f"{flag} {item!r}: the value must be > 0")
        out[name.strip()] = number
    return out


def echo_json(obj: Any) -> None:
    """Print ``obj`` as JSON (NaN/inf become null, numpy types become plain)."""
    typer.echo(dumps_json(obj))  # = json.dumps(json_safe(obj), indent=2, allow_nan=False), faster


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


def geometry(thickness: str | None, diameter: str | None, area: str | None, accuracy: str | None = None):
    """The sample's :class:`~sselab.transport.geometry.SampleGeometry` from CLI strings
    (bare numbers are cm / cm², the field's units); missing flags are named as flags."""
    from ..transport.geometry import SampleGeometry

    if thickness is None:
        raise SselabError("missing --thickness (e.g. --thickness '0.65 mm')")
    if diameter is None and area is None:
        raise SselabError("missing --diameter or --area (e.g. --diameter '13 mm' or --area '1.327 cm2')")
    return SampleGeometry.from_text(thickness, diameter, area, accuracy)


def verdict_line(result: Any) -> str:
    """``status: ok`` or ``status: warning — reason; reason`` for text output."""
    from ..verdict import verdict_of

    v = verdict_of(result)
    if not v.reasons:
        return "status: ok"
    return f"status: {v.status} — " + "; ".join(f"{r.message} [{r.code}]" for r in v.reasons)


def exit_for(*results: Any) -> None:
    """End the command with exit code 3 when any of the asked-for ``results`` failed
    (0 for ok and warning; 2 stays bad input).  Call it after printing."""
    from ..verdict import EXIT_FAILED, status_of

    if any(status_of(r) == "failed" for r in results):
        raise typer.Exit(EXIT_FAILED)


def plot_prefix_option(help: str):  # noqa: A002
    """``--plot PREFIX`` for a command that writes several figures (PREFIX_name.png): checked
    as a prefix (folder writable, no extension needed) instead of as one figure file."""
    def check(value):
        if value is not None:
            from ..report.style import check_plot_path

            check_plot_path(value, prefix_ok=True)
        return value

    return typer.Option(None, "--plot", help=help, callback=check)
