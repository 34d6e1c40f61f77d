"""``sselab eis zhit``, ``sselab eis views``, the ``--explore`` output of ``sselab eis kk`` and the
global-fit output of ``sselab eis series --shared/--arrhenius``."""

from __future__ import annotations

from pathlib import Path
from typing import Any, List, Optional

import typer

from ..exceptions import SselabError
from ._common import echo_json, exit_for, geometry, verdict_line
from ._eis_input import (Loaded, all_option, fmax_option, fmin_option, index_option, inductive_option, load,
                        mask_option)


def _target(plot: Path, items: list[Loaded], item: Loaded) -> Path:
    return plot if len(items) == 1 else plot.with_name(f"{plot.stem}_{item.index}{plot.suffix}")


def kk_explore_output(items: list[Loaded], threshold: Optional[float], plot: Optional[Path], json_out: bool) -> None:
    """Run :func:`sselab.eis.kk_explore.explore_kk` on each spectrum and print it."""
    from ..eis.kk_explore import explore_kk

    outs = []
    for item in items:
        ex = explore_kk(item.spectrum, threshold=threshold)
        d = {**item.describe(), **ex.to_dict()}
        if plot is not None:
            from ..eis.plots_extra import plot_kk_sweep

            d["plot"] = plot_kk_sweep(ex, _target(plot, items, item))
        outs.append((item, ex, d))
    if json_out:
        echo_json(outs[0][2] if len(outs) == 1 else [d for *_, d in outs])
    else:
        for item, ex, _ in outs:
            typer.echo(f"{item.label}: {'' if not item.selection.n_masked else item.selection.summary() + '; '}"
                       f"recommended {ex.recommended.name}, M = {ex.recommended.recommended_m} ({ex.recommended.rule})")
            typer.echo(f"{'variant':8} {'M':>3} {'mu':>7} {'pseudo chi2':>12}")
            for s in ex.sweeps:
                k = list(s.m).index(s.recommended_m)
                typer.echo(f"{s.name:8} {s.recommended_m:3d} {s.mu[k]:7.3f} {s.pseudo_chi2[k]:12.4g}")
            t = ex.final
            typer.echo(f"KK test at the recommendation: {'passed' if t.passed else 'failed'}, max residual "
                       f"{100 * t.max_residual:.3g} %" + (f" (threshold {100 * threshold:g} %)" if threshold else ""))
            typer.echo(verdict_line(ex))
    exit_for(*(ex for _, ex, _ in outs))


