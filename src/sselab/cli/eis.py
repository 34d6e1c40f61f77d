"""``sselab eis``: fit circuits, validate with Kramers–Kronig, and the other spectrum commands."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any, List, Optional

import typer
from rich.console import Console
from rich.table import Table

from ..eis import elements as _elements
from ..eis.batch import FitFailure, fit_circuit_batch
from ..eis.fit import CircuitFit
from ..eis.kramers_kronig import kramers_kronig
from ..eis.weights import WEIGHTINGS
from ..exceptions import FitError, SselabError
from ..io import read
from ._common import assignments, echo_json
from .eis_input import (all_option, fmax_option, fmin_option, index_option, inductive_option, load, mask_option,
                        with_mask_note)

eis_app = typer.Typer(help="Impedance spectra: circuit fitting, Kramers–Kronig, DRT, series.", no_args_is_help=True)

CIRCUIT_HELP = (
    "Circuit string: '-' joins in series, p(a,b,...) in parallel, e.g. 'R0-p(R1,CPE1)-p(R2,CPE2)-CPE3'. "
    "Elements: " + "; ".join(f"{e.name} ({', '.join(e.params)})" for e in _elements.ELEMENTS.values())
)


def _spectrum(path: Path, index: int = 0):
    spectra = read(path, kind="spectrum")
    if index >= len(spectra):
        raise SselabError(f"{path}: has {len(spectra)} spectra, no index {index}")
    return spectra[index]


def _param_table(fit: CircuitFit) -> Table:
    table = Table(title=f"{fit.circuit}  ({fit.weighting} weighting, {fit.n_points} points)")
    for col in ("parameter", "value", "std. error", "rel. error", "unit"):
        table.add_column(col, justify="right" if col != "parameter" else "left")
    for p in fit.result.parameters:
        rel = p.relative_stderr
        table.add_row(
            p.name,
            f"{p.value:.5g}",
            "fixed" if p.fixed else (f"{p.stderr:.3g}" if p.stderr is not None else "n/a"),
            f"{100 * rel:.2g} %" if rel is not None else "",
            p.unit,
        )
    return table


def _print_fit(fit: CircuitFit, console: Console) -> None:
    console.print(_param_table(fit))
    console.print(
        f"χ² = {fit.chi2:.4g} (reduced {fit.result.reduced_chi2:.3g}), AIC = {fit.result.aic:.4g}, "
        f"BIC = {fit.result.bic:.4g}, {fit.result.message}"
    )
    for r, c in fit.effective_capacitance.items():
        console.print(f"C_eff({r}) = {c:.3g} F, apex frequency {fit.characteristic_frequency[r]:.3g} Hz")
    for w in fit.result.warnings:
        console.print(f"[yellow]warning:[/yellow] {w}")
    if not fit.success:
        console.print("[red]the fit did not converge; do not use these values[/red]")


@eis_app.command("fit")
def fit_command(
    files: List[Path] = typer.Argument(..., help="Spectrum files (CSV/TXT, .z, .mpt, .mpr, .DTA)."),
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
    entries: list[tuple[Path, Any]] = []  # (file, Loaded or None)
    for path in files:
        try:
            entries += [(path, item) for item in load(path, index, every, fmin, fmax, drop_inductive, mask)]
        except SselabError as exc:
            if len(files) == 1:
                raise
            errors[len(entries)] = str(exc).splitlines()[0]
            entries.append((path, None))
    spectra = {i: item.spectrum for i, (_, item) in enumerate(entries) if item is not None}
    # all spectra in one batched fit (the same answers as one fit_circuit per file)
    fits = dict(zip(spectra, fit_circuit_batch(list(spectra.values()), c, weighting=weight, initial=init, fixed=fixed)))
    outputs: list[dict[str, Any]] = []
    for i, (path, item) in enumerate(entries):
        fit = fits.get(i)
        label = item.label if item is not None else str(path)
        if isinstance(fit, FitFailure):
            if len(entries) == 1:
                raise FitError(f"{label}: {fit.error}")
            errors[i] = f"{label}: {fit.error}"
        if i in errors:
            outputs.append({"file": str(path), "error": errors[i]})
            continue
        fit = with_mask_note(fit, item.selection)
        d = {**item.describe(), **fit.to_dict()}
        if plot is not None:
            from ..eis.plots import plot_fit

            stem = path.stem if item.n_in_file == 1 else f"{path.stem}_{item.index}"
            target = plot if len(entries) == 1 else plot.with_name(f"{plot.stem}_{stem}{plot.suffix}")
            d["plot"] = plot_fit(spectra[i], fit, target, masked=item.selection.masked)
        outputs.append(d)
        if not json_out:
            console.print(f"[bold]{label}[/bold]")
            if item.selection.n_masked:
                console.print(item.selection.summary())
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


@eis_app.command("kk")
def kk_command(
    file: Path = typer.Argument(..., help="Spectrum file."),
    threshold: float = typer.Option(0.01, help="Largest relative residual for a pass (0.01 = 1 %)."),
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
    """Linear Kramers–Kronig test (Schönleber 2014) with automatic number of RC elements."""
    items = load(file, index, every, fmin, fmax, drop_inductive, mask)
    if explore:
        from .eis_extra import kk_explore_output

        return kk_explore_output(items, threshold, plot, json_out)
    outputs = []
    for item in items:
        spectrum = item.spectrum
        kk = with_mask_note(kramers_kronig(spectrum, threshold=threshold), item.selection)
        d = {**item.describe(), **kk.to_dict()}
        if plot is not None:
            from ..eis.plots import plot_kk

            target = plot if len(items) == 1 else plot.with_name(f"{plot.stem}_{item.index}{plot.suffix}")
            d["plot"] = plot_kk(spectrum, kk, target, masked=item.selection.masked)
        outputs.append((item, kk, d))
    if json_out:
        echo_json(outputs[0][2] if len(outputs) == 1 else [d for _, _, d in outputs])
        return
    for item, kk, _ in outputs:
        _print_kk(item.label, kk, threshold, item.selection)


def _print_kk(file: str, kk: Any, threshold: float, selection: Any) -> None:
    if selection.n_masked:
        Console().print(f"{file}: {selection.summary()}")
    verdict = "[green]passed[/green]" if kk.passed else "[red]failed[/red]"
    Console().print(
        f"{file}: KK test {verdict} — max residual {100 * kk.max_residual:.3g} % "
        f"(threshold {100 * threshold:g} %), RMS {100 * kk.rms_residual:.3g} %, "
        f"{kk.n_elements} RC elements (μ = {kk.mu:.3f})"
    )


# Commands that live with their analyses register themselves on the eis group.
_HOOKS = (
    ("sselab.transport.series", "register_series"),
    ("sselab.cycling.ageing", "register_ageing"),
    ("sselab.eis.drt.cli", "register_drt"),
    ("sselab.eis.selection_cli", "register_suggest"),
    ("sselab.cli.eis_extra", "register_extra"),
)


def _register_hooks() -> None:
    for module_name, hook in _HOOKS:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name and module_name.startswith(exc.name):
                continue
            raise
        getattr(module, hook)(eis_app)


def register(app: typer.Typer) -> None:
    _register_hooks()
    app.add_typer(eis_app, name="eis")
