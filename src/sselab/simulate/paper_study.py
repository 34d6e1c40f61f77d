"""The rest of the Mg3AsN paper as files of the virtual study (written by
:func:`sselab.simulate.virtual_study.write_virtual_study`, analysed by :mod:`sselab.study`).

:func:`write_paper_measurements` writes, with manifest entries and truth:

- **Cell-stack comparison** (Fig. 3b): as-BM at 100 °C in Au|SE|Au (ion-blocking, with the
  electronic leak R_el = l/(σ_el·A) − R_bulk across the blocking CPE) and Mg|SE|Mg (reversible).
- **EIS vs annealing temperature** (Fig. 4d): Au|SE|Au of 500C-12h, 600C-12h, 700C-12h at 100 °C
  (assumed σ, :data:`ANNEALED`: the electronic resistance grows with the annealing temperature).
- **Hot-pressed pellets** (Fig. S8/S9): samples ``as-BM-HP`` and ``600C-12h-HP`` with DC holds
  at 0.1/0.3/0.5 V (σ_el 1.5e-6 and 2.4e-8 S/cm at 100 °C) and as-BM-HP in Mg|eBE|SE|eBE|Mg at
  40–100 °C (Fig. S9: the paper says σ_ion *decreased*; 3.0e-4 S/cm at 100 °C, 0.30 eV assumed).
- **SE–polymer composite** (Fig. 6f–i, S11): SS|SE-polymer|SS at 25/40/60/80 °C (σ 0.134 mS/cm
  at 25 °C, 0.174 eV); GCD of Mg|SE-polymer|Mg, 200 cycles at 2 µA/cm², 60 °C; the 6-day ageing
  (EIS on days 0, 2, 4, 6: the interface resistance does not change); a Bruce–Vincent set (EIS
  before, 10 mV hold, EIS after; t+ assumed 0.60) and a stepped-current CCD test (assumed short
  at 50 µA/cm²: CCD 20 µA/cm²).
- **600 °C XPS** (Fig. S6): depth profile of 600C-12h (Mg:As 3.24:1 after 20 min, N 1s#1 at
  394.8 eV weak and rising with sputtering).

Every assumption is in :data:`ASSUMPTIONS` (and the study's ``truth.json``).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from ..units import K_B_EV
from .manifest import manifest_entry
from .paper import PAPER, MaterialModel, ebe_stack_spectrum

ASSUMPTIONS = [
    "stack comparison (as-BM, 100 °C): Au|SE|Au = R0 + p(R_bulk, CPE 5 nF) + p(R_el = l/(σ_el·A) − R_bulk, "
    "CPE 5e-6); Mg|SE|Mg = R0 + p(R_bulk, CPE) + p(R_ct = 4·R_bulk, CPE 10 µF)",
    "Fig. 4d (EIS vs annealing temperature, no numbers in the paper): Au|SE|Au at 100 °C, σ_ion/σ_el = "
    "3.0e-4/3.5e-8 (500 °C), 2.0e-4/2.4e-8 (600 °C), 1.5e-4/1.5e-8 S/cm (700 °C), blocking CPE 1e-6 (its bend inside 0.1 Hz): R_el grows with the annealing "
    "temperature as the paper says (its cold-pressed DC σ_el of 600C-12h, 6.87e-8 > as-BM's 4.9e-8, says the opposite)",
    "hot-pressed pellets: cold-pressed geometry; DC holds 0.1/0.3/0.5 V, 6000 s, 300 s decay, 0.2 % noise",
    "hot-pressed as-BM in the eBE stack (Fig. S9): σ_ion 3.0e-4 S/cm at 100 °C (the paper: 'decreased'), 0.30 eV",
    "composite membrane: 100 µm on 1.327 cm², SS|SE-polymer|SS = R_b + CPE_dl (Q 1e-5, n 0.9), 0.3 % noise",
    "composite GCD (Fig. 6i): 200 cycles at 2 µA/cm², 60 °C, 1 h half-cycles, η ±0.10 V flat (the paper: "
    "'relatively stable', no number)",
    "ageing (Fig. S11): Mg|SE-polymer|Mg at 60 °C on days 0, 2, 4, 6, R_int 800 Ω constant (the paper: 'no change')",
    "Bruce–Vincent (no number in the paper): Mg|SE-polymer|Mg, 60 °C, ΔV 10 mV, t+ 0.60, R_b 75 Ω, R_int 800 Ω",
    "CCD (no number in the paper): Mg|SE-polymer|Mg, steps 5/10/20/50 µA/cm², short at 50 → CCD 20 µA/cm²",
    "600 °C XPS: Mg-rich surface, bulk Mg:As 3.24:1 reached after 20 min; N 1s#1 at 394.8 eV",
]

#: Fig. 4d (no numbers in the paper): σ_ion, σ_el [S/cm] at 100 °C of the annealed pellets in Au|SE|Au
ANNEALED = {"500C-12h": (3.0e-4, 3.5e-8), "600C-12h": (2.0e-4, 2.4e-8), "700C-12h": (1.5e-4, 1.5e-8)}
COMPOSITE_THICKNESS_CM = 0.01
COMPOSITE_CIRCUIT = "R_b-CPE_dl"
COMPOSITE_TEMPS_C = (25.0, 40.0, 60.0, 80.0)
REVERSIBLE_CIRCUIT = "R0-p(R1,CPE1)-p(R2,CPE2)"
BLOCKING_STACK, REVERSIBLE_STACK = "Au|SE|Au", "Mg|SE|Mg"
COMPOSITE_STACK, COMPOSITE_MG = "SS|SE-polymer|SS", "Mg|SE-polymer|Mg"
HP_SIGMA_ION_100C = 3.0e-4
BV = {"delta_V": 0.01, "t_plus": 0.60, "R_b_ohm": 75.0, "R_int_ohm": 800.0}
CCD_STEPS = (0.005, 0.01, 0.02, 0.05)
CCD_SHORT = 0.05
AGEING_DAYS = (0, 2, 4, 6)


def _q(r: float, c: float, n: float) -> float:
    return c**n / r ** (1 - n)


def _stacks(root: Path, seed: int, truth: dict, meas: list) -> None:
    from ..eis.simulate import paper_frequencies, simulate_spectrum
    from ..io.writers import write_spectrum_csv
    from ..transport.stacks import LEAKY

    m = MaterialModel()
    T = 373.15
    s_ion, s_el = m.sigma_ion_S_per_cm(T), m.sigma_el_S_per_cm(T)
    r_b = m.thickness_cm / ((s_ion + s_el) * m.area_cm2)
    r_dc = m.thickness_cm / (s_el * m.area_cm2)
    blocking = simulate_spectrum(LEAKY, {"R0": 1.0, "R1": r_b - 1.0, "CPE1.Q": _q(r_b, 5e-9, 0.85), "CPE1.n": 0.85,
                                         "R_el": r_dc - r_b, "CPE2.Q": 5e-6, "CPE2.n": 0.9},
                                 paper_frequencies(), noise=0.003, seed=seed + 700, temperature_K=T,
                                 source="virtual Au|SE|Au as-BM 100 °C")
    rev = simulate_spectrum(REVERSIBLE_CIRCUIT, {"R0": 1.0, "R1": r_b, "CPE1.Q": _q(r_b, 5e-9, 0.85), "CPE1.n": 0.85,
                                                 "R2": 4 * r_b, "CPE2.Q": _q(4 * r_b, 1e-5, 0.8), "CPE2.n": 0.8},
                            paper_frequencies(), noise=0.003, seed=seed + 701, temperature_K=T,
                            source="virtual Mg|SE|Mg as-BM 100 °C")
    for spec, cell, name in ((blocking, BLOCKING_STACK, "Au-SE-Au"), (rev, REVERSIBLE_STACK, "Mg-SE-Mg")):
        path = root / "stacks" / f"as-BM_{name}_100C.csv"
        write_spectrum_csv(path, spec)
        meas.append(manifest_entry(root, path, "eis", cell, "as-BM", "100 °C"))
    t_el = s_el / (s_ion + s_el)
    truth["as-BM"]["stacks"] = {"sigma_ion_S_per_cm": s_ion, "sigma_el_S_per_cm": s_el, "t_el": t_el,
                                "conductor": "ionic" if t_el < 0.01 else "mixed"}
    # Fig. 4d: Au|SE|Au of the annealed pellets at 100 °C (electronic resistance grows with the annealing T)
    from .virtual_study import sample_models

    for k, (name, (si, se)) in enumerate(ANNEALED.items()):
        th = sample_models().get(name, m).thickness_cm  # the pellet of the manifest (600C-12h: 0.62 mm)
        r_b = th / ((si + se) * m.area_cm2)
        r_dc = th / (se * m.area_cm2)
        spec = simulate_spectrum(LEAKY, {"R0": 1.0, "R1": r_b - 1.0, "CPE1.Q": _q(r_b, 5e-9, 0.85), "CPE1.n": 0.85,
                                         "R_el": r_dc - r_b, "CPE2.Q": 1e-6, "CPE2.n": 0.9},
                                 paper_frequencies(), noise=0.003, seed=seed + 710 + k, temperature_K=T,
                                 source=f"virtual Au|SE|Au {name} 100 °C")
        path = root / "stacks" / f"{name}_Au-SE-Au_100C.csv"
        write_spectrum_csv(path, spec)
        meas.append(manifest_entry(root, path, "eis", BLOCKING_STACK, name, "100 °C"))
        truth.setdefault(name, {})["stacks"] = {"sigma_ion_S_per_cm": si, "sigma_el_S_per_cm": se,
                                                "t_el": se / (si + se), "R_el_ohm": r_dc}
    truth["as-BM"]["stacks"]["R_el_ohm"] = r_dc


def _hot_pressed(root: Path, seed: int, truth: dict, meas: list) -> list[dict]:
    from ..io.writers import write_spectrum_mpt, write_transient_csv
    from ..transport.geometry import SampleGeometry
    from ..transport.simulate import simulate_polarisation

    samples = []
    for j, base in enumerate(("as-BM", "600C-12h")):
        name = f"{base}-HP"
        m = MaterialModel()
        g = SampleGeometry(m.thickness_cm / 100, m.area_cm2 / 1e4)
        s_el = PAPER["sigma_el_100C_S_per_cm_hot"][base]
        s_ion = PAPER["sigma_ion_100C_S_per_cm"][base] if base != "as-BM" else HP_SIGMA_ION_100C
        for k, v in enumerate((0.1, 0.3, 0.5)):
            Is = v * s_el / g.cell_constant_per_cm
            ct = simulate_polarisation(s_ion, s_el, g, potential_V=v, time_constants_s=(300.0,), duration_s=6000.0,
                                       interval_s=20.0, noise_A=0.002 * Is, seed=seed + 720 + 10 * j + k,
                                       source=f"virtual hot-pressed {base} {v:g} V")
            path = root / "hot-pressed" / f"{name}_Au-SE-Au_{v:.1f}V_100C.csv"
            write_transient_csv(path, ct)
            meas.append(manifest_entry(root, path, "dc", "Au|SE|Au", name, "100 °C", voltage=f"{v:g} V"))
        truth[name] = {"sigma_el_100C_S_per_cm": s_el, "thickness_cm": m.thickness_cm, "area_cm2": m.area_cm2,
                       "hot_pressed": True}
        samples.append({"name": name, "treatment": f"{base}, hot-pressed at 100 °C",
                        "thickness": f"{m.thickness_cm * 10:.2f} mm", "diameter": f"{m.diameter_cm * 10:g} mm"})
    # Fig. S9: the hot-pressed as-BM pellet between eBE layers, 40–100 °C
    from dataclasses import replace

    hp = replace(MaterialModel(), sigma_ion_ref_S_per_cm=HP_SIGMA_ION_100C)
    sig = {}
    for k, tc in enumerate((40.0, 60.0, 80.0, 100.0)):
        T = tc + 273.15
        path = root / "hot-pressed" / f"as-BM-HP_eBE-stack_{tc:.0f}C.mpt"
        write_spectrum_mpt(path, ebe_stack_spectrum(T, hp, noise=0.003, seed=seed + 740 + k))
        meas.append(manifest_entry(root, path, "eis", "Mg|eBE|SE|eBE|Mg", "as-BM-HP", f"{tc:.0f} °C"))
        sig[f"{tc:.0f}"] = hp.sigma_ion_S_per_cm(T)
    truth["as-BM-HP"].update({"sigma_ion_S_per_cm": sig, "Ea_ion_eV": hp.Ea_ion_eV})
    return samples


def _composite(root: Path, seed: int, truth: dict, meas: list) -> None:
    from ..cycling.ccd import simulate_stepped_cycling
    from ..cycling.simulate import simulate_cycling
    from ..eis.simulate import paper_frequencies, simulate_spectrum
    from ..io.writers import write_galvanostatic_csv, write_spectrum_csv, write_transient_csv
    from ..transport.simulate import simulate_transient

    area = MaterialModel().area_cm2
    s_rt = PAPER["composite_sigma_RT_mS_per_cm"] * 1e-3
    ea = PAPER["composite_Ea_eV"]
    t = truth.setdefault("SE-polymer", {})
    sig = {}
    for k, tc in enumerate(COMPOSITE_TEMPS_C):
        T = tc + 273.15
        s = s_rt * math.exp(-ea / K_B_EV * (1 / T - 1 / 298.15))
        spec = simulate_spectrum(COMPOSITE_CIRCUIT, {"R_b": COMPOSITE_THICKNESS_CM / (s * area), "CPE_dl.Q": 1e-5,
                                                     "CPE_dl.n": 0.9}, paper_frequencies(), noise=0.003,
                                 seed=seed + 760 + k, temperature_K=T, source=f"virtual SS|SE-polymer|SS {tc:.0f} °C")
        path = root / "composite" / f"SE-polymer_SS-SEpolymer-SS_{tc:.0f}C.csv"
        write_spectrum_csv(path, spec)
        meas.append(manifest_entry(root, path, "eis", COMPOSITE_STACK, "SE-polymer", f"{tc:.0f} °C"))
        sig[f"{tc:.0f}"] = s
    t.update({"sigma_S_per_cm": sig, "sigma_RT_S_per_cm": s_rt, "Ea_eV": ea})
    # Fig. 6i: GCD, 200 cycles at 2 µA/cm², 60 °C
    cur = 2e-6 * area
    rec = simulate_cycling(200, current_A=cur, half_cycle_s=3600.0, points_per_half=30, eta_plating_V=-0.1,
                           eta_stripping_V=0.1, noise_V=0.002, seed=seed + 770)
    path = root / "composite" / "SE-polymer_Mg-SEpolymer-Mg_GCD_60C.csv"
    write_galvanostatic_csv(path, rec)
    meas.append(manifest_entry(root, path, "cycling", COMPOSITE_MG, "SE-polymer", "60 °C"))
    t["gcd"] = {"n_cycles": 200, "eta_plating_V": -0.1, "eta_stripping_V": 0.1, "j_uA_per_cm2": 2.0}
    # Fig. S11: ageing, and the Bruce–Vincent spectra (R_int before/after the hold)
    T = 333.15
    bv = BV

    def reversible(r_int: float, s: int, label: str) -> Any:
        return simulate_spectrum(REVERSIBLE_CIRCUIT, {"R0": 2.0, "R1": bv["R_b_ohm"], "CPE1.Q": _q(bv["R_b_ohm"], 1e-9, 0.9),
                                                      "CPE1.n": 0.9, "R2": r_int, "CPE2.Q": _q(r_int, 1e-5, 0.85),
                                                      "CPE2.n": 0.85},
                                 paper_frequencies(), noise=0.003, seed=s, temperature_K=T, source=label)

    for k, day in enumerate(AGEING_DAYS):
        path = root / "composite" / f"SE-polymer_ageing_day{day}_60C.csv"
        write_spectrum_csv(path, reversible(bv["R_int_ohm"], seed + 780 + k, f"virtual ageing day {day}"))
        meas.append(manifest_entry(root, path, "eis", COMPOSITE_MG, "SE-polymer", "60 °C", label=f"ageing {24 * day} h"))
    t["ageing"] = {"R_int_ohm": bv["R_int_ohm"], "slope_ohm_per_day": 0.0, "days": list(AGEING_DAYS)}
    for k, when in enumerate(("before", "after")):
        path = root / "composite" / f"SE-polymer_BV_{when}_60C.csv"
        write_spectrum_csv(path, reversible(bv["R_int_ohm"], seed + 790 + k, f"virtual Bruce–Vincent {when}"))
        meas.append(manifest_entry(root, path, "eis", COMPOSITE_MG, "SE-polymer", "60 °C", label=f"Bruce–Vincent {when}"))
    dv, tp, r_int = bv["delta_V"], bv["t_plus"], bv["R_int_ohm"]
    i0 = dv / (bv["R_b_ohm"] + 2.0 + r_int)
    i_s = tp * i0 * dv / (dv - (1 - tp) * i0 * r_int)  # solves t+ = Is(ΔV − I0R0)/(I0(ΔV − Is·Rss)), R0 = Rss
    ct = simulate_transient(i0, i_s, (400.0,), duration_s=6000.0, interval_s=20.0, noise_A=0.002 * i_s,
                            potential_V=dv, seed=seed + 795, source="virtual Bruce–Vincent hold 10 mV")
    path = root / "composite" / "SE-polymer_BV_hold_10mV_60C.csv"
    write_transient_csv(path, ct)
    meas.append(manifest_entry(root, path, "dc", COMPOSITE_MG, "SE-polymer", "60 °C", voltage="10 mV",
                       label="Bruce–Vincent hold"))
    t["bruce_vincent"] = {"t_plus": tp, "I0_A": i0, "Is_A": i_s, "R_int_ohm": r_int}
    rec = simulate_stepped_cycling(CCD_STEPS, area_cm2=area, cycles_per_step=2, half_cycle_s=1800.0, r_ohm=300.0,
                                   r_interface_ohm=2000.0, short_at_mA_per_cm2=CCD_SHORT, points_per_half=12,
                                   seed=seed + 799)
    path = root / "composite" / "SE-polymer_Mg-SEpolymer-Mg_CCD_60C.csv"
    write_galvanostatic_csv(path, rec)
    meas.append(manifest_entry(root, path, "cycling", COMPOSITE_MG, "SE-polymer", "60 °C", label="CCD",
                       settings={"protocol": "stepped"}))
    t["ccd"] = {"ccd_mA_per_cm2": CCD_STEPS[CCD_STEPS.index(CCD_SHORT) - 1], "failure_mA_per_cm2": CCD_SHORT}


def write_paper_measurements(root: str | Path, seed: int, truth: dict[str, Any], meas: list[dict[str, Any]]) -> list[dict]:
    """Write the measurements of the module docstring under ``root``; append their manifest
    entries to ``meas`` and their truth to ``truth``; return the new samples' manifest entries."""
    root = Path(root)
    for sub in ("stacks", "hot-pressed", "composite"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    _stacks(root, seed, truth, meas)
    samples = _hot_pressed(root, seed, truth, meas)
    samples += [{"name": n, "treatment": f"annealed {n[:3]} °C / 12 h, cold-pressed", "thickness": "0.65 mm",
                 "diameter": "13 mm"} for n in ANNEALED if n != "600C-12h"]
    _composite(root, seed, truth, meas)
    truth.setdefault("assumptions", []).extend(ASSUMPTIONS)
    return samples


def manifest_settings() -> dict[str, dict[str, str]]:
    """Circuits and bulk elements of the new cells (merged into ``analysis.eis``)."""
    from ..transport.stacks import LEAKY

    return {"circuit": {BLOCKING_STACK: LEAKY, REVERSIBLE_STACK: REVERSIBLE_CIRCUIT, COMPOSITE_STACK: COMPOSITE_CIRCUIT,
                        COMPOSITE_MG: REVERSIBLE_CIRCUIT},
            "bulk_element": {BLOCKING_STACK: "R1", REVERSIBLE_STACK: "R1", COMPOSITE_STACK: "R_b", COMPOSITE_MG: "R1"}}


__all__ = ["ASSUMPTIONS", "write_paper_measurements", "manifest_settings"]
