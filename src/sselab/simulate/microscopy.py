"""SEM micrographs and EDS spectra of the virtual Mg3AsN study (known truth).

Written by :func:`write_microscopy` into ``root/sem`` and ``root/eds``:

- ``as-BM_powder_SEM.tif``: as-BM crystals of 0.2–2.5 µm (Fig. 1d; log-normal, median 0.7 µm,
  σ_ln 0.55, clipped to the paper's range), 15 nm pixels, saved as a calibrated ImageJ/Fiji TIFF;
- ``MOFsSE-SE-MOFsSE_cross-section.tif``: the Fig. 5b stack MOFsSE | Mg3AsN | MOFsSE between
  resin, 0.5 µm pixels (layer thicknesses assumed: the paper does not state them);
- ``600C-12h_pellet_SEM.tif``, ``600C-20h_pellet_SEM.tif``: polished sections of the pellets
  sintered at 600 °C for 12 h and 20 h (Fig. 4c: "increasing the duration leads to increased
  pellet compactness"; the paper gives no number: porosities 8 % and 4 % assumed), 50 nm pixels;
- ``SE-polymer_membrane_top.tif`` / ``_bottom.tif``: top and bottom views of the Mg3AsN–polymer
  membrane (Fig. 6b, c): bright AP particles in the dark polymer, "slightly concentrated at the
  bottom" (40 and 80 particles of 0.5–1.6 µm in a 24 × 32 µm field: numbers assumed), 0.1 µm pixels;
- ``SE-polymer_membrane_cross-section.tif``: the membrane between resin (Fig. 6d), 125 µm thick
  (assumed, inside the paper's "controlled to be around 100–150 µm"), 1 µm pixels;
- ``SE-polymer_membrane_EDS-map.rpl`` (+ ``.raw``): EDS map of the membrane's cross-section
  (Fig. 6e), written by :mod:`sselab.simulate.microscopy_eds` (truth and assumptions there);
- ``as-BM_EDS_20kV.msa``: EDS of Mg3.1AsN1.3 (the paper's EDS formula), 20 kV (assumed: the
  paper's Zeiss LEO 1550 VP voltage is not stated), EMSA 1.0.

:func:`manifest_entries` lists them in the study manifest (``technique: sem`` / ``eds``), so
``sselab run`` analyses them (with :func:`pellet_membrane_entries` for Fig. 4c and 6); :func:`microscopy_rows` recovers the demo's rows with
:mod:`sselab.microscopy` and :mod:`sselab.eds` directly (the same functions and defaults).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

PARTICLE_PIXEL_UM = 0.015
LAYER_PIXEL_UM = 0.5
#: MOFsSE | Mg3AsN | MOFsSE thicknesses [µm] (assumed), with resin above and below
LAYERS_UM = {"resin_top": 20.0, "MOFsSE_1": 60.0, "Mg3AsN": 150.0, "MOFsSE_2": 60.0, "resin_bottom": 20.0}
EDS_FORMULA = {"Mg": 3.1, "As": 1.0, "N": 1.3}
#: Fig. 4c: pore area fraction of the sintered pellets (assumed; the paper: compactness grows with time)
SINTER_POROSITY = {"600C-12h": 0.08, "600C-20h": 0.04}
PELLET_PIXEL_UM = 0.05
#: Fig. 6b–d: particles in the membrane's top/bottom views (assumed) and its thickness [µm] (assumed)
MEMBRANE_PARTICLES = {"top": 40, "bottom": 80}
MEMBRANE_PIXEL_UM = 0.1
MEMBRANE_UM = 125.0
MEMBRANE_XS_PIXEL_UM = 1.0


def _write_tif(path: Path, data: np.ndarray, pixel_um: float) -> None:
    import tifffile

    a = np.clip((data - data.min()) / np.ptp(data) * 255, 0, 255).astype(np.uint8)
    tifffile.imwrite(path, a, imagej=True, resolution=(1 / pixel_um, 1 / pixel_um), metadata={"unit": "um"})


def write_microscopy(root: str | Path, seed: int = 0) -> dict[str, Any]:
    """Write the files; return their truth (relative paths, sizes, thicknesses, composition)."""
    from ..eds.simulate import synthetic_spectrum, write_msa
    from ..microscopy.simulate import synthetic_layers, synthetic_particles

    root = Path(root)
    (root / "sem").mkdir(parents=True, exist_ok=True)
    (root / "eds").mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed + 101)
    d = np.exp(rng.normal(np.log(0.7), 0.55, 70)).clip(0.2, 2.5)
    img, truth_d = synthetic_particles(d, PARTICLE_PIXEL_UM, shape=(768, 1024), touching=0.2, seed=seed + 102)
    p_sem = root / "sem" / "as-BM_powder_SEM.tif"
    _write_tif(p_sem, img.data, PARTICLE_PIXEL_UM)
    t_px = [v / LAYER_PIXEL_UM for v in LAYERS_UM.values()]
    xs, bounds = synthetic_layers(t_px, [0.15, 0.45, 0.75, 0.45, 0.15], width=600, noise=0.04, roughness_px=1.0,
                                  pixel_size_um=LAYER_PIXEL_UM, seed=seed + 103)
    p_xs = root / "sem" / "MOFsSE-SE-MOFsSE_cross-section.tif"
    _write_tif(p_xs, xs.data, LAYER_PIXEL_UM)
    sp = synthetic_spectrum(EDS_FORMULA, 20.0, line_counts=3e6, seed=seed + 104)
    p_eds = root / "eds" / "as-BM_EDS_20kV.msa"
    write_msa(p_eds, sp, "as-BM Mg3AsN (virtual)")
    from .microscopy_eds import write_membrane_map

    return {
        **_write_pellets_membrane(root, seed),
        "eds_membrane_map": write_membrane_map(root, seed),
        "sem_particles": {"file": p_sem.relative_to(root).as_posix(), "pixel_size_um": PARTICLE_PIXEL_UM,
                          "n_particles": int(truth_d.size), "min_um": float(truth_d.min()),
                          "max_um": float(truth_d.max()), "d50_um": float(np.median(truth_d))},
        "sem_layers": {"file": p_xs.relative_to(root).as_posix(), "pixel_size_um": LAYER_PIXEL_UM,
                       "layers_um": LAYERS_UM, "boundaries_um": (np.asarray(bounds) * LAYER_PIXEL_UM).tolist()},
        "eds": {"file": p_eds.relative_to(root).as_posix(), "beam_energy_keV": 20.0, "formula": EDS_FORMULA,
                "note": "generated with sselab's standardless k-factors: quantifying it tests the fit, not the k-factors"},
    }


def _write_pellets_membrane(root: Path, seed: int) -> dict[str, Any]:
    """Fig. 4c pellets and Fig. 6b–d membrane micrographs (small images: the demo stays fast)."""
    from ..microscopy.simulate import synthetic_layers, synthetic_particles, synthetic_pellet

    pellets = {}
    for k, (sample, phi) in enumerate(SINTER_POROSITY.items()):
        img, frac = synthetic_pellet(phi, PELLET_PIXEL_UM, shape=(256, 256), seed=seed + 110 + k)
        p = root / "sem" / f"{sample}_pellet_SEM.tif"
        _write_tif(p, img.data, PELLET_PIXEL_UM)
        pellets[sample] = {"file": p.relative_to(root).as_posix(), "porosity_assumed": phi,
                           "pore_area_fraction": frac, "pixel_size_um": PELLET_PIXEL_UM}
    views = {}
    shape = (240, 320)
    for k, (side, n) in enumerate(MEMBRANE_PARTICLES.items()):
        d = np.random.default_rng(seed + 120 + k).uniform(0.5, 1.6, n)
        img, placed = synthetic_particles(d, MEMBRANE_PIXEL_UM, shape=shape, contrast=0.45, noise=0.04,
                                          seed=seed + 122 + k)
        p = root / "sem" / f"SE-polymer_membrane_{side}.tif"
        _write_tif(p, img.data, MEMBRANE_PIXEL_UM)
        area = float((np.pi * (placed / MEMBRANE_PIXEL_UM) ** 2 / 4).sum() / (shape[0] * shape[1]))
        views[side] = {"file": p.relative_to(root).as_posix(), "n_particles": int(placed.size),
                       "area_fraction": area, "d50_um": float(np.median(placed)), "pixel_size_um": MEMBRANE_PIXEL_UM}
    t_px = [20.0 / MEMBRANE_XS_PIXEL_UM, MEMBRANE_UM / MEMBRANE_XS_PIXEL_UM, 20.0 / MEMBRANE_XS_PIXEL_UM]
    xs, _ = synthetic_layers(t_px, [0.15, 0.5, 0.15], width=200, noise=0.04, pixel_size_um=MEMBRANE_XS_PIXEL_UM,
                             seed=seed + 125)
    p = root / "sem" / "SE-polymer_membrane_cross-section.tif"
    _write_tif(p, xs.data, MEMBRANE_XS_PIXEL_UM)
    return {"sem_pellets": pellets, "sem_membrane": {
        **views, "cross_section": {"file": p.relative_to(root).as_posix(), "thickness_um": MEMBRANE_UM,
                                   "pixel_size_um": MEMBRANE_XS_PIXEL_UM}}}


def sample_entries(truth: dict[str, Any]) -> list[dict[str, Any]]:
    """Samples the micrographs need beyond the study's own (the 20 h pellet of Fig. 4c)."""
    return [{"name": s, "treatment": f"annealed 600 °C / {s.split('-')[1]}, cold-pressed (SEM only)",
             "thickness": "0.65 mm", "diameter": "13 mm"}
            for s in truth.get("sem_pellets", {}) if s != "600C-12h"]


