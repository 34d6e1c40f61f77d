"""Fit an equivalent circuit to an impedance spectrum (complex non-linear least squares).

The analytic Jacobian of the circuit, log-scaled positive parameters, automatic initial
values from the spectrum (:mod:`sselab.eis.initial`) fitted together as a multi-start
batch, canonical ordering of interchangeable arcs (highest characteristic frequency first),
effective capacitances of R‖CPE pairs, and a plain statement when the fit is ill-determined.

Examples
--------
>>> import numpy as np
>>> from sselab.eis import simulate_spectrum
>>> f = np.logspace(6, -1, 70)
>>> s = simulate_spectrum("R0-p(R1,CPE1)", {"R0": 10, "R1": 1e4, "CPE1.Q": 1e-9, "CPE1.n": 0.9}, f)
>>> fit = fit_circuit(s, "R0-p(R1,CPE1)")
>>> round(fit["R1"].value)
10000
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any, Mapping

import numpy as np

from ..exceptions import FitError
from ..fitting import FitResult, ParameterEstimate, Parameters
from ..limits import check_points, MAX_EIS_POINTS
from ..fitting.threads import single_threaded_blas
from ..fitting.result import _num
from ..measurements import Spectrum
from ..verdict import Reason, Verdict
from .circuit import Circuit, circuit_of
from .initial import starts_many
from .weights import weights


def effective_capacitance(R: float, Q: float, n: float) -> float:
    """Effective capacitance [F] of an R‖CPE arc, C = (R^(1−n) Q)^(1/n) (Brug / Hsu–Mansfeld);
    NaN when n ≤ 0 (no arc)."""
    if n <= 0 or R <= 0 or Q <= 0:
        return float("nan")
    x = (math.log(R) * (1 - n) + math.log(Q)) / n  # numpy's log and exp to the last bit (a test checks)
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


def classify_capacitance(c_F_per_cm2: float) -> str:
    """Which process a capacitance per area suggests (Irvine, Sinclair & West 1990):
    bulk ~1e-12, grain boundary 1e-11–1e-8, electrode/interface ≥ 1e-7 F/cm²."""
    if c_F_per_cm2 < 1e-11:
        return "bulk"
    if c_F_per_cm2 < 1e-8:
        return "grain boundary"
    if c_F_per_cm2 < 1e-7:
        return "surface layer"
    return "electrode"


@dataclass(frozen=True)
class CircuitFit:
    """The frozen result of :func:`fit_circuit`.

    Attributes
    ----------
    circuit : str
    weighting : str
    result : FitResult
        Values, standard errors, covariance, χ² (weighted sum of squared residuals), AIC/BIC.
    frequency_Hz, impedance_ohm : ndarray
        The data fitted.
    initial : dict
        The initial values the chosen start began from.
    starts_tried : int
        How many automatic starts were fitted (1 when the first gave noise-like residuals).
    """

    circuit: str
    weighting: str
    result: FitResult
    frequency_Hz: np.ndarray
    impedance_ohm: np.ndarray
    initial: Mapping[str, float]
    source: str = ""
    temperature_K: float | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)
    starts_tried: int = 1
    #: reasons a caller adds (one spectrum of a multi-spectrum file, ...), merged into ``verdict``
    extra_reasons: tuple[Reason, ...] = field(default_factory=tuple)
    engine: str = "numpy"

    def __getitem__(self, name: str) -> ParameterEstimate:
        return self.result[name]

    @cached_property
    def verdict(self) -> Verdict:
        """ok / warning / failed by the rules of :mod:`sselab.eis.verdicts`."""
        from .verdicts import circuit_fit_verdict

        return circuit_fit_verdict(self).merge(Verdict.of(self.extra_reasons))

    def verdict_for(self, depends_on: list[str]) -> Verdict:
        """The verdict of a result computed from ``depends_on`` only (σ from the bulk
        resistor): failures of the other parameters become warnings.  Each distinct list is
        judged once per fit (a study's eis_fit result asks for the bulk's up to three times)."""
        key = tuple(depends_on)
        kept = self._verdicts_for
        if key not in kept:
            from .verdicts import circuit_fit_verdict

            kept[key] = circuit_fit_verdict(self, depends_on=list(key)).merge(Verdict.of(self.extra_reasons))
        return kept[key]

    @cached_property
    def _verdicts_for(self) -> dict[tuple[str, ...], Verdict]:
        return {}

    @property
    def values(self) -> dict[str, float]:
        return self.result.values

    @property
    def chi2(self) -> float:
        return self.result.chi2

    @property
    def success(self) -> bool:
        return self.result.success

    @property
    def n_points(self) -> int:
        return int(self.frequency_Hz.size)

    @cached_property
    def model(self) -> Circuit:
        """The parsed circuit (parsed once per circuit string in a process)."""
        return circuit_of(self.circuit)

    @cached_property
    def _fitted(self) -> np.ndarray:
        """The fitted impedance at the measured frequencies (evaluated once per result)."""
        return self.model.impedance(self.frequency_Hz, self.result.value_array)

    def predict(self, frequency_Hz: np.ndarray | None = None) -> np.ndarray:
        """Fitted impedance [Ω] at ``frequency_Hz`` (default: the measured frequencies)."""
        if frequency_Hz is None:
            return self._fitted.copy()
        return self.model.impedance(np.asarray(frequency_Hz, float), self.result.value_array)

    @property
    def residuals_relative(self) -> tuple[np.ndarray, np.ndarray]:
        """(Z'−Z'fit)/|Z| and (Z''−Z''fit)/|Z|, the usual residual plot."""
        d = self.impedance_ohm - self._fitted
        m = np.abs(self.impedance_ohm)
        return d.real / m, d.imag / m

    @cached_property
    def _capacitances(self) -> tuple[dict[str, float], dict[str, float]]:
        """(effective capacitance, apex frequency) of every R‖C(PE) block, computed once."""
        c_eff = self._effective_capacitance()
        values = self.values
        apex = {r: (1 / (2 * math.pi * values[r] * c) if values[r] * c > 0 else float("nan")) for r, c in c_eff.items()}
        return c_eff, apex

    @property
    def effective_capacitance(self) -> dict[str, float]:
        """Effective capacitance [F] of every p(R, CPE) or p(R, C) block, keyed by the resistor."""
        return dict(self._capacitances[0])

    def _effective_capacitance(self) -> dict[str, float]:
        out = {}
        values = self.values
        for r, cap in self.model.rc_pairs():
            R = values[r]
            if f"{cap}.Q" in values:
                out[r] = effective_capacitance(R, values[f"{cap}.Q"], values[f"{cap}.n"])
            else:
                out[r] = values[cap]
        return out

    @property
    def characteristic_frequency(self) -> dict[str, float]:
        """Apex frequency [Hz] 1/(2π R C_eff) of every R‖C(PE) block, keyed by the resistor."""
        return dict(self._capacitances[1])

    @property
    def pseudo_chi2(self) -> float:
        """Boukamp's pseudo χ² Σ[(ΔZ')² + (ΔZ'')²]/|Z|², independent of the weighting used."""
        a, b = self.residuals_relative
        return float(np.sum(a**2 + b**2))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict: the contract keys "circuit", "weighting", "n_points", "chi2",
        "parameters" {name: {"value", "stderr", "unit"}}, plus diagnostics."""
        res = self.result
        rr, ri = self.residuals_relative
        squares = rr**2 + ri**2
        pseudo = float(np.sum(squares))
        c_eff, apex = self._capacitances
        corr = res.correlation
        rows = corr.tolist()  # Python floats: _num changes only the non-finite ones
        return {
            **self.verdict.to_dict(),
            "circuit": self.circuit,
            "weighting": self.weighting,
            "n_points": self.n_points,
            "chi2": _num(res.chi2),
            "reduced_chi2": _num(res.reduced_chi2),
            "pseudo_chi2": _num(pseudo),
            "aic": _num(res.aic),
            "bic": _num(res.bic),
            "success": res.success,
            "message": res.message,
            "parameters": {p.name: p.to_dict() for p in res.parameters},
            "correlation": {"names": list(res.free_names),  # as FitResult.to_dict writes it, without its verdict
                            "matrix": rows if np.isfinite(corr).all() else [[_num(v) for v in row] for row in rows]},
            "effective_capacitance_F": {k: _num(v) for k, v in c_eff.items()},
            "characteristic_frequency_Hz": {k: _num(v) for k, v in apex.items()},
            "undetermined": list(res.undetermined),
            "warnings": list(res.warnings),
            "residuals_rms_percent": _num(100 * math.sqrt(pseudo / squares.size / 2)),  # np.mean: the sum / size
            "frequency_range_Hz": [_num(self.frequency_Hz.min()), _num(self.frequency_Hz.max())],
            "initial": {k: _num(v) for k, v in self.initial.items()},
            "source": self.source,
            "temperature_K": _num(self.temperature_K),
            "notes": list(self.notes),
            "starts_tried": self.starts_tried,
            "engine": self.engine,
        }


