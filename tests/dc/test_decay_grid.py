"""Start search of the decay fits by variable projection (sselab.dc.decay._grid_starts)."""

import numpy as np
import pytest

from sselab.dc.decay import GRID_P, GRID_T0, GRID_TAU, _grid_starts, fit_decay

T = np.arange(0.0, 9001.0, 15.0)


def _step(grid):
    return float(grid[1] / grid[0])


def test_grid_start_lies_within_a_grid_step_of_the_truth():
    y = 0.2 + 0.8 * np.exp(-T / 600.0)
    c, a, tau = _grid_starts("exp1", T, y)[0]
    assert 1 / _step(GRID_TAU) <= tau / 600.0 <= _step(GRID_TAU)
    y2 = 0.1 + 0.6 * np.exp(-T / 80.0) + 0.3 * np.exp(-T / 1500.0)
    c, a1, t1, a2, t2 = _grid_starts("exp2", T, y2)[0]
    assert 1 / _step(GRID_TAU) <= t1 / 80.0 <= _step(GRID_TAU)
    assert 1 / _step(GRID_TAU) <= t2 / 1500.0 <= _step(GRID_TAU)
    assert a1 > a2 > 0
    yp = 0.05 + 0.95 * (1 + T / 30.0) ** -0.7
    c, a, t0, p = _grid_starts("power", T, yp)[0]
    assert 1 / _step(GRID_T0) <= t0 / 30.0 <= _step(GRID_T0)
    assert 1 / _step(GRID_P) <= p / 0.7 <= _step(GRID_P)


@pytest.mark.parametrize("seed", range(4))
def test_one_start_recovers_simulated_parameters(seed):
    rng = np.random.default_rng(seed)
    Is, a1, a2 = 1e-8, 6e-8, 3e-8
    t1, t2 = rng.uniform(30, 150), rng.uniform(800, 2500)
    i = Is + a1 * np.exp(-T / t1) + a2 * np.exp(-T / t2)
    i = i + rng.normal(0, 1e-10, T.size)
    d = fit_decay(T, i, model="exp2")
    assert abs(d.Is_A - Is) < 4 * d.Is_stderr_A
    assert d.time_constants_s == pytest.approx((t1, t2), rel=0.05)
    assert d.rms_residual_A == pytest.approx(1e-10, rel=0.15)
    t0, p = rng.uniform(5, 100), rng.uniform(0.4, 1.5)
    i = Is + 9e-8 * (1 + T / t0) ** -p + rng.normal(0, 1e-10, T.size)
    d = fit_decay(T, i, model="power")
    assert abs(d.Is_A - Is) < 4 * d.Is_stderr_A
    assert d.parameters["p"] == pytest.approx(p, rel=0.05) and d.parameters["t0_s"] == pytest.approx(t0, rel=0.1)
    assert d.rms_residual_A == pytest.approx(1e-10, rel=0.15)


def _blind_starts(model, t, y):
    """The 12 fixed starts the decay fits used before the grid search (for comparison)."""
    dur = float(t[-1])
    tail = float(np.median(y[-max(3, len(y) // 20):]))
    amp = max(float(y[0] - tail), 1e-6)
    grid = [dur * f for f in (3e-3, 3e-2, 0.3)]
    if model == "power":
        return np.array([[tail, amp, dur * f, q] for f in (1e-3, 1e-2, 1e-1) for q in (0.3, 1.0)])
    if model == "exp1":
        return np.array([[tail, amp, tau] for tau in grid])
    return np.array([[tail, amp / 2, t1, amp / 2, t2] for t1 in grid for t2 in grid if t2 > t1])


@pytest.mark.parametrize("seed", range(3))
def test_grid_starts_reach_at_least_the_blind_multistart_minimum(seed):
    from sselab.dc.decay import _problem, _residuals
    from sselab.fitting import fit

    rng = np.random.default_rng(100 + seed)
    y1 = 0.2 + 0.8 * np.exp(-T / rng.uniform(100, 2000))
    y2 = 0.1 + 0.5 * np.exp(-T / rng.uniform(20, 80)) + 0.4 * np.exp(-T / rng.uniform(500, 3000))
    yp = 0.05 + 0.95 * (1 + T / rng.uniform(2, 200)) ** -rng.uniform(0.3, 2)
    for model, y in (("exp1", y1), ("exp2", y2), ("power", yp), ("power", y1)):
        y = y + rng.normal(0, 0.002, T.size)
        names, params, starts = _problem(model, T, y)
        fun = _residuals(model, T[None, :], y[None, :])
        new = fit(fun, params, starts=starts)
        old = fit(fun, params, starts=_blind_starts(model, T, y))
        assert new.chi2 <= old.chi2 * (1 + 1e-7), (model, new.chi2, old.chi2)
        assert len(starts) <= 2
