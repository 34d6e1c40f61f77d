"""Figures of a study report, drawn from stored results only, in the project's style
(:mod:`sselab.report.style`).

Each function takes analysis dicts as :meth:`sselab.store.Store.analyses` returns them and
returns a matplotlib Figure (or ``None`` when there is nothing to draw).  Model curves are
evaluated from the stored parameters on a dense grid (smooth lines, not polylines through
the measured points).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..units import K_B_EV
from . import style

_C0 = 273.15


def _temperature_label(r: dict[str, Any], with_file: bool = False) -> str:
    T = r["result"].get("temperature_K")
    label = f"{T - _C0:.0f} °C" if T else ""
    if with_file or not label:
        name = (r["measurements"][0]["path"].rsplit("/", 1)[-1] if r.get("measurements") else str(r.get("task_id")))
        label = f"{label}, {name}" if label else name
    return label


def _labels(rows: Sequence[dict[str, Any]]) -> list[str]:
    """Temperatures, with the file name where two spectra share one."""
    plain = [_temperature_label(r) for r in rows]
    return [_temperature_label(r, with_file=plain.count(p) > 1) for r, p in zip(rows, plain)]


def _model_curve(fit: dict[str, Any], f_lo: float, f_hi: float, n: int = 400):
    """(f, Z) of a stored circuit fit on a dense log grid, or ``(None, None)``."""
    try:
        from ..eis.circuit import Circuit

        circuit = Circuit(fit["circuit"])
        values = {k: v["value"] for k, v in fit["parameters"].items()}
        f = np.logspace(np.log10(f_lo), np.log10(f_hi), n)
        return f, circuit.impedance(f, values)
    except Exception:  # a stored fit the current circuit language cannot rebuild: data only
        return None, None


def _eis_rows(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = [r for r in rows if r["result"] and "curves" in r["result"]]
    return sorted(rows, key=lambda r: r["result"].get("temperature_K") or 0)


def _spectrum(r: dict[str, Any]):
    c = r["result"]["curves"]
    f = np.asarray(c.get("frequency_Hz") or [], float)
    z = np.asarray(c["Z_real_ohm"], float) + 1j * np.asarray(c["Z_imag_ohm"], float)
    fit = r["result"].get("fit") or {}
    ff, zf = (None, None)
    if f.size and fit.get("parameters"):
        ff, zf = _model_curve(fit, f.min(), f.max())
    return (f if f.size else None), z, ff, zf


def nyquist(rows: Sequence[dict[str, Any]], title: str) -> Any:
    """−Z'' vs Z' of several spectra, equal scales, decade markers, smooth fitted curves."""
    rows = _eis_rows(rows)
    if not rows:
        return None
    fig, ax = style.figure(4.6, 3.0)
    for k, (r, label) in enumerate(zip(rows, _labels(rows))):  # decades labelled on the coolest spectrum only
        f, z, ff, zf = _spectrum(r)
        style.nyquist_axes(ax, f, z, fit_z=zf, fit_frequency_Hz=ff, label=label, decade_labels=k == 0)
    ax.set_title(title)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, borderaxespad=0)
    return fig


def bode(rows: Sequence[dict[str, Any]], title: str) -> Any:
    """|Z| and −phase (linear axis) against frequency with the fitted curves."""
    rows = [r for r in _eis_rows(rows) if r["result"]["curves"].get("frequency_Hz")]
    if not rows:
        return None
    fig, (am, ap) = style.figure(3.6, 4.2, nrows=2, sharex=True)
    labels = _labels(rows)
    for r, label in zip(rows, labels):
        f, z, ff, zf = _spectrum(r)
        style.bode_axes(am, ap, f, z, fit_frequency_Hz=ff, fit_z=zf, label=label)
    am.set_title(title)
    longest = max(len(label) for label in labels)
    if longest > 12:  # temperatures with file names: beside the axes, the figure widened for it
        # (inside, six such labels covered the |Z| axis and its curves in the demo report)
        fig.set_size_inches(3.6 + 0.05 * longest + 0.2, 4.2)
        am.legend(frameon=False, fontsize=6.5, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)
    else:
        am.legend(frameon=False)
    return fig


