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
    ~1e-3 F) or below ``C_EFF_MIN`` (1e-15 F, a thousand times below the ~1 pF stray
    capacitance of any cell and its leads).  3.99e+50 F is not a capacitance: the arc is not in
    the data.
``diverged`` (failed)
    A resistance above ``R_MAX_FACTOR`` (1e3) times the largest |Z| measured: no spectrum
    shows a resistance a thousand times its own largest impedance (R2 = 1.1e27 Ω on a
    spectrum below 0.1 Ω): the element ran away, the circuit has one it does not need.
``arc_outside_window`` (warning)
    The apex frequency 1/(2πRC) of a block lies more than ``WINDOW_DECADES`` (0.2) decades
    outside the measured frequency range, or outside it at all while its resistance is
    uncertain by more than ``EDGE_REL_STDERR`` (30 %): half the arc or more is extrapolated,
    and its resistance trades off against its neighbours' (the linear standard errors
    understate this).
``edge_misfit`` (warning)
    The mean weighted residual over the ``EDGE_POINTS`` (5) highest- or lowest-frequency points
    is more than ``EDGE_MISFIT_Z`` (5) of its noise standard error: the model misses what the
    data show at an end of the window — typically an arc above f_max that the series
    resistance absorbed while the fitted arc moved elsewhere.  (Whole-spectrum rules do not
    see a misfit confined to five of sixty points.)
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

from ..fitting.verdicts import fit_verdict, residual_tests
from ..verdict import Reason, Verdict
from .kramers_kronig import NOISE_FLOOR, noise_shown_rows
from .weights import weights

if TYPE_CHECKING:
    from .fit import CircuitFit

#: effective capacitances outside [C_EFF_MIN, C_EFF_MAX] F are not physical (see module docs)
C_EFF_MAX = 1e3
C_EFF_MIN = 1e-15
#: a resistance above this many times max |Z| has run away
R_MAX_FACTOR = 1e3
#: an apex frequency more than this many decades outside the measured range is an arc measured
#: on one side only: its resistance and the series resistance beside it trade off (on simulated
#: spectra an arc 0.5 decade beyond 1 MHz gave R0 = 679 Ohm for a true 82 Ohm with a small stderr)
WINDOW_DECADES = 0.2
#: an apex outside the window at all is flagged when its R is this uncertain (relative stderr):
#: on 2,700 good simulated fits none was (benchmarks/bench_verdicts.py)
EDGE_REL_STDERR = 0.3
#: points at each end of the window whose mean residual is tested, and the z above which it is a misfit
#: (white noise: z is standard normal, four tests per fit, so P(z > 5) ≈ 2e-6 per fit; good simulated
#: fits of bench_verdicts seeds 0–2: largest z 3.9 of 8,100; the fits it catches: 5.8–17)
EDGE_POINTS = 5
EDGE_MISFIT_Z = 5.0


def verdict_table(fits: "list[CircuitFit]", noise: float | None = None) -> dict[str, np.ndarray]:
    """The numbers the verdict rules judge, for many fits at once (one numpy pass per point count
    and weighting, rows stacked; every operation row by row, so each row is what one fit alone
    gives — :func:`circuit_fit_verdict` of a single fit goes through this function too).

    Returns
    -------
    dict of (len(fits),) arrays
        ``noise`` (:func:`fit_noise`), ``edge_hi``/``edge_lo`` (:func:`edge_misfit_z`),
        ``finite``/``runs_z``/``runs_p`` (:func:`sselab.fitting.verdicts.residual_tests`),
        ``z_max`` (largest |Z|), ``f_lo``/``f_hi`` (frequency range).
    """
    groups: dict[tuple[int, int, str], list[int]] = {}
    for i, fit in enumerate(fits):
        groups.setdefault((fit.n_points, np.size(fit.result.residuals), fit.weighting), []).append(i)
    parts = [(rows, _table_rows([fits[i] for i in rows], n, m, weighting, noise))
             for (n, m, weighting), rows in groups.items()]
    if len(parts) == 1:
        return parts[0][1]
    out = {k: np.empty(len(fits), v.dtype) for k, v in parts[0][1].items()}
    for rows, part in parts:
        for k, v in part.items():
            out[k][rows] = v
    return out


