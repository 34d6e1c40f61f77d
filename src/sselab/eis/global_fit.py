"""Global fit of a series of spectra: one circuit, parameters shared, free per spectrum, or
tied across temperatures by Arrhenius' law, with the joint covariance.

Every spectrum's weighted residuals are stacked into one least-squares problem over the
global parameter vector:

- a *shared* parameter (``CPE1.n``) has one value for all spectra;
- an *Arrhenius* parameter (a resistance ``R1``) follows R_i = R_ref exp[(Ea/k)(1/T_i − 1/T_ref)]
  with T_ref the harmonic mean of the temperatures (so R_ref and Ea are nearly uncorrelated);
  R0 = R_ref exp(−Ea/kT_ref) is reported too;
- any other parameter is free per spectrum (named ``R2[3]`` for spectrum 3).

Starts come from independent fits of each spectrum (:func:`sselab.eis.fit_circuit`); the
global problem is solved by the same engine (:func:`sselab.fitting.fit`) with the chain rule
applied to each spectrum's analytic circuit Jacobian, and its covariance (scaled by the
reduced χ²) gives standard errors of the shared values, of Ea, and of every free parameter.
A weak arc's exponent, shared across a series, is determined by all spectra at once.

Examples
--------
>>> import numpy as np
>>> from sselab.eis import simulate_spectrum
>>> f = np.logspace(6, -1, 40)
>>> spectra = [simulate_spectrum("R0-p(R1,CPE1)", {"R0": 10, "R1": r, "CPE1.Q": 1e-9, "CPE1.n": 0.85}, f)
...            for r in (1e3, 3e3, 1e4)]
>>> g = fit_global(spectra, "R0-p(R1,CPE1)", shared=["CPE1.n", "CPE1.Q"])
>>> round(g.shared["CPE1.n"][0], 4)
0.85
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np

from ..exceptions import AnalysisError, SselabError
from ..fitting import FitResult, Parameter, Parameters, fit
from ..fitting.result import _num
from ..measurements import Spectrum
from ..units import K_B_EV
from ..verdict import Verdict
from .circuit import Circuit
from .weights import weights


@dataclass(frozen=True)
class GlobalFit:
    """The outcome of :func:`fit_global`.

    Attributes
    ----------
    result : FitResult
        The global parameters (shared, ``<name>.R_ref``/``<name>.Ea_eV``, ``<name>[i]``).
    values : list of dict
        Each spectrum's full parameter set.
    shared : dict
        ``{name: (value, stderr)}``.
    arrhenius : dict
        ``{name: {"Ea_eV", "Ea_stderr_eV", "R_ref_ohm", "T_ref_K", "R0_ohm"}}``.
    independent : list of CircuitFit
        The independent fits the starts came from (for comparison).
    """

    circuit: str
    result: FitResult
    values: tuple[dict[str, float], ...]
    shared: Mapping[str, tuple[float, float | None]]
    arrhenius: Mapping[str, Mapping[str, float | None]]
    temperatures_K: tuple[float, ...] | None
    sources: tuple[str, ...]
    independent: tuple[Any, ...]

    @property
    def verdict(self) -> Verdict:
        v = Verdict.ok()
        if not self.result.success:
            v = v.add("not_converged", f"the global fit did not converge: {self.result.message}", "failed")
        if self.result.undetermined:
            v = v.add("undetermined", "not determined by the data: " + ", ".join(self.result.undetermined), "warning")
        return v

    def to_dict(self) -> dict[str, Any]:
        res = self.result
        return {
            "circuit": self.circuit,
            "method": "global fit: parameters shared, free per spectrum or Arrhenius-tied; joint covariance",
            "n_spectra": len(self.values),
            "chi2": _num(res.chi2),
            "reduced_chi2": _num(res.reduced_chi2),
            "shared": {k: {"value": _num(v), "stderr": _num(e)} for k, (v, e) in self.shared.items()},
            "arrhenius": {k: {kk: _num(vv) for kk, vv in d.items()} for k, d in self.arrhenius.items()},
            "parameters": {p.name: p.to_dict() for p in res.parameters},
            "spectra": [{"source": s, "temperature_K": _num(self.temperatures_K[i]) if self.temperatures_K else None,
                         "values": {k: _num(v) for k, v in vals.items()}}
                        for i, (s, vals) in enumerate(zip(self.sources, self.values))],
            "warnings": list(res.warnings),
            **self.verdict.to_dict(),
        }


def _stderr(res: FitResult, name: str) -> float | None:
    return res[name].stderr


def fit_global(
    spectra: Sequence[Spectrum],
    circuit: str | Circuit,
    *,
    shared: Sequence[str] = (),
    arrhenius: Sequence[str] = (),
    temperatures_K: Sequence[float] | None = None,
    weighting: str = "modulus",
    independent: Sequence[Any] | None = None,
) -> GlobalFit:
    """Fit ``circuit`` to all ``spectra`` at once (see the module docs).

    Parameters
    ----------
    shared
        Parameter names with one value for every spectrum (``"CPE1.n"``).
    arrhenius
        Parameter names (resistances) tied by R = R0 exp(Ea/kT); needs ``temperatures_K``
        (or temperatures in the spectra's metadata).
    independent
        Independent fits of the spectra to start from (fitted here when not given).
    """
    from .fit import fit_circuit

    c = circuit if isinstance(circuit, Circuit) else Circuit(circuit)
    S = len(spectra)
    if S < 2:
        raise AnalysisError("a global fit needs at least 2 spectra")
    names = c.parameter_names
    for n in list(shared) + list(arrhenius):
        if n not in names:
            raise SselabError(f"{n!r} is not a parameter of {c.text} (parameters: {', '.join(names)})")
    both = set(shared) & set(arrhenius)
    if both:
        raise SselabError(f"{', '.join(sorted(both))}: a parameter is either shared or Arrhenius-tied, not both")
    T = None
    if arrhenius:
        T = list(temperatures_K) if temperatures_K is not None else [s.temperature_K for s in spectra]
        if len(T) != S or any(t is None or not t > 0 for t in T):
            raise AnalysisError("an Arrhenius-tied parameter needs the temperature of every spectrum")
        if len({round(float(t), 6) for t in T}) < 2:
            raise AnalysisError("an Arrhenius-tied parameter needs at least 2 different temperatures")
    elif temperatures_K is not None:
        T = list(temperatures_K)
    indep = list(independent) if independent is not None else [fit_circuit(s, c, weighting=weighting) for s in spectra]
    start = np.array([[f.values[n] for n in names] for f in indep])  # (S, n)
    idx = {n: i for i, n in enumerate(names)}

    params: list[Parameter] = []
    # D[s]: (n_local, n_global) map of global steps to each spectrum's parameters (filled below)
    slots: list[tuple[str, str, int | None]] = []  # (kind, local name, spectrum or None)
    for n in shared:
        lo, hi = c.bounds[idx[n]]
        v = float(np.median(start[:, idx[n]]))
        params.append(Parameter(n, min(max(v, lo + 1e-12), hi), min=lo, max=hi, unit=c.units[idx[n]]))
        slots.append(("shared", n, None))
    t_ref = None
    if arrhenius:
        inv_t = 1 / np.asarray(T, float)
        t_ref = float(1 / inv_t.mean())
        x = (inv_t - 1 / t_ref) / K_B_EV
        for n in arrhenius:
            y = np.log(np.maximum(start[:, idx[n]], 1e-300))
            ea, ln_ref = np.polyfit(x, y, 1)
            params.append(Parameter(f"{n}.R_ref", float(math.exp(ln_ref)), min=0.0, unit=c.units[idx[n]]))
            params.append(Parameter(f"{n}.Ea_eV", float(ea), unit="eV"))
            slots += [("R_ref", n, None), ("Ea", n, None)]
    free = [n for n in names if n not in shared and n not in arrhenius]
    for s in range(S):
        for n in free:
            lo, hi = c.bounds[idx[n]]
            v = float(start[s, idx[n]])
            params.append(Parameter(f"{n}[{s}]", min(max(v, lo + 1e-300), hi), min=lo, max=hi, unit=c.units[idx[n]]))
            slots.append(("free", n, s))
    P0 = Parameters(params)
    data = [(2 * np.pi * sp.frequency_Hz, sp.impedance_ohm, *weights(sp.impedance_ohm, weighting)) for sp in spectra]
    xs = (1 / np.asarray(T, float) - 1 / t_ref) / K_B_EV if arrhenius else None

    def local(theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each spectrum's parameters (S, n) and ∂p/∂θ (S, n, n_global)."""
        p = np.empty((S, len(names)))
        D = np.zeros((S, len(names), theta.size))
        g = {}
        for k, (kind, n, s) in enumerate(slots):
            if kind == "shared":
                p[:, idx[n]] = theta[k]
                D[:, idx[n], k] = 1.0
            elif kind == "free":
                p[s, idx[n]] = theta[k]
                D[s, idx[n], k] = 1.0
            else:
                g.setdefault(n, {})[kind] = k
        for n, ks in g.items():
            r = theta[ks["R_ref"]] * np.exp(theta[ks["Ea"]] * xs)
            p[:, idx[n]] = r
            D[:, idx[n], ks["R_ref"]] = r / theta[ks["R_ref"]]
            D[:, idx[n], ks["Ea"]] = r * xs
        return p, D

    def fun(P: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        rs, Js = [], []
        for theta in P:
            p, D = local(theta)
            r_parts, j_parts = [], []
            for s, (w, z, wr, wi) in enumerate(data):
                zc, J = c.impedance_and_jacobian(w, p[s][None])
                d = zc[0] - z
                Jg = J[0] @ D[s]  # (N, n_global)
                r_parts += [d.real * wr, d.imag * wi]
                j_parts += [Jg.real * wr[:, None], Jg.imag * wi[:, None]]
            rs.append(np.concatenate(r_parts))
            Js.append(np.concatenate(j_parts))
        return np.stack(rs), np.stack(Js)

    res = fit(fun, P0, max_iter=400)
    p_final, _ = local(res.value_array)
    values = tuple(dict(zip(names, map(float, row))) for row in p_final)
    shared_out = {n: (res[n].value, _stderr(res, n)) for n in shared}
    arr_out: dict[str, dict[str, float | None]] = {}
    for n in arrhenius:
        ea, r_ref = res[f"{n}.Ea_eV"], res[f"{n}.R_ref"]
        arr_out[n] = {"Ea_eV": ea.value, "Ea_stderr_eV": ea.stderr, "R_ref_ohm": r_ref.value,
                      "R_ref_stderr_ohm": r_ref.stderr, "T_ref_K": t_ref,
                      "R0_ohm": r_ref.value * math.exp(-ea.value / (K_B_EV * t_ref))}
    return GlobalFit(c.text, res, values, shared_out, arr_out, tuple(map(float, T)) if T else None,
                     tuple(s.source for s in spectra), tuple(indep))
