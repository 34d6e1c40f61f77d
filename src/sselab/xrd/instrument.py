"""The diffractometer: wavelengths and the instrument's own profile (Caglioti/TCH terms).

Examples
--------
>>> inst = Instrument.cu_ka()
>>> inst.wavelengths_A, inst.ratios
((1.540598, 1.544426), (1.0, 0.5))
>>> Instrument.single(0.7093).wavelengths_A
(0.7093,)
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

#: Cu Kα1, Kα2 (Hölzer et al., Phys. Rev. A 56 (1997) 4554) [Å]
CU_KA1, CU_KA2 = 1.540598, 1.544426


@dataclass(frozen=True)
class Instrument:
    """Wavelength lines and instrumental broadening.

    Attributes
    ----------
    wavelengths_A : tuple of float
        Emission lines [Å]; the first is the reference line for reporting.
    ratios : tuple of float
        Relative intensity of each line (Kα2/Kα1 = 0.5 for Cu).
    U, V, W : float
        Caglioti Gaussian terms [deg²]: Γ_G² = U tan²θ + V tanθ + W.
    X, Y : float
        Lorentzian terms [deg]: Γ_L = X tanθ + Y / cosθ.
    monochromator_2theta_deg : float
        Monochromator angle for the polarisation factor (0: none).
    K : float
        Scherrer constant used for sizes.
    """

    wavelengths_A: tuple[float, ...] = (CU_KA1, CU_KA2)
    ratios: tuple[float, ...] = (1.0, 0.5)
    U: float = 0.004
    V: float = -0.002
    W: float = 0.002
    X: float = 0.0
    Y: float = 0.01
    monochromator_2theta_deg: float = 0.0
    K: float = 0.9

    @classmethod
    def cu_ka(cls, **changes: Any) -> "Instrument":
        """Cu Kα1 + Kα2 (ratio 0.5) with a typical laboratory profile."""
        return replace(cls(), **changes)

    @classmethod
    def single(cls, wavelength_A: float, **changes: Any) -> "Instrument":
        """One wavelength (monochromatic or synchrotron)."""
        return replace(cls(wavelengths_A=(float(wavelength_A),), ratios=(1.0,)), **changes)

    def with_profile(self, **terms: float) -> "Instrument":
        return replace(self, **{k: float(v) for k, v in terms.items()})

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["U_deg2"], d["V_deg2"], d["W_deg2"], d["X_deg"], d["Y_deg"] = (d.pop(k) for k in "UVWXY")
        d["wavelengths_A"] = list(self.wavelengths_A)
        d["ratios"] = list(self.ratios)
        return d
