"""Arrhenius plot: log10 σ against 1000/T with the fit, optional °C axis on top.

Examples
--------
>>> import matplotlib; matplotlib.use("Agg")
>>> from sselab.transport.arrhenius import arrhenius
>>> fig = arrhenius_plot(arrhenius([313.15, 343.15, 373.15], [1e-4, 3e-4, 7.6e-4]))
>>> fig.axes[0].get_xlabel()
'1000/T [1/K]'
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..units import ZERO_CELSIUS_K
from .arrhenius import ArrheniusResult


def arrhenius_plot(result: ArrheniusResult, celsius_axis: bool = True, ax: Any = None) -> Any:
    """A matplotlib figure of the data and the fitted line; returns the figure."""
    import matplotlib.pyplot as plt

    if ax is None:
        fig, ax = plt.subplots(figsize=(4.5, 3.5), layout="constrained")
    else:
        fig = ax.figure
    T = np.asarray(result.temperature_K)
    s = np.asarray(result.sigma_S_per_cm)
    y = s * T if result.convention == "sigmaT" else s
    x = 1000.0 / T
    if result.sigma_stderr_S_per_cm is not None:
        e = np.asarray(result.sigma_stderr_S_per_cm) / s / np.log(10)
        ax.errorbar(x, np.log10(y), yerr=e, fmt="o", label="data")
    else:
        ax.plot(x, np.log10(y), "o", label="data")
    xf = np.linspace(x.min(), x.max(), 50)
    Tf = 1000.0 / xf
    yf = result.predict(Tf) * (Tf if result.convention == "sigmaT" else 1.0)
    err = f" ± {result.Ea_stderr_eV:.3f}" if result.Ea_stderr_eV is not None else ""
    ax.plot(xf, np.log10(yf), "-", label=f"Ea = {result.Ea_eV:.3f}{err} eV ({result.convention})")
    ax.set_xlabel("1000/T [1/K]")
    ax.set_ylabel("log10(σT [S K/cm])" if result.convention == "sigmaT" else "log10(σ [S/cm])")
    ax.legend(frameon=False)
    if celsius_axis:
        top = ax.secondary_xaxis("top", functions=(lambda v: 1000.0 / np.maximum(v, 1e-9) - ZERO_CELSIUS_K,
                                                   lambda c: 1000.0 / (np.asarray(c) + ZERO_CELSIUS_K)))
        top.set_xlabel("T [°C]")
    return fig
