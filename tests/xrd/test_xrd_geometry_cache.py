"""ReflectionList.geometry_at keeps its last result: asked again for the same coordinates it
returns it (read-only), asked for others it computes them, as a fresh list would."""

from __future__ import annotations

import numpy as np
import pytest

from sselab.xrd import get_phase
from sselab.xrd.reflections import ReflectionList


def test_geometry_at_reuses_only_the_same_coordinates():
    phase = get_phase("Mg3N2")  # bixbyite: free x, y, z of Mg and x of N
    refl = ReflectionList.from_phase(phase, d_min=1.1)
    x0 = np.asarray(refl.freedom.values, float)
    assert x0.size >= 2
    x1 = x0 + 0.01
    g0, d0 = refl.geometry_at(x0, True)
    again, d_again = refl.geometry_at(x0.copy(), True)
    assert again is g0 and d_again is d0  # kept
    assert not g0.flags.writeable and not d0.flags.writeable
    g1, d1 = refl.geometry_at(x1, True)
    fresh = ReflectionList.from_phase(phase, d_min=1.1)  # no cache: the reference
    r1, rd1 = fresh.geometry_at(x1, True)
    assert np.array_equal(g1, r1) and np.array_equal(d1, rd1)
    assert not np.allclose(g1, g0)  # the coordinates matter: a stale result would fail above
    g1_plain, none = refl.geometry_at(x1, False)
    assert none is None and g1_plain is g1
    g2, nd = refl.geometry_at(x0, False)  # value only: no derivatives computed or returned
    assert nd is None and np.array_equal(g2, fresh.geometry_at(x0, False)[0])
    g3, d3 = refl.geometry_at(x0, True)  # derivatives asked after a value-only call: computed
    assert d3 is not None and np.array_equal(d3, fresh.geometry_at(x0, True)[1])
    with pytest.raises(ValueError):
        g3[0, 0] = 0.0
