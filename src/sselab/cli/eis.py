"""``sselab eis``: fit circuits, validate with Kramers–Kronig, and the other spectrum commands."""

from __future__ import annotations

import importlib
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, List, Optional

import click
import typer
from typer.core import TyperGroup

from ..exceptions import FitError, SselabError
from ..numfmt import format_relative, format_uncertain
from ..verdict import EXIT_FAILED
from ._common import (assignments, check_option, collector_paused, echo_json, exit_for, single_threaded_blas_command,
                      verdict_line)
from ._eis_input import (all_option, fmax_option, fmin_option, index_option, inductive_option, load, mask_option,
                         with_reading)

if TYPE_CHECKING:  # rich loads with the first table printed, not with every command (~0.1 s)
    from rich.console import Console
    from rich.table import Table

    from ..eis.fit import CircuitFit


class _EisGroup(TyperGroup):
    """``sselab eis``: the commands of :data:`_HOOKS` load their modules only when asked for."""

    _hooked = False

    def _load_hooks(self) -> None:
        if not self._hooked:
            self._hooked = True
            from .main import _plain_help

            for name, command in _hook_commands().items():
                _plain_help(command)
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

#: the help of --circuit, written out so that ``sselab eis fit --help`` does not load numpy with the
#: element table; tests/cli/test_cli_coerce.py checks it against :data:`sselab.eis.elements.ELEMENTS`
CIRCUIT_HELP = (
    "Circuit string: '-' joins in series, p(a,b,...) in parallel, e.g. 'R0-p(R1,CPE1)-p(R2,CPE2)-CPE3'. "
    "Elements: R (R); C (C); L (L); CPE (Q, n); W (sigma); Ws (R, tau); Wo (R, tau); G (R, tau); K (R, tau); "
    "ZARC (R, Q, n); CC (R, tau, a); HN (R, tau, a, b); TLMo (R, Q, n); TLMs (R, Q, n); Gf (R, tau, d)"
)


def circuit_help() -> str:
    """:data:`CIRCUIT_HELP` as the element table makes it (what the test compares)."""
    from ..eis import elements

    return ("Circuit string: '-' joins in series, p(a,b,...) in parallel, e.g. 'R0-p(R1,CPE1)-p(R2,CPE2)-CPE3'. "
            "Elements: " + "; ".join(f"{e.name} ({', '.join(e.params)})" for e in elements.ELEMENTS.values()))


def one_of_many(n: int, index: int) -> tuple:
    """The warning a fit of one spectrum of a multi-spectrum file carries (none when n = 1)."""
    from ..verdict import Reason

    if n <= 1:
        return ()
    return (Reason("single_spectrum_of_many", f"the file holds {n} spectra; only spectrum {index} was analysed "
                   "(--index picks another; eis ageing / eis series analyse them all)"),)


def final_fit(fit: Any, item: Any, every: bool) -> Any:
    """``fit`` as ``sselab eis fit`` reports it: the point selection's note, and in its verdict
    the reading's reasons (a partly read file warns in the fit too, as in ``sselab run``) and the
    warning of a spectrum fitted alone out of several in its file."""
    fit = with_reading(fit, item.selection)
    if not every and item.n_in_file > 1:
        fit = replace(fit, extra_reasons=fit.extra_reasons + one_of_many(item.n_in_file, item.index))
    return fit


def _console(**kwargs: Any) -> "Console":
    from rich.console import Console

    return Console(**kwargs)


