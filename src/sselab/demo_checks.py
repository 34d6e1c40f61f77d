"""When a row of the demo's comparison recovers its truth: the rule and the stated tolerances.

:func:`within_uncertainty` holds a row (:data:`sselab.demo_rows.KEYS`) with a standard error to
:data:`N_STDERR` of them, and a row without one (an analysis that propagates none: counts, SEM
extremes, overpotential medians) to its entry of :data:`TOLERANCES`, each with the reason for its
size.  The paper-arithmetic rows have no truth and are not judged.
"""

from __future__ import annotations

from typing import Any

#: Rows without a standard error: the stated tolerance |recovered − truth| ≤ abs + rel·|truth|, by
#: quantity prefix, and why that much.  Rows with one are held to :data:`N_STDERR` standard errors.
TOLERANCES: dict[str, tuple[float, float, str]] = {
    "occupancy Mg1 (m/48)": (1e-12, 0.0, "held at 3/48: the site that carries the scale"),
    "crystal size min (SEM)": (0.015, 0.0, "one pixel (15 nm) of the segmented image: the smallest particle's outline"),
    "crystal size max (SEM)": (0.015, 0.0, "one pixel (15 nm) of the segmented image: the largest particle's outline"),
    **dict.fromkeys(("Mg3AsN layer thickness (SEM cross-section)", "membrane thickness (SEM cross-section"),
                    (0.0, 0.01, "edges located to a fraction of a pixel of the cross-section")),
    **dict.fromkeys(("EDS Mg per As", "EDS N per As"),
                    (0.0, 0.02, "line areas of the simulated spectrum; the quantification propagates no error")),
    "AP particle area fraction": (0.0, 0.03, "partial pixels on the blurred outlines (particle_sizes' area_fraction): "
                                  "20 simulated membrane views (seeds 0–9) read −0.2 % ± 0.6 % (sd), worst 1.5 %; "
                                  "the thresholded mask alone read +7 % (Otsu's outlines grow outward)"),
    **dict.fromkeys(("EDS map Mg variation beyond counting", "EDS map F variation beyond counting"),
                    (0.0, 0.10, "a spread of 16 map regions, itself uncertain by ~1/√(2·15) ≈ 18 %")),
    "XPS Mg:As after 20 min": (0.0, 0.05, "ratio of two Shirley-background GL fits of noisy regions; no error propagated"),
    "η ": (0.005, 0.0, "median of the last 10 % (3–4 points) of a half-cycle with 2 mV noise: σ ≈ 1.3 mV"),
    "cycles without short circuit": (0.0, 0.0, "a count"),
    "GCD cycles at": (0.0, 0.0, "a count"),
    **dict.fromkeys(("CV deposition peak", "CV dissolution peak"), (0.002, 0.0, "half the simulated CV's 4 mV potential step")),
    "CV scan rate": (0.0, 1e-6, "read from the file's time and potential columns"),
    "GCD current density": (0.0, 1e-6, "read from the file's current column and the stated area"),
    "interfacial resistance at day 0": (0.0, 0.01, "circuit fit of a 0.3 %-noise spectrum"),
    "critical current density": (0.0, 0.0, "the last step before the short: one of the programmed currents"),
}
#: standard errors a recovered value may lie from the truth
N_STDERR = 3.0


def within_uncertainty(row: dict[str, Any]) -> bool | None:
    """Whether a row's recovered value lies within its uncertainty of the truth: ``N_STDERR``
    standard errors, else its stated :data:`TOLERANCES` entry; ``None`` when there is nothing to
    compare (no truth, e.g. the paper-arithmetic rows) and ``False`` when a row without a standard
    error has no stated tolerance."""
    rec, truth, err = row.get("recovered"), row.get("truth"), row.get("stderr")
    if truth is None:
        return None
    if rec is None:
        return False
    if err:
        return abs(rec - truth) <= N_STDERR * err
    tol = next((t for prefix, t in TOLERANCES.items() if row["quantity"].startswith(prefix)), None)
    if tol is None:
        return False
    return abs(rec - truth) <= tol[0] + tol[1] * abs(truth) + 1e-12 * abs(truth)
