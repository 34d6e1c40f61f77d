"""The generic rules that turn a least-squares fit into a verdict (ok / warning / failed).

One place for every technique: EIS, XRD, XPS, DC and cycling fits call :func:`fit_verdict`
and add their own domain reasons (an effective capacitance of 1e50 F, a negative at.%) on
top.  The rules, in the order they are checked, per free parameter the result *depends on*
(``depends_on``; every free parameter when not given):

``non_finite`` (failed)
    The value, χ² or residuals are not finite.
``at_lower_bound`` (warning; failed when named in an explicit ``depends_on``)
    A parameter bounded below by 0 collapsed onto it (``|value| < COLLAPSED``): on the
    log scale the engine uses, it ran to the bound by dozens of decades.  The data do not
    resolve that element; a result computed *from* it (σ from a bulk resistance of 1e-305 Ω)
    is meaningless.
``diverged`` (failed)
    ``|value| > ABSURD_HIGH`` or ``0 < |value| < ABSURD_LOW`` away from a zero bound (no
    quantity fitted in SI units — Ω, F, S·s^n, s, counts, degrees, nm — is meaningful beyond
    30 decades), or a standard error above ``ABSURD_HIGH``: the parameter walked along a flat
    valley of the cost without end.  (A value far *below* its standard error with a sane
    standard error — R0 = 4e-5 ± 3e3 Ω — is only ``undetermined``: consistent with 0.
    Domain rules add runaways they can judge by scale, e.g. a resistance far above anything
    the spectrum shows, :mod:`sselab.eis.verdicts`.)
``no_stderr`` (failed)
    No finite standard error (singular Jacobian or covariance) and not at a bound.
``not_converged`` (warning)
    The optimiser stopped without converging (usually at its iteration limit while an
    undetermined parameter crawls along a flat valley): the values are where it stopped, and
    the other rules judge them.
``misfit`` (failed above ``MISFIT_FAILED``, warning above ``MISFIT_WARNING``)
    Only with ``noise``: the residual rms √(χ²/dof) against the rms the noise alone would
    give.  ``noise`` is in the units of ``result.residuals`` (for EIS with modulus
    weighting: the relative noise of the spectrum, e.g. from its Kramers–Kronig residuals).
``undetermined`` (warning)
    Relative standard error above ``UNDETERMINED_REL_STDERR`` (1: the value is not
    distinguishable from 0).
``at_bound`` (warning)
    A free parameter pushed onto a finite bound (CPE n = 1, a user bound).
``correlated`` (warning)
    |correlation| above ``diagnostics.CORRELATION_WARNING`` between two parameters: only a combination
    of them is determined.
``systematic_residuals`` (warning)
    With at least ``MIN_POINTS_RUNS`` residuals: the runs-test z below ``RUNS_Z_WARNING`` or
    a same-sign stretch with probability below ``LONGEST_RUN_P_WARNING``
    (:mod:`sselab.fitting.diagnostics`; both ≈ 0.1 % false-alarm each for white noise).
    Not applied when the residual rms is below ``SYSTEMATIC_MIN_RATIO`` (a tenth) of ``noise``:
    structure that far below the noise (or the instrument's accuracy) is the rounding of the
    file's digits — a noise-free simulated spectrum fitted to 1e-12 % is not a misfit.

Parameters the result does not depend on (an explicit ``depends_on`` that leaves them out)
get every ``failed`` rule downgraded to a warning: σ from a good bulk resistance stands even
when the electrode arc's capacitance ran away.  The thresholds are measured, not guessed:
``benchmarks/bench_verdicts.py`` fits 1,000 simulated spectra per circuit family and reports
how often a wrong fit is left ``ok`` and how often a good fit is failed (measured over six seeds of
3,000 spectra: no good fit failed, no wrong fit left ok, every wrong-model fit flagged — with the
EIS edge rules of :mod:`sselab.eis.verdicts` on top).

Examples
--------
>>> import numpy as np
>>> from sselab.fitting import Parameter, Parameters, fit
>>> x = np.linspace(0, 4, 40); y = 3.0 * np.exp(-0.7 * x) + 0.01 * np.sin(37 * x)
>>> def fun(P, rows):
...     a, k = P[:, :1], P[:, 1:2]
...     return a * np.exp(-k * x) - y, None
>>> res = fit(fun, Parameters([Parameter("a", 1.0, min=0), Parameter("k", 1.0, min=0)]))
>>> fit_verdict(res).status
'ok'
>>> fit_verdict(res, noise=1e-4).codes
('misfit',)
"""

