"""Estimates' per-row flags for a few rows (Python floats) equal the vectorised numpy ones."""

from __future__ import annotations

import numpy as np

from sselab.fitting import engine
from sselab.fitting.parameters import Parameter, Parameters


def _estimates(values, cov):
    t = Parameters([Parameter("R", 1.0, min=0.0), Parameter("k", 0.0, fixed=True),
                    Parameter("n", 0.5, min=0.0, max=1.0), Parameter("x", 0.0)])
    R = len(values)
    return engine.Estimates(t, values, np.zeros((R, 8)), cov, [set()] * R, [""] * R, np.ones(R), np.ones(R), 1)


def test_few_rows_match_many_rows():
    rng = np.random.default_rng(3)
    R = 40
    values = np.column_stack([10 ** rng.uniform(-3, 3, R), np.zeros(R), rng.uniform(0, 1, R), rng.normal(0, 1, R)])
    values[::7, 2] = 1.0 - 1e-8  # at the upper bound
    values[1::9, 0] = 1e-310  # at the lower bound
    values[2::11, 3] = 0.0  # zero value: undetermined
    A = rng.normal(size=(R, 3, 3))
    cov = A @ A.transpose(0, 2, 1) * 10 ** rng.uniform(-6, 1, (R, 1, 1))
    cov[3::8, 1, 1] = -1.0  # negative variance: no standard error
    cov[4::10] = np.nan  # covariance failed
    many = _estimates(values, cov)
    assert len(many) > engine._FEW_ROWS
    for lo in range(0, R, 3):  # the same rows in groups of three (the Python-float path)
        few = _estimates(values[lo:lo + 3], cov[lo:lo + 3])
        np.testing.assert_array_equal(few.stderr, many.stderr[lo:lo + 3])
        np.testing.assert_array_equal(few.undetermined, many.undetermined[lo:lo + 3])
        np.testing.assert_array_equal(few.at_bound, many.at_bound[lo:lo + 3])
    assert many.undetermined.any() and not many.undetermined.all()
    assert many.at_bound.any() and not many.at_bound.all()
    assert np.isnan(many.stderr[:, 1]).all() and np.isnan(many.stderr[3, 2])
