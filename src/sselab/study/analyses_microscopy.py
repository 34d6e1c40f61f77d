"""Pipeline executors of SEM micrographs (``sem_image``) and EDS spectra (``eds_quantify``).

They call what ``sselab sem particles|layers|porosity`` and ``sselab eds quantify`` call, with the
manifest's :class:`~sselab.study.settings_microscopy.SEMSettings` /
:class:`~sselab.study.settings_microscopy.EDSSettings` (the same defaults).  Registered by
importing this module (:mod:`sselab.study.analyses` does).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from ..exceptions import AnalysisError
from .tasks import Task, task_kind


def _thin(*arrays: np.ndarray, n: int = 400) -> list[list[float]]:
    m = len(arrays[0])
    idx = np.unique(np.linspace(0, m - 1, min(n, m)).round().astype(int)) if m else np.arange(0)
    return [np.asarray(a, float)[idx].tolist() for a in arrays]


def load_image(path: Any, pixel_size: str | float | None = None, scale_bar: str | None = None):
    """Read a micrograph; ``scale_bar`` measures the burned-in bar of that label, ``pixel_size``
    (bare numbers µm) overrides the calibration — as ``sselab sem --scale-bar/--pixel-size``."""
    from ..microscopy.image import read_sem_image, with_scale_bar
    from ..units import parse_length

    img = read_sem_image(path)
    if scale_bar is not None:
        img = with_scale_bar(img, parse_length(scale_bar, default_unit="um"), scale_bar)
    if pixel_size is not None:
        img = replace(img, pixel_size_m=parse_length(pixel_size, default_unit="um"),
                      pixel_size_source=f"given in the settings ({pixel_size})")
    return img


def _file(task: Task) -> Any:
    if len(task.files) != 1:
        raise AnalysisError(f"{task.id}: one file per SEM/EDS task expected, got {len(task.files)}")
    return task.files[0]


def _outlines(labels: np.ndarray) -> dict[str, list[float]]:
    """Centroid (x, y) and equivalent diameter [px] of each kept particle, in the order of
    ``diameters_*`` (enough to draw the segmentation over the image without storing masks)."""
    from skimage import measure

    props = measure.regionprops(labels)
    return {"x": [float(p.centroid[1]) for p in props], "y": [float(p.centroid[0]) for p in props],
            "d": [float(np.sqrt(4 * p.area / np.pi)) for p in props]}


@task_kind("sem_image")
def sem_image(task: Task) -> dict[str, Any]:
    """Particle sizes, layer thicknesses or porosity of one micrograph (``settings["analysis"]``).

    The result is the analysis's ``to_dict()`` (``d50_um``, ``lognormal``, ``diameters_um``,
    plus ``particles_px`` {x, y, d} of each particle for overlays ... /
    ``boundaries_um``, ``layers`` ... / ``pore_area_fraction``) plus ``analysis``, ``image``
    (reader summary: pixel size and its source) and, for layers, ``curves`` {position_um or
    position_px, profile} (the mean grey level across the section).
    """
    from ..microscopy.layers import layer_thicknesses
    from ..microscopy.particles import particle_sizes, porosity

    s = task.settings
    img = load_image(_file(task), s.get("pixel_size"), s.get("scale_bar"))
    head = {"analysis": s["analysis"], "image": img.summary()}
    if s["analysis"] == "particles":
        p = s["particles"]
        r = particle_sizes(img, polarity=p["polarity"], threshold=p["threshold"], smooth_px=p["smooth_px"],
                           min_area_px=p["min_area_px"], split_ratio=p["split_ratio"], background_px=p["background_px"])
        return {**head, **r.to_dict(), "particles_px": _outlines(r.labels)}
    if s["analysis"] == "layers":
        ly = s["layers"]
        r = layer_thicknesses(img, n_layers=ly["n_layers"], orientation=ly["orientation"],
                              smooth_px=ly["smooth_px"], min_contrast=ly["min_contrast"])
        pos = np.arange(r.profile.size, dtype=float)
        key = "position_px"
        if r.pixel_size_um is not None:
            pos, key = pos * r.pixel_size_um, "position_um"
        x, y = _thin(pos, r.profile, n=1000)
        return {**head, **r.to_dict(), "curves": {key: x, "profile": y}}
    return {**head, **porosity(img, smooth_px=s["particles"]["smooth_px"])}


def read_spectrum(path: Any, index: int = 0):
    """Spectrum ``index`` of an EDS file (a map gives its sum spectrum), as ``sselab eds --index``."""
    from ..eds.spectrum import EDSMap, read_eds

    items = read_eds(path)
    if not 0 <= index < len(items):
        raise AnalysisError(f"{path}: spectrum {index} asked for, the file has {len(items)}")
    it = items[index]
    return it.sum_spectrum() if isinstance(it, EDSMap) else it


@task_kind("eds_quantify")
def eds_quantify(task: Task) -> dict[str, Any]:
    """Identification and Cliff–Lorimer quantification of one EDS spectrum.

    The result is :meth:`sselab.eds.EDSQuant.to_dict` (``atomic_percent``, ``formula`` with
    ``normalise``, ``identified`` lines ...) plus ``spectrum`` (reader summary) and ``curves``
    {energy_keV, counts} (thinned to ≤ 2048 points) for plots.
    """
    from ..eds.quantify import quantify

    s = task.settings
    if s.get("analysis") == "maps":
        return eds_maps(task)
    sp = read_spectrum(_file(task), s["index"])
    q = quantify(sp, list(s["elements"]) if s.get("elements") else None, kfactors=s["kfactors"] or None,
                 exclude=tuple(s["exclude"]), normalise=s["normalise"], beam_keV=s["beam_keV"],
                 fwhm_mn_eV=s["fwhm_mn_eV"])
    e, c = _thin(sp.energy_keV, sp.counts, n=2048)
    return {**q.to_dict(), "spectrum": sp.summary(), "curves": {"energy_keV": e, "counts": c}}


def eds_maps(task: Task) -> dict[str, Any]:
    """Element maps of a spectrum image (``settings: {analysis: maps}``), by
    :func:`sselab.eds.maps.map_analysis` as ``sselab eds maps``: its ``to_dict()`` plus ``analysis``,
    ``layers`` (the Layers result or None) and ``maps_net_counts`` {element: rows} for figures."""
    from ..eds.maps import map_analysis
    from ..eds.spectrum import EDSMap, read_eds

    s = task.settings
    maps = [m for m in read_eds(_file(task)) if isinstance(m, EDSMap)]
    if not maps:
        raise AnalysisError(f"{_file(task)}: no spectrum image in the file")
    o = s["maps"]
    r, lay = map_analysis(maps[0], list(s["elements"]) if s.get("elements") else None,
                          kfactors=s["kfactors"] or None, exclude=tuple(s["exclude"]), bin=o["bin"],
                          layers=o["layers"], bands=o["bands"], orientation=o["orientation"])
    return {"analysis": "maps", **r.to_dict(), "layers": None if lay is None else lay.to_dict(),
            "maps_net_counts": {el: np.round(v, 1).tolist() for el, v in r.maps.items()}}
