"""
Kramers–Kronig and Z-HIT checks
===============================

Two model-free checks of a spectrum: the exploratory linear Kramers–Kronig test (the number of
Voigt elements chosen by Schönleber's μ criterion, with and without a series capacitance and
inductance) and Z-HIT (the modulus rebuilt from the phase).  A spectrum that drifted while it
was measured fails them; the same spectrum without drift passes.
"""

import matplotlib.pyplot as plt
import numpy as np

from sselab.eis import simulate_spectrum
from sselab.eis.kk_explore import explore_kk
from sselab.eis.zhit import zhit

f = np.logspace(6, -1, 60)
truth = {"R0": 50.0, "R1": 2.0e4, "CPE1.Q": 2e-10, "CPE1.n": 0.9, "R2": 5e3, "CPE2.Q": 1e-7, "CPE2.n": 0.8}
good = simulate_spectrum("R0-p(R1,CPE1)-p(R2,CPE2)", truth, f, noise=0.002, seed=3)
# drift: the resistance grows by 20 % over the sweep (high to low frequency)
drift = good.impedance_ohm * (1 + 0.2 * np.linspace(0, 1, f.size) ** 2)
drifted = good.with_meta(impedance_ohm=drift, source="drifting")

fig, ax = plt.subplots(figsize=(6, 3.5))
for s, label in ((good, "stable"), (drifted, "drifting")):
    kk = explore_kk(s)
    zh = zhit(s)
    print(f"{label}: lin-KK ({kk.recommended.name}, M = {kk.final.n_elements}) "
          f"{'passed' if kk.final.passed else 'failed'}, max residual {100 * kk.final.max_residual:.2f} %; "
          f"Z-HIT {'passed' if zh.passed else 'failed'}, max residual {100 * zh.max_residual:.2f} %")
    ax.semilogx(f, 100 * zh.residuals_modulus, "o-", ms=3, label=f"Z-HIT, {label}")
ax.set_xlabel("f / Hz")
ax.set_ylabel("|Z| residual / %")
ax.legend()
fig.tight_layout()
