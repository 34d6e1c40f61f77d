"""Absolute phase fractions and amorphous content with an internal standard.

Rietveld weight fractions (Hill & Howard, J. Appl. Cryst. 20 (1987) 467) are relative: they sum to
1 over the crystalline phases refined, whatever else the sample holds.  A standard weighed into the
sample at a known fraction x_s turns them absolute (Bish & Howard, J. Appl. Cryst. 21 (1988) 86;
Madsen, Scarlett & Kern, Z. Kristallogr. 226 (2011) 944, the "internal standard" method):

    A_i = x_s · (S_i (ZMV)_i) / (S_s (ZMV)_s)           (fraction of phase i in the spiked mixture)
    A_amorphous = 1 − x_s − Σ_{i≠s} A_i                  (what diffracts no Bragg peak)

and, on the original sample (the standard removed), a_i = A_i / (1 − x_s).  Uncertainties are
propagated to first order from the covariance of the refined scale factors (cells, hence ZMV,
held at their refined values) and from the stated uncertainty of x_s.

Examples
--------
>>> import numpy as np
>>> from sselab.xrd.library import mg3asn, zro2_monoclinic as zro2
>>> from sselab.xrd.simulate import simulate_pattern
>>> from sselab.xrd.rietveld import refine
>>> pat = simulate_pattern([mg3asn(), zro2()], np.arange(20, 100, 0.02),
...                        weight_fractions={"Mg3AsN": 0.5, "ZrO2-m": 0.5}, noise=False)
>>> q = internal_standard(refine(pat, [mg3asn(), zro2()]), "ZrO2-m", 20.0)
>>> # 20 wt% standard, an equal mass of Mg3AsN: 60 wt% of the mixture, 60/0.8 = 75 wt% of the sample amorphous
>>> round(q.amorphous_wt_percent_in_mixture, 1), round(q.amorphous_wt_percent, 1)
(60.0, 75.0)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np

from ..exceptions import SselabError
from ..verdict import Verdict


@dataclass(frozen=True)
class InternalStandardResult:
    """Absolute wt% (of the spiked mixture and of the original sample) and amorphous content."""

    standard: str
    standard_wt_percent: float
    standard_wt_percent_stderr: float
    wt_percent_in_mixture: Mapping[str, float]
    wt_percent_in_mixture_stderr: Mapping[str, float]
    wt_percent_in_sample: Mapping[str, float]
    wt_percent_in_sample_stderr: Mapping[str, float]
    amorphous_wt_percent: float
    amorphous_wt_percent_stderr: float
    amorphous_wt_percent_in_mixture: float
    amorphous_wt_percent_in_mixture_stderr: float
    verdict: Verdict = field(default_factory=Verdict.ok)

    def to_dict(self) -> dict[str, Any]:
        d = {k: (dict(v) if isinstance(v, Mapping) else v) for k, v in self.__dict__.items() if k != "verdict"}
        d.update(self.verdict.to_dict())
        return d


def _zmv(result, name: str) -> float:
    """(ZMV) [g/mol·Å³] of a refined phase: Z·M = ρ·N_A·V (ρ in g/cm³, V in Å³ → 1e-24 cm³)."""
    ph = result.phase(name)
    return ph.density_g_cm3 * 6.02214076e23 * ph.volume_A3 * 1e-24 * ph.volume_A3


def internal_standard(result, standard: str, wt_percent: float, wt_percent_stderr: float = 0.0) -> InternalStandardResult:
    """Absolute phase fractions from a refinement of a sample spiked with ``standard``.

    Parameters
    ----------
    result : RietveldResult
        A refinement whose phases include ``standard``.
    standard : str
        Name of the standard's phase (e.g. ``"Si"``, ``"LaB6"``).
    wt_percent : float
        Weighed fraction of the standard in the spiked mixture [wt%], 0 < x < 100.
    wt_percent_stderr : float
        Its uncertainty [wt%] (weighing), propagated.

    Raises
    ------
    SselabError
        Unknown standard, fraction out of range, or a standard whose refined scale is not positive.
    """
    names = [p.name for p in result.phases]
    if standard not in names:
        raise SselabError(f"internal standard {standard!r} is not among the refined phases ({', '.join(names)})")
    if not (0.0 < wt_percent < 100.0) or wt_percent_stderr < 0:
        raise SselabError(f"internal standard {standard}: {wt_percent} wt% must lie strictly between 0 and 100")
    if any(p.weight_fraction != p.weight_fraction for p in result.phases):
        raise SselabError("internal standard: a Le Bail fit has no scale-derived weight fractions")
    xs, xs_err = wt_percent / 100.0, wt_percent_stderr / 100.0
    scale = np.array([result.phase(n).scale for n in names])
    if scale[names.index(standard)] <= 0:
        raise SselabError(f"internal standard {standard}: its refined scale is not positive")
    zmv = np.array([_zmv(result, n) for n in names])
    # covariance of ln S for the scales (zero rows for fixed scales)
    free = list(result.fit.free_names)
    cov_all = np.asarray(result.fit.covariance, float)
    k = len(names)
    C = np.zeros((k, k))
    for i, a in enumerate(names):
        for j, b in enumerate(names):
            ia, ib = f"{a}.scale", f"{b}.scale"
            if ia in free and ib in free and cov_all.size:
                C[i, j] = cov_all[free.index(ia), free.index(ib)] / (scale[i] * scale[j])
    s = names.index(standard)
    ratio = scale * zmv / (scale[s] * zmv[s])
    others = [i for i in range(k) if i != s]
    A = xs * ratio
    # gradients with respect to (ln S_0..ln S_k-1, x_s)
    grads = {}
    for i in others:
        g = np.zeros(k + 1)
        g[i] += A[i]
        g[s] -= A[i]
        g[k] = ratio[i]
        grads[i] = g
    g_am = np.zeros(k + 1)
    g_am[k] = -1.0
    for i in others:
        g_am -= grads[i]
    Cx = np.zeros((k + 1, k + 1))
    Cx[:k, :k] = C
    Cx[k, k] = xs_err**2

    def sd(g: np.ndarray) -> float:
        return float(np.sqrt(max(g @ Cx @ g, 0.0)))

    am = 1.0 - xs - float(sum(A[i] for i in others))
    am_sd = sd(g_am)
    f = 1.0 / (1.0 - xs)  # on the original sample; d f / d x_s = f²
    mix = {names[i]: 100 * float(A[i]) for i in others}
    mix_sd = {names[i]: 100 * sd(grads[i]) for i in others}
    samp, samp_sd = {}, {}
    for i in others:
        g = grads[i] * f
        g[k] += A[i] * f**2
        samp[names[i]], samp_sd[names[i]] = 100 * float(A[i]) * f, 100 * sd(g)
    g = g_am * f
    g[k] += am * f**2
    am_s, am_s_sd = 100 * am * f, 100 * sd(g)
    v = Verdict.ok()
    if am_s < -2 * am_s_sd:
        v = v.add("amorphous_negative", f"amorphous content {am_s:.1f} ± {am_s_sd:.1f} wt% is negative beyond 2σ: "
                  "the standard's amount, purity, microabsorption or a missing crystalline phase is wrong", "warning")
    from .broad_phase import unreliable_phases  # a phase turned into background: its fraction is no finding

    for n in unreliable_phases(getattr(result, "verdict", None)):
        v = v.add("phase_fraction_unreliable", f"{n}: its absolute wt% comes from a refined fraction the refinement "
                  "calls unreliable (broadened into background, or its scale not significant)", "warning")
    for r in getattr(result, "verdict", Verdict.ok()).reasons:
        if r.severity == "failed":
            v = v.add("refinement_failed", f"computed from a failed refinement ({r.message})", "failed")
            break
    return InternalStandardResult(standard, wt_percent, wt_percent_stderr, mix, mix_sd, samp, samp_sd,
                                  am_s, am_s_sd, 100 * am, 100 * am_sd, v)