from __future__ import annotations

import math
from typing import Iterable

import numpy as np

from ..numfmt import format_uncertain
from ..verdict import Reason, Verdict
from .diagnostics import correlated_pairs, longest_run_p, runs_z
from .result import FitResult, ParameterEstimate

#: |value| beyond which a parameter in SI units has run away (30 decades from unity)
ABSURD_HIGH = 1e30
#: |value| below which a nonzero parameter has collapsed (onto a zero bound, or absurdly small)
ABSURD_LOW = 1e-30
#: |value| below which a parameter bounded below by 0 has collapsed onto that bound (the engine's
#: log scale lets it creep towards 1e-308): R0 = 4e-43 Ohm is "0, not resolved", a warning
COLLAPSED = ABSURD_LOW
#: relative standard error above which a parameter is "undetermined" (not distinguishable from 0)
UNDETERMINED_REL_STDERR = 1.0
#: residual rms / noise rms above which the misfit is a warning, and a failure
MISFIT_WARNING = 3.0
MISFIT_FAILED = 10.0
#: runs tests on the residuals: fewer points cannot show structure
MIN_POINTS_RUNS = 20
RUNS_Z_WARNING = -3.0
LONGEST_RUN_P_WARNING = 1e-3
#: residual rms / noise below which the residuals' structure is not judged (rounding, not a missed feature)
SYSTEMATIC_MIN_RATIO = 0.1


def _fmt(p: ParameterEstimate) -> str:
    return format_uncertain(p.value, p.stderr, p.unit)


def _collapsed(p: ParameterEstimate) -> bool:
    return p.min == 0 and abs(p.value) < COLLAPSED


