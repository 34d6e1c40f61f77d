"""Detection limit of a phase in a refined pattern: "absent" as a statement with a number.

:func:`~sselab.xrd.identify.identify` calls a candidate present when (1) its scale is at least
``min_sigma`` standard errors from 0 and (2) leaving it out raises Rwp by ``min_rwp_gain``
percentage points.  The detection limit is the weight fraction at which a phase with the
candidate's calculated pattern g (per unit scale, cell and profile as refined or as started)
would just pass both, added to the refined pattern:

(1) counting statistics: σ_S = 1/√(Σ g²/σ²) (the scale's standard error, correlations
    neglected), so S₁ = min_sigma·σ_S; longer counting multiplies g's counts and σ², and the
    limit falls as 1/√(counts);
(2) Rwp: leaving out S·g adds Σ(S g)²/σ² to Σ w(yo−yc)², so
    S₂² = [(Rwp + gain)² − Rwp²]·Σ w yo² / (10⁴ Σ w g²) (Rwp in percent).

S = max(S₁, S₂) converts to a weight fraction with Hill & Howard (J. Appl. Cryst. 20 (1987)
467): W = S(ZMV)_p / (S(ZMV)_p + Σ_j S_j(ZMV)_j), the sum over the phases found present.
Which criterion binds is named (``detection_limit_by``).  The strongest reflection of g is
reported so the reader knows where to look.

Examples
--------
>>> import numpy as np
>>> from sselab.xrd.library import mg3asn, mgo
>>> from sselab.xrd.simulate import simulate_pattern
>>> from sselab.xrd.identify import identify
>>> pat = simulate_pattern([mg3asn()], np.arange(20, 80, 0.02), seed=3)
>>> res = identify(pat, [mg3asn(), mgo()])
>>> 0 < res.candidates[1].detection_limit_wt_percent < 10
True
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from .model import PowderModel



def zmv(phase, values: np.ndarray, model: PowderModel) -> float:
    """(ZMV) of ``phase`` [g/mol·Å³] with its refined cell."""
    lat = {k: float(values[model.index(f"{phase.name}.{k}")]) for k in phase.free_lattice}
    p = phase.with_lattice(**lat) if lat else phase
    return float(p.cell_mass_g_mol * p.volume_A3)


def detection_limits(
    model: PowderModel,
    values: np.ndarray,
    sigma: np.ndarray,
    present: Sequence[int],
    *,
    min_sigma: float = 5.0,
    min_rwp_gain: float = 0.3,
    y_obs: np.ndarray | None = None,
    Rwp: float = 0.0,
    start: np.ndarray | None = None,
) -> list[dict]:
    """The detection limit of every phase of ``model``.

    Parameters
    ----------
    model : PowderModel
    values : ndarray
        Refined parameter values (the scales of the ``present`` phases are used).
    sigma : ndarray
        Counting error of each point of ``model.x`` [counts].
    present : sequence of int
        Indices of the phases found present (the matrix the limit is relative to).
    min_sigma, min_rwp_gain : float
        The presence tests of :func:`~sselab.xrd.identify.identify`.
    y_obs : ndarray, optional
        Observed counts (for the Rwp criterion; without them only the counting criterion).
    Rwp : float
        Rwp [%] of the refinement.
    start : ndarray, optional
        Values to take a candidate's own cell and profile from when it is *not* present (a phase
        that is not there refines to a meaningless cell); default ``values``.

    Returns
    -------
    list of dict
        Per phase: ``detection_limit_wt_percent`` (None when no reflection is in range or no
        other phase is present), ``detection_limit_counting_wt_percent``,
        ``detection_limit_rwp_wt_percent``, ``detection_limit_by`` ("counting" or "Rwp"),
        ``strongest_reflection_2theta_deg``.
    """
    values = np.asarray(values, float)
    start = values if start is None else np.asarray(start, float)
    sigma = np.asarray(sigma, float)
    matrix = {i: float(values[model.index(f"{model.phases[i].name}.scale")]) * zmv(model.phases[i], values, model)
              for i in present}
    out = []
    for ip, ph in enumerate(model.phases):
        v = values.copy()
        if ip not in present:  # the candidate's own parameters as started, not as wandered
            for i, n in enumerate(model.names):
                if n.startswith(ph.name + "."):
                    v[i] = start[i]
        for jp, other in enumerate(model.phases):
            v[model.index(f"{other.name}.scale")] = 1.0 if jp == ip else 0.0
        g = model.evaluate(v, per_phase=True)[ip]
        rest = sum(s for j, s in matrix.items() if j != ip)
        if g.max() <= 0 or rest <= 0:
            out.append({"detection_limit_wt_percent": None, "detection_limit_counting_wt_percent": None,
                        "detection_limit_rwp_wt_percent": None, "detection_limit_by": None,
                        "strongest_reflection_2theta_deg": None})
            continue
        top = int(np.argmax(g))
        wg2 = float(np.sum(g**2 / sigma**2))
        s1 = min_sigma / np.sqrt(wg2)
        s2 = 0.0
        if y_obs is not None:
            swy2 = float(np.sum(np.asarray(y_obs, float) ** 2 / sigma**2))
            s2 = float(np.sqrt(((Rwp + min_rwp_gain) ** 2 - Rwp**2) * swy2 / (1e4 * wg2)))
        z = zmv(ph, v, model)

        def wt(s: float) -> float:
            return 100.0 * s * z / (s * z + rest)

        out.append({"detection_limit_wt_percent": wt(max(s1, s2)), "detection_limit_counting_wt_percent": wt(s1),
                    "detection_limit_rwp_wt_percent": wt(s2) if y_obs is not None else None,
                    "detection_limit_by": "counting" if s1 >= s2 else "Rwp",
                    "strongest_reflection_2theta_deg": round(float(model.x[top]), 3)})
    return out
