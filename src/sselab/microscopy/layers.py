"""Layer boundaries and thicknesses of a cross-section from a grey-level profile across it.

Method: the image is averaged along the layers (``orientation="horizontal"``: layers run left
to right, the profile goes down the rows), smoothed (Gaussian, ``smooth_px``), and its gradient's
extrema are the boundaries (sub-pixel by a parabola through the extremum and its neighbours).
A boundary must stand ``min_contrast`` × the profile's noise above zero; with ``n_layers``
the n − 1 strongest are kept.  The same is done on ``strips`` vertical strips; the spread of
a boundary between strips (tilt, roughness) is its uncertainty.  The outermost layers reach
the image border and have no measured thickness (listed as ``open``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..exceptions import AnalysisError
from ..verdict import Reason, Verdict, with_verdict
from .image import SEMImage


@dataclass(frozen=True)
class Layers:
    """Result of :func:`layer_thicknesses` (positions in pixels from the top; µm with a pixel size)."""

    boundaries_px: np.ndarray
    boundaries_stderr_px: np.ndarray
    thicknesses: list[dict[str, Any]]
    profile: np.ndarray
    pixel_size_um: float | None
    verdict: Verdict
    method: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        px = self.pixel_size_um
        d = {
            "n_boundaries": int(self.boundaries_px.size),
            "boundaries_px": self.boundaries_px.tolist(),
            "boundaries_stderr_px": self.boundaries_stderr_px.tolist(),
            "boundaries_um": None if px is None else (self.boundaries_px * px).tolist(),
            "layers": self.thicknesses,
            "pixel_size_um": px,
            "method": self.method,
        }
        return with_verdict(d, self.verdict)


def _boundaries(profile: np.ndarray, smooth_px: float, min_contrast: float, n: int | None, min_sep: int):
    from scipy.ndimage import gaussian_filter1d
    from scipy.signal import find_peaks

    p = gaussian_filter1d(profile, smooth_px) if smooth_px > 0 else profile
    g = np.gradient(p)
    noise = 1.4826 * np.median(np.abs(np.diff(profile) - np.median(np.diff(profile)))) / np.sqrt(2)
    noise_g = max(noise / (smooth_px * 2.5 if smooth_px > 0 else 1.0), 1e-12 * max(np.ptp(p), 1e-300))
    idx, props = find_peaks(np.abs(g), height=min_contrast * noise_g, distance=max(min_sep, 1))
    if n is not None and idx.size > n - 1:
        keep = np.sort(np.argsort(-props["peak_heights"])[: n - 1])
        idx = idx[keep]
    pos = []
    for i in idx:
        if 0 < i < g.size - 1:
            a, b, c = abs(g[i - 1]), abs(g[i]), abs(g[i + 1])
            den = a - 2 * b + c
            pos.append(i + (0.5 * (a - c) / den if den != 0 else 0.0))
        else:
            pos.append(float(i))
    return np.array(pos) + 0.5, noise  # + 0.5: gradient index i lies between rows i and i+1


def layer_thicknesses(img: SEMImage, *, n_layers: int | None = None, orientation: str = "horizontal",
                      smooth_px: float = 2.0, min_contrast: float = 8.0, strips: int = 8,
                      min_layer_px: int = 5) -> Layers:
    """Boundaries and thicknesses of the layers of a cross-section (see the module docstring).

    Raises
    ------
    AnalysisError
        Bad parameters.
    """
    if orientation not in ("horizontal", "vertical"):
        raise AnalysisError(f"orientation {orientation!r}: expected 'horizontal' or 'vertical'")
    if n_layers is not None and n_layers < 2:
        raise AnalysisError("n_layers must be at least 2")
    a = np.asarray(img.data, float)
    if orientation == "vertical":
        a = a.T
    profile = a.mean(axis=1)
    b, _ = _boundaries(profile, smooth_px, min_contrast, n_layers, min_layer_px)
    reasons: list[Reason] = []
    se = np.full(b.size, np.nan)
    if b.size and strips >= 2 and a.shape[1] >= 2 * strips:
        per = []
        for cols in np.array_split(np.arange(a.shape[1]), strips):
            bs, _ = _boundaries(a[:, cols].mean(axis=1), smooth_px, min_contrast / 2, None, min_layer_px)
            per.append(bs)
        for j, x in enumerate(b):
            near = [bs[np.argmin(np.abs(bs - x))] for bs in per if bs.size and np.min(np.abs(bs - x)) < 3 * min_layer_px]
            if len(near) >= 2:
                se[j] = float(np.std(near, ddof=1) / np.sqrt(len(near)))
            if len(near) < strips / 2:
                reasons.append(Reason("boundary_not_continuous", f"boundary at {x:.1f} px is found in only "
                                      f"{len(near)} of {strips} strips"))
    if b.size == 0:
        reasons.append(Reason("no_boundary", "no layer boundary stands out of the profile's noise", "failed"))
    elif n_layers is not None and b.size < n_layers - 1:
        reasons.append(Reason("fewer_boundaries", f"{b.size} boundaries found, {n_layers - 1} expected"))
    px = img.pixel_size_um
    if px is None:
        reasons.append(Reason("no_pixel_size", "the image has no pixel size: thicknesses are in pixels"))
    edges = np.concatenate([[0.0], b, [float(a.shape[0])]])
    layers = []
    for k in range(edges.size - 1):
        t = float(edges[k + 1] - edges[k])
        open_ = k == 0 or k == edges.size - 2
        errs = [se[j] for j in (k - 1, k) if 0 <= j < b.size and np.isfinite(se[j])]
        t_se = float(np.hypot(*errs)) if len(errs) == 2 else (errs[0] if errs else None)
        mean_grey = float(profile[int(edges[k]):int(np.ceil(edges[k + 1]))].mean()) if t >= 1 else None
        layers.append({"index": k, "from_px": float(edges[k]), "to_px": float(edges[k + 1]), "thickness_px": t,
                       "thickness_stderr_px": t_se, "thickness_um": None if px is None else t * px,
                       "thickness_stderr_um": None if (px is None or t_se is None) else t_se * px,
                       "open": open_, "mean_grey": mean_grey})
    method = {"profile": f"mean along the layers ({orientation})", "smooth": f"gaussian sigma={smooth_px} px",
              "boundary": f"|gradient| extrema ≥ {min_contrast} × noise, sub-pixel parabola",
              "uncertainty": f"spread between {strips} strips", "open": "outermost layers reach the image border"}
    return Layers(b, se, layers, profile, px, Verdict.of(reasons), method)
