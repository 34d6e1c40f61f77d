"""Measurements of the Mg3AsN paper the virtual study's files do not hold yet, simulated and
analysed in memory by the same functions the CLI uses.

- **Stack comparison** (Fig. 3b): the Au|SE|Au (ion-blocking) spectrum of as-BM at 100 °C from
  its σ_ion and σ_el (SE arc with C_eff 5 nF as in :mod:`sselab.simulate.paper`, electronic leak
  R_el = l/(σ_el·A) − R_bulk across a 5e-6 F·s^(n−1) blocking CPE) and a Mg|SE|Mg
  (reversible) one → :func:`sselab.transport.stacks.diagnose_stacks`.
- **Hot-pressed σ_el** (Fig. S8): DC holds at 0.1–0.5 V of hot-pressed pellets →
  :func:`sselab.dc.electronic.electronic_conductivity`.
- **SE–polymer composite** (Fig. 6f–g): SS|SE-polymer|SS spectra (bulk resistor + blocking
  spike) at 25–80 °C → :func:`sselab.eis.fit_circuit` → σ = l/(R·A) →
  :func:`sselab.transport.arrhenius.arrhenius` (σ_RT, Ea).

Assumptions the paper does not state (also in :data:`ASSUMPTIONS`): the hot-pressed pellets have
the cold-pressed geometry and 0.45 eV for σ_el; the composite membrane is 100 µm thick on
1.327 cm², its blocking interface a CPE with Q = 1e-5 F·s^(n−1), n = 0.9; the Mg|SE|Mg charge
transfer resistance is 4·R_bulk; DC holds last 9000 s with a 300 s decay and 0.2 % noise.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..units import K_B_EV
from .paper import PAPER, MaterialModel

ASSUMPTIONS = [
    "hot-pressed pellets: cold-pressed geometry (0.65 mm, 1.3 cm); σ_el at 100 °C from the paper (Fig. S8)",
    "composite SS|SE-polymer|SS: 100 µm membrane on 1.327 cm², circuit R_b-CPE_dl (Q 1e-5, n 0.9), 0.3 % noise, "
    "25/40/60/80 °C, σ(T) Arrhenius from 0.134 mS/cm at 25 °C with 0.174 eV",
    "Mg|SE|Mg (reversible): R0 + p(R_bulk, CPE) + p(R_ct = 4·R_bulk, CPE 10 µF)",
    "DC holds (hot-pressed): 0.1–0.5 V, 9000 s, one 300 s decay (a 600 s decay leaves I0·e^-15 = 0.3 % of I_ss "
    "for 600C-12h, whose I0/I_ss ≈ 1e4), noise 0.2 % of I_ss",
]

COMPOSITE_THICKNESS_CM = 0.01
COMPOSITE_CIRCUIT = "R_b-CPE_dl"


def _geometry(thickness_cm: float, area_cm2: float) -> Any:
    from ..transport.geometry import SampleGeometry

    return SampleGeometry(thickness_cm / 100, area_cm2 / 1e4)


def stack_comparison(seed: int = 0, sample: str = "as-BM") -> dict[str, Any]:
    """Au|SE|Au and Mg|SE|Mg spectra of ``sample`` at 100 °C → the stack diagnosis (dict)."""
    from ..eis.simulate import paper_frequencies, simulate_spectrum
    from ..transport.stacks import LEAKY, diagnose_stacks

    m = MaterialModel(sigma_ion_ref_S_per_cm=PAPER["sigma_ion_100C_S_per_cm"][sample],
                      sigma_el_ref_S_per_cm=PAPER["sigma_el_100C_S_per_cm_cold"][sample])
    T = 373.15
    s_ion, s_el = m.sigma_ion_S_per_cm(T), m.sigma_el_S_per_cm(T)
    r_b = m.thickness_cm / ((s_ion + s_el) * m.area_cm2)  # ions and electrons in parallel
    r_dc = m.thickness_cm / (s_el * m.area_cm2)  # electrons only
    blocking = simulate_spectrum(LEAKY, {"R0": 1.0, "R1": r_b - 1.0, "CPE1.Q": 5e-9 ** 0.85 / r_b ** 0.15, "CPE1.n": 0.85,
                                         "R_el": r_dc - r_b, "CPE2.Q": 5e-6, "CPE2.n": 0.9},
                                 paper_frequencies(), noise=0.003, seed=seed, temperature_K=T)
    rev = simulate_spectrum("R0-p(R1,CPE1)-p(R2,CPE2)",
                            {"R0": 1.0, "R1": r_b, "CPE1.Q": 5e-9 ** 0.85 / r_b ** 0.15, "CPE1.n": 0.85,
                             "R2": 4 * r_b, "CPE2.Q": 1e-5 ** 0.8 / (4 * r_b) ** 0.2, "CPE2.n": 0.8},
                            paper_frequencies(), noise=0.003, seed=seed + 1, temperature_K=T)
    d = diagnose_stacks(blocking, thickness_cm=m.thickness_cm, area_cm2=m.area_cm2, reversible=rev).to_dict()
    d.pop("fits", None)
    d["truth"] = {"sigma_ion_S_per_cm": s_ion, "sigma_el_S_per_cm": s_el, "t_el": s_el / (s_ion + s_el),
                  "conductor": "ionic" if s_el / (s_ion + s_el) < 0.01 else "mixed"}
    return d


def hot_pressed_sigma_el(sample: str, seed: int = 0) -> dict[str, Any]:
    """σ_el of a hot-pressed pellet from simulated DC holds (dict with truth)."""
    from ..dc.electronic import electronic_conductivity
    from ..transport.simulate import simulate_polarisation

    m = MaterialModel()
    g = _geometry(m.thickness_cm, m.area_cm2)
    s_el = PAPER["sigma_el_100C_S_per_cm_hot"][sample]
    s_ion = PAPER["sigma_ion_100C_S_per_cm"][sample]
    holds = []
    for k, v in enumerate((0.1, 0.2, 0.3, 0.4, 0.5)):
        Is = v * s_el / g.cell_constant_per_cm
        holds.append(simulate_polarisation(s_ion, s_el, g, potential_V=v, time_constants_s=(300.0,), duration_s=9000.0,
                                           interval_s=15.0, noise_A=0.002 * Is, seed=seed + k,
                                           source=f"virtual hot-pressed {sample} {v:g} V"))
    d = electronic_conductivity(holds, g).to_dict()
    d["truth_sigma_el_S_per_cm"] = s_el
    return d


def composite_conductivity(seed: int = 0) -> dict[str, Any]:
    """SS|SE-polymer|SS spectra at 25–80 °C → σ(T), Ea and σ(25 °C) (dict with truth)."""
    from ..eis import fit_circuit
    from ..eis.simulate import paper_frequencies, simulate_spectrum
    from ..transport.arrhenius import arrhenius

    s_rt = PAPER["composite_sigma_RT_mS_per_cm"] * 1e-3
    ea = PAPER["composite_Ea_eV"]
    area = MaterialModel().area_cm2
    T_list, sig, err = [], [], []
    for k, tc in enumerate((25.0, 40.0, 60.0, 80.0)):
        T = tc + 273.15
        s = s_rt * np.exp(-ea / K_B_EV * (1 / T - 1 / 298.15))
        R = COMPOSITE_THICKNESS_CM / (s * area)
        spec = simulate_spectrum(COMPOSITE_CIRCUIT, {"R_b": R, "CPE_dl.Q": 1e-5, "CPE_dl.n": 0.9}, paper_frequencies(),
                                 noise=0.003, seed=seed + k, temperature_K=T)
        fit = fit_circuit(spec, COMPOSITE_CIRCUIT)
        rb = fit["R_b"]
        T_list.append(T)
        sig.append(COMPOSITE_THICKNESS_CM / (rb.value * area))
        err.append(sig[-1] * (rb.stderr or 0.0) / rb.value)
    arr = arrhenius(T_list, sig, err)
    return {"temperature_K": T_list, "sigma_S_per_cm": sig, "sigma_stderr_S_per_cm": err,
            "Ea_eV": arr.Ea_eV, "Ea_stderr_eV": arr.Ea_stderr_eV,
            "sigma_RT_S_per_cm": sig[0], "sigma_RT_stderr_S_per_cm": err[0],
            "truth": {"sigma_RT_S_per_cm": s_rt, "Ea_eV": ea}, "status": "ok", "reasons": []}
