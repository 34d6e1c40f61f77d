"""The transport methods around the paper (#23), each against a simulation with known truth or
a hand calculation: Bruce–Vincent, Hebb–Wagner, critical current density, stack comparison."""

from __future__ import annotations

import numpy as np
import pytest

from sselab.cycling.ccd import critical_current_density, simulate_stepped_cycling
from sselab.dc.bruce_vincent import bruce_vincent
from sselab.dc.hebb_wagner import hebb_wagner, hebb_wagner_current
from sselab.eis import simulate_spectrum
from sselab.exceptions import AnalysisError
from sselab.transport.stacks import diagnose_stacks


@pytest.mark.parametrize("t_plus, Ri0, Riss", [(0.4, 500.0, 700.0), (0.05, 50.0, 55.0), (0.9, 2000.0, 1500.0)])
def test_bruce_vincent_recovers_t_plus_of_a_model_cell(t_plus, Ri0, Riss):
    # bulk Rb, transference t+: I0 = ΔV/(Rb + Ri0); steady state adds the concentration
    # polarisation Rb (1 − t+)/t+, so Is = ΔV/(Rb/t+ + Riss)
    Rb, dV = 800.0, 0.01
    I0, Is = dV / (Rb + Ri0), dV / (Rb / t_plus + Riss)
    r = bruce_vincent(dV, I0, Is, Ri0, Riss, I0_stderr_A=0.01 * I0, Is_stderr_A=0.01 * Is)
    assert r.t_plus == pytest.approx(t_plus, rel=1e-12)
    assert r.t_plus_uncorrected == pytest.approx(Is / I0)
    # the uncorrected ratio is wrong whenever the interfaces carry resistance
    assert abs(r.t_plus_uncorrected - t_plus) > 1e-3
    # 1 % errors on both currents: first-order propagation by hand for this formula
    assert 0.005 * t_plus < r.t_plus_stderr < 0.05 * t_plus


def test_bruce_vincent_refuses_and_flags():
    with pytest.raises(AnalysisError, match="finite"):
        bruce_vincent(0.01, float("nan"), 1e-6, 10, 10)
    r = bruce_vincent(0.01, 1e-6, 2e-6, 10, 10)  # current rose: not a polarisation decay
    assert r.verdict.status == "failed" and "current_rose" in r.verdict.codes
    r = bruce_vincent(0.2, 1e-5, 5e-6, 100, 100)
    assert "large_polarisation" in r.verdict.codes


def test_hebb_wagner_recovers_electron_and_hole_conductivities():
    V = np.linspace(0.05, 0.6, 12)
    T, L, A = 373.15, 0.065, 1.327
    rng = np.random.default_rng(3)
    I = hebb_wagner_current(V, 4.9e-8, 2e-11, T, L, A)
    I_noisy = I * (1 + 0.005 * rng.standard_normal(V.size))
    r = hebb_wagner(V, I_noisy, thickness_cm=L, area_cm2=A, temperature_K=T)
    assert r.sigma_n_S_per_cm == pytest.approx(4.9e-8, rel=0.02)
    assert abs(r.sigma_p_S_per_cm - 2e-11) < 3 * r.sigma_p_stderr_S_per_cm
    assert r.verdict.status == "ok"
    # σ_el(V) = σn e^(−u) + σp e^(u): at V = 0 it is σn + σp
    assert r.sigma_el(0.0) == pytest.approx(r.sigma_n_S_per_cm + r.sigma_p_S_per_cm)


def test_hebb_wagner_flags_currents_of_the_wrong_form():
    V = np.linspace(0.05, 0.6, 8)
    I = -1e-9 * np.exp(V / 0.03)  # grows with V in the wrong direction: a negative σ_p beyond its error
    r = hebb_wagner(V, I, thickness_cm=0.065, area_cm2=1.327, temperature_K=373.15)
    assert r.verdict.status == "failed" and "negative_conductivity" in r.verdict.codes


@pytest.mark.parametrize("short_at, ccd, fail", [(0.1, 0.05, 0.1), (0.02, 0.01, 0.02), (0.2, 0.1, 0.2)])
def test_ccd_found_at_the_step_before_the_short(short_at, ccd, fail):
    rec = simulate_stepped_cycling([0.01, 0.02, 0.05, 0.1, 0.2], area_cm2=1.327, short_at_mA_per_cm2=short_at, seed=1)
    r = critical_current_density(rec, area_cm2=1.327)
    assert (r.ccd_mA_per_cm2, r.failure_mA_per_cm2) == (ccd, fail)
    assert r.verdict.status == "ok"


def test_ccd_without_short_is_a_lower_bound_and_short_at_first_step_fails():
    rec = simulate_stepped_cycling([0.01, 0.02, 0.05], area_cm2=1.327)
    r = critical_current_density(rec, area_cm2=1.327)
    assert r.ccd_mA_per_cm2 == 0.05 and r.failure_mA_per_cm2 is None and "no_short" in r.verdict.codes
    rec = simulate_stepped_cycling([0.01, 0.02, 0.05], area_cm2=1.327, short_at_mA_per_cm2=0.01)
    r = critical_current_density(rec, area_cm2=1.327)
    assert r.verdict.status == "failed" and r.ccd_mA_per_cm2 is None


F = np.logspace(6, -1, 71)
BULK = {"R0": 10.0, "R1": 1000.0, "CPE1.Q": 1e-10, "CPE1.n": 0.95, "CPE2.Q": 1e-5, "CPE2.n": 0.9}


def test_stacks_ionic_conductor_shows_a_blocking_tail():
    s = simulate_spectrum("R0-p(R1,CPE1)-CPE2", BULK, F, noise=0.003, seed=1)
    d = diagnose_stacks(s, thickness_cm=0.065, area_cm2=1.327)
    assert d.conductor == "ionic" and d.sigma_el_S_per_cm is None
    assert d.sigma_ion_S_per_cm == pytest.approx(0.065 / 1.327 / 1010.0, rel=0.02)
    assert d.sigma_el_upper_S_per_cm is not None and d.sigma_el_upper_S_per_cm < d.sigma_ion_S_per_cm


@pytest.mark.parametrize("R_el, kind", [(5e3, "mixed"), (1e6, "ionic")])
def test_stacks_mixed_conductor_from_the_leak(R_el, kind):
    s = simulate_spectrum("R0-p(R1,CPE1)-p(R2,CPE2)", {**BULK, "R2": R_el}, F, noise=0.003, seed=2)
    d = diagnose_stacks(s, thickness_cm=0.065, area_cm2=1.327)
    assert d.conductor == kind
    if kind == "mixed":  # σ_el = l/(A R_dc), σ_ion = l/A (1/R_bulk − 1/R_dc) by hand
        k = 0.065 / 1.327
        assert d.sigma_el_S_per_cm == pytest.approx(k / (1010.0 + R_el), rel=0.03)
        assert d.sigma_ion_S_per_cm == pytest.approx(k * (1 / 1010.0 - 1 / (1010.0 + R_el)), rel=0.03)
