"""Interface ageing: a series of impedance spectra over time → interfacial resistance trend.

Two layers, tested separately:

* :func:`ageing_trend` works on plain arrays ``(time_h, R_ohm, R_err_ohm)``: a weighted
  straight line (weights 1/σ², slope error inflated by √χ²_red when the scatter exceeds the
  stated errors) and a verdict.
* :func:`interface_ageing` fits one circuit to every spectrum with
  :func:`sselab.eis.fit_circuit` and hands the chosen resistance to :func:`ageing_trend`.

Verdict criterion (stated): the trend is *growing* (or *decreasing*) when the slope differs
from zero by more than ``n_sigma`` (2) standard errors **and** the relative rate
``|slope| · 24 h / R(t0)`` exceeds ``threshold_per_day`` (2 %/day); otherwise *stable*.
``R(t0)`` is the fitted line at the first time.

Examples
--------
>>> import numpy as np
>>> tr = ageing_trend(np.arange(7) * 24.0, 100 + 10 * np.arange(7), np.full(7, 1.0))
>>> tr.verdict, round(tr.slope_ohm_per_h, 4)
('growing', 0.4167)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Sequence

import numpy as np

import warnings as warnings_module

from ..exceptions import AnalysisError
from ..measurements import Spectrum
from ..verdict import Reason, Verdict, from_inputs
from .trend import weighted_line


@dataclass(frozen=True)
class AgeingTrend:
    """Resistance vs time: slope with error, relative rate and verdict."""

    time_h: tuple[float, ...]
    R_ohm: tuple[float, ...]
    R_err_ohm: tuple[float, ...]
    slope_ohm_per_h: float
    slope_stderr_ohm_per_h: float
    R0_ohm: float
    relative_rate_per_day: float
    verdict: str
    criterion: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "time_h": list(self.time_h), "R_ohm": list(self.R_ohm), "R_err_ohm": list(self.R_err_ohm),
            "slope_ohm_per_h": self.slope_ohm_per_h, "slope_stderr_ohm_per_h": self.slope_stderr_ohm_per_h,
            "slope_ohm_per_day": self.slope_ohm_per_h * 24,
            "R0_ohm": self.R0_ohm, "relative_rate_percent_per_day": 100 * self.relative_rate_per_day,
            "verdict": self.verdict, "criterion": self.criterion,
        }


def ageing_trend(
    time_h: Sequence[float] | np.ndarray,
    R_ohm: Sequence[float] | np.ndarray,
    R_err_ohm: Sequence[float] | np.ndarray | None = None,
    *,
    n_sigma: float = 2.0,
    threshold_per_day: float = 0.02,
) -> AgeingTrend:
    """Trend and verdict of a resistance series (module docstring for the criterion).

    Raises
    ------
    AnalysisError
        Fewer than three finite points, or all at one time.
    """
    t = np.asarray(time_h, float)
    r = np.asarray(R_ohm, float)
    e = None if R_err_ohm is None else np.asarray(R_err_ohm, float)
    if t.shape != r.shape or (e is not None and e.shape != r.shape):
        raise AnalysisError(f"time, R and R_err must have the same length ({t.size}, {r.size}, "
                            f"{None if e is None else e.size})")
    ok = np.isfinite(t) & np.isfinite(r)
    if ok.sum() < 3 or np.ptp(t[ok]) == 0:
        raise AnalysisError(f"an ageing trend needs at least three spectra at different times (got {int(ok.sum())})")
    line = weighted_line(t[ok], r[ok], None if e is None else e[ok])
    r0 = line.intercept + line.slope * float(t[ok].min())
    rel = line.slope * 24.0 / r0 if r0 > 0 else float("nan")
    significant = np.isfinite(line.slope_stderr) and abs(line.slope) > n_sigma * line.slope_stderr
    relevant = np.isfinite(rel) and abs(rel) > threshold_per_day
    verdict = ("growing" if line.slope > 0 else "decreasing") if (significant and relevant) else "stable"
    crit = (f"|slope| > {n_sigma:g} stderr and |slope| x 24 h / R(t0) > {100 * threshold_per_day:g} %/day "
            f"({line.method})")
    return AgeingTrend(
        time_h=tuple(map(float, t)), R_ohm=tuple(map(float, r)),
        R_err_ohm=tuple(map(float, e)) if e is not None else tuple(float("nan") for _ in r),
        slope_ohm_per_h=line.slope, slope_stderr_ohm_per_h=line.slope_stderr, R0_ohm=float(r0),
        relative_rate_per_day=float(rel), verdict=verdict, criterion=crit,
    )


@dataclass(frozen=True)
class AgeingResult:
    """The fits of every spectrum, the resistance followed, and its trend."""

    circuit: str
    parameter: str
    trend: AgeingTrend
    fits: tuple[dict[str, Any], ...]
    time_source: str
    warnings: tuple[str, ...] = ()
    reasons: tuple[Reason, ...] = ()

    @property
    def verdict(self) -> Verdict:
        """Spectra whose fit failed for the followed resistance are left out of the trend and
        named (``input_dropped``); fits with warnings are summarised (``input_warning``)."""
        return Verdict.of(self.reasons)

    def to_dict(self) -> dict[str, Any]:
        return {**self.verdict.to_dict(), "circuit": self.circuit, "parameter": self.parameter, "time_source": self.time_source,
                **self.trend.to_dict(), "fits": list(self.fits), "warnings": list(self.warnings)}


def _time_of(spectrum: Spectrum) -> float | None:
    """Acquisition time [s] from reader metadata, if any ("time_s" or an ISO "acquired_at")."""
    meta = spectrum.metadata or {}
    for key in ("start_time_s", "time_s"):
        v = meta.get(key)
        if v is not None:
            arr = np.atleast_1d(np.asarray(v, float))
            if arr.size and np.isfinite(arr[0]):
                return float(arr[0])
    stamp = meta.get("acquired_at")
    if isinstance(stamp, datetime):
        return stamp.timestamp()
    if isinstance(stamp, str):
        try:
            return datetime.fromisoformat(stamp).timestamp()
        except ValueError:
            return None
    return None


def default_parameter(circuit: str) -> str:
    """The resistance followed by default: the last R of the circuit (after canonical ordering
    that is the lowest-frequency arc, usually the interface)."""
    from ..eis import Circuit

    names = [n for n in Circuit(circuit).parameter_names if n.startswith("R")]
    if not names:
        raise AnalysisError(f"circuit {circuit!r} has no resistance to follow; name one with --parameter")
    return names[-1]


def interface_ageing(
    spectra: Sequence[Spectrum],
    circuit: str,
    *,
    time_h: Sequence[float] | None = None,
    parameter: str | None = None,
    weighting: str = "modulus",
    **trend_kwargs: Any,
) -> AgeingResult:
    """Fit ``circuit`` to each spectrum and follow ``parameter`` (default: the last R) in time.

    Times: ``time_h`` if given; else the spectra's metadata ("start_time_s"/"time_s" or an ISO
    "acquired_at"), relative to the first; else the spectrum index (a warning says so).
    """
    from ..eis import fit_circuit

    if len(spectra) < 3:
        raise AnalysisError(f"an ageing series needs at least three spectra (got {len(spectra)})")
    name = parameter or default_parameter(circuit)
    warnings: list[str] = []
    if time_h is not None:
        if len(time_h) != len(spectra):
            raise AnalysisError(f"{len(time_h)} times for {len(spectra)} spectra")
        t = np.asarray(time_h, float)
        source = "given"
    else:
        stamps = [_time_of(s) for s in spectra]
        if all(x is not None for x in stamps):
            t = (np.asarray(stamps, float) - stamps[0]) / 3600.0  # type: ignore[operator]
            source = "file metadata"
        else:
            t = np.arange(len(spectra), dtype=float)
            source = "index (1 spectrum = 1 h; times unknown)"
            warnings.append("acquisition times not found: the time axis is the spectrum index; "
                            "give the times (--times) for rates per hour/day")
    fits = []
    r, err = [], []
    verdicts: dict[str, Verdict] = {}
    dropped = []
    with np.errstate(all="ignore"), warnings_module.catch_warnings():
        warnings_module.simplefilter("ignore", RuntimeWarning)  # overflow of runaway fits: judged below
        for k, s in enumerate(spectra):
            f = fit_circuit(s, circuit, weighting=weighting)
            est = f[name]
            v = f.verdict_for([name])
            label = f"{k} ({t[k]:.3g} h)"
            verdicts[label] = v
            if v.failed:
                dropped.append(label)
            r.append(np.nan if v.failed else est.value)
            err.append(est.stderr if est.stderr is not None and not v.failed else np.nan)
            d = f.to_dict()
            fits.append({"source": s.source, "chi2": d["chi2"], "success": d["success"],
                         "parameters": d["parameters"], **v.to_dict(), "used": not v.failed})
            if not f.success:
                warnings.append(f"fit of {s.source or 'spectrum'} did not converge")
        agg = from_inputs(verdicts, dropped=dropped, what="spectrum", min_used_fraction=0.5)
        if len(spectra) - len(dropped) < 3:
            first = next(v for v in verdicts.values() if v.failed)
            why = "; ".join(r.message for r in first.reasons if r.severity == "failed")
            listed = ", ".join(dropped[:5]) + (f" and {len(dropped) - 5} more" if len(dropped) > 5 else "")
            raise AnalysisError(f"only {len(spectra) - len(dropped)} of {len(spectra)} fits are usable for {name} "
                                f"(failed: spectra {listed}; the first because: {why}): no trend; try another circuit")
        trend = ageing_trend(t, np.asarray(r), np.asarray(err, float), **trend_kwargs)
    return AgeingResult(circuit=circuit, parameter=name, trend=trend, fits=tuple(fits),
                        time_source=source, warnings=tuple(warnings), reasons=agg.reasons)
