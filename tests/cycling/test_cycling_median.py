"""The CV smoother's 5-point running median equals scipy.signal.medfilt(x, 5) exactly."""

import numpy as np
import pytest
from scipy.signal import medfilt

from sselab.cycling.voltammetry import _median5, _smooth


@pytest.mark.parametrize("n", [5, 6, 7, 31, 400])
def test_median5_equals_medfilt(n):
    rng = np.random.default_rng(n)
    for _ in range(20):
        x = rng.normal(size=n) * 10 ** rng.uniform(-9, 0)
        x[rng.integers(0, n, 3)] *= 100.0  # spikes
        assert np.array_equal(_median5(x), medfilt(x, 5))


def test_median5_removes_a_single_spike_by_hand():
    x = np.array([1.0, 2.0, 3.0, 100.0, 5.0, 6.0, 7.0])
    # zero padding at the ends, as medfilt: median(0, 0, 1, 2, 3) = 1, median(0, 1, 2, 3, 100) = 2
    assert _median5(x).tolist() == [1.0, 2.0, 3.0, 5.0, 6.0, 6.0, 5.0]


def test_smooth_keeps_sweeps_apart_and_ends_raw():
    i = np.array([0.0, 1.0, 2.0, 3.0, 4.0, 50.0, 4.0, 3.0, 2.0, 1.0, 0.0])
    out = _smooth(i, [0, 5, 10])
    expected = i.copy()
    expected[0:6] = medfilt(i[0:6], 5)
    expected[5:11] = medfilt(i[5:11], 5)
    expected[0], expected[-1] = i[0], i[-1]
    assert np.array_equal(out, expected)
