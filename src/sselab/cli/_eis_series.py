"""``sselab eis series``: spectra at several temperatures, their σ table and Arrhenius fit (the
analysis is :mod:`sselab.transport.series`; this is only its command)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, List, Optional

from ..transport.series import _temperatures, series_from_files, series_spectra
from ..units import parse_temperature


def register_series(eis_app: Any) -> None:
    """Add ``sselab eis series`` to the ``eis`` command group."""

    import typer

    from ._common import echo_json, exit_for, geometry, verdict_line
    from ._eis_input import all_option, fmax_option, fmin_option, inductive_option, mask_option
    from ..numfmt import format_uncertain

    @eis_app.command("series")
    def series_command(
        files: List[Path] = typer.Argument(..., help="Spectra, one per temperature."),
        circuit: str = typer.Option(..., "--circuit", help="Circuit string, e.g. 'R0-p(R1,CPE1)-CPE2'."),
        bulk: Optional[str] = typer.Option(None, "--bulk", help="The bulk element (default: chosen by its capacitance)."),
        thickness: Optional[str] = typer.Option(None, "--thickness", help="Pellet thickness, e.g. '0.65 mm'."),
        diameter: Optional[str] = typer.Option(None, "--diameter", help="Electrode diameter, e.g. '13 mm'."),
        area: Optional[str] = typer.Option(None, "--area", help="Electrode area, e.g. '1.327 cm2'."),
        temperature: Optional[List[str]] = typer.Option(None, "--temperature", help="Temperature of each file in order ('40 C'; bare numbers °C)."),
        convention: str = typer.Option("sigma", "--convention", help="Arrhenius convention: sigma or sigmaT."),
        weighting: str = typer.Option("modulus", "--weighting", help="Fit weighting."),
        as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
        fmin: Optional[float] = fmin_option(),
        fmax: Optional[float] = fmax_option(),
        drop_inductive: bool = inductive_option(),
        mask: Optional[str] = mask_option(),
        every: bool = all_option(),
        shared: List[str] = typer.Option([], "--shared", help="Fit all spectra at once with this parameter shared (repeatable), e.g. CPE1.n."),
        tied: List[str] = typer.Option([], "--arrhenius", help="Fit all spectra at once with this resistance tied by R = R0 exp(Ea/kT) (repeatable)."),
        plot: Optional[Path] = typer.Option(None, "--plot", help="Write σ(T) with the Arrhenius line (PNG/SVG/PDF)."),
    ) -> None:
        """Fit spectra at several temperatures (each seeded from its neighbour), σ table and Arrhenius fit;
        with --shared/--arrhenius, one global fit of the whole series."""
        geom = geometry(thickness, diameter, area)
        points = {"f_min_Hz": fmin, "f_max_Hz": fmax, "drop_inductive": drop_inductive, "mask": mask}
        if shared or tied:
            from ._eis_extra import global_series_output

            spectra = series_spectra(files, points, every)
            temps = [t for t, _ in _temperatures(spectra, [parse_temperature(t, default_unit="C") for t in temperature]
                                                 if temperature else None)]
            return global_series_output(spectra, circuit, geom, bulk, temps, shared, tied, weighting, convention,
                                        as_json)
        res = series_from_files(files, circuit, geom, bulk, temperature, convention, weighting, points, every)
        if plot is not None:
            from ..report.plots_methods import series_figure
            from ..report.style import save

            save(series_figure(res.to_dict()), plot)
        if as_json:
            echo_json(res.to_dict())
            exit_for(res)
            return
        typer.echo(f"{'T [°C]':>8} {'R_b':>20} {'σ':>22}  {'bulk':8} status")
        for r in res.rows:
            d = r.to_dict()
            typer.echo(f"{d['temperature_C']:8.1f} {format_uncertain(d['R_b_ohm'], d['R_b_stderr_ohm'], 'Ω'):>20} "
                       f"{format_uncertain(d['sigma_S_per_cm'], d['sigma_stderr_S_per_cm'], 'S/cm'):>22}  "
                       f"{d['bulk_element']:8} {d['status']}")
        a = res.arrhenius
        typer.echo(f"bulk element {res.rows[0].conductivity.bulk_element}: {res.rows[0].conductivity.bulk_choice}")
        typer.echo(f"Ea = {format_uncertain(a.Ea_eV, a.Ea_stderr_eV, 'eV', style='pm')} ({a.Ea_kJ_per_mol:.2f} kJ/mol), "
                   f"convention {a.convention}, σ(25 °C) = {a.sigma_25C_S_per_cm:.3g} S/cm")
        typer.echo(verdict_line(res))
        exit_for(res)
