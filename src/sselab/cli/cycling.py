"""``sselab cycling`` (plating/stripping of a symmetric cell) and ``sselab cv`` (voltammetry)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ..exceptions import SselabError
from ..numfmt import format_uncertain
from ._common import check_option, echo_json, exit_for, plot_prefix_option, verdict_line


def _one(path: Path, kind: str, index: int):  # noqa: ANN202
    from ..io import read

    items = read(path, kind=kind)
    if not items:
        raise SselabError(f"{path}: no {kind} data found")
    if index >= len(items):
        raise SselabError(f"{path}: holds {len(items)} {kind} record(s), no index {index}")
    return items[index]


def _save(fig, path: Path) -> None:  # noqa: ANN001
    fig.savefig(path, dpi=150)
    typer.echo(f"wrote {path}")


def cycling_command(
    file: Path = typer.Argument(..., help="Cycler file (BioLogic .mpr/.mpt, CSV, Gamry .DTA)."),
    area: Optional[str] = typer.Option(None, "--area", help="Electrode area, e.g. '1.327 cm2' (bare number: cm²)."),
    definition: str = typer.Option("median_last_10pct", "--definition",
                                   help="Overpotential used for trends/events: end, mean, max_abs, median_last_10pct."),
    r_ohm: Optional[float] = typer.Option(None, "--r-ohm", help="Ohmic resistance [ohm] for the V = I R short test."),
    index: int = typer.Option(0, "--index", help="Which record of a multi-record file."),
    plot: Optional[Path] = plot_prefix_option("Save figures as PLOT_voltage.png / PLOT_overpotential.png."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Plating/stripping: half-cycles, overpotentials, polarisation growth, short circuits, jumps.

    Convention: plating = negative current on the working electrode.
    """
    from ..cycling import plating_stripping
    from ..units import parse_area

    check_option("--r-ohm", r_ohm, gt=0)
    check_option("--index", index, ge=0)
    rec = _one(file, "galvanostatic", index)
    area_cm2 = parse_area(area, default_unit="cm2") * 1e4 if area is not None else None
    res = plating_stripping(rec, area_cm2=area_cm2, definition=definition, r_ohm=r_ohm)
    if plot is not None:
        from ..cycling.plots import plot_overpotential, plot_voltage

        _save(plot_voltage(rec, res), plot.with_name(plot.stem + "_voltage.png"))
        _save(plot_overpotential(res), plot.with_name(plot.stem + "_overpotential.png"))
    if as_json:
        echo_json(res.to_dict())
        exit_for(res)
        return
    d = res.to_dict()
    typer.echo(f"{file}: {d['n_half_cycles']} half-cycles, {d['n_cycles']} complete cycles, "
               f"|I| = {res.nominal_current_A:.4g} A"
               + (f" ({d['current_density_mA_per_cm2']:.4g} mA/cm2)" if d["current_density_mA_per_cm2"] else ""))
    typer.echo(f"{'cycle':>5} {'plating [V]':>12} {'stripping [V]':>14} {'polarisation [V]':>17}   ({definition})")
    for c in res.cycles:
        p, s = c.plating.get(definition, float("nan")), c.stripping.get(definition, float("nan"))
        typer.echo(f"{c.cycle:5d} {p:12.4f} {s:14.4f} {s - p:17.4f}" + ("" if c.complete else "  (incomplete)"))
    g = res.growth_per_cycle
    typer.echo(f"polarisation growth: {format_uncertain(g.slope, g.slope_stderr, 'V/cycle')}, "
               f"{format_uncertain(res.growth_per_hour.slope, res.growth_per_hour.slope_stderr, 'V/h')} (Theil-Sen)")
    typer.echo(f"short circuit: {'cycle ' + str(res.short_circuit.cycle) if res.short_circuit.cycle else 'none'}"
               f"; jumps: {', '.join(str(j.cycle) for j in res.jumps) or 'none'}")
    typer.echo(verdict_line(res))
    exit_for(res)


def cv_command(
    file: Path = typer.Argument(..., help="Voltammetry file (BioLogic .mpr/.mpt, CSV, Gamry .DTA)."),
    onset_fraction: float = typer.Option(0.1, "--onset-fraction", help="Onset: |I| below this fraction of the peak."),
    index: int = typer.Option(0, "--index", help="Which voltammogram of a multi-record file."),
    plot: Optional[Path] = typer.Option(None, "--plot", help="Save the I-V figure (PNG)."),
    kind: Optional[str] = typer.Option(None, "--kind", help="plating (plating/stripping) or stability (stability window); default: detected (crosses 0 V or not) and said."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Cyclic voltammetry: scans, deposition/dissolution peaks and onsets, branch charges.

    Peaks and charges for plating/stripping CVs, the oxidative/reductive limits for
    stability-window CVs (--kind, or detected and said).  Exit 3 when the result failed."""
    from ..cycling.voltammetry import voltammetry

    check_option("--onset-fraction", onset_fraction, gt=0, lt=1)
    check_option("--index", index, ge=0)
    vg = _one(file, "voltammogram", index)
    res = voltammetry(vg, onset_fraction=onset_fraction, kind=kind)
    if plot is not None:
        from ..cycling.plots import plot_voltammogram

        _save(plot_voltammogram(vg, res), plot)
    if as_json:
        echo_json(res.to_dict())
        exit_for(res)
        return
    vertices = ", ".join(f"{v:.3f}" for v in res.vertices_V) or "none"
    typer.echo(f"{file}: {res.kind} CV ({res.kind_source}); {len(res.scans)} scan(s), vertices {vertices} V, "
               f"scan rate {res.scan_rate_V_per_s * 1e3:.3g} mV/s")
    if res.kind == "stability":
        fmt = (lambda x: "not reached" if x is None else f"{x:.3f} V")
        typer.echo(f"oxidative limit {fmt(res.oxidative_limit_V)}, reductive limit {fmt(res.reductive_limit_V)} "
                   "(|I| above 20 x the noise or 10 x the median |I|)")
    for s in res.scans:
        typer.echo(f"scan {s.number}{'' if s.complete else ' (incomplete)'}:")
        for p in (s.deposition, s.dissolution):
            if p is None:
                continue
            onset = "n/a" if p.onset_V is None else f"{p.onset_V:.3f} V"
            typer.echo(f"  {p.kind:11s} peak {p.potential_V:8.3f} V  {p.current_A:10.4g} A  onset {onset}"
                       + ("  (at vertex: current still rising)" if p.at_vertex else ""))
        ce = s.coulombic_efficiency
        if res.kind == "plating":
            typer.echo(f"  Q_plating {s.plating_charge_C:.4g} C, Q_stripping {s.stripping_charge_C:.4g} C, "
                       f"CE {'n/a' if ce is None else f'{ce:.3g}'}")
    for w in res.warnings:
        typer.echo(f"note: {w}")
    typer.echo(verdict_line(res))
    exit_for(res)


def register(app: typer.Typer) -> None:
    app.command("cycling")(cycling_command)
    app.command("cv")(cv_command)
