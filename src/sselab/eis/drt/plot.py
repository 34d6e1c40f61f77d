"""The DRT beside the Nyquist plot, peaks marked (matplotlib, PNG/SVG/PDF by extension).

Examples
--------
>>> import numpy as np
>>> from sselab.measurements import Spectrum
>>> from sselab.eis.drt import drt
>>> f = np.logspace(6, -1, 71)
>>> r = drt(Spectrum(frequency_Hz=f, impedance_ohm=10 + 100 / (1 + 2j * np.pi * f * 1e-3)))
>>> fig = plot_drt(r)
>>> len(fig.axes)
2
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from .result import DRTResult


def plot_drt(result: DRTResult, path: str | Path | None = None, *, title: str | None = None,
             masked=None) -> Figure:
    """Nyquist plot (data and DRT model, −Z'' up) beside γ(τ) with the peaks marked.

    Parameters
    ----------
    result : a :class:`DRTResult`.
    path : where to save the figure; the format follows the extension (.png, .svg, .pdf).
    title : figure title (default: none).
    masked : a Spectrum of the points left out of the DRT, drawn hollow (the used ones filled).

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig = Figure(figsize=(11, 4.2), layout="constrained")
    ax_n, ax_d = fig.subplots(1, 2)
    z = result.impedance_ohm
    f_model = np.logspace(np.log10(result.frequency_Hz.max()), np.log10(result.frequency_Hz.min()), 300)
    zm = result.predict(f_model)
    hollow = {} if masked is not None and masked.n_points else {"mfc": "none"}
    ax_n.plot(z.real, -z.imag, "o", ms=3.5, color="0.25", label="data", **hollow)
    if masked is not None and masked.n_points:
        ax_n.plot(masked.impedance_ohm.real, -masked.impedance_ohm.imag, "o", ms=3.5, mfc="none", color="0.6",
                  label=f"masked ({masked.n_points})")
    ax_n.plot(zm.real, -zm.imag, "-", color="C0", label="DRT model")
    for k, p in enumerate(result.peaks):
        zp = result.predict(np.array([p.frequency_Hz]))[0]
        ax_n.plot(zp.real, -zp.imag, "v", color=f"C{(k + 1) % 10}", ms=8)
    ax_n.set_xlabel("Z' [Ω]")
    ax_n.set_ylabel("−Z'' [Ω]")
    ax_n.set_aspect("equal", adjustable="datalim")
    ax_n.legend(loc="best", fontsize=8)
    ax_n.set_title("Nyquist")

    if result.gamma_lower_ohm is not None and result.gamma_upper_ohm is not None:
        ax_d.fill_between(result.tau_s, result.gamma_lower_ohm, result.gamma_upper_ohm, color="C0", alpha=0.25,
                          lw=0, label=f"95 % bootstrap ({result.n_bootstrap})" if result.band == "bootstrap"
                          else f"95 % {result.band} band")
    ax_d.plot(result.tau_s, result.gamma_ohm, color="C0", label=f"γ ({result.method}, λ = {result.lambda_value:.2g})")
    for k, p in enumerate(result.peaks):
        g = float(np.interp(np.log(p.tau_s), np.log(result.tau_s), result.gamma_ohm))
        ax_d.plot(p.tau_s, g, "v", color=f"C{(k + 1) % 10}", ms=8)
        ax_d.annotate(f"R = {p.R_ohm:.3g} Ω\nC = {p.C_F:.2g} F", (p.tau_s, g), textcoords="offset points",
                      xytext=(4, 6), fontsize=7)
    ax_d.set_xscale("log")
    ax_d.set_xlabel("τ [s]")
    ax_d.set_ylabel("γ [Ω]")
    ax_d.set_ylim(0, 1.3 * max(float(np.max(result.gamma_ohm)), 1e-300))
    ax_d.legend(loc="upper left", fontsize=8)
    ax_d.set_title("Distribution of relaxation times")
    top = ax_d.secondary_xaxis("top", functions=(_tau_to_f, _tau_to_f))
    top.set_xlabel("f = 1/(2πτ) [Hz]")
    if title:
        fig.suptitle(title)
    if path is not None:
        fig.savefig(Path(path), dpi=150)
    return fig


def _tau_to_f(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, float)
    with np.errstate(divide="ignore"):
        return 1.0 / (2 * np.pi * np.where(x > 0, x, np.nan))
