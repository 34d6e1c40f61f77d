"""EDS map of the Mg3AsN–polymer membrane's cross-section (Fig. 6e) with known truth.

The paper (Fig. 6a–e): "Mg3AsN was successfully dispersed in the polymer matrix and the
cross-sectional image and ion mapping proved the homogeneous distribution. However, ... AP
particles were slightly concentrated at the bottom of the membrane compared to the top."  It
gives no number, so everything here is an assumption, stated:

- the map covers the membrane's thickness (125 µm, as the Fig. 6d cross-section) in 64 × 64
  pixels (1.953 µm), 20 kV, 640 channels of 20 eV, ~1500 line counts per pixel;
- two phases: Mg3AsN and the polymer/salt matrix (PVA, PEGDA, PVDF-HFP, EMIM-TFSI; atomic
  ratio C 10 : O 3 : F 4 : S 0.5 : N 0.75, H not seen by EDS);
- AP particles (one pixel, blurred by a 1 px interaction volume) placed at random with a
  density that grows linearly from top to bottom, so that the bottom half holds
  ``BOTTOM_TOP`` = 1.5 × the particles of the top half ("slightly concentrated at the bottom");
  mean AP mass fraction 0.3.

Truth: each half's composition (at.%) is the mass-weighted sum of the phases' compositions of
its pixels, exactly what quantifying the half's summed spectrum recovers (the map's spectra are
linear in the mass fractions: :func:`sselab.eds.simulate.synthetic_map`); a map's real
variation is the CV of its element's mass-fraction map.  Recovered by
:func:`sselab.eds.maps.map_analysis` with ``bands=2`` and the seven elements given (what
``sselab eds maps FILE --elements Mg,As,N,C,O,F,S --bands 2 --json`` and the pipeline's ``technique: eds`` / ``analysis: maps`` run).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

MAP_PX = 64
MEMBRANE_UM = 125.0
BOTTOM_TOP = 1.5
AP_MASS_FRACTION = 0.3
PHASES = {"Mg3AsN": {"Mg": 3.0, "As": 1.0, "N": 1.0},
          "polymer": {"C": 10.0, "O": 3.0, "F": 4.0, "S": 0.5, "N": 0.75}}
FILE = "eds/SE-polymer_membrane_EDS-map.rpl"
#: the elements mapped (given: automatic identification misses N between C and O)
ELEMENTS = ("Mg", "As", "N", "C", "O", "F", "S")
#: elements whose bottom/top ratio the demo prints: AP (Mg, As) and polymer/salt (F, S); per-half
#: at.% and map variation for one of each
ROW_ELEMENTS = ("Mg", "As", "F", "S")
HALF_ELEMENTS = ("Mg", "F")


def _atomic(mass: dict[str, float]) -> dict[str, float]:
    from ..eds import lines as L

    at = {el: w / L.atomic_weight(el) for el, w in mass.items()}
    tot = sum(at.values())
    return {el: 100 * v / tot for el, v in at.items()}


def _mass_composition(f_ap: np.ndarray) -> dict[str, float]:
    """Element mass fractions of the pixels with AP mass fraction ``f_ap`` (summed)."""
    from ..eds import lines as L

    out: dict[str, float] = {}
    for name, frac in (("Mg3AsN", f_ap.sum()), ("polymer", (1 - f_ap).sum())):
        comp = PHASES[name]
        wt = {el: a * L.atomic_weight(el) for el, a in comp.items()}
        tot = sum(wt.values())
        for el, w in wt.items():
            out[el] = out.get(el, 0.0) + frac * w / tot
    return out


def ap_fraction_map(seed: int) -> np.ndarray:
    """AP mass fraction per pixel: particles denser towards the bottom, bottom/top = BOTTOM_TOP."""
    from scipy.ndimage import gaussian_filter

    rng = np.random.default_rng(seed)
    a = 4 * (BOTTOM_TOP - 1) / (BOTTOM_TOP + 1)  # (1 + a/4) / (1 - a/4) = BOTTOM_TOP
    y = (np.arange(MAP_PX) + 0.5) / MAP_PX
    dens = (1 + a * (y - 0.5))[:, None] * np.ones((1, MAP_PX))
    p = gaussian_filter(rng.poisson(3.0 * dens).astype(float), 1.0, mode="nearest")
    return np.clip(AP_MASS_FRACTION * p / p.mean(), 0, 0.9)


def write_membrane_map(root: str | Path, seed: int = 0) -> dict[str, Any]:
    """Write the map; return its truth (file, per-half at.%, enrichment, real variation)."""
    from ..eds.simulate import synthetic_map, write_rpl

    root = Path(root)
    (root / "eds").mkdir(parents=True, exist_ok=True)
    f = ap_fraction_map(seed + 130)
    px = MEMBRANE_UM / MAP_PX
    m = synthetic_map(PHASES, {"Mg3AsN": f, "polymer": 1 - f}, 20.0, pixel_size_um=px, seed=seed + 131)
    write_rpl(root / FILE, m)
    half = MAP_PX // 2
    regions = {"1": _atomic(_mass_composition(f[:half])), "2": _atomic(_mass_composition(f[half:]))}
    return {"file": FILE, "pixel_size_um": px, "elements": list(ELEMENTS), "shape_px": [MAP_PX, MAP_PX], "bands": 2,
            "region_atomic_percent": regions, "bottom_top_assumed": BOTTOM_TOP,
            "ap_bottom_top": float(f[half:].mean() / f[:half].mean()),
            "real_cv": {"Mg": float(f.std() / f.mean()), "As": float(f.std() / f.mean()),
                        "F": float((1 - f).std() / (1 - f).mean()), "S": float((1 - f).std() / (1 - f).mean())},
            "phases": PHASES, "note": "assumed: the paper gives no number (see sselab.simulate.microscopy_eds)"}


def membrane_map_entry(t: dict[str, Any]) -> dict[str, Any]:
    """The manifest's measurement of the map (technique eds, analysis maps, 2 bands)."""
    return {"file": t["file"], "technique": "eds", "sample": "SE-polymer",
            "settings": {"analysis": "maps", "elements": list(t["elements"]), "maps": {"bands": t["bands"]}}}


