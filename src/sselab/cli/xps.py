"""``sselab xps fit | quantify | profile | regions | casa | survey``.

``fit`` prints values with uncertainties and the fit's verdict (exit 3 when it failed);
``--shape`` takes CasaXPS syntax (``"SGL(30)"``, ``"LA(1.1,2.5)"``), ``--fwhm-min/--fwhm-max``
set the width bounds, ``--plot FILE.png`` draws the fit.  ``quantify`` takes every core-level
region (a region without an RSF is an error naming the element; ``--rsf``/``--rsf-file``),
normalises counts by dwell × scans and the file's transmission (``--no-cps``,
``--no-file-transmission``) and prints the verdict.  ``regions`` lists a file's regions;
``casa`` shows a CasaXPS-processed file's stored model beside sselab's refit; ``survey`` identifies
the elements of a survey spectrum.

``--components "39.7,41.4,43.75"`` gives start positions [eV] (optionally ``name=pos``:
``"As3-=39.7,As0=41.4"``); ``--doublets`` makes each a spin–orbit doublet of the region's
level; ``--model model.yaml`` loads a saved :class:`~sselab.xps.model.PeakModel` instead.
``--charge-ref`` (fit, quantify) shifts all regions of the acquisition so that C 1s sits at
284.8 eV (or give ``--shift`` in eV; profile takes ``--shift`` only, since the adventitious
carbon is sputtered away); start positions are then on the corrected scale, and the JSON
states the ``charge_shift_eV`` applied.
"""

from __future__ import annotations

import re
from pathlib import Path

import typer

from ..exceptions import ParameterError, SselabError
from ._common import assignments, check_option, echo_json, exit_for, verdict_line

xps_app = typer.Typer(help="XPS: read VAMAS/PHI files, fit peaks, quantify, depth profiles.", no_args_is_help=True)


def _acquisitions(path: Path) -> list:
    from ..io import read

    return read(path, kind="xps")


def _parse_components(text: str) -> tuple[list[str] | None, list[float]]:
    names, positions = [], []
    for item in [t.strip() for t in text.split(",") if t.strip()]:
        m = re.fullmatch(r"(?:([A-Za-z0-9_+\-]+)=)?\s*([-+]?\d+(?:\.\d*)?)", item)
        if not m:
            raise ParameterError(f"--components item {item!r}: expected a position in eV or name=position")
        names.append(m.group(1))
        positions.append(float(m.group(2)))
    if not positions:
        raise ParameterError("--components is empty")
    if any(n is None for n in names) and any(n is not None for n in names):
        raise ParameterError("--components: name all components or none")
    return (None if names[0] is None else names), positions


def _model(region: str, components: str | None, model: Path | None, background: str, refine: bool,
           doublets: bool, shape: str, fwhm: float, fwhm_min: float | None = None, fwhm_max: float | None = None):
    from ..xps.model import PeakModel

    if model is not None:
        return PeakModel.load(model)
    if components is None:
        raise SselabError("give --components (e.g. '39.7,41.4,43.75') or --model model.yaml")
    names, pos = _parse_components(components)
    bounds = None
    if fwhm_min is not None or fwhm_max is not None:
        lo = fwhm_min if fwhm_min is not None else min(0.3, fwhm / 2)
        hi = fwhm_max if fwhm_max is not None else max(4.0, 2 * fwhm)
        if not 0 < lo <= fwhm <= hi:
            raise SselabError(f"--fwhm {fwhm:g} must lie within --fwhm-min {lo:g} and --fwhm-max {hi:g}")
        bounds = (lo, hi)
    return PeakModel.from_positions(region, pos, names=names, shape=shape, fwhm_eV=fwhm, doublets=doublets,
                                    background=background, refine_background=refine, fwhm_bounds_eV=bounds)


def _rsfs(rsf: list[str], rsf_file: Path | None) -> dict[str, float]:
    """User RSFs: the --rsf-file library, overridden by --rsf items."""
    from ..xps.rsf import read_library

    out = read_library(rsf_file) if rsf_file is not None else {}
    out.update(assignments(rsf, "--rsf", positive=True))
    return out


