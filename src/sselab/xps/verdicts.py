"""Verdicts of XPS results: the shared fit rules plus what only XPS can judge.

Fits (:func:`region_fit_verdict`): the generic rules of :func:`sselab.fitting.verdicts.fit_verdict`
(non-finite, diverged, no standard error, not converged, misfit against the noise, undetermined,
at a bound, correlated, systematic residuals) applied to the free parameters of one region,
named ``<component>.position``/``.fwhm``/``.area``, with the noise the spectrum itself shows
(:func:`noise_shown`) for the misfit rule; then XPS rules:

``component_vanished`` (warning)
    A component's area fell below ``VANISHED_FRACTION`` of the region's total: the data do not
    support it (e.g. a Sn 3d component "4.4e-10 ± 158").
``not_moved`` (failed)
    No free parameter moved from its start value: the optimiser stalled (e.g. a FWHM started
    exactly on its bound, where the bounded transform has no gradient).

Quantification and depth profiles (:func:`quantification_reasons`): a negative net area or
atomic % more than three standard errors below 0 is ``failed`` (``negative_atomic_percent``);
an area within three standard errors of 0 (negative or not) is a warning (``below_detection``;
a negative one counts as 0 in the normalisation, :func:`sselab.xps.quantify.quantify`).
"""

from __future__ import annotations

import math
from typing import Mapping, Sequence

import numpy as np

from ..fitting.result import FitResult, ParameterEstimate
from ..fitting.verdicts import fit_verdict
from ..verdict import Reason, Verdict

#: a component with less than this fraction of the region's total area has vanished (0.1 %: below what XPS detects)
VANISHED_FRACTION = 1e-3
#: floor of the noise estimate, relative to the median weighted intensity (noise-free data)
NOISE_FLOOR = 1e-3


def noise_shown(y: np.ndarray, sigma: np.ndarray) -> float:
    """rms noise in units of ``sigma`` as the data show it: robust (MAD) scatter of the second
    differences y[i-1] − 2y[i] + y[i+1], divided by σ[i] and by √6.

    A smooth peak sampled finely has small second differences, so this estimates the
    point-to-point noise, whatever the intensity unit (counts, counts/s, normalised).
    """
    y = np.asarray(y, float)
    sigma = np.asarray(sigma, float)
    if y.size < 5:
        return float("nan")
    d2 = (y[:-2] - 2 * y[1:-1] + y[2:]) / sigma[1:-1]
    mad = 1.4826 * float(np.median(np.abs(d2 - np.median(d2))))
    return max(mad / math.sqrt(6.0), NOISE_FLOOR * float(np.median(np.abs(y / sigma))), 1e-300)


def region_fit_verdict(values: Mapping[str, float], stderr: Mapping[str, float | None],
                       bounds: Mapping[str, tuple[float, float, float, bool]], free_names: Sequence[str],
                       covariance: np.ndarray, labels: Mapping[str, str], residuals: np.ndarray,
                       y: np.ndarray, sigma: np.ndarray, success: bool, message: str,
                       areas: Mapping[str, tuple[float, float | None]]) -> Verdict:
    """Verdict of one region's fit.

    ``labels`` maps the engine's parameter names of this region to readable ones
    (``"As3-.fwhm"``); ``areas`` maps component → (area, stderr).
    """
    units = {"position": "eV", "fwhm": "eV", "area": ""}
    params, keep = [], []
    for name, label in labels.items():
        lo, hi, start, free = bounds[name]
        unit = units.get(label.rsplit(".", 1)[-1], "")
        params.append(ParameterEstimate(label, values[name], stderr.get(name), unit, not free, lo, hi))
        if free and name in free_names:
            keep.append(list(free_names).index(name))
    free_params = [p for p in params if not p.fixed]
    params = free_params + [p for p in params if p.fixed]
    cov = np.asarray(covariance, float)
    sub = cov[np.ix_(keep, keep)] if cov.size and keep else np.full((len(keep), len(keep)), np.nan)
    if not np.all(np.isfinite(sub)):
        sub = np.zeros((0, 0))
    r = np.asarray(residuals, float)
    result = FitResult(tuple(params), sub, float(np.sum(r**2)), int(r.size), r, success, message)
    v = fit_verdict(result, noise=noise_shown(y, sigma))
    total = sum(a for a, _ in areas.values())
    for comp, (a, err) in areas.items():
        if total > 0 and a < VANISHED_FRACTION * total:
            shown = f"{a:.2g}" + (f" ± {err:.2g}" if err is not None else "")
            v = v.add("component_vanished", f"component {comp} has vanished (area {shown}): the data do not "
                      "support it; remove it or constrain it")
    moved = [abs(values[n] - bounds[n][2]) > 1e-9 * (abs(bounds[n][2]) + 1.0) for n in labels if bounds[n][3]]
    if moved and not any(moved):
        v = v.add("not_moved", "no parameter moved from its start value: the fit stalled (is a start value "
                  "on its bound? widen the bounds, e.g. --fwhm-max)", "failed")
    return v


def quantification_reasons(rows: Sequence[tuple[str, float, float | None, float]]) -> list[Reason]:
    """Reasons from (label, area, area_stderr, atomic_percent) rows."""
    out = []
    for label, area, err, pct in rows:
        if (area < 0 or pct < 0) and err is not None and err > 0 and area >= -3 * err:
            out.append(Reason("below_detection", f"{label}: negative area ({area:.3g} ± {err:.2g}) consistent with "
                              "0: not detected, counted as 0 at.% in the normalisation"))
        elif area < 0 or pct < 0:
            out.append(Reason("negative_atomic_percent", f"{label}: negative area/atomic % ({pct:.3g} at.%): the "
                              "background is above the data; check the region limits and background", "failed"))
        elif err is not None and err > 0 and area < 3 * err:
            out.append(Reason("below_detection", f"{label}: area {area:.3g} is below three standard errors "
                              f"({err:.2g}); its at.% is an upper limit"))
    return out
