"""prepared_kept: within the block a transient is prepared once per set potential."""

import numpy as np

from sselab.dc import transient
from sselab.dc.transient import prepare, prepared_kept
from sselab.measurements import CurrentTransient


def _ct(scale=1.0):
    t = np.arange(0.0, 600.0, 5.0)
    return CurrentTransient(time_s=t, current_A=scale * (1e-6 * np.exp(-t / 60) + 1e-7),
                            potential_V=np.full(t.size, 0.1))


def test_prepared_once_per_transient_and_potential(monkeypatch):
    calls = []
    real = transient._prepare
    monkeypatch.setattr(transient, "_prepare", lambda ct, v: calls.append(v) or real(ct, v))
    a, b = _ct(), _ct(2.0)
    with prepared_kept():
        first = prepare(a, 0.1)
        assert prepare(a, 0.1) is first  # kept
        assert prepare(a, 0.2) is not first  # another set potential: prepared again
        other = prepare(b, 0.1)  # another record (equal times): its own preparation
        assert other.current_A[0] == 2 * first.current_A[0]
    assert calls == [0.1, 0.2, 0.1]
    outside = prepare(a, 0.1)  # nothing kept outside the block
    assert outside is not first and calls == [0.1, 0.2, 0.1, 0.1]
    assert np.array_equal(outside.current_A, first.current_A) and outside.first_valid == first.first_valid
