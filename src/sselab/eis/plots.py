"""Nyquist and Bode plots with fit overlay and a residual panel (matplotlib, PNG/SVG).

Examples
--------
>>> import numpy as np, tempfile, os
>>> from sselab.eis import simulate_spectrum, fit_circuit
>>> s = simulate_spectrum("R0-p(R1,C1)", {"R0": 1, "R1": 10, "C1": 1e-5}, np.logspace(5, -1, 30))
>>> out = os.path.join(tempfile.mkdtemp(), "fit.png")
>>> plot_fit(s, fit_circuit(s, "R0-p(R1,C1)"), out)  # doctest: +ELLIPSIS
'...fit.png'
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from ..measurements import Spectrum  # noqa: E402


def _masked_style(masked: Spectrum | None) -> dict:
    """Marker face of the used points: filled when some points are masked (those are drawn
    hollow), hollow as usual otherwise."""
    return {} if masked is not None and masked.n_points else {"mfc": "none"}


def nyquist(ax, spectrum: Spectrum, fit=None, label: str = "data", masked: Spectrum | None = None) -> None:
    """Nyquist plot on ``ax``: Z' vs −Z'' with equal axes, −Z'' upward; ``masked`` points
    (left out of the analysis) drawn hollow in grey, the used ones filled."""
    z = spectrum.impedance_ohm
    ax.plot(z.real, -z.imag, "o", ms=3.5, label=label, **_masked_style(masked))
    if masked is not None and masked.n_points:
        zm = masked.impedance_ohm
        ax.plot(zm.real, -zm.imag, "o", ms=3.5, mfc="none", color="grey", label=f"masked ({masked.n_points})")
    if fit is not None:
        f = np.logspace(np.log10(spectrum.frequency_Hz.min()), np.log10(spectrum.frequency_Hz.max()), 400)
        zf = fit.predict(f)
        ax.plot(zf.real, -zf.imag, "-", lw=1.4, label=f"fit {fit.circuit}")
    ax.set_xlabel("Z' / Ω")
    ax.set_ylabel("−Z'' / Ω")
    ax.set_aspect("equal", adjustable="datalim")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)


def bode(ax_mag, ax_phase, spectrum: Spectrum, fit=None, masked: Spectrum | None = None) -> None:
    """Bode plot: |Z| (log) and −phase [deg] against frequency [Hz] (``masked`` hollow grey)."""
    f, z = spectrum.frequency_Hz, spectrum.impedance_ohm
    style = _masked_style(masked)
    ax_mag.loglog(f, np.abs(z), "o", ms=3, **style)
    ax_phase.semilogx(f, -np.angle(z, deg=True), "s", ms=3, **style)
    if masked is not None and masked.n_points:
        fm, zm = masked.frequency_Hz, masked.impedance_ohm
        ax_mag.loglog(fm, np.abs(zm), "o", ms=3, mfc="none", color="grey")
        ax_phase.semilogx(fm, -np.angle(zm, deg=True), "s", ms=3, mfc="none", color="grey")
    if fit is not None:
        ff = np.logspace(np.log10(f.min()), np.log10(f.max()), 400)
        zf = fit.predict(ff)
        ax_mag.loglog(ff, np.abs(zf), "-")
        ax_phase.semilogx(ff, -np.angle(zf, deg=True), "-")
    ax_mag.set_ylabel("|Z| / Ω")
    ax_phase.set_ylabel("−phase / °")
    ax_phase.set_xlabel("f / Hz")
    for a in (ax_mag, ax_phase):
        a.grid(alpha=0.3, which="both")


def residuals(ax, frequency_Hz: np.ndarray, res_real: np.ndarray, res_imag: np.ndarray, threshold: float | None = None) -> None:
    """Relative residuals [%] against frequency."""
    ax.semilogx(frequency_Hz, 100 * res_real, "o-", ms=3, lw=0.8, label="ΔZ'/|Z|")
    ax.semilogx(frequency_Hz, 100 * res_imag, "s-", ms=3, lw=0.8, label="ΔZ''/|Z|")
    if threshold is not None:
        for s in (1, -1):
            ax.axhline(100 * s * threshold, color="grey", ls="--", lw=0.8)
    ax.axhline(0, color="k", lw=0.5)
    ax.set_xlabel("f / Hz")
    ax.set_ylabel("residual / %")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)


def plot_fit(spectrum: Spectrum, fit=None, out: str | Path | None = None, title: str | None = None,
             masked: Spectrum | None = None):
    """Nyquist, Bode and residual panels of a spectrum and its fit; saved to ``out``
    (PNG or SVG by extension) when given, and the path returned; else the Figure.
    ``masked``: points left out of the fit, drawn hollow (the fitted ones filled)."""
    fig = plt.figure(figsize=(11, 7), constrained_layout=True)
    grid = fig.add_gridspec(3, 2, height_ratios=[1, 1, 0.8])
    nyquist(fig.add_subplot(grid[0:2, 0]), spectrum, fit, masked=masked)
    ax_m = fig.add_subplot(grid[0, 1])
    ax_p = fig.add_subplot(grid[1, 1], sharex=ax_m)
    bode(ax_m, ax_p, spectrum, fit, masked=masked)
    if fit is not None:
        rr, ri = fit.residuals_relative
        residuals(fig.add_subplot(grid[2, :]), spectrum.frequency_Hz, rr, ri)
    fig.suptitle(title or (spectrum.source or "spectrum"), fontsize=10)
    if out is None:
        return fig
    out = Path(out)
    fig.savefig(out, dpi=150)
    plt.close(fig)
    return str(out)


def plot_kk(spectrum: Spectrum, kk, out: str | Path, masked: Spectrum | None = None) -> str:
    """Nyquist with the KK model and the residual panel with the threshold (``masked``
    points hollow grey)."""
    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 4.5), constrained_layout=True)
    z = spectrum.impedance_ohm
    a.plot(z.real, -z.imag, "o", ms=3.5, label="data", **_masked_style(masked))
    if masked is not None and masked.n_points:
        a.plot(masked.impedance_ohm.real, -masked.impedance_ohm.imag, "o", ms=3.5, mfc="none", color="grey",
               label=f"masked ({masked.n_points})")
    a.plot(kk.fitted_ohm.real, -kk.fitted_ohm.imag, "-", label=f"KK model, M={kk.n_elements}")
    a.set_aspect("equal", adjustable="datalim")
    a.set_xlabel("Z' / Ω")
    a.set_ylabel("−Z'' / Ω")
    a.legend(fontsize=8)
    residuals(b, kk.frequency_Hz, kk.residuals_real, kk.residuals_imag, kk.threshold)
    b.set_title("passed" if kk.passed else "failed", fontsize=10)
    fig.savefig(out, dpi=150)
    plt.close(fig)
    return str(out)