def arrhenius_overlay(decs: Sequence[dict[str, Any]]) -> Any:
    """σ_ion(T) of every sample on one Arrhenius plot (the paper's overlay), each with its
    fitted line and Ea ± stderr; a °C axis on top."""
    decs = [d for d in decs if (d["result"] or {}).get("arrhenius")]
    if not decs:
        return None
    fig, ax = style.figure(3.6, 3.2)
    for d in style.sorted_naturally(decs, key=lambda d: d["sample"]):
        arr = d["result"]["arrhenius"]
        T = np.array([p["temperature_K"] for p in arr["data"]])
        s = np.array([p["sigma_S_per_cm"] for p in arr["data"]])
        err = np.array([p.get("sigma_stderr_S_per_cm") or 0.0 for p in arr["data"]])
        from ..numfmt import format_uncertain

        lab = f"{d['sample']}: Ea {format_uncertain(arr['Ea_eV'], arr.get('Ea_stderr_eV'), 'eV', style='pm')}"
        eb = ax.errorbar(1000 / T, s, yerr=err if err.any() else None, fmt="o", ms=3.5, capsize=2, label=lab)
        tt = np.linspace(T.min(), T.max(), 50)
        y = arr["prefactor"] * np.exp(-arr["Ea_eV"] / (K_B_EV * tt))
        ax.plot(1000 / tt, y / tt if arr["convention"] == "sigmaT" else y, "-", lw=1.0, color=eb[0].get_color())
    ax.set_yscale("log")
    lo, hi = ax.get_ylim()
    if hi / lo > 8:  # a decade or more: labels at 1, 2, 5 × 10ⁿ only (2×, 3×, 4×, 6× labels crowd)
        from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

        def sci(v: float, _: Any) -> str:
            e = int(np.floor(np.log10(v) + 1e-9))
            m = round(v / 10.0 ** e)
            return style.power_of_ten(e, m)

        if hi / lo < 300:
            ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
            ax.yaxis.set_major_formatter(FuncFormatter(sci))
        ax.yaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("1000/T / K⁻¹")
    ax.set_ylabel("σ_ion / S cm⁻¹")
    style.celsius_top_axis(ax)
    ax.legend(frameon=False, fontsize=7)
    return fig


def arrhenius(dec: dict[str, Any], sample: str) -> Any:
    """One sample's Arrhenius plot (kept for callers that draw one at a time)."""
    return arrhenius_overlay([{**dec, "sample": sample}])


def transients(rows: Sequence[dict[str, Any]], sample: str) -> Any:
    """Chronoamperometry curves of one sample."""
    rows = [r for r in rows if r["result"] and "curves" in r["result"]]
    if not rows:
        return None
    fig, ax = style.figure(3.6, 3.0)
    for r in sorted(rows, key=lambda r: r["result"].get("set_potential_V") or 0):
        c = r["result"]["curves"]
        t_ion = r["result"].get("t_ion")
        ax.semilogy(np.asarray(c["time_s"]) / 3600, np.abs(c["current_A"]),
                    label=f"{r['result'].get('set_potential_V') or 0:g} V" + (f", t_ion {t_ion:.3f}" if t_ion is not None else ""))
    ax.set_xlabel("t / h")
    ax.set_ylabel("|I| / A")
    ax.set_title(f"Chronoamperometry: {sample}")
    # beside the axes: inside, it covered the highest hold's curve in the demo report
    ax.legend(frameon=False, fontsize=6.5, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)
    return fig


def iv(el: dict[str, Any], sample: str) -> Any:
    """Steady-state current vs voltage with the Ohm's-law line."""
    r = el["result"]
    if not r or not r.get("points"):
        return None
    v = np.array([p["voltage_V"] for p in r["points"]])
    i = np.array([abs(p["Is_A"]) for p in r["points"]])
    fig, ax = style.figure(3.4, 3.0)
    ax.plot(v, i * 1e6, "o", label="I_ss")
    vv = np.linspace(0, v.max(), 20)
    ax.plot(vv, (r["intercept_A"] + vv / r["R_el_ohm"]) * 1e6, "-", label=f"σ_el = {r['sigma_el_S_per_cm']:.3g} S/cm")
    ax.set_xlabel("V / V")
    ax.set_ylabel("I_ss / µA")
    ax.set_title(f"I–V: {sample}")
    ax.legend(frameon=False)
    return fig


