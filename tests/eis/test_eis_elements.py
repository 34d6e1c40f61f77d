"""Element impedances against hand-computed values, and analytic against numeric derivatives."""

import numpy as np
import pytest

from sselab.eis import Circuit
from sselab.eis.elements import ELEMENTS


@pytest.mark.parametrize(
    "etype, params, w, expected",
    [
        ("R", [47.0], 3.0, 47.0),
        ("C", [2e-6], 1.0, -1j / 2e-6),
        ("L", [1e-6], 1e6, 1j),
        ("CPE", [1e-3, 0.5], 4.0, 500 * np.exp(-1j * np.pi / 4)),  # 1/(Q·2·e^{jπ/4})
        ("CPE", [1e-3, 1.0], 10.0, 1 / (1j * 10 * 1e-3)),  # n = 1 is a capacitor
        ("W", [10.0], 4.0, 5 - 5j),  # σ(1−j)/√ω
        ("G", [100.0, 1.0], 1.0, 100 / np.sqrt(1 + 1j)),
    ],
)
def test_element_impedance_hand_values(etype, params, w, expected):
    z, _ = ELEMENTS[etype].evaluate(np.array([w]), np.array(params))
    assert z[0] == pytest.approx(expected, rel=1e-12)


def test_finite_warburgs_limits():
    w = np.array([1e-8, 1e8])
    zs, _ = ELEMENTS["Ws"].evaluate(w, np.array([30.0, 2.0]))
    zo, _ = ELEMENTS["Wo"].evaluate(w, np.array([30.0, 2.0]))
    assert zs[0] == pytest.approx(30.0, rel=1e-6)  # transmissive: DC limit R
    # reflective: capacitive at low frequency, Z ≈ R/(jωτ) + R/3
    assert zo[0] == pytest.approx(30.0 / (1j * 1e-8 * 2.0) + 10.0, rel=1e-6)
    # both tend to the semi-infinite Warburg R/√(jωτ) at high frequency
    semi = 30.0 / np.sqrt(1j * 1e8 * 2.0)
    assert zs[1] == pytest.approx(semi, rel=1e-9) and zo[1] == pytest.approx(semi, rel=1e-9)


def test_circuit_jacobian_matches_finite_differences():
    c = Circuit("R0-p(R1,CPE1)-p(R2-Wo1,C2)-G1-L1-W1-Ws1")
    P = np.array([10, 100, 1e-9, 0.9, 1000, 50, 1.0, 1e-6, 20, 0.1, 1e-7, 5, 30, 10])
    w = 2 * np.pi * np.logspace(-2, 6, 40)
    z, J = c.impedance_and_jacobian(w, P)
    for k in range(P.size):
        h = 1e-6 * P[k]
        up, dn = P.copy(), P.copy()
        up[k] += h
        dn[k] -= h
        num = (c.impedance_and_jacobian(w, up)[0] - c.impedance_and_jacobian(w, dn)[0]) / (2 * h)
        assert np.max(np.abs(num - J[:, k])) <= 1e-5 * np.max(np.abs(J[:, k])), c.parameter_names[k]


def test_series_and_parallel_combination():
    c = Circuit("R0-p(R1,C1)")
    z = c.impedance(np.array([1 / (2 * np.pi)]), {"R0": 5, "R1": 10, "C1": 0.1})  # ω = 1
    assert z[0] == pytest.approx(5 + 1 / (1 / 10 + 1j * 0.1))


def test_vectorised_over_parameter_sets():
    c = Circuit("R0-p(R1,CPE1)")
    P = np.array([[1, 10, 1e-3, 0.9], [2, 20, 1e-4, 0.8]])
    f = np.logspace(3, -1, 9)
    batch = c.impedance(f, P)
    assert batch.shape == (2, 9)
    np.testing.assert_allclose(batch[1], c.impedance(f, P[1]))


def test_parameter_names_and_units():
    c = Circuit("R0-p(R1,CPE1)-Ws1")
    assert c.parameter_names == ("R0", "R1", "CPE1.Q", "CPE1.n", "Ws1.R", "Ws1.tau")
    assert c.units == ("Ohm", "Ohm", "S*s^n", "", "Ohm", "s")
