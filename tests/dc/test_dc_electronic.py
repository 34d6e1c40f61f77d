"""σ_el from steady-state currents at several voltages: round trip, intercept, linearity, errors."""

from __future__ import annotations

import numpy as np
import pytest

from sselab.dc.electronic import electronic_conductivity
from sselab.exceptions import AnalysisError
from sselab.transport.geometry import SampleGeometry
from sselab.transport.simulate import simulate_polarisation, simulate_transient

PAPER = SampleGeometry.from_text("0.65 mm", diameter="13 mm")


def test_round_trip_paper_sigma_el():
    s_el, s_ion = 4.9e-8, 5.54e-4
    cts = [simulate_polarisation(s_ion, s_el, PAPER, v, (300.0,), duration_s=3 * 3600, interval_s=30,
                                 noise_A=1e-10, seed=k) for k, v in enumerate((0.5, 1.0, 1.5, 2.0, 2.5, 3.0))]
    res = electronic_conductivity(cts, PAPER)
    R_true = PAPER.thickness_cm / (s_el * PAPER.area_cm2)
    assert res.R_el_ohm == pytest.approx(R_true, rel=0.01)
    assert abs(res.sigma_el_S_per_cm - s_el) < 3 * res.sigma_el_stderr_S_per_cm + 1e-3 * s_el
    assert res.r_squared > 0.999
    assert abs(res.intercept_A) < 3 * res.intercept_stderr_A + 1e-12
    assert all(res.steady_state_reached)
    d = res.to_dict()
    assert d["sigma_el"] == d["sigma_el_S_per_cm"] and d["R_el"] == d["R_el_ohm"]


def test_intercept_and_curvature_are_flagged():
    g = 1e-6  # 1 MΩ
    volts = (0.5, 1.0, 1.5, 2.0, 2.5, 3.0)
    # a 0.3 V offset (electrode polarisation) and then a superlinear rise
    cts = [simulate_transient(5 * g * v, g * max(v - 0.3, 0) + 1e-7 * v**3, (100.0,), duration_s=3600, interval_s=10,
                              potential_V=v, noise_A=1e-10, seed=i) for i, v in enumerate(volts)]
    res = electronic_conductivity(cts, PAPER)
    text = " ".join(res.warnings)
    assert "intercept" in text
    assert "bends" in text


def test_needs_two_voltages():
    ct = simulate_transient(1e-6, 1e-7, (100.0,), duration_s=3600, interval_s=10, potential_V=0.5)
    with pytest.raises(AnalysisError, match="2 or more"):
        electronic_conductivity([ct, ct], PAPER)
