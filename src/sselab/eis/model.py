"""An estimator-shaped Python API for circuit fitting: ``CircuitModel(circuit).fit(spectrum)``.

The model holds the circuit and the fit settings (weighting, initial and fixed values,
bounds, masking/cropping); :meth:`CircuitModel.fit` masks the spectrum with
:func:`sselab.eis.mask.select` and calls :func:`sselab.eis.fit_circuit` — the same functions
and defaults as ``sselab eis fit`` — and keeps the result.  Readable ``repr``,
:meth:`~CircuitModel.summary` (values with their uncertainty), :meth:`~CircuitModel.plot`.

Examples
--------
>>> import numpy as np
>>> from sselab.eis import simulate_spectrum
>>> s = simulate_spectrum("R0-p(R1,CPE1)", {"R0": 10, "R1": 1e4, "CPE1.Q": 1e-9, "CPE1.n": 0.9},
...                       np.logspace(6, -1, 60), noise=0.002, seed=1)
>>> model = CircuitModel("R0-p(R1,CPE1)").fit(s)
>>> print(repr(model).splitlines()[0])
CircuitModel('R0-p(R1,CPE1)', weighting='modulus') fitted to 60 points of simulated: status ok
>>> round(model.values["R1"], -2)
10000.0
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

import numpy as np

from ..exceptions import SselabError
from ..measurements import Spectrum
from ..numfmt import format_uncertain
from .circuit import Circuit
from .mask import Selection, select


def check_spectrum_argument(spectrum: Any, circuit: Any, where: str = "fit_circuit") -> None:
    """One-line errors for the usual argument mistakes: the circuit first (impedance.py's
    order), or something that is not a Spectrum."""
    if isinstance(spectrum, (str, Circuit)) and isinstance(circuit, Spectrum):
        raise SselabError(f"{where}(spectrum, circuit): the spectrum comes first — got the circuit "
                          f"{str(spectrum)!r} first (impedance.py's order); swap the two")
    if not isinstance(circuit, (str, Circuit)):
        raise SselabError(f"{where}: expected a circuit string such as 'R0-p(R1,CPE1)', got {type(circuit).__name__}")
    if not isinstance(spectrum, Spectrum):
        raise SselabError(f"{where}: expected a Spectrum (sselab.io.read(path, kind='spectrum')[0]), "
                          f"got {type(spectrum).__name__}")


def _value_lines(fit: Any) -> list[str]:
    rows = []
    for p in fit.result.parameters:
        if p.fixed:
            text = f"{p.value:.6g} {p.unit} (fixed)"
        else:
            text = format_uncertain(p.value, p.stderr, p.unit, lower=p.min, upper=p.max)
        rows.append((p.name, text))
    width = max((len(n) for n, _ in rows), default=0)
    return [f"  {n:<{width}} = {t}" for n, t in rows]


def fit_summary(fit: Any, selection: Selection | None = None) -> str:
    """A readable multi-line summary of a :class:`~sselab.eis.fit.CircuitFit`."""
    from ..verdict import verdict_of

    res = fit.result
    head = f"{fit.circuit} fitted to {fit.n_points} points of {fit.source or 'a spectrum'} ({fit.weighting} weighting)"
    lines = [head]
    if selection is not None and selection.n_masked:
        lines.append(f"  {selection.summary()}")
    lines += _value_lines(fit)
    lines.append(f"  chi2 = {res.chi2:.4g} (reduced {res.reduced_chi2:.3g}), pseudo chi2 = {fit.pseudo_chi2:.3g}, "
                 f"AIC = {res.aic:.4g}")
    for r, c in fit.effective_capacitance.items():
        lines.append(f"  C_eff({r}) = {c:.3g} F at {fit.characteristic_frequency[r]:.3g} Hz")
    v = verdict_of(fit)
    lines.append(f"  status: {v.status}" + "".join(f"\n    - {r.message} [{r.code}]" for r in v.reasons))
    lines += [f"  note: {n}" for n in fit.notes]
    return "\n".join(lines)


def fit_repr(fit: Any) -> str:
    """``CircuitFit('R0-p(R1,CPE1)', 60 points, chi2=..., R0=..., R1=...)`` on one line."""
    vals = ", ".join(f"{k}={v:.4g}" for k, v in fit.values.items())
    return f"CircuitFit({fit.circuit!r}, {fit.n_points} points, chi2={fit.chi2:.3g}, {vals})"


class CircuitModel:
    """An equivalent circuit with its fit settings; :meth:`fit` it to a spectrum.

    Parameters
    ----------
    circuit
        Circuit string, e.g. ``"R0-p(R1,CPE1)-CPE2"`` (see :mod:`sselab.eis.elements`).
    weighting
        ``"modulus"`` (default), ``"proportional"`` or ``"unit"``.
    initial, fixed, bounds
        As for :func:`sselab.eis.fit_circuit`.
    f_min_Hz, f_max_Hz, drop_inductive, mask
        Points left out before fitting (see :func:`sselab.eis.mask.select`).

    Attributes
    ----------
    result_ : CircuitFit or None
        The last fit.
    selection_ : Selection or None
        Which points the last fit used.
    """

    def __init__(self, circuit: str, *, weighting: str = "modulus", initial: Mapping[str, float] | None = None,
                 fixed: Mapping[str, float] | None = None, bounds: Mapping[str, tuple[float, float]] | None = None,
                 f_min_Hz: float | None = None, f_max_Hz: float | None = None, drop_inductive: bool = False,
                 mask: str | Iterable[int] | None = None) -> None:
        if isinstance(circuit, Spectrum):
            raise SselabError("CircuitModel(circuit): give the circuit string here and the spectrum to .fit(spectrum)")
        self.circuit = Circuit(circuit)  # syntax errors now, in one line
        self.weighting = weighting
        self.initial, self.fixed, self.bounds = dict(initial or {}), dict(fixed or {}), dict(bounds or {})
        self.points = {"f_min_Hz": f_min_Hz, "f_max_Hz": f_max_Hz, "drop_inductive": drop_inductive, "mask": mask}
        self.result_: Any = None
        self.selection_: Selection | None = None

    def fit(self, spectrum: Spectrum) -> "CircuitModel":
        """Fit the circuit to ``spectrum`` (masked as configured); returns the model."""
        from .fit import fit_circuit

        check_spectrum_argument(spectrum, self.circuit, "CircuitModel.fit")
        sel = select(spectrum, **self.points)
        fit = fit_circuit(sel.spectrum, self.circuit, weighting=self.weighting, initial=self.initial,
                          fixed=self.fixed, bounds=self.bounds or None)
        if sel.n_masked:
            from dataclasses import replace

            fit = replace(fit, notes=tuple(fit.notes) + (sel.summary(),))
        self.result_, self.selection_ = fit, sel
        return self

    def _fitted(self) -> Any:
        if self.result_ is None:
            raise SselabError(f"CircuitModel({self.circuit.text!r}) is not fitted yet: call .fit(spectrum) first")
        return self.result_

    @property
    def values(self) -> dict[str, float]:
        """Fitted values by parameter name."""
        return dict(self._fitted().values)

    @property
    def stderr(self) -> dict[str, float | None]:
        """Standard errors by parameter name (None where undetermined)."""
        return {p.name: p.stderr for p in self._fitted().result.parameters}

    def predict(self, frequency_Hz: np.ndarray | None = None) -> np.ndarray:
        """Fitted impedance [Ω] at ``frequency_Hz`` (default: the fitted points)."""
        return self._fitted().predict(frequency_Hz)

    def summary(self) -> str:
        """Values with uncertainties, χ², effective capacitances, verdict and masking."""
        return fit_summary(self._fitted(), self.selection_)

    def plot(self, out: str | None = None):
        """Nyquist, Bode and residuals (masked points hollow); the Figure, or the path when ``out``."""
        from .plots import plot_fit

        fit = self._fitted()
        sel = self.selection_
        return plot_fit(sel.spectrum, fit, out, masked=sel.masked if sel is not None and sel.n_masked else None)

    def to_dict(self) -> dict[str, Any]:
        """The fit's JSON (as ``sselab eis fit --json``) with the masking record."""
        d = self._fitted().to_dict()
        if self.selection_ is not None:
            d["mask"] = self.selection_.to_dict()
        return d

    def __repr__(self) -> str:
        head = f"CircuitModel({self.circuit.text!r}, weighting={self.weighting!r})"
        if self.result_ is None:
            return head + " (not fitted)"
        from ..verdict import verdict_of

        fit = self.result_
        lines = [f"{head} fitted to {fit.n_points} points of {fit.source or 'a spectrum'}: "
                 f"status {verdict_of(fit).status}"]
        return "\n".join(lines + _value_lines(fit))


def _plot_fit(fit: Any, out: str | None = None):
    """Nyquist, Bode and residuals of the fitted data (see :func:`sselab.eis.plots.plot_fit`)."""
    from .plots import plot_fit

    return plot_fit(Spectrum(frequency_Hz=fit.frequency_Hz, impedance_ohm=fit.impedance_ohm, source=fit.source),
                    fit, out)


def _install() -> None:
    """Give :class:`~sselab.eis.fit.CircuitFit` its readable ``repr``, ``summary()`` and
    ``plot()`` (kept here so that fit.py stays about fitting)."""
    from .fit import CircuitFit

    CircuitFit.__repr__ = fit_repr  # type: ignore[method-assign]
    CircuitFit.summary = fit_summary  # type: ignore[attr-defined]
    CircuitFit.plot = _plot_fit  # type: ignore[attr-defined]


_install()
