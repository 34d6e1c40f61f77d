"""Synthetic SEM micrographs with known truth: particles of given sizes, layered cross-sections,
porous pellet sections.

Particles are bright discs (secondary-electron contrast) on a darker substrate, rendered with
2× supersampling, blurred by the beam (Gaussian, ``blur_px``) and given Gaussian noise.
Discs do not overlap; with ``touching`` a fraction of them is placed in contact with a
neighbour (the case the watershed must split).
"""

from __future__ import annotations

import numpy as np

from .image import SEMImage


def _render_discs(shape, centres, radii, ss: int = 2) -> np.ndarray:
    h, w = shape
    yy, xx = np.mgrid[0:h * ss, 0:w * ss]
    yy = (yy + 0.5) / ss - 0.5
    xx = (xx + 0.5) / ss - 0.5
    hi = np.zeros((h * ss, w * ss), bool)
    for (cy, cx), r in zip(centres, radii):
        y0, y1 = int(max((cy - r - 1) * ss, 0)), int(min((cy + r + 2) * ss, h * ss))
        x0, x1 = int(max((cx - r - 1) * ss, 0)), int(min((cx + r + 2) * ss, w * ss))
        sub = (yy[y0:y1, x0:x1] - cy) ** 2 + (xx[y0:y1, x0:x1] - cx) ** 2 <= r * r
        hi[y0:y1, x0:x1] |= sub
    return hi.reshape(h, ss, w, ss).mean(axis=(1, 3))


def synthetic_particles(diameters_um, pixel_size_um: float, shape=(768, 1024), *, touching: float = 0.0,
                        contrast: float = 0.5, noise: float = 0.05, blur_px: float = 1.0, margin_px: int = 3,
                        seed: int = 0) -> tuple[SEMImage, np.ndarray]:
    """An image of discs with ``diameters_um`` and the diameters actually placed (the truth).

    Discs that do not fit after many tries are left out (the truth lists only those placed).
    """
    from scipy import ndimage as ndi

    rng = np.random.default_rng(seed)
    h, w = shape
    r_px = np.sort(np.asarray(diameters_um, float) / pixel_size_um / 2)[::-1]
    centres, radii = [], []
    for r in r_px:
        for _ in range(400):
            if touching and radii and rng.random() < touching:
                k = rng.integers(len(radii))
                ang = rng.uniform(0, 2 * np.pi)
                c = np.array(centres[k]) + (radii[k] + r + 0.3) * np.array([np.sin(ang), np.cos(ang)])
            else:
                c = rng.uniform([r + margin_px, r + margin_px], [h - r - margin_px, w - r - margin_px])
            if not (r + margin_px <= c[0] <= h - r - margin_px and r + margin_px <= c[1] <= w - r - margin_px):
                continue
            if centres:
                dd = np.hypot(*(np.array(centres) - c).T)
                if np.any(dd < np.array(radii) + r + 0.25):
                    continue
            centres.append(tuple(c))
            radii.append(r)
            break
    cover = _render_discs(shape, centres, radii)
    img = 0.3 + contrast * cover
    if blur_px > 0:
        img = ndi.gaussian_filter(img, blur_px)
    img = img + rng.normal(0, noise, img.shape)
    truth = 2 * np.array(radii) * pixel_size_um
    return SEMImage(img, pixel_size_um * 1e-6, "synthetic (given)", "synthetic"), truth


def synthetic_layers(thicknesses_px, levels, width: int = 400, *, noise: float = 0.03, blur_px: float = 1.0,
                     roughness_px: float = 0.0, pixel_size_um: float = 0.1, seed: int = 0) -> tuple[SEMImage, np.ndarray]:
    """A cross-section: horizontal layers of given thicknesses [px] and grey ``levels`` (top first).

    Returns the image and the true boundary rows (between layers).
    """
    from scipy import ndimage as ndi

    rng = np.random.default_rng(seed)
    t = np.asarray(thicknesses_px, float)
    bounds = np.cumsum(t)[:-1]
    h = int(round(t.sum()))
    rows = np.arange(h)[:, None] + 0.5
    shift = roughness_px * np.sin(np.linspace(0, 4 * np.pi, width) + rng.uniform(0, 6))[None, :]
    img = np.full((h, width), float(levels[0]))
    for b, lev in zip(bounds, levels[1:]):
        img = np.where(rows >= b + shift, float(lev), img)
    if blur_px > 0:
        img = ndi.gaussian_filter(img, blur_px)
    img = img + rng.normal(0, noise, img.shape)
    return SEMImage(img, pixel_size_um * 1e-6, "synthetic (given)", "synthetic"), bounds


def synthetic_pellet(porosity: float, pixel_size_um: float, shape=(256, 256), *, pore_diameter_um=(0.4, 1.6),
                     matrix: float = 0.7, pore: float = 0.15, noise: float = 0.04, blur_px: float = 0.8,
                     seed: int = 0) -> tuple[SEMImage, float]:
    """A polished section of a sintered pellet: dark pores (discs, diameters uniform in
    ``pore_diameter_um``, overlaps allowed) on a bright matrix, placed until they cover
    ``porosity`` of the area.  Returns the image and the true pore area fraction (of the
    rendered discs, which exceeds ``porosity`` by at most one pore)."""
    from scipy import ndimage as ndi

    if not 0 <= porosity < 0.6:
        raise ValueError(f"porosity {porosity} outside [0, 0.6)")
    rng = np.random.default_rng(seed)
    h, w = shape
    covered = np.zeros(shape, bool)
    yy, xx = np.mgrid[0:h, 0:w]
    centres, radii = [], []
    while covered.mean() < porosity:
        r = rng.uniform(*pore_diameter_um) / pixel_size_um / 2
        c = rng.uniform([0, 0], [h, w])
        centres.append(tuple(c))
        radii.append(r)
        covered |= (yy - c[0]) ** 2 + (xx - c[1]) ** 2 <= r * r
    cover = _render_discs(shape, centres, radii) if centres else np.zeros(shape)
    img = matrix + (pore - matrix) * np.clip(cover, 0, 1)
    if blur_px > 0:
        img = ndi.gaussian_filter(img, blur_px)
    img = img + rng.normal(0, noise, img.shape)
    truth = float(np.clip(cover, 0, 1).mean())
    return SEMImage(img, pixel_size_um * 1e-6, "synthetic (given)", "synthetic"), truth
