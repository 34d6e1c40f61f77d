"""Forward models for transport measurements: DC polarisation transients, mixed-conductor spectra.

The same physics the analyses invert, run forwards with noise, for round-trip tests and
the virtual study.

- A DC hold of an iBE|SE|iBE cell: I(t) = Is + (I0 − Is)·Σ w_k exp(−t/τ_k), with
  I0 = V·A·(σ_ion + σ_el)/l and Is = V·A·σ_el/l (:func:`simulate_polarisation`).  A time
  constant longer than the record gives a curve that never reaches steady state.
- The mixed-conductor impedance of iBE|SE|iBE: geometric capacitance ‖ electronic resistor
  ‖ (ionic resistor − blocking-interface CPE), :data:`MIXED_CONDUCTOR_CIRCUIT`.

Examples
--------
>>> ct = simulate_transient(1e-6, 2e-7, (300.0,), duration_s=3600, interval_s=60)
>>> round(float(ct.current_A[0]) * 1e6, 3), ct.time_s.size
(1.0, 61)
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from ..exceptions import AnalysisError
from ..measurements import CurrentTransient, Spectrum
from .geometry import SampleGeometry

#: iBE|SE|iBE: geometric C ‖ R_el ‖ (R_ion − CPE of the blocking interfaces).
MIXED_CONDUCTOR_CIRCUIT = "p(C_geo,R_el,R_ion-CPE_int)"
EPSILON_0_F_PER_CM = 8.8541878128e-14


def simulate_transient(
    I0_A: float,
    Is_A: float,
    time_constants_s: Sequence[float] = (600.0,),
    weights: Sequence[float] | None = None,
    *,
    duration_s: float = 7200.0,
    interval_s: float = 10.0,
    noise_A: float = 0.0,
    potential_V: float = 0.5,
    first_point_before_set_point: bool = False,
    seed: int | None = None,
    source: str = "simulated CA",
) -> CurrentTransient:
    """A chronoamperometry record with known I0, Is and time constants.

    ``first_point_before_set_point`` imitates BioLogic's first point recorded while the
    potential is still ramping (half the set potential, 50·I0), as in the real ``ca.mpr``.
    """
    taus = np.asarray(time_constants_s, float)
    if np.any(taus <= 0) or taus.size == 0:
        raise AnalysisError("time constants must be positive")
    w = np.full(taus.size, 1.0 / taus.size) if weights is None else np.asarray(weights, float)
    if w.shape != taus.shape or not np.isclose(w.sum(), 1.0):
        raise AnalysisError("weights must be one per time constant and sum to 1")
    t = np.arange(0.0, duration_s + 0.5 * interval_s, interval_s)
    i = Is_A + (I0_A - Is_A) * (w[None, :] * np.exp(-t[:, None] / taus[None, :])).sum(axis=1)
    if noise_A:
        i = i + noise_A * np.random.default_rng(seed).standard_normal(t.size)
    v = np.full(t.size, float(potential_V))
    notes = [f"simulated: I0 {I0_A:.4g} A, Is {Is_A:.4g} A, tau {', '.join(f'{x:g}' for x in taus)} s, noise {noise_A:g} A"]
    if first_point_before_set_point:
        i[0] = 50.0 * I0_A
        v[0] = 0.5 * potential_V
        notes.append("first point recorded before the set potential")
    return CurrentTransient(
        time_s=t, current_A=i, potential_V=v, source=source, instrument="sselab.simulate", notes=tuple(notes),
        metadata={"truth": {"I0_A": I0_A, "Is_A": Is_A, "t_ion": (I0_A - Is_A) / I0_A, "time_constants_s": list(taus)}},
    )


def simulate_polarisation(
    sigma_ion_S_per_cm: float,
    sigma_el_S_per_cm: float,
    geometry: SampleGeometry,
    potential_V: float = 0.5,
    time_constants_s: Sequence[float] = (600.0,),
    **kwargs: object,
) -> CurrentTransient:
    """DC hold of an iBE|SE|iBE cell of a mixed conductor: I0 from σ_ion + σ_el, Is from σ_el."""
    k = geometry.area_cm2 / geometry.thickness_cm
    I0 = potential_V * k * (sigma_ion_S_per_cm + sigma_el_S_per_cm)
    Is = potential_V * k * sigma_el_S_per_cm
    return simulate_transient(I0, Is, time_constants_s, potential_V=potential_V, **kwargs)  # type: ignore[arg-type]


def mixed_conductor_values(
    sigma_ion_S_per_cm: float,
    sigma_el_S_per_cm: float,
    geometry: SampleGeometry,
    *,
    epsilon_r: float = 30.0,
    interface_Q: float = 5e-6,
    interface_n: float = 0.85,
) -> dict[str, float]:
    """Parameter values of :data:`MIXED_CONDUCTOR_CIRCUIT` for the given conductivities."""
    k = geometry.thickness_cm / geometry.area_cm2
    return {
        "C_geo": EPSILON_0_F_PER_CM * epsilon_r / k,
        "R_el": k / sigma_el_S_per_cm,
        "R_ion": k / sigma_ion_S_per_cm,
        "CPE_int.Q": interface_Q,
        "CPE_int.n": interface_n,
    }


def simulate_mixed_spectrum(
    sigma_ion_S_per_cm: float,
    sigma_el_S_per_cm: float,
    geometry: SampleGeometry,
    frequency_Hz: np.ndarray | None = None,
    *,
    noise: float = 0.0,
    seed: int | None = None,
    temperature_K: float | None = None,
    **kwargs: float,
) -> Spectrum:
    """Impedance spectrum of an iBE|SE|iBE mixed conductor (uses ``sselab.eis.simulate_spectrum``)."""
    from ..eis import simulate_spectrum

    values = mixed_conductor_values(sigma_ion_S_per_cm, sigma_el_S_per_cm, geometry, **kwargs)
    return simulate_spectrum(MIXED_CONDUCTOR_CIRCUIT, values, frequency_Hz, noise=noise, seed=seed,
                             temperature_K=temperature_K, source="simulated iBE|SE|iBE")
