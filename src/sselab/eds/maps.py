"""EDS spectrum images: element maps, mean composition, homogeneity, per-region composition.

Method: the map's sum spectrum is identified and quantified (:func:`~sselab.eds.quantify.quantify`);
every pixel (after ``bin`` × ``bin`` binning) is then fitted by linear least squares with the
same family shapes (the sum fit's shifts) plus the sum spectrum's SNIP background scaled per
pixel, so an element map is its main line's net counts per pixel.

Homogeneity of an element: the map's coefficient of variation against the one counting
statistics alone gives (√(net + 2·background) / net, per pixel); their ratio is ≈ 1 for a
uniform distribution and grows with real variation (``heterogeneous`` above 1.5).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np

from ..exceptions import AnalysisError
from ..verdict import Verdict, with_verdict
from .peaks import family_shape
from .quantify import EDSQuant, quantify
from .spectrum import EDSMap, EDSSpectrum

HETEROGENEOUS = 1.5


@dataclass(frozen=True)
class EDSMaps:
    """Result of :func:`element_maps`."""

    maps: dict[str, np.ndarray]
    homogeneity: dict[str, dict[str, float | bool]]
    overall: EDSQuant
    regions: dict[str, dict[str, float]] | None
    regions_stderr: dict[str, dict[str, float]] | None
    pixel_size_um: float | None
    bin: int
    verdict: Verdict

    def to_dict(self) -> dict[str, Any]:
        d = {
            "elements": list(self.maps),
            "shape_px": list(next(iter(self.maps.values())).shape) if self.maps else None,
            "bin": self.bin,
            "pixel_size_um": self.pixel_size_um,
            "mean_atomic_percent": self.overall.to_dict()["atomic_percent"],
            "mean_atomic_percent_stderr": self.overall.to_dict()["atomic_percent_stderr"],
            "homogeneity": self.homogeneity,
            "region_atomic_percent": self.regions,
            "region_atomic_percent_stderr": self.regions_stderr,
            "overall": self.overall.to_dict(),
        }
        return with_verdict(d, self.verdict)


def _binned(cube: np.ndarray, b: int) -> np.ndarray:
    if b == 1:
        return cube.astype(float)
    ny, nx = (cube.shape[0] // b) * b, (cube.shape[1] // b) * b
    c = cube[:ny, :nx].astype(float)
    return c.reshape(ny // b, b, nx // b, b, -1).sum(axis=(1, 3))


def element_maps(m: EDSMap, elements=None, *, kfactors: Mapping[str, float] | None = None, exclude=(),
                 bin: int = 1, regions: np.ndarray | None = None, fwhm_mn_eV: float = 130.0,
                 beam_keV: float | None = None) -> EDSMaps:
    """Element maps, mean composition and homogeneity of a spectrum image.

    ``regions``: integer labels of the map's pixels (0 = ignore), e.g. layers of a
    cross-section; each region's summed spectrum is quantified.
    """
    if bin < 1:
        raise AnalysisError("bin must be ≥ 1")
    total = m.sum_spectrum()
    overall = quantify(total, elements, kfactors=kfactors, exclude=exclude, fwhm_mn_eV=fwhm_mn_eV, beam_keV=beam_keV)
    cube = _binned(m.cube, bin)
    ny, nx, nch = cube.shape
    e = m.energy_keV
    from .peaks import fit_lines, snip

    fams = [(el, f) for el, f in overall.families.items()]
    if not fams:
        v = overall.verdict.add("nothing_to_map", "no element to map", "failed")
        return EDSMaps({}, {}, overall, None, None, None, bin, v)
    fit = fit_lines(e, total.counts, fams, fwhm_mn_eV=fwhm_mn_eV)
    bg = snip(total.counts, e, fwhm_mn_eV=fwhm_mn_eV)
    cols = [family_shape(el, f, e, fwhm_mn_eV, fit.shifts_eV.get(f"{el}_{f}", 0.0) * 1e-3) for el, f in fams]
    A = np.column_stack(cols + [bg / max(bg.sum(), 1e-300)])
    use = e > 0.1
    coef, *_ = np.linalg.lstsq(A[use], cube.reshape(-1, nch)[:, use].T, rcond=None)
    maps, hom = {}, {}
    bg_px = coef[-1]
    for j, (el, f) in enumerate(fams):
        net = coef[j].reshape(ny, nx)
        maps[el] = net
        mean = float(net.mean())
        if mean <= 0:
            hom[el] = {"cv": float("nan"), "cv_counting": float("nan"), "ratio": float("nan"), "heterogeneous": False}
            continue
        core = np.abs(e - e[np.argmax(cols[j])]) <= 1.2 * 0.5 * (np.count_nonzero(cols[j] > cols[j].max() / 2) * (e[1] - e[0]))
        bg_core = (bg / max(bg.sum(), 1e-300))[core].sum() * bg_px
        cv_count = float(np.mean(np.sqrt(np.clip(net.ravel(), 0, None) + 2 * np.clip(bg_core, 0, None))) / mean)
        cv = float(net.std() / mean)
        ratio = cv / cv_count if cv_count > 0 else float("nan")
        hom[el] = {"cv": cv, "cv_counting": cv_count, "ratio": ratio, "heterogeneous": bool(ratio > HETEROGENEOUS)}
    reg = reg_se = None
    if regions is not None:
        lab = np.asarray(regions)
        if lab.shape != m.cube.shape[:2]:
            raise AnalysisError(f"regions has shape {lab.shape}, the map {m.cube.shape[:2]}")
        reg, reg_se = {}, {}
        for r in np.unique(lab[lab > 0]):
            spec = EDSSpectrum(e, m.cube[lab == r].sum(axis=0).astype(float), total.beam_energy_keV, None,
                               total.elements_listed, m.path, f"region {r}")
            q = quantify(spec, list(overall.elements), kfactors=kfactors, fwhm_mn_eV=fwhm_mn_eV, beam_keV=beam_keV)
            reg[str(int(r))] = {el: v[0] for el, v in q.atomic_percent.items()}
            reg_se[str(int(r))] = {el: v[1] for el, v in q.atomic_percent.items()}
    px = None if m.pixel_size_m is None else m.pixel_size_m[0] * 1e6 * bin
    return EDSMaps(maps, hom, overall, reg, reg_se, px, bin, overall.verdict)


def plot_maps(result: EDSMaps, path=None):
    """One panel per element map (net counts of its main line)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    els = list(result.maps)
    n = max(len(els), 1)
    cols = min(n, 4)
    rows = (n + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 3.0 * rows), squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for ax, el in zip(axes.ravel(), els):
        im = ax.imshow(result.maps[el], cmap="viridis")
        h = result.homogeneity.get(el, {})
        ax.set_title(f"{el} {result.overall.families.get(el, '')}  CV/counting {h.get('ratio', float('nan')):.1f}",
                     fontsize=8)
        fig.colorbar(im, ax=ax, fraction=0.046)
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=110)
    return fig


