"""``sselab xrd``: simulate, identify, refine, wh."""

from __future__ import annotations

from pathlib import Path
from typing import Optional, Tuple

import numpy as np
import typer

from ..exceptions import SselabError
from ._common import check_option, echo_json

xrd = typer.Typer(help="X-ray diffraction: simulate, identify phases, Rietveld refine, Williamson–Hall.", no_args_is_help=True)


def _phases(names: str, libraries: Optional[list[Path]] = None) -> list:
    from ..xrd import get_phase

    items = [n.strip() for n in names.split(",") if n.strip()]
    if not items:
        raise SselabError("--phases needs at least one phase name or CIF path")
    return [get_phase(n, libraries or ()) for n in items]


LIBRARY_HELP = "Folder of CIFs: a phase name in --phases is looked up there first (repeatable)."


def _pattern(path: Path):
    from ..io import read

    return read(path, "diffraction")[0]


def _instrument(pattern, wavelength: Optional[float], standard: Optional[Path], monochromatic: bool = False,
                instrument_file: Optional[Path] = None):
    """The instrument: a stated wavelength (Kα2 kept unless --monochromatic), a GSAS parameter
    file, or the file's own lines; profile from a standard when one is given.  Says what it assumed."""
    from ..xrd import Instrument
    from ..xrd.rietveld import instrument_for

    if wavelength is not None:
        check_option("--wavelength", wavelength, gt=0, le=10)
    if instrument_file is not None and instrument_file.suffix.lower() == ".irf":
        from ..io.formats.xrd_irf import instrument_from_irf

        inst = instrument_from_irf(instrument_file, monochromatic)
        typer.echo(f"instrument: {instrument_file.name}: {', '.join(map(str, inst.wavelengths_A))} Å, "
                   f"U V W X Y = {inst.U:g} {inst.V:g} {inst.W:g} {inst.X:g} {inst.Y:g}", err=True)
    elif instrument_file is not None:
        from ..io.formats.xrd_gsas import read_prm

        prm = read_prm(instrument_file)
        lines = (prm["lam1"], prm["lam2"]) if prm["lam2"] > 0 and not monochromatic else (prm["lam1"],)
        inst = Instrument.cu_ka(wavelengths_A=lines, ratios=(1.0, prm.get("ratio", 0.5))[: len(lines)])
        typer.echo(f"instrument: {instrument_file.name}: {', '.join(map(str, lines))} Å", err=True)
    elif wavelength is not None:
        try:
            inst, note = Instrument.from_wavelength(wavelength, monochromatic=monochromatic)
        except ValueError as exc:
            raise SselabError(str(exc)) from None
        typer.echo(f"wavelength: {note}", err=True)
    else:
        inst = instrument_for(pattern, None)
        if monochromatic:
            inst = Instrument.single(inst.wavelengths_A[0])
    if standard is not None:
        from ..xrd import fit_instrument

        inst, _ = fit_instrument(_pattern(standard), instrument=inst)
    return inst


def _pm(est, unit: str = "") -> str:
    from ..numfmt import format_uncertain

    return format_uncertain(est.value, est.stderr, unit, lower=est.min, upper=est.max)


