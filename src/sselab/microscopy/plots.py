"""Figures: particle outlines over the image with the size histogram; layer profile."""

from __future__ import annotations

import numpy as np


def plot_particles(img, result, path=None):
    """Overlay (kept particles yellow, border-cut ones red) and histogram with the log-normal fit.

    Returns the matplotlib figure; writes a PNG when ``path`` is given.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from skimage.segmentation import find_boundaries

    lo, hi = np.percentile(img.data, [0.5, 99.5])  # contrast stretch: bright edges must not darken the rest
    a = np.clip((img.data - lo) / ((hi - lo) or 1), 0, 1)
    rgb = np.dstack([a, a, a])
    rgb[find_boundaries(result.labels, mode="inner")] = (1.0, 0.85, 0.0)
    rgb[find_boundaries(result.edge_labels, mode="inner")] = (1.0, 0.1, 0.1)
    fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(13, 5), gridspec_kw={"width_ratios": [1.6, 1]})
    ax0.imshow(rgb, interpolation="nearest")
    ax0.set_title(f"{result.n_particles} particles (yellow), {result.n_edge_excluded} at the border excluded (red)",
                  fontsize=9)
    ax0.axis("off")
    d, u = result.diameters_um, ("µm" if result.unit == "um" else "px")
    if d.size >= 2:
        bins = np.logspace(np.log10(d.min() * 0.9), np.log10(d.max() * 1.1), 25)
        ax1.hist(d, bins=bins, color="0.6", edgecolor="0.3")
        ln = result.lognormal
        x = np.logspace(np.log10(bins[0]), np.log10(bins[-1]), 200)
        s = np.log(ln["sigma_g"])
        pdf = np.exp(-(np.log(x / ln["median"])) ** 2 / (2 * s * s)) / (x * s * np.sqrt(2 * np.pi))
        ax1.plot(x, pdf * d.size * np.diff(np.log(bins)).mean() * x, "C3",
                 label=f"log-normal: median {ln['median']:.3g} {u}, σg {ln['sigma_g']:.2f}")
        for k, (v, _) in result.percentiles.items():
            ax1.axvline(v, ls=":", c="k")
            ax1.text(v, ax1.get_ylim()[1] * 0.95, k, ha="center", fontsize=8)
        ax1.set_xscale("log")
        ax1.legend(fontsize=8)
    ax1.set_xlabel(f"equivalent diameter [{u}]")
    ax1.set_ylabel("count")
    ax1.set_title(f"status: {result.verdict.status}", fontsize=9)
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=110)
    return fig


def plot_layers(img, result, path=None):
    """The cross-section with the boundaries found, and the row profile."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(11, 5), gridspec_kw={"width_ratios": [1.4, 1]})
    ax0.imshow(img.data, cmap="gray", aspect="auto")
    for b in result.boundaries_px:
        ax0.axhline(b, c="C1", lw=1)
    ax0.set_title(f"{len(result.thicknesses)} layers, status: {result.verdict.status}", fontsize=9)
    ax1.plot(result.profile, np.arange(result.profile.size), "k", lw=1)
    for b in result.boundaries_px:
        ax1.axhline(b, c="C1", lw=1)
    ax1.invert_yaxis()
    ax1.set_xlabel("mean grey level")
    ax1.set_ylabel("row [px]")
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=110)
    return fig
