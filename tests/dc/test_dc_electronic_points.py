"""σ_el from per-hold steady-state points (what a study passes instead of refitting the files)."""

import numpy as np
import pytest

from sselab.dc.electronic import electronic_conductivity, electronic_from_points, steady_points
from sselab.exceptions import AnalysisError
from sselab.measurements import CurrentTransient
from sselab.transport.geometry import SampleGeometry

GEOMETRY = SampleGeometry(0.065e-2, 1.327e-4)


def _holds():
    t = np.linspace(0, 3600, 200)
    return [CurrentTransient(time_s=t, current_A=v / 2e6 * (1 + np.exp(-t / 100)), potential_V=np.full(t.size, v))
            for v in (0.5, 1.0, 2.0)]


def test_points_give_the_same_answer_as_the_transients():
    direct = electronic_conductivity(_holds(), GEOMETRY)
    via = electronic_from_points(steady_points(_holds()), GEOMETRY)
    assert via.R_el_ohm == pytest.approx(2e6, rel=1e-3)  # R_el of the simulated holds
    assert via.sigma_el_S_per_cm == direct.sigma_el_S_per_cm and via.warnings == direct.warnings


def test_a_hold_without_a_voltage_is_a_clear_error():
    points = steady_points(_holds())
    points[1]["voltage_V"] = None
    with pytest.raises(AnalysisError, match="applied potential is unknown"):
        electronic_from_points(points, GEOMETRY)
