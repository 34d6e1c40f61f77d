"""``sselab eis stacks``: ionic, electronic or mixed conductor from the cell-stack comparison
(registered on the ``eis`` group through its hooks)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ._common import echo_json, exit_for, geometry, verdict_line


def register_stacks(eis_app: typer.Typer) -> None:
    @eis_app.command("stacks")
    def stacks_command(
        blocking: Path = typer.Argument(..., help="Spectrum of the ion-blocking stack (Au|SE|Au)."),
        reversible: Optional[Path] = typer.Option(None, "--reversible", help="Spectrum of the reversible stack (Mg|SE|Mg)."),
        half_blocking: Optional[Path] = typer.Option(None, "--half-blocking", help="Spectrum of the half-blocking stack (Au|SE|Mg)."),
        thickness: Optional[str] = typer.Option(None, "--thickness", help="Pellet thickness, e.g. '0.65 mm'."),
        diameter: Optional[str] = typer.Option(None, "--diameter", help="Electrode diameter, e.g. '13 mm'."),
        area: Optional[str] = typer.Option(None, "--area", help="Electrode area, e.g. '1.327 cm2'."),
        plot: Optional[Path] = typer.Option(None, "--plot", help="Write the stacks' Nyquist plots (PNG/SVG/PDF)."),
        json_out: bool = typer.Option(False, "--json", help="Print one JSON object."),
    ) -> None:
        """Which carriers the electrolyte conducts, with the evidence and σ_ion/σ_el estimates."""
        from ..exceptions import SselabError
        from ..io import read
        from ..numfmt import format_uncertain
        from ..transport.stacks import diagnose_stacks

        geom = geometry(thickness, diameter, area)

        def one(path):
            if path is None:
                return None
            items = read(path, kind="spectrum")
            if not items:
                raise SselabError(f"{path}: holds no impedance spectrum")
            return items[0]

        spectra = {"ion-blocking": one(blocking), "reversible": one(reversible), "half-blocking": one(half_blocking)}
        res = diagnose_stacks(spectra["ion-blocking"], thickness_cm=geom.thickness_cm, area_cm2=geom.area_cm2,
                              reversible=spectra["reversible"], half_blocking=spectra["half-blocking"])
        d = res.to_dict()
        if plot is not None:
            from ..report.plots_methods import stacks_figure
            from ..report.style import save

            d["plot"] = save(stacks_figure(spectra, res), plot)
        if json_out:
            d.pop("fits", None) if not d.get("fits") else None
            echo_json(d)
        else:
            typer.echo(f"{res.conductor} conductor")
            for e in res.evidence:
                typer.echo(f"  - {e}")
            if res.sigma_ion_S_per_cm is not None:
                typer.echo(f"σ_ion ≈ {format_uncertain(res.sigma_ion_S_per_cm, res.sigma_ion_stderr_S_per_cm, 'S/cm')}")
            if res.sigma_el_S_per_cm is not None:
                typer.echo(f"σ_el ≈ {format_uncertain(res.sigma_el_S_per_cm, res.sigma_el_stderr_S_per_cm, 'S/cm')} "
                           f"(t_el = {format_uncertain(res.t_el, res.t_el_stderr)})")
            elif res.sigma_el_upper_S_per_cm is not None:
                typer.echo(f"σ_el < {res.sigma_el_upper_S_per_cm:.3g} S/cm")
            typer.echo(verdict_line(res))
        exit_for(res)
