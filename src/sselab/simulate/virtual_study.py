"""The virtual Mg3AsN study: raw instrument files, a manifest and the truth behind them.

:func:`write_virtual_study` writes, for the samples ``as-BM`` and ``600C-12h`` (REFERENCE §4):

- EIS of Mg|eBE|SE|eBE|Mg at 40, 60, 80, 100 °C (BioLogic ``.mpt``, 1 MHz–100 mHz, 100 points,
  0.3 % noise) and of the iBE|eBE|iBE reference (sample ``eBE``) at the same temperatures;
- EIS of iBE|SE|iBE at 100 °C (mixed conductor, CSV);
- chronoamperometry of Au|SE|Au at 0.5, 1.0, 2.0, 3.0 V, 100 °C (CSV);
- galvanostatic cycling of as-BM in Mg|eBE|SE|eBE|Mg (the paper's growing overpotential, CSV);
- a CV of Mg|SE-polymer|Mg at 0.1 mV/s, 60 °C (CSV);
- with ``structure=True`` (the default): XRD patterns (``.xy``) of as-BM, 500C-12h, 600C-12h,
  700C-12h and the decomposed 800C-12h, and the XPS depth profile of as-BM (one VAMAS
  file), see :mod:`sselab.simulate.structure`; and SEM micrographs (as-BM crystals, the
  MOFsSE|SE|MOFsSE cross-section) and an EDS spectrum of Mg3.1AsN1.3, see
  :mod:`sselab.simulate.microscopy` (truth under ``truth["microscopy"]``);

- the rest of the paper (Fig. 3b/4d stack comparison, hot-pressed pellets S8/S9, the SE–polymer
  composite's σ series, 200-cycle GCD, ageing, Bruce–Vincent and CCD, the 600 °C XPS with
  ``structure=True``): :mod:`sselab.simulate.paper_study`;

plus ``study.yaml`` (valid for :mod:`sselab.study.manifest`) and ``truth.json``.

Where the paper is inconsistent the simulation stays physical and says so in ``truth.json``:
as-BM's σ_ion = 5.54e-4 S/cm with σ_el = 4.9e-8 S/cm makes σ_ion/(σ_ion+σ_el) ≈ 0.9999, yet DC
gave t_ion = 0.077.  The DC cells are therefore simulated with an *apparent* ionic
conductivity σ_ion,DC = σ_el·t/(1−t) (ionic current limited by interfaces and grain boundaries
at the DC time scale), which reproduces the paper's t_ion; the report's consistency check then
shows the disagreement with the AC σ_ion, as the paper discusses.  600C-12h's activation energy
is not reported; 0.35 eV is assumed.

Examples
--------
>>> import tempfile, pathlib
>>> manifest = write_virtual_study(pathlib.Path(tempfile.mkdtemp()))  # doctest: +SKIP
>>> manifest.name                                                      # doctest: +SKIP
'study.yaml'
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

from ..cycling.simulate import paper_mg_cycling, simulate_voltammogram
from ..eis.simulate import paper_frequencies, simulate_spectrum
from ..io.writers import (
    write_galvanostatic_csv,
    write_spectrum_csv,
    write_spectrum_mpt,
    write_transient_csv,
    write_voltammogram_csv,
)
from ..transport.geometry import SampleGeometry
from ..transport.simulate import MIXED_CONDUCTOR_CIRCUIT, simulate_mixed_spectrum, simulate_polarisation
from .manifest import manifest_entry
from .paper import EBE_STACK_CIRCUIT, PAPER, MaterialModel, ebe_stack_spectrum
from .structure import REFINE_RANGE_DEG, write_structure, xps_manifest_model

TEMPERATURES_C: tuple[float, ...] = (40.0, 60.0, 80.0, 100.0)
VOLTAGES_V: tuple[float, ...] = (0.5, 1.0, 2.0, 3.0)
STACK = "Mg|eBE|SE|eBE|Mg"
REFERENCE_STACK = "iBE|eBE|iBE"
MIXED_STACK = "iBE|SE|iBE"
DC_STACK = "Au|SE|Au"
#: The iBE|eBE|iBE reference circuit: the eBE's bulk resistance and the blocking electrodes.
REFERENCE_CIRCUIT = "R_eBE-CPE_dl"
#: Ea of 600C-12h (not reported by the paper; assumed).
EA_600C_EV = 0.35


def sample_models() -> dict[str, MaterialModel]:
    """The two SE samples' material models from the paper's numbers (REFERENCE §4)."""
    s = PAPER["sigma_ion_100C_S_per_cm"]
    e = PAPER["sigma_el_100C_S_per_cm_cold"]
    base = MaterialModel()
    return {
        "as-BM": replace(base, sigma_ion_ref_S_per_cm=s["as-BM"], Ea_ion_eV=PAPER["Ea_ion_eV"]["as-BM"],
                         sigma_el_ref_S_per_cm=e["as-BM"]),
        "600C-12h": replace(base, sigma_ion_ref_S_per_cm=s["600C-12h"], Ea_ion_eV=EA_600C_EV,
                            sigma_el_ref_S_per_cm=e["600C-12h"], thickness_cm=0.062),
    }


def _sigma_ion_dc(sigma_el: float, t_ion: float) -> float:
    """Apparent ionic conductivity at the DC time scale giving t_ion = σi/(σi+σe)."""
    return sigma_el * t_ion / (1.0 - t_ion)


def _write_eis(root: Path, models: dict[str, MaterialModel], seed: int, truth: dict, meas: list) -> None:
    ref = next(iter(models.values()))
    for k, tc in enumerate(TEMPERATURES_C):
        T = tc + 273.15
        r_e = ref.r_ebe_ohm(T)
        spec = simulate_spectrum(REFERENCE_CIRCUIT, {"R_eBE": r_e, "CPE_dl.Q": 2e-5, "CPE_dl.n": 0.9},
                                 paper_frequencies(), noise=0.003, seed=seed + 100 + k, temperature_K=T,
                                 source=f"virtual {REFERENCE_STACK} at {tc:.0f} °C")
        path = root / "eis" / f"eBE_ref_{tc:.0f}C.mpt"
        write_spectrum_mpt(path, spec)
        meas.append(manifest_entry(root, path, "eis", REFERENCE_STACK, "eBE", f"{tc:.0f} °C"))
        truth["eBE"].setdefault("R_eBE_ohm", {})[f"{tc:.0f}"] = r_e
    for j, (name, m) in enumerate(models.items()):
        t = truth[name]
        for k, tc in enumerate(TEMPERATURES_C):
            T = tc + 273.15
            spec = ebe_stack_spectrum(T, m, noise=0.003, seed=seed + 10 * j + k)
            path = root / "eis" / f"{name}_eBE-stack_{tc:.0f}C.mpt"
            write_spectrum_mpt(path, spec)
            meas.append(manifest_entry(root, path, "eis", STACK, name, f"{tc:.0f} °C"))
            t["sigma_ion_S_per_cm"][f"{tc:.0f}"] = m.sigma_ion_S_per_cm(T)
        T = 373.15
        g = SampleGeometry(m.thickness_cm / 100, m.area_cm2 / 1e4)
        spec = simulate_mixed_spectrum(m.sigma_ion_S_per_cm(T), m.sigma_el_S_per_cm(T), g, paper_frequencies(),
                                       noise=0.003, seed=seed + 50 + j, temperature_K=T)
        path = root / "eis" / f"{name}_iBE-SE-iBE_100C.csv"
        write_spectrum_csv(path, spec)
        meas.append(manifest_entry(root, path, "eis", MIXED_STACK, name, "100 °C"))


def _write_dc(root: Path, models: dict[str, MaterialModel], seed: int, truth: dict, meas: list) -> None:
    T = 373.15
    for j, (name, m) in enumerate(models.items()):
        g = SampleGeometry(m.thickness_cm / 100, m.area_cm2 / 1e4)
        s_el = m.sigma_el_S_per_cm(T)
        t_dc = PAPER["t_ion"][name]
        s_dc = _sigma_ion_dc(s_el, t_dc)
        for k, v in enumerate(VOLTAGES_V):
            Is = v * s_el / g.cell_constant_per_cm
            ct = simulate_polarisation(s_dc, s_el, g, potential_V=v, time_constants_s=(600.0,), duration_s=9000.0,
                                       interval_s=15.0, noise_A=0.002 * Is, seed=seed + 200 + 10 * j + k,
                                       source=f"virtual {DC_STACK} {name} {v:g} V")
            path = root / "dc" / f"{name}_Au-SE-Au_{v:.1f}V_100C.csv"
            write_transient_csv(path, ct)
            meas.append(manifest_entry(root, path, "dc", DC_STACK, name, "100 °C", voltage=f"{v:g} V"))
        truth[name].update({
            "sigma_el_100C_S_per_cm": s_el, "t_ion_dc": t_dc, "sigma_ion_dc_apparent_S_per_cm": s_dc,
            "t_ion_from_conductivities_100C": m.sigma_ion_S_per_cm(T) / (m.sigma_ion_S_per_cm(T) + s_el),
        })


def _write_performance(root: Path, seed: int, truth: dict, meas: list) -> None:
    rec = paper_mg_cycling(n_cycles=90, points_per_half=30, seed=seed)
    path = root / "cycling" / "as-BM_Mg-eBE-SE-eBE-Mg_cycling.csv"
    write_galvanostatic_csv(path, rec)
    meas.append(manifest_entry(root, path, "cycling", STACK, "as-BM", "25 °C"))
    truth["as-BM"]["cycling"] = {"eta_plating_first_V": -0.1, "eta_stripping_first_V": 0.03,
                                 "eta_plating_last_V": -2.0, "eta_stripping_last_V": 1.9, "n_cycles": 90}
    cv = simulate_voltammogram(scan_rate_V_per_s=1e-4, n_cycles=1, step_V=0.004, noise_A=1e-8, seed=seed)
    path = root / "cv" / "SE-polymer_Mg-SEpolymer-Mg_CV_60C.csv"
    write_voltammogram_csv(path, cv)
    meas.append(manifest_entry(root, path, "cv", "Mg|SE-polymer|Mg", "SE-polymer", "60 °C"))
    truth["SE-polymer"] = {"cv_deposition_peak_V": -1.6, "cv_dissolution_peak_V": 1.4}


def write_virtual_study(folder: str | Path, seed: int = 0, structure: bool = True) -> Path:
    """Write the virtual study's raw files, ``study.yaml`` and ``truth.json`` into ``folder``.

    Returns the manifest's path.  Deterministic for a given ``seed``.  ``structure=False``
    leaves out the XRD and XPS files (transport and performance only).
    """
    root = Path(folder)
    for sub in ("eis", "dc", "cycling", "cv"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    models = sample_models()
    truth: dict[str, Any] = {
        name: {"sigma_ion_S_per_cm": {}, "Ea_ion_eV": m.Ea_ion_eV, "Ea_el_eV": m.Ea_el_eV,
               "thickness_cm": m.thickness_cm, "area_cm2": m.area_cm2}
        for name, m in models.items()
    }
    truth["eBE"] = {"Ea_eV": next(iter(models.values())).Ea_eBE_eV}
    meas: list[dict[str, Any]] = []
    _write_eis(root, models, seed, truth, meas)
    _write_dc(root, models, seed, truth, meas)
    _write_performance(root, seed, truth, meas)
    from .paper_study import manifest_settings, write_paper_measurements  # the rest of the paper (Fig. 3b, 6, S6–S11)

    paper_samples = write_paper_measurements(root, seed, truth, meas)
    extra = write_structure(root, seed, truth, meas) if structure else []
    if structure:  # SEM/EDS files, analysed by the pipeline (technique sem / eds)
        from .microscopy import manifest_entries, write_microscopy

        truth["microscopy"] = write_microscopy(root, seed)
        meas.extend(manifest_entries(truth["microscopy"]))
        from .microscopy import pellet_membrane_entries, sample_entries

        meas.extend(pellet_membrane_entries(truth["microscopy"]))
        extra = [*extra, *sample_entries(truth["microscopy"])]
    samples = [
        {"name": name, "treatment": "ball-milled" if name == "as-BM" else "annealed 600 °C / 12 h, cold-pressed",
         "thickness": f"{m.thickness_cm * 10:.2f} mm", "diameter": f"{m.diameter_cm * 10:g} mm"}
        for name, m in models.items()
    ]
    samples.append({"name": "eBE", "treatment": "MOF semi-solid electrolyte (electron-blocking reference)",
                    "thickness": "0.65 mm", "diameter": "13 mm"})
    samples.append({"name": "SE-polymer", "treatment": "SE–polymer composite membrane", "thickness": "0.10 mm",
                    "diameter": "13 mm"})
    samples += paper_samples
    samples += [x for x in extra if x["name"] not in {s["name"] for s in samples}]
    manifest = {
        "study": "Mg3AsN-virtual",
        "description": f"virtual Mg3AsN study (sselab.simulate.virtual_study, seed {seed}); truth in truth.json",
        "database": "sselab-results/results.sqlite",
        "samples": samples,
        "measurements": meas,
        "analysis": {
            "eis": {"circuit": {STACK: EBE_STACK_CIRCUIT, REFERENCE_STACK: REFERENCE_CIRCUIT,
                                MIXED_STACK: MIXED_CONDUCTOR_CIRCUIT,
                                **manifest_settings()["circuit"]},
                    "bulk_element": {STACK: "R_ap", REFERENCE_STACK: "R_eBE", MIXED_STACK: "R_ion",
                                     **manifest_settings()["bulk_element"]},
                    "weighting": "modulus", "kramers_kronig": False},
            "transport": {"arrhenius": "sigma", "ebe_reference": "eBE", "ebe_layers": 2},
            "dc": {"steady_fraction": 0.1},
        },
    }
    if structure:
        manifest["analysis"]["xrd"] = {"two_theta_min_deg": REFINE_RANGE_DEG[0], "two_theta_max_deg": REFINE_RANGE_DEG[1]}
        manifest["analysis"]["eds"] = {"normalise": {"As": 1}}
        manifest["analysis"]["xps"] = {"background": "shirley", "sputter_rate_nm_per_min": 1.0,
                                       "spectrum_region": "N 1s", "model": xps_manifest_model()}
    path = root / "study.yaml"
    path.write_text("# Virtual Mg3AsN study written by sselab.simulate.virtual_study\n"
                    + yaml.safe_dump(manifest, sort_keys=False, allow_unicode=True), encoding="utf-8")
    truth["paper"] = {k: v for k, v in PAPER.items()}
    truth["notes"] = [
        "as-BM: the paper's sigma_ion (5.54e-4 S/cm) and sigma_el (4.9e-8 S/cm) imply t_ion ~ 0.9999, but its DC "
        "t_ion is 0.077; the DC cells are simulated with an apparent (interface-limited) ionic conductivity "
        "sigma_ion_dc_apparent that reproduces 0.077",
        f"600C-12h: Ea not reported, {EA_600C_EV} eV assumed",
        "the stack's bulk resistance in the deconvolution is R_mof + R_ap of the Fig. 3e circuit",
    ]
    (root / "truth.json").write_text(json.dumps(truth, indent=2, ensure_ascii=False), encoding="utf-8")
    return path