def cycling(row: dict[str, Any]) -> Any:
    """Plating/stripping: the whole trace, zoomed windows of the first and last cycles, and
    the overpotential of every cycle (a long test is otherwise a solid block of lines)."""
    res = row["result"] or {}
    c = res.get("curves")
    if not c:
        return None
    t = np.asarray(c["time_s"], float) / 3600
    v = np.asarray(c["voltage_V"], float)
    cycles = res.get("cycles") or []
    fig = None
    with style.styled():
        import matplotlib.pyplot as plt

        fig = plt.figure(figsize=(7.0, 4.6), constrained_layout=True)
        grid = fig.add_gridspec(2, 3)
        ax = fig.add_subplot(grid[0, :])
        ax.plot(t, v, lw=0.5)
        ax.set_xlabel("t / h")
        ax.set_ylabel("V / V")
        ax.set_title(f"Plating/stripping: {row['sample']}")
        span = t.max() - t.min()
        period = span / max(len(cycles), 1)
        for k, (a, b, name) in enumerate(((t.min(), t.min() + 3 * period, "first cycles"),
                                           (t.max() - 3 * period, t.max(), "last cycles"))):
            z = fig.add_subplot(grid[1, k])
            m = (t >= a) & (t <= b)
            z.plot(t[m], v[m], lw=0.8)
            z.set_xlabel("t / h")
            z.set_ylabel("V / V")
            z.set_title(name)
        op = fig.add_subplot(grid[1, 2])
        if cycles:
            n = [cy["cycle"] for cy in cycles]
            op.plot(n, [cy.get("plating_median_last_10pct_V") for cy in cycles], "o", ms=2.5, label="plating")
            op.plot(n, [cy.get("stripping_median_last_10pct_V") for cy in cycles], "s", ms=2.5, label="stripping")
            op.legend(frameon=False)
        op.set_xlabel("cycle")
        op.set_ylabel("overpotential / V")
        op.set_title("end of each half-cycle")
    return fig


_ION = {"Li": "⁺", "Na": "⁺", "K": "⁺", "Mg": "²⁺", "Ca": "²⁺", "Zn": "²⁺"}


def potential_label(cell_stack: str | None) -> str:
    """The potential axis of a voltammogram: against the last electrode of a two-electrode stack
    ("Mg|SE-polymer|Mg" → "E vs Mg/Mg²⁺ / V"), plain "E / V" when the stack is not stated (a
    reference electrode the data do not name is not assumed).

    >>> potential_label("Mg|SE-polymer|Mg"), potential_label("SS|SE|Li"), potential_label(None)
    ('E vs Mg/Mg²⁺ / V', 'E vs Li/Li⁺ / V', 'E / V')
    """
    parts = [p.strip() for p in (cell_stack or "").split("|") if p.strip()]
    if len(parts) < 2:
        return "E / V"
    ref = parts[-1]
    return f"E vs {ref}/{ref}{_ION[ref]} / V" if ref in _ION else f"E vs {ref} / V"


def voltammogram(row: dict[str, Any]) -> Any:
    """Current vs potential of a CV."""
    c = (row["result"] or {}).get("curves")
    if not c:
        return None
    fig, ax = style.figure(3.6, 3.0)
    ax.plot(c["potential_V"], np.asarray(c["current_A"]) * 1e6, lw=0.8)
    ax.set_xlabel(potential_label((row.get("measurements") or [{}])[0].get("cell_stack")))
    ax.set_ylabel("I / µA")
    ax.set_title(f"CV: {row['sample']}")
    return fig


def xrd(row: dict[str, Any]) -> Any:
    """Rietveld plot: observed (points), calculated (line), difference (below), reflection ticks."""
    res = row["result"] or {}
    c = res.get("curves")
    if not c:
        return None
    from ..xrd.plots import draw_refinement

    fig, ax = style.figure(6.5, 3.6)
    draw_refinement(ax, c["two_theta_deg"], c["observed"], c["calculated"], res.get("ticks_deg") or {})
    ax.set_xlabel("2θ / ° (Cu Kα)")
    ax.set_ylabel("intensity / counts")
    ax.set_yticks([])
    ax.set_title(f"Rietveld: {row['sample']} (Rwp {res.get('Rwp', float('nan')):.2f} %, χ² {res.get('chi2', float('nan')):.2f})")
    ax.legend(fontsize=7, markerscale=3, frameon=False)
    return fig


