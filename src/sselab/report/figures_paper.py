"""Figures of the paper's measurements drawn from a study's stored results (no refitting).

:func:`paper_figures` writes one PNG per figure of the paper the study holds — stack comparison
(Fig. 3b), EIS vs annealing temperature (Fig. 4d), Williamson–Hall plots (Fig. S4), hot-pressed eBE-stack and composite Arrhenius plots
(Fig. S9, 6g), composite GCD (Fig. 6i), ageing (Fig. S11), CCD — and returns
``[(title, path, caption)]`` for :func:`sselab.report.sections_paper.write_paper_page`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ..units import K_B_EV
from . import style


def _find(analyses: Sequence[dict[str, Any]], method: str, sample: str | None = None) -> list[dict[str, Any]]:
    return [a["result"] for a in analyses if a.get("method") == method and a.get("result")
            and (sample is None or a.get("sample") == sample)]


def stacks_figure(res: dict[str, Any]) -> Any:
    """Nyquist plots of the ion-blocking and reversible stacks (log axes: R_el spans decades)."""
    curves = res.get("curves") or {}
    if not curves:
        return None
    fig, axes = style.figure(7.0, 3.0, ncols=2)
    for ax, key in zip(np.atleast_1d(axes), ("blocking", "reversible")):
        c = curves.get(key)
        if not c:
            ax.set_visible(False)
            continue
        ax.plot(c["z_real_ohm"], c["minus_z_imag_ohm"], "o", ms=2.5)
        if key == "blocking":
            ax.set_xscale("log")
            ax.set_yscale("log")
        ax.set_xlabel("Z′ / Ω")
        ax.set_ylabel("−Z″ / Ω")
        ax.set_title({"blocking": "Au|SE|Au (ion-blocking)", "reversible": "Mg|SE|Mg (reversible)"}[key], fontsize=8)
    fig.suptitle(f"Stack comparison: {res.get('conductor')} conductor, t_el = {res.get('t_el') or float('nan'):.2g}", fontsize=9)
    return fig


def annealing_figure(items: Sequence[tuple[str, dict[str, Any]]]) -> Any:
    """Ion-blocking spectra of samples annealed at different temperatures (log axes) with their σ_el."""
    items = [(n, r) for n, r in items if (r.get("curves") or {}).get("blocking")]
    if len(items) < 2:
        return None
    fig, ax = style.figure(4.4, 3.2)
    for k, (name, r) in enumerate(items):
        c = r["curves"]["blocking"]
        ax.loglog(c["z_real_ohm"], c["minus_z_imag_ohm"], "o", ms=2, color=f"C{k}",
                  label=f"{name}: σ_el {r.get('sigma_el_S_per_cm') or float('nan'):.2g} S/cm")
    ax.set_xlabel("Z′ / Ω")
    ax.set_ylabel("−Z″ / Ω")
    ax.set_title("Au|SE|Au at 100 °C vs annealing temperature", fontsize=9)
    ax.legend(frameon=False, fontsize=6)
    return fig


def wh_figure(whs: Sequence[tuple[str, dict[str, Any]]]) -> Any:
    """β·cosθ against 4·sinθ per sample with the fitted line (Williamson–Hall)."""
    whs = [(s, w) for s, w in whs if w.get("peaks") and w.get("crystallite_size_nm")]
    if not whs:
        return None
    fig, ax = style.figure(4.2, 3.2)
    for k, (sample, w) in enumerate(whs):
        th = np.radians([p["two_theta_deg"] for p in w["peaks"]]) / 2
        y = np.radians([p["beta_deg"] for p in w["peaks"]]) * np.cos(th)
        x = 4 * np.sin(th)
        xx = np.linspace(0, x.max() * 1.05, 20)
        line = w["K"] * w["wavelength_A"] / (10 * w["crystallite_size_nm"]) + w["microstrain"] * xx
        ax.plot(x, y * 1e3, "o", ms=3, color=f"C{k}", label=f"{sample}: D {w['crystallite_size_nm']:.1f} nm, "
                f"ε {w['microstrain']:.2e}")
        ax.plot(xx, line * 1e3, "-", lw=0.8, color=f"C{k}")
    ax.set_xlabel("4 sinθ")
    ax.set_ylabel("β cosθ / mrad")
    ax.legend(frameon=False, fontsize=6)
    ax.set_title("Williamson–Hall", fontsize=9)
    return fig


def arrhenius_figure(items: Sequence[tuple[str, Sequence[float], Sequence[float], float | None]]) -> Any:
    """log σ against 1000/T with the fitted line, per (label, T [K], σ [S/cm], Ea [eV])."""
    items = [i for i in items if len(i[1]) >= 2]
    if not items:
        return None
    fig, ax = style.figure(4.2, 3.2)
    for k, (label, T, sig, ea) in enumerate(items):
        T, sig = np.asarray(T, float), np.asarray(sig, float)
        ax.semilogy(1000 / T, sig, "o", ms=3, color=f"C{k}", label=label + (f", Ea {ea:.3f} eV" if ea else ""))
        if ea:
            tt = np.linspace(T.min(), T.max(), 20)
            ref = np.exp(np.mean(np.log(sig) + ea / (K_B_EV * T)))
            ax.semilogy(1000 / tt, ref * np.exp(-ea / (K_B_EV * tt)), "-", lw=0.8, color=f"C{k}")
    ax.set_xlabel("1000 / T  (K⁻¹)")
    ax.set_ylabel("σ / S cm⁻¹")
    ax.legend(frameon=False, fontsize=6)
    return fig


def trace_figure(res: dict[str, Any], title: str) -> Any:
    """Voltage against time of a cycling or CCD record (from the stored curves)."""
    c = res.get("curves") or {}
    if not c.get("time_s"):
        return None
    fig, ax = style.figure(5.0, 2.6)
    ax.plot(np.asarray(c["time_s"]) / 3600, c["voltage_V"], lw=0.5)
    ax.set_xlabel("t / h")
    ax.set_ylabel("E / V")
    ax.set_title(title, fontsize=9)
    return fig


def ageing_figure(res: dict[str, Any]) -> Any:
    """The followed interfacial resistance against time with its trend line."""
    t, r = np.asarray(res.get("time_h") or [], float), np.asarray(res.get("R_ohm") or [], float)
    if t.size < 2:
        return None
    e = np.asarray(res.get("R_err_ohm") or [np.nan] * t.size, float)
    fig, ax = style.figure(4.2, 3.0)
    ax.errorbar(t / 24, r, yerr=np.where(np.isfinite(e), e, 0), fmt="o", ms=3)
    ax.plot(t / 24, res["R0_ohm"] + res["slope_ohm_per_h"] * (t - t.min()), "-", lw=0.8)
    ax.set_xlabel("t / day")
    ax.set_ylabel(f"{res.get('parameter', 'R')} / Ω")
    ax.set_title(f"Ageing: {res.get('verdict')} ({res.get('slope_ohm_per_day', 0):.3g} Ω/day)", fontsize=9)
    return fig


#: formats of the paper page's figures: SVG (the default, as the report's) or PNG on request
FORMATS = ("svg", "png")


def check_format(fmt: str) -> str:
    """``fmt`` lower-cased when it is one of :data:`FORMATS`; else :class:`~sselab.exceptions.SselabError`."""
    from ..exceptions import SselabError

    if str(fmt).lower() not in FORMATS:
        raise SselabError(f"unknown figure format {fmt!r} for the paper page; use one of {', '.join(FORMATS)}")
    return str(fmt).lower()


def _save(fig: Any, out: Path, pool: Any = None) -> str:
    """Save ``fig`` by ``out``'s extension (a PNG at 100 dpi: screen figures of the demo page), by
    ``pool`` (a :class:`sselab.report.figpool.FigurePool`: rendered by its workers, the file written
    when the pool is waited for) or here."""
    from .figpool import FigurePool

    (pool or FigurePool(1)).render(fig, [out], dpi=100)
    return str(out)


def paper_figures(analyses: Sequence[dict[str, Any]], out_dir: str | Path, pool: Any = None,
                  fmt: str = "svg") -> list[tuple[str, str, str]]:
    """Write the figures the study's results allow, as ``fmt`` (:data:`FORMATS`: SVG, or PNG on
    request); return ``[(title, path, caption)]``.  ``pool``: a
    :class:`sselab.report.figpool.FigurePool` that renders them (the files exist once the pool has
    been waited for)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    ext = check_format(fmt)
    made: list[tuple[str, str, str]] = []

    def add(fig: Any, name: str, title: str, caption: str) -> None:
        if fig is not None:
            made.append((title, _save(fig, out / f"{Path(name).stem}.{ext}", pool), caption))

    # Fig. 3b is as-BM's; without it, the first sample in natural order (never the store's
    # order, which with --jobs N is the order the tasks finished in)
    for res in (_find(analyses, "stacks", "as-BM") or _find(style.sorted_naturally(
            analyses, key=lambda a: a.get("sample") or ""), "stacks"))[:1]:
        add(stacks_figure(res), "paper_stacks.png", "Fig. 3b — cell-stack comparison",
            "; ".join(res.get("evidence") or []))
    annealed = [(a.get("sample"), a["result"]) for a in analyses if a.get("method") == "stacks" and a.get("result")]
    add(annealing_figure(sorted(annealed, key=lambda x: (x[0] != "as-BM", str(x[0])))), "paper_annealing.png",
        "Fig. 4d — EIS against the annealing temperature", "the electronic leak R_el of the ion-blocking spectrum grows "
        "with the annealing temperature")
    whs = [(a.get("sample"), (a.get("result") or {}).get("williamson_hall") or {}) for a in analyses
           if a.get("method") == "xrd_refine"]
    add(wh_figure(whs), "paper_williamson_hall.png", "Fig. S4 — Williamson–Hall plots",
        "β cosθ = Kλ/D + ε·4 sinθ of the main phase's isolated reflections (the paper's D and ε)")
    items = []
    for sample in ("as-BM", "as-BM-HP"):
        for dec in _find(analyses, "deconvolution", sample)[:1]:
            rows = [r for r in dec.get("table") or [] if r.get("sigma_ion_S_per_cm")]
            items.append((f"{sample} (eBE stack)", [r["temperature_K"] for r in rows],
                          [r["sigma_ion_S_per_cm"] for r in rows], dec.get("Ea_eV")))
    for ser in _find(analyses, "eis_series"):
        rows = [r for r in ser.get("table") or [] if r.get("sigma_S_per_cm")]
        items.append(("SE-polymer (SS|SE-polymer|SS)", [r["temperature_K"] for r in rows],
                      [r["sigma_S_per_cm"] for r in rows], ser.get("Ea_eV")))
    add(arrhenius_figure(items), "paper_arrhenius.png", "Fig. S9 / 6g — Arrhenius plots",
        "cold- vs hot-pressed as-BM between eBE layers and the SE–polymer composite")
    for res in _find(analyses, "cycling", "SE-polymer")[:1]:
        add(trace_figure(res, "Mg|SE-polymer|Mg, 2 µA/cm², 60 °C"), "paper_composite_gcd.png", "Fig. 6i — composite GCD",
            f"{res.get('n_cycles')} cycles, overpotential growth {1e3 * (res.get('polarisation_growth_V_per_cycle') or 0):.3g} mV/cycle")
    for res in _find(analyses, "ageing")[:1]:
        add(ageing_figure(res), "paper_ageing.png", "Fig. S11 — ageing of Mg|SE-polymer|Mg", res.get("criterion", ""))
    for res in _find(analyses, "ccd")[:1]:
        add(trace_figure(res, f"CCD test: CCD {1e3 * (res.get('ccd_mA_per_cm2') or 0):.3g} µA/cm²"), "paper_ccd.png",
            "Critical current density (stepped current)", f"steps {res.get('steps_mA_per_cm2')} mA/cm²; short in "
            f"half-cycle {res.get('short_half_cycle')}")
    return made