def layer_labels(shape: tuple[int, int], boundaries_px, orientation: str = "horizontal") -> np.ndarray:
    """Integer labels 1..n of the bands between ``boundaries_px`` (rows, or columns when vertical)."""
    n_rows = shape[0] if orientation == "horizontal" else shape[1]
    band = np.searchsorted(np.sort(np.asarray(boundaries_px, float)), np.arange(n_rows) + 0.5) + 1
    lab = np.repeat(band[:, None], shape[1] if orientation == "horizontal" else shape[0], axis=1)
    return lab if orientation == "horizontal" else lab.T


def band_labels(shape: tuple[int, int], n_bands: int, orientation: str = "horizontal") -> np.ndarray:
    """Labels 1..n of ``n_bands`` equal bands (1 = top, or left when vertical), e.g. 2 for the
    top and bottom halves of a membrane's cross-section."""
    if n_bands < 1:
        raise AnalysisError("bands must be ≥ 1")
    n = shape[0] if orientation == "horizontal" else shape[1]
    if n_bands > n:
        raise AnalysisError(f"{n_bands} bands asked for, the map has {n} rows")
    return layer_labels(shape, np.arange(1, n_bands) * n / n_bands, orientation)


def map_analysis(m: EDSMap, elements=None, *, kfactors: Mapping[str, float] | None = None, exclude=(),
                 bin: int = 1, layers: int | None = None, bands: int | None = None,
                 orientation: str = "horizontal") -> tuple[EDSMaps, Any]:
    """What ``sselab eds maps`` and the pipeline (``technique: eds``, ``analysis: maps``) run:
    :func:`layer_compositions` with ``layers`` N, per-band composition with ``bands`` N (equal
    bands, 1 = top), else plain :func:`element_maps`.  Returns ``(maps result, Layers or None)``."""
    if layers is not None and bands is not None:
        raise AnalysisError("layers or bands, not both")
    if layers is not None:
        return layer_compositions(m, elements, n_layers=layers, kfactors=kfactors, exclude=exclude,
                                  orientation=orientation)
    lab = None if bands is None else band_labels(m.cube.shape[:2], bands, orientation)
    return element_maps(m, elements, kfactors=kfactors, exclude=exclude, bin=bin, regions=lab), None


def layer_compositions(m: EDSMap, elements=None, *, n_layers: int | None = None, orientation: str = "horizontal",
                       kfactors: Mapping[str, float] | None = None, exclude=(), smooth_px: float = 1.0,
                       min_contrast: float = 6.0) -> tuple[EDSMaps, Any]:
    """Per-layer composition of a cross-section map: layer boundaries from the first principal
    component of the element maps (each scaled to its mean), found as in
    :func:`sselab.microscopy.layers.layer_thicknesses`; each layer's summed spectrum quantified.

    Returns ``(maps result with regions = layers, Layers result)``.
    """
    from ..microscopy.image import from_array
    from ..microscopy.layers import layer_thicknesses

    first = element_maps(m, elements, kfactors=kfactors, exclude=exclude)
    if not first.maps:
        return first, None
    X = np.stack([v / (abs(v.mean()) or 1.0) for v in first.maps.values()], axis=-1)
    flat = X.reshape(-1, X.shape[-1])
    flat = flat - flat.mean(axis=0)
    _, _, vt = np.linalg.svd(flat, full_matrices=False)
    pc1 = (flat @ vt[0]).reshape(X.shape[:2])
    px = None if m.pixel_size_m is None else m.pixel_size_m[0]
    lay = layer_thicknesses(from_array(pc1, px, "EDS map"), n_layers=n_layers, orientation=orientation,
                            smooth_px=smooth_px, min_contrast=min_contrast, strips=4, min_layer_px=2)
    labels = layer_labels(pc1.shape, lay.boundaries_px, orientation)
    res = element_maps(m, list(first.overall.elements), kfactors=kfactors, regions=labels)
    return res, lay
