"""``sselab eis``: fit circuits, validate with Kramers–Kronig, and the other spectrum commands."""

from __future__ import annotations

import importlib
from dataclasses import replace
from pathlib import Path
from typing import Any, List, Optional

import click
import numpy as np
import typer
from rich.console import Console
from rich.table import Table
from typer.core import TyperGroup

from ..eis import elements as _elements
from ..eis.batch import FitFailure, fit_circuit_batch
from ..eis.fit import CircuitFit
from ..eis.kramers_kronig import NOISE_FLOOR, T_CRITICAL, kramers_kronig
from ..eis.weights import WEIGHTINGS
from ..exceptions import FitError, SselabError
from ..io import read
from ..numfmt import format_relative, format_uncertain
from ._common import assignments, echo_json, exit_for, verdict_line


class _EisGroup(TyperGroup):
    """``sselab eis``: the commands of :data:`_HOOKS` load their modules only when asked for."""

    _hooked = False

    def _load_hooks(self) -> None:
        if not self._hooked:
            self._hooked = True
            for name, command in _hook_commands().items():
                self.commands.setdefault(name, command)

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._load_hooks()
        return super().list_commands(ctx)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands:
            self._load_hooks()
        return super().get_command(ctx, cmd_name)


eis_app = typer.Typer(
    help="Impedance spectra: circuit fitting, Kramers–Kronig, DRT, series.", no_args_is_help=True, cls=_EisGroup
)

CIRCUIT_HELP = (
    "Circuit string: '-' joins in series, p(a,b,...) in parallel, e.g. 'R0-p(R1,CPE1)-p(R2,CPE2)-CPE3'. "
    "Elements: " + "; ".join(f"{e.name} ({', '.join(e.params)})" for e in _elements.ELEMENTS.values())
)


def _spectrum(path: Path, index: int = 0):
    return _spectrum_counted(path, index)[0]


def _spectrum_counted(path: Path, index: int = 0):
    """The ``index``-th spectrum of ``path`` and how many the file holds."""
    spectra = read(path, kind="spectrum")
    if not 0 <= index < len(spectra):
        raise SselabError(f"{path}: has {len(spectra)} spectra, no index {index}")
    return spectra[index], len(spectra)


def one_of_many(n: int, index: int) -> tuple:
    """The warning a fit of one spectrum of a multi-spectrum file carries (none when n = 1)."""
    from ..verdict import Reason

    if n <= 1:
        return ()
    return (Reason("single_spectrum_of_many", f"the file holds {n} spectra; only spectrum {index} was analysed "
                   "(--index picks another; eis ageing / eis series analyse them all)"),)


def _param_table(fit: CircuitFit) -> Table:
    table = Table(title=f"{fit.circuit}  ({fit.weighting} weighting, {fit.n_points} points)")
    for col in ("parameter", "value", "rel. error", "unit"):
        table.add_column(col, justify="right" if col != "parameter" else "left")
    for p in fit.result.parameters:
        value = (_plain_fixed(p.value) + " (fixed)") if p.fixed else format_uncertain(
            p.value, p.stderr, "", lower=p.min, upper=p.max)
        table.add_row(p.name, value, "" if p.fixed else format_relative(p.stderr, p.value), p.unit)
    return table


def _plain_fixed(x: float) -> str:
    return f"{x:.5g}"


def _print_fit(fit: CircuitFit, console: Console) -> None:
    console.print(_param_table(fit))
    rr, ri = fit.residuals_relative
    rms = 100 * float(np.sqrt(np.mean(rr**2 + ri**2) / 2))
    console.print(
        f"χ² = {fit.chi2:.4g} (reduced {fit.result.reduced_chi2:.3g}), residual rms {rms:.3g} % of |Z|, "
        f"AIC = {fit.result.aic:.4g}, BIC = {fit.result.bic:.4g}, {fit.result.message}"
    )
    for r, c in fit.effective_capacitance.items():
        console.print(f"C_eff({r}) = {c:.3g} F, apex frequency {fit.characteristic_frequency[r]:.3g} Hz")
    for note in fit.notes:
        console.print(f"note: {note}", markup=False)
    colour = {"ok": "green", "warning": "yellow", "failed": "red"}[fit.verdict.status]
    console.print(verdict_line(fit), style=colour, markup=False, highlight=False)
    if fit.verdict.failed:
        console.print("the fit failed: do not use these values", style="red", markup=False)


