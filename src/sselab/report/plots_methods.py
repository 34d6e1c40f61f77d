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


def transient_figure(transient: Any, res: Any) -> Any:
    """A DC hold: |I|(t) on a log axis with I0 and Is marked (t_ion = (I0 − Is)/I0)."""
    d = res.to_dict()
    fig, ax = style.figure(3.8, 3.0)
    t = np.asarray(transient.time_s, float)
    ax.semilogy(t / 3600, np.abs(transient.current_A), lw=0.9, label="|I|")
    ax.axhline(abs(d["I0"]), color="tab:red", lw=0.8, ls="--", label=f"I0 ({d.get('I0_method', '')})")
    ax.axhline(abs(d["Is_A"] if "Is_A" in d else res.Is_A), color="tab:green", lw=0.8, ls="--", label="Is")
    ax.set_xlabel("t / h")
    ax.set_ylabel("|I| / A")
    ax.set_title(f"t_ion = {res.t_ion:.4g}")
    ax.legend(frameon=False)
    return fig


def iv_figure(res: Any) -> Any:
    """Steady-state currents against voltage with the Ohm's-law line of σ_el (the report's
    figure, drawn from the result's dict)."""
    from .figures import iv

    return iv({"result": res.to_dict()}, "")


def series_figure(d: dict[str, Any]) -> Any:
    """A temperature series: σ(T) with its Arrhenius line and a °C axis (the report's overlay
    with one series)."""
    from .figures import arrhenius_overlay

    return arrhenius_overlay([{"sample": d.get("circuit", "series"), "result": {"arrhenius": d["arrhenius"]}}])


def ageing_figure(d: dict[str, Any]) -> Any:
    """The followed resistance against time with its fitted trend."""
    fig, ax = style.figure(3.8, 3.0)
    t = np.asarray(d["time_h"], float)
    r = np.asarray(d["R_ohm"], float)
    e = np.asarray([x if x is not None else 0.0 for x in d.get("R_err_ohm") or [0.0] * t.size], float)
    ax.errorbar(t, r, yerr=e if e.any() else None, fmt="o", ms=3, capsize=2, label=d.get("parameter", "R"))
    if d.get("slope_ohm_per_h") is not None and d.get("R0_ohm") is not None and t.size:
        ax.plot(t, d["R0_ohm"] + d["slope_ohm_per_h"] * t, "-", label=f"{d['slope_ohm_per_h']:.3g} Ω/h")
    ax.set_xlabel("t / h")
    ax.set_ylabel(f"{d.get('parameter', 'R')} / Ω")
    ax.legend(frameon=False)
    return fig
