"""The verdict of an equivalent-circuit fit: the generic fit rules plus what only EIS knows.

Generic rules (diverged, at lower bound, no standard error, undetermined, at bound,
correlated, systematic residuals, misfit): :func:`sselab.fitting.verdicts.fit_verdict`.
The noise the misfit is judged against is the noise the spectrum *shows*: the scatter of
adjacent fit residuals (:func:`sselab.eis.kramers_kronig.noise_shown`, which a smooth misfit
does not inflate), never below :data:`~sselab.eis.kramers_kronig.NOISE_FLOOR` of |Z| (the
accuracy of an impedance analyser), or the noise the user states.

EIS rules on top:

``absurd_capacitance`` (failed)
    The effective capacitance of an R‖C(PE) block is above ``C_EFF_MAX`` (1e3 F; the
    largest supercapacitor cells are ~3e3 F, a solid-electrolyte cell's double layer is
    ~1e-3 F) or below ``C_EFF_MIN`` (1e-18 F, a thousand times below the stray
    capacitance of any cell holder).  3.99e+50 F is not a capacitance: the arc is not in
    the data.
``diverged`` (failed)
    A resistance above ``R_MAX_FACTOR`` (1e3) times the largest |Z| measured: no spectrum
    shows a resistance a thousand times its own largest impedance (R2 = 1.1e27 Ω on a
    spectrum below 0.1 Ω): the element ran away, the circuit has one it does not need.
``arc_outside_window`` (warning)
    The apex frequency 1/(2πRC) of a block lies more than ``WINDOW_DECADES`` (0.2) decades
    outside the measured frequency range: half the arc or more is extrapolated, and its
    resistance trades off against its neighbours' (the linear standard errors understate this).
``single_spectrum_of_many`` (warning)
    Set by the callers that fit one spectrum of a multi-spectrum file.

Examples
--------
>>> import numpy as np
>>> from sselab.eis import fit_circuit, simulate_spectrum
>>> s = simulate_spectrum("R0-p(R1,CPE1)", {"R0": 10, "R1": 1e4, "CPE1.Q": 1e-9, "CPE1.n": 0.9},
...                       np.logspace(6, -1, 70), noise=0.003, seed=1)
>>> fit_circuit(s, "R0-p(R1,CPE1)").verdict.status
'ok'
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Iterable

import numpy as np

from ..fitting.verdicts import fit_verdict
from ..verdict import Reason, Verdict
from .kramers_kronig import NOISE_FLOOR, noise_shown
from .weights import weights

if TYPE_CHECKING:
    from .fit import CircuitFit

#: effective capacitances outside [C_EFF_MIN, C_EFF_MAX] F are not physical (see module docs)
C_EFF_MAX = 1e3
C_EFF_MIN = 1e-18
#: a resistance above this many times max |Z| has run away
R_MAX_FACTOR = 1e3
#: an apex frequency more than this many decades outside the measured range is an arc measured
#: on one side only: its resistance and the series resistance beside it trade off (on simulated
#: spectra an arc 0.5 decade beyond 1 MHz gave R0 = 679 Ohm for a true 82 Ohm with a small stderr)
WINDOW_DECADES = 0.2


def fit_noise(fit: "CircuitFit", noise: float | None = None) -> float:
    """The rms of the weighted residuals that noise alone would give, for the misfit rule:
    ``noise`` (relative to |Z|) when stated, else the scatter of adjacent residuals,
    at least ``NOISE_FLOOR`` of |Z| in weighted units."""
    n = fit.n_points
    r = np.asarray(fit.result.residuals, float)
    wr, wi = weights(fit.impedance_ohm, fit.weighting)
    m = np.abs(fit.impedance_ohm)
    rel_scale = float(np.median(np.concatenate([m * wr, m * wi])))  # weighted units per unit of |Z|
    if noise is not None:
        return float(noise) * rel_scale
    shown = noise_shown(r[:n], r[n:]) if r.size == 2 * n else float("nan")
    floor = NOISE_FLOOR * rel_scale
    return max(shown, floor) if math.isfinite(shown) else floor


def circuit_fit_verdict(fit: "CircuitFit", *, noise: float | None = None,
                        depends_on: Iterable[str] | None = None) -> Verdict:
    """The verdict of a :class:`~sselab.eis.fit.CircuitFit` (see module docs).

    Parameters
    ----------
    noise
        Relative noise of the spectrum (fraction of |Z|) when known.
    depends_on
        Parameters a derived result uses (σ from the bulk resistor); failures of the others
        become warnings.  ``None``: every free parameter.
    """
    depends = None if depends_on is None else list(depends_on)
    v = fit_verdict(fit.result, noise=fit_noise(fit, noise), depends_on=depends)
    reasons: list[Reason] = []
    z_max = float(np.abs(fit.impedance_ohm).max())
    seen = set(v.codes)
    for p in fit.result.parameters:
        if p.fixed or p.unit != "Ohm" or not math.isfinite(p.value) or p.value <= R_MAX_FACTOR * z_max:
            continue
        if "diverged" in seen and any(r.code == "diverged" and r.message.startswith(p.name + " ") for r in v.reasons):
            continue
        used = depends is None or p.name in depends
        reasons.append(Reason("diverged", f"{p.name} ran away to {p.value:.2g} Ohm, over {R_MAX_FACTOR:g} times the "
                              f"largest |Z| measured ({z_max:.3g} Ohm)" + ("" if used else " (not used by this result)"),
                              "failed" if used else "warning"))
    f_lo, f_hi = float(fit.frequency_Hz.min()), float(fit.frequency_Hz.max())
    apex = fit.characteristic_frequency
    for r, c in fit.effective_capacitance.items():
        if not math.isfinite(c):
            continue
        used = depends is None or r in depends
        if c > C_EFF_MAX or c < C_EFF_MIN:
            reasons.append(Reason("absurd_capacitance", f"the effective capacitance of the {r} arc, {c:.2g} F, is "
                                  "not physical: the arc is not in the data" + ("" if used else " (not used by this result)"),
                                  "failed" if used else "warning"))
            continue
        fa = apex.get(r, float("nan"))
        if math.isfinite(fa) and fa > 0 and (math.log10(f_lo / fa) > WINDOW_DECADES or
                                              math.log10(fa / f_hi) > WINDOW_DECADES):
            reasons.append(Reason("arc_outside_window", f"the {r} arc's apex frequency {fa:.2g} Hz is more than "
                                  f"{WINDOW_DECADES:g} decades outside the measured {f_lo:.3g}–{f_hi:.3g} Hz: the arc is partly "
                                  "extrapolated and its R trades off against its neighbours'"))
    return v.merge(Verdict.of(reasons))
