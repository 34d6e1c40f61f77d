"""t_ion from simulated DC holds with known I0, Is, time constants; bad inputs."""

from __future__ import annotations

import numpy as np
import pytest

from sselab.dc.steady_state import SteadyStateCriterion, steady_state
from sselab.dc.transference import transference
from sselab.dc.transient import prepare
from sselab.exceptions import AnalysisError
from sselab.measurements import CurrentTransient
from sselab.transport.geometry import SampleGeometry
from sselab.transport.simulate import simulate_polarisation, simulate_transient

PAPER = SampleGeometry.from_text("0.65 mm", diameter="13 mm")


def test_round_trip_mixed_conductor_with_noise():
    # σ_ion, σ_el known -> t_ion = σ_ion/(σ_ion+σ_el) = 0.615 (the paper's 600 °C value)
    s_el = 6.87e-8
    s_ion = s_el * 0.615 / 0.385
    ct = simulate_polarisation(s_ion, s_el, PAPER, 0.5, (120.0, 900.0), duration_s=3 * 3600, interval_s=20,
                               noise_A=2e-10, seed=1)
    res = transference(ct)
    assert res.steady.reached
    assert res.first_point_valid and res.I0_method == "first point"
    assert abs(res.t_ion - 0.615) < max(3 * res.t_ion_stderr, 0.005)
    truth_is = 0.5 * s_el * PAPER.area_cm2 / PAPER.thickness_cm
    assert res.Is_A == pytest.approx(truth_is, rel=0.02)
    assert res.I0_extrapolated_A == pytest.approx(ct.metadata["truth"]["I0_A"], rel=0.02)


def test_never_steady_curve_is_said_and_extrapolated():
    # time constant 3× the record: the tail still decays; the window mean overestimates Is
    ct = simulate_transient(1e-6, 1e-7, (4000.0,), duration_s=4000.0, interval_s=10.0, noise_A=5e-10, seed=2)
    res = transference(ct)
    assert not res.steady.reached
    assert res.steady.distance_from_steady_state > 0.5
    assert "extrapolated" in res.steady.method
    # extrapolation recovers the true Is better than the last current does
    assert abs(res.Is_A - 1e-7) < abs(res.steady.window_mean_A - 1e-7)
    assert any("steady state not reached" in w for w in res.warnings)
    d = res.to_dict()
    assert d["steady_state_reached"] is False and d["Is"] == res.Is_A


def test_window_method_on_never_steady_carries_systematic_error():
    ct = simulate_transient(1e-6, 1e-7, (4000.0,), duration_s=4000.0, interval_s=10.0, noise_A=5e-10, seed=2)
    p = prepare(ct)
    ss = steady_state(p, method="window")
    assert ss.Is_stderr_A > abs(ss.Is_A - ss.decay.Is_A) * 0.99


def test_first_point_before_set_point_detected():
    ct = simulate_transient(2e-6, 5e-7, (200.0,), duration_s=3600, interval_s=10, first_point_before_set_point=True)
    res = transference(ct)
    assert not res.first_point_valid
    assert res.I0_first_point_A == pytest.approx(100e-6)
    assert res.I0_extrapolated_A == pytest.approx(2e-6, rel=1e-3)
    assert "extrapolated" in res.I0_method
    assert res.t_ion == pytest.approx(0.75, abs=1e-3)
    forced = transference(ct, i0="first")
    # "first" means the first point at the set potential, 10 s into a 200 s decay
    assert forced.I0_A == pytest.approx(5e-7 + 1.5e-6 * np.exp(-10 / 200), rel=1e-9)


def test_negative_polarisation_is_mirrored():
    ct = simulate_transient(2e-6, 5e-7, (200.0,), duration_s=3600, interval_s=10, potential_V=-0.5)
    neg = CurrentTransient(time_s=ct.time_s, current_A=-ct.current_A, potential_V=ct.potential_V)
    res = transference(neg)
    assert res.t_ion == pytest.approx(0.75, abs=1e-3)
    assert res.I0_A < 0 and res.Is_A < 0


def test_wrong_sign_currents():
    ct = simulate_transient(2e-6, 5e-7, (200.0,), duration_s=3600, interval_s=10)
    bad = CurrentTransient(time_s=ct.time_s, current_A=-ct.current_A, potential_V=ct.potential_V, source="bad.csv")
    with pytest.raises(AnalysisError, match="wrong sign"):
        transference(bad)


def test_no_current_column_and_too_short():
    with pytest.raises(AnalysisError, match="no current"):
        transference(CurrentTransient(time_s=np.arange(10.0), current_A=np.empty(0), potential_V=np.empty(0)))
    with pytest.raises(AnalysisError, match="at least"):
        transference(CurrentTransient(time_s=np.arange(3.0), current_A=[3.0, 2.0, 1.0], potential_V=[1.0] * 3))


def test_criterion_is_configurable_and_reported():
    ct = simulate_transient(1e-6, 1e-7, (600.0,), duration_s=3600.0, interval_s=10.0)
    strict = transference(ct, SteadyStateCriterion(max_relative_change=1e-4))
    loose = transference(ct, SteadyStateCriterion(max_relative_change=0.05))
    # remaining decay over the last 360 s: 9e-7·e^-6·(1-e^-0.6) ≈ 1e-9 A, i.e. ~1% of Is
    assert not strict.steady.reached and loose.steady.reached
    assert "5%" in loose.to_dict()["criterion"]["description"]
    with pytest.raises(AnalysisError):
        SteadyStateCriterion(max_relative_change=2.0)
