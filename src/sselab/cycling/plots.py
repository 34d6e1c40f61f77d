"""Matplotlib figures for cycling and voltammetry (return a Figure; the caller saves it).

Examples
--------
>>> from sselab.cycling.simulate import simulate_cycling
>>> from sselab.cycling import plating_stripping
>>> rec = simulate_cycling(3)
>>> fig = plot_voltage(rec, plating_stripping(rec))
>>> len(fig.axes)
1
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..measurements import GalvanostaticRecord, Voltammogram
from .galvanostatic import DEFINITIONS, PlatingStrippingResult
from .voltammetry import VoltammetryResult


def _figure(**kw: Any):  # noqa: ANN202
    from matplotlib.figure import Figure

    return Figure(**kw)


def plot_voltage(record: GalvanostaticRecord, result: PlatingStrippingResult):  # noqa: ANN201
    """Voltage vs time [h]; a dashed line and label at the start of each cycle; short/jumps marked."""
    fig = _figure(figsize=(8, 4), layout="constrained")
    ax = fig.add_subplot()
    t_h = np.asarray(record.time_s) / 3600.0
    ax.plot(t_h, record.voltage_V, lw=0.8, color="k")
    starts: dict[int, float] = {}
    for h in result.half_cycles:
        c = h.half.cycle
        if c > 0 and c not in starts:
            starts[c] = h.half.t_start_s / 3600.0
    every = max(1, len(starts) // 15)
    for c, x in starts.items():
        ax.axvline(x, color="0.7", lw=0.5, ls="--")
        if (c - 1) % every == 0:
            ax.text(x, 1.0, str(c), transform=ax.get_xaxis_transform(), fontsize=7, ha="left", va="bottom")
    if result.short_circuit.cycle in starts:
        ax.axvline(starts[result.short_circuit.cycle], color="tab:red", lw=1.2, label="short circuit")
    for j in result.jumps:
        if j.cycle in starts:
            ax.axvline(starts[j.cycle], color="tab:orange", lw=1.2, label=f"jump (cycle {j.cycle})")
    ax.set_xlabel("time [h]")
    ax.set_ylabel("voltage [V]")
    ax.set_title("galvanostatic plating/stripping (cycle numbers on top)", fontsize=9)
    if result.short_circuit.cycle or result.jumps:
        ax.legend(fontsize=7)
    return fig


def plot_overpotential(result: PlatingStrippingResult, definition: str | None = None):  # noqa: ANN201
    """Plating and stripping overpotential vs cycle number (one definition) and polarisation."""
    name = definition or result.definition
    if name not in DEFINITIONS:
        raise ValueError(f"unknown definition {name!r}")
    fig = _figure(figsize=(6, 4), layout="constrained")
    ax = fig.add_subplot()
    cyc = [c.cycle for c in result.cycles]
    ax.plot(cyc, [c.plating.get(name, np.nan) for c in result.cycles], "o-", ms=3, label="plating")
    ax.plot(cyc, [c.stripping.get(name, np.nan) for c in result.cycles], "s-", ms=3, label="stripping")
    ax.plot(cyc, [c.polarisation_V(name) for c in result.cycles], "-", color="0.4", lw=1, label="polarisation")
    ax.axhline(0, color="k", lw=0.5)
    ax.set_xlabel("cycle")
    ax.set_ylabel(f"overpotential ({name}) [V]")
    ax.legend(fontsize=8)
    return fig


def plot_voltammogram(vgram: Voltammogram, result: VoltammetryResult):  # noqa: ANN201
    """Current vs potential, one line per scan, peaks marked."""
    fig = _figure(figsize=(6, 4), layout="constrained")
    ax = fig.add_subplot()
    e = np.asarray(vgram.potential_V)
    i = np.asarray(vgram.current_A)
    for s in result.scans:
        ax.plot(e[s.start:s.stop], i[s.start:s.stop] * 1e3, lw=0.8, label=f"scan {s.number}")
        for p in (s.deposition, s.dissolution):
            if p is not None and not p.at_vertex:
                ax.plot(p.potential_V, p.current_A * 1e3, "kx")
    ax.axhline(0, color="k", lw=0.5)
    ax.set_xlabel("potential [V]")
    ax.set_ylabel("current [mA]")
    ax.legend(fontsize=8)
    return fig