def zhit_command(
    file: Path = typer.Argument(..., help="Spectrum file."),
    threshold: float = typer.Option(0.05, help="Largest relative |Z| residual for a pass (0.05 = 5 %)."),
    smoothing: str = typer.Option("savgol", "--smoothing", help="Phase smoothing before the integral: savgol | none."),
    plot: Optional[Path] = typer.Option(None, "--plot", help="Write |Z| and its reconstruction with the residuals (PNG/SVG)."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
    fmin: Optional[float] = fmin_option(),
    fmax: Optional[float] = fmax_option(),
    drop_inductive: bool = inductive_option(),
    mask: Optional[str] = mask_option(),
    index: Optional[int] = index_option(),
    every: bool = all_option(),
) -> None:
    """Z-HIT: the modulus reconstructed from the phase, a model-free Kramers–Kronig check."""
    from ..eis.zhit import zhit

    items = load(file, index, every, fmin, fmax, drop_inductive, mask)
    outs = []
    for item in items:
        r = zhit(item.spectrum, threshold=threshold, smoothing=smoothing)
        d = {**item.describe(), **r.to_dict()}
        if plot is not None:
            from ..eis.plots_extra import plot_zhit

            d["plot"] = plot_zhit(item.spectrum, r, _target(plot, items, item), masked=item.selection.masked)
        outs.append((item, r, d))
    if json_out:
        echo_json(outs[0][2] if len(outs) == 1 else [d for *_, d in outs])
    else:
        for item, r, _ in outs:
            if item.selection.n_masked:
                typer.echo(f"{item.label}: {item.selection.summary()}")
            typer.echo(f"{item.label}: Z-HIT {'passed' if r.passed else 'failed'} — max |Z| residual "
                       f"{100 * r.max_residual:.3g} % (threshold {100 * threshold:g} %), RMS {100 * r.rms_residual:.3g} %")
            typer.echo(verdict_line(r))
    exit_for(*(r for _, r, _ in outs))


def views_command(
    file: Path = typer.Argument(..., help="Spectrum file."),
    thickness: Optional[str] = typer.Option(None, "--thickness", help="Pellet thickness, e.g. '0.65 mm'."),
    diameter: Optional[str] = typer.Option(None, "--diameter", help="Electrode diameter, e.g. '13 mm'."),
    area: Optional[str] = typer.Option(None, "--area", help="Electrode area, e.g. '1.327 cm2'."),
    plot: Optional[Path] = typer.Option(None, "--plot", help="Write σ′(f), M″(f) and ε′/ε″(f) (PNG/SVG)."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
    fmin: Optional[float] = fmin_option(),
    fmax: Optional[float] = fmax_option(),
    drop_inductive: bool = inductive_option(),
    mask: Optional[str] = mask_option(),
    index: Optional[int] = index_option(),
) -> None:
    """σ′(f) with the σ_dc plateau and jump frequency, M″(f) with its peaks, ε′ and ε″."""
    from ..eis.views import conductivity_views

    geom = geometry(thickness, diameter, area)
    [item] = load(file, index, False, fmin, fmax, drop_inductive, mask)
    v = conductivity_views(item.spectrum, thickness_cm=100 * geom.thickness_m, area_cm2=1e4 * geom.area_m2)
    d = {**item.describe(), **v.to_dict()}
    if plot is not None:
        from ..eis.plots_extra import plot_views

        d["plot"] = plot_views(v, plot)
    if json_out:
        echo_json(d)
    else:
        sdc = "n/a" if v.sigma_dc_S_per_cm is None else f"{v.sigma_dc_S_per_cm:.4g} S/cm"
        fj = "not determined" if v.jump_frequency_Hz is None else f"{v.jump_frequency_Hz:.4g} Hz (n = {v.jonscher_n:.3f})"
        typer.echo(f"{item.label}: σ_dc = {sdc}, jump frequency {fj}")
        for p in v.modulus_peaks:
            typer.echo(f"  M″ peak at {p['frequency_Hz']:.4g} Hz: C = {p['C_F']:.3g} F ({p['C_F_per_cm']:.3g} F/cm, "
                       f"{p['kind']})")
        typer.echo(verdict_line(v))
    exit_for(v)


def register_extra(eis_app: Any) -> None:
    """Add ``zhit`` and ``views`` to the ``sselab eis`` command group."""
    eis_app.command("zhit")(zhit_command)
    eis_app.command("views")(views_command)


__all__: List[str] = ["kk_explore_output", "register_extra"]


def global_series_output(spectra: list, circuit: str, geom: Any, bulk: Optional[str], temps: list[float],
                         shared: list[str], tied: list[str], weighting: str, convention: str, json_out: bool) -> None:
    """``sselab eis series --shared/--arrhenius``: one global fit of the series, σ per temperature
    from it, and Ea (from the Arrhenius-tied bulk resistance itself when it is tied; else an
    Arrhenius fit of the globally fitted σ), beside the two-step Ea of independent fits."""
    from ..eis.global_fit import fit_global
    from ..transport.arrhenius import arrhenius
    from ..transport.conductivity import conductivity_from_fit

    order = sorted(range(len(spectra)), key=lambda k: temps[k])
    spectra, temps = [spectra[k] for k in order], [temps[k] for k in order]
    g = fit_global(spectra, circuit, shared=shared, arrhenius=tied, temperatures_K=temps, weighting=weighting)
    indep = [conductivity_from_fit(f, geom, bulk) for f in g.independent]
    bulk_name = bulk or indep[0].bulk_element
    if bulk_name not in g.values[0]:
        raise SselabError(f"--bulk {bulk_name!r} is not a parameter of {circuit}")
    k_cm = 100 * geom.thickness_m / (1e4 * geom.area_m2)
    rows = []
    for i, (vals, t) in enumerate(zip(g.values, temps)):
        r = vals[bulk_name]
        se = g.result[f"{bulk_name}[{i}]"].stderr if f"{bulk_name}[{i}]" in g.result.values else None
        rows.append({"source": g.sources[i], "temperature_K": t, "R_b_ohm": r, "R_b_stderr_ohm": se,
                     "sigma_S_per_cm": k_cm / r, "sigma_stderr_S_per_cm": None if se is None else k_cm * se / r**2})
    two_step = arrhenius(temps, [c.sigma_S_per_cm for c in indep],
                         [c.sigma_stderr_S_per_cm for c in indep] if all(c.sigma_stderr_S_per_cm for c in indep) else None,
                         convention)
    if bulk_name in g.arrhenius:
        a = g.arrhenius[bulk_name]
        ea, ea_se, how = a["Ea_eV"], a["Ea_stderr_eV"], f"global fit with {bulk_name} Arrhenius-tied (σ convention)"
    else:
        errs = [r["sigma_stderr_S_per_cm"] for r in rows]
        fit_a = arrhenius(temps, [r["sigma_S_per_cm"] for r in rows], errs if all(errs) else None, convention)
        ea, ea_se, how = fit_a.Ea_eV, fit_a.Ea_stderr_eV, f"Arrhenius fit of σ from the global fit ({convention})"
    out = {**g.to_dict(), "bulk_element": bulk_name, **geom.to_dict(), "table": rows, "Ea_eV": ea,
           "Ea_stderr_eV": ea_se, "Ea_method": how,
           "two_step": {"Ea_eV": two_step.Ea_eV, "Ea_stderr_eV": two_step.Ea_stderr_eV, "convention": convention,
                        "method": "independent fits, then an Arrhenius fit of σ"}}
    if json_out:
        echo_json(out)
    else:
        typer.echo(f"global fit of {len(spectra)} spectra, {circuit}: χ² = {g.result.chi2:.4g}")
        for n, (v, e) in g.shared.items():
            typer.echo(f"  shared {n} = {v:.5g} ± {e if e is None else format(e, '.2g')}")
        for n, a in g.arrhenius.items():
            typer.echo(f"  {n} Arrhenius-tied: Ea = {a['Ea_eV']:.4f} ± {a['Ea_stderr_eV']:.2g} eV, R0 = {a['R0_ohm']:.4g} Ω")
        typer.echo(f"{'T [°C]':>8} {'R_b [Ω]':>12} {'σ [S/cm]':>11}")
        for r in rows:
            typer.echo(f"{r['temperature_K'] - 273.15:8.1f} {r['R_b_ohm']:12.5g} {r['sigma_S_per_cm']:11.4g}")
        se = "" if ea_se is None else f" ± {ea_se:.2g}"
        tse = "" if two_step.Ea_stderr_eV is None else f" ± {two_step.Ea_stderr_eV:.2g}"
        typer.echo(f"Ea = {ea:.4f}{se} eV ({how}); two-step: {two_step.Ea_eV:.4f}{tse} eV")
        typer.echo(verdict_line(g))
    exit_for(g)
