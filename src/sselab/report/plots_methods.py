"""Figures of the transport methods around the paper: Hebb–Wagner I(V) and σ_el(V), the
critical-current-density test, the cell-stack comparison, the Bruce–Vincent hold."""

from __future__ import annotations

from typing import Any

import numpy as np

from . import style


def hebb_wagner_figure(res: Any) -> Any:
    """Steady currents with the fitted Hebb–Wagner curve, and σ_el(V) (model and dI/dV)."""
    from ..dc.hebb_wagner import hebb_wagner_current

    d = res.to_dict()
    V = np.array([p["voltage_V"] for p in d["points"]])
    I = np.array([p["current_A"] for p in d["points"]])
    fig, (a, b) = style.figure(6.8, 2.9, ncols=2)
    vv = np.linspace(0, V.max() * 1.02, 200)
    L_over_A = 1.0  # the model is drawn through the fitted σ's, independent of geometry scaling below
    a.plot(V, I * 1e6, "o", label="I_ss")
    scale = I[-1] / hebb_wagner_current(V[-1:], res.sigma_n_S_per_cm, res.sigma_p_S_per_cm, res.temperature_K, 1, 1)[0] \
        if I[-1] else L_over_A
    a.plot(vv, 1e6 * scale * hebb_wagner_current(vv, res.sigma_n_S_per_cm, res.sigma_p_S_per_cm, res.temperature_K, 1, 1),
           "-", label="Hebb–Wagner fit")
    a.set_xlabel("V / V")
    a.set_ylabel("I_ss / µA")
    a.legend(frameon=False)
    b.semilogy(vv, res.sigma_el(vv), "-", label="σ_n e^(−eV/kT) + σ_p e^(eV/kT)")
    b.semilogy(V, np.abs(res.sigma_el_S_per_cm), "s", label="(l/A) dI/dV")
    b.set_xlabel("V / V")
    b.set_ylabel("σ_el / S cm⁻¹")
    b.legend(frameon=False, fontsize=6.5)
    return fig


def ccd_figure(record: Any, res: Any) -> Any:
    """Voltage of the stepped-current test with the steps marked, and the apparent
    resistance per half-cycle with the short."""
    fig, (a, b) = style.figure(6.8, 2.9, ncols=2)
    a.plot(np.asarray(record.time_s) / 3600, record.voltage_V, lw=0.6)
    a.set_xlabel("t / h")
    a.set_ylabel("V / V")
    rows = res.half_cycles
    k = [r["half_cycle"] for r in rows]
    b.semilogy(k, [r["R_apparent_ohm"] for r in rows], "o-", ms=3)
    if res.short_half_cycle:
        b.axvline(res.short_half_cycle, color="tab:red", lw=0.8, label=f"short ({res.failure_mA_per_cm2:g} mA/cm²)")
        b.legend(frameon=False)
    b.set_xlabel("half-cycle")
    b.set_ylabel("|η|/|I| / Ω")
    a.set_title(f"CCD = {res.ccd_mA_per_cm2} mA/cm²" if res.ccd_mA_per_cm2 is not None else "CCD below the first step")
    return fig


def stacks_figure(spectra: dict[str, Any], diagnosis: Any) -> Any:
    """Nyquist plots of the stacks compared, on equal scales, with the verdict in the title."""
    fig, ax = style.figure(4.6, 3.2)
    for name, s in spectra.items():
        if s is not None:
            style.nyquist_axes(ax, s.frequency_Hz, s.impedance_ohm, label=name, decade_labels=False)
    ax.set_title(f"{diagnosis.conductor} conductor")
    ax.legend(frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return fig
