"""Entry point of the ``sselab`` command.

Every module in :mod:`sselab.cli` with a ``register(app)`` function adds its commands.
Command modules are imported only when their command runs: :data:`COMMANDS` names each
top-level command, the module that registers it and the one-line help ``sselab --help``
shows, so that ``sselab --help`` and the start of every command load no analysis package
(numpy, scipy, pandas, matplotlib come with the command that needs them).
``tests/cli/test_lazy_cli.py`` checks that the table says what the modules register.
A command module missing from the table is registered at start-up as before (slower, never
unreachable).

Errors that users can cause (:class:`~sselab.exceptions.SselabError`) become one line on
stderr and exit code 2; no traceback.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

import click
import typer
from typer.core import TyperGroup

from ..exceptions import SselabError
from ._coerce import install as _plain_coercion

_plain_coercion()  # option values converted without importing pydantic (typer's adapters), see _coerce

#: top-level command -> (module in sselab.cli that registers it, its one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "cycling": ("cycling", "Plating/stripping: half-cycles, overpotentials, polarisation growth, short circuits, jumps."),
    "cv": ("cycling", "Cyclic voltammetry: scans, deposition/dissolution peaks and onsets, branch charges."),
    "dc": ("dc", "DC polarisation: ion transport number, electronic conductivity."),
    "demo": ("demo", "Simulate the virtual Mg3AsN study, analyse it, and compare with truth and the paper."),
    "eis": ("eis", "Impedance spectra: circuit fitting, Kramers–Kronig, DRT, series."),
    "results": ("results", "List stored results: one line per value (table/csv) or every analysis in full (json)."),
    "run": ("run", "Run the study's analyses incrementally (unchanged inputs and settings are not refitted)."),
    "serve": ("serve", "Start the web workbench and print its URL."),
    "conductivity": ("transport", "σ = l/(R·A) in S/cm with its propagated uncertainty."),
    "arrhenius": ("transport", "Arrhenius fit of a T–σ table: Ea ± error, prefactor, R², σ at 25 °C; per sample when the table has a sample column (--pool for one line)."),
    "deconvolve": (
        "transport", "σ_ion of the SE from electron-blocking stacks: R_SE,ion = R_stack,bulk − Σ R_eBE (Glaser 2023)."
    ),
    "ccd": ("methods", "Critical current density: the highest step sustained before a short (mA/cm²)."),
    "eds": ("eds", "EDS: identify elements, quantify (Cliff–Lorimer), element maps."),
    "info": ("info", "What sselab sees in each file: reader, kind, points, axis ranges, columns, warnings."),
    "sem": ("sem", "SEM images: pixel size, particle size distribution, layer thicknesses."),
    "xps": ("xps", "XPS: read VAMAS/PHI files, fit peaks, quantify, depth profiles."),
    "xrd": ("xrd", "X-ray diffraction: simulate, identify phases, Rietveld refine, Williamson–Hall."),
}


def module_commands(module_name: str) -> dict[str, click.Command]:
    """The click commands that ``sselab.cli.<module_name>.register`` adds, by name."""
    module = importlib.import_module(f"{__package__}.{module_name}")
    scratch = typer.Typer()
    scratch.callback()(lambda: None)  # a group even when the module adds one command
    module.register(scratch)
    commands = dict(typer.main.get_group(scratch).commands)
    for command in commands.values():
        _plain_help(command)
    return commands


def _plain_help(command: click.Command) -> None:
    """Every command as loaded: help printed as written (rich markup would eat units in square
    brackets, "FWHM [eV]", and show flags as ``<bool>``), and a ``--plot`` path checked when
    the options are parsed, before any work (a bad name never loses a finished analysis)."""
    if hasattr(command, "rich_markup_mode"):
        command.rich_markup_mode = None
    for param in getattr(command, "params", ()):
        if param.name == "plot" and param.callback is None:
            param.callback = _check_plot
    for sub in getattr(command, "commands", {}).values():
        _plain_help(sub)


def _check_plot(ctx: click.Context, param: click.Parameter, value):  # noqa: ANN202
    if value is not None:
        from ..report.style import check_plot_path

        check_plot_path(value)
    return value



class _LazyGroup(TyperGroup):
    """The root group: commands of :data:`COMMANDS` load their module on first use."""

    _listing = False

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(dict.fromkeys([*COMMANDS, *self.commands]))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.commands:
            return self.commands[cmd_name]
        if cmd_name in COMMANDS:
            module_name, short = COMMANDS[cmd_name]
            if self._listing:  # `sselab --help`: the name and its line, nothing imported
                return click.Command(cmd_name, help=short, short_help=short)
            for name, command in module_commands(module_name).items():
                self.commands.setdefault(name, command)
            return self.commands.get(cmd_name)
        return None

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False


app = typer.Typer(
    name="sselab",
    help="Solid-state electrolyte studies: impedance, transport, cycling, XRD, XPS, study pipeline.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    cls=_LazyGroup,
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


def _register_unlisted() -> None:
    """Register, at start-up, command modules that :data:`COMMANDS` does not name."""
    from .. import cli

    listed = {module for module, _ in COMMANDS.values()}
    for info in sorted(pkgutil.iter_modules(cli.__path__), key=lambda i: i.name):
        if info.name in ("main",) or info.name.startswith("_") or info.name in listed:
            continue
        module = importlib.import_module(f"{cli.__name__}.{info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(app)


_register_unlisted()


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


def console_main(argv: list[str] | None = None) -> int:
    """The ``sselab`` command's entry point: :func:`main`, then the process's objects left to its
    exit (:func:`sselab.collector.leave_to_exit`; the interpreter still flushes standard output
    and error when it ends).  Tests and other callers that go on call :func:`main`."""
    rc = main(argv)
    from ..collector import leave_to_exit

    leave_to_exit()
    return rc


if __name__ == "__main__":
    sys.exit(console_main())