def xps_profile(row: dict[str, Any]) -> Any:
    """XPS depth profile: atomic % of each core level and of each component vs sputter time."""
    res = row["result"] or {}
    elements = res.get("element_atomic_percent")
    if not elements:
        return None
    t = np.asarray(res["sputter_time_s"], float) / 60.0
    fig, (a1, a2) = style.figure(8.6, 3.2, ncols=2)
    for label, v in elements.items():
        a1.plot(t, v, "o-", ms=4, label=label)
    for label, v in (res.get("component_atomic_percent") or {}).items():
        a2.plot(t, v, ".-", label=label.replace(":", ": "))
    rate = res.get("rate_nm_per_min")
    for ax, title in ((a1, "core levels"), (a2, "components")):
        ax.set_xlabel("Ar⁺ sputter time / min" + (f" (× {rate:g} nm/min = depth)" if rate else ""))
        ax.set_ylabel("atomic %")
        ax.set_title(f"XPS depth profile, {row['sample']}: {title}")
    # beside the axes: inside, the legends covered the curves that cross the top of the plot
    a1.legend(frameon=False, fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    a2.legend(fontsize=6, frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return fig


def component_curves(res: dict[str, Any], region: str, energy: np.ndarray, background: np.ndarray,
                     step: int = 0) -> list[tuple[str, np.ndarray]]:
    """Each stored component of ``region`` at sputter ``step``, drawn above the background
    (the report and the workbench draw XPS components through this)."""
    fits = (res.get("fits") or {}).get(region) or []
    if len(fits) <= step:
        return []
    from ..study.settings import parse_shape
    from ..xps.lineshapes import peak

    out = []
    for comp in fits[step].get("components", []):
        try:
            name, params = parse_shape(comp["shape"])
            y = peak(energy, name, comp["position_eV"], comp["fwhm_eV"], comp["area"], **params)
        except (KeyError, ValueError, TypeError):
            continue
        out.append((comp["name"], background + y))
    return out


def xps_spectra(row: dict[str, Any]) -> Any:
    """The surface step's fitted regions as CasaXPS shows them: counts, components above the
    background, envelope, background, and the residual below each region."""
    res = row["result"] or {}
    spectra = res.get("surface_spectra") or []
    if not spectra:
        return None
    ncol = min(2, len(spectra))
    nrow = -(-len(spectra) // ncol)
    with style.styled():
        import matplotlib.pyplot as plt

        fig = plt.figure(figsize=(3.5 * ncol, 3.1 * nrow), constrained_layout=True)
        outer = fig.add_gridspec(nrow, ncol)
        for k, s in enumerate(spectra):
            inner = outer[k // ncol, k % ncol].subgridspec(2, 1, height_ratios=[4, 1], hspace=0.0)
            ax = fig.add_subplot(inner[0])
            rx = fig.add_subplot(inner[1], sharex=ax)
            e = np.asarray(s["binding_energy_eV"], float)
            y = np.asarray(s["counts"], float)
            bg = np.asarray(s["background"], float)
            env = np.asarray(s["envelope"], float)
            ax.plot(e, y, ".", ms=2, color="k", label="data")
            for name, yc in component_curves(res, s["region"], e, bg):
                ax.fill_between(e, bg, yc, alpha=0.25, lw=0.6, label=name)
            ax.plot(e, env, "-", lw=0.9, color="tab:red", label="envelope")
            ax.plot(e, bg, "--", lw=0.7, color="0.4", label="background")
            rx.plot(e, y - env, "-", lw=0.6, color="k")
            rx.axhline(0, lw=0.5, color="0.5")
            ax.invert_xaxis() if not ax.xaxis_inverted() else None
            ax.tick_params(labelbottom=False)
            ax.set_ylabel("counts")
            rx.set_ylabel("resid.")
            rx.set_xlabel("binding energy / eV")
            ax.set_title(f"{s['region']}, {(s.get('sputter_time_s') or 0) / 60:g} min")
            n_entries = len(ax.get_legend_handles_labels()[1])
            lo, hi = float(np.nanmin(y)), float(np.nanmax(y))
            rows = -(-n_entries // 3)
            ax.set_ylim(lo - 0.04 * (hi - lo), hi + (0.12 + 0.11 * rows) * (hi - lo))  # headroom for the legend
            ax.legend(fontsize=5.5, frameon=False, ncol=3, loc="upper center", handlelength=1.2, columnspacing=0.8)
    return fig