def _shift(acq, charge_ref: bool, shift: float | None) -> float:
    from ..xps.quantify import charge_shift

    if shift is not None:
        return shift
    return charge_shift(acq) if charge_ref else 0.0


@xps_app.command("fit")
def fit_cmd(
    file: Path = typer.Argument(..., help="VAMAS .vms/.npl, PHI .pro/.spe or two-column export"),
    region: str = typer.Option(..., "--region", help='region name, e.g. "As 3d"'),
    components: str = typer.Option(None, "--components", help='start positions [eV], "39.7,41.4" or "A=39.7,B=41.4"'),
    model: Path = typer.Option(None, "--model", help="peak model YAML"),
    background: str = typer.Option("shirley", "--background", help="none, linear, shirley, smart (Shirley never above the data), tougaard (U 2), tougaard3 (U 3: C 551, D 436)"),
    refine: bool = typer.Option(False, "--refine-background", help="refine the background with the peaks"),
    doublets: bool = typer.Option(False, "--doublets", help="spin–orbit doublets for p/d/f levels"),
    shape: str = typer.Option("GL", "--shape", help='line shape, CasaXPS syntax: "GL(30)", "SGL(30)", "LA(1.1,2.5)", "LF(0.54,10)" or "LF(0.54,10,80,100)", DS, V, PV'),
    fwhm: float = typer.Option(1.2, "--fwhm", help="start FWHM [eV] (bounds default to min(0.3, fwhm/2)..max(4, 2 fwhm))"),
    fwhm_min: float = typer.Option(None, "--fwhm-min", help="lower FWHM bound [eV]"),
    fwhm_max: float = typer.Option(None, "--fwhm-max", help="upper FWHM bound [eV]"),
    plot: Path = typer.Option(None, "--plot", help="write a PNG: data, components, background, envelope, residual"),
    charge_ref: bool = typer.Option(False, "--charge-ref", help="shift so C 1s = 284.8 eV"),
    shift: float = typer.Option(None, "--shift", help="charge shift [eV] added to all energies"),
    step: int = typer.Option(0, "--step", help="which acquisition (sputter cycle) of the file"),
    save_model: Path = typer.Option(None, "--save-model", help="write the peak model as YAML"),
    casa_out: Path = typer.Option(None, "--casa-out", help="write the fitted model as CasaXPS 'CASA region/comp' lines"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """Fit a peak model to one region."""
    check_option("--fwhm", fwhm, gt=0)
    check_option("--shift", shift)
    from ..xps.fit import fit_region
    from ..xps.quantify import find_region

    acqs = _acquisitions(file)
    if not 0 <= step < len(acqs):
        raise SselabError(f"--step {step}: the file has {len(acqs)} acquisitions")
    acq = acqs[step]
    m = _model(region, components, model, background, refine, doublets, shape, fwhm, fwhm_min, fwhm_max)
    if save_model is not None:
        m.save(save_model)
    reg = find_region(acq, region)
    charge_shift = _shift(acq, charge_ref, shift)
    result = fit_region(reg, m, charge_shift_eV=charge_shift)
    if casa_out is not None:
        from ..xps.casa_export import model_to_casa

        casa_out.write_text("\n".join(model_to_casa(m, result, excitation_eV=reg.metadata.get("excitation_energy_eV"),
                                                    calib_shift_eV=charge_shift)) + "\n")
    if plot is not None:
        from ..xps.plots import plot_fit

        plot_fit(result, plot)
    if as_json:
        echo_json(result.to_dict())
        exit_for(result)
        return
    from ..numfmt import format_uncertain

    typer.echo(f"{result.region}: chi2_red = {result.reduced_chi2:.3g}, {result.background} background")
    total = sum(c.area for c in result.components) or float("nan")
    for c in result.components:
        typer.echo(f"  {c.name:<20} {format_uncertain(c.position_eV, c.position_stderr_eV, 'eV'):>16}  "
                   f"FWHM {format_uncertain(c.fwhm_eV, c.fwhm_stderr_eV, 'eV'):>14}  "
                   f"area {format_uncertain(c.area, c.area_stderr, lower=0.0)}  {100 * c.area / total:5.1f} %")
    typer.echo(verdict_line(result))
    exit_for(result)


@xps_app.command("quantify")
def quantify_cmd(
    file: Path = typer.Argument(...),
    regions: str = typer.Option(None, "--regions", help='comma list, e.g. "Mg 2p,As 3d,N 1s,O 1s" (default: all with an RSF)'),
    rsf: list[str] = typer.Option([], "--rsf", help='user RSF "As 3d=1.9" (repeatable)'),
    rsf_file: Path = typer.Option(None, "--rsf-file", help="user RSF library: 'Ni 2p = 22.18' or element,line,rsf"),
    background: str = typer.Option("shirley", "--background", help="Background under each region: shirley, smart, linear, tougaard, tougaard3 or none."),
    correction: str = typer.Option("none", "--correction", help="none, imfp (escape depth MFP = KE^x), transmission"),
    mfp_exponent: float = typer.Option(0.6, "--mfp-exponent", help="x of the escape-depth factor MFP = KE^x (--correction imfp)"),
    normalise: bool = typer.Option(True, "--cps/--no-cps", help="divide counts by dwell time x scans (CasaXPS CPS)"),
    file_transmission: bool = typer.Option(True, "--file-transmission/--no-file-transmission",
                                           help="divide by the transmission function the file gives"),
    charge_ref: bool = typer.Option(False, "--charge-ref", help="shift so C 1s = 284.8 eV"),
    shift: float = typer.Option(None, "--shift", help="charge shift [eV] added to all energies"),
    step: int = typer.Option(0, "--step", help="Which acquisition (sputter step) of the file, 0-based."),
    plot: Path = typer.Option(None, "--plot", help="write the atomic % bars (PNG/SVG/PDF)"),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON (its to_dict())."),
) -> None:
    """Atomic % from background-subtracted region areas and RSFs.

    Every core-level region is quantified (or those in --regions); a region without an RSF is
    an error naming the element.  Exit 3 when the quantification failed (e.g. a negative at.%).
    """
    from ..numfmt import format_uncertain
    from ..xps.quantify import quantify_acquisition, shift_acquisition

    check_option("--shift", shift)

    acqs = _acquisitions(file)
    if not 0 <= step < len(acqs):
        raise SselabError(f"--step {step}: the file has {len(acqs)} acquisitions")
    acq = acqs[step]
    shift_eV = _shift(acq, charge_ref, shift)
    if shift_eV:
        acq = shift_acquisition(acq, shift_eV)
    names = [n.strip() for n in regions.split(",") if n.strip()] if regions else None
    check_option("--mfp-exponent", mfp_exponent)
    q = quantify_acquisition(acq, names, _rsfs(rsf, rsf_file), background, correction, normalise,
                             file_transmission, mfp_exponent)
    if plot is not None:
        from ..report.plots_cli import composition_bars
        from ..report.style import save

        save(composition_bars([(r.label, r.atomic_percent, r.atomic_percent_stderr) for r in q.rows],
                              f"XPS ({q.rsf_source})"), plot)
    if as_json:
        echo_json({**q.to_dict(), "charge_shift_eV": shift_eV})
        exit_for(q)
        return
    for row in q.rows:
        pct = format_uncertain(row.atomic_percent, row.atomic_percent_stderr, "at.%", style="pm")
        typer.echo(f"{row.label:<8} {pct}  (area {format_uncertain(row.area, row.area_stderr)}, RSF {row.rsf:.3g})")
    for note in q.notes:
        typer.echo(f"note: {note}")
    typer.echo(f"RSFs: {q.rsf_source}; correction: {q.correction}; charge shift {shift_eV:+.3f} eV")
    typer.echo(verdict_line(q))
    exit_for(q)


@xps_app.command("profile")
def profile_cmd(
    file: Path = typer.Argument(..., help="depth profile: PHI .pro or a VAMAS file per step"),
    model: list[Path] = typer.Option([], "--model", help="peak model YAML per region (repeatable)"),
    region: str = typer.Option(None, "--region", help="region for --components"),
    components: str = typer.Option(None, "--components", help="Start positions [eV] of --region's components, \"39.7,41.4\" or \"A=39.7,B=41.4\"."),
    doublets: bool = typer.Option(False, "--doublets", help="spin–orbit doublets for p/d/f levels"),
    shape: str = typer.Option("GL", "--shape", help="line shape for --components"),
    rate: float = typer.Option(1.0, "--rate", help="sputter rate [nm/min]"),
    rsf: list[str] = typer.Option([], "--rsf", help='user RSF "Sn 3d=4.1" (repeatable)'),
    rsf_file: Path = typer.Option(None, "--rsf-file", help="user RSF library: 'Ni 2p = 22.18' or element,line,rsf"),
    shift: float = typer.Option(0.0, "--shift", help="charge shift [eV] added to every step's energies"),
    plot: Path = typer.Option(None, "--plot", help="write a PNG of atomic % vs depth"),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON (its to_dict())."),
) -> None:
    """Fit the same models to every sputter step; atomic % vs time and depth."""
    check_option("--rate", rate, gt=0)
    check_option("--shift", shift)
    from ..xps.model import PeakModel
    from ..xps.profile import depth_profile

    acqs = _acquisitions(file)
    models = [PeakModel.load(p) for p in model]
    if components is not None:
        if region is None:
            raise SselabError("--components needs --region")
        names, pos = _parse_components(components)
        models.append(PeakModel.from_positions(region, pos, names=names, shape=shape, doublets=doublets))
    if not models:
        raise SselabError("give --model FILE (repeatable) or --region/--components")
    prof = depth_profile(acqs, models, rate_nm_per_min=rate, rsfs=_rsfs(rsf, rsf_file), charge_shift_eV=shift)
    if plot is not None:
        ax = prof.plot()
        ax.figure.savefig(plot, dpi=120, bbox_inches="tight")
    if as_json:
        d = prof.to_dict()
        d.pop("fits")
        echo_json({**d, "charge_shift_eV": shift})
        exit_for(prof)
        return
    from ..numfmt import format_uncertain

    for k, t in enumerate(prof.sputter_time_s):
        parts = ", ".join(f"{n} {format_uncertain(v[k], prof.element_percent_stderr[n][k], style='pm')}"
                          for n, v in prof.element_percent.items())
        typer.echo(f"{t:7.0f} s ({prof.depth_nm[k]:.1f} nm): {parts} at.%")
    typer.echo(verdict_line(prof))
    exit_for(prof)


@xps_app.command("regions")
def regions_cmd(
    file: Path = typer.Argument(..., help="any XPS file sselab reads"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """List the acquisitions and regions of a file: names, points, binding-energy range, step, hν."""
    import numpy as np

    rows = []
    for k, acq in enumerate(_acquisitions(file)):
        for r in acq.regions:
            e = np.asarray(r.binding_energy_eV, float)
            rows.append({"step": k, "region": r.name, "points": int(e.size), "be_min_eV": float(e.min()),
                         "be_max_eV": float(e.max()),
                         "step_eV": float(np.median(np.abs(np.diff(e)))) if e.size > 1 else None,
                         "excitation_energy_eV": r.metadata.get("excitation_energy_eV", acq.excitation_energy_eV),
                         "sputter_time_s": r.sputter_time_s, "reader": acq.instrument,
                         "energy": r.metadata.get("energy")})
    if as_json:
        echo_json({"file": str(file), "regions": rows})
        return
    for row in rows:
        t = f"  t={row['sputter_time_s']:g} s" if row["sputter_time_s"] is not None else ""
        typer.echo(f"[{row['step']}] {row['region']:<14} {row['points']:5d} pts  {row['be_min_eV']:8.2f}–"
                   f"{row['be_max_eV']:8.2f} eV  step {row['step_eV'] or 0:.3g} eV{t}  ({row['reader']})")


@xps_app.command("casa")
def casa_cmd(
    file: Path = typer.Argument(..., help="a CasaXPS-processed VAMAS file (CASA region/comp lines)"),
    refit: bool = typer.Option(True, "--refit/--no-refit", help="refit the stored model with sselab"),
    plot: Path = typer.Option(None, "--plot", help="write each region's component shares, CasaXPS vs refit (PNG/SVG/PDF)"),
    mfp_exponent: float = typer.Option(None, "--mfp-exponent",
                                       help="escape-depth factor MFP = KE^x in Area/(RSF*T*MFP) (default: off)"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """The CasaXPS regions and components stored in a file, refitted with sselab side by side."""
    from ..numfmt import format_uncertain
    from ..xps.casa import casa_report

    check_option("--mfp-exponent", mfp_exponent)
    acqs = _acquisitions(file)
    d = casa_report(acqs[0], refit=refit, mfp_exponent=mfp_exponent)
    if plot is not None:
        from ..report.plots_cli import casa_figure
        from ..report.style import save

        save(casa_figure(d), plot)
    if as_json:
        echo_json(d)
        exit_for(d)
        return
    for r in d["regions"]:
        where = f"block {r['block_index']}" + (f", {r['sample']}" if r.get("sample") else "")
        calib = f", Calib {r['calib_shift_eV']:+.2f} eV" if r.get("calib_shift_eV") else ""
        typer.echo(f"{r['name']} ({where}; {r['background']}, {r['limits_eV'][0]:.2f}–{r['limits_eV'][1]:.2f} eV{calib})")
        for c in r["components"]:
            s = c["stored"]
            if not refit:
                typer.echo(f"  {c['name']:<12} {c['lineshape']:<22} pos {s['position_eV']:.3f} eV  FWHM "
                           f"{s['fwhm_eV']:.3f} eV  area {s['area']:.6g}  {s['percent_at'] or 0:.2f} at.%")
                continue
            typer.echo(f"  {c['name']:<12} {c['lineshape']:<22} "
                       f"pos {format_uncertain(c['position_eV'], c.get('position_stderr_eV'), 'eV')} (casa {s['position_eV']:.2f})  "
                       f"FWHM {format_uncertain(c['fwhm_eV'], c.get('fwhm_stderr_eV'), 'eV')} (casa {s['fwhm_eV']:.2f})  "
                       f"area {format_uncertain(c['area'], c.get('area_stderr'))} (casa {s['area']:.4g})")
    for n in d["notes"]:
        typer.echo(f"note: {n}")
    typer.echo(verdict_line(d))
    exit_for(d)


@xps_app.command("survey")
def survey_cmd(
    file: Path = typer.Argument(..., help="a file with a survey (wide) spectrum"),
    region: str = typer.Option(None, "--region", help="the survey block's name (default: the widest)"),
    plot: Path = typer.Option(None, "--plot", help="write a PNG of the survey with the identified lines"),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Elements on a survey: peak search, identification against core and Auger lines (Al or Mg Ka),
    'identified' only when the strongest line, the expected secondary lines and the Auger line
    (where inside the survey) agree; 'possible' otherwise; survey at.% of the identified ones."""
    from ..xps.survey import survey_report

    acq = _acquisitions(file)[0]
    d = survey_report(acq, region)
    if plot is not None:
        from ..xps.plots import plot_survey

        r = next(r for r in acq.regions if r.name == d["region"])
        plot_survey(r.binding_energy_eV, r.counts, d, plot)
    if as_json:
        echo_json(d)
        exit_for(d)
        return
    typer.echo(f"{d['region']}: {d['n_peaks']} peaks, {d['excitation']} Ka, charge shift {d['charge_shift_eV']:+.1f} eV")
    for el in d["elements"]:
        if el["status"] == "identified":
            at = f"{el['atomic_percent']:.1f} at.%" if el["atomic_percent"] is not None else ""
            typer.echo(f"  {el['element']:<3} identified  {el['main_line']:<6} {el['main_position_eV']:7.1f} eV  "
                       f"confidence {el['confidence']:.2f}  {at}")
    if d["possible"]:
        typer.echo(f"  possible (not confirmed): {', '.join(d['possible'])}")
    typer.echo(verdict_line(d))
    exit_for(d)


def register(app: typer.Typer) -> None:
    app.add_typer(xps_app, name="xps")
