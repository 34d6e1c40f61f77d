"""Helpers shared by the command modules: JSON output and geometry options."""

from __future__ import annotations

import functools
import math
from typing import Any, Callable

import typer

from ..exceptions import SselabError
from ..jsonsafe import dumps_json


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


def collector_paused(unless: str) -> Callable[[Callable], Callable]:
    """The command run with Python's cyclic garbage collector paused (and resumed after, as it
    was), unless its option ``unless`` is given (``--plot``: figures leave reference cycles
    behind, so a command making them keeps the collector).  A command that holds thousands of
    results alive (``sselab eis fit`` on 10,000 files) otherwise pays for full collections that
    walk all of them again and again and free nothing (reference counting frees them): 2.3 of
    12.1 s CPU on 10,000 files, with the same peak memory without it (benchmarks/RESULTS.md,
    "cliout").  Forked workers inherit the pause."""
    def decorate(command: Callable) -> Callable:
        @functools.wraps(command)
        def run(*args: Any, **kwargs: Any) -> Any:
            from ..collector import paused

            if kwargs.get(unless) is not None:
                return command(*args, **kwargs)
            with paused():
                return command(*args, **kwargs)

        return run

    return decorate


def single_threaded_blas_command(command: Callable) -> Callable:
    """The command run with BLAS on one thread throughout (:func:`sselab.fitting.threads.
    single_threaded_blas`, entered once: the fits inside it no longer set and restore the
    limit each time), in this process and the workers it forks.  Between two of the engine's
    pinned sections, OpenBLAS's thread woke for the next small product (a verdict's, a curve's)
    and spun for ~0.1 s after it, on the core the other worker needed: ``eis fit`` on 10,000
    files spent 0.58 s more CPU with it, 2,000 files 0.28 s (benchmarks/RESULTS.md)."""
    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        from ..fitting.threads import single_threaded_blas

        with single_threaded_blas():
            return command(*args, **kwargs)

    return run


def echo_json(obj: Any) -> None:
    """Print ``obj`` as JSON (NaN/inf become null, numpy types become plain)."""
    typer.echo(dumps_json(obj))  # = json.dumps(json_safe(obj), indent=2, allow_nan=False), faster


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
