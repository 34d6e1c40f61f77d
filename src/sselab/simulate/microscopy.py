"""SEM micrographs and EDS spectra of the virtual Mg3AsN study (known truth).

Written by :func:`write_microscopy` into ``root/sem`` and ``root/eds``:

- ``as-BM_powder_SEM.tif``: as-BM crystals of 0.2–2.5 µm (Fig. 1d; log-normal, median 0.7 µm,
  σ_ln 0.55, clipped to the paper's range), 15 nm pixels, saved as a calibrated ImageJ/Fiji TIFF;
- ``MOFsSE-SE-MOFsSE_cross-section.tif``: the Fig. 5b stack MOFsSE | Mg3AsN | MOFsSE between
  resin, 0.5 µm pixels (layer thicknesses assumed: the paper does not state them);
- ``as-BM_EDS_20kV.msa``: EDS of Mg3.1AsN1.3 (the paper's EDS formula), 20 kV (assumed: the
  paper's Zeiss LEO 1550 VP voltage is not stated), EMSA 1.0.

:func:`manifest_entries` lists them in the study manifest (``technique: sem`` / ``eds``), so
``sselab run`` analyses them; :func:`microscopy_rows` recovers the demo's rows with
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
    return {
        "sem_particles": {"file": p_sem.relative_to(root).as_posix(), "pixel_size_um": PARTICLE_PIXEL_UM,
                          "n_particles": int(truth_d.size), "min_um": float(truth_d.min()),
                          "max_um": float(truth_d.max()), "d50_um": float(np.median(truth_d))},
        "sem_layers": {"file": p_xs.relative_to(root).as_posix(), "pixel_size_um": LAYER_PIXEL_UM,
                       "layers_um": LAYERS_UM, "boundaries_um": (np.asarray(bounds) * LAYER_PIXEL_UM).tolist()},
        "eds": {"file": p_eds.relative_to(root).as_posix(), "beam_energy_keV": 20.0, "formula": EDS_FORMULA,
                "note": "generated with sselab's standardless k-factors: quantifying it tests the fit, not the k-factors"},
    }


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
        {"quantity": "crystal size d50 (SEM) — as-BM", "recovered": r.get("d50_um"), "truth": t_p["d50_um"],
         "paper": None, "unit": "µm"},
        {"quantity": "Mg3AsN layer thickness (SEM cross-section)", "recovered": se,
         "truth": t_l["layers_um"]["Mg3AsN"], "paper": None, "unit": "µm"},
    ]
    for el in ("Mg", "N"):
        rows.append({"quantity": f"EDS {el} per As — as-BM", "recovered": formula.get(el), "truth": t_e["formula"][el], "paper": EDS_FORMULA[el], "unit": "per formula unit"})
    return rows
