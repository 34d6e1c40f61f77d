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

#: Cu Kα1, Kα2 [Å]: the values of International Tables for Crystallography Vol. C (1992),
#: Table 4.2.2.1, that most Rietveld programs use.  Hölzer et al., Phys. Rev. A 56 (1997) 4554
#: measured Cu Kα1 = 8047.8227 eV = 1.5405929 Å, 3.4 ppm shorter: pass that wavelength explicitly
#: for a metrology-grade cell (benchmarks/bench_xrd_published.py does for NIST LaB6).
CU_KA1, CU_KA2 = 1.540598, 1.544426
#: Kα1, Kα2 of common tubes [Å] (International Tables C (1992), Table 4.2.2.1)
KALPHA = {"Cu": (CU_KA1, CU_KA2), "Co": (1.788996, 1.792835), "Fe": (1.936041, 1.939973),
          "Cr": (2.289760, 2.293663), "Mo": (0.709319, 0.713609), "Ag": (0.559421, 0.563813)}


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
    calibrated : str
        Where the profile terms come from (e.g. ``"LaB6 standard"``, a parameter file); empty
        when they are the built-in typical values, i.e. assumed, not measured.
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
    calibrated: str = ""

    @classmethod
    def cu_ka(cls, **changes: Any) -> "Instrument":
        """Cu Kα1 + Kα2 (ratio 0.5) with a typical laboratory profile."""
        return replace(cls(), **changes)

    @classmethod
    def single(cls, wavelength_A: float, **changes: Any) -> "Instrument":
        """One wavelength (monochromatic or synchrotron)."""
        return replace(cls(wavelengths_A=(float(wavelength_A),), ratios=(1.0,)), **changes)

    @classmethod
    def from_wavelength(cls, wavelength_A: float, *, monochromatic: bool = False) -> tuple["Instrument", str]:
        """The instrument for a stated wavelength, and a sentence saying what was assumed.

        A wavelength within 0.002 Å of a tube's Kα1 keeps that tube's Kα2 (ratio 0.5) unless
        ``monochromatic`` is asked for explicitly: stating "1.5405" must not drop Kα2 silently.
        """
        lam = float(wavelength_A)
        if not (0.05 < lam < 5.0):
            raise ValueError(f"wavelength {lam} Å is outside 0.05–5 Å")
        if monochromatic:
            return cls.single(lam), f"one wavelength {lam} Å (monochromatic, as asked)"
        for tube, (k1, k2) in KALPHA.items():
            if abs(lam - k1) < 0.002:
                return (replace(cls(), wavelengths_A=(lam, lam * k2 / k1), ratios=(1.0, 0.5)),
                        f"{tube} Kα1 {lam} Å with Kα2 {lam * k2 / k1:.6f} Å (ratio 0.5); --monochromatic for Kα1 only")
        return cls.single(lam), f"one wavelength {lam} Å (not a tube's Kα1 line)"

    def with_profile(self, **terms: float) -> "Instrument":
        return replace(self, **{k: float(v) for k, v in terms.items()})

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["U_deg2"], d["V_deg2"], d["W_deg2"], d["X_deg"], d["Y_deg"] = (d.pop(k) for k in "UVWXY")
        d["wavelengths_A"] = list(self.wavelengths_A)
        d["ratios"] = list(self.ratios)
        return d
