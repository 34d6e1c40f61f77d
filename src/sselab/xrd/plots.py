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
