"""``sselab xrd``: simulate, identify, refine, wh."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import numpy as np
import typer

from ..exceptions import SselabError
from ._common import check_option, echo_json

xrd = typer.Typer(help="X-ray diffraction: simulate, identify phases, Rietveld refine, Williamson–Hall.", no_args_is_help=True)


def _phases(names: str) -> list:
    from ..xrd import get_phase

    items = [n.strip() for n in names.split(",") if n.strip()]
    if not items:
        raise SselabError("--phases needs at least one phase name or CIF path")
    return [get_phase(n) for n in items]


def _pattern(path: Path):
    from ..io import read

    return read(path, "diffraction")[0]


def _instrument(pattern, wavelength: Optional[float], standard: Optional[Path]):
    from ..xrd import Instrument
    from ..xrd.rietveld import instrument_for

    check_option("--wavelength", wavelength, gt=0, le=10)
    inst = Instrument.single(wavelength) if wavelength else instrument_for(pattern, None)
    if standard is not None:
        from ..xrd import fit_instrument

        inst, _ = fit_instrument(_pattern(standard), instrument=inst)
    return inst


@xrd.command("simulate")
def simulate(
    cif: Optional[Path] = typer.Argument(None, help="CIF file (or use --antiperovskite)."),
    antiperovskite: Optional[str] = typer.Option(None, "--antiperovskite", help="X3AB formula, e.g. Mg3AsN."),
    a: float = typer.Option(4.2307, "--a", help="Lattice parameter [Å] for --antiperovskite."),
    wavelength: Optional[float] = typer.Option(None, "--wavelength", help="One wavelength [Å] (default Cu Kα1+Kα2)."),
    start: float = typer.Option(10.0, "--start"),
    stop: float = typer.Option(100.0, "--stop"),
    step: float = typer.Option(0.02, "--step"),
    size_nm: Optional[float] = typer.Option(None, "--size-nm"),
    strain: Optional[float] = typer.Option(None, "--strain"),
    noise: bool = typer.Option(False, "--noise/--no-noise"),
    seed: Optional[int] = typer.Option(None, "--seed"),
    out: Optional[Path] = typer.Option(None, "--out", help="Write a .xye file."),
    json_: bool = typer.Option(False, "--json"),
) -> None:
    """Simulate a powder pattern."""
    from ..xrd import Instrument, from_cif, parse_antiperovskite, simulate_pattern

    if (cif is None) == (antiperovskite is None):
        raise SselabError("give a CIF file or --antiperovskite FORMULA (one of them)")
    from ..limits import MAX_PATTERN_POINTS

    check_option("--a", a, gt=0, le=100)
    check_option("--wavelength", wavelength, gt=0, le=10)
    check_option("--start", start, ge=0, lt=180)
    check_option("--stop", stop, gt=start, le=180)
    check_option("--step", step, gt=0)
    check_option("--size-nm", size_nm, gt=0)
    check_option("--strain", strain, ge=0)
    check_option("--seed", seed, ge=0)
    if (stop - start) / step + 1 > MAX_PATTERN_POINTS:
        raise SselabError(f"--start/--stop/--step give {int((stop - start) / step) + 1} points; "
                          f"at most {MAX_PATTERN_POINTS} (use a larger --step)")
    phase = from_cif(cif) if cif is not None else parse_antiperovskite(antiperovskite, a)
    inst = Instrument.single(wavelength) if wavelength else Instrument.cu_ka()
    pat = simulate_pattern(
        [phase], np.arange(start, stop + step / 2, step), inst,
        D_nm={phase.name: size_nm} if size_nm else None, strain={phase.name: strain} if strain else None,
        noise=noise, seed=seed,
    )
    if out is not None:
        from ..io.formats.xrd_xy import write_xye

        write_xye(out, pat)
    summary = {"phase": phase.to_dict(), "n_points": pat.two_theta_deg.size, "out": str(out) if out else None}
    if json_:
        echo_json(summary)
    else:
        typer.echo(f"{phase.name}: a = {phase.lattice_parameters['a']:.5f} Å, ρ = {phase.density_g_cm3:.3f} g/cm³; "
                   f"{pat.two_theta_deg.size} points" + (f" → {out}" if out else ""))
        if out is None:
            for x, y in zip(pat.two_theta_deg, pat.intensity):
                typer.echo(f"{x:.4f} {y:.3f}")


@xrd.command("identify")
def identify_cmd(
    file: Path = typer.Argument(..., help="Pattern file."),
    phases: str = typer.Option(..., "--phases", help="Comma-separated names or CIF paths."),
    standard: Optional[Path] = typer.Option(None, "--standard", help="LaB6 pattern for the instrument profile."),
    wavelength: Optional[float] = typer.Option(None, "--wavelength"),
    json_: bool = typer.Option(False, "--json"),
) -> None:
    """Which candidate phases are present, with weight fractions and unexplained peaks."""
    from ..xrd import identify

    pat = _pattern(file)
    res = identify(pat, _phases(phases), _instrument(pat, wavelength, standard))
    if json_:
        echo_json(res.to_dict())
        return
    for c in res.candidates:
        typer.echo(f"{c.name:10s} {'present' if c.present else 'absent ':8s} {100 * c.weight_fraction:6.2f} wt%  ΔRwp {c.rwp_gain:.2f}")
    typer.echo(f"Rwp {res.Rwp:.2f} %; unexplained peaks at 2θ: {', '.join(map(str, res.unexplained_peaks_deg)) or 'none'}")


@xrd.command("refine")
def refine_cmd(
    file: Path = typer.Argument(..., help="Pattern file."),
    phases: str = typer.Option(..., "--phases", help="Comma-separated names or CIF paths."),
    standard: Optional[Path] = typer.Option(None, "--standard", help="LaB6 pattern for the instrument profile."),
    wavelength: Optional[float] = typer.Option(None, "--wavelength"),
    refine_b: bool = typer.Option(False, "--refine-b", help="Also refine isotropic B."),
    plot: Optional[Path] = typer.Option(None, "--plot", help="Write obs/calc/diff plot (PNG or SVG)."),
    json_: bool = typer.Option(False, "--json"),
) -> None:
    """Rietveld refinement (scale, background, zero, lattice, size, strain)."""
    from ..xrd import refine

    pat = _pattern(file)
    res = refine(pat, _phases(phases), _instrument(pat, wavelength, standard), refine_b=refine_b)
    if plot is not None:
        from ..xrd.plots import plot_refinement

        plot_refinement(res, plot)
    if json_:
        echo_json(res.to_dict())
        return
    for p in res.phases:
        typer.echo(f"{p.name}: a = {p.lattice['a']:.5f} Å, ρ = {p.density_g_cm3:.3f} g/cm³, {100 * p.weight_fraction:.1f} wt%, "
                   f"D = {p.crystallite_size_nm} nm, ε = {p.microstrain}")
    typer.echo(f"Rp {res.Rp:.2f}  Rwp {res.Rwp:.2f}  Rexp {res.Rexp:.2f}  χ² {res.chi2:.2f}")
    for w in res.warnings:
        typer.echo(f"warning: {w}")


@xrd.command("wh")
def wh_cmd(
    file: Path = typer.Argument(..., help="Pattern file."),
    phase: Optional[str] = typer.Option(None, "--phase", help="Use this phase's isolated reflections."),
    standard: Optional[Path] = typer.Option(None, "--standard", help="LaB6 pattern for the instrument profile."),
    wavelength: Optional[float] = typer.Option(None, "--wavelength"),
    plot: Optional[Path] = typer.Option(None, "--plot"),
    json_: bool = typer.Option(False, "--json"),
) -> None:
    """Williamson–Hall size and microstrain (and Scherrer size per peak)."""
    from ..xrd import williamson_hall

    pat = _pattern(file)
    res = williamson_hall(pat, _instrument(pat, wavelength, standard), phase=_phases(phase)[0] if phase else None)
    if plot is not None:
        from ..xrd.plots import plot_williamson_hall

        plot_williamson_hall(res, plot)
    if json_:
        echo_json(res.to_dict())
        return
    typer.echo(f"D = {res.D_nm:.1f} ± {res.D_stderr_nm:.1f} nm, ε = {res.strain:.3e} ± {res.strain_stderr:.1e} ({len(res.peaks)} peaks)")


def register(app: typer.Typer) -> None:
    app.add_typer(xrd, name="xrd")
