"""Figures of the CLI analyses that had none: circuit suggestions, σ_ion deconvolution,
quantification bars (XPS, EDS), CasaXPS stored-vs-refit, XRD simulation and identification,
EDS line identification, SEM porosity, the Bruce–Vincent hold.

Every function returns a matplotlib figure in the project's style (:mod:`.style`); the
caller saves it with :func:`.style.save`.  Where the report already draws the same thing
(Rietveld curves, the EDS spectrum, a DC hold) the report's function is reused.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from . import style


def suggest_figure(spectrum: Any, result: Any, n: int = 3) -> Any:
    """Nyquist plot of the (first) spectrum with the model curves of the ``n`` best candidate
    circuits on a dense frequency grid, labelled with the circuit and its BIC."""
    from ..eis.circuit import Circuit

    fig, ax = style.figure(4.8, 3.4)
    f = np.asarray(spectrum.frequency_Hz, float)
    style.nyquist_axes(ax, f, spectrum.impedance_ohm, label="data")
    ff = np.logspace(np.log10(f.min()), np.log10(f.max()), 400)
    for k, c in enumerate(result.candidates[:n]):
        if not c.fits:
            continue
        fit = c.fits[0]
        z = Circuit(fit.circuit).impedance(ff, {p.name: p.value for p in fit.result.parameters})
        ls = "-" if c.plausible else ":"
        ax.plot(z.real, -z.imag, ls, lw=1.0, color=f"C{k + 1}",
                label=f"{k + 1}. {c.circuit} (BIC {c.bic:.1f})" + ("" if c.plausible else ", rejected"))
    style.equal_scales(ax)
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(4))  # a tall equal-aspect plot is narrow: few x labels
    ax.ticklabel_format(style="sci", scilimits=(-3, 4))
    ax.legend(frameon=False, fontsize=6.5, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return fig


def deconvolve_figure(res: Any) -> Any:
    """Per temperature, the stack's bulk resistance split into the eBE layers (grey) and the
    SE's ionic part (colour), with the stack's error bar; σ_ion written above each bar."""
    rows = list(res.rows)
    fig, ax = style.figure(max(3.2, 0.7 * len(rows) + 1.8), 3.0)
    x = np.arange(len(rows))
    labels = [f"{r.temperature_K - 273.15:.0f} °C" if r.temperature_K else f"#{k + 1}" for k, r in enumerate(rows)]
    r_e = np.array([r.R_eBE_total_ohm for r in rows], float)
    r_se = np.array([r.R_SE_ion_ohm for r in rows], float)
    err = np.array([r.R_stack_stderr_ohm or 0.0 for r in rows], float)
    ax.bar(x, r_e, color="0.7", label="R_eBE (all layers)")
    ax.bar(x, r_se, bottom=r_e, yerr=err if err.any() else None, capsize=2, color="C0", label="R_SE,ion")
    for k, r in enumerate(rows):
        if r.sigma_ion_S_per_cm is not None and np.isfinite(r.sigma_ion_S_per_cm):
            ax.text(x[k], r_e[k] + r_se[k], f"{r.sigma_ion_S_per_cm:.2e}\nS/cm", ha="center", va="bottom", fontsize=6)
    ax.set_xticks(x, labels)
    ax.set_yscale("log" if np.nanmax(r_e + r_se) / max(np.nanmin(r_e + r_se), 1e-300) > 30 else "linear")
    ax.set_ylabel("R / Ω")
    ax.margins(y=0.2)
    ax.legend(frameon=False)
    return fig


def composition_bars(values: Sequence[tuple[str, float, float | None]], title: str = "", unit: str = "at.%") -> Any:
    """One bar per element/region with its standard error: ``values`` = [(label, value, stderr)]."""
    fig, ax = style.figure(max(2.8, 0.55 * len(values) + 1.4), 2.8)
    x = np.arange(len(values))
    v = np.array([float(t[1]) for t in values])
    e = np.array([float(t[2]) if t[2] is not None and np.isfinite(t[2]) else 0.0 for t in values])
    ax.bar(x, v, yerr=e if e.any() else None, capsize=2, color="C0")
    for k, val in enumerate(v):
        ax.text(x[k], val + e[k], f"{val:.1f}", ha="center", va="bottom", fontsize=7)
    ax.set_xticks(x, [t[0] for t in values])
    ax.set_ylabel(f"composition / {unit}")
    ax.set_ylim(0, max(float((v + e).max()) * 1.18, 1.0) if v.size else 1.0)
    if title:
        ax.set_title(title, fontsize=8)
    return fig


def casa_figure(report: dict[str, Any]) -> Any:
    """Per CasaXPS region, each component's share of the region's area: stored by CasaXPS
    (grey) beside sselab's refit (colour, when refitted)."""
    regions = [r for r in report.get("regions", []) if r.get("components")]
    fig, axes = style.figure(max(3.0, 2.6 * len(regions)), 2.8, ncols=max(1, len(regions)), squeeze=False)
    for ax, r in zip(axes[0], regions):
        comps = r["components"]
        stored = np.array([c["stored"]["area"] or 0.0 for c in comps], float)
        x = np.arange(len(comps))
        refit = all(c.get("area") is not None for c in comps)
        w = 0.38 if refit else 0.7
        ax.bar(x - (w / 2 if refit else 0), 100 * stored / stored.sum() if stored.sum() else stored, w,
               color="0.65", label="CasaXPS")
        if refit:
            a = np.array([c["area"] for c in comps], float)
            ax.bar(x + w / 2, 100 * a / a.sum() if a.sum() else a, w, color="C0", label="sselab refit")
        ax.set_xticks(x, [f"{c['name']}\n{c['stored']['position_eV']:.1f} eV" for c in comps], fontsize=6.5)
        ax.set_title(r["name"], fontsize=8)
        ax.set_ylabel("share of region area / %")
        ax.legend(frameon=False, fontsize=6.5)
    return fig


