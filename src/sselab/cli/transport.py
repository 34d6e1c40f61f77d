"""``sselab conductivity``, ``sselab arrhenius`` and ``sselab deconvolve``."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from ..numfmt import format_uncertain
from ..transport.arrhenius import arrhenius_by_sample
from ..transport.conductivity import conductivity
from ..transport.table import read_table
from ..units import parse_length
from ._common import check_option, echo_json, exit_for, geometry, verdict_line

THICKNESS_HELP = "Pellet thickness, e.g. '0.65 mm' (bare number: cm)."
DIAMETER_HELP = "Electrode diameter, e.g. '13 mm' (bare number: cm)."
AREA_HELP = "Electrode area, e.g. '1.327 cm2' (bare number: cm²)."


def conductivity_command(
    resistance: float = typer.Option(..., "--resistance", help="Bulk resistance [Ω]."),
    resistance_stderr: Optional[float] = typer.Option(None, "--resistance-stderr", help="Its standard error [Ω]."),
    thickness: Optional[str] = typer.Option(None, "--thickness", help=THICKNESS_HELP),
    diameter: Optional[str] = typer.Option(None, "--diameter", help=DIAMETER_HELP),
    area: Optional[str] = typer.Option(None, "--area", help=AREA_HELP),
    accuracy: Optional[str] = typer.Option(None, "--thickness-accuracy", help="Gauge accuracy (default '0.2 um')."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """σ = l/(R·A) in S/cm with its propagated uncertainty."""
    check_option("--resistance", resistance, gt=0)
    check_option("--resistance-stderr", resistance_stderr, ge=0)
    res = conductivity(resistance, geometry(thickness, diameter, area, accuracy), resistance_stderr)
    if as_json:
        echo_json({**res.to_dict(), "sigma": res.sigma_S_per_cm})
        exit_for(res)
        return
    typer.echo(f"σ = {format_uncertain(res.sigma_S_per_cm, res.sigma_stderr_S_per_cm, 'S/cm')}  "
               f"({res.sigma_S_per_cm * 1e3:.4g} mS/cm)")
    typer.echo(f"l = {res.geometry.thickness_cm:.4g} cm, A = {res.geometry.area_cm2:.4g} cm², "
               f"R = {format_uncertain(resistance, resistance_stderr, 'Ω')}")
    typer.echo(verdict_line(res))
    exit_for(res)


def arrhenius_command(
    table: Path = typer.Argument(..., help="CSV with a temperature column (°C or K) and a conductivity column (and optionally a sample column)."),
    convention: str = typer.Option("sigma", "--convention", help="sigma: σ = σ0·exp(−Ea/kT) (the paper's); sigmaT: σT = A·exp(−Ea/kT)."),
    temperature_unit: Optional[str] = typer.Option(None, "--temperature-unit", help="C or K, when the header does not say."),
    pool: bool = typer.Option(False, "--pool", help="Fit all samples of a table with a sample column as one line (default: one fit per sample)."),
    plot: Optional[Path] = typer.Option(None, "--plot", help="Write the Arrhenius plot to this file (.png, .pdf, .svg)."),
    celsius_axis: bool = typer.Option(True, "--celsius-axis/--no-celsius-axis", help="°C axis on top of the plot."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object (with a sample column: {'samples': {name: fit}})."),
) -> None:
    """Arrhenius fit of a T–σ table: Ea ± error, prefactor, R², σ at 25 °C; per sample when the
    table has a sample column (--pool for one line).  Exit 3 when a fit failed."""
    from ..verdict import from_inputs

    tab = read_table(table, temperature_unit)
    fits = arrhenius_by_sample(tab, convention, pool=pool)
    if plot is not None:
        import matplotlib

        matplotlib.use("Agg")
        from ..transport.plots import arrhenius_plot

        arrhenius_plot(next(iter(fits.values())), celsius_axis).savefig(plot, dpi=150)
    per_sample = len(fits) > 1
    if as_json:
        if per_sample:
            agg = from_inputs(fits, what="sample")
            echo_json({"samples": {k: r.to_dict() for k, r in fits.items()}, **agg.to_dict(), "notes": list(tab.notes),
                       "plot": str(plot) if plot else None})
        else:
            res = next(iter(fits.values()))
            echo_json({**res.to_dict(), "notes": list(tab.notes), "plot": str(plot) if plot else None})
        exit_for(*fits.values())
        return
    for name, res in fits.items():
        head = f"[{name}] " if per_sample else ""
        typer.echo(f"{head}Ea = {format_uncertain(res.Ea_eV, res.Ea_stderr_eV, 'eV', style='pm')} "
                   f"({res.Ea_kJ_per_mol:.2f} kJ/mol), convention {res.convention}")
        typer.echo(f"{head}prefactor = {format_uncertain(res.prefactor, res.prefactor_stderr, res.prefactor_unit)}; "
                   f"R² = {res.r_squared if res.r_squared is None else round(res.r_squared, 5)}")
        ci = res.sigma_25C_ci95_S_per_cm
        typer.echo(f"{head}σ(25 °C) = {res.sigma_25C_S_per_cm:.3g} S/cm" + (f" (95% CI {ci[0]:.3g}–{ci[1]:.3g})" if ci else ""))
        typer.echo(f"{head}{verdict_line(res)}")
    for line in tab.notes:
        typer.echo(f"note: {line}")
    exit_for(*fits.values())


def deconvolve_command(
    stack_files: List[Path] = typer.Argument(..., help="Spectra of the Mg|eBE|SE|eBE|Mg stack (one per temperature)."),
    reference: List[str] = typer.Option(..., "--reference", help="eBE reference: an iBE|eBE|iBE spectrum file (repeat per temperature), or a resistance ('14.6 ohm') or conductivity ('2e-3 S/cm')."),
    thickness: Optional[str] = typer.Option(None, "--thickness", help="SE thickness. " + THICKNESS_HELP),
    diameter: Optional[str] = typer.Option(None, "--diameter", help=DIAMETER_HELP),
    area: Optional[str] = typer.Option(None, "--area", help=AREA_HELP),
    circuit: str = typer.Option("R0-p(R1,CPE1)-CPE2", "--circuit", help="Circuit fitted to the stack spectra."),
    bulk: Optional[str] = typer.Option(None, "--bulk", help="Stack bulk element(s), comma-separated to sum (default: chosen by capacitance)."),
    reference_circuit: str = typer.Option("R0-CPE1", "--reference-circuit", help="Circuit fitted to reference spectra."),
    reference_bulk: Optional[str] = typer.Option(None, "--reference-bulk", help="Bulk element of the reference circuit (default: chosen)."),
    reference_thickness: Optional[str] = typer.Option(None, "--reference-thickness", help="Thickness of the reference eBE pellet."),
    layer_thickness: Optional[str] = typer.Option(None, "--layer-thickness", help="Thickness of each eBE layer in the stack (default: the reference's)."),
    layers: int = typer.Option(2, "--layers", help="Number of eBE layers in the stack."),
    temperature: Optional[List[str]] = typer.Option(None, "--temperature", help="Temperatures of the stack files in order ('40 C'), when files do not say."),
    convention: str = typer.Option("sigma", "--convention", help="Arrhenius convention: sigma or sigmaT."),
    plot: Optional[Path] = typer.Option(None, "--plot", help="Write R_stack split into R_eBE and R_SE,ion per temperature (PNG/SVG/PDF)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """σ_ion of the SE from electron-blocking stacks: R_SE,ion = R_stack,bulk − Σ R_eBE (Glaser 2023)."""
    from ..transport.deconvolution import deconvolve_files

    check_option("--layers", layers, ge=1, le=100)
    geom = geometry(thickness, diameter, area, None)
    res = deconvolve_files(
        stack_files, reference, geom, circuit=circuit,
        bulk=[b.strip() for b in bulk.split(",")] if bulk else None,
        reference_circuit=reference_circuit, reference_bulk=reference_bulk,
        reference_thickness_m=parse_length(reference_thickness, "cm") if reference_thickness else None,
        layer_thickness_m=parse_length(layer_thickness, "cm") if layer_thickness else None,
        n_layers=layers, temperatures=temperature, convention=convention,
    )
    if plot is not None:
        from ..report.plots_cli import deconvolve_figure
        from ..report.style import save

        save(deconvolve_figure(res), plot)
    if as_json:
        echo_json(res.to_dict())
        exit_for(res)
        return
    for row in res.rows:
        t = f"{row.temperature_K - 273.15:.1f} °C" if row.temperature_K else "T ?"
        typer.echo(f"{t}: R_stack {format_uncertain(row.R_stack_ohm, row.R_stack_stderr_ohm, 'Ω')} − R_eBE "
                   f"{format_uncertain(row.R_eBE_total_ohm, row.R_eBE_total_stderr_ohm, 'Ω')} = R_SE,ion "
                   f"{format_uncertain(row.R_SE_ion_ohm, row.R_SE_ion_stderr_ohm, 'Ω')} → σ_ion "
                   f"{format_uncertain(row.sigma_ion_S_per_cm, row.sigma_ion_stderr_S_per_cm, 'S/cm')}"
                   + ("" if not row.verdict.failed else "  (failed: left out of the Arrhenius fit)"))
    if res.arrhenius is not None:
        a = res.arrhenius
        typer.echo(f"Ea = {format_uncertain(a.Ea_eV, a.Ea_stderr_eV, 'eV', style='pm')} ({a.convention})")
    for w in res.warnings:
        typer.echo(f"note: {w}")
    typer.echo(verdict_line(res))
    exit_for(res)


def register(app: typer.Typer) -> None:
    app.command("conductivity")(conductivity_command)
    app.command("arrhenius")(arrhenius_command)
    app.command("deconvolve")(deconvolve_command)
