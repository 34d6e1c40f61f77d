"""The Mg3AsN study's material and cell parameters (REFERENCE §2 and §4) as a forward model.

The paper's numbers (``PAPER``) parameterise a physically consistent model: ionic and
electronic conductivities with Arrhenius temperature dependence, pellet geometry, and the
MOF-based electron-blocking layer (eBE).  Spectra are produced by the same circuit models
the fitting uses, so every analysis has a round trip with known truth.

Choices where the paper is silent are stated here:

- The eBE layer behaves as a resistor with its own activation energy (0.30 eV assumed,
  chosen so its 14.6 Ω at 100 °C is consistent with the stack values within a factor 2).
- The SE arc is resolvable in 1 MHz–100 mHz only if its effective capacitance is ~nF (as
  the paper's own fit of R_ap implies); the model uses CPE_ap with C_eff ≈ 5 nF, n = 0.85.
- The Mg|eBE interface is an arc with C_eff ≈ 10 µF and R_int = 4·R_ap.

Examples
--------
>>> m = MaterialModel()
>>> round(m.sigma_ion_S_per_cm(373.15), 8)
0.000554
>>> round(m.r_ion_ohm(373.15), 1)
88.4
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..eis.simulate import paper_frequencies, simulate_spectrum
from ..measurements import Spectrum
from ..units import K_B_EV, disc_area

#: Reported values, REFERENCE §2 and §4 (SI unless the name says otherwise).
PAPER = {
    "thickness_cm": 0.065,
    "diameter_cm": 1.3,
    "area_cm2": 1.327,
    "sigma_ion_100C_S_per_cm": {"as-BM": 5.54e-4, "600C-12h": 2e-4},
    "Ea_ion_eV": {"as-BM": 0.30},
    "sigma_el_100C_S_per_cm_cold": {"as-BM": 4.9e-8, "600C-12h": 6.87e-8},
    "sigma_el_100C_S_per_cm_hot": {"as-BM": 1.5e-6, "600C-12h": 2.4e-8},
    "t_ion": {"as-BM": 0.077, "600C-12h": 0.615},
    "R_eBE_100C_ohm": 14.6,
    "stack_sigma_mS_per_cm": {"40C": 0.094, "100C": 0.76},
    "composite_sigma_RT_mS_per_cm": 0.134,
    "composite_Ea_eV": 0.174,
    # Table 2 (Rietveld/Williamson–Hall of Mg3AsN, Cu Kα); R factors in %
    "xrd": {
        "as-BM": {"a_A": 4.2307, "density_g_cm3": 3.55, "volume_A3": 75.7275, "D_nm": 14.1, "strain": 6.67e-3,
                  "Rp": 4.06, "Rwp": 5.19, "Rexp": 4.49, "chi2": 1.34},
        "500C-12h": {"a_A": 4.2239, "density_g_cm3": 3.567, "volume_A3": 75.3608, "D_nm": 31.4, "strain": 1.64e-3,
                     "Rp": 5.26, "Rwp": 7.06, "Rexp": 4.43, "chi2": 2.54},
        "600C-12h": {"a_A": 4.2242, "density_g_cm3": 3.566, "volume_A3": 75.3781, "D_nm": 25.4, "strain": 2.33e-3,
                     "Rp": 3.52, "Rwp": 4.51, "Rexp": 4.07, "chi2": 1.23},
        "700C-12h": {"a_A": 4.2241, "density_g_cm3": 3.566, "volume_A3": 75.3702, "D_nm": 38.4, "strain": 0.87e-3,
                     "Rp": 4.28, "Rwp": 5.66, "Rexp": 4.19, "chi2": 1.83},
    },
}


@dataclass(frozen=True)
class MaterialModel:
    """An SE pellet between eBE layers: Arrhenius ionic and electronic conduction.

    Conductivities in S/cm, energies in eV, temperatures in K, thickness and diameter in cm.
    """

    sigma_ion_ref_S_per_cm: float = 5.54e-4
    Ea_ion_eV: float = 0.30
    sigma_el_ref_S_per_cm: float = 4.9e-8
    Ea_el_eV: float = 0.45
    T_ref_K: float = 373.15
    thickness_cm: float = 0.065
    diameter_cm: float = 1.3
    R_eBE_ref_ohm: float = 14.6
    Ea_eBE_eV: float = 0.30
    C_se_F: float = 5e-9
    n_se: float = 0.85
    C_int_F: float = 1e-5
    n_int: float = 0.8
    R_int_factor: float = 4.0

    @property
    def area_cm2(self) -> float:
        return disc_area(self.diameter_cm)

    def _arrhenius(self, ref: float, Ea: float, T_K: float) -> float:
        return ref * math.exp(-Ea / K_B_EV * (1 / T_K - 1 / self.T_ref_K))

    def sigma_ion_S_per_cm(self, T_K: float) -> float:
        """σ_ion(T) = σ_ref·exp(−Ea/k·(1/T − 1/T_ref)) [S/cm] (the paper's σ convention)."""
        return self._arrhenius(self.sigma_ion_ref_S_per_cm, self.Ea_ion_eV, T_K)

    def sigma_el_S_per_cm(self, T_K: float) -> float:
        return self._arrhenius(self.sigma_el_ref_S_per_cm, self.Ea_el_eV, T_K)

    def r_ion_ohm(self, T_K: float) -> float:
        """Ionic bulk resistance R = l/(σA) [Ω]."""
        return self.thickness_cm / (self.sigma_ion_S_per_cm(T_K) * self.area_cm2)

    def r_el_ohm(self, T_K: float) -> float:
        return self.thickness_cm / (self.sigma_el_S_per_cm(T_K) * self.area_cm2)

    def r_ebe_ohm(self, T_K: float) -> float:
        """Bulk resistance [Ω] of ONE eBE layer."""
        return self.R_eBE_ref_ohm * math.exp(self.Ea_eBE_eV / K_B_EV * (1 / T_K - 1 / self.T_ref_K))

    def ebe_stack_values(self, T_K: float) -> dict[str, float]:
        """Circuit values of Mg|eBE|SE|eBE|Mg at T for EBE_STACK_CIRCUIT."""
        r_ap = self.r_ion_ohm(T_K)
        r_int = self.R_int_factor * r_ap

        def q(r: float, c: float, n: float) -> float:  # Q whose effective capacitance is c
            return c**n / r ** (1 - n)

        return {
            "R_mof": 2 * self.r_ebe_ohm(T_K),
            "R_ap": r_ap,
            "CPE_ap.Q": q(r_ap, self.C_se_F, self.n_se),
            "CPE_ap.n": self.n_se,
            "R_int": r_int,
            "CPE_int.Q": q(r_int, self.C_int_F, self.n_int),
            "CPE_int.n": self.n_int,
        }


#: The paper's Fig. 3e circuit in sselab's language.
EBE_STACK_CIRCUIT = "R_mof-p(R_ap,CPE_ap)-p(R_int,CPE_int)"


def ebe_stack_spectrum(
    T_K: float, model: MaterialModel | None = None, noise: float = 0.003, seed: int | None = 0,
    frequency_Hz: np.ndarray | None = None,
) -> Spectrum:
    """A simulated Mg|eBE|SE|eBE|Mg spectrum at ``T_K`` on the paper's 1 MHz–100 mHz grid."""
    model = model or MaterialModel()
    values = model.ebe_stack_values(T_K)
    s = simulate_spectrum(
        EBE_STACK_CIRCUIT, values, paper_frequencies() if frequency_Hz is None else frequency_Hz,
        noise=noise, seed=seed, temperature_K=T_K, source=f"virtual Mg|eBE|Mg3AsN|eBE|Mg at {T_K - 273.15:.0f} °C",
    )
    return s
