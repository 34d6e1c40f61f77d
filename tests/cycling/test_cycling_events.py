"""Short-circuit and jump criteria, and the trend fits, on plain arrays."""

from __future__ import annotations

import numpy as np
import pytest

from sselab.cycling import detect_jumps, detect_short_circuit, theil_sen, weighted_line


def test_short_requires_staying_low():
    eta = np.r_[np.full(10, 0.5), 0.05, np.full(10, 0.5)]      # one low cycle, recovers
    assert detect_short_circuit(eta).cycle is None
    eta = np.r_[np.linspace(0.5, 0.7, 10), np.full(6, 0.02)]
    assert detect_short_circuit(eta).cycle == 11


def test_spike_is_not_a_jump_but_a_step_is():
    rng = np.random.default_rng(0)
    base = 0.2 + 0.01 * np.arange(40) + rng.normal(0, 0.001, 40)
    spike = base.copy()
    spike[15] += 0.3
    assert detect_jumps(spike) == []
    step = base.copy()
    step[25:] += 0.3
    jumps = detect_jumps(step)
    assert [j.cycle for j in jumps] == [26]
    assert jumps[0].step_V == pytest.approx(0.31, abs=0.005)


def test_theil_sen_ignores_outliers():
    x = np.arange(20.0)
    y = 1.0 + 0.05 * x
    y[[3, 11]] = [10.0, -5.0]
    fit = theil_sen(x, y)
    assert fit.slope == pytest.approx(0.05, abs=1e-12)
    assert fit.intercept == pytest.approx(1.0, abs=1e-12)


def test_weighted_line_matches_polyfit():
    rng = np.random.default_rng(1)
    x = np.linspace(0, 10, 12)
    s = np.full(12, 0.1)
    y = 2 + 0.3 * x + rng.normal(0, 0.1, 12)
    fit = weighted_line(x, y, s)
    slope, intercept = np.polyfit(x, y, 1)
    assert fit.slope == pytest.approx(slope, rel=1e-10)
    assert fit.intercept == pytest.approx(intercept, rel=1e-10)
    # sigma known: error = sigma / sqrt(Sxx) unless the scatter is larger
    sxx = np.sum((x - x.mean()) ** 2)
    assert fit.slope_stderr >= 0.1 / np.sqrt(sxx) * (1 - 1e-12)