@xrd.command("simulate")
def simulate(
    cif: Optional[Path] = typer.Argument(None, help="CIF file (or use --antiperovskite)."),
    antiperovskite: Optional[str] = typer.Option(None, "--antiperovskite", help="X3AB formula, e.g. Mg3AsN."),
    a: float = typer.Option(4.2307, "--a", help="Lattice parameter [Å] for --antiperovskite."),
    wavelength: Optional[float] = typer.Option(None, "--wavelength", help="One wavelength [Å] (default Cu Kα1+Kα2)."),
    start: float = typer.Option(10.0, "--start", help="First 2θ [deg]."),
    stop: float = typer.Option(100.0, "--stop", help="Last 2θ [deg]."),
    step: float = typer.Option(0.02, "--step", help="2θ step [deg]."),
    size_nm: Optional[float] = typer.Option(None, "--size-nm", help="Crystallite size [nm] (Lorentzian size broadening)."),
    strain: Optional[float] = typer.Option(None, "--strain", help="Microstrain ε [1] (Gaussian strain broadening)."),
    noise: bool = typer.Option(False, "--noise/--no-noise", help="Add Poisson counting noise."),
    seed: Optional[int] = typer.Option(None, "--seed", help="Random seed of the counting noise (reproducible patterns)."),
    out: Optional[Path] = typer.Option(None, "--out", help="Write a .xye file."),
    plot: Optional[Path] = typer.Option(None, "--plot", help="Write the pattern with its reflection ticks (PNG/SVG/PDF)."),
    json_: bool = typer.Option(False, "--json", help="Print the result as JSON (its to_dict())."),
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
    if plot is not None:
        from ..report.plots_cli import pattern_figure
        from ..report.style import save
        from ..xrd.model import PowderModel

        model = PowderModel([phase], np.asarray(pat.two_theta_deg, float), inst)
        ticks = model.tick_positions(model.parameters().value_array)[0]
        save(pattern_figure(pat.two_theta_deg, pat.intensity, {phase.name: ticks},
                            f"{phase.name}, a = {phase.lattice_parameters['a']:.4f} Å"), plot)
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
    wavelength: Optional[float] = typer.Option(None, "--wavelength", help="Kα1 [Å]; Kα2 kept unless --monochromatic."),
    monochromatic: bool = typer.Option(False, "--monochromatic", help="One wavelength only (no Kα2)."),
    library: Optional[list[Path]] = typer.Option(None, "--library", help=LIBRARY_HELP),
    plot: Optional[Path] = typer.Option(None, "--plot", help="Write obs/calc/diff with the phases' ticks and unexplained peaks (PNG/SVG/PDF)."),
    json_: bool = typer.Option(False, "--json", help="Print the result as JSON (its to_dict())."),
) -> None:
    """Which candidate phases are present, with weight fractions and unexplained peaks."""
    from ..numfmt import format_uncertain
    from ..xrd import identify
    from ._common import exit_for, verdict_line

    pat = _pattern(file)
    res = identify(pat, _phases(phases, library), _instrument(pat, wavelength, standard, monochromatic))
    if plot is not None:
        from ..report.plots_cli import identify_figure
        from ..report.style import save

        save(identify_figure(res), plot)
    if json_:
        echo_json(res.to_dict())
        return exit_for(res)
    for c in res.candidates:
        wf = (format_uncertain(100 * c.weight_fraction, None if c.weight_fraction_stderr is None else 100 * c.weight_fraction_stderr, "wt%")
              if c.present else f"absent (< {c.detection_limit_wt_percent:.2g} wt%)" if c.detection_limit_wt_percent is not None
              else "absent")
        typer.echo(f"{c.name:10s} {wf:>20s}  {c.detection.partition(': ')[2]}")
    typer.echo(f"Rwp {res.Rwp:.2f} %; unexplained peaks at 2θ: {', '.join(map(str, res.unexplained_peaks_deg)) or 'none'}"
               + (f"; misfit at the phases' own reflections: {', '.join(map(str, res.misfit_peaks_deg))}" if res.misfit_peaks_deg else ""))
    typer.echo(verdict_line(res))
    exit_for(res)


def _orientation(specs: Optional[list[str]]) -> dict[str, tuple[int, int, int]]:
    out = {}
    for spec in specs or []:
        name, _, hkl = spec.rpartition(":")
        parts = [t.strip() for t in hkl.split(",")]
        if not name or len(parts) != 3 or not all(t.lstrip("-").isdigit() for t in parts):
            raise SselabError(f"--preferred-orientation {spec!r}: expected PHASE:h,k,l (e.g. ZrO2-m:0,0,1)")
        out[name] = tuple(int(t) for t in parts)
    return out


def _background(spec: str) -> int:
    kind, _, n = spec.partition(":")
    if kind.strip().lower() != "chebyshev" or not n.strip().isdigit() or not 1 <= int(n) <= 40:
        raise SselabError(f"--background {spec!r}: expected chebyshev:N with 1 ≤ N ≤ 40")
    return int(n)


