"""Plating/stripping analysis against simulated records with known truth."""

from __future__ import annotations

import numpy as np
import pytest

from sselab.cycling import plating_stripping, segment
from sselab.cycling.simulate import paper_mg_cycling, simulate_cycling
from sselab.exceptions import AnalysisError
from sselab.measurements import GalvanostaticRecord


def test_steady_overpotential_all_definitions():
    rec = simulate_cycling(6, eta_plating_V=-0.25, eta_stripping_V=0.18)
    res = plating_stripping(rec)
    assert res.n_cycles == 6
    for c in res.cycles:
        # the model relaxes as eta (1 - exp(-t/tau)), tau = 5 % of the step: end value = eta
        assert c.plating["end"] == pytest.approx(-0.25, abs=1e-6)
        assert c.stripping["median_last_10pct"] == pytest.approx(0.18, abs=1e-6)
        assert c.stripping["max_abs"] == pytest.approx(0.18, abs=1e-6)
        # time-weighted mean of eta (1 - exp(-t/tau)) over T = eta (1 - tau/T) = 0.95 eta
        assert c.plating["mean"] == pytest.approx(-0.25 * 0.95, rel=2e-3)
    assert res.growth_per_cycle.slope == pytest.approx(0.0, abs=1e-9)
    assert res.short_circuit.cycle is None and res.jumps == ()


def test_charge_duration_and_current_density():
    rec = simulate_cycling(3, current_A=1e-5, half_cycle_s=3600.0, area_cm2=1.327)
    res = plating_stripping(rec)
    h = res.half_cycles[0]
    assert h.half.kind == "plating" and h.half.duration_s == pytest.approx(3600.0)
    assert h.charge_C == pytest.approx(-0.036, rel=1e-9)          # 10 µA x 1 h
    assert h.to_dict()["charge_mAh"] == pytest.approx(-0.01, rel=1e-9)
    assert res.to_dict()["current_density_mA_per_cm2"] == pytest.approx(0.01 / 1.327, rel=1e-6)
    assert h.current_density_mA_per_cm2 == pytest.approx(-0.01 / 1.327, rel=1e-6)


def test_paper_growth_recovered():
    rec = paper_mg_cycling()
    truth = rec.metadata["truth"]
    res = plating_stripping(rec, definition="median_last_10pct")
    assert res.n_cycles == 90
    first, last = res.cycles[0], res.cycles[-1]
    assert first.plating["median_last_10pct"] == pytest.approx(-0.1, abs=0.005)
    assert first.stripping["median_last_10pct"] == pytest.approx(0.03, abs=0.005)
    assert last.plating["median_last_10pct"] == pytest.approx(-2.0, abs=0.005)
    assert last.stripping["median_last_10pct"] == pytest.approx(1.9, abs=0.005)
    # (1.9 + 2.0 - 0.03 - 0.1) / 89 = 0.04236 V/cycle
    assert res.growth_per_cycle.slope == pytest.approx(truth["growth_V_per_cycle"], rel=0.01)
    assert res.growth_per_cycle.slope == pytest.approx(3.77 / 89, rel=0.01)
    assert res.growth_per_hour.slope == pytest.approx(truth["growth_V_per_h"], rel=0.01)
    assert res.plating_growth_per_cycle.slope == pytest.approx(-1.9 / 89, rel=0.01)
    assert res.short_circuit.cycle is None
    assert res.jumps == ()


def test_short_and_jump_recovered_with_noisy_rests():
    rec = simulate_cycling(30, eta_plating_V=-0.1, eta_stripping_V=0.08, eta_plating_end_V=-0.3,
                           eta_stripping_end_V=0.25, noise_V=0.002, rest_s=600, current_noise_A=2e-7,
                           short_cycle=21, jump_cycle=9, jump_V=0.1, seed=3)
    res = plating_stripping(rec)
    assert res.n_cycles == 30
    assert res.short_circuit.cycle == 21
    assert 9 in [j.cycle for j in res.jumps]
    up = [j for j in res.jumps if j.cycle == 9][0]
    assert up.step_V == pytest.approx(0.2 + (0.55 - 0.18) / 29, abs=0.02)   # +0.1 on each half
    # growth fitted only before the short, robust to the jump
    assert res.growth_per_cycle.slope > 0


def test_short_by_ohmic_level():
    rec = simulate_cycling(12, eta_plating_V=-0.2, eta_stripping_V=0.2, short_cycle=8, r_ohm=500.0)
    res = plating_stripping(rec, r_ohm=500.0)
    assert res.short_circuit.cycle == 8
    assert "R_ohm" in res.short_circuit.criterion


def test_formation_step_and_first_stripping():
    rec = simulate_cycling(8, first="stripping", formation_s=20000, rest_s=300, current_noise_A=1e-7, seed=1)
    seg = segment(rec)
    assert seg.half_cycles[0].formation and seg.half_cycles[0].cycle == 0
    assert seg.first_sign == 1
    assert seg.n_cycles == 8
    assert [h.kind for h in seg.half_cycles[1:3]] == ["stripping", "plating"]


def test_cut_record_is_a_stated_partial_result():
    rec = simulate_cycling(10, cut_fraction=0.4)
    res = plating_stripping(rec)
    assert res.n_cycles == 9
    assert any("cut mid-step" in w for w in res.warnings)
    assert res.cycles[-1].complete is False


def test_brief_dip_to_zero_does_not_split_a_half_cycle():
    t = np.arange(0, 4000.0, 10.0)
    i = np.where(t < 2000, -1e-5, 1e-5)
    i[50:52] = 0.0                        # 20 s dropout inside the first 2000 s step
    v = np.sign(i) * 0.1
    seg = segment(GalvanostaticRecord(time_s=t, current_A=i, voltage_V=v))
    assert len(seg.half_cycles) == 2 and seg.n_cycles == 1


def test_one_sign_current_is_an_error():
    t = np.arange(100.0)
    with pytest.raises(AnalysisError, match="negative \\(plating\\) only"):
        plating_stripping(GalvanostaticRecord(time_s=t, current_A=np.full(100, -1e-5), voltage_V=-0.1 + 0 * t))


def test_zero_current_is_an_error():
    t = np.arange(100.0)
    rng = np.random.default_rng(0)
    with pytest.raises(AnalysisError, match="no steady current"):
        plating_stripping(GalvanostaticRecord(time_s=t, current_A=rng.normal(0, 1e-9, 100), voltage_V=0 * t))


def test_unknown_definition():
    with pytest.raises(AnalysisError, match="unknown overpotential definition"):
        plating_stripping(simulate_cycling(2), definition="last")
