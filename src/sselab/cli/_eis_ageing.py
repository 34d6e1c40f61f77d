"""``sselab eis ageing``: the interfacial resistance followed over a series of spectra (the
analysis is :mod:`sselab.cycling.ageing`; this is only its command)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

from ..cycling.ageing import AgeingResult, interface_ageing
from ..exceptions import AnalysisError
from ..measurements import Spectrum


def ageing_command(files: Sequence[Path], circuit: str, parameter: str | None = None,
                   times: str | None = None, as_json: bool = False, plot: Path | None = None) -> AgeingResult:
    """Implementation of ``sselab eis ageing FILES... --circuit STR``: read, fit, print."""
    import typer

    from ..io import read

    spectra: list[Spectrum] = []
    for p in files:
        spectra.extend(read(Path(p), kind="spectrum"))  # type: ignore[arg-type]
    t = None
    if times:
        try:
            t = [float(x) for x in times.replace(";", ",").split(",") if x.strip()]
        except ValueError as exc:
            raise AnalysisError(f"--times must be comma-separated hours, e.g. '0,24,48' ({exc})") from None
    res = interface_ageing(spectra, circuit, time_h=t, parameter=parameter)
    if plot is not None:
        from ..report.plots_methods import ageing_figure
        from ..report.style import save

        save(ageing_figure({**res.trend.to_dict(), "parameter": res.parameter}), plot)
    from ._common import echo_json, exit_for, verdict_line
    from ..numfmt import format_uncertain

    if as_json:
        echo_json(res.to_dict())
    else:
        tr = res.trend
        typer.echo(f"{res.parameter} of {res.circuit} over {len(spectra)} spectra (time: {res.time_source})")
        for th, rv, re, fd in zip(tr.time_h, tr.R_ohm, tr.R_err_ohm, res.fits):
            shown = format_uncertain(rv, re, "ohm") if fd["used"] else f"left out ({fd['status']})"
            typer.echo(f"  t = {th:8.2f} h   {res.parameter} = {shown}")
        typer.echo(f"slope {format_uncertain(tr.slope_ohm_per_h, tr.slope_stderr_ohm_per_h, 'ohm/h')} "
                   f"({100 * tr.relative_rate_per_day:.3g} %/day): {tr.verdict}")
        for w in res.warnings:
            typer.echo(f"note: {w}")
        typer.echo(verdict_line(res))
    exit_for(res)
    return res


def register_ageing(eis_app: Any) -> None:
    """Add the ``ageing`` command to the ``sselab eis`` typer group (called by the lead's eis CLI)."""
    import typer

    @eis_app.command("ageing")
    def ageing(
        files: list[Path] = typer.Argument(..., help="Impedance files in time order (each may hold several spectra)."),
        circuit: str = typer.Option(..., "--circuit", help="Circuit fitted to every spectrum, e.g. 'R0-p(R1,CPE1)-p(R2,CPE2)'."),
        parameter: str | None = typer.Option(None, "--parameter", help="Resistance to follow (default: the circuit's last R)."),
        times: str | None = typer.Option(None, "--times", help="Acquisition times in hours, comma-separated."),
        as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
        plot: Path | None = typer.Option(None, "--plot", help="Write the resistance against time with its trend (PNG/SVG/PDF)."),
    ) -> None:
        """Interfacial resistance vs time over an EIS series, its trend and a verdict."""
        ageing_command(files, circuit, parameter=parameter, times=times, as_json=as_json, plot=plot)