def pellet_membrane_entries(truth: dict[str, Any]) -> list[dict[str, Any]]:
    """The manifest's measurements of the Fig. 4c pellets (samples 600C-12h, 600C-20h: see
    :func:`sample_entries`) and the Fig. 6 membrane (sample SE-polymer)."""
    out = [{"file": t["file"], "technique": "sem", "sample": s, "settings": {"analysis": "porosity"}}
           for s, t in truth.get("sem_pellets", {}).items()]
    m = truth.get("sem_membrane")
    if m:
        out += [{"file": m[side]["file"], "technique": "sem", "sample": "SE-polymer",
                 "settings": {"analysis": "particles"}} for side in MEMBRANE_PARTICLES]
        out.append({"file": m["cross_section"]["file"], "technique": "sem", "sample": "SE-polymer",
                    "settings": {"analysis": "layers", "layers": {"n_layers": 3}}})
    if truth.get("eds_membrane_map"):
        from .microscopy_eds import membrane_map_entry

        out.append(membrane_map_entry(truth["eds_membrane_map"]))
    return out


def manifest_entries(truth: dict[str, Any], sample: str = "as-BM") -> list[dict[str, Any]]:
    """The manifest's measurements of the files :func:`write_microscopy` wrote (its ``truth``)."""
    t_l = truth["sem_layers"]
    return [
        {"file": truth["sem_particles"]["file"], "technique": "sem", "sample": sample,
         "settings": {"analysis": "particles"}},
        {"file": t_l["file"], "technique": "sem", "sample": sample, "cell": "MOFsSE|SE|MOFsSE",
         "settings": {"analysis": "layers", "layers": {"n_layers": len(t_l["layers_um"])}}},
        {"file": truth["eds"]["file"], "technique": "eds", "sample": sample},
    ]


