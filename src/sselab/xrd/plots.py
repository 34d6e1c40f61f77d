"""Rietveld and Williamson–Hall plots (matplotlib; PNG/SVG by the file suffix).

Examples
--------
>>> callable(plot_refinement)
True
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping, Sequence

import numpy as np

from .rietveld import RietveldResult
from .williamson_hall import WilliamsonHall


def draw_refinement(ax, two_theta_deg, observed, calculated, ticks: Mapping[str, Sequence[float]]) -> None:
    """Draw a Rietveld plot on ``ax``: observed (dots), calculated (line), the difference
    below, and one row of reflection tick marks per entry of ``ticks`` {label: 2θ [deg]}.
    Shared by :func:`plot_refinement` and the study report, which has only stored curves."""
    x, yo, yc = (np.asarray(a, float) for a in (two_theta_deg, observed, calculated))
    ax.plot(x, yo, ".", ms=2, color="k", label="observed")
    ax.plot(x, yc, "-", lw=1, color="tab:red", label="calculated")
    span = yo.max() - yo.min()
    off = yo.min() - 0.15 * span
    ax.plot(x, yo - yc + off, "-", lw=0.8, color="tab:blue", label="difference")
    for i, (label, pos) in enumerate(ticks.items()):
        pos = np.asarray(pos, float)
        ax.plot(pos, np.full(pos.size, yo.min() - 0.03 * span * (i + 1)), "|", ms=8, label=label)


def plot_refinement(result: RietveldResult, path: str | Path) -> Path:
    """Observed (dots), calculated, difference and one row of tick marks per phase."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(9, 5))
    draw_refinement(ax, result.two_theta_deg, result.y_obs, result.y_calc,
                    {f"{ph.name} ({100 * ph.weight_fraction:.1f} wt%)": t for ph, t in zip(result.phases, result.ticks)})
    ax.set_xlabel("2θ (deg)")
    ax.set_ylabel("intensity (counts)")
    ax.set_title(f"Rp {result.Rp:.2f}  Rwp {result.Rwp:.2f}  Rexp {result.Rexp:.2f}  χ² {result.chi2:.2f}")
    ax.legend(fontsize=8)
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path)
    plt.close(fig)
    return path


def plot_williamson_hall(wh: WilliamsonHall, path: str | Path) -> Path:
    """β cosθ against 4 sinθ with the fitted line."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    th = np.radians([p.two_theta_deg for p in wh.peaks]) / 2
    yb = np.radians([p.beta_deg for p in wh.peaks]) * np.cos(th)
    xs = 4 * np.sin(th)
    fig, ax = plt.subplots(figsize=(5, 4))
    ax.plot(xs, yb, "o")
    xx = np.linspace(0, xs.max() * 1.05, 50)
    ax.plot(xx, wh.K * wh.wavelength_A / (10 * wh.D_nm) + wh.strain * xx, "-")
    ax.set_xlabel("4 sinθ")
    ax.set_ylabel("β cosθ (rad)")
    ax.set_title(f"D = {wh.D_nm:.1f} nm, ε = {wh.strain:.2e}")
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path)
    plt.close(fig)
    return path


def plot_sequential(seq, path: str | Path, max_panels: int = 12) -> Path:
    """Every refined parameter (with its esd) and the weight fractions against the series."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    table = seq.table(with_stderr=True)
    keys = [k for k in table if not k.endswith("_stderr") and not k.startswith("bkg")][:max_panels]
    cols = 3
    rows = (len(keys) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 2.6 * rows), squeeze=False)
    idx = np.arange(len(seq.labels))
    for ax, k in zip(axes.ravel(), keys):
        y = np.array([np.nan if v is None else v for v in table[k]], float)
        e = np.array([np.nan if v is None else v for v in table.get(f"{k}_stderr", [None] * len(y))], float)
        ax.errorbar(idx, y, yerr=np.where(np.isfinite(e), e, 0), fmt="o-", ms=3)
        ax.set_title(k, fontsize=9)
        ax.set_xticks(idx, seq.labels, rotation=45, fontsize=7)
    for ax in axes.ravel()[len(keys):]:
        ax.axis("off")
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path)
    plt.close(fig)
    return path