@xrd.command("refine")
def refine_cmd(
    file: Path = typer.Argument(..., help="Pattern file."),
    phases: str = typer.Option(..., "--phases", help="Comma-separated names or CIF paths."),
    standard: Optional[Path] = typer.Option(None, "--standard", help="LaB6 pattern for the instrument profile."),
    instrument_file: Optional[Path] = typer.Option(None, "--instrument", help="GSAS .prm / GSAS-II .instprm or FullProf .irf file."),
    wavelength: Optional[float] = typer.Option(None, "--wavelength", help="Kα1 [Å]; Kα2 kept unless --monochromatic."),
    monochromatic: bool = typer.Option(False, "--monochromatic", help="One wavelength only (no Kα2)."),
    two_theta_range: Optional[Tuple[float, float]] = typer.Option(None, "--range", help="2θ range [deg]: LOW HIGH."),
    background: str = typer.Option("chebyshev:6", "--background", help="chebyshev:N background terms."),
    displacement: bool = typer.Option(False, "--displacement/--zero",
                                      help="Refine sample displacement (Δ2θ ∝ cosθ) instead of the zero shift."),
    refine_b: bool = typer.Option(False, "--refine-b", help="Also refine isotropic B."),
    plot: Optional[Path] = typer.Option(None, "--plot", help="Write obs/calc/diff plot (PNG or SVG)."),
    library: Optional[list[Path]] = typer.Option(None, "--library", help=LIBRARY_HELP),
    cif_out: Optional[Path] = typer.Option(None, "--cif-out", help="Folder for the refined structures as CIF."),
    orientation: Optional[list[str]] = typer.Option(None, "--preferred-orientation",
                                                    help="March–Dollase texture PHASE:h,k,l (repeatable); its r is refined."),
    lebail_: bool = typer.Option(False, "--lebail", help="Le Bail fit: cell and profile with free intensities (no structure)."),
    ka2_ratio: bool = typer.Option(False, "--refine-ka2-ratio", help="Also refine the Kα2/Kα1 intensity ratio (start 0.5)."),
    pawley_: bool = typer.Option(False, "--pawley", help="Pawley fit: every reflection's intensity a least-squares parameter (no structure)."),
    asymmetry: bool = typer.Option(False, "--asymmetry", help="Also refine Bérar–Baldinozzi low-angle peak asymmetry (P1, P2)."),
    transparency: bool = typer.Option(False, "--transparency", help="Also refine specimen transparency (Δ2θ ∝ sin2θ)."),
    axial: bool = typer.Option(False, "--axial", help="Also refine the axial-divergence peak shift (Δ2θ ∝ −cot2θ)."),
    roughness: bool = typer.Option(False, "--roughness", help="Also refine Suortti surface roughness p, q (Bragg–Brentano)."),
    atoms: bool = typer.Option(False, "--atoms", help="Also refine free atomic coordinates (within site symmetry) and B."),
    occupancy: Optional[list[str]] = typer.Option(None, "--occupancy",
                                                  help="Refine these occupancy factors, e.g. 'Mg3AsN.occ_N1' (repeatable, * allowed)."),
    tie: Optional[list[str]] = typer.Option(None, "--tie", help="Constraint SLAVE=MASTER (linked) or SLAVE=TOTAL-MASTER "
                                                                  "(fixed total), e.g. 'P.occ_O1=1-P.occ_F1' (repeatable)."),
    internal_standard: Optional[str] = typer.Option(None, "--internal-standard",
                                                     help="PHASE=WT: that phase was weighed in at WT wt% (e.g. Si=10); "
                                                          "absolute wt% and amorphous content."),
    json_: bool = typer.Option(False, "--json", help="Print the result as JSON (its to_dict())."),
) -> None:
    """Rietveld refinement (scale, background, zero or displacement, lattice, size, strain)."""
    from ..xrd import refine
    from ..xrd.rietveld import DEFAULT_STAGES
    from ._common import exit_for, verdict_line

    if two_theta_range is not None and not (0 <= two_theta_range[0] < two_theta_range[1] <= 180):
        raise SselabError("--range needs LOW < HIGH within 0–180°")
    pat = _pattern(file)
    inst = _instrument(pat, wavelength, standard, monochromatic, instrument_file)
    geometry = "displacement_deg" if displacement else "zero_deg"
    stages = [tuple(geometry if s == "zero_deg" else s for s in st) for st in DEFAULT_STAGES]
    phase_list = _phases(phases, library)
    if roughness:  # one stage more: Suortti p, q with everything of the last default stage
        stages.append((*stages[-1], "rough_p", "rough_q"))
    if ka2_ratio:
        if len(inst.wavelengths_A) < 2:
            raise SselabError("--refine-ka2-ratio needs a Kα2 line (not with --monochromatic or a one-line instrument)")
        stages[-1] = (*stages[-1], "ka2_ratio")
    if pawley_ and (lebail_ or atoms):
        raise SselabError("--pawley cannot be combined with --lebail or --atoms (it fits free intensities, no structure)")
    if lebail_ or pawley_:
        from ..xrd.lebail import lebail
        from ..xrd.pawley import pawley

        if refine_b or orientation or atoms or occupancy or tie:
            raise SselabError(f"--{'pawley' if pawley_ else 'lebail'} fits free intensities: --refine-b, --atoms, --occupancy, --tie and "
                              "--preferred-orientation do not apply")
        shifts = tuple(n for n, on in (("transparency_deg", transparency), ("axial_deg", axial)) if on)
        stages += [(*stages[-1], *shifts)] if shifts else []
        res = (pawley if pawley_ else lebail)(pat, phase_list, inst, stages=stages, n_background=_background(background), two_theta_range=two_theta_range)
    else:
        res = refine(pat, phase_list, inst, refine_b=refine_b, stages=stages, preferred_orientation=_orientation(orientation) or None,
                     n_background=_background(background), two_theta_range=two_theta_range,
                     refine_atoms=atoms, occupancies=tuple(occupancy or ()), ties=_ties(tie), refine_asymmetry=asymmetry,
                     refine_shifts=tuple(n for n, on in (("transparency_deg", transparency), ("axial_deg", axial)) if on))
    if plot is not None:
        from ..xrd.plots import plot_refinement

        plot_refinement(res, plot)
    if cif_out is not None:
        from ..xrd.library import write_refined_cif

        for path in write_refined_cif(res, phase_list, cif_out):
            typer.echo(f"refined structure → {path}", err=True)
    quant = _internal_standard(res, internal_standard) if internal_standard is not None else None
    if json_:
        echo_json({**res.to_dict(), **({"internal_standard": quant.to_dict()} if quant is not None else {})})
        return exit_for(res)
    units = {"A": "Å", "deg": "°", "nm": "nm", "A2": "Å²", "deg2": "deg²"}
    for p in res.phases:
        cell = ", ".join(f"{k} = {_pm(res.fit[f'{p.name}.{k}'], units['A' if k in 'abc' else 'deg'])}"
                         if f"{p.name}.{k}" in res.fit.names else f"{k} = {v:.5g}" for k, v in p.lattice.items())
        typer.echo(f"{p.name} ({p.formula}): {cell}")
        from ..numfmt import format_uncertain

        wf = (f"no wt% ({'Pawley' if pawley_ else 'Le Bail'})" if p.weight_fraction != p.weight_fraction else "single phase" if len(res.phases) == 1 else
              format_uncertain(100 * p.weight_fraction, None if p.weight_fraction_stderr is None else 100 * p.weight_fraction_stderr, "wt%"))
        rb = f", R_Bragg {p.R_Bragg:.2f} %" if p.R_Bragg is not None else ""
        typer.echo(f"  V = {p.volume_A3:.3f} Å³, ρ = {p.density_g_cm3:.4f} g/cm³, {wf}{rb}")
    typer.echo("refined parameters:")
    for e in res.fit.parameters:
        if not e.fixed:
            typer.echo(f"  {e.name:24s} {_pm(e, units.get(e.unit, e.unit))}")
    refl = getattr(res, "reflections", ())
    if refl:
        typer.echo(f"Pawley intensities: {len(refl)} reflections in {len({(r['phase'], r['group']) for r in refl})} "
                   "parameters (overlaps share one); each with its esd in --json 'reflections'")
    typer.echo(f"Rp {res.Rp:.2f} %  Rwp {res.Rwp:.2f} %  Rexp {res.Rexp:.2f} %  χ² {res.chi2:.2f}  "
               f"({res.n_points} points, {res.n_free} free)")
    if quant is not None:
        from ..numfmt import format_uncertain

        typer.echo(f"internal standard {quant.standard} {quant.standard_wt_percent:g} wt%; of the sample (standard removed):")
        for name, w in quant.wt_percent_in_sample.items():
            typer.echo(f"  {name:24s} {format_uncertain(w, quant.wt_percent_in_sample_stderr[name], 'wt%')}")
        typer.echo(f"  {'amorphous':24s} {format_uncertain(quant.amorphous_wt_percent, quant.amorphous_wt_percent_stderr, 'wt%')}")
        typer.echo(f"internal standard {verdict_line(quant)}")
    typer.echo(verdict_line(res))
    exit_for(res)


