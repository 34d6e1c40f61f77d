"""Exploratory linear Kramers–Kronig test: μ and pseudo χ² over the number of Voigt
elements M, for each choice of series capacitance / inductance, with the recommended M.

The same linear fit as :func:`sselab.eis.kramers_kronig.kramers_kronig` (one code path: the
final test at the recommended M *is* that function), swept over M = 2 … min(N/2, 60):

- μ(M) = 1 − Σ_{R_k<0}|R_k| / Σ_{R_k≥0}|R_k| (Schönleber 2014): near 1 while the elements
  describe the spectrum, falling once they start fitting noise with alternating signs;
- pseudo χ²(M) = Σ |Z − Z_KK|²/|Z|² (Boukamp 1995), falling to the noise floor.

Recommended M: Schönleber's, the first M with μ < ``mu_criterion`` (0.85), when the model
has reached the noise there (pseudo χ² within 1.5× of its floor at the largest M); where μ
falls below the criterion earlier (μ oscillates at small M on constant-phase spectra: on a
two-arc CPE spectrum with 0.2 % noise it fell below 0.85 at M = 10 with pseudo χ² 500×
the floor), the first M whose pseudo χ² is within 1.5× of the floor — this project's
default, :func:`~sselab.eis.kramers_kronig.kramers_kronig` with ``method="noise-floor"``.
Both Ms are reported.  Among the variants (no series C/L, C, L, C and L) the recommended one has the lowest
pseudo χ² at its own recommended M, unless an extra element lowers it by less than 10 %
(then the simpler variant is kept).

Examples
--------
>>> import numpy as np
>>> from sselab.eis import simulate_spectrum
>>> s = simulate_spectrum("R0-p(R1,CPE1)", {"R0": 10, "R1": 100, "CPE1.Q": 1e-5, "CPE1.n": 0.8},
...                       np.logspace(5, -1, 40), noise=0.002, seed=1)
>>> ex = explore_kk(s)
>>> ex.final.passed
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..exceptions import AnalysisError
from ..fitting.result import _num
from ..fitting.threads import single_threaded_blas
from ..measurements import Spectrum
from ..verdict import Verdict
from .kramers_kronig import KKResult, _solve, kramers_kronig

VARIANTS = ((False, False), (True, False), (False, True), (True, True))
#: an extra series element must lower the pseudo χ² by this fraction to be recommended
SIMPLER_WINS_WITHIN = 0.10


def _name(capacitance: bool, inductance: bool) -> str:
    return {(False, False): "R-K", (True, False): "R-K-C", (False, True): "R-K-L", (True, True): "R-K-C-L"}[
        (capacitance, inductance)]


@dataclass(frozen=True)
class KKSweep:
    """μ and pseudo χ² over M for one variant."""

    capacitance: bool
    inductance: bool
    m: np.ndarray
    mu: np.ndarray
    pseudo_chi2: np.ndarray
    recommended_m: int
    rule: str
    mu_m: int | None = None
    floor_m: int = 0

    @property
    def name(self) -> str:
        return _name(self.capacitance, self.inductance)

    @property
    def chi2_at_recommended(self) -> float:
        return float(self.pseudo_chi2[list(self.m).index(self.recommended_m)])

    def to_dict(self) -> dict[str, Any]:
        return {
            "variant": self.name, "capacitance": self.capacitance, "inductance": self.inductance,
            "M": self.m.tolist(), "mu": [_num(v) for v in self.mu], "pseudo_chi2": [_num(v) for v in self.pseudo_chi2],
            "log10_pseudo_chi2": [_num(math.log10(v)) if v > 0 else None for v in self.pseudo_chi2],
            "recommended_M": self.recommended_m, "rule": self.rule, "M_mu_criterion": self.mu_m,
            "M_noise_floor": self.floor_m,
            "pseudo_chi2_at_recommended": _num(self.chi2_at_recommended),
        }


@dataclass(frozen=True)
class KKExploration:
    """Every variant's sweep, the recommended variant and M, and the KK test there."""

    sweeps: tuple[KKSweep, ...]
    recommended: KKSweep
    final: KKResult
    mu_criterion: float

    @property
    def verdict(self) -> Verdict:
        v = Verdict.ok()
        if not self.final.passed:
            t = self.final.threshold
            limit = f"the {100 * t:g} % asked" if t is not None else "the test's noise-based criterion"
            v = v.add("kk_residuals", f"KK residuals up to {100 * self.final.max_residual:.2g} % fail {limit} "
                      f"at the recommended M = {self.recommended.recommended_m} ({self.recommended.name})", "warning")
        return v

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": "exploratory linear KK test (Schönleber 2014): mu and pseudo chi2 over M",
            "mu_criterion": self.mu_criterion,
            "recommended_variant": self.recommended.name,
            "recommended_M": self.recommended.recommended_m,
            "recommended_rule": self.recommended.rule,
            "sweeps": [s.to_dict() for s in self.sweeps],
            "test": self.final.to_dict(),
            "passed": self.final.passed,
            **self.verdict.to_dict(),
        }