def pattern_figure(two_theta_deg: Any, intensity: Any, ticks: dict[str, Any] | None = None, title: str = "") -> Any:
    """A powder pattern (intensity against 2θ) with one row of reflection ticks per phase."""
    fig, ax = style.figure(6.0, 3.0)
    x, y = np.asarray(two_theta_deg, float), np.asarray(intensity, float)
    ax.plot(x, y, "-", lw=0.8, color="k", label="simulated")
    span = float(y.max() - y.min()) or 1.0
    for i, (label, pos) in enumerate((ticks or {}).items()):
        pos = np.asarray(pos, float)
        pos = pos[(pos >= x.min()) & (pos <= x.max())]
        ax.plot(pos, np.full(pos.size, y.min() - 0.04 * span * (i + 1)), "|", ms=8, color=f"C{i}", label=label)
    ax.set_xlabel("2θ / °")
    ax.set_ylabel("intensity / counts")
    ax.set_xlim(x.min(), x.max())
    if title:
        ax.set_title(title, fontsize=8)
    ax.legend(frameon=False, fontsize=7)
    return fig


def identify_figure(res: Any) -> Any:
    """The refinement behind a phase identification (the report's Rietveld figure), with the
    peaks no candidate explains marked by red triangles."""
    from .figures import xrd

    ref = res.refinement
    ticks = {f"{ph.name} ({100 * ph.weight_fraction:.1f} wt%)": t for ph, t in zip(ref.phases, ref.ticks)}
    fig = xrd({"sample": "identification", "result": {
        "curves": {"two_theta_deg": ref.two_theta_deg, "observed": ref.y_obs, "calculated": ref.y_calc},
        "ticks_deg": ticks, "Rwp": res.Rwp, "chi2": ref.chi2}})
    ax = fig.axes[0]
    ax.set_title(f"phases: {', '.join(res.present) or 'none'} (Rwp {res.Rwp:.2f} %)")
    x, y = np.asarray(ref.two_theta_deg, float), np.asarray(ref.y_obs, float)
    for k, p in enumerate(res.unexplained_peaks_deg):
        ax.plot([p], [float(np.interp(p, x, y))], "v", color="tab:red", ms=5,
                label="unexplained peak" if k == 0 else None)
    if res.unexplained_peaks_deg:
        ax.legend(fontsize=7, markerscale=1.5, frameon=False)
    return fig


def eds_identify_figure(energy_keV: Any, counts: Any, identified: list[dict[str, Any]], beam_keV: float | None) -> Any:
    """The EDS spectrum with the identified lines labelled (the report's figure)."""
    from .microscopy import eds_spectrum

    return eds_spectrum({"result": {"curves": {"energy_keV": list(np.asarray(energy_keV, float)),
                                               "counts": list(np.asarray(counts, float))},
                                    "identified": identified, "beam_energy_keV": beam_keV}})


def porosity_figure(data: Any, pores: Any, result: dict[str, Any], pixel_size_um: float | None = None) -> Any:
    """The micrograph with the pores found tinted red, and the pore fraction in the title."""
    img = np.asarray(data, float)
    fig, ax = style.figure(3.4, 3.4 * img.shape[0] / img.shape[1] + 0.4)
    extent = None
    if pixel_size_um:
        extent = (0, img.shape[1] * pixel_size_um, img.shape[0] * pixel_size_um, 0)
    lo, hi = np.percentile(img, [0.5, 99.5])
    grey = np.clip((img - lo) / (hi - lo if hi > lo else 1.0), 0, 1)
    rgb = np.repeat(grey[..., None], 3, axis=2)
    m = np.asarray(pores, bool)
    rgb[m] = 0.55 * rgb[m] + 0.45 * np.array([1.0, 0.1, 0.1])  # pores tinted red, texture kept
    # one layer; "none": an SVG/PDF embeds the micrograph's own pixels (not resampled to the raster dpi)
    ax.imshow(rgb, extent=extent, interpolation="none")
    unit = "µm" if pixel_size_um else "px"
    ax.set_xlabel(f"x / {unit}")
    ax.set_ylabel(f"y / {unit}")
    ax.set_title(f"pores {100 * result['pore_area_fraction']:.1f} % of the area; "
                 f"compactness {100 * result['compactness']:.1f} %", fontsize=8)
    return fig


def bruce_vincent_figure(transient: Any, res: Any) -> Any:
    """The hold of a Bruce–Vincent test: |I|(t) with I0 and Is, t+ in the title."""
    fig, ax = style.figure(3.8, 3.0)
    t = np.asarray(transient.time_s, float)
    ax.semilogy(t / 3600, np.abs(transient.current_A), lw=0.9, label="|I|")
    ax.axhline(abs(res.I0_A), color="tab:red", lw=0.8, ls="--", label="I0")
    ax.axhline(abs(res.Is_A), color="tab:green", lw=0.8, ls="--", label="Is")
    ax.set_xlabel("t / h")
    ax.set_ylabel("|I| / A")
    from ..numfmt import format_uncertain

    ax.set_title(f"t+ = {format_uncertain(res.t_plus, res.t_plus_stderr, style='pm')} (Bruce–Vincent)")
    ax.legend(frameon=False)
    return fig