def _internal_standard(res, spec: str):
    """``PHASE=WT`` → :func:`sselab.xrd.quant.internal_standard` of the refinement."""
    from ..xrd.quant import internal_standard

    name, sep, wt = spec.rpartition("=")
    try:
        value = float(wt)
    except ValueError:
        value = float("nan")
    if not sep or not name.strip() or value != value:
        raise SselabError(f"--internal-standard {spec!r}: expected PHASE=WT (wt% of the standard weighed in, e.g. Si=10)")
    return internal_standard(res, name.strip(), value)


def _ties(items: Optional[list[str]]) -> dict[str, tuple[str, float, float]]:
    """``SLAVE=MASTER`` → (MASTER, 0, 1); ``SLAVE=TOTAL-MASTER`` → (MASTER, TOTAL, −1)."""
    import re

    out = {}
    for item in items or ():
        m = re.fullmatch(r"\s*([\w.*-]+?)\s*=\s*(?:([0-9]*\.?[0-9]+)\s*-\s*)?([\w.-]+)\s*", item)
        if m is None:
            raise SselabError(f"--tie {item!r}: expected SLAVE=MASTER or SLAVE=TOTAL-MASTER")
        out[m.group(1)] = (m.group(3), float(m.group(2)), -1.0) if m.group(2) else (m.group(3), 0.0, 1.0)
    return out