def residual_tests(residuals: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The residual statistics :func:`fit_verdict` judges, for many fits at once (rows of
    ``residuals``, each in its natural order): whether every residual is finite, the runs-test z
    (:func:`~sselab.fitting.diagnostics.runs_z`) and the longest-run p
    (:func:`~sselab.fitting.diagnostics.longest_run_p`).  Row by row, so each row's numbers are
    what the fit alone gives; :func:`fit_verdict` computes them with this function for one fit
    unless the caller passes them (``residual_stats``) from a batch."""
    r = np.asarray(residuals, float)
    r = r.reshape(len(r), -1)
    if r.shape[1] == 0:  # nothing to test (and nothing non-finite)
        return np.ones(len(r), bool), np.full(len(r), np.nan), np.full(len(r), np.nan)
    return np.isfinite(r).all(axis=1), np.atleast_1d(runs_z(r)), np.atleast_1d(longest_run_p(r))


def fit_verdict(result: FitResult, *, noise: float | None = None,
                depends_on: Iterable[str] | None = None,
                residual_stats: tuple[bool, float, float] | None = None) -> Verdict:
    """The verdict of ``result`` by the rules of this module.

    Parameters
    ----------
    result
        Any :class:`~sselab.fitting.result.FitResult`.
    noise
        The rms of ``result.residuals`` that noise alone would give (same units and
        weighting), as the data show it or the user states it; ``None`` skips the misfit rule.
    depends_on
        Names of the parameters the caller's result is computed from; failures of the
        others become warnings.  ``None``: every free parameter (the fit's own verdict).
    residual_stats
        ``(all finite, runs z, longest-run p)`` of ``result.residuals`` as
        :func:`residual_tests` computed them for a batch of fits (default: computed here).

    Returns
    -------
    Verdict
    """
    names = set(result.names)
    explicit = depends_on is not None
    need = set(depends_on) if explicit else set(result.free_names)
    unknown = need - names
    if unknown:
        raise ValueError(f"depends_on names unknown parameters {sorted(unknown)}; known: {sorted(names)}")
    reasons: list[Reason] = []

    def add(code: str, msg: str, severity: str, name: str | None = None) -> None:
        if severity == "failed" and name is not None and name not in need:
            severity = "warning"
            msg += " (not used by this result)"
        reasons.append(Reason(code, msg, severity))  # type: ignore[arg-type]

    r = np.asarray(result.residuals, float).ravel()
    # one fit alone: the runs statistics only where the rule below reads them
    finite = bool(np.all(np.isfinite(r))) if residual_stats is None else residual_stats[0]
    if not (math.isfinite(result.chi2) and finite):
        add("non_finite", "the residuals of the fit are not finite", "failed")
    if not result.success:
        add("not_converged", f"the fit did not converge ({result.message})", "warning")
    for p in result.parameters:
        if p.fixed:
            continue
        n = p.name
        if not math.isfinite(p.value):
            add("non_finite", f"{n} is not finite", "failed", n)
            continue
        if _collapsed(p):
            sev = "failed" if explicit and n in need else "warning"
            reasons.append(Reason("at_lower_bound", f"{n} went to its lower bound 0 (the data do not resolve it)", sev))
            continue
        if abs(p.value) > ABSURD_HIGH or 0 < abs(p.value) < ABSURD_LOW:
            add("diverged", f"{n} ran away to {p.value:.2g} {p.unit}".rstrip(), "failed", n)
            continue
        rel = p.relative_stderr
        if p.at_bound:
            side, b = ("lower", p.min) if abs(p.value - p.min) <= abs(p.max - p.value) else ("upper", p.max)
            reasons.append(Reason("at_bound", f"{n} is at its {side} bound {b:g} {p.unit}".rstrip()))
            continue
        if p.stderr is None or not math.isfinite(p.stderr) or rel is None:
            add("no_stderr", f"{n} has no finite standard error: not determined by the data", "failed", n)
        elif p.stderr > ABSURD_HIGH:
            add("diverged", f"{n} has a standard error of {p.stderr:.1g} {p.unit}".rstrip() + ": the fit walked "
                "along a flat valley without end", "failed", n)
        elif rel > UNDETERMINED_REL_STDERR:
            reasons.append(Reason("undetermined", f"{n} is not determined by the data ({_fmt(p)})"))
    free = list(result.free_names)
    for i, j, r_ij in correlated_pairs(result.covariance):
        a, b = free[i], free[j]
        if a in need or b in need:
            reasons.append(Reason("correlated", f"{a} and {b} are almost fully correlated "
                                  f"(r = {r_ij:.5f}): only a combination of them is determined"))
    ratio = (math.sqrt(result.chi2 / result.dof) / noise if noise is not None and noise > 0 and result.dof > 0
             and math.isfinite(result.chi2) else math.inf)
    if r.size >= MIN_POINTS_RUNS and finite and ratio >= SYSTEMATIC_MIN_RATIO:
        if residual_stats is None:
            _, zs, ps = residual_tests(r[None])
            z, p_run = float(zs[0]), float(ps[0])
        else:
            z, p_run = float(residual_stats[1]), float(residual_stats[2])
        if (math.isfinite(z) and z < RUNS_Z_WARNING) or p_run < LONGEST_RUN_P_WARNING:
            reasons.append(Reason("systematic_residuals", f"the residuals are systematic (runs-test z = {z:.2g}, "
                                  f"longest same-sign run p = {p_run:.2g}): the model misses a feature of the data"))
    if math.isfinite(ratio):
        if ratio > MISFIT_WARNING:
            sev = "failed" if ratio > MISFIT_FAILED else "warning"
            reasons.append(Reason("misfit", f"the misfit is {ratio:.3g} times the noise the data show", sev))  # type: ignore[arg-type]
    return Verdict.of(reasons)