def evaluate_curves(fits: "list[CircuitFit]") -> None:
    """Evaluate the fitted curves of many fits at once (one numpy evaluation per circuit and
    frequency grid, the rows stacked) and keep each with its fit, where :meth:`CircuitFit.predict`,
    the residuals, ``to_dict`` and the verdict find it.  Every operation of the evaluation is
    element by element, so each row is bit for bit what the fit alone computes."""
    groups: dict[tuple[str, bytes], list[CircuitFit]] = {}
    for fit in fits:
        if "_fitted" not in fit.__dict__:
            groups.setdefault((fit.circuit, fit.frequency_Hz.tobytes()), []).append(fit)
    for group in groups.values():
        if len(group) < 2:
            continue
        P = np.array([g.result.value_array for g in group])
        for g, z in zip(group, group[0].model.impedance(group[0].frequency_Hz, P)):
            g.__dict__["_fitted"] = z  # the cached_property's slot (a frozen dataclass keeps its __dict__)


class _Model:
    """Weighted residuals and Jacobian of a circuit against one or more spectra (rows)."""

    def __init__(self, circuit: Circuit, w: np.ndarray, z: np.ndarray, weighting: str) -> None:
        self.circuit = circuit
        self.w = np.atleast_2d(w)
        self.z = np.atleast_2d(z)
        # every row at once, each as weights() gives it alone (read only: one array for both with modulus)
        self.wr, self.wi = weights(self.z, weighting)

    def __call__(self, P: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if self.z.shape[0] == 1:  # one spectrum (every start of a single fit): broadcast, don't gather
            w, z, wr, wi = self.w[0], self.z[0], self.wr[0], self.wi[0]
        else:
            w, z, wr, wi = self.w[rows], self.z[rows], self.wr[rows], self.wi[rows]
        zc, J = self.circuit.impedance_and_jacobian(w, P)
        b, n = P.shape
        N = self.z.shape[1]
        d = zc - z
        r = np.empty((b, 2 * N))
        np.multiply(d.real, wr, out=r[:, :N])
        np.multiply(d.imag, wi, out=r[:, N:])
        Jr = np.empty((b, 2 * N, n))
        np.multiply(J.real, wr[..., None], out=Jr[:, :N])
        np.multiply(J.imag, wi[..., None], out=Jr[:, N:])
        return r, Jr


def _validate(spectrum: Spectrum, circuit: Circuit) -> None:
    f, z = spectrum.frequency_Hz, spectrum.impedance_ohm
    src = spectrum.source or "spectrum"
    if f.size == 0:
        raise FitError(f"{src}: no data points")
    check_points(f.size, MAX_EIS_POINTS, "the EIS fit", src)
    if not (np.isfinite(f).all() and np.isfinite(z).all()):
        raise FitError(f"{src}: non-finite frequency or impedance values")
    if (f <= 0).any():
        raise FitError(f"{src}: frequencies must be positive")
    if (z == 0).any():
        raise FitError(f"{src}: the impedance is exactly 0 at {int(np.sum(z == 0))} point(s) (at "
                       f"{f[z == 0][0]:.4g} Hz): not a measurement; remove those points")
    if 2 * f.size <= circuit.n_params:
        raise FitError(
            f"{src}: {f.size} points cannot determine the {circuit.n_params} parameters of {circuit.text}"
        )


def _canonical(circuit: Circuit, result: FitResult, perm: np.ndarray | None = None) -> FitResult:
    """``result`` with interchangeable arcs in canonical order; ``perm``: the
    :meth:`~sselab.eis.circuit.Circuit.canonical_permutation` of its values when the caller has
    it (a batch computes every row's at once: :meth:`~Circuit.canonical_permutations`, the same)."""
    if perm is None:
        perm = circuit.canonical_permutation(result.value_array)
    params = result.parameters
    moved = perm != np.arange(perm.size)
    if not moved.any() or any(params[i].fixed for i in np.flatnonzero(moved)):
        return result  # nothing to reorder, or a fixed parameter would change meaning
    new = tuple(
        ParameterEstimate(params[i].name, params[perm[i]].value, params[perm[i]].stderr, params[i].unit,
                          params[i].fixed, params[i].min, params[i].max)
        for i in range(len(params))
    )
    free = [i for i, p in enumerate(params) if not p.fixed]
    pos = {i: k for k, i in enumerate(free)}
    if all(perm[i] in pos for i in free):
        idx = [pos[perm[i]] for i in free]
        cov = result.covariance[np.ix_(idx, idx)]
    else:
        cov = result.covariance
    renamed = {params[perm[i]].name: params[i].name for i in range(len(params)) if perm[i] != i}
    pattern = re.compile(
        r"(?<![\w.])(" + "|".join(re.escape(n) for n in sorted(renamed, key=len, reverse=True)) + r")(?![\w]|\.\w)"
    )
    warnings = tuple(pattern.sub(lambda m: renamed[m.group(1)], w) for w in result.warnings)
    return replace(result, parameters=new, covariance=cov, warnings=warnings)


def fit_circuit(
    spectrum: Spectrum,
    circuit: str | Circuit,
    *,
    weighting: str = "modulus",
    initial: Mapping[str, float] | None = None,
    fixed: Mapping[str, float] | None = None,
    bounds: Mapping[str, tuple[float, float]] | None = None,
    n_starts: int = 4,
    canonical: bool = True,
    max_iter: int = 300,
) -> CircuitFit:
    """Fit ``circuit`` to ``spectrum``.

    Parameters
    ----------
    spectrum
        Frequencies [Hz] and complex impedance [Ω].
    circuit
        A circuit string such as ``"R0-p(R1,CPE1)-p(R2,CPE2)-CPE3"`` or a :class:`Circuit`.
    weighting
        ``"modulus"`` (default), ``"proportional"`` or ``"unit"`` (see :mod:`sselab.eis.weights`).
    initial
        Initial values for some or all parameters (the rest are derived from the spectrum);
        a complete set is used as the only start.
    fixed
        Parameters held at the given values.
    bounds
        ``{name: (min, max)}`` overriding the element defaults (R, C, Q ≥ 0; 0 < n ≤ 1).
    n_starts
        Number of automatic starts: the best is fitted first, the others only when its
        residuals are not noise-like (see :func:`fit_starts`; ``starts_tried`` in the result).
    canonical
        Report interchangeable arcs by characteristic frequency, highest first.

    Returns
    -------
    CircuitFit
    """
    from .model import check_spectrum_argument

    check_spectrum_argument(spectrum, circuit)  # circuit first (impedance.py's order): one line
    c = circuit_of(circuit)
    _validate(spectrum, c)
    f = spectrum.frequency_Hz
    z = spectrum.impedance_ohm
    initial = dict(initial or {})
    fixed = dict(fixed or {})
    for name in list(initial) + list(fixed):
        c.parameter_index(name)
    complete = all(n in initial or n in fixed for n in c.parameter_names)
    with single_threaded_blas():
        [auto] = starts_many(c, f, z, n_starts=1 if complete else n_starts)
        auto = auto.with_values({c.parameter_index(k): v for k, v in {**initial, **fixed}.items()}, complete)
        fit = fit_starts(c, [spectrum], [auto], weighting=weighting, fixed=fixed, bounds=bounds,
                         canonical=canonical, max_iter=max_iter)[0]
    return fit


def _best_fit(
    c: Circuit, weighting: str, spectrum: Spectrum, params: Parameters, best: FitResult, start: np.ndarray,
    canonical: bool, starts_tried: int, engine: str = "numpy", perm: np.ndarray | None = None,
) -> CircuitFit:
    """The CircuitFit of one spectrum's best start (``perm``: its canonical permutation, if known)."""
    result = _canonical(c, best, perm) if canonical else best
    notes = () if result.success else (f"fit did not converge: {result.message}",)
    return CircuitFit(
        circuit=c.text,
        weighting=weighting,
        result=result,
        frequency_Hz=spectrum.frequency_Hz,
        impedance_ohm=spectrum.impedance_ohm,
        initial=dict(zip(c.parameter_names, map(float, params.clipped(start)))),
        source=spectrum.source,
        temperature_K=spectrum.temperature_K,
        notes=notes,
        starts_tried=starts_tried,
        engine=engine,
    )


from .multistart import fit_starts  # noqa: E402  (after the classes multistart imports from here)