def _param_table(fit: CircuitFit) -> Table:
    from rich.table import Table

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
    import numpy as np

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
@collector_paused(unless="plot")  # figures make reference cycles: the collector runs with --plot
@single_threaded_blas_command
def fit_command(
    files: List[Path] = typer.Argument(..., help="Spectrum files (CSV/TXT, .z, .mpt, .mpr, .DTA).",
                                       parser=Path),  # 7x faster than the default validation of 10,000 paths
    circuit: str = typer.Option(..., "--circuit", "-c", help=CIRCUIT_HELP),
    weight: str = typer.Option("modulus", "--weight", "-w", help="Weighting: modulus | proportional | unit."),
    plot: Optional[Path] = typer.Option(None, "--plot", help="Write Nyquist/Bode/residual figure (PNG or SVG); with several files, FILE stem is appended."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON (one object; a list for several files)."),
    initial: List[str] = typer.Option([], "--initial", help="Initial value NAME=VALUE (repeatable)."),
    fix: List[str] = typer.Option([], "--fix", help="Hold NAME=VALUE fixed (repeatable)."),
    fmin: Optional[float] = fmin_option(),
    fmax: Optional[float] = fmax_option(),
    drop_inductive: bool = inductive_option(),
    mask: Optional[str] = mask_option(),
    index: Optional[int] = index_option(),
    every: bool = all_option(),
    jobs: Optional[int] = typer.Option(None, "--jobs", "-j", help="Processes that read the files and write the JSON, "
                                       "from 200 files on (default: the cores available, at most 4, when a core is free; "
                                       "else 1). Same output."),
) -> None:
    """Fit an equivalent circuit to one or more spectra (automatic initial values; many files
    are fitted together by the batched engine).  Exit 3 when a fit failed."""
    from ..eis.batch import FitFailure, fit_circuit_batch
    from ..eis.verdicts import prepare_outputs
    from ._eis_batch import fit_threads, is_failure, read_all, render_json, workers
    from ..eis.weights import WEIGHTINGS

    if weight not in WEIGHTINGS:
        raise SselabError(f"--weight must be one of {', '.join(WEIGHTINGS)}, got {weight!r}")
    init, fixed = assignments(initial, "--initial"), assignments(fix, "--fix")
    from ..eis.circuit import Circuit

    c = Circuit(circuit)  # syntax errors first, once
    console = None if json_out else _console(stderr=False)
    errors: dict[int, str] = {}
    entries: list[tuple[Path, Any]] = []  # (file, Loaded or None)
    n_workers = workers(len(files), jobs)
    if n_workers > 1:  # read by forked workers, each file as load() reads it
        options = dict(index=index, every=every, fmin=fmin, fmax=fmax, drop_inductive=drop_inductive, mask=mask)
        for path, (items, error, notes) in zip(files, read_all(files, n_workers, **options)):
            for note in notes:
                typer.echo(note, err=True)
            if error is not None:
                errors[len(entries)] = error
                entries.append((path, None))
                continue
            entries += [(path, item) for item in items]
    for path in files if n_workers == 1 else ():
        try:
            entries += [(path, item) for item in load(path, index, every, fmin, fmax, drop_inductive, mask)]
        except SselabError as exc:
            if len(files) == 1:
                raise
            errors[len(entries)] = str(exc).splitlines()[0]
            entries.append((path, None))
    spectra = {i: item.spectrum for i, (_, item) in enumerate(entries) if item is not None}
    # all spectra in one batched fit (the same answers as one fit_circuit per file)
    with fit_threads(n_workers, asked=jobs is not None):
        batch = fit_circuit_batch(list(spectra.values()), c, weighting=weight, initial=init, fixed=fixed)
    rows = dict(zip(spectra, range(len(spectra))))  # entry -> its row of the batch
    forked = json_out and plot is None and n_workers > 1 and len(entries) > 1  # workers build and write the fits
    fits: dict[int, Any] = {}
    for i, (path, item) in enumerate(entries):  # the final result of each spectrum first ...
        if i not in rows or forked and not is_failure(batch, rows[i]):
            continue
        fit = batch[rows[i]]
        if isinstance(fit, FitFailure):
            label = item.label if item is not None else str(path)
            if len(entries) == 1:
                raise FitError(f"{label}: {fit.error}")
            errors[i] = f"{label}: {fit.error}"
            continue
        fits[i] = final_fit(fit, item, every)
    if forked:
        pieces, statuses = render_json(entries, batch, rows, errors, every, n_workers)
        for piece in pieces:
            typer.echo(piece, nl=False)
        if errors:
            raise typer.Exit(code=2)
        if "failed" in statuses:
            raise typer.Exit(EXIT_FAILED)
        return
    done = [f for i, f in fits.items() if i not in errors]
    prepare_outputs(done)  # ... then all fitted curves and the numbers their verdicts judge, at once
    outputs: list[dict[str, Any]] = []
    for i, (path, item) in enumerate(entries):
        if i in errors:
            outputs.append({"file": str(path), "error": errors[i]})
            continue
        fit = fits[i]
        label = item.label
        d = {**item.describe(), **fit.to_dict()}
        if plot is not None:
            from ..eis.plots import plot_fit

            stem = path.stem if item.n_in_file == 1 else f"{path.stem}_{item.index}"
            target = plot if len(entries) == 1 else plot.with_name(f"{plot.stem}_{stem}{plot.suffix}")
            d["plot"] = plot_fit(spectra[i], fit, target, masked=item.selection.masked)
        outputs.append(d)
        if not json_out:
            console.print(f"[bold]{label}[/bold]", highlight=False)
            if item.selection.n_masked:
                console.print(item.selection.summary(), markup=False)
            _print_fit(fit, console)
    failures = len(errors)
    if json_out:
        echo_json(outputs[0] if len(entries) == 1 else outputs)
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
    plot: Optional[Path] = typer.Option(None, "--plot", help="Write the KK residual figure (PNG/SVG)."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
    fmin: Optional[float] = fmin_option(),
    fmax: Optional[float] = fmax_option(),
    drop_inductive: bool = inductive_option(),
    mask: Optional[str] = mask_option(),
    index: Optional[int] = index_option(),
    every: bool = all_option(),
    explore: bool = typer.Option(False, "--explore", help="Sweep the number of elements M: mu and pseudo chi2 per M for each series C/L choice, and the test at the recommended M."),
) -> None:
    """Linear Kramers–Kronig test (Schönleber 2014) with automatic number of RC elements; the
    residuals are judged against the noise the spectrum shows (or --noise).  Exit 3 when it fails."""
    if threshold is not None:
        check_option("--threshold", threshold, gt=0)
    if noise is not None:
        check_option("--noise", noise, gt=0, lt=1)
    from ..eis.kramers_kronig import kramers_kronig

    items = load(file, index, every, fmin, fmax, drop_inductive, mask)
    if explore:
        from ._eis_extra import kk_explore_output

        return kk_explore_output(items, threshold, plot, json_out)
    outputs = []
    for item in items:
        spectrum = item.spectrum
        kk = with_reading(kramers_kronig(spectrum, threshold=threshold, noise=noise), item.selection)
        d = {**item.describe(), **kk.to_dict()}
        if plot is not None:
            from ..eis.plots import plot_kk

            target = plot if len(items) == 1 else plot.with_name(f"{plot.stem}_{item.index}{plot.suffix}")
            d["plot"] = plot_kk(spectrum, kk, target, masked=item.selection.masked)
        outputs.append((item, kk, d))
    if json_out:
        echo_json(outputs[0][2] if len(outputs) == 1 else [d for _, _, d in outputs])
    else:
        for item, kk, _ in outputs:
            _print_kk(item.label, kk, threshold, item.selection)
    exit_for(*(kk for _, kk, _ in outputs))


def _print_kk(file: str, kk: Any, threshold: float | None, selection: Any) -> None:
    from ..eis.kramers_kronig import NOISE_FLOOR, T_CRITICAL

    if selection.n_masked:
        _console().print(f"{file}: {selection.summary()}", markup=False)
    verdict = "[green]passed[/green]" if kk.passed else "[red]failed[/red]"
    src = "stated" if kk.noise_stated else "shown"
    _console().print(
        f"{file}: KK test {verdict} — RMS {100 * kk.rms_residual:.3g} % = {kk.statistic:.2f} × the noise {src} "
        f"({100 * kk.noise:.2g} %, at least {100 * NOISE_FLOOR:g} %; limit {T_CRITICAL:g}), max residual {100 * kk.max_residual:.3g} %"
        + (f" (threshold {100 * threshold:g} %)" if threshold is not None else "")
        + f", {kk.n_elements} RC elements (μ = {kk.mu:.3f})"
    )
    typer.echo(verdict_line(kk))


# Commands that live with their analyses register themselves on the eis group.
_HOOKS = (
    ("sselab.cli._eis_series", "register_series"),
    ("sselab.cli._eis_ageing", "register_ageing"),
    ("sselab.cli._eis_drt", "register_drt"),
    ("sselab.cli._eis_suggest", "register_suggest"),
    ("sselab.cli._eis_extra", "register_extra"),
    ("sselab.cli._eis_stacks", "register_stacks"),
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
