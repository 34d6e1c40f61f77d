"""Figures of Z-HIT, the exploratory KK sweep and the conductivity/modulus/permittivity views.

Examples
--------
>>> import numpy as np, tempfile, os
>>> from sselab.eis import simulate_spectrum
>>> from sselab.eis.zhit import zhit
>>> s = simulate_spectrum("R0-p(R1,C1)", {"R0": 1, "R1": 10, "C1": 1e-5}, np.logspace(5, -1, 30))
>>> plot_zhit(s, zhit(s), os.path.join(tempfile.mkdtemp(), "z.png"))  # doctest: +ELLIPSIS
'...z.png'
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from ..measurements import Spectrum  # noqa: E402
from .plots import residuals  # noqa: E402


def _save(fig, out: str | Path | None):
    if out is None:
        return fig
    fig.savefig(out, dpi=150)
    plt.close(fig)
    return str(out)


def plot_zhit(spectrum: Spectrum, result, out: str | Path | None = None, masked: Spectrum | None = None):
    """|Z| measured and reconstructed from the phase, and the residual panel."""
    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 4.5), constrained_layout=True)
    f = spectrum.frequency_Hz
    a.loglog(f, np.abs(spectrum.impedance_ohm), "o", ms=3.5, label="|Z| measured")
    if masked is not None and masked.n_points:
        a.loglog(masked.frequency_Hz, np.abs(masked.impedance_ohm), "o", ms=3.5, mfc="none", color="grey",
                 label=f"masked ({masked.n_points})")
    order = np.argsort(f)
    a.loglog(f[order], result.modulus_hit_ohm[order], "-", label="Z-HIT from the phase")
    a.set_xlabel("f / Hz")
    a.set_ylabel("|Z| / Ω")
    a.grid(alpha=0.3, which="both")
    a.legend(fontsize=8)
    residuals(b, f, result.residuals_real, result.residuals_imag, result.threshold)
    b.set_title("passed" if result.passed else "failed", fontsize=10)
    return _save(fig, out)


def plot_kk_sweep(exploration, out: str | Path | None = None):
    """μ(M) and log10 pseudo χ²(M) of every variant, the recommended M marked."""
    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 4.2), constrained_layout=True)
    for s in exploration.sweeps:
        a.plot(s.m, s.mu, "-", lw=1.2, label=s.name)
        b.semilogy(s.m, s.pseudo_chi2, "-", lw=1.2, label=s.name)
    r = exploration.recommended
    a.axhline(exploration.mu_criterion, color="grey", ls="--", lw=0.8)
    for ax in (a, b):
        ax.axvline(r.recommended_m, color="k", ls=":", lw=0.8)
        ax.set_xlabel("M (Voigt elements)")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    a.set_ylabel("μ")
    b.set_ylabel("pseudo χ²")
    a.set_title(f"recommended: {r.name}, M = {r.recommended_m}", fontsize=10)
    return _save(fig, out)


def plot_views(views, out: str | Path | None = None):
    """σ′(f) with the σ_dc plateau and jump frequency, M″(f), and ε′, ε″(f)."""
    fig, (a, b, c) = plt.subplots(1, 3, figsize=(13, 4), constrained_layout=True)
    f = views.frequency_Hz
    a.loglog(f, views.sigma_real_S_per_cm, "o", ms=3)
    if views.sigma_dc_S_per_cm is not None:
        a.axhline(views.sigma_dc_S_per_cm, color="C1", ls="--", lw=1, label=f"σ_dc = {views.sigma_dc_S_per_cm:.3g} S/cm")
    if views.jump_frequency_Hz is not None:
        a.axvline(views.jump_frequency_Hz, color="C2", ls=":", lw=1, label=f"f_jump = {views.jump_frequency_Hz:.3g} Hz")
    a.set_ylabel("σ′ / S cm⁻¹")
    b.loglog(f, views.modulus_imag, "o", ms=3)
    for p in views.modulus_peaks_Hz:
        b.axvline(p, color="C3", ls=":", lw=0.8)
    b.set_ylabel("M″")
    c.loglog(f, views.permittivity_real, "o", ms=3, label="ε′")
    c.loglog(f, views.permittivity_imag, "s", ms=3, label="ε″")
    c.set_ylabel("ε_r")
    for ax in (a, b, c):
        ax.set_xlabel("f / Hz")
        ax.grid(alpha=0.3, which="both")
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=8)
    return _save(fig, out)
