"""``sselab dc tion`` and ``sselab dc electronic``: DC polarisation (chronoamperometry)."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from ..dc.electronic import electronic_conductivity
from ..dc.steady_state import SteadyStateCriterion
from ..dc.transference import transference
from ..exceptions import SselabError
from ..io import read
from ..numfmt import format_uncertain
from ..study.settings import DCSettings
from ._common import check_option, echo_json, exit_for, geometry, verdict_line

dc_app = typer.Typer(help="DC polarisation: ion transport number, electronic conductivity.", no_args_is_help=True)


def _transient(path: Path, index: int):
    check_option("--index", index, ge=0)
    items = read(path, kind="transient")
    if not items:
        raise SselabError(f"{path}: holds no current transient")
    if index >= len(items):
        raise SselabError(f"{path}: has {len(items)} transients, no index {index}")
    return items[index]


def _criterion(threshold: float, window_fraction: float, window_s: Optional[float]) -> SteadyStateCriterion:
    check_option("--threshold", threshold, gt=0)
    check_option("--window-fraction", window_fraction, gt=0, le=1)
    check_option("--window", window_s, gt=0)
    return SteadyStateCriterion(max_relative_change=threshold, window_fraction=window_fraction, window_s=window_s)


THRESHOLD = typer.Option(0.02, "--threshold", help="Steady state: largest relative change of the current over the window.")
WINDOW_FRACTION = typer.Option(DCSettings().steady_fraction, "--window-fraction", help="Steady-state window as a fraction of the record.")
WINDOW_S = typer.Option(None, "--window", help="Steady-state window [s] (overrides --window-fraction).")
IS_METHOD = typer.Option("auto", "--is-method", help="Is from: auto, window (mean of the window), fit (extrapolated decay).")


@dc_app.command("tion")
def tion_command(
    file: Path = typer.Argument(..., help="Chronoamperometry file (BioLogic .mpr/.mpt, CSV)."),
    index: int = typer.Option(0, "--index", help="Which transient of the file."),
    i0: str = typer.Option(DCSettings().initial_current, "--i0", help="I0 from: auto, first (first point), extrapolated (decay fit at t = 0)."),
    is_method: str = IS_METHOD,
    decay_model: str = typer.Option("auto", "--decay-model", help="auto, exp1, exp2 or power."),
    threshold: float = THRESHOLD,
    window_fraction: float = WINDOW_FRACTION,
    window_s: Optional[float] = WINDOW_S,
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    plot: Optional[Path] = typer.Option(None, "--plot", help="Write the figure (PNG/SVG/PDF)."),
) -> None:
    """Total ion transport number t_ion = (I0 − Is)/I0 of a DC hold with ion-blocking electrodes."""
    ct = _transient(file, index)
    res = transference(ct, _criterion(threshold, window_fraction, window_s),
                       i0=i0, is_method=is_method, decay_model=decay_model)
    if plot is not None:
        from ..report.plots_methods import transient_figure
        from ..report.style import save

        save(transient_figure(ct, res), plot)
    if as_json:
        echo_json(res.to_dict())
        exit_for(res)
        return
    typer.echo(f"t_ion = {format_uncertain(res.t_ion, res.t_ion_stderr, style='pm')}")
    typer.echo(f"I0 = {res.I0_A:.4g} A ({res.I0_method}); first point {res.I0_first_point_A:.4g} A, "
               f"extrapolated {res.I0_extrapolated_A if res.I0_extrapolated_A is None else format(res.I0_extrapolated_A, '.4g')} A")
    typer.echo(f"Is = {res.Is_A:.4g} A ({res.steady.method}); steady state reached: {'yes' if res.steady.reached else 'NO'}")
    for w in res.notes:
        typer.echo(f"note: {w}")
    typer.echo(verdict_line(res))
    exit_for(res)


@dc_app.command("electronic")
def electronic_command(
    files: List[Path] = typer.Argument(..., help="One DC hold per voltage (0.5–3.0 V)."),
    thickness: Optional[str] = typer.Option(None, "--thickness", help="Pellet thickness, e.g. '0.65 mm'."),
    diameter: Optional[str] = typer.Option(None, "--diameter", help="Electrode diameter, e.g. '13 mm'."),
    area: Optional[str] = typer.Option(None, "--area", help="Electrode area, e.g. '1.327 cm2'."),
    is_method: str = IS_METHOD,
    threshold: float = THRESHOLD,
    window_fraction: float = WINDOW_FRACTION,
    window_s: Optional[float] = WINDOW_S,
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    plot: Optional[Path] = typer.Option(None, "--plot", help="Write the figure (PNG/SVG/PDF)."),
) -> None:
    """Electronic resistance from steady-state current vs voltage, σ_el = l/(R_el·A)."""
    geom = geometry(thickness, diameter, area)
    transients = [t for f in files for t in read(f, kind="transient")]
    res = electronic_conductivity(transients, geom, _criterion(threshold, window_fraction, window_s), is_method=is_method)
    if plot is not None:
        from ..report.plots_methods import iv_figure
        from ..report.style import save

        save(iv_figure(res), plot)
    if as_json:
        echo_json(res.to_dict())
        exit_for(res)
        return
    typer.echo(f"σ_el = {format_uncertain(res.sigma_el_S_per_cm, res.sigma_el_stderr_S_per_cm, 'S/cm')}; "
               f"R_el = {format_uncertain(res.R_el_ohm, res.R_el_stderr_ohm, 'Ω')}; "
               f"intercept {format_uncertain(res.intercept_A, res.intercept_stderr_A, 'A')}; R² = {'—' if res.r_squared is None else f'{res.r_squared:.4g}'}")
    for v, i, ok in zip(res.voltages_V, res.steady_currents_A, res.steady_state_reached):
        typer.echo(f"  {v:.3g} V: Is = {i:.4g} A{'' if ok else ' (steady state not reached)'}")
    typer.echo(verdict_line(res))
    exit_for(res)


def register(app: typer.Typer) -> None:
    from ._dc_methods import add_commands

    add_commands(dc_app)  # bruce-vincent, hebb-wagner
    app.add_typer(dc_app, name="dc")
