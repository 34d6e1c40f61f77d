"""The compiled decay residuals (sselab.dc._decay_kernel): numpy's values, and the same fits."""

import numpy as np
import pytest

from sselab.dc import decay

pytest.importorskip("numba")
from sselab.dc import _decay_kernel  # noqa: E402



def _records(n):
    """Decays of one and two exponentials, 0.2 % noise; every fourth one shorter."""
    rng = np.random.default_rng(3)
    out = []
    for k in range(n):
        t = np.arange(0.0, 9001.0, 15.0)
        tau, a, Is = rng.uniform(200, 1500), rng.uniform(2, 8), rng.uniform(0.5, 2)
        i = Is + a * np.exp(-t / tau) + (0.5 * a * np.exp(-t / (0.1 * tau)) if k % 3 == 1 else 0.0)
        if k % 4 == 3:
            t, i = t[:300], i[:300]
        out.append((t, 1e-7 * i * (1 + 0.002 * rng.standard_normal(t.size))))
    return out


def _libm_like_numpy() -> bool:
    """numpy's exp/log/power are the C library's (no AVX-512 variants on this CPU)."""
    import math

    x = np.random.default_rng(1).uniform(-30, 30, 4096)
    return bool(np.all(np.exp(x) == np.array([math.exp(v) for v in x])))


@pytest.mark.parametrize("model", ["exp1", "exp2", "power"])
def test_compiled_residuals_equal_numpy(model):
    rng = np.random.default_rng(7)
    t = np.arange(0.0, 9001.0, 15.0)
    T = np.stack([t, 2 * t, 0.5 * t])
    Y = 0.1 + np.exp(-T / 700) + 1e-3 * rng.standard_normal(T.shape)
    n = {"exp1": 3, "exp2": 5, "power": 4}[model]
    P = rng.uniform(0.05, 2.0, (11, n))
    if model != "power":
        P[:, 2::2] = rng.uniform(5.0, 5000.0, (11, (n - 1) // 2))  # time constants
    else:
        P[:, 2] = rng.uniform(1.0, 900.0, 11)
    P[0, 2] = 0.0  # a zero time constant: inf/NaN as numpy gives them, not an exception
    rows = rng.integers(0, 3, 11)
    with np.errstate(all="ignore"):
        r0, J0 = decay._residuals(model, T, Y)(P, rows)
    r1, J1 = _decay_kernel.residuals(model, T, Y)(P, rows)
    assert r1.shape == r0.shape and J1.shape == J0.shape
    close = dict(rtol=1e-14, atol=0, equal_nan=True)
    np.testing.assert_allclose(r1[1:], r0[1:], **close)
    np.testing.assert_allclose(J1[1:], J0[1:], **close)
    assert np.array_equal(np.isfinite(r1), np.isfinite(r0)) and np.array_equal(np.isfinite(J1), np.isfinite(J0))
    if _libm_like_numpy():  # the same operations in the same order: equal bit for bit
        assert np.array_equal(r1, r0, equal_nan=True) and np.array_equal(J1, J0, equal_nan=True)


def test_compiled_batch_gives_the_numpy_batch(monkeypatch):
    records = _records(12)
    monkeypatch.setenv("SSELAB_FIT_KERNEL", "numpy")
    assert not decay._compiled(10_000)
    ref = decay.fit_decays(records)
    monkeypatch.setenv("SSELAB_FIT_KERNEL", "numba")
    assert decay._compiled(1)
    got = decay.fit_decays(records)
    for a, b in zip(ref, got):
        assert a.model == b.model and a.warnings == b.warnings
        for key in ("Is_A", "I_at_0_A", "Is_stderr_A", "I_at_0_stderr_A", "rms_residual_A", "bic"):
            if _libm_like_numpy():
                assert getattr(b, key) == getattr(a, key)
            else:
                assert getattr(b, key) == pytest.approx(getattr(a, key), rel=1e-9)


def test_auto_compiles_large_batches_only(monkeypatch):
    monkeypatch.delenv("SSELAB_FIT_KERNEL", raising=False)
    assert not decay._compiled(decay.COMPILED_MIN_RECORDS - 1)
    assert decay._compiled(decay.COMPILED_MIN_RECORDS)
