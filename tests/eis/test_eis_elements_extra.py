"""TLM, Havriliak–Negami, Cole–Cole, ZARC, K and finite Gerischer: limits and identities by
hand, analytic derivatives against finite differences, fits from automatic starts."""

import numpy as np
import pytest

from sselab.eis import Circuit, fit_circuit, parse, simulate_spectrum
from sselab.eis.elements import ELEMENTS

W = 2 * np.pi * np.logspace(-3, 6, 50)


def _z(etype, *params, w=W):
    return ELEMENTS[etype].evaluate(w, np.array(params, float))[0]


def test_parser_knows_the_registered_types():
    tree = parse("R0-K1-ZARC1-CC_gb-HN1-TLMo1-TLMs2-Gf1")
    assert [e.type for e in tree.elements()] == ["R", "K", "ZARC", "CC", "HN", "TLMo", "TLMs", "Gf"]


def test_identities_between_elements():
    r, tau, n = 300.0, 1e-3, 0.8
    # K is R‖C with C = τ/R; ZARC is R‖CPE; CC is ZARC with Q = τ^a/R; HN with b = 1 is CC
    np.testing.assert_allclose(_z("K", r, tau), Circuit("p(R1,C1)").impedance(W / (2 * np.pi), {"R1": r, "C1": tau / r}),
                               rtol=1e-12)
    zarc = _z("ZARC", r, tau**n / r, n)
    np.testing.assert_allclose(zarc, Circuit("p(R1,CPE1)").impedance(
        W / (2 * np.pi), {"R1": r, "CPE1.Q": tau**n / r, "CPE1.n": n}), rtol=1e-12)
    np.testing.assert_allclose(_z("CC", r, tau, n), zarc, rtol=1e-12)
    np.testing.assert_allclose(_z("HN", r, tau, n, 1.0), zarc, rtol=1e-12)
    # transmission lines with a capacitive interface (n = 1) are the finite Warburgs, τ = R·Q
    np.testing.assert_allclose(_z("TLMs", 50.0, 2e-3, 1.0), _z("Ws", 50.0, 0.1), rtol=1e-10)
    np.testing.assert_allclose(_z("TLMo", 50.0, 2e-3, 1.0), _z("Wo", 50.0, 0.1), rtol=1e-10)
    # finite Gerischer: a long layer is the Gerischer element; Z(0) = R always
    np.testing.assert_allclose(_z("Gf", 80.0, 1e-2, 40.0), _z("G", 80.0, 1e-2), rtol=1e-12)
    assert _z("Gf", 80.0, 1e-2, 0.7, w=np.array([1e-9]))[0] == pytest.approx(80.0, rel=1e-6)


def test_limits_by_hand():
    # HN at ωτ = 1: R / (1 + j^a)^b
    a, b = 0.7, 0.5
    assert _z("HN", 10.0, 1.0, a, b, w=np.array([1.0]))[0] == pytest.approx(10 / (1 + 1j**a) ** b, rel=1e-12)
    # de Levie, reflective: Z → R/3 + 1/(Q (jω)^n) at low frequency; transmissive → R
    w = np.array([1e-6])
    assert _z("TLMo", 30.0, 1e-3, 0.9, w=w)[0] == pytest.approx(10.0 + 1 / (1e-3 * (1j * w[0]) ** 0.9), rel=1e-6)
    assert _z("TLMs", 30.0, 1e-3, 0.9, w=w)[0] == pytest.approx(30.0, rel=1e-6)
    # ...and √(R Z_int) at high frequency (semi-infinite line)
    w = np.array([1e7])
    assert _z("TLMo", 30.0, 1e-3, 0.9, w=w)[0] == pytest.approx(np.sqrt(30.0 / (1e-3 * (1j * w[0]) ** 0.9)), rel=1e-9)


def test_analytic_derivatives_match_finite_differences():
    c = Circuit("R0-K1-ZARC1-CC1-HN1-TLMo1-TLMs1-Gf1")
    P = np.array([10, 100, 1e-3, 200, 1e-6, 0.8, 300, 1e-2, 0.7, 50, 1e-4, 0.8, 0.6, 40, 1e-3, 0.85, 60, 1e-2, 0.9,
                  70, 1e-1, 2.0])
    _, J = c.impedance_and_jacobian(W, P)
    for k in range(P.size):
        h = 1e-6 * P[k]
        up, dn = P.copy(), P.copy()
        up[k] += h
        dn[k] -= h
        num = (c.impedance_and_jacobian(W, up)[0] - c.impedance_and_jacobian(W, dn)[0]) / (2 * h)
        assert np.max(np.abs(num - J[:, k])) <= 2e-5 * np.max(np.abs(J[:, k])), c.parameter_names[k]


@pytest.mark.parametrize("circuit, truth", [
    ("R0-ZARC1", {"R0": 10, "ZARC1.R": 1e3, "ZARC1.Q": 1e-7, "ZARC1.n": 0.85}),
    ("R0-K1-K2", {"R0": 10, "K1.R": 500, "K1.tau": 1e-5, "K2.R": 2000, "K2.tau": 1e-2}),
    ("R0-HN1", {"R0": 10, "HN1.R": 1e3, "HN1.tau": 1e-4, "HN1.a": 0.8, "HN1.b": 0.6}),
    ("R0-CC1-p(R2,CPE2)", {"R0": 10, "CC1.R": 1e3, "CC1.tau": 1e-5, "CC1.a": 0.9, "R2": 3e3, "CPE2.Q": 1e-5,
                           "CPE2.n": 0.8}),
    ("R0-TLMo1", {"R0": 5, "TLMo1.R": 100, "TLMo1.Q": 1e-3, "TLMo1.n": 0.9}),
    ("R0-TLMs1", {"R0": 5, "TLMs1.R": 100, "TLMs1.Q": 1e-3, "TLMs1.n": 0.9}),
    ("R0-Gf1", {"R0": 5, "Gf1.R": 100, "Gf1.tau": 1e-3, "Gf1.d": 1.5}),
])
def test_fit_from_automatic_starts_recovers_the_truth(circuit, truth):
    s = simulate_spectrum(circuit, truth, np.logspace(6, -2, 70), noise=0.002, seed=3)
    fit = fit_circuit(s, circuit)
    assert fit.success
    for name, value in truth.items():
        # 0.2 % noise: every parameter within 5 standard errors and 3 %
        p = fit[name]
        assert abs(p.value - value) < 5 * p.stderr and abs(p.value / value - 1) < 0.03, name
