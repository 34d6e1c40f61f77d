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


#: one, two and three R‖CPE arcs after a series resistance (values [Ω], [S·s^n]) and the
#: Warburg σ [Ω·s^-½] of each one's optional diffusion tail
_SELECTION_ARCS = {
    1: ("R0-p(R1,CPE1)", {"R0": 20, "R1": 2e4, "CPE1.Q": 1.26e-8, "CPE1.n": 0.9}, 5e3),
    2: ("R0-p(R1,CPE1)-p(R2,CPE2)",
        {"R0": 20, "R1": 1e4, "CPE1.Q": 6.0e-10, "CPE1.n": 0.9, "R2": 3e4, "CPE2.Q": 3.1e-8, "CPE2.n": 0.8}, 1e4),
    3: ("R0-p(R1,CPE1)-p(R2,CPE2)-p(R3,CPE3)",
        {"R0": 20, "R1": 1e4, "CPE1.Q": 6.0e-10, "CPE1.n": 0.9, "R2": 3e4, "CPE2.Q": 3.1e-8, "CPE2.n": 0.8,
         "R3": 5e4, "CPE3.Q": 1.0e-6, "CPE3.n": 0.85}, 2.5e4),
}
SELECTION_NOISES = (0.002, 0.01)


def selection_cases(seed0: int = 0) -> list[tuple[str, float, Spectrum]]:
    """The 12 spectra on which circuit selection is measured: 1, 2 and 3 arcs, each with and
    without a Warburg tail, at 0.2 % and 1 % relative noise (60 points, 1 MHz–0.1 Hz), seeds
    ``seed0`` … ``seed0 + 11``.  Returns ``[(true circuit, noise, spectrum)]``.

    Examples
    --------
    >>> cases = selection_cases()
    >>> len(cases), cases[-1][0]
    (12, 'R0-p(R1,CPE1)-p(R2,CPE2)-p(R3,CPE3)-W4')
    """
    out = []
    for n_arcs, (arcs, values, sigma) in _SELECTION_ARCS.items():
        for tail in (False, True):
            for noise in SELECTION_NOISES:
                circuit = arcs + (f"-W{n_arcs + 1}" if tail else "")
                truth = dict(values, **({f"W{n_arcs + 1}": sigma} if tail else {}))
                s = simulate_spectrum(circuit, truth, paper_frequencies(60), noise=noise, seed=seed0 + len(out))
                out.append((circuit, noise, s))
    return out
