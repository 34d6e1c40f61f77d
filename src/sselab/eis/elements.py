"""Circuit elements: impedance and analytic derivatives, registered declaratively.

Each element is one small definition: its type name, parameter names, units, default
bounds, and a function returning ``Z`` and ``∂Z/∂p`` for every parameter, vectorised over
angular frequency ``w`` (N,) and over parameter sets (``p`` has shape (..., n_params)).

=======  ===========================================  ==========================  ==================
type     impedance                                    parameters                  units
=======  ===========================================  ==========================  ==================
R        R                                            R                           Ohm
C        1 / (jωC)                                    C                           F
L        jωL                                          L                           H
CPE      1 / (Q (jω)^n)                               Q, n (0 < n ≤ 1)            S·s^n, 1
W        σ (1 − j) / √ω  (semi-infinite Warburg)      σ                           Ohm·s^-1/2
Ws       R tanh(√(jωτ)) / √(jωτ)  (finite length,     R, tau                      Ohm, s
         transmissive boundary)
Wo       R coth(√(jωτ)) / √(jωτ)  (finite space,      R, tau                      Ohm, s
         reflective boundary)
G        R / √(1 + jωτ)  (Gerischer)                  R, tau                      Ohm, s
=======  ===========================================  ==========================  ==================

A one-parameter element's parameter is named after the element (``R1``, ``C2``, ``W1``);
others are ``<element>.<param>`` (``CPE1.Q``, ``CPE1.n``, ``Ws1.tau``).

Examples
--------
>>> import numpy as np
>>> z, dz = ELEMENTS["CPE"].evaluate(np.array([1.0]), np.array([1e-3, 1.0]))
>>> complex(np.round(z[0], 6))
-1000j
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

ZFunc = Callable[[np.ndarray, tuple[np.ndarray, ...]], tuple[np.ndarray, list[np.ndarray]]]


@dataclass(frozen=True)
class ElementType:
    """A registered element type."""

    name: str
    params: tuple[str, ...]
    units: tuple[str, ...]
    bounds: tuple[tuple[float, float], ...]
    description: str
    func: ZFunc
    #: automatic start of an arc-like element: (resistance [Ω], time constant [s], ideality) →
    #: one value per parameter; used by :mod:`sselab.eis.initial` (None: generic values)
    start: Callable[[float, float, float], tuple[float, ...]] | None = None

    @property
    def n_params(self) -> int:
        return len(self.params)

    def parameter_names(self, label: str) -> tuple[str, ...]:
        """Full parameter names of an element called ``label`` (``R1`` or ``CPE1.Q``, ...)."""
        if self.n_params == 1:
            return (label,)
        return tuple(f"{label}.{p}" for p in self.params)

    def evaluate(self, w: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
        """Z and its derivatives for parameters ``p`` (..., n_params): arrays broadcastable to
        (..., N) — a frequency-independent element (R) returns (..., 1)."""
        cols = tuple(np.asarray(p)[..., i, None] for i in range(self.n_params))
        return self.func(w, cols)


ELEMENTS: dict[str, ElementType] = {}

_POS = (0.0, math.inf)


def element(
    name: str, params: tuple[str, ...], units: tuple[str, ...], bounds: tuple[tuple[float, float], ...], description: str,
    start: Callable[[float, float, float], tuple[float, ...]] | None = None,
) -> Callable[[ZFunc], ZFunc]:
    """Register an element type; the decorated function maps (w, params) to (Z, [dZ/dp]).
    The circuit language knows every registered type (no parser change needed)."""

    def wrap(func: ZFunc) -> ZFunc:
        ELEMENTS[name] = ElementType(name, params, units, bounds, description, func, start)
        return func

    return wrap


@element("R", ("R",), ("Ohm",), (_POS,), "resistor")
def _resistor(w, p):
    (r,) = p  # (..., 1): frequency-independent, broadcast by the caller
    z = r + 0j
    return z, [np.ones_like(z)]


@element("C", ("C",), ("F",), (_POS,), "capacitor")
def _capacitor(w, p):
    (c,) = p
    z = 1.0 / (1j * w * c)
    return z, [-z / c]


@element("L", ("L",), ("H",), (_POS,), "inductor")
def _inductor(w, p):
    (ind,) = p
    z = 1j * w * ind
    return z, [np.broadcast_to(1j * w, z.shape)]


@element("CPE", ("Q", "n"), ("S*s^n", ""), (_POS, (0.0, 1.0)), "constant-phase element")
def _cpe(w, p):
    q, n = p
    log_jw = np.log(w) + 0.5j * np.pi
    # (jω)^−n = ω^−n e^{−jnπ/2}: a real exponential over the frequencies, one complex factor per n
    z = np.exp(-n * log_jw.real) * (np.exp(-0.5j * np.pi * n) / q)
    return z, [-z / q, -z * log_jw]


@element("W", ("sigma",), ("Ohm*s^-0.5",), (_POS,), "semi-infinite Warburg")
def _warburg(w, p):
    (s,) = p
    base = (1 - 1j) / np.sqrt(w)
    z = s * base
    return z, [np.broadcast_to(base, z.shape)]


def _sqrt_jwt(w: np.ndarray, tau: np.ndarray) -> np.ndarray:
    return np.sqrt(1j * w * tau)


@element("Ws", ("R", "tau"), ("Ohm", "s"), (_POS, _POS), "finite-length Warburg (transmissive)")
def _warburg_short(w, p):
    r, tau = p
    s = _sqrt_jwt(w, tau)
    e = np.exp(-2 * s)  # Re(s) > 0 so |e| <= 1: no overflow
    th = (1 - e) / (1 + e)
    sech2 = 4 * e / (1 + e) ** 2
    f = th / s
    df_ds = (sech2 * s - th) / s**2
    return r * f, [f, r * df_ds * s / (2 * tau)]


@element("Wo", ("R", "tau"), ("Ohm", "s"), (_POS, _POS), "finite-space Warburg (reflective)")
def _warburg_open(w, p):
    r, tau = p
    s = _sqrt_jwt(w, tau)
    e = np.exp(-2 * s)
    cth = (1 + e) / (1 - e)
    csch2 = 4 * e / (1 - e) ** 2
    f = cth / s
    df_ds = (-csch2 * s - cth) / s**2
    return r * f, [f, r * df_ds * s / (2 * tau)]


@element("G", ("R", "tau"), ("Ohm", "s"), (_POS, _POS), "Gerischer")
def _gerischer(w, p):
    r, tau = p
    base = 1.0 / np.sqrt(1 + 1j * w * tau)
    z = r * base
    return z, [base, -0.5 * r * base**3 * 1j * w]


# more elements (TLM, Havriliak–Negami, Cole–Cole, ZARC, K, finite Gerischer) register themselves
from . import elements_extra  # noqa: E402,F401


def describe() -> str:
    """A table of every element, its parameters and units (for --help and docs)."""
    lines = []
    for e in ELEMENTS.values():
        params = ", ".join(f"{p} [{u or '1'}]" for p, u in zip(e.params, e.units))
        lines.append(f"{e.name:4s} {e.description}: {params}")
    return "\n".join(lines)
