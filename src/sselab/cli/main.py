"""Entry point of the ``sselab`` command.

Every module in :mod:`sselab.cli` with a ``register(app)`` function adds its commands.
Errors that users can cause (:class:`~sselab.exceptions.SselabError`) become one line on
stderr and exit code 2; no traceback.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

import typer

from ..exceptions import SselabError

app = typer.Typer(
    name="sselab",
    help="Solid-state electrolyte studies: impedance, transport, cycling, XRD, XPS, study pipeline.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _print_version(value: bool) -> None:
    if value:
        from .. import __version__

        typer.echo(__version__)
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", help="Print the version and exit.", is_eager=True, callback=_print_version
    ),
) -> None:
    """sselab: reproducible solid-electrolyte analysis from raw instrument files."""


def _register_all() -> None:
    from .. import cli

    for info in sorted(pkgutil.iter_modules(cli.__path__), key=lambda i: i.name):
        if info.name in ("main",) or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{cli.__name__}.{info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(app)


_register_all()


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; return the exit code."""
    try:
        rc = app(args=argv, standalone_mode=False)
    except SselabError as exc:
        lines = str(exc).splitlines() or [type(exc).__name__]
        typer.echo("error: " + lines[0], err=True)
        return 2
    except typer.Exit as exc:
        return int(exc.exit_code or 0)
    except typer.Abort:
        typer.echo("aborted", err=True)
        return 1
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        return 130
    except typer.TyperException as exc:  # usage errors: typer's own click exceptions
        show = getattr(exc, "show", None)
        if show is None:
            raise
        show()
        return int(getattr(exc, "exit_code", 2))
    except (OSError, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        return 2
    return int(rc) if isinstance(rc, int) else 0


if __name__ == "__main__":
    sys.exit(main())
