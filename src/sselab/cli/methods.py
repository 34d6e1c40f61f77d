"""``sselab ccd``: critical current density from stepped-current plating/stripping.

(A top-level command: ``sselab cycling FILE`` is a command, not a group, so the issue's
``cycling ccd`` is spelled ``sselab ccd``.)
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ..exceptions import SselabError
from ._common import echo_json, exit_for, verdict_line


def register(app: typer.Typer) -> None:
    @app.command("ccd")
    def ccd_command(
        file: Path = typer.Argument(..., help="Galvanostatic record with current steps rising (Mg|SE|Mg)."),
        area: Optional[str] = typer.Option(None, "--area", help="Electrode area, e.g. '1.327 cm2'."),
        diameter: Optional[str] = typer.Option(None, "--diameter", help="Electrode diameter, e.g. '13 mm'."),
        plot: Optional[Path] = typer.Option(None, "--plot", help="Write V(t) and the apparent resistance per half-cycle (PNG/SVG/PDF)."),
        json_out: bool = typer.Option(False, "--json", help="Print one JSON object."),
    ) -> None:
        """Critical current density: the highest step sustained before a short (mA/cm²)."""
        from ..cycling.ccd import critical_current_density
        from ..io import read
        from ..units import disc_area, parse_area, parse_length

        if area is None and diameter is None:
            raise SselabError("missing --area or --diameter (e.g. --area '1.327 cm2')")
        a_cm2 = (parse_area(area) if area is not None else disc_area(parse_length(diameter))) * 1e4
        items = read(file, kind="galvanostatic")
        if not items:
            raise SselabError(f"{file}: holds no galvanostatic record")
        res = critical_current_density(items[0], area_cm2=a_cm2)
        d = {"file": str(file), **res.to_dict()}
        if plot is not None:
            from ..report.plots_methods import ccd_figure
            from ..report.style import save

            d["plot"] = save(ccd_figure(items[0], res), plot)
        if json_out:
            echo_json(d)
        else:
            steps = ", ".join(f"{s:g}" for s in res.steps_mA_per_cm2)
            typer.echo(f"current steps [mA/cm²]: {steps}")
            if res.short_half_cycle:
                typer.echo(f"short at half-cycle {res.short_half_cycle} ({res.failure_mA_per_cm2:g} mA/cm²)")
            if res.ccd_mA_per_cm2 is None:
                typer.echo("CCD below the first step")
            else:  # the highest step sustained; without a short, only a lower bound
                typer.echo(f"CCD {'=' if res.short_half_cycle else '≥'} {res.ccd_mA_per_cm2:.4g} mA/cm²"
                           + ('' if res.short_half_cycle else ' (no short up to the highest step)'))
            typer.echo(verdict_line(res))
        exit_for(res)
