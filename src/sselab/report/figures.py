"""Figures of a study report, drawn from stored results (their ``curves`` entries) only.

Each function takes analysis dicts as :meth:`sselab.store.Store.analyses` returns them and
returns a matplotlib Figure (or ``None`` when there is nothing to draw).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from ..units import K_B_EV  # noqa: E402


def _fig(w: float = 5.0, h: float = 4.0) -> Any:
    fig, ax = plt.subplots(figsize=(w, h), dpi=100, constrained_layout=True)
    return fig, ax


def nyquist(rows: Sequence[dict[str, Any]], title: str) -> Any:
    """−Z'' vs Z' of several spectra with their fitted curves."""
    rows = [r for r in rows if r["result"] and "curves" in r["result"]]
    if not rows:
        return None
    fig, ax = _fig()
    for r in sorted(rows, key=lambda r: r["result"].get("temperature_K") or 0):
        c = r["result"]["curves"]
        T = r["result"].get("temperature_K")
        label = f"{T - 273.15:.0f} °C" if T else r["task_id"]
        (line,) = ax.plot(c["Z_real_ohm"], -np.asarray(c["Z_imag_ohm"]), "o", ms=3, label=label)
        if "Z_fit_real_ohm" in c:
            ax.plot(c["Z_fit_real_ohm"], -np.asarray(c["Z_fit_imag_ohm"]), "-", color=line.get_color(), lw=1)
    ax.set_xlabel("Z' [Ω]")
    ax.set_ylabel("−Z'' [Ω]")
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=7)
    return fig


def arrhenius(dec: dict[str, Any], sample: str) -> Any:
    """σ_ion(T) from the deconvolution with its Arrhenius line (the stored convention)."""
    arr = (dec["result"] or {}).get("arrhenius")
    if not arr:
        return None
    T = np.array([d["temperature_K"] for d in arr["data"]])
    s = np.array([d["sigma_S_per_cm"] for d in arr["data"]])
    fig, ax = _fig()
    ax.semilogy(1000 / T, s, "o", label="σ_ion (eBE deconvolution)")
    tt = np.linspace(T.min(), T.max(), 50)
    y = arr["prefactor"] * np.exp(-arr["Ea_eV"] / (K_B_EV * tt))
    ax.semilogy(1000 / tt, y / tt if arr["convention"] == "sigmaT" else y, "-",
                label=f"Ea = {arr['Ea_eV']:.3f} eV ({arr['model']})")
    ax.set_xlabel("1000/T [1/K]")
    ax.set_ylabel("σ [S/cm]")
    ax.set_title(f"Arrhenius: {sample}", fontsize=9)
    ax.legend(fontsize=7)
    return fig


def transients(rows: Sequence[dict[str, Any]], sample: str) -> Any:
    """Chronoamperometry curves of one sample."""
    rows = [r for r in rows if r["result"] and "curves" in r["result"]]
    if not rows:
        return None
    fig, ax = _fig()
    for r in sorted(rows, key=lambda r: r["result"].get("set_potential_V") or 0):
        c = r["result"]["curves"]
        ax.semilogy(np.asarray(c["time_s"]) / 3600, np.abs(c["current_A"]),
                    label=f"{r['result'].get('set_potential_V') or 0:g} V, t_ion {r['result']['t_ion']:.3f}")
    ax.set_xlabel("t [h]")
    ax.set_ylabel("|I| [A]")
    ax.set_title(f"Chronoamperometry: {sample}", fontsize=9)
    ax.legend(fontsize=7)
    return fig


def iv(el: dict[str, Any], sample: str) -> Any:
    """Steady-state current vs voltage with the Ohm's-law line."""
    r = el["result"]
    if not r or not r.get("points"):
        return None
    v = np.array([p["voltage_V"] for p in r["points"]])
    i = np.array([abs(p["Is_A"]) for p in r["points"]])
    fig, ax = _fig()
    ax.plot(v, i * 1e6, "o", label="I_ss")
    vv = np.linspace(0, v.max(), 20)
    ax.plot(vv, (r["intercept_A"] + vv / r["R_el_ohm"]) * 1e6, "-", label=f"σ_el = {r['sigma_el_S_per_cm']:.3g} S/cm")
    ax.set_xlabel("V [V]")
    ax.set_ylabel("I_ss [µA]")
    ax.set_title(f"I–V: {sample}", fontsize=9)
    ax.legend(fontsize=7)
    return fig