def _stored(analyses, method: str, file: str) -> dict[str, Any] | None:
    for a in analyses or ():
        paths = [m.get("path") or "" for m in a.get("measurements") or []]
        if a.get("method") == method and a.get("result") and any(p.endswith(file) for p in paths):
            return a["result"]
    return None


def microscopy_rows(root: str | Path, truth: dict[str, Any], paper: dict[str, Any] | None = None,
                    analyses: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """The demo's comparison rows: crystal sizes, SE layer thickness and the EDS formula.

    Taken from the pipeline's stored results (``analyses``, as ``Store.analyses()`` gives them:
    ``sem_image`` / ``eds_quantify`` of the files) when given and found, else recovered by the
    same functions with the same defaults (what ``sselab sem`` / ``sselab eds`` call)."""
    root = Path(root)
    t_p, t_l, t_e = truth["sem_particles"], truth["sem_layers"], truth["eds"]
    r = _stored(analyses, "sem_image", t_p["file"])
    lay = _stored(analyses, "sem_image", t_l["file"])
    q = _stored(analyses, "eds_quantify", t_e["file"])
    if r is None or lay is None or q is None:
        from ..eds.quantify import quantify
        from ..eds.spectrum import read_eds
        from ..microscopy.image import read_sem_image
        from ..microscopy.layers import layer_thicknesses
        from ..microscopy.particles import particle_sizes

        r = r or particle_sizes(read_sem_image(root / t_p["file"])).to_dict()
        lay = lay or layer_thicknesses(read_sem_image(root / t_l["file"]), n_layers=len(t_l["layers_um"])).to_dict()
        q = q or quantify(read_eds(root / t_e["file"])[0], normalise={"As": 1}).to_dict()
    inner = [ly for ly in lay["layers"] if not ly["open"]]
    se = inner[1]["thickness_um"] if len(inner) >= 2 else None
    formula = q.get("formula") or {}
    rows = [
        {"quantity": "crystal size min (SEM) — as-BM", "recovered": r.get("min_um"),
         "truth": t_p["min_um"], "paper": 0.2, "unit": "µm"},
        {"quantity": "crystal size max (SEM) — as-BM", "recovered": r.get("max_um"),
         "truth": t_p["max_um"], "paper": 2.5, "unit": "µm"},
        {"quantity": "crystal size d50 (SEM) — as-BM", "recovered": r.get("d50_um"), "stderr": r.get("d50_stderr_um"),
         "truth": t_p["d50_um"],
         "paper": None, "unit": "µm"},
        {"quantity": "Mg3AsN layer thickness (SEM cross-section)", "recovered": se,
         "truth": t_l["layers_um"]["Mg3AsN"], "paper": None, "unit": "µm"},
    ]
    for el in ("Mg", "N"):
        rows.append({"quantity": f"EDS {el} per As — as-BM", "recovered": formula.get(el), "truth": t_e["formula"][el], "paper": EDS_FORMULA[el], "unit": "per formula unit"})
    from .microscopy_eds import membrane_map_rows

    return rows + pellet_membrane_rows(root, truth, analyses) + membrane_map_rows(root, truth, analyses)


def pellet_membrane_rows(root: str | Path, truth: dict[str, Any],
                         analyses: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """Fig. 4c (pore fraction and compactness of the sintered pellets) and Fig. 6b–d (particle
    area fraction of the membrane's top and bottom views, its thickness): truths assumed, the
    paper gives no numbers (``paper`` None).  Stored pipeline results when found, else the same
    functions with the same defaults."""
    from ..microscopy.image import read_sem_image

    root = Path(root)
    rows = []
    for sample, t in (truth.get("sem_pellets") or {}).items():
        r = _stored(analyses, "sem_image", t["file"])
        if r is None:
            from ..microscopy.particles import porosity

            r = porosity(read_sem_image(root / t["file"]))
        rows.append(_with_status({"quantity": f"pore area fraction (SEM, Fig. 4c) — {sample}",
                                  "recovered": r.get("pore_area_fraction"), "stderr": r.get("pore_area_fraction_stderr"),
                                  "truth": t["pore_area_fraction"],
                                  "paper": None, "unit": "1"}, r))
    m = truth.get("sem_membrane")
    if not m:
        return rows
    for side in MEMBRANE_PARTICLES:
        t = m[side]
        r = _stored(analyses, "sem_image", t["file"])
        if r is None:
            from ..microscopy.particles import particle_sizes

            r = particle_sizes(read_sem_image(root / t["file"])).to_dict()
        rows.append(_with_status({"quantity": f"AP particle area fraction, membrane {side} (SEM, Fig. 6) — SE-polymer",
                                  "recovered": r.get("area_fraction"), "truth": t["area_fraction"],
                                  "paper": None, "unit": "1"}, r))
    t = m["cross_section"]
    r = _stored(analyses, "sem_image", t["file"])
    if r is None:
        from ..microscopy.layers import layer_thicknesses

        r = layer_thicknesses(read_sem_image(root / t["file"]), n_layers=3).to_dict()
    inner = [ly for ly in r.get("layers") or [] if not ly["open"]]
    rows.append(_with_status({"quantity": "membrane thickness (SEM cross-section, Fig. 6d; paper 100–150 µm) — SE-polymer",
                              "recovered": inner[0]["thickness_um"] if len(inner) == 1 else None,
                              "truth": t["thickness_um"], "paper": None, "unit": "µm"}, r))
    return rows


def _with_status(row: dict[str, Any], result: dict[str, Any]) -> dict[str, Any]:
    return {**row, "status": result.get("status", "ok") if row["recovered"] is not None else "failed",
            "reasons": [x.get("message", "") for x in result.get("reasons") or []]}
