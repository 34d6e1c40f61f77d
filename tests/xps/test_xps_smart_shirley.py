"""Smart (offset) Shirley: the iterated Shirley constrained never to exceed the data."""

from __future__ import annotations

import numpy as np

from sselab.xps.backgrounds import shirley, smart_shirley
from sselab.xps.fit import fit_region
from sselab.xps.model import Component, PeakModel


def _spectrum(dip: float):
    e = np.linspace(280.0, 295.0, 301)
    pk = 1000 * np.exp(-((e - 285) / 0.8) ** 2)
    step = np.concatenate(([0.0], np.cumsum(0.5 * (pk[1:] + pk[:-1])))) # a Shirley-shaped step
    y = 100 + pk + 300 * step / step[-1]
    # a dip below the step (e.g. a loss feature or a charging artefact) at 291 eV
    y = y - dip * np.exp(-((e - 291) / 0.6) ** 2)
    return e, y


def test_identical_to_shirley_when_shirley_stays_below_the_data():
    e, y = _spectrum(0.0)
    plain = shirley(e, y)
    assert (plain - y).max() < 1e-6
    assert np.allclose(smart_shirley(e, y), plain, atol=1e-6)


def test_never_above_the_data_where_shirley_is():
    e, y = _spectrum(150.0)
    plain, smart = shirley(e, y), smart_shirley(e, y)
    assert (plain - y).max() > 50                       # the plain Shirley cuts through the dip
    assert np.all(smart <= y + 1e-9)
    # at the dip it follows the data; far from it it is the Shirley step (ends as the plain one)
    i = np.argmin(np.abs(e - 291))
    assert smart[i] == y[i]
    assert abs(smart[0] - plain[0]) < 1e-6 and abs(smart[-1] - plain[-1]) < 2.0
    # the step at the peak still rises by the end difference (~300)
    assert 250 < smart[-1] - smart[0] < 320


def test_smart_background_in_a_fit_recovers_the_area():
    """Peak of known area (GL(30), 1000 × unit area × 1.6 eV) over a step: smart fit area within 2 %."""
    from sselab.measurements import XPSRegion
    from sselab.xps.lineshapes import unit_area

    e = np.linspace(280.0, 292.0, 241)
    true_area = 2000.0
    y = 100 + true_area * np.exp(-4 * np.log(2) * ((e - 285) / 1.6) ** 2) / (1.6 * unit_area("GL", m=0.0))
    y = y + 0.02 * np.concatenate(([0.0], np.cumsum(y[1:] - 100))) * (e[1] - e[0])
    region = XPSRegion("C 1s", e, y)
    m = PeakModel("C 1s", (Component("C", 285.0, 1.6, "GL", {"m": 0.0}),), background="smart")
    fit = fit_region(region, m)
    assert abs(fit.components[0].area / true_area - 1) < 0.02
