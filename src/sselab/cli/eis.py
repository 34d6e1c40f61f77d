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
from ._common import assignments, check_option, echo_json

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
    for i, path in enumerate(files):
        try:
            spectra[i] = _spectrum(path)
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
        d = {"file": str(path), **fit.to_dict()}
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


@eis_app.command("kk")
def kk_command(
    file: Path = typer.Argument(..., help="Spectrum file."),
    threshold: float = typer.Option(0.01, help="Largest relative residual for a pass (0.01 = 1 %)."),
    plot: Optional[Path] = typer.Option(None, "--plot", help="Write the KK residual figure (PNG/SVG)."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Linear Kramers–Kronig test (Schönleber 2014) with automatic number of RC elements."""
    check_option("--threshold", threshold, gt=0)
    spectrum = _spectrum(file)
    kk = kramers_kronig(spectrum, threshold=threshold)
    d = {"file": str(file), **kk.to_dict()}
    if plot is not None:
        from ..eis.plots import plot_kk

        d["plot"] = plot_kk(spectrum, kk, plot)
    if json_out:
        echo_json(d)
        return
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
