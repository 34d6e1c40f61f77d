"""Plain option values without pydantic: typer (0.29) coerces every parameter value through a
pydantic ``TypeAdapter``, and building the first one imports pydantic (~0.1–0.2 s, more than
the rest of a ``--help``).  :func:`install` gives every typer parameter a coercion that converts
the values sselab's commands take — ``str``, ``int``, ``float``, ``Path`` (plain, ``Optional``,
``List``, with or without ``parser=``), a flag's ``bool`` — the way typer's adapter converts
them, and hands everything else (another type, a bound, a choice, a value it does not
recognise as plainly valid) to typer's own adapter, so errors and unusual inputs get
typer's exact behaviour.  ``tests/cli/test_cli_coerce.py`` compares both on the values the
fast path takes, and checks that ``sselab eis fit --help`` and a one-file fit never import
pydantic.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Union, get_args, get_origin

_INT = re.compile(r"-?(0|[1-9][0-9]*)")
_FLOAT = re.compile(r"-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?")
_UNSET = object()


def _leaf(annotation: Any) -> Any:
    """``X`` of ``X``, ``Optional[X]``; None when the annotation is anything else."""
    if get_origin(annotation) is Union:
        args = [a for a in get_args(annotation) if a is not type(None)]
        if len(args) != 1:
            return None
        annotation = args[0]
    return annotation if annotation in (str, int, float, bool, Path) else None


def _plain_info(info: Any) -> bool:
    """No bound, clamp, choice or path flag that typer's adapter would check."""
    return (getattr(info, "min", None) is None and getattr(info, "max", None) is None
            and not getattr(info, "clamp", False) and not getattr(info, "allow_dash", False)
            and getattr(info, "path_type", None) is None and not getattr(info, "resolve_path", False)
            and getattr(info, "formats", None) is None)


def _convert(value: Any, leaf: Any, info: Any, param: Any, ctx: Any) -> Any:
    """``value`` as typer's adapter would give it, or ``_UNSET`` when this function cannot say."""
    parser = getattr(info, "parser", None)
    if parser is not None:  # str or Path (see _Plain.usable)
        return parser(value) if isinstance(value, (str, Path)) else _UNSET
    if leaf is str:
        return value if isinstance(value, str) else _UNSET
    if leaf is bool:
        return value if isinstance(value, bool) else _UNSET
    if leaf is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        return int(value) if isinstance(value, str) and _INT.fullmatch(value) else _UNSET
    if leaf is float:
        if isinstance(value, float) or (isinstance(value, int) and not isinstance(value, bool)):
            return float(value)
        return float(value) if isinstance(value, str) and _FLOAT.fullmatch(value) else _UNSET
    if leaf is Path and isinstance(value, (str, Path)):
        from typer._param_types import coerce_cli_path  # typer's own checks (exists, readable, ...)

        return coerce_cli_path(Path(value), info, path_type=Path, param=param, ctx=ctx)
    return _UNSET


class _Plain:
    """A parameter's coercion: plain values here, the rest by typer's adapter (built on demand)."""

    def __init__(self, param: Any) -> None:
        self.param = param
        desc = param.type_descriptor
        annotation = desc.annotation
        self.many = get_origin(annotation) is list
        self.leaf = _leaf(get_args(annotation)[0] if self.many else annotation)
        info = desc.parameter_info
        self.info = info
        self.usable = (self.leaf is not None and desc.file_annotation is None and _plain_info(info)
                       and getattr(info, "parser", None) in (None, str, Path))
        self._typer = None

    def typer_param(self) -> Any:
        if self._typer is None:
            from typer._coercion import build_runtime_param

            self._typer = build_runtime_param(self.param.type_descriptor)
        return self._typer

    def coerce(self, value: Any, param: Any, ctx: Any) -> Any:
        multi = param.multiple or param.nargs == -1
        if value is None:  # what typer's RuntimeParam.coerce does first
            return () if multi else None
        if self.usable and not (multi and isinstance(value, str)):
            if self.many and isinstance(value, (list, tuple)):
                out = [_convert(v, self.leaf, self.info, param, ctx) for v in value]
                if all(v is not _UNSET for v in out):
                    return out
            elif not self.many:
                out = _convert(value, self.leaf, self.info, param, ctx)
                if out is not _UNSET:
                    return out
        return self.typer_param().coerce(value, param=param, ctx=ctx)


def install() -> bool:
    """Give typer's parameters the plain coercion above; False (nothing changed) when this typer
    has no lazily built coercion to take over."""
    try:
        from typer.core import _TyperParameter
    except ImportError:  # pragma: no cover - another typer
        return False
    if not hasattr(_TyperParameter, "get_runtime_param") or getattr(_TyperParameter, "_sselab_plain", False):
        return False

    def get_runtime_param(self: Any) -> Any:
        if getattr(self, "_runtime_param", None) is None:
            self._runtime_param = _Plain(self)
        return self._runtime_param

    _TyperParameter.get_runtime_param = get_runtime_param
    _TyperParameter._sselab_plain = True
    return True
