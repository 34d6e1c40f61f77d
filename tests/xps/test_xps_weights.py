"""The XPS weighting rule, written once (sselab.xps.model.point_variance) for the fit and the CasaXPS χ²."""

from __future__ import annotations

import numpy as np
import pytest

from sselab.exceptions import ParameterError
from sselab.xps.model import point_variance


def test_poisson_and_uniform_variances_by_hand():
    y = np.array([0.0, 0.5, 4.0, 9.0])
    assert point_variance(y, "poisson").tolist() == [1.0, 1.0, 4.0, 9.0]
    assert point_variance(y, "uniform").tolist() == [3.375] * 4  # mean 13.5 / 4
    assert point_variance([0.2, 0.4], "uniform").tolist() == [1.0, 1.0]  # floor of 1 count
    with pytest.raises(ParameterError):
        point_variance(y, "statistical")
