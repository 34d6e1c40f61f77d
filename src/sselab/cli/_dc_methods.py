"""``sselab dc bruce-vincent`` and ``sselab dc hebb-wagner`` (added to the ``dc`` group by
:func:`add_commands`), and the ``sselab ccd`` / ``sselab eis stacks`` commands' printing."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from ..exceptions import SselabError
from ..numfmt import format_uncertain
from ._common import echo_json, exit_for, geometry, verdict_line


def _interface_resistance(path: Path, circuit: str, element: str) -> tuple[float, float | None]:
    from ..eis.fit import fit_circuit
    from ..io import read

    spectra = read(path, kind="spectrum")
    if not spectra:
        raise SselabError(f"{path}: holds no impedance spectrum")
    fit = fit_circuit(spectra[0], circuit)
    if element not in fit.result.names:
        raise SselabError(f"--interface {element}: the circuit {circuit} has no parameter {element}")
    if fit.verdict.status == "failed":
        raise SselabError(f"{path}: the fit of {circuit} failed ({fit.verdict.summary()}); give --r0/--rss instead")
    p = fit.result[element]
    return p.value, p.stderr


def add_commands(dc_app: typer.Typer) -> None:
    @dc_app.command("bruce-vincent")
    def bruce_vincent_command(
        file: Path = typer.Argument(..., help="DC hold of a symmetric cell with reversible electrodes (Mg|SE|Mg)."),
        before: Optional[Path] = typer.Option(None, "--before", help="Impedance spectrum before the hold."),
        after: Optional[Path] = typer.Option(None, "--after", help="Impedance spectrum after the hold."),
        interface: str = typer.Option("R2", "--interface", help="The circuit parameter that is the interfacial resistance."),
        circuit: str = typer.Option("R0-p(R1,CPE1)-p(R2,CPE2)", "--circuit", help="Circuit fitted to both spectra."),
        r0: Optional[float] = typer.Option(None, "--r0", help="Interfacial resistance before the hold [Ohm] (instead of --before)."),
        rss: Optional[float] = typer.Option(None, "--rss", help="Interfacial resistance after the hold [Ohm] (instead of --after)."),
        delta_v: Optional[float] = typer.Option(None, "--delta-v", help="Applied polarisation [V] (default: the file's potential)."),
        plot: Optional[Path] = typer.Option(None, "--plot", help="Write |I|(t) of the hold with I0 and Is (PNG/SVG/PDF)."),
        json_out: bool = typer.Option(False, "--json", help="Print one JSON object."),
    ) -> None:
        """Cation transference number t+ (Bruce–Vincent / Evans): I0, Is from the hold, R0, Rss from impedance."""
        from ..dc.bruce_vincent import bruce_vincent
        from ..dc.transference import transference
        from ..io import read

        if (r0 is None) == (before is None) or (rss is None) == (after is None):
            raise SselabError("give the interfacial resistances either as spectra (--before, --after) or as numbers (--r0, --rss)")
        items = read(file, kind="transient")
        if not items:
            raise SselabError(f"{file}: holds no current transient")
        tr = transference(items[0])
        dv = delta_v if delta_v is not None else tr.set_potential_V
        if dv is None:
            raise SselabError(f"{file}: the applied potential is unknown; give --delta-v")
        r0_val, r0_err = (r0, None) if r0 is not None else _interface_resistance(before, circuit, interface)
        rss_val, rss_err = (rss, None) if rss is not None else _interface_resistance(after, circuit, interface)
        res = bruce_vincent(dv, tr.I0_A, tr.Is_A, r0_val, rss_val, I0_stderr_A=tr.I0_stderr_A,
                            Is_stderr_A=tr.steady.Is_stderr_A, R0_stderr_ohm=r0_err,
                            Rss_stderr_ohm=rss_err)
        if plot is not None:
            from ..report.plots_cli import bruce_vincent_figure
            from ..report.style import save

            save(bruce_vincent_figure(items[0], res), plot)
        if json_out:
            echo_json({"file": str(file), **res.to_dict()})
        else:
            typer.echo(f"t+ = {format_uncertain(res.t_plus, res.t_plus_stderr, style='pm')} (Bruce–Vincent); "
                       f"Is/I0 = {res.t_plus_uncorrected:.4g} uncorrected")
            typer.echo(f"ΔV = {dv:g} V, I0 = {res.I0_A:.4g} A, Is = {res.Is_A:.4g} A, R0 = {r0_val:.4g} Ω, Rss = {rss_val:.4g} Ω")
            typer.echo(verdict_line(res))
        exit_for(res)

    @dc_app.command("hebb-wagner")
    def hebb_wagner_command(
        files: List[Path] = typer.Argument(..., help="One steady DC hold per voltage (Au|SE|Mg, ion-blocking Au)."),
        thickness: Optional[str] = typer.Option(None, "--thickness", help="Pellet thickness, e.g. '0.65 mm'."),
        diameter: Optional[str] = typer.Option(None, "--diameter", help="Electrode diameter, e.g. '13 mm'."),
        area: Optional[str] = typer.Option(None, "--area", help="Electrode area, e.g. '1.327 cm2'."),
        temperature: str = typer.Option(..., "--temperature", help="Cell temperature, e.g. '100 C' or '373.15 K'."),
        plot: Optional[Path] = typer.Option(None, "--plot", help="Write I(V) with the fit and σ_el(V) (PNG/SVG/PDF)."),
        json_out: bool = typer.Option(False, "--json", help="Print one JSON object."),
    ) -> None:
        """Electron and hole conductivities by Hebb–Wagner polarisation (steady currents at several voltages)."""
        from ..dc.electronic import steady_points
        from ..dc.hebb_wagner import hebb_wagner
        from ..io import read
        from ..units import parse_temperature

        geom = geometry(thickness, diameter, area)
        T = parse_temperature(temperature)
        points = steady_points([t for f in files for t in read(f, kind="transient")])
        res = hebb_wagner([p["voltage_V"] for p in points], [p["Is_A"] for p in points],
                          thickness_cm=geom.thickness_cm, area_cm2=geom.area_cm2, temperature_K=T)
        d = res.to_dict()
        if plot is not None:
            from ..report.plots_methods import hebb_wagner_figure
            from ..report.style import save

            d["plot"] = save(hebb_wagner_figure(res), plot)
        if json_out:
            echo_json(d)
        else:
            typer.echo(f"σ_n = {format_uncertain(res.sigma_n_S_per_cm, res.sigma_n_stderr_S_per_cm, 'S/cm')}, "
                       f"σ_p = {format_uncertain(res.sigma_p_S_per_cm, res.sigma_p_stderr_S_per_cm, 'S/cm')} at {T:.2f} K")
            for p in d["points"]:
                typer.echo(f"  {p['voltage_V']:.3g} V: I = {p['current_A']:.4g} A, σ_el = {p['sigma_el_S_per_cm']:.3g} S/cm")
            typer.echo(verdict_line(res))
        exit_for(res)
