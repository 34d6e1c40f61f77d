"""More circuit elements, added to the language by registration alone.

=======  ================================================  ======================  ===================
type     impedance                                         parameters              units
=======  ================================================  ======================  ===================
K        R / (1 + jωτ)  (Voigt element)                    R, tau                  Ohm, s
ZARC     R / (1 + R Q (jω)^n)  (R‖CPE in one element)       R, Q, n                 Ohm, S·s^n, 1
CC       R / (1 + (jωτ)^a)  (Cole–Cole)                    R, tau, a (0 < a ≤ 1)   Ohm, s, 1
HN       R / (1 + (jωτ)^a)^b  (Havriliak–Negami)           R, tau, a, b            Ohm, s, 1, 1
TLMo     R coth(x)/x, x² = R Q (jω)^n  (de Levie           R, Q, n                 Ohm, S·s^n, 1
         transmission line, reflective/blocking end)
TLMs     R tanh(x)/x  (transmissive end)                   R, Q, n                 Ohm, S·s^n, 1
Gf       R tanh(d g)/(g tanh d), g = √(1 + jωτ)            R, tau, d               Ohm, s, 1
         (finite-length Gerischer; d → ∞ is G)
=======  ================================================  ======================  ===================

The transmission lines (de Levie) have ionic resistance ``R`` along the pore and an
interfacial CPE ``Q, n`` for the whole electrode; with n = 1 they are the finite Warburgs
Wo/Ws with τ = R·Q.  ZARC and CC are the same arc in two parametrisations (Q = τ^a/R);
HN with b = 1 is CC.  ``Gf`` is normalised so that Z(0) = R.

Every element gives analytic derivatives (tested against finite differences) and an
automatic start from an arc's resistance, time constant and ideality.

Examples
--------
>>> import numpy as np
>>> from sselab.eis.elements import ELEMENTS
>>> z, _ = ELEMENTS["K"].evaluate(np.array([1.0]), np.array([10.0, 1.0]))
>>> complex(np.round(z[0], 6))
(5-5j)
"""

from __future__ import annotations

import math

import numpy as np

from .elements import element

_POS = (0.0, math.inf)
_FRAC = (0.0, 1.0)


def _log_jw(w: np.ndarray) -> np.ndarray:
    return np.log(w) + 0.5j * np.pi


def _tanh_sech2(u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """tanh(u) and sech²(u) for Re(u) ≥ 0 without overflow."""
    e = np.exp(-2 * u)
    return (1 - e) / (1 + e), 4 * e / (1 + e) ** 2


@element("K", ("R", "tau"), ("Ohm", "s"), (_POS, _POS), "Voigt element R/(1+jωτ)",
         start=lambda r, tau, n: (r, tau))
def _voigt(w, p):
    r, tau = p
    d = 1 + 1j * w * tau
    return r / d, [1 / d, -r * 1j * w / d**2]


@element("ZARC", ("R", "Q", "n"), ("Ohm", "S*s^n", ""), (_POS, _POS, _FRAC), "ZARC: R in parallel with a CPE",
         start=lambda r, tau, n: (r, tau**n / r, n))
def _zarc(w, p):
    r, q, n = p
    lj = _log_jw(w)
    y = r * q * np.exp(n * lj)
    d = 1 + y
    z = r / d
    return z, [1 / d**2, -r * y / (q * d**2), -r * y * lj / d**2]


@element("CC", ("R", "tau", "a"), ("Ohm", "s", ""), (_POS, _POS, _FRAC), "Cole–Cole relaxation",
         start=lambda r, tau, n: (r, tau, n))
def _cole_cole(w, p):
    r, tau, a = p
    lj = np.log(w * tau) + 0.5j * np.pi
    y = np.exp(a * lj)
    d = 1 + y
    z = r / d
    return z, [1 / d, -r * a * y / (tau * d**2), -r * y * lj / d**2]


@element("HN", ("R", "tau", "a", "b"), ("Ohm", "s", "", ""), (_POS, _POS, _FRAC, _FRAC),
         "Havriliak–Negami relaxation", start=lambda r, tau, n: (r, tau, n, 0.9))
def _havriliak_negami(w, p):
    r, tau, a, b = p
    lj = np.log(w * tau) + 0.5j * np.pi
    y = np.exp(a * lj)
    d = 1 + y
    z = r * np.exp(-b * np.log(d))
    common = -b * z / d  # ∂Z/∂y
    return z, [z / r, common * a * y / tau, common * y * lj, -z * np.log(d)]


def _line(w, p, reflective: bool):
    r, q, n = p
    lj = _log_jw(w)
    x = np.exp(0.5 * (np.log(r) + np.log(q)) + 0.5 * n * lj)  # √(R Q (jω)^n), Re(x) > 0
    th, sech2 = _tanh_sech2(x)
    if reflective:  # f = coth(x)/x
        cth = 1 / th
        f = cth / x
        df = (-(cth**2 - 1) * x - cth) / x**2
    else:  # f = tanh(x)/x
        f = th / x
        df = (sech2 * x - th) / x**2
    z = r * f
    return z, [f + 0.5 * df * x, r * df * x / (2 * q), r * df * x * lj / 2]


@element("TLMo", ("R", "Q", "n"), ("Ohm", "S*s^n", ""), (_POS, _POS, _FRAC),
         "de Levie transmission line, reflective (blocking) end", start=lambda r, tau, n: (3 * r, tau**n / (3 * r), n))
def _tlm_reflective(w, p):
    return _line(w, p, True)


@element("TLMs", ("R", "Q", "n"), ("Ohm", "S*s^n", ""), (_POS, _POS, _FRAC),
         "de Levie transmission line, transmissive end", start=lambda r, tau, n: (r, tau**n / r, n))
def _tlm_transmissive(w, p):
    return _line(w, p, False)


# the automatic starts differ in ideality n (0.75–0.95); here they spread the length d over 0.75–2.75
@element("Gf", ("R", "tau", "d"), ("Ohm", "s", ""), (_POS, _POS, _POS), "finite-length Gerischer",
         start=lambda r, tau, n: (r, tau, 0.25 + 10 * max(1 - n, 0.05)))
def _gerischer_finite(w, p):
    r, tau, d = p
    g = np.sqrt(1 + 1j * w * tau)
    t_dg, s_dg = _tanh_sech2(d * g)
    t_d, s_d = _tanh_sech2(d)
    a = t_dg / g
    z = r * a / t_d
    da_dg = (d * s_dg * g - t_dg) / g**2
    dz_dtau = r / t_d * da_dg * 1j * w / (2 * g)
    dz_dd = r * (s_dg * t_d - a * s_d) / t_d**2
    return z, [a / t_d, dz_dtau, dz_dd]