@xrd.command("wh")
def wh_cmd(
    file: Path = typer.Argument(..., help="Pattern file."),
    phase: Optional[str] = typer.Option(None, "--phase", help="Use this phase's isolated reflections."),
    standard: Optional[Path] = typer.Option(None, "--standard", help="LaB6 pattern for the instrument profile."),
    wavelength: Optional[float] = typer.Option(None, "--wavelength", help="Kα1 [Å]; Kα2 kept unless --monochromatic."),
    monochromatic: bool = typer.Option(False, "--monochromatic", help="One wavelength only (no Kα2)."),
    plot: Optional[Path] = typer.Option(None, "--plot", help="Write the Williamson–Hall plot (PNG/SVG/PDF)."),
    json_: bool = typer.Option(False, "--json", help="Print the result as JSON (its to_dict())."),
) -> None:
    """Williamson–Hall size and microstrain (and Scherrer size per peak)."""
    from ..numfmt import format_uncertain
    from ..xrd import williamson_hall
    from ._common import exit_for, verdict_line

    pat = _pattern(file)
    res = williamson_hall(pat, _instrument(pat, wavelength, standard, monochromatic), phase=_phases(phase)[0] if phase else None)
    if plot is not None:
        from ..xrd.plots import plot_williamson_hall

        plot_williamson_hall(res, plot)
    if json_:
        echo_json(res.to_dict())
        return exit_for(res)
    typer.echo(f"D = {format_uncertain(res.D_nm, res.D_stderr_nm, 'nm', style='pm')}, "
               f"ε = {format_uncertain(res.strain, res.strain_stderr, style='pm')} ({len(res.peaks)} peaks)")
    typer.echo(verdict_line(res))
    exit_for(res)


@xrd.command("sequential")
def sequential_cmd(
    files: list[Path] = typer.Argument(..., help="Pattern files, in series order."),
    phases: str = typer.Option(..., "--phases", help="Comma-separated names or CIF paths."),
    standard: Optional[Path] = typer.Option(None, "--standard", help="LaB6 pattern for the instrument profile."),
    wavelength: Optional[float] = typer.Option(None, "--wavelength", help="Kα1 [Å]; Kα2 kept unless --monochromatic."),
    monochromatic: bool = typer.Option(False, "--monochromatic", help="One wavelength only (no Kα2)."),
    two_theta_range: Optional[Tuple[float, float]] = typer.Option(None, "--range", help="2θ range [deg]: LOW HIGH."),
    background: str = typer.Option("chebyshev:6", "--background", help="chebyshev:N background terms."),
    refine_b: bool = typer.Option(False, "--refine-b", help="Also refine isotropic B."),
    plot: Optional[Path] = typer.Option(None, "--plot", help="Write every refined parameter against the series."),
    library: Optional[list[Path]] = typer.Option(None, "--library", help=LIBRARY_HELP),
    json_: bool = typer.Option(False, "--json", help="Print the result as JSON (its to_dict())."),
) -> None:
    """Refine a series of patterns, each seeded from the previous; a table of every refined parameter."""
    from ..numfmt import format_uncertain
    from ..xrd.sequential import refine_sequential
    from ._common import exit_for, verdict_line

    pats = [_pattern(f) for f in files]
    inst = _instrument(pats[0], wavelength, standard, monochromatic)
    seq = refine_sequential(pats, _phases(phases, library), inst, labels=[f.stem if f.stem not in [g.stem for g in files if g != f] else str(f) for f in files],
                            refine_b=refine_b, n_background=_background(background), two_theta_range=two_theta_range)
    if plot is not None:
        from ..xrd.plots import plot_sequential

        plot_sequential(seq, plot)
    if json_:
        echo_json(seq.to_dict())
        return exit_for(seq)
    table = seq.table(with_stderr=True)
    keys = [k for k in table if not k.endswith("_stderr") and not k.startswith("bkg")]
    typer.echo("\t".join(["pattern", *keys]))
    for i, label in enumerate(seq.labels):
        cells = [format_uncertain(table[k][i], table.get(f"{k}_stderr", [None] * len(seq.labels))[i]) if table[k][i] is not None
                 else "—" for k in keys]
        typer.echo("\t".join([label, *cells]))
    typer.echo(verdict_line(seq))
    exit_for(seq)


def register(app: typer.Typer) -> None:
    app.add_typer(xrd, name="xrd")
