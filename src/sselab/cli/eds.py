"""``sselab eds identify | quantify | maps``: EDS spectra (.msa/.emsa, Bruker .spx) and maps (.bcf).

``--kfactor Mg=1.05`` (repeatable) gives Cliff–Lorimer k-factors (e.g. measured on a standard);
without them a standardless approximation is used and the verdict says so.
``--normalise As=1`` prints the formula per As (Mg3.1AsN1.3 style).
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ..exceptions import SselabError
from ..numfmt import format_uncertain
from ._common import assignments, echo_json, exit_for, verdict_line

eds_app = typer.Typer(help="EDS: identify elements, quantify (Cliff–Lorimer), element maps.", no_args_is_help=True)


def _spectrum(path: Path, index: int):
    from ..eds.spectrum import EDSMap, read_eds

    items = read_eds(path)
    if not 0 <= index < len(items):
        raise SselabError(f"--index {index}: the file has {len(items)} spectra")
    it = items[index]
    return it.sum_spectrum() if isinstance(it, EDSMap) else it


def _elements(text: Optional[str]):
    return None if not text else [t.strip() for t in text.split(",") if t.strip()]


@eds_app.command("identify")
def identify_cmd(
    file: Path = typer.Argument(..., help=".msa/.emsa, .spx or .bcf (sum spectrum)"),
    beam: Optional[float] = typer.Option(None, "--beam-kev", help="beam energy [keV] when the file lacks it"),
    index: int = typer.Option(0, "--index", help="which spectrum of the file"),
    plot: Optional[Path] = typer.Option(None, "--plot", help="write the spectrum with the lines labelled (PNG/SVG/PDF)"),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON (its to_dict())."),
) -> None:
    """Peaks and the elements whose X-ray lines explain them."""
    from ..eds.peaks import identify

    sp = _spectrum(file, index)
    e0 = beam if beam is not None else sp.beam_energy_keV
    found, unassigned = identify(sp.energy_keV, sp.counts, e0)
    from ..verdict import Verdict, with_verdict

    v = Verdict.ok() if found else Verdict.ok().add("no_peaks", "no peak stands out of the background", "failed")
    if e0 is None:
        v = v.add("no_beam_energy", "beam energy unknown: excitation checks skipped (give --beam-kev)")
    result = with_verdict({"file": str(file), "beam_energy_keV": e0, "identified": found,
                           "unassigned_peaks": unassigned}, v)
    if plot is not None:
        from ..report.plots_cli import eds_identify_figure
        from ..report.style import save

        save(eds_identify_figure(sp.energy_keV, sp.counts, found, e0), plot)
    if as_json:
        echo_json(result)
        exit_for(result)
        return
    for f in found:
        typer.echo(f"  {f['element']:<3} {f['line']:<3} {f['energy_keV']:.3f} keV  significance {f['significance']:.0f}")
    for u in unassigned:
        typer.echo(f"  ?   {u['energy_keV']:.3f} keV  significance {u['significance']:.0f}  {u['artifact'] or ''}")
    typer.echo(verdict_line(result))
    exit_for(result)


@eds_app.command("quantify")
def quantify_cmd(
    file: Path = typer.Argument(..., help=".msa/.emsa, .spx or .bcf (sum spectrum)"),
    elements: Optional[str] = typer.Option(None, "--elements", help='comma list, e.g. "Mg,As,N" (default: identified)'),
    exclude: Optional[str] = typer.Option(None, "--exclude", help='leave out, e.g. "C" (coating)'),
    kfactor: list[str] = typer.Option([], "--kfactor", help='Cliff–Lorimer k "Mg=1.05" (repeatable)'),
    normalise: Optional[str] = typer.Option(None, "--normalise", help='formula per element, e.g. "As=1"'),
    beam: Optional[float] = typer.Option(None, "--beam-kev", help="beam energy [keV] when the file lacks it"),
    fwhm: float = typer.Option(130.0, "--fwhm-mn", help="detector FWHM at Mn Kα [eV]"),
    index: int = typer.Option(0, "--index", help="which spectrum of the file"),
    plot: Optional[Path] = typer.Option(None, "--plot", help="write the atomic % bars (PNG/SVG/PDF)"),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON (its to_dict())."),
) -> None:
    """Atomic % (Cliff–Lorimer) with uncertainties; formula with --normalise."""
    from ..eds.quantify import quantify

    sp = _spectrum(file, index)
    norm = assignments([normalise], "--normalise") if normalise else None
    q = quantify(sp, _elements(elements), kfactors=assignments(kfactor, "--kfactor") or None,
                 exclude=_elements(exclude) or (), normalise=norm, beam_keV=beam, fwhm_mn_eV=fwhm)
    if plot is not None:
        from ..report.plots_cli import composition_bars
        from ..report.style import save

        save(composition_bars([(el, *q.atomic_percent[el]) for el in q.elements],
                              q.formula_text() if q.formula else "EDS (Cliff–Lorimer)"), plot)
    if as_json:
        echo_json({"file": str(file), **q.to_dict()})
        exit_for(q)
        return
    for el in q.elements:
        at, se = q.atomic_percent[el]
        wt, wse = q.weight_percent[el]
        line = f"  {el:<3} {el}_{q.families[el]}  {format_uncertain(at, se, 'at.%', style='pm')}   " \
               f"{format_uncertain(wt, wse, 'wt.%', style='pm')}"
        if q.formula:
            ref = next(iter(q.normalised_to))
            line += f"   {q.formula[el][0]:g} (reference)" if el == ref else \
                f"   {format_uncertain(*q.formula[el], style='pm')} per {ref}"
        typer.echo(line)
    if q.formula:
        typer.echo(f"formula: {q.formula_text()}")
    typer.echo(q.method)
    typer.echo(verdict_line(q))
    exit_for(q)


@eds_app.command("maps")
def maps_cmd(
    file: Path = typer.Argument(..., help="spectrum image: Bruker .bcf or Ripple .rpl (+ .raw)"),
    elements: Optional[str] = typer.Option(None, "--elements", help='comma list (default: identified)'),
    exclude: Optional[str] = typer.Option(None, "--exclude", help='leave out, e.g. "C"'),
    kfactor: list[str] = typer.Option([], "--kfactor", help='Cliff–Lorimer k "Mg=1.05" (repeatable)'),
    bin: int = typer.Option(1, "--bin", help="bin N×N pixels"),
    layers: Optional[int] = typer.Option(None, "--layers", help="cross-section: N layers, composition of each"),
    bands: Optional[int] = typer.Option(None, "--bands", help="N equal bands (1 = top), composition of each"),
    vertical: bool = typer.Option(False, "--vertical", help="with --layers: layers run top to bottom"),
    plot: Optional[Path] = typer.Option(None, "--plot", help="write the element maps PNG"),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON (its to_dict())."),
) -> None:
    """Element maps, mean composition, homogeneity (map CV over counting CV), per-layer composition."""
    from ..eds.maps import map_analysis, plot_maps
    from ..eds.spectrum import EDSMap, read_eds

    maps = [m for m in read_eds(file) if isinstance(m, EDSMap)]
    if not maps:
        raise SselabError(f"{file}: no spectrum image in the file")
    k = assignments(kfactor, "--kfactor") or None
    r, lay = map_analysis(maps[0], _elements(elements), kfactors=k, exclude=_elements(exclude) or (), bin=bin,
                          layers=layers, bands=bands, orientation="vertical" if vertical else "horizontal")
    if plot is not None:
        import matplotlib.pyplot as plt

        plt.close(plot_maps(r, plot))
    if as_json:
        echo_json({"file": str(file), **r.to_dict(), "layers": None if lay is None else lay.to_dict()})
        exit_for(r, lay)
        return
    for name, comp in (r.regions or {}).items():
        typer.echo(f"  {'band' if bands else 'layer'} {name}: " + ", ".join(f"{el} {v:.1f}" for el, v in comp.items()) + " at.%")
    for el, h in r.homogeneity.items():
        at = r.overall.atomic_percent.get(el, (float("nan"), None))
        typer.echo(f"  {el:<3} {format_uncertain(at[0], at[1], 'at.%', style='pm')}  CV {h['cv']:.2f} "
                   f"(counting {h['cv_counting']:.2f}) "
                   + ("n/a" if h["ratio"] != h["ratio"] else "heterogeneous" if h["heterogeneous"] else "uniform"))
    typer.echo(verdict_line(r))
    exit_for(r)


def register(app: typer.Typer) -> None:
    app.add_typer(eds_app, name="eds")
