"""Figure of a region fit in CasaXPS's layout: data, background, components, envelope, residual below."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .lineshapes import peak


def plot_fit(fit, path: str | Path | None = None):
    """Draw ``fit`` (a :class:`~sselab.xps.fit.RegionFit`); save to ``path`` when given. Returns the figure.

    Binding energy increases to the left, as in CasaXPS; the residual panel shows
    (data − envelope)/√max(data, 1).
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    e, y, bg, env = fit.energy_eV, fit.data, fit.background_curve, fit.envelope
    fig, (ax, axr) = plt.subplots(2, 1, sharex=True, figsize=(6, 4.8), gridspec_kw={"height_ratios": [4, 1]})
    ax.plot(e, y, ".", ms=3, color="k", label="data")
    ax.plot(e, bg, "-", color="0.5", lw=1, label=f"{fit.background} background")
    for c in fit.components:
        comp = peak(e, c.shape, c.position_eV, c.fwhm_eV, c.area, **c.shape_params)
        ax.fill_between(e, bg, bg + comp, alpha=0.35, label=c.name)
    ax.plot(e, env, "-", color="r", lw=1.2, label="envelope")
    ax.set_ylabel("intensity")
    ax.set_title(f"{fit.region}: χ²_red = {fit.reduced_chi2:.3g} ({fit.verdict.status})")
    ax.legend(fontsize=7)
    axr.plot(e, (y - env) / np.sqrt(np.clip(y, 1, None)), "-", color="k", lw=0.8)
    axr.axhline(0, color="0.5", lw=0.5)
    axr.set_ylabel("resid./σ")
    axr.set_xlabel("binding energy [eV]")
    ax.set_xlim(float(np.max(e)), float(np.min(e)))
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=120)
        plt.close(fig)
    return fig


def plot_survey(energy, counts, report: dict, path: str | Path | None = None):
    """A survey with its peaks and the identified elements' lines marked (BE decreasing to the
    right, as in CasaXPS); possible elements are listed in the title. Returns the figure."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    e, y = np.asarray(energy, float), np.asarray(counts, float)
    fig, ax = plt.subplots(figsize=(8, 4))
    ax.plot(e, y, "-", color="k", lw=0.8)
    top = float(np.max(y))
    for el in report["elements"]:
        if el["status"] != "identified":
            continue
        marks = [(el["main_line"], el["main_position_eV"])] + [
            (c["line"], c["found_eV"]) for c in el["checks"] if c["consistent"] and c["found_eV"] is not None]
        for name, pos in marks:
            ax.axvline(pos, color="tab:red", lw=0.5, alpha=0.6)
            ax.text(pos, top * 1.02, f"{el['element']} {name}", rotation=90, fontsize=6, ha="center", va="bottom")
    ax.set_xlim(float(np.max(e)), float(np.min(e)))
    ax.set_ylim(0, top * 1.25)
    ax.set_xlabel("binding energy [eV]")
    ax.set_ylabel("intensity")
    poss = ", ".join(report["possible"][:12])
    ax.set_title(f"identified: {', '.join(report['identified']) or 'none'}" + (f"; possible: {poss}" if poss else ""),
                 fontsize=8)
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=120)
        plt.close(fig)
    return fig
