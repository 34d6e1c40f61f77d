"""Forward simulation of impedance spectra from a circuit, with optional noise.

Examples
--------
>>> import numpy as np
>>> s = simulate_spectrum("R0-p(R1,C1)", {"R0": 1, "R1": 10, "C1": 1e-6}, np.logspace(5, 0, 11))
>>> s.n_points
11
"""

from __future__ import annotations

from typing import Mapping

import numpy as np

from ..measurements import Spectrum
from .circuit import Circuit


def paper_frequencies(n: int = 100, f_max_Hz: float = 1e6, f_min_Hz: float = 0.1) -> np.ndarray:
    """The paper's grid: 1 MHz to 100 mHz, 100 points, log-spaced, high to low."""
    return np.logspace(np.log10(f_max_Hz), np.log10(f_min_Hz), n)


def simulate_spectrum(
    circuit: str | Circuit,
    values: Mapping[str, float],
    frequency_Hz: np.ndarray | None = None,
    *,
    noise: float = 0.0,
    seed: int | None = None,
    temperature_K: float | None = None,
    source: str = "simulated",
) -> Spectrum:
    """Impedance of ``circuit`` at ``frequency_Hz`` [Hz] with relative Gaussian noise.

    ``noise`` is the standard deviation relative to |Z|, applied independently to Z' and
    Z'' (0.005 = 0.5 %), the usual model of potentiostat error.
    """
    c = circuit if isinstance(circuit, Circuit) else Circuit(circuit)
    f = paper_frequencies() if frequency_Hz is None else np.asarray(frequency_Hz, float)
    z = c.impedance(f, values)
    if noise:
        rng = np.random.default_rng(seed)
        z = z + noise * np.abs(z) * (rng.standard_normal(z.shape) + 1j * rng.standard_normal(z.shape))
    return Spectrum(
        frequency_Hz=f,
        impedance_ohm=z,
        source=source,
        instrument="sselab.simulate",
        temperature_K=temperature_K,
        notes=(f"simulated from {c.text} with {noise:g} relative noise",),
        metadata={"truth": dict(values), "circuit": c.text},
    )