def _sweep(spectrum: Spectrum, capacitance: bool, inductance: bool, mu_criterion: float, max_m: int) -> KKSweep:
    f, z = spectrum.frequency_Hz, spectrum.impedance_ohm
    w = 2 * np.pi * f
    ms = np.arange(2, max_m + 1)
    mus, chis = [], []
    for m in ms:
        fitted, r = _solve(w, z, int(m), capacitance, inductance)
        pos, neg = r[r >= 0].sum(), -r[r < 0].sum()
        mus.append(1 - neg / pos if pos > 0 else -math.inf)
        chis.append(float(np.sum(np.abs((z - fitted) / np.abs(z)) ** 2)))
    mu, chi = np.array(mus), np.array(chis)
    below = np.flatnonzero(mu < mu_criterion)
    at_floor = chi <= 1.5 * chi.min()
    floor_m = int(ms[np.flatnonzero(at_floor)[0]])
    mu_m = int(ms[below[0]]) if below.size else None
    if mu_m is not None and at_floor[below[0]]:
        best, rule = mu_m, f"first M with mu < {mu_criterion} (pseudo chi2 at its noise floor there)"
    elif mu_m is not None:
        best = floor_m
        rule = (f"mu fell below {mu_criterion} at M = {mu_m} before the noise floor: first M with pseudo chi2 "
                "within 1.5x of its floor")
    else:
        best, rule = floor_m, f"mu never fell below {mu_criterion}: first M with pseudo chi2 within 1.5x of its floor"
    return KKSweep(capacitance, inductance, ms, mu, chi, best, rule, mu_m, floor_m)


@single_threaded_blas()
def explore_kk(
    spectrum: Spectrum,
    *,
    threshold: float | None = None,
    mu_criterion: float = 0.85,
    max_elements: int | None = None,
    variants: tuple[tuple[bool, bool], ...] = VARIANTS,
) -> KKExploration:
    """Sweep M for each (series C, series L) variant and run the KK test at the recommendation.

    Parameters
    ----------
    threshold
        An extra fixed criterion for the final test: largest relative residual (default: the
        test's own criterion, as :func:`~sselab.eis.kramers_kronig.kramers_kronig`).
    mu_criterion
        Schönleber's μ limit.
    max_elements
        Largest M tried (default min(N/2, 60)).
    variants
        (capacitance, inductance) pairs to explore.
    """
    n = spectrum.n_points
    if n < 5:
        raise AnalysisError(f"{spectrum.source or 'spectrum'}: {n} points are too few for a KK test")
    max_m = int(max_elements or min(max(n // 2, 2), 60))
    if max_m < 2:
        raise AnalysisError("max_elements must be at least 2")
    sweeps = tuple(_sweep(spectrum, c, ind, mu_criterion, max_m) for c, ind in variants)
    best = sweeps[0]
    for s in sweeps[1:]:
        extra = int(s.capacitance) + int(s.inductance) - int(best.capacitance) - int(best.inductance)
        gain = 1 - s.chi2_at_recommended / best.chi2_at_recommended if best.chi2_at_recommended > 0 else 0.0
        if (extra > 0 and gain > SIMPLER_WINS_WITHIN) or (extra <= 0 and s.chi2_at_recommended < best.chi2_at_recommended):
            best = s
    final = kramers_kronig(spectrum, threshold=threshold, n_elements=best.recommended_m,
                           capacitance=best.capacitance, inductance=best.inductance, mu_criterion=mu_criterion)
    return KKExploration(sweeps, best, final, mu_criterion)