RATIO_NOTE = ("stderr propagated from the halves' at.% stderr, which include the standardless "
              "k-factor uncertainty common to both halves: it overstates the ratio's")


def excess_cv(h: dict[str, float]) -> float:
    """A map's variation beyond counting statistics: √(CV² − CV_counting²) (0 when below)."""
    return float(np.sqrt(max(h["cv"] ** 2 - h["cv_counting"] ** 2, 0.0)))


def membrane_map_rows(root: str | Path, truth: dict[str, Any],
                      analyses: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """Fig. 6e rows: bottom/top at.% ratio of AP (Mg, As) and polymer (F, S) elements, their
    per-half at.%, and each map's variation beyond counting vs its real variation.  The stored
    pipeline result when found (``eds_quantify`` with ``analysis: maps``), else
    :func:`sselab.eds.maps.map_analysis` with the manifest entry's settings (``sselab eds maps FILE
    --elements Mg,As,N,C,O,F,S --bands 2``)."""
    from .microscopy import _stored, _with_status

    t = truth.get("eds_membrane_map")
    if not t:
        return []
    r = _stored(analyses, "eds_quantify", t["file"])
    if r is None:
        from ..eds.maps import map_analysis
        from ..eds.spectrum import read_eds

        res, _ = map_analysis(read_eds(Path(root) / t["file"])[0], list(t["elements"]), bands=t["bands"])
        r = res.to_dict()
    reg, se = r.get("region_atomic_percent") or {}, r.get("region_atomic_percent_stderr") or {}
    rows = []
    for el in ROW_ELEMENTS:
        top, bot = reg.get("1", {}).get(el), reg.get("2", {}).get(el)
        ratio = stderr = None
        if top and bot:
            ratio = bot / top
            stderr = ratio * float(np.hypot(se["1"][el] / top, se["2"][el] / bot))
        tt, tb = t["region_atomic_percent"]["1"][el], t["region_atomic_percent"]["2"][el]
        rows.append(_with_status({"quantity": f"EDS map {el} at.% bottom/top (Fig. 6e) — SE-polymer",
                                  "recovered": ratio, "stderr": stderr, "truth": tb / tt, "paper": None,
                                  "unit": "1", "note": RATIO_NOTE}, r))
        if el not in HALF_ELEMENTS:
            continue
        for name, k in (("top", "1"), ("bottom", "2")):
            rows.append(_with_status({"quantity": f"EDS map {el} at.% {name} half (Fig. 6e) — SE-polymer",
                                      "recovered": reg.get(k, {}).get(el), "stderr": se.get(k, {}).get(el),
                                      "truth": t["region_atomic_percent"][k][el], "paper": None, "unit": "at.%"}, r))
        h = (r.get("homogeneity") or {}).get(el)
        rows.append(_with_status({"quantity": f"EDS map {el} variation beyond counting, CV (Fig. 6e) — SE-polymer",
                                  "recovered": None if h is None else excess_cv(h), "truth": t["real_cv"][el],
                                  "paper": None, "unit": "1"}, r))
    return rows
