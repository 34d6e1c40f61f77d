"""``sselab conductivity``, ``sselab arrhenius`` and ``sselab deconvolve``."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from ..transport.arrhenius import arrhenius
from ..transport.conductivity import conductivity
from ..transport.table import read_table
from ..units import parse_length
from ._common import check_option, echo_json, geometry

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
        return
    err = f" ± {res.sigma_stderr_S_per_cm:.2g}" if res.sigma_stderr_S_per_cm is not None else ""
    typer.echo(f"σ = {res.sigma_S_per_cm:.4g}{err} S/cm  ({res.sigma_S_per_cm * 1e3:.4g} mS/cm)")
    typer.echo(f"l = {res.geometry.thickness_cm:.4g} cm, A = {res.geometry.area_cm2:.4g} cm², R = {resistance:.5g} Ω")
    for w in res.warnings:
        typer.echo(f"note: {w}")


def arrhenius_command(
    table: Path = typer.Argument(..., help="CSV with a temperature column (°C or K) and a conductivity column."),
    convention: str = typer.Option("sigma", "--convention", help="sigma: σ = σ0·exp(−Ea/kT) (the paper's); sigmaT: σT = A·exp(−Ea/kT)."),
    temperature_unit: Optional[str] = typer.Option(None, "--temperature-unit", help="C or K, when the header does not say."),
    plot: Optional[Path] = typer.Option(None, "--plot", help="Write the Arrhenius plot to this file (.png, .pdf, .svg)."),
    celsius_axis: bool = typer.Option(True, "--celsius-axis/--no-celsius-axis", help="°C axis on top of the plot."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Arrhenius fit of a T–σ table: Ea ± error, prefactor, R², σ at 25 °C."""
    tab = read_table(table, temperature_unit)
    res = arrhenius(tab.temperature_K, tab.sigma_S_per_cm, tab.sigma_stderr_S_per_cm, convention)
    if plot is not None:
        import matplotlib

        matplotlib.use("Agg")
        from ..transport.plots import arrhenius_plot

        arrhenius_plot(res, celsius_axis).savefig(plot, dpi=150)
    if as_json:
        echo_json({**res.to_dict(), "notes": list(tab.notes), "plot": str(plot) if plot else None})
        return
    err = f" ± {res.Ea_stderr_eV:.3f}" if res.Ea_stderr_eV is not None else ""
    typer.echo(f"Ea = {res.Ea_eV:.4f}{err} eV ({res.Ea_kJ_per_mol:.2f} kJ/mol), convention {res.convention}")
    typer.echo(f"prefactor = {res.prefactor:.4g} {res.prefactor_unit}; R² = {res.r_squared if res.r_squared is None else round(res.r_squared, 5)}")
    ci = res.sigma_25C_ci95_S_per_cm
    typer.echo(f"σ(25 °C) = {res.sigma_25C_S_per_cm:.3g} S/cm" + (f" (95% CI {ci[0]:.3g}–{ci[1]:.3g})" if ci else ""))
    for line in tab.notes + res.warnings:
        typer.echo(f"note: {line}")


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
    if as_json:
        echo_json(res.to_dict())
        return
    for row in res.rows:
        t = f"{row.temperature_K - 273.15:.1f} °C" if row.temperature_K else "T ?"
        typer.echo(f"{t}: R_stack {row.R_stack_ohm:.4g} Ω − R_eBE {row.R_eBE_total_ohm:.4g} Ω = R_SE,ion {row.R_SE_ion_ohm:.4g} Ω → σ_ion {row.sigma_ion_S_per_cm:.4g} S/cm")
    if res.arrhenius is not None:
        a = res.arrhenius
        typer.echo(f"Ea = {a.Ea_eV:.4f} eV ({a.convention})")
    for w in res.warnings + (res.arrhenius.warnings if res.arrhenius is not None else ()):
        typer.echo(f"note: {w}")


def register(app: typer.Typer) -> None:
    app.command("conductivity")(conductivity_command)
    app.command("arrhenius")(arrhenius_command)
    app.command("deconvolve")(deconvolve_command)