def _table_rows(fits: "list[CircuitFit]", n: int, m: int, weighting: str, noise: float | None) -> dict[str, np.ndarray]:
    """:func:`verdict_table` of fits of equal point count, residual length and weighting."""
    R = np.array([np.asarray(f.result.residuals, float).ravel() for f in fits]).reshape(len(fits), m)
    Z = np.array([f.impedance_ohm for f in fits]).reshape(len(fits), n)
    F = np.array([f.frequency_Hz for f in fits], float).reshape(len(fits), n)
    absz = np.abs(Z)
    wr, wi = weights(Z, weighting)
    scale = np.median(np.concatenate([absz * wr, absz * wi], axis=1), axis=1)  # weighted units per unit of |Z|
    if noise is not None:
        sigma = float(noise) * scale
    else:
        shown = noise_shown_rows(R[:, :n], R[:, n:]) if m == 2 * n else np.full(len(fits), np.nan)
        floor = NOISE_FLOOR * scale
        sigma = np.where(np.isfinite(shown), np.where(floor > shown, floor, shown), floor)  # Python's max(shown, floor)
    hi, lo = _edge_rows(R, F, n, sigma)
    finite, z, p = residual_tests(R)
    empty = np.full(len(fits), np.nan)
    return {"noise": sigma, "edge_hi": hi, "edge_lo": lo, "finite": finite, "runs_z": z, "runs_p": p,
            "z_max": absz.max(axis=1) if n else empty, "f_lo": F.min(axis=1) if n else empty,
            "f_hi": F.max(axis=1) if n else empty}


