"""σ_ion and σ_el of a mixed conductor from one iBE|SE|iBE spectrum.

Circuit :data:`~sselab.transport.simulate.MIXED_CONDUCTOR_CIRCUIT`:
``p(C_geo,R_el,R_ion-CPE_int)`` — the geometric capacitance, the electronic resistor, and the
ionic resistor in series with the blocking interfaces.  At high frequency the cell shows
R_ion‖R_el, at low frequency (ions blocked) R_el alone.

A conductivity is *resolvable* only when the spectrum sees it: σ_el needs the low-frequency
plateau (R_el no larger than a few times |Z| at the lowest frequency) and σ_ion needs R_ion
not much larger than R_el (else the ions carry too little of the current).  Either way the
fit's relative standard error must stay below 30 %; otherwise the result says which one is
not resolvable and why.

Examples
--------
>>> from sselab.transport.geometry import SampleGeometry
>>> from sselab.transport.simulate import simulate_mixed_spectrum
>>> g = SampleGeometry.from_text("0.65 mm", diameter="13 mm")
>>> s = simulate_mixed_spectrum(1e-6, 2e-7, g, noise=0.0)
>>> res = fit_mixed_conductor(s, g)
>>> round(res.sigma_ion_S_per_cm * 1e6, 3), round(res.sigma_el_S_per_cm * 1e7, 3)
(1.0, 2.0)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..measurements import Spectrum
from .geometry import SampleGeometry
from .simulate import EPSILON_0_F_PER_CM, MIXED_CONDUCTOR_CIRCUIT

MAX_RELATIVE_STDERR = 0.3


@dataclass(frozen=True)
class MixedConductorResult:
    sigma_ion_S_per_cm: float
    sigma_ion_stderr_S_per_cm: float | None
    sigma_el_S_per_cm: float
    sigma_el_stderr_S_per_cm: float | None
    ion_resolvable: bool
    el_resolvable: bool
    epsilon_r: float
    t_ion: float
    fit: Any
    messages: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict.  A conductivity the spectrum cannot resolve is null (with the reason in
        "messages"); the fit's number for it stays under "*_estimate_S_per_cm", which is not a
        measurement."""
        ion, el = self.ion_resolvable, self.el_resolvable
        return {
            "circuit": MIXED_CONDUCTOR_CIRCUIT,
            "sigma_ion_S_per_cm": self.sigma_ion_S_per_cm if ion else None,
            "sigma_ion_stderr_S_per_cm": self.sigma_ion_stderr_S_per_cm if ion else None,
            "sigma_el_S_per_cm": self.sigma_el_S_per_cm if el else None,
            "sigma_el_stderr_S_per_cm": self.sigma_el_stderr_S_per_cm if el else None,
            "sigma_ion_estimate_S_per_cm": self.sigma_ion_S_per_cm,
            "sigma_el_estimate_S_per_cm": self.sigma_el_S_per_cm,
            "sigma_el_ac_low_frequency_S_per_cm": self.sigma_el_S_per_cm if el else None,
            "ion_resolvable": self.ion_resolvable,
            "el_resolvable": self.el_resolvable,
            "t_ion_from_conductivities": self.t_ion if ion and el else None,
            "epsilon_r": self.epsilon_r,
            "fit": self.fit.to_dict(),
            "messages": list(self.messages),
        }


def fit_mixed_conductor(spectrum: Spectrum, geometry: SampleGeometry, weighting: str = "modulus") -> MixedConductorResult:
    """Fit the mixed-conductor circuit and convert to σ_ion, σ_el (see the module docstring)."""
    from ..eis import fit_circuit

    z = spectrum.impedance_ohm
    f = spectrum.frequency_Hz
    k = geometry.cell_constant_per_cm
    lo = int(np.argmin(f))
    hi = int(np.argmax(f))
    r_lo = float(abs(z[lo].real))
    r_hi = float(max(abs(z[hi].real), 1e-12))
    # starts: R_el from the low-frequency real part, R_ion from the high-frequency real part
    r_el0 = max(r_lo, 1.5 * r_hi)
    r_ion0 = max(1.0 / max(1.0 / r_hi - 1.0 / r_el0, 1e-30), r_hi)
    initial = {"C_geo": EPSILON_0_F_PER_CM * 30 / k, "R_el": r_el0, "R_ion": r_ion0, "CPE_int.Q": 1e-6, "CPE_int.n": 0.85}
    fits = [fit_circuit(spectrum, MIXED_CONDUCTOR_CIRCUIT, weighting=weighting, initial=initial),
            fit_circuit(spectrum, MIXED_CONDUCTOR_CIRCUIT, weighting=weighting)]
    fit = min(fits, key=lambda x: x.chi2 if math.isfinite(x.chi2) else math.inf)
    r_el, r_ion = fit["R_el"], fit["R_ion"]
    s_el = k / r_el.value
    s_ion = k / r_ion.value
    rel_g = math.hypot(geometry.thickness_stderr_m / geometry.thickness_m, geometry.area_stderr_m2 / geometry.area_m2)

    def _se(est: Any, sigma: float) -> float | None:
        if est.stderr is None:
            return None
        return sigma * math.hypot(est.stderr / est.value, rel_g)

    msgs = []
    el_ok = r_el.relative_stderr is not None and r_el.relative_stderr < MAX_RELATIVE_STDERR
    ion_ok = r_ion.relative_stderr is not None and r_ion.relative_stderr < MAX_RELATIVE_STDERR
    zmin_f = abs(z[lo])
    if r_el.value > 5 * zmin_f:
        el_ok = False
        msgs.append(f"σ_el not resolvable: R_el ({r_el.value:.3g} Ω) is far above |Z| at the lowest frequency "
                    f"({zmin_f:.3g} Ω at {f[lo]:.3g} Hz); the low-frequency plateau is not reached — σ_el is at most an estimate, measure lower frequencies or use DC")
    elif not el_ok:
        msgs.append(f"σ_el not resolvable: R_el's relative standard error {r_el.relative_stderr if r_el.relative_stderr is not None else float('nan'):.2g} exceeds {MAX_RELATIVE_STDERR:g}")
    if r_ion.value > 20 * r_el.value:
        ion_ok = False
        msgs.append(f"σ_ion not resolvable: R_ion ({r_ion.value:.3g} Ω) is over 20× R_el ({r_el.value:.3g} Ω); electrons carry nearly all the current")
    elif not ion_ok:
        msgs.append(f"σ_ion not resolvable: R_ion's relative standard error {r_ion.relative_stderr if r_ion.relative_stderr is not None else float('nan'):.2g} exceeds {MAX_RELATIVE_STDERR:g}")
    if el_ok and ion_ok:
        msgs.append("σ_ion and σ_el both resolved from the spectrum")
    eps = fit["C_geo"].value * k / EPSILON_0_F_PER_CM
    return MixedConductorResult(s_ion, _se(r_ion, s_ion), s_el, _se(r_el, s_el), ion_ok, el_ok, eps,
                                s_ion / (s_ion + s_el), fit, tuple(msgs))
