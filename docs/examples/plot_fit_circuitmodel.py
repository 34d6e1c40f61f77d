"""
Fit a spectrum with CircuitModel
================================

A simulated solid-electrolyte spectrum (bulk arc, electrode tail) with two inductive points at
the highest frequencies, as a cable adds them.  :class:`sselab.eis.CircuitModel` leaves them out
(``drop_inductive=True``, the same as ``sselab eis fit --drop-inductive``), fits, and shows the
values with their uncertainties; the plot draws the left-out points hollow.
"""

import numpy as np

from sselab.eis import CircuitModel, simulate_spectrum

truth = {"R0": 20.0, "R1": 5.0e3, "CPE1.Q": 2e-9, "CPE1.n": 0.9, "CPE2.Q": 1e-6, "CPE2.n": 0.8}
spectrum = simulate_spectrum("R0-p(R1,CPE1)-CPE2", truth, np.logspace(6, -1, 50), noise=0.003, seed=2)
z = spectrum.impedance_ohm.copy()
z[:2] = z[:2].real + 1j * np.array([30.0, 12.0])  # inductive artefacts (Im Z > 0)
spectrum = spectrum.with_meta(impedance_ohm=z, source="simulated, two inductive points")

model = CircuitModel("R0-p(R1,CPE1)-CPE2", drop_inductive=True).fit(spectrum)
print(model.summary())
print(f"R1 fitted {model.values['R1']:.4g} Ω, true {truth['R1']:.4g} Ω")

# %%
# Nyquist, Bode and residuals; the two masked points are hollow.
fig = model.plot()