def cycling(row: dict[str, Any]) -> Any:
    """Voltage trace of a galvanostatic record."""
    c = (row["result"] or {}).get("curves")
    if not c:
        return None
    fig, ax = _fig(6.5, 3.5)
    ax.plot(np.asarray(c["time_s"]) / 3600, c["voltage_V"], lw=0.6)
    ax.set_xlabel("t [h]")
    ax.set_ylabel("V [V]")
    ax.set_title(f"Plating/stripping: {row['sample']}", fontsize=9)
    return fig


def voltammogram(row: dict[str, Any]) -> Any:
    """Current vs potential of a CV."""
    c = (row["result"] or {}).get("curves")
    if not c:
        return None
    fig, ax = _fig()
    ax.plot(c["potential_V"], np.asarray(c["current_A"]) * 1e6, lw=0.8)
    ax.set_xlabel("E vs Mg/Mg²⁺ [V]")
    ax.set_ylabel("I [µA]")
    ax.set_title(f"CV: {row['sample']}", fontsize=9)
    return fig


def xrd(row: dict[str, Any]) -> Any:
    """Rietveld plot: observed (points), calculated (line), difference (below), reflection ticks."""
    res = row["result"] or {}
    c = res.get("curves")
    if not c:
        return None
    from ..xrd.plots import draw_refinement

    fig, ax = plt.subplots(figsize=(6.5, 4.0), dpi=100)
    fig.subplots_adjust(left=0.06, right=0.98, bottom=0.12, top=0.93)
    draw_refinement(ax, c["two_theta_deg"], c["observed"], c["calculated"], res.get("ticks_deg") or {})
    ax.set_xlabel("2θ [deg] (Cu Kα)")
    ax.set_ylabel("intensity [counts]")
    ax.set_yticks([])
    ax.set_title(f"Rietveld: {row['sample']} (Rwp {res.get('Rwp', float('nan')):.2f} %, χ² {res.get('chi2', float('nan')):.2f})",
                 fontsize=9)
    ax.legend(fontsize=7, markerscale=3)
    return fig


def xps_profile(row: dict[str, Any]) -> Any:
    """XPS depth profile: atomic % of each core level and of each component vs sputter time."""
    res = row["result"] or {}
    elements = res.get("element_atomic_percent")
    if not elements:
        return None
    t = np.asarray(res["sputter_time_s"], float) / 60.0
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(9.0, 3.8), dpi=100)
    fig.subplots_adjust(left=0.07, right=0.98, bottom=0.14, top=0.91, wspace=0.22)  # fixed: faster than a layout engine
    for label, v in elements.items():
        a1.plot(t, v, "o-", ms=4, label=label)
    for label, v in (res.get("component_atomic_percent") or {}).items():
        a2.plot(t, v, ".-", label=label.replace(":", ": "))
    rate = res.get("rate_nm_per_min")
    for ax, title in ((a1, "core levels"), (a2, "components")):
        ax.set_xlabel("Ar⁺ sputter time [min]" + (f" (× {rate:g} nm/min = depth)" if rate else ""))
        ax.set_ylabel("atomic %")
        ax.set_title(f"XPS depth profile, {row['sample']}: {title}", fontsize=9)
    a1.legend(fontsize=7)
    a2.legend(fontsize=6, ncol=2)
    return fig


def xps_spectra(row: dict[str, Any]) -> Any:
    """The surface step's fitted regions: counts, fitted envelope and background."""
    spectra = (row["result"] or {}).get("surface_spectra") or []
    if not spectra:
        return None
    fig, axes = plt.subplots(1, len(spectra), figsize=(2.6 * len(spectra), 3.0), dpi=100)
    fig.subplots_adjust(left=0.07, right=0.98, bottom=0.16, top=0.9, wspace=0.3)
    for ax, s in zip(np.atleast_1d(axes), spectra):
        ax.plot(s["binding_energy_eV"], s["counts"], ".", ms=2, color="k")
        ax.plot(s["binding_energy_eV"], s["envelope"], "-", lw=0.9, color="tab:red")
        ax.plot(s["binding_energy_eV"], s["background"], "--", lw=0.7, color="tab:gray")
        ax.invert_xaxis()
        ax.set_xlabel("binding energy [eV]")
        ax.set_title(f"{s['region']}, {(s.get('sputter_time_s') or 0) / 60:g} min", fontsize=9)
    np.atleast_1d(axes)[0].set_ylabel("counts")
    return fig
