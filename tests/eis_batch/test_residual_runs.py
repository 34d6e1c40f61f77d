"""The compiled runs tests of the multi-start decision equal the numpy ones."""

import numpy as np
import pytest

from sselab.eis.multistart import _residual_runs
from sselab.fitting.diagnostics import longest_run_p, runs_z


@pytest.mark.parametrize("n", [3, 20, 45, 100])
def test_compiled_residual_runs_equal_numpy(n):
    pytest.importorskip("numba")
    rng = np.random.default_rng(n)
    r = rng.standard_normal((300, 2 * n))
    r[:40, :n] = np.abs(r[:40, :n])  # one sign only: z = -inf
    r[40:80] = np.cumsum(r[40:80], axis=1)  # long same-sign stretches
    r[80:90, n:] = 0.0  # zeros count as negative
    r[90:95, : n // 2] = 1.0  # a systematic half
    ref_z, ref_p = _residual_runs(r, n)
    z, p = _residual_runs(r, n, compiled=True)
    np.testing.assert_array_equal(z, ref_z)
    # p = −expm1(−n·2^−L): the compiled kernel calls libm's expm1, numpy its own (vectorised on
    # AVX-512), which may differ in the last bit; the same longest run L either way
    np.testing.assert_allclose(p, ref_p, rtol=4 * np.finfo(float).eps, atol=0)
    # and against the diagnostics themselves, half by half
    halves = r.reshape(len(r), 2, n)
    zz = runs_z(halves)
    np.testing.assert_array_equal(np.where(np.isnan(zz), -np.inf, zz).min(axis=1), z)
    np.testing.assert_array_equal(longest_run_p(halves).min(axis=1), ref_p)