def _edge_rows(R: np.ndarray, F: np.ndarray, n: int, sigma: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`edge_misfit_z` of every row (residual rows ``R``, frequency rows ``F``)."""
    nan = np.full(len(R), np.nan)
    if n < 4 * EDGE_POINTS or R.shape[1] != 2 * n:
        return nan, nan.copy()
    k = len(R)
    order = np.argsort(-F, axis=1)
    ends = np.concatenate([order[:, :EDGE_POINTS], order[:, n - EDGE_POINTS:]], axis=1)  # highest, then lowest
    rows = np.arange(k)[:, None]
    # the mean of each end as ndarray.mean computes it (the sum of its points, then divided by the count)
    re = np.abs(R[rows, ends].reshape(k, 2, EDGE_POINTS).sum(axis=2) / EDGE_POINTS)
    im = np.abs(R[rows, ends + n].reshape(k, 2, EDGE_POINTS).sum(axis=2) / EDGE_POINTS)
    se = (sigma / math.sqrt(EDGE_POINTS))[:, None]
    z = np.where((sigma > 0)[:, None], np.where(im > re, im, re) / se, np.nan)  # Python's max(re, im), NaN included
    return z[:, 0], z[:, 1]


def prepare_verdicts(fits: "list[CircuitFit]") -> None:
    """Compute the verdict numbers of many fits in one :func:`verdict_table` and keep each with its
    fit, where :func:`circuit_fit_verdict` (without a stated ``noise``) finds them."""
    table = verdict_table(fits)
    for i, fit in enumerate(fits):
        fit.__dict__["_verdict_row"] = {k: v[i] for k, v in table.items()}  # a frozen dataclass keeps its __dict__


def prepare_outputs(fits: "list[CircuitFit]") -> None:
    """Make ready, for all ``fits`` at once, what their ``to_dict()`` and verdicts read: the fitted
    curves (:func:`~sselab.eis.fit.evaluate_curves`, one evaluation per circuit and frequency
    grid) and then the numbers their verdicts judge (:func:`prepare_verdicts`, one table) — the
    step every batch output (``sselab eis fit`` on many files, the study's batched EIS tasks)
    takes between the batched fit and the results; each fit's output is bit for bit what it
    gives alone."""
    from .fit import evaluate_curves

    evaluate_curves(fits)
    prepare_verdicts(fits)


def _row(fit: "CircuitFit", noise: float | None) -> dict:
    if noise is None and "_verdict_row" in fit.__dict__:
        return fit.__dict__["_verdict_row"]
    table = _table_rows([fit], fit.n_points, int(np.size(fit.result.residuals)), fit.weighting, noise)
    return {k: v[0] for k, v in table.items()}  # verdict_table of this one fit


def fit_noise(fit: "CircuitFit", noise: float | None = None) -> float:
    """The rms of the weighted residuals that noise alone would give, for the misfit rule:
    ``noise`` (relative to |Z|) when stated, else the scatter of adjacent residuals
    (:func:`~sselab.eis.kramers_kronig.noise_shown`), at least ``NOISE_FLOOR`` of |Z| in
    weighted units."""
    return float(_row(fit, noise)["noise"])


def edge_misfit_z(fit: "CircuitFit", noise: float) -> tuple[float, float]:
    """z of the mean residual over the ``EDGE_POINTS`` highest- and lowest-frequency points.

    Parameters
    ----------
    fit : CircuitFit
        The fit; its weighted residuals (real block, then imaginary block) are tested.
    noise : float
        Noise standard deviation of one weighted residual, in weighted units (as
        :func:`fit_noise` returns it: dimensionless for modulus weighting, Ω for unit weighting).

    Returns
    -------
    (float, float)
        z at the highest- and at the lowest-frequency end (dimensionless; the larger of the real
        and imaginary part); (nan, nan) when the spectrum has fewer than ``4 · EDGE_POINTS``
        points or the residuals are not one real and one imaginary block.
    """
    n = fit.n_points
    R = np.asarray(fit.result.residuals, float).reshape(1, -1)
    F = np.asarray(fit.frequency_Hz, float).reshape(1, -1)
    hi, lo = _edge_rows(R, F, n, np.array([float(noise)]))
    return float(hi[0]), float(lo[0])


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
    row = _row(fit, noise)
    sigma = float(row["noise"])
    v = fit_verdict(fit.result, noise=sigma, depends_on=depends,
                    residual_stats=(bool(row["finite"]), float(row["runs_z"]), float(row["runs_p"])))
    reasons: list[Reason] = []
    z_max = float(row["z_max"])
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
    f_lo, f_hi = float(row["f_lo"]), float(row["f_hi"])
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
        if not (math.isfinite(fa) and fa > 0):
            continue
        out = max(math.log10(f_lo / fa), math.log10(fa / f_hi))
        est = fit.result[r] if r in fit.result.names else None
        rel = est.relative_stderr if est is not None else None
        uncertain = est is not None and not est.fixed and (rel is None or not math.isfinite(rel) or rel > EDGE_REL_STDERR)
        if out > WINDOW_DECADES:
            reasons.append(Reason("arc_outside_window", f"the {r} arc's apex frequency {fa:.2g} Hz is more than "
                                  f"{WINDOW_DECADES:g} decades outside the measured {f_lo:.3g}–{f_hi:.3g} Hz: the arc is partly "
                                  "extrapolated and its R trades off against its neighbours'"))
        elif out > 0 and uncertain:  # a fixed R is not uncertain
            reasons.append(Reason("arc_outside_window", f"the {r} arc's apex frequency {fa:.2g} Hz lies outside the "
                                  f"measured {f_lo:.3g}–{f_hi:.3g} Hz and {r} is uncertain by more than "
                                  f"{100 * EDGE_REL_STDERR:g} %: the arc is partly extrapolated and its R trades off "
                                  "against its neighbours'"))
    hi, lo = float(row["edge_hi"]), float(row["edge_lo"])
    for z, end in ((hi, "highest"), (lo, "lowest")):
        if math.isfinite(z) and z > EDGE_MISFIT_Z:
            reasons.append(Reason("edge_misfit", f"the model misses the data at the {end}-frequency end (mean residual of "
                                  f"the {EDGE_POINTS} {end}-frequency points {z:.3g} times its noise standard error)"
                                  + (": an arc above the highest frequency may be folded into the series resistance"
                                     if end == "highest" else "")))
    return v.merge(Verdict.of(reasons))
