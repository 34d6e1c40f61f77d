"""The compiled parameter transforms (sselab.eis.kernel._transform) against the numpy
Transform, the reference, for every kind of parameter: equal to rounding, and round trips."""

from __future__ import annotations

import math

import numpy as np
import pytest

pytest.importorskip("numba")
from sselab.eis.kernel import _transform  # noqa: E402  (needs numba)
from sselab.eis.kernel.dispatch import _kernel_indices  # noqa: E402
from sselab.fitting.parameters import Parameter, Parameters  # noqa: E402
from sselab.fitting.transforms import Transform  # noqa: E402

PARAMS = Parameters([
    Parameter("log", 1e3, min=0.0),                          # log, [0, inf)
    Parameter("shift", 5.0, min=2.0, scale="log"),           # log, [a > 0, inf)
    Parameter("logbox", 1e-6, min=1e-9, max=1e-3, scale="log"),
    Parameter("fixed", 3.0, fixed=True),
    Parameter("box", 0.8, min=0.0, max=1.0),                 # linear box (a CPE exponent)
    Parameter("lower", 1.0, min=-2.0, scale="linear"),
    Parameter("upper", -1.0, max=4.0),
    Parameter("open", -7.0),                                 # unbounded: scale |p0|
])


def test_every_kind_is_covered():
    assert sorted(Transform(PARAMS).kind.tolist()) == list(range(7))


def test_to_u_and_to_p_match_numpy():
    t = Transform(PARAMS)
    free_idx, kind = _kernel_indices(t, PARAMS.free_mask)
    rng = np.random.default_rng(0)
    P = np.tile(PARAMS.value_array, (200, 1))
    P[:, 0] = 10 ** rng.uniform(-6, 8, 200)
    P[:, 1] = 2.0 + 10 ** rng.uniform(-8, 4, 200)
    P[:, 2] = 10 ** rng.uniform(-9, -3, 200)
    P[:, 4] = rng.uniform(0.0, 1.0, 200)
    P[:, 5] = -2.0 + 10 ** rng.uniform(-5, 5, 200)
    P[:, 6] = 4.0 - 10 ** rng.uniform(-5, 5, 200)
    P[:, 7] = rng.normal(0, 100, 200)
    free = PARAMS.free_mask
    x = np.empty((200, free_idx.size))
    _transform.to_u_rows(kind, t.a, t.b, P, free_idx, x)
    np.testing.assert_allclose(x, t.to_u(P[:, free]), rtol=1e-13, atol=1e-13)
    back = P.copy()
    back[:, free] = np.nan
    _transform.to_p_rows(kind, t.a, t.b, x, free_idx, back)
    assert (back[:, ~free] == P[:, ~free]).all()  # fixed columns untouched
    np.testing.assert_allclose(back[:, free], t.to_p(x), rtol=1e-13)
    np.testing.assert_allclose(back, P, rtol=1e-9)  # the round trip (logit of n near 0 or 1 is clipped)


def test_out_of_range_values_clip_like_numpy():
    t = Transform(PARAMS)
    free_idx, kind = _kernel_indices(t, PARAMS.free_mask)
    P = np.tile(PARAMS.value_array, (1, 1))
    P[0, 0], P[0, 4] = 0.0, 1.0  # log at 0 → log(tiny); n at its upper bound → logit(1 − 1e-12)
    x = np.empty((1, free_idx.size))
    _transform.to_u_rows(kind, t.a, t.b, P, free_idx, x)
    ref = t.to_u(P[:, PARAMS.free_mask])
    assert x[0, 0] == ref[0, 0] == math.log(1e-300)
    assert x[0, 3] == pytest.approx(ref[0, 3], rel=1e-12)
    big = np.array([[1e4, 1e4, 1e4, 1e4, 1e4, 1e4, 1e4]])
    out = np.zeros((1, len(PARAMS)))
    _transform.to_p_rows(kind, t.a, t.b, big, free_idx, out)
    np.testing.assert_allclose(out[:, PARAMS.free_mask], t.to_p(big), rtol=1e-13)


def test_dependent_caches_are_dropped_when_the_kernel_file_changes(monkeypatch, tmp_path):
    """_final, _grid, _lm and _transform inline _numba's functions into their cached code: a
    changed _numba.py drops those caches (and only those)."""
    from sselab.eis.kernel import _numba

    kernel_file = tmp_path / "_numba.py"
    kernel_file.write_text("v1")
    monkeypatch.setattr(_numba, "__file__", str(kernel_file))
    cache = tmp_path / "__pycache__"
    cache.mkdir()
    cached = [cache / f"{m}.f-1.py311.nbi" for m in ("_transform", "_final", "_grid", "_lm")]
    other = cache / "_numba.lm_batch-1.py311.nbi"  # its own: numba keys it by this file's stamp
    for f in (*cached, other):
        f.write_text("x")
    _numba._drop_stale_dependents()  # no stamp yet: dropped, stamp written
    assert not any(f.exists() for f in cached) and other.exists()
    for f in cached:
        f.write_text("x")
    _numba._drop_stale_dependents()  # same kernel file: kept
    assert all(f.exists() for f in cached)
    kernel_file.write_text("v2")
    _numba._drop_stale_dependents()  # changed: dropped again
    assert not any(f.exists() for f in cached) and other.exists()