@eis_app.command("fit")
def fit_command(
    files: List[Path] = typer.Argument(..., help="Spectrum files (CSV/TXT, .z, .mpt, .mpr, .DTA)."),
    circuit: str = typer.Option(..., "--circuit", "-c", help=CIRCUIT_HELP),
    weight: str = typer.Option("modulus", "--weight", "-w", help="Weighting: modulus | proportional | unit."),
    plot: Optional[Path] = typer.Option(None, "--plot", help="Write Nyquist/Bode/residual figure (PNG or SVG); with several files, FILE stem is appended."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON (one object; a list for several files)."),
    initial: List[str] = typer.Option([], "--initial", help="Initial value NAME=VALUE (repeatable)."),
    fix: List[str] = typer.Option([], "--fix", help="Hold NAME=VALUE fixed (repeatable)."),
    index: int = typer.Option(0, "--index", help="Which spectrum of a multi-spectrum file (0 = first; the output says when a file holds more)."),
) -> None:
    """Fit an equivalent circuit to one or more spectra (automatic initial values; many files
    are fitted together by the batched engine)."""
    if weight not in WEIGHTINGS:
        raise SselabError(f"--weight must be one of {', '.join(WEIGHTINGS)}, got {weight!r}")
    init, fixed = assignments(initial, "--initial"), assignments(fix, "--fix")
    from ..eis.circuit import Circuit

    c = Circuit(circuit)  # syntax errors first, once
    console = Console(stderr=False)
    spectra: dict[int, Any] = {}
    errors: dict[int, str] = {}
    counts: dict[int, int] = {}
    for i, path in enumerate(files):
        try:
            spectra[i], counts[i] = _spectrum_counted(path, index)
        except SselabError as exc:
            if len(files) == 1:
                raise
            errors[i] = str(exc).splitlines()[0]
    # all spectra in one batched fit (the same answers as one fit_circuit per file)
    fits = dict(zip(spectra, fit_circuit_batch(list(spectra.values()), c, weighting=weight, initial=init, fixed=fixed)))
    outputs: list[dict[str, Any]] = []
    for i, path in enumerate(files):
        fit = fits.get(i)
        if isinstance(fit, FitFailure):
            if len(files) == 1:
                raise FitError(f"{path}: {fit.error}")
            errors[i] = f"{path}: {fit.error}"
        if i in errors:
            outputs.append({"file": str(path), "error": errors[i]})
            continue
        fit = replace(fit, extra_reasons=fit.extra_reasons + one_of_many(counts[i], index))
        fits[i] = fit
        d = {"file": str(path), "spectrum_index": index, "spectra_in_file": counts[i], **fit.to_dict()}
        if plot is not None:
            from ..eis.plots import plot_fit

            target = plot if len(files) == 1 else plot.with_name(f"{plot.stem}_{path.stem}{plot.suffix}")
            d["plot"] = plot_fit(spectra[i], fit, target)
        outputs.append(d)
        if not json_out:
            console.print(f"[bold]{path}[/bold]")
            _print_fit(fit, console)
    failures = len(errors)
    if json_out:
        echo_json(outputs[0] if len(files) == 1 else outputs)
    elif failures:
        for o in outputs:
            if "error" in o:
                typer.echo(f"error: {o['error']}", err=True)
    if failures:
        raise typer.Exit(code=2)
    exit_for(*fits.values())


@eis_app.command("kk")
def kk_command(
    file: Path = typer.Argument(..., help="Spectrum file."),
    threshold: Optional[float] = typer.Option(None, help="Extra fixed criterion: largest relative residual for a pass (0.01 = 1 %)."),
    noise: Optional[float] = typer.Option(None, "--noise", help="Relative noise of the spectrum when known (0.003 = 0.3 %); default: the noise its residuals show."),
    index: int = typer.Option(0, "--index", help="Which spectrum of a multi-spectrum file (0 = first)."),
    plot: Optional[Path] = typer.Option(None, "--plot", help="Write the KK residual figure (PNG/SVG)."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Linear Kramers–Kronig test (Schönleber 2014) with automatic number of RC elements; the
    residuals are judged against the noise the spectrum shows (or --noise).  Exit 3 when it fails."""
    spectrum = _spectrum(file, index)
    kk = kramers_kronig(spectrum, threshold=threshold, noise=noise)
    d = {"file": str(file), **kk.to_dict()}
    if plot is not None:
        from ..eis.plots import plot_kk

        d["plot"] = plot_kk(spectrum, kk, plot)
    if json_out:
        echo_json(d)
        exit_for(kk)
        return
    verdict = "[green]passed[/green]" if kk.passed else "[red]failed[/red]"
    src = "stated" if kk.noise_stated else "shown"
    Console().print(
        f"{file}: KK test {verdict} — RMS {100 * kk.rms_residual:.3g} % = {kk.statistic:.2f} × the noise {src} "
        f"({100 * kk.noise:.2g} %, at least {100 * NOISE_FLOOR:g} %; limit {T_CRITICAL:g}), max residual {100 * kk.max_residual:.3g} %"
        + (f" (threshold {100 * threshold:g} %)" if threshold is not None else "")
        + f", {kk.n_elements} RC elements (μ = {kk.mu:.3f})"
    )
    typer.echo(verdict_line(kk))
    exit_for(kk)


# Commands that live with their analyses register themselves on the eis group.
_HOOKS = (
    ("sselab.transport.series", "register_series"),
    ("sselab.cycling.ageing", "register_ageing"),
    ("sselab.eis.drt.cli", "register_drt"),
    ("sselab.eis.selection_cli", "register_suggest"),
)


def _hook_commands() -> dict[str, click.Command]:
    """The commands the hooks register, built on a scratch group (``eis fit`` does not import them)."""
    scratch = typer.Typer()
    scratch.callback()(lambda: None)
    _register_hooks(scratch)
    return dict(typer.main.get_group(scratch).commands)


def _register_hooks(target: typer.Typer) -> None:
    for module_name, hook in _HOOKS:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name and module_name.startswith(exc.name):
                continue
            raise
        getattr(module, hook)(target)


def register(app: typer.Typer) -> None:
    app.add_typer(eis_app, name="eis")
