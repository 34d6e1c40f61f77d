"""Detection limit of `identify`: simulated two-phase patterns with a known minor-phase amount."""

from __future__ import annotations

import numpy as np
import pytest

from sselab.xrd.identify import identify
from sselab.xrd.library import mg3asn, zro2_monoclinic
from sselab.xrd.simulate import simulate_pattern

X = np.arange(20, 80, 0.02)


def _run(w: float, time_factor: float, seed: int):
    phases = [mg3asn(), zro2_monoclinic()]
    pat = simulate_pattern(phases, X, weight_fractions={"Mg3AsN": 1 - w, "ZrO2-m": w}, peak_counts=1e4 * time_factor,
                           background=tuple(time_factor * c for c in (200.0, -50.0, 20.0)), seed=seed)
    return identify(pat, phases).candidates[1]


def test_below_the_limit_absent_well_above_present_and_limit_falls_with_sqrt_counts():
    low = _run(0.003, 1.0, 5)  # 0.3 wt% ZrO2-m
    assert not low.present and low.weight_fraction is None
    lim = low.detection_limit_wt_percent
    assert lim is not None and 0.3 < lim  # the truth is below the stated limit: "absent (< lim)" holds
    assert low.detection.startswith(f"absent (< {lim:.2g} wt%)")
    assert low.strongest_reflection_2theta_deg == pytest.approx(28.2, abs=0.3)  # ZrO2-m (-111)
    high = _run(3 * lim / 100, 1.0, 6)  # three times the stated limit
    assert high.present
    assert 100 * high.weight_fraction == pytest.approx(3 * lim, abs=4 * 100 * high.weight_fraction_stderr + 0.2 * lim)
    longer = _run(0.003, 4.0, 7)  # four times the counting time: background and peaks ×4
    ratio = low.detection_limit_counting_wt_percent / longer.detection_limit_counting_wt_percent
    assert ratio == pytest.approx(2.0, rel=0.1)  # √4
    assert longer.detection_limit_wt_percent < lim
