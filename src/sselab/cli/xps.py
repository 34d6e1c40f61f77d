"""``sselab xps fit | quantify | profile``.

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
from ._common import assignments, check_option, echo_json

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
           doublets: bool, shape: str, fwhm: float):
    from ..xps.model import PeakModel

    if model is not None:
        return PeakModel.load(model)
    if components is None:
        raise SselabError("give --components (e.g. '39.7,41.4,43.75') or --model model.yaml")
    names, pos = _parse_components(components)
    return PeakModel.from_positions(region, pos, names=names, shape=shape, fwhm_eV=fwhm, doublets=doublets,
                                    background=background, refine_background=refine)


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
    background: str = typer.Option("shirley", "--background", help="none, linear, shirley, tougaard"),
    refine: bool = typer.Option(False, "--refine-background", help="refine the background with the peaks"),
    doublets: bool = typer.Option(False, "--doublets", help="spin–orbit doublets for p/d/f levels"),
    shape: str = typer.Option("GL", "--shape", help="line shape: GL, SGL, PV, V, LA, DS"),
    fwhm: float = typer.Option(1.2, "--fwhm", help="start FWHM [eV]"),
    charge_ref: bool = typer.Option(False, "--charge-ref", help="shift so C 1s = 284.8 eV"),
    shift: float = typer.Option(None, "--shift", help="charge shift [eV] added to all energies"),
    step: int = typer.Option(0, "--step", help="which acquisition (sputter cycle) of the file"),
    save_model: Path = typer.Option(None, "--save-model", help="write the peak model as YAML"),
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
    m = _model(region, components, model, background, refine, doublets, shape, fwhm)
    if save_model is not None:
        m.save(save_model)
    result = fit_region(find_region(acq, region), m, charge_shift_eV=_shift(acq, charge_ref, shift))
    if as_json:
        echo_json(result.to_dict())
        return
    typer.echo(f"{result.region}: chi2_red = {result.reduced_chi2:.3g}, {result.background} background")
    for c in result.components:
        err = f" ± {c.area_stderr:.3g}" if c.area_stderr is not None else ""
        typer.echo(f"  {c.name:<20} {c.position_eV:8.2f} eV  FWHM {c.fwhm_eV:5.2f}  area {c.area:.4g}{err}")


@xps_app.command("quantify")
def quantify_cmd(
    file: Path = typer.Argument(...),
    regions: str = typer.Option(None, "--regions", help='comma list, e.g. "Mg 2p,As 3d,N 1s,O 1s" (default: all with an RSF)'),
    rsf: list[str] = typer.Option([], "--rsf", help='user RSF "As 3d=1.9" (repeatable)'),
    background: str = typer.Option("shirley", "--background"),
    correction: str = typer.Option("none", "--correction", help="none, imfp, transmission"),
    charge_ref: bool = typer.Option(False, "--charge-ref", help="shift so C 1s = 284.8 eV"),
    shift: float = typer.Option(None, "--shift", help="charge shift [eV] added to all energies"),
    step: int = typer.Option(0, "--step"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Atomic % from background-subtracted region areas and RSFs."""
    check_option("--shift", shift)
    user = assignments(rsf, "--rsf", positive=True)
    import numpy as np

    from ..xps.backgrounds import background as bg
    from ..xps.quantify import SCOFIELD_AL_KA, find_region, quantify, shift_acquisition

    acqs = _acquisitions(file)
    if not 0 <= step < len(acqs):
        raise SselabError(f"--step {step}: the file has {len(acqs)} acquisitions")
    acq = acqs[step]
    shift_eV = _shift(acq, charge_ref, shift)
    if shift_eV:
        acq = shift_acquisition(acq, shift_eV)
    known = {k.replace(" ", "").lower() for k in list(SCOFIELD_AL_KA) + list(user)}
    names = [n.strip() for n in regions.split(",")] if regions else \
        [r.name for r in acq.regions if r.name.replace(" ", "").lower() in known]
    areas, pos = {}, {}
    for n in names:
        r = find_region(acq, n)
        order = np.argsort(r.binding_energy_eV)
        e, y = r.binding_energy_eV[order], r.counts[order]
        net = y - bg(background, e, y)
        areas[r.name] = (float(np.trapezoid(net, e)), float(np.sqrt(np.trapezoid(np.clip(y, 0, None), e) * np.median(np.diff(e)))))
        pos[r.name] = float(e[int(np.argmax(net))])
    q = quantify(areas, user, correction, pos, acq.excitation_energy_eV)
    if as_json:
        echo_json({**q.to_dict(), "charge_shift_eV": shift_eV})
        return
    for row in q.rows:
        typer.echo(f"{row.label:<8} {row.atomic_percent:6.2f} at.%  (area {row.area:.4g}, RSF {row.rsf:.3g})")
    typer.echo(f"RSFs: {q.rsf_source}; correction: {q.correction}; charge shift {shift_eV:+.3f} eV")


@xps_app.command("profile")
def profile_cmd(
    file: Path = typer.Argument(..., help="depth profile: PHI .pro or a VAMAS file per step"),
    model: list[Path] = typer.Option([], "--model", help="peak model YAML per region (repeatable)"),
    region: str = typer.Option(None, "--region", help="region for --components"),
    components: str = typer.Option(None, "--components"),
    rate: float = typer.Option(1.0, "--rate", help="sputter rate [nm/min]"),
    rsf: list[str] = typer.Option([], "--rsf", help='user RSF "Sn 3d=4.1" (repeatable)'),
    shift: float = typer.Option(0.0, "--shift", help="charge shift [eV] added to every step's energies"),
    plot: Path = typer.Option(None, "--plot", help="write a PNG of atomic % vs depth"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Fit the same models to every sputter step; atomic % vs time and depth."""
    check_option("--rate", rate, gt=0)
    check_option("--shift", shift)
    rsfs = assignments(rsf, "--rsf", positive=True)
    from ..xps.model import PeakModel
    from ..xps.profile import depth_profile

    acqs = _acquisitions(file)
    models = [PeakModel.load(p) for p in model]
    if components is not None:
        if region is None:
            raise SselabError("--components needs --region")
        names, pos = _parse_components(components)
        models.append(PeakModel.from_positions(region, pos, names=names))
    if not models:
        raise SselabError("give --model FILE (repeatable) or --region/--components")
    prof = depth_profile(acqs, models, rate_nm_per_min=rate, rsfs=rsfs, charge_shift_eV=shift)
    if plot is not None:
        ax = prof.plot()
        ax.figure.savefig(plot, dpi=120, bbox_inches="tight")
    if as_json:
        d = prof.to_dict()
        d.pop("fits")
        echo_json({**d, "charge_shift_eV": shift})
        return
    for k, t in enumerate(prof.sputter_time_s):
        parts = ", ".join(f"{n} {v[k]:.1f}" for n, v in prof.element_percent.items())
        typer.echo(f"{t:7.0f} s ({prof.depth_nm[k]:.1f} nm): {parts}")


def register(app: typer.Typer) -> None:
    app.add_typer(xps_app, name="xps")
